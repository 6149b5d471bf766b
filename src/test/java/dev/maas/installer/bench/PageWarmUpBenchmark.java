package dev.maas.installer.bench;

import atlantafx.base.theme.PrimerLight;
import dev.maas.installer.cluster.ProxySettings;
import dev.maas.installer.cluster.TrustStore;
import dev.maas.installer.ui.WizardShell;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.stage.Stage;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.maas.installer.bench.FxStallBenchmark.fx;
import static dev.maas.installer.bench.FxStallBenchmark.onFx;
import static dev.maas.installer.bench.FxStallBenchmark.waitFor;

/**
 * What each step of the pages' warm-up ({@code MainView.warmUpPages}) costs the FX thread, in CPU time: the app's
 * wizard (journey on, 1366x768, no cluster, no sandbox) is shown, its warm-up runs, and every step is listed with the
 * CPU time the FX thread spent on it, the costliest first, then a summary. A warm-up step runs inside a pulse, so a
 * step's cost is how long it holds up that frame. Same command as {@link FxStallBenchmark}, with this class's name;
 * headless (Monocle, software rendering) unless {@code -Dbench.display=true} with a {@code DISPLAY}.
 */
public final class PageWarmUpBenchmark {
    private PageWarmUpBenchmark() { }

    public static void main(String[] args) throws Exception {
        if (!Boolean.getBoolean("bench.display")) {
            System.setProperty("glass.platform", "Monocle");
            System.setProperty("monocle.platform", "Headless");
            System.setProperty("prism.order", "sw");
            System.setProperty("prism.text", "t2k");
            System.setProperty("headless.geometry", "1366x768-32");
            System.setProperty("java.awt.headless", "true");
        }
        Path work = Files.createTempDirectory("maas-warm-up");
        CompletableFuture<Void> started = new CompletableFuture<>();
        Platform.startup(() -> started.complete(null));
        started.get(60, TimeUnit.SECONDS);
        Platform.setImplicitExit(false);
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, load average "
                + String.format(Locale.ROOT, "%.1f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        WizardShell[] shell = new WizardShell[1];
        Stage[] window = new Stage[1];
        try {
            onFx(() -> {
                Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
                Path home = work.resolve("home");
                shell[0] = WizardShell.builder()
                        .env(Map.of("PATH", "/usr/bin")::get)
                        .home(home)
                        .trustStore(new TrustStore(home.resolve("config/trusted-clusters.json")))
                        .proxyDefaults(ProxySettings.NONE)
                        .deferKubeconfigRead(true)
                        .sandboxDir(work.resolve("sandbox"))
                        .linkOpener(url -> { })
                        .version("bench")
                        .build();
                window[0] = new Stage();
                window[0].setScene(shell[0].scene(1366, 768));
                window[0].show();
                return null;
            });
            FxStallBenchmark.sleep(3_000);   // the first frames
            onFx(() -> { shell[0].windowShown(); return null; });
            waitFor(() -> fx(() -> shell[0].view().pagesWarmProperty().get()), 600);
            List<Map.Entry<String, Long>> costs = fx(() -> shell[0].view().warmUpCosts());
            System.out.println();
            System.out.println("| warm-up step, in order | FX thread CPU |");
            System.out.println("|---|---:|");
            costs.forEach(c -> System.out.println("| " + c.getKey() + " | " + ms(c.getValue()) + " |"));
            List<Long> sorted = costs.stream().filter(c -> !c.getKey().startsWith(" ")).map(Map.Entry::getValue)
                    .sorted().toList();
            long total = sorted.stream().mapToLong(Long::longValue).sum();
            System.out.println();
            System.out.println("| steps | total | max | p90 | median | > 20 ms | > 30 ms | > 50 ms |");
            System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
            System.out.println("| " + sorted.size() + " | " + ms(total) + " | " + ms(sorted.get(sorted.size() - 1))
                    + " | " + ms(sorted.get((int) Math.ceil(sorted.size() * 0.9) - 1)) + " | "
                    + ms(sorted.get(sorted.size() / 2)) + " | " + over(sorted, 20) + " | " + over(sorted, 30) + " | "
                    + over(sorted, 50) + " |");
        } finally {
            if (shell[0] != null) {
                onFx(() -> { window[0].hide(); shell[0].close(); return null; });
            }
            Platform.exit();
        }
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    private static long over(List<Long> sorted, long millis) {
        return sorted.stream().filter(n -> n > TimeUnit.MILLISECONDS.toNanos(millis)).count();
    }
}
