package dev.maas.installer.ui.view;

import dev.maas.installer.ui.model.WindowPlacement;
import javafx.geometry.Rectangle2D;
import javafx.stage.Screen;
import javafx.stage.Stage;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Puts the main window where {@link WindowPlacement} says (a first start fits the screen; afterwards the remembered
 * size, position and maximised state) and remembers it when the window closes. While maximised, the size it had
 * before is what is remembered, so that un-maximising later goes back to it.
 */
public final class WindowMemory {
    private final Stage window;
    private final Path file;
    private WindowPlacement.Bounds normal;

    private WindowMemory(Stage window, Path file) {
        this.window = window;
        this.file = file;
    }

    /** Places {@code window} (before it is shown) and remembers its place in {@code file} when it hides. FX thread. */
    public static WindowMemory attach(Stage window, Path file) {
        WindowMemory m = new WindowMemory(window, file);
        m.place();
        window.xProperty().addListener((o, a, b) -> m.follow());
        window.yProperty().addListener((o, a, b) -> m.follow());
        window.widthProperty().addListener((o, a, b) -> m.follow());
        window.heightProperty().addListener((o, a, b) -> m.follow());
        window.addEventHandler(javafx.stage.WindowEvent.WINDOW_HIDING, e -> m.remember());
        return m;
    }

    private void place() {
        Rectangle2D primary = Screen.getPrimary().getVisualBounds();
        List<Rectangle2D> screens = Screen.getScreens().stream().map(Screen::getVisualBounds).toList();
        WindowPlacement.Bounds b = WindowPlacement.initial(WindowPlacement.read(file), screens, primary);
        double[] min = WindowPlacement.minimum(primary);
        window.setMinWidth(min[0]);
        window.setMinHeight(min[1]);
        window.setX(b.x());
        window.setY(b.y());
        window.setWidth(b.width());
        window.setHeight(b.height());
        normal = new WindowPlacement.Bounds(b.x(), b.y(), b.width(), b.height(), false);
        window.setMaximized(b.maximized());
    }

    private boolean pending;

    /**
     * The bounds the window has while it is not maximised (nor iconified, nor full screen), read a pulse after they
     * change: a window being maximised may report its new size before its maximised state.
     */
    private void follow() {
        if (pending) {
            return;
        }
        pending = true;
        javafx.application.Platform.runLater(() -> {
            pending = false;
            takeNormal();
        });
    }

    private void takeNormal() {
        if (!window.isMaximized() && !window.isIconified() && !window.isFullScreen()) {
            normal = new WindowPlacement.Bounds(window.getX(), window.getY(), window.getWidth(), window.getHeight(),
                    false);
        }
    }

    /** Remembers the window's place now (it hides). */
    public void remember() {
        if (pending) {
            takeNormal();
        }
        WindowPlacement.Bounds b = new WindowPlacement.Bounds(normal.x(), normal.y(), normal.width(), normal.height(),
                window.isMaximized());
        try {
            WindowPlacement.write(file, b);
        } catch (IOException | RuntimeException e) {
            LoggerFactory.getLogger(WindowMemory.class).warn("could not remember the window's size in {}: {}", file,
                    e.toString());
        }
    }
}
