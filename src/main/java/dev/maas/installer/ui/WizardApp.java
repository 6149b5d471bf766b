package dev.maas.installer.ui;

import dev.maas.installer.ui.model.ThemeViewModel;
import dev.maas.installer.ui.view.OpeningView;
import dev.maas.installer.ui.view.Themes;
import javafx.application.Application;
import javafx.scene.Scene;
import javafx.scene.image.Image;
import javafx.stage.Stage;

import java.io.InputStream;

/**
 * The wizard's JavaFX application: the main window with the default stages and stage context.
 * <p>
 * It opens in two steps (docs/packaging.md, "Time to first frame"): the first frame is the {@link OpeningView}
 * (the header and the welcome page's text and buttons, JavaFX only); in the task right after that frame the wizard
 * is built ({@link WizardShell}: view models, stages, engine service, the main view) and its main view takes the
 * opening view's place in the same scene. Input is handled only after that, by the main view.
 */
public class WizardApp extends Application {
    private WizardShell shell;
    private ThemeViewModel theme;

    /** Called by {@code Main} without arguments; Main itself does not extend Application. */
    public static void launchWizard(String[] args) {
        StartupTrace.begin();
        BackgroundStart.begin();
        Application.launch(WizardApp.class, args);
    }

    @Override
    public void start(Stage window) {
        StartupTrace.mark("start()");
        // the theme remembered last time (a few bytes), applied before the first frame
        theme = ThemeViewModel.remembered(ThemeViewModel.defaultFile(System::getenv));
        BackgroundStart.awaitStylesheets();
        // the first frame needs only the theme's rules for the opening view; the full theme follows in buildWizard
        Themes.applyOpening(theme.isDark());
        StartupTrace.mark("theme stylesheet set");
        // a first start fits the screen (90%, at most 1400x900); later starts open where the window was left
        dev.maas.installer.ui.view.WindowMemory.attach(window,
                dev.maas.installer.ui.model.WindowPlacement.defaultFile(System::getenv));
        Scene scene = new Scene(new OpeningView(theme.isDark()));
        StartupTrace.mark("opening view built");
        window.setTitle("MaaS Installer");
        window.setScene(scene);
        window.show();
        StartupTrace.mark("window shown");
        // after the first frame: the wizard itself, then the kubeconfig's contexts, and with no cluster given the
        // local sandbox (background); or exit once the wizard is laid out (AppCDS training, startup benchmark: see
        // FirstFrame)
        FirstFrame.whenShown(scene, () -> buildWizard(window, scene), () -> {
            StartupTrace.mark("first frame");
            if (buildWizard(window, scene)) {
                shell.windowShown();
            }
        });
    }

    /**
     * Builds the wizard and puts its main view in the scene in place of the opening view. FX thread, once. When that
     * fails (a broken installation, say), the opening view's inert buttons must not stay on screen as if the wizard
     * were there: the error is logged, shown in a dialog that says what to do, and the app exits.
     *
     * @return whether the wizard is there
     */
    private boolean buildWizard(Stage window, Scene scene) {
        if (shell != null) {
            return true;
        }
        Themes.apply(theme.isDark());   // the full theme, before anything but the opening view is styled
        try {
            makeWizard(window, scene);
            return true;
        } catch (RuntimeException | LinkageError e) {
            String what = dev.maas.installer.engine.secrets.SecretRegistry.global()
                    .redact("The MaaS Installer could not start its wizard: " + e);
            try {
                org.slf4j.LoggerFactory.getLogger(WizardApp.class).error(what, e);
            } catch (RuntimeException | LinkageError logging) {
                System.err.println(what);   // the logging system may be what failed
            }
            javafx.scene.control.Alert alert = new javafx.scene.control.Alert(
                    javafx.scene.control.Alert.AlertType.ERROR, what + "\n\nReinstall the installer, or run the"
                    + " command-line installer (maas-installer --help) and report this message if it persists.");
            alert.setHeaderText("The installer could not start");
            alert.initOwner(window);
            alert.showAndWait();
            javafx.application.Platform.exit();
            return false;
        }
    }

    private void makeWizard(Stage window, Scene scene) {
        // the stages and the engine service hold loggers: SLF4J binds Logback here, on their first use
        shell = WizardShell.builder().sandboxWhenNoCluster(true)
                .theme(theme).deferKubeconfigRead(true)
                .linkOpener(new dev.maas.installer.ui.view.Browser(url -> getHostServices().showDocument(url)))
                .version(WizardApp.class.getPackage() == null ? null
                        : WizardApp.class.getPackage().getImplementationVersion())
                .build();
        StartupTrace.mark("shell built");
        shell.attach(scene);
        shell.confirmCloseOf(window);   // closing with the sandbox running asks: keep it or discard it
        StartupTrace.mark("main view attached");
        try (InputStream icon = WizardApp.class.getResourceAsStream("/dev/maas/installer/ui/icon.png")) {
            if (icon != null) {
                window.getIcons().add(new Image(icon));
            }
        } catch (java.io.IOException ignored) {
            // the window works without an icon
        }
    }

    @Override
    public void stop() {
        if (shell != null) {
            shell.close();
        }
    }
}
