package dev.maas.installer.engine.reconcile;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Progress;

/** The apply steps of a stage, counted "n of m"; stops at the next step when the run is cancelled. */
public final class Steps {
    private final Progress progress;
    private final Cancellation cancellation;
    private final int total;
    private int done;

    public Steps(Progress progress, Cancellation cancellation, int total) {
        this.progress = progress == null ? Progress.NONE : progress;
        this.cancellation = java.util.Objects.requireNonNull(cancellation, "cancellation");
        this.total = total;
    }

    /** Starts the next step. */
    public void next(String message) {
        cancellation.throwIfCancelled();
        progress.step(Math.min(++done, total), total, message);
        cancellation.throwIfCancelled();
    }

    public Progress progress() { return progress; }

    public int total() { return total; }
}
