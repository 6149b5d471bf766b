package dev.maas.installer.ui;

import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunEvent;
import javafx.application.Platform;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The one way engine events reach the UI. Any thread may call {@link #accept(RunEvent)}; events go into a
 * concurrent queue, and at most one drain is pending on the FX thread at a time: the drain takes everything queued
 * so far and hands it to the sink as one batch. A burst of thousands of log lines therefore costs a handful of
 * {@code Platform.runLater} calls, and the view models are only ever touched on the FX thread.
 */
public final class UiEventBridge implements Consumer<RunEvent> {
    private final ConcurrentLinkedQueue<UiEvent> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainPending = new AtomicBoolean();
    private final AtomicLong drains = new AtomicLong();
    private final Executor fxExecutor;
    private volatile Consumer<List<UiEvent>> sink = batch -> { };

    /** A bridge that drains onto the JavaFX application thread. */
    public UiEventBridge() { this(Platform::runLater); }

    /** @param fxExecutor runs the drain on the UI thread ({@code Platform::runLater}; tests may pass their own) */
    public UiEventBridge(Executor fxExecutor) {
        this.fxExecutor = Objects.requireNonNull(fxExecutor, "fxExecutor");
    }

    /** Where batches go (the wizard view model); called on the FX thread. */
    public void connect(Consumer<List<UiEvent>> sink) { this.sink = Objects.requireNonNull(sink, "sink"); }

    @Override
    public void accept(RunEvent event) { post(new UiEvent.Engine(event)); }

    /** Reports a run that failed outside the runner. */
    public void runFailed(Operation op, List<String> stageIds, String message) {
        post(new UiEvent.RunFailed(op, List.copyOf(stageIds), message));
    }

    /** How many drains ran so far (for tests and diagnostics). */
    public long drainCount() { return drains.get(); }

    private void post(UiEvent event) {
        queue.add(event);
        if (drainPending.compareAndSet(false, true)) {
            fxExecutor.execute(this::drain);
        }
    }

    private void drain() {
        // Clear the flag before taking events: anything queued after this point schedules the next drain.
        drainPending.set(false);
        drains.incrementAndGet();
        List<UiEvent> batch = new ArrayList<>();
        UiEvent e;
        while ((e = queue.poll()) != null) {
            batch.add(e);
        }
        if (!batch.isEmpty()) {
            sink.accept(batch);
        }
    }
}
