package dev.maas.installer.ui.view;

import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.ScrollPane;

/**
 * Keeps the focused control in view: when Tab moves the focus to a control that a {@link ScrollPane} has scrolled
 * out of sight, the pane scrolls just enough to show it (with a small margin). Nested panes scroll from the inside
 * out.
 */
public final class FocusScroller {
    private static final double MARGIN = 8;

    private FocusScroller() { }

    /** Scrolls to every control that gets the focus in {@code scene}. */
    public static void install(Scene scene) {
        scene.focusOwnerProperty().addListener((o, a, b) -> {
            if (b != null) {
                ensureVisible(b);
            }
        });
    }

    /** Scrolls each scroll pane around {@code node} so that the node is inside its viewport. */
    public static void ensureVisible(Node node) {
        for (Parent p = node.getParent(); p != null; p = p.getParent()) {
            if (p instanceof ScrollPane sp && sp.getContent() != null && FocusSupport.isInside(node, sp.getContent())) {
                scroll(sp, node);
            }
        }
    }

    private static void scroll(ScrollPane sp, Node node) {
        Node content = sp.getContent();
        Bounds b = content.sceneToLocal(node.localToScene(node.getLayoutBounds()));
        if (b == null) {
            return;
        }
        Bounds viewport = sp.getViewportBounds();
        Bounds all = content.getLayoutBounds();
        double freeY = all.getHeight() - viewport.getHeight();
        if (freeY > 0) {
            double top = fraction(sp.getVvalue(), sp.getVmin(), sp.getVmax()) * freeY;
            double newTop = top;
            if (b.getMinY() - MARGIN < top) {
                newTop = b.getMinY() - MARGIN;
            } else if (b.getMaxY() + MARGIN > top + viewport.getHeight()) {
                newTop = Math.min(b.getMaxY() + MARGIN - viewport.getHeight(), b.getMinY() - MARGIN);
            }
            if (newTop != top) {
                sp.setVvalue(value(newTop / freeY, sp.getVmin(), sp.getVmax()));
            }
        }
        double freeX = all.getWidth() - viewport.getWidth();
        if (freeX > 0) {
            double left = fraction(sp.getHvalue(), sp.getHmin(), sp.getHmax()) * freeX;
            double newLeft = left;
            if (b.getMinX() - MARGIN < left) {
                newLeft = b.getMinX() - MARGIN;
            } else if (b.getMaxX() + MARGIN > left + viewport.getWidth()) {
                newLeft = Math.min(b.getMaxX() + MARGIN - viewport.getWidth(), b.getMinX() - MARGIN);
            }
            if (newLeft != left) {
                sp.setHvalue(value(newLeft / freeX, sp.getHmin(), sp.getHmax()));
            }
        }
        sp.layout();
    }

    private static double fraction(double v, double min, double max) {
        return max > min ? (v - min) / (max - min) : 0;
    }

    private static double value(double fraction, double min, double max) {
        double f = Math.max(0, Math.min(1, fraction));
        return min + f * (max - min);
    }
}
