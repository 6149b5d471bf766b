package dev.maas.installer.engine;

import java.util.concurrent.atomic.AtomicBoolean;

/** A cancellation flag shared by the caller (UI or CLI signal handler) and the running stages. */
public final class Cancellation {
    private final AtomicBoolean cancelled = new AtomicBoolean();

    public void cancel() { cancelled.set(true); }

    public boolean isCancelled() { return cancelled.get(); }

    /** Stages call this between sub-steps and inside waits. */
    public void throwIfCancelled() {
        if (cancelled.get()) {
            throw new CancelledException();
        }
    }
}
