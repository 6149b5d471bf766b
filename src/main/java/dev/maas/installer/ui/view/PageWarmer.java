package dev.maas.installer.ui.view;

import javafx.animation.PauseTransition;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.scene.Node;
import javafx.scene.layout.Pane;
import javafx.util.Duration;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Builds pages ahead of their first show, in small steps on the FX thread with a pause between steps, so that the
 * window keeps repainting and taking input while it happens and opening a page later costs only its layout.
 * <p>
 * The first show of a page is where its time goes: making its controls, their skins (created by the first CSS pass),
 * matching the stylesheets' selectors against node kinds seen for the first time, and measuring its wrapped texts.
 * For each page this makes the node in one step, then in a next step puts it, hidden and unmanaged, into the place it
 * will be shown in ({@code holder}), applies CSS, lays it out at the holder's size and takes it out again. JavaFX
 * keeps the skins and caches the matched styles per kind of node, so the real show finds them. A page already shown
 * (or being shown) is left alone. FX thread only.
 */
final class PageWarmer {
    /** The pause between two steps: the FX thread's own pulses and input go in between. */
    static final Duration GAP = Duration.millis(25);

    private final Pane holder;
    private final Deque<Runnable> steps = new ArrayDeque<>();
    private final Set<Node> shown = Collections.newSetFromMap(new IdentityHashMap<>());
    private final ReadOnlyBooleanWrapper done = new ReadOnlyBooleanWrapper(this, "done");
    private boolean started;

    PageWarmer(Pane holder) {
        this.holder = holder;
    }

    /** A page has been shown for real: it needs no warming. */
    void shown(Node page) {
        if (page != null) {
            shown.add(page);
        }
    }

    /** Queues a page: {@code make} builds it (or returns the one built before; null: nothing to warm). */
    void add(Supplier<? extends Node> make) {
        Node[] made = new Node[1];
        steps.add(() -> made[0] = make.get());
        steps.add(() -> warm(made[0]));
    }

    /** Starts the steps, one per {@link #GAP}; {@link #doneProperty()} turns true after the last. */
    void start() {
        if (started) {
            return;
        }
        started = true;
        next();
    }

    /** True once every queued page is warm. */
    ReadOnlyBooleanProperty doneProperty() { return done.getReadOnlyProperty(); }

    private void next() {
        if (steps.isEmpty()) {
            done.set(true);
            return;
        }
        PauseTransition pause = new PauseTransition(GAP);
        pause.setOnFinished(e -> {
            Runnable step = steps.poll();
            try {
                step.run();
            } finally {
                next();
            }
        });
        pause.play();
    }

    private void warm(Node page) {
        if (page == null || shown.contains(page) || page.getParent() != null || holder.getScene() == null) {
            return;
        }
        shown.add(page);
        boolean wasManaged = page.isManaged();
        boolean visibleBound = page.visibleProperty().isBound();
        boolean wasVisible = page.isVisible();
        if (!visibleBound) {
            page.setVisible(false);   // never drawn, never focused, never reached by a mnemonic
        }
        page.setManaged(false);       // the holder's layout does not move for it
        holder.getChildren().add(0, page);
        try {
            page.applyCss();
            page.resize(holder.getWidth(), holder.getHeight());
            if (page instanceof javafx.scene.Parent p) {
                p.layout();
            }
        } finally {
            holder.getChildren().remove(page);
            page.setManaged(wasManaged);
            if (!visibleBound) {
                page.setVisible(wasVisible);
            }
            Mnemonics.prune(holder.getScene());   // the page's mnemonics leave with it
        }
    }
}
