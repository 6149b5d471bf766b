package dev.maas.installer.ui.view;

import javafx.animation.PauseTransition;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TitledPane;
import javafx.scene.layout.AnchorPane;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.TilePane;
import javafx.scene.layout.VBox;
import javafx.util.Duration;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Builds pages ahead of their first show, in small steps on the FX thread with a pause between steps, so that the
 * window keeps repainting and taking input while it happens and opening a page later costs only its layout.
 * <p>
 * The first show of a page is where its time goes: making its controls, their skins (created by the first CSS pass),
 * matching the stylesheets' selectors against node kinds seen for the first time, and measuring its wrapped texts.
 * One step makes a page's nodes. The next ones style it part by part: a page's parts are the children of its layout
 * panes (a {@code VBox}, {@code HBox}, {@code GridPane}...; inside a {@code ScrollPane}, its content's), down to a
 * few levels. A step stands an empty placeholder in for every part, puts the page, hidden and unmanaged, into the
 * place it will be shown in ({@code holder}), puts parts back one by one, applying each one's CSS, until the step has
 * used {@link #BUDGET} of the FX thread's CPU time; then lays the page out at the holder's size, takes it out again
 * and puts every part back. So between two steps the page is whole and out of the scene, and no step styles more than
 * about one budget's worth of it (a single part costs what it costs). A last step lays the whole page out at the
 * holder's size, out of the scene, so that its first show at that size finds it laid out. JavaFX keeps the skins and caches the matched
 * styles per kind of node and place in the scene, so the real show finds them. A page already shown (or being shown)
 * is left alone. FX thread only.
 */
final class PageWarmer {
    /** The pause between two steps: the FX thread's own pulses and input go in between. */
    static final Duration GAP = Duration.millis(25);

    /** The FX thread's CPU time a step styles parts for, before it lays the page out. */
    static final long BUDGET = TimeUnit.MILLISECONDS.toNanos(10);

    /** How many levels of layout panes a page is split through. */
    private static final int DEPTH = 3;

    /** One step and the CPU time the FX thread spent on it. */
    record Cost(String step, long cpuNanos) { }

    private record Step(String label, Runnable body) { }

    /** A part of a page and the empty region that stands in for it while other parts are styled. */
    private record Part(Pane parent, Node node, Region placeholder) {
        void out() {
            int i = parent.getChildren().indexOf(node);
            if (i >= 0) {
                placeholder.setManaged(node.isManaged());
                parent.getChildren().set(i, placeholder);
            }
        }

        void in() {
            int i = parent.getChildren().indexOf(placeholder);
            if (i >= 0) {
                parent.getChildren().set(i, node);
            }
        }
    }

    private final Pane holder;
    private final Deque<Step> steps = new ArrayDeque<>();
    private final Set<Node> shown = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Node> queued = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<Cost> costs = new ArrayList<>();
    private final ReadOnlyBooleanWrapper done = new ReadOnlyBooleanWrapper(this, "done");
    /** The FX thread's CPU time in nanoseconds (its wall-clock time where the JVM cannot tell CPU time). */
    private LongSupplier cpu;
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
    void add(String name, Supplier<? extends Node> make) {
        steps.add(new Step(name + ": build", () -> {
            Node page = make.get();
            if (page != null && queued.add(page)) {
                List<Part> parts = new ArrayList<>();
                split(page instanceof ScrollPane sp ? sp.getContent() : page, 0, parts);
                steps.addFirst(new Step(name + ": style and lay out", () -> style(name, page, parts, 0)));
            }
        }));
    }

    /** Starts the steps, one per {@link #GAP}; {@link #doneProperty()} turns true after the last. */
    void start() {
        if (started) {
            return;
        }
        started = true;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();   // here, not before the first frame
        cpu = threads.isCurrentThreadCpuTimeSupported() ? threads::getCurrentThreadCpuTime : System::nanoTime;
        next();
    }

    /** True once every queued page is warm. */
    ReadOnlyBooleanProperty doneProperty() { return done.getReadOnlyProperty(); }

    /** What each step cost the FX thread so far, in order (for the benchmark). */
    List<Cost> costs() { return List.copyOf(costs); }

    private void next() {
        if (steps.isEmpty()) {
            done.set(true);
            return;
        }
        PauseTransition pause = new PauseTransition(GAP);
        pause.setOnFinished(e -> {
            Step step = steps.poll();
            long before = cpu.getAsLong();
            try {
                step.body().run();
            } finally {
                costs.add(new Cost(step.label(), cpu.getAsLong() - before));
                next();
            }
        });
        pause.play();
    }

    /**
     * The parts of a page: the children of its layout panes (and of the panes a {@code TitledPane} or a
     * {@code ScrollPane} in it shows), through {@link #DEPTH} levels.
     */
    private static void split(Node node, int depth, List<Part> parts) {
        if (!(node instanceof Pane pane) || !splittable(pane)) {
            return;
        }
        for (Node child : List.copyOf(pane.getChildren())) {
            Pane inner = depth + 1 < DEPTH ? inner(child) : null;
            if (inner != null) {
                split(inner, depth + 1, parts);
            } else {
                parts.add(new Part(pane, child, new Region()));
            }
        }
    }

    /** The pane of several children that {@code node} is or shows; null when there is none to split. */
    private static Pane inner(Node node) {
        Node shows = node instanceof TitledPane t ? t.getContent() : node instanceof ScrollPane s ? s.getContent() : node;
        return shows instanceof Pane pane && splittable(pane) && pane.getChildren().size() > 1 ? pane : null;
    }

    /** Panes whose children are all they lay out (not a BorderPane, whose children are its properties). */
    private static boolean splittable(Pane pane) {
        return pane instanceof VBox || pane instanceof HBox || pane instanceof GridPane || pane instanceof FlowPane
                || pane instanceof TilePane || pane instanceof StackPane || pane instanceof AnchorPane
                || pane.getClass() == Pane.class;
    }

    /** Styles the parts from {@code from} on until the budget is spent, lays the page out, queues the rest. */
    private void style(String name, Node page, List<Part> parts, int from) {
        if (shown.contains(page) || page.getParent() != null || holder.getScene() == null) {
            return;
        }
        long start = cpu.getAsLong();
        parts.forEach(Part::out);
        boolean wasManaged = page.isManaged();
        boolean visibleBound = page.visibleProperty().isBound();
        boolean wasVisible = page.isVisible();
        if (!visibleBound) {
            page.setVisible(false);   // never drawn, never focused, never reached by a mnemonic
        }
        page.setManaged(false);       // the holder's layout does not move for it
        holder.getChildren().add(0, page);
        int next = from;
        try {
            page.applyCss();          // the page around its parts (cheap once it has been styled)
            while (next < parts.size()) {
                Part part = parts.get(next++);
                part.in();
                part.node().applyCss();
                if (cpu.getAsLong() - start >= BUDGET) {
                    break;
                }
            }
            page.resize(holder.getWidth(), holder.getHeight());
            if (page instanceof Parent p) {
                p.layout();
            }
        } finally {
            holder.getChildren().remove(page);
            page.setManaged(wasManaged);
            if (!visibleBound) {
                page.setVisible(wasVisible);
            }
            parts.forEach(Part::in);
            Mnemonics.prune(holder.getScene());   // the page's mnemonics leave with it
        }
        if (next < parts.size()) {
            int rest = next;
            steps.addFirst(new Step(name + ": style and lay out", () -> style(name, page, parts, rest)));
        } else if (!parts.isEmpty()) {
            steps.addFirst(new Step(name + ": lay out", () -> layOut(page)));
        }
    }

    /**
     * Lays the whole page out at the holder's size, out of the scene: putting its parts back left its panes to be
     * laid out again, which the real show would otherwise do (measuring every wrapped text); laid out here, a show at
     * the same size finds them laid out.
     */
    private void layOut(Node page) {
        if (shown.contains(page) || page.getParent() != null || holder.getScene() == null) {
            return;
        }
        page.resize(holder.getWidth(), holder.getHeight());
        if (page instanceof Parent p) {
            p.layout();
        }
    }
}
