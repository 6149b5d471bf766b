package dev.maas.installer.stages.common;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.CancelledException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Runs one task per item on at most {@code concurrency} threads and returns the results in the items' order.
 * Tasks that have not started yet are skipped once the run is cancelled or a task has failed; tasks already
 * running finish their current request (they check the cancellation between their own sub-steps). Every task is
 * waited for before this returns, so no write is still in flight afterwards. The first failure is rethrown
 * (cancellation first).
 */
public final class BoundedPool {
    private BoundedPool() { }

    public static <T, R> List<R> run(String name, List<T> items, int concurrency, Cancellation cancellation,
                                     Function<T, R> task) {
        if (items.isEmpty()) {
            return List.of();
        }
        int threads = Math.max(1, Math.min(concurrency, items.size()));
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        AtomicBoolean failed = new AtomicBoolean();
        try {
            List<Future<R>> futures = new ArrayList<>();
            for (T item : items) {
                futures.add(pool.submit(() -> {
                    if (failed.get()) {
                        return null;
                    }
                    cancellation.throwIfCancelled();
                    try {
                        return task.apply(item);
                    } catch (RuntimeException | Error e) {
                        failed.set(true);
                        throw e;
                    }
                }));
            }
            List<R> results = new ArrayList<>();
            RuntimeException first = null;
            for (Future<R> f : futures) {
                try {
                    results.add(f.get());
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    RuntimeException ex = cause instanceof RuntimeException re ? re
                            : cause instanceof Error err ? new IllegalStateException(err) : new IllegalStateException(cause);
                    if (first == null || (ex instanceof CancelledException && !(first instanceof CancelledException))) {
                        first = ex;
                    }
                    results.add(null);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failed.set(true);
                    throw new CancelledException();
                }
            }
            if (first != null) {
                throw first;
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
