package dev.maas.installer.ui.view;

import javafx.scene.Scene;
import javafx.scene.control.TextArea;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyEvent;

/**
 * Tab leaves a text area instead of typing a tab character, so a keyboard user is never trapped in one (no input of
 * the wizard needs a tab character). The text area itself moves the focus on Ctrl+Tab (Cmd+Tab on macOS); a plain
 * Tab is turned into that.
 */
final class TabTraversal {
    private static final boolean MAC = System.getProperty("os.name", "").startsWith("Mac");

    private TabTraversal() { }

    static void install(Scene scene) {
        scene.addEventFilter(KeyEvent.KEY_PRESSED, e -> {
            if (e.getCode() == KeyCode.TAB && !e.isControlDown() && !e.isMetaDown() && !e.isShiftDown()
                    && e.getTarget() instanceof TextArea area) {
                e.consume();
                area.fireEvent(new KeyEvent(KeyEvent.KEY_PRESSED, "", "", KeyCode.TAB, false, !MAC, e.isAltDown(),
                        MAC));
            }
        });
    }
}
