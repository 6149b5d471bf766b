package dev.maas.installer.ui.view;

import javafx.scene.Node;

/** Where the focus is and where it can go: shared by the views that move it. */
final class FocusSupport {
    private FocusSupport() { }

    /** Whether {@code node} is {@code ancestor} or lies under it. */
    static boolean isInside(Node node, Node ancestor) {
        for (Node n = node; n != null; n = n.getParent()) {
            if (n == ancestor) {
                return true;
            }
        }
        return false;
    }

    /**
     * The first visible, enabled, focus-traversable node under {@code n} (depth first), or null. (Not "managed":
     * a scroll pane's own viewport is unmanaged.)
     */
    static Node firstFocusable(Node n) {
        if (n == null || !n.isVisible() || n.isDisabled()) {
            return null;
        }
        if (n.isFocusTraversable()) {
            return n;
        }
        if (n instanceof javafx.scene.Parent p) {
            for (Node child : p.getChildrenUnmodifiable()) {
                Node f = firstFocusable(child);
                if (f != null) {
                    return f;
                }
            }
        }
        return null;
    }
}
