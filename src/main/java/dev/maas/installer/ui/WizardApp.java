package dev.maas.installer.ui;

import dev.maas.installer.ui.model.ThemeViewModel;
import javafx.application.Application;
import javafx.geometry.Rectangle2D;
import javafx.scene.Scene;
import javafx.scene.image.Image;
import javafx.stage.Screen;
import javafx.stage.Stage;

import java.io.InputStream;

/** The wizard's JavaFX application: the main window with the default stages and stage context. */
public class WizardApp extends Application {
    private WizardShell shell;

    /** Called by {@code Main} without arguments; Main itself does not extend Application. */
    public static void launchWizard(String[] args) {
        StartupTrace.begin();
        BackgroundStart.begin();
        Application.launch(WizardApp.class, args);
    }

    @Override
    public void start(Stage window) {
        StartupTrace.mark("start()");
        BackgroundStart.awaitLogging();
        StartupTrace.mark("logging bound");
        // the theme remembered last time (a few bytes); the shell's scene applies it before the first frame
        shell = WizardShell.builder().startOnConnectPage(true).sandboxWhenNoCluster(true)
                .theme(ThemeViewModel.remembered(ThemeViewModel.defaultFile(System::getenv)))
                .deferKubeconfigRead(true).deferBelowFirstFrame(true)
                .journey(true).linkOpener(url -> getHostServices().showDocument(url))
                .version(WizardApp.class.getPackage() == null ? null
                        : WizardApp.class.getPackage().getImplementationVersion())
                .build();
        StartupTrace.mark("shell built");
        Rectangle2D screen = Screen.getPrimary().getVisualBounds();
        Scene scene = shell.scene(Math.min(1366, screen.getWidth()), Math.min(800, screen.getHeight()));
        StartupTrace.mark("scene built");
        window.setTitle("MaaS Installer");
        window.setMinWidth(1000);
        window.setMinHeight(620);
        try (InputStream icon = WizardApp.class.getResourceAsStream("/dev/maas/installer/ui/icon.png")) {
            if (icon != null) {
                window.getIcons().add(new Image(icon));
            }
        } catch (java.io.IOException ignored) {
            // the window works without an icon
        }
        window.setScene(scene);
        window.show();
        StartupTrace.mark("window shown");
        // after the first frame: the kubeconfig's contexts, and with no cluster given the local sandbox (background);
        // or exit there (AppCDS training, startup benchmark: see FirstFrame)
        FirstFrame.whenShown(scene, shell::buildDeferred, () -> {
            StartupTrace.mark("first frame");
            shell.windowShown();
        });
    }

    @Override
    public void stop() {
        if (shell != null) {
            shell.close();
        }
    }
}
