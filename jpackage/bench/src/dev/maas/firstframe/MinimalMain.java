package dev.maas.firstframe;

import dev.maas.installer.ui.FirstFrame;
import javafx.application.Application;
import javafx.geometry.Rectangle2D;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.layout.StackPane;
import javafx.stage.Screen;
import javafx.stage.Stage;

/**
 * The baseline of jpackage/bench-first-frame.sh: a minimal JavaFX window (one Label), packaged exactly like the
 * installer. Like dev.maas.installer.Main it does not extend Application (JavaFX on the class path) and answers
 * arguments without starting JavaFX (the AppCDS check run calls the launcher with --help). The first frame is
 * detected and reported by the installer's own {@link FirstFrame}, copied into this app's jar.
 */
public final class MinimalMain {
    private MinimalMain() { }

    public static void main(String[] args) {
        if (args.length > 0) {
            System.out.println("first-frame-minimal: a window with one label; no options");
            return;
        }
        Application.launch(Window.class, args);
    }

    /** The window: same size rule as the installer's, one Label, the default (Modena) look. */
    public static final class Window extends Application {
        @Override
        public void start(Stage stage) {
            Rectangle2D screen = Screen.getPrimary().getVisualBounds();
            Scene scene = new Scene(new StackPane(new Label("Minimal JavaFX window")),
                    Math.min(1366, screen.getWidth()), Math.min(800, screen.getHeight()));
            stage.setTitle("First frame minimal");
            stage.setScene(scene);
            stage.show();
            FirstFrame.whenShown(scene, () -> { });
        }
    }
}
