package dev.maas.installer.engine;

import java.time.Duration;

/** A cancellation flag shared by the caller (UI or CLI signal handler) and the running stages. */
public final class Cancellation {
    private volatile boolean cancelled;

    /** Cancels: every {@link #throwIfCancelled()} from now on throws, and every {@link #pause} ends at once. */
    public void cancel() {
        synchronized (this) {
            cancelled = true;
            notifyAll();
        }
    }

    public boolean isCancelled() { return cancelled; }

    /** Stages call this between sub-steps and inside waits. */
    public void throwIfCancelled() {
        if (cancelled) {
            throw new CancelledException();
        }
    }

    /**
     * Waits {@code delay} before a retry, ending early when cancelled.
     *
     * @throws CancelledException   when cancelled before or during the wait
     * @throws InterruptedException when the thread is interrupted
     */
    public void pause(Duration delay) throws InterruptedException {
        long deadline = System.nanoTime() + delay.toNanos();
        synchronized (this) {
            while (!cancelled) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                Duration d = Duration.ofNanos(left);
                wait(Math.max(1, d.toMillis()));
            }
        }
        throw new CancelledException();
    }
}
