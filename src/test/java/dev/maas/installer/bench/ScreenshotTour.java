package dev.maas.installer.bench;

import dev.maas.installer.ui.WizardShell;
import dev.maas.installer.ui.model.ConnectionViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.application.Platform;
import javafx.scene.image.PixelReader;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.maas.installer.bench.BenchWindow.fx;
import static dev.maas.installer.bench.BenchWindow.onFx;
import static dev.maas.installer.bench.BenchWindow.sleep;
import static dev.maas.installer.bench.BenchWindow.waitFor;

/**
 * The README's screenshots ({@code docs/images/wizard-*.png}) from a real run: the app's wizard (journey on, fresh
 * home, no kubeconfig) in a 1366x768 window starts the local sandbox with its Keycloak, connects, plans the SSO stage,
 * shows Review, applies every stage through Review's Apply all, and shows the summary; then a stage page in the dark
 * theme. Each picture is the window's scene. Run it under Xvfb for the real toolkit (not a test):
 *
 * <pre>
 * Xvfb :99 -screen 0 1366x768x24 &amp;
 * DISPLAY=:99 java -Dbench.display=true -cp target/test-classes:target/classes:$(cat cp.txt) \
 *     dev.maas.installer.bench.ScreenshotTour docs/images
 * </pre>
 * ({@code cp.txt} from {@code ./mvnw -q dependency:build-classpath -Dmdep.outputFile=cp.txt
 * -Dmdep.includeScope=test}.)
 */
public final class ScreenshotTour {
    private ScreenshotTour() { }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "docs/images").toAbsolutePath();
        Files.createDirectories(out);
        Path work = Files.createTempDirectory("maas-screenshots");
        BenchWindow.startFx();
        WizardShell[] shell = new WizardShell[1];
        Stage[] window = new Stage[1];
        try {
            onFx(() -> {
                window[0] = BenchWindow.show(BenchWindow.shell(work, "screenshots")
                        .sandboxWhenNoCluster(true)
                        .deferKubeconfigRead(true), shell);
                return null;
            });
            WizardShell s = shell[0];
            WizardViewModel w = s.model();
            onFx(() -> { w.showPage(WizardViewModel.Page.WELCOME); return null; });
            shot(window[0], out.resolve("wizard-welcome.png"));

            onFx(() -> { s.windowShown(); return null; });
            waitFor(() -> s.connection().state() == ConnectionViewModel.State.CONNECTED, 900);
            waitFor(() -> fx(() -> !w.run().isRunning() && w.lastVerifyReportProperty().get() != null), 300);
            onFx(() -> { w.showPage(WizardViewModel.Page.CONNECT); return null; });
            shot(window[0], out.resolve("wizard-connect.png"));

            onFx(() -> { w.select("sso"); w.showStagePage(); return null; });
            sleep(500);
            fx(w::plan);
            waitFor(() -> fx(() -> !w.run().isRunning()), 300);
            shot(window[0], out.resolve("wizard-sso.png"));

            onFx(() -> { w.showPage(WizardViewModel.Page.REVIEW); return null; });
            waitFor(() -> fx(() -> !s.review().planningProperty().get() && !w.run().isRunning()), 600);
            shot(window[0], out.resolve("wizard-review.png"));

            if (!fx(() -> s.review().applyAll())) {
                throw new IllegalStateException("Apply all could not be asked: " + fx(() -> w.allBlockedReason().get()));
            }
            onFx(() -> s.review().confirmApply());
            waitFor(() -> fx(() -> w.run().isRunning()), 60);
            waitFor(() -> fx(() -> !w.run().isRunning()), 1800);
            sleep(1000);
            System.out.println("after Apply all: page " + fx(w::page) + ", " + fx(() -> w.stages().stream()
                    .map(st -> st.id() + "=" + st.status()).toList()));
            onFx(() -> { w.showPage(WizardViewModel.Page.APPLY); return null; });
            shot(window[0], out.resolve("wizard-apply.png"));

            onFx(() -> { w.showPage(WizardViewModel.Page.SUMMARY); return null; });
            waitFor(() -> fx(() -> !s.summary().linksStatusProperty().get().startsWith("Looking")), 120);
            shot(window[0], out.resolve("wizard-summary.png"));

            onFx(() -> {
                s.theme().darkProperty().set(true);
                w.select("threescale");
                w.showStagePage();
                return null;
            });
            shot(window[0], out.resolve("wizard-dark.png"));
            onFx(() -> { s.theme().darkProperty().set(false); return null; });
        } finally {
            if (shell[0] != null) {
                onFx(() -> { window[0].hide(); shell[0].close(); return null; });
            }
            Platform.exit();
        }
        System.exit(0);
    }

    /** Lets the window settle (layout, a pulse or two), then writes its scene as a PNG. */
    static void shot(Stage window, Path file) throws Exception {
        sleep(1500);
        WritableImage image = fx(() -> window.getScene().snapshot(null));
        int width = (int) image.getWidth();
        int height = (int) image.getHeight();
        BufferedImage png = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        PixelReader pixels = image.getPixelReader();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                png.setRGB(x, y, pixels.getArgb(x, y));
            }
        }
        ImageIO.write(png, "png", file.toFile());
        System.out.println("wrote " + file + " (" + width + "x" + height + ")");
    }

}
