package dev.maas.installer.cluster;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Progress;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Waiting for an object to reach a state, through an informer on that one object (list + watch, with the
 * client's reconnects), never by polling with sleeps. The wait checks the cancellation flag a few times a second.
 */
public final class Waits {
    /** How often a wait wakes up to look at the cancellation flag. */
    static final long CANCEL_CHECK_MILLIS = 200;

    private Waits() { }

    /** Decides, for each version of the object seen, whether the wait is over. May throw to fail the wait. */
    @FunctionalInterface
    public interface Condition<T> {
        boolean test(T object);
    }

    /** Thrown when the timeout passes; {@link #last()} is the last version of the object seen (or null). */
    public static final class TimeoutError extends RuntimeException {
        private final transient Object last;

        TimeoutError(String message, Object last) {
            super(message);
            this.last = last;
        }

        public Object last() { return last; }
    }

    /**
     * Waits until {@code done} holds for the object behind {@code resource}.
     *
     * @param describe turns each version of the object into a progress line (null: none)
     * @return the object that satisfied the condition
     * @throws TimeoutError when {@code timeout} passes first
     * @throws dev.maas.installer.engine.CancelledException when the run is cancelled
     */
    public static <T extends HasMetadata> T until(Resource<T> resource, Condition<T> done, Duration timeout,
                                                  Cancellation cancellation, Progress progress,
                                                  Function<T, String> describe, String what) {
        Objects.requireNonNull(resource, "resource");
        Cancellation cancel = cancellation == null ? new Cancellation() : cancellation;
        Progress out = progress == null ? Progress.NONE : progress;
        CompletableFuture<T> result = new CompletableFuture<>();
        Object[] last = new Object[1];
        String[] lastLine = new String[1];
        ResourceEventHandler<T> handler = new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) { seen(obj); }

            @Override
            public void onUpdate(T oldObj, T newObj) { seen(newObj); }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) { }

            private void seen(T obj) {
                if (result.isDone()) {
                    return;
                }
                synchronized (last) {
                    last[0] = obj;
                }
                try {
                    if (describe != null) {
                        String line = describe.apply(obj);
                        if (line != null && !line.equals(lastLine[0])) {
                            lastLine[0] = line;
                            out.detail(line);
                        }
                    }
                    if (done.test(obj)) {
                        result.complete(obj);
                    }
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            }
        };
        long deadline = System.nanoTime() + timeout.toNanos();
        SharedIndexInformer<T> informer = resource.inform(handler);
        try {
            while (true) {
                cancel.throwIfCancelled();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    Object l;
                    synchronized (last) {
                        l = last[0];
                    }
                    throw new TimeoutError(what + " did not happen within " + human(timeout), l);
                }
                try {
                    return result.get(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, CANCEL_CHECK_MILLIS),
                            TimeUnit.MILLISECONDS);
                } catch (TimeoutException slice) {
                    // look at the flag and the deadline again
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    cancel.cancel();
                    cancel.throwIfCancelled();
                }
            }
        } finally {
            informer.close();
        }
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 1) {
            return d.toMillis() + " ms";
        }
        return s < 120 ? s + " s" : (s / 60) + " min";
    }
}
