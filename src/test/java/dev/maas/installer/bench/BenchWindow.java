package dev.maas.installer.bench;

import atlantafx.base.theme.PrimerLight;
import dev.maas.installer.cluster.ProxySettings;
import dev.maas.installer.cluster.TrustStore;
import dev.maas.installer.ui.WizardShell;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.stage.Stage;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The real wizard in a window for the benchmarks and screenshot programs: the JavaFX toolkit (headless Monocle,
 * software rendering, unless {@code -Dbench.display=true} with a {@code DISPLAY}), the app's {@link WizardShell}
 * with a fresh home in a work folder, shown at 1366x768, and the calls onto and back from the FX thread.
 */
final class BenchWindow {
    static final int WIDTH = 1366;
    static final int HEIGHT = 768;

    private BenchWindow() { }

    /** Starts the JavaFX toolkit; the program keeps running when its window closes. */
    static void startFx() throws Exception {
        if (!Boolean.getBoolean("bench.display")) {
            System.setProperty("glass.platform", "Monocle");
            System.setProperty("monocle.platform", "Headless");
            System.setProperty("prism.order", "sw");
            System.setProperty("prism.text", "t2k");
            System.setProperty("headless.geometry", WIDTH + "x" + HEIGHT + "-32");
            System.setProperty("java.awt.headless", "true");
        }
        CompletableFuture<Void> started = new CompletableFuture<>();
        Platform.startup(() -> started.complete(null));
        started.get(60, TimeUnit.SECONDS);
        Platform.setImplicitExit(false);
    }

    /**
     * The wizard as the app builds it, with its home, trusted clusters and sandbox in {@code work}, no proxy, no
     * kubeconfig from the environment and links that open nothing; callers add their own options.
     */
    static WizardShell.Builder shell(Path work, String version) {
        Path home = work.resolve("home");
        return WizardShell.builder()
                .env(Map.of("PATH", "/usr/bin")::get)
                .home(home)
                .trustStore(new TrustStore(home.resolve("config/trusted-clusters.json")))
                .proxyDefaults(ProxySettings.NONE)
                .sandboxDir(work.resolve("sandbox"))
                .linkOpener(url -> { })
                .version(version);
    }

    /** Builds the wizard with the app's theme and shows it in a window at the screen's top left (FX thread). */
    static Stage show(WizardShell.Builder builder, WizardShell[] built) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        built[0] = builder.build();
        Stage window = new Stage();
        window.setTitle("MaaS Installer");
        window.setScene(built[0].scene(WIDTH, HEIGHT));
        window.setX(0);
        window.setY(0);
        window.show();
        return window;
    }

    /** Runs {@code body} on the FX thread and returns its result (two minutes at most). */
    static <T> T fx(Supplier<T> body) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Platform.runLater(() -> {
            try {
                f.complete(body.get());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        try {
            return f.get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void onFx(Supplier<Object> body) { fx(body); }

    /** Polls {@code condition} every 100 ms until it holds; fails after {@code timeoutSeconds}. */
    static void waitFor(BooleanSupplier condition, long timeoutSeconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not reached within " + timeoutSeconds + " s");
            }
            sleep(100);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
