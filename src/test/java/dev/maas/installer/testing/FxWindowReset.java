package dev.maas.installer.testing;

import dev.maas.installer.ui.view.Themes;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Puts the JavaFX windows back as a fresh start has them, before and after every {@link StartsJavaFx} class (the
 * JavaFX tests share one JVM and TestFX's one primary stage): every other window and dialog closed, the primary stage
 * hidden, out of maximised and full screen, with no scene, no close handler, no position or size of its own (so the
 * next class's scene decides the size again), and the light theme.
 */
public final class FxWindowReset implements BeforeAllCallback, AfterAllCallback {
    /** JavaFX's record that the application set the size or place (the scene no longer decides them once set). */
    private static final List<String> EXPLICIT = List.of("xExplicit", "yExplicit", "widthExplicit", "heightExplicit");

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        reset();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        reset();
    }

    /** Resets the windows (nothing to do before JavaFX has started). */
    public static void reset() throws Exception {
        if (!FxToolkit.isFXApplicationThreadRunning()) {
            return;
        }
        Stage primary = FxToolkit.toolkitContext().getRegisteredStage();
        WaitForAsyncUtils.asyncFx(() -> {
            for (Window w : List.copyOf(Window.getWindows())) {
                if (w == primary) {
                    continue;
                }
                if (w instanceof Stage s) {
                    s.close();   // a dialog's showAndWait returns
                } else {
                    w.hide();    // popups, menus, tooltips
                }
            }
            if (primary != null) {
                primary.setOnCloseRequest(null);
                primary.setFullScreen(false);
                primary.setMaximized(false);
                primary.hide();
                primary.setScene(null);
                forgetPlaceAndSize(primary);
            }
            Themes.apply(false);
        }).get(30, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitForFxEvents();
    }

    /**
     * JavaFX has no public way to let a window take its size from its next scene again once the application set a
     * size: the flags are cleared directly (the tests run on the class path, where JavaFX's classes are open).
     */
    private static void forgetPlaceAndSize(Window window) {
        for (String name : EXPLICIT) {
            try {
                Field f = Window.class.getDeclaredField(name);
                f.setAccessible(true);
                f.setBoolean(window, false);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("cannot reset Window." + name + " in this JavaFX version: the"
                        + " JavaFX tests would inherit the window size of the class before them", e);
            }
        }
    }
}
