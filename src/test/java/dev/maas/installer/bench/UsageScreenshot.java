package dev.maas.installer.bench;

import dev.maas.installer.ui.UsageOnSandbox;
import dev.maas.installer.ui.WizardShell;
import dev.maas.installer.ui.model.UsageViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import dev.maas.installer.ui.pages.SummaryLookup;
import dev.maas.installer.ui.pages.TryItEngine;
import dev.maas.installer.ui.pages.UsageEngine;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.control.ScrollPane;
import javafx.stage.Stage;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.maas.installer.bench.BenchWindow.fx;
import static dev.maas.installer.bench.BenchWindow.onFx;
import static dev.maas.installer.bench.BenchWindow.waitFor;

/**
 * The usage panel's screenshot ({@code docs/images/wizard-usage.png}): the sandbox's 3scale simulator with two models
 * applied and traffic from a developer's application ({@code UsageOnSandbox}, as the panel's FX test has it), the
 * summary page scrolled to the panel in a 1366x768 window. Run it under Xvfb like {@link ScreenshotTour}:
 *
 * <pre>
 * Xvfb :99 -screen 0 1366x768x24 &amp;
 * DISPLAY=:99 java -Dbench.display=true -cp target/test-classes:target/classes:$(cat cp.txt) \
 *     dev.maas.installer.bench.UsageScreenshot docs/images
 * </pre>
 */
public final class UsageScreenshot {
    private UsageScreenshot() { }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "docs/images").toAbsolutePath();
        Files.createDirectories(out);
        Path work = Files.createTempDirectory("maas-usage-screenshot");
        BenchWindow.startFx();
        WizardShell[] shell = new WizardShell[1];
        Stage[] window = new Stage[1];
        try (UsageOnSandbox sandbox = new UsageOnSandbox()) {
            sandbox.chat(3);
            onFx(() -> {
                window[0] = BenchWindow.show(BenchWindow.shell(work, "screenshots")
                        .summaryLookup(SummaryLookup.engine(sandbox.contexts()))
                        .tryItEngine(TryItEngine.engine(sandbox.contexts()))
                        .usageEngine(UsageEngine.engine(sandbox.contexts())), shell);
                return null;
            });
            WizardShell s = shell[0];
            onFx(() -> {
                s.model().log().openProperty().set(false); // the page, not the (empty) log
                s.model().showPage(WizardViewModel.Page.SUMMARY);
                return null;
            });
            waitFor(() -> fx(() -> s.usage().stateProperty().get() == UsageViewModel.State.SHOWN), 120);
            BenchWindow.sleep(1000);
            onFx(() -> {
                Node pane = window[0].getScene().lookup("#usagePane");
                for (Node p = pane.getParent(); p != null; p = p.getParent()) {
                    if (p instanceof ScrollPane sp) {
                        double contentH = sp.getContent().getBoundsInLocal().getHeight();
                        double viewH = sp.getViewportBounds().getHeight();
                        double y = sp.getContent().sceneToLocal(pane.localToScene(0, 0)).getY();
                        sp.setVvalue(Math.min(1, Math.max(0, (y - 16) / (contentH - viewH))));
                        break;
                    }
                }
                return null;
            });
            Path file = out.resolve("wizard-usage.png");
            ScreenshotTour.shot(window[0], file);
            // the panel alone: the rest of this window (no connection, stages not run) is not what the panel shows
            javafx.geometry.Bounds b = fx(() -> {
                Node pane = window[0].getScene().lookup("#usagePane");
                return pane.localToScene(pane.getBoundsInLocal());
            });
            java.awt.image.BufferedImage whole = javax.imageio.ImageIO.read(file.toFile());
            int x = (int) Math.max(0, b.getMinX() - 8);
            int y = (int) Math.max(0, b.getMinY() - 8);
            int w = (int) Math.min(whole.getWidth() - x, b.getWidth() + 16);
            int h = (int) Math.min(whole.getHeight() - y, b.getHeight() + 16);
            javax.imageio.ImageIO.write(whole.getSubimage(x, y, w, h), "png", file.toFile());
        } finally {
            if (shell[0] != null) {
                onFx(() -> { window[0].hide(); shell[0].close(); return null; });
            }
            Platform.exit();
        }
        System.exit(0);
    }
}
