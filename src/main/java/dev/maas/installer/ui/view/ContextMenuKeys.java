package dev.maas.installer.ui.view;

import javafx.event.Event;
import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.input.ContextMenuEvent;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.KeyEvent;

/**
 * The keyboard route to a list's context menu: Shift+F10 and the Menu key open it on the selected item (under its
 * cell). Some platforms' glass sends a keyboard {@link ContextMenuEvent} for these keys by itself, others (Monocle,
 * used headless) do not; the list asks for the menu itself, and a second keyboard request while it shows is dropped,
 * so the menu opens once either way. Once open, the menu's own keys work: Up/Down choose an item, Enter runs it,
 * Esc closes it.
 */
final class ContextMenuKeys {
    static final KeyCombination SHIFT_F10 = new KeyCodeCombination(KeyCode.F10, KeyCombination.SHIFT_DOWN);
    /** Where the menu opens, right of a cell's left edge: not over the status dot at the start of the cell. */
    private static final double INSET_X = 24;

    private ContextMenuKeys() { }

    static void install(ListView<?> list) {
        list.addEventHandler(KeyEvent.KEY_PRESSED, e -> {
            ContextMenu menu = list.getContextMenu();
            if (menu == null || !(e.getCode() == KeyCode.CONTEXT_MENU || SHIFT_F10.match(e))) {
                return;
            }
            e.consume();
            if (menu.isShowing()) {
                return;
            }
            Bounds at = anchor(list);
            if (at == null) {
                return; // not on screen
            }
            double screenX = at.getMinX() + Math.min(INSET_X, at.getWidth() / 2);
            double screenY = at.getMaxY();
            javafx.geometry.Point2D scene = list.getScene() == null ? null : list.getScene().getRoot()
                    .screenToLocal(screenX, screenY);
            double sceneX = scene == null ? 0 : scene.getX();
            double sceneY = scene == null ? 0 : scene.getY();
            Event.fireEvent(list, new ContextMenuEvent(ContextMenuEvent.CONTEXT_MENU_REQUESTED, sceneX, sceneY,
                    screenX, screenY, true, null));
        });
        list.addEventFilter(ContextMenuEvent.CONTEXT_MENU_REQUESTED, e -> {
            if (e.isKeyboardTrigger() && list.getContextMenu() != null && list.getContextMenu().isShowing()) {
                e.consume();
            }
        });
    }

    /** The selected item's cell on screen (scrolled into view first if needed), else the list's own bounds. */
    private static Bounds anchor(ListView<?> list) {
        int selected = list.getSelectionModel().getSelectedIndex();
        if (selected >= 0) {
            Bounds b = cell(list, selected);
            if (b == null) {
                list.scrollTo(selected);
                list.layout();
                b = cell(list, selected);
            }
            if (b != null) {
                return b;
            }
        }
        return list.localToScreen(list.getLayoutBounds());
    }

    private static Bounds cell(ListView<?> list, int index) {
        for (Node n : list.lookupAll(".list-cell")) {
            if (n instanceof ListCell<?> cell && cell.getIndex() == index && cell.isVisible() && !cell.isEmpty()) {
                return cell.localToScreen(cell.getLayoutBounds());
            }
        }
        return null;
    }
}
