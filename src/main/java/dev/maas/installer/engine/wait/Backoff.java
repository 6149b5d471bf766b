package dev.maas.installer.engine.wait;

import dev.maas.installer.engine.Cancellation;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Bounded polling with exponential backoff: ask a condition again and again, waiting a little longer each time
 * (up to {@code maxDelay}), until it answers or {@code timeout} has passed. Honours a {@link Cancellation} and thread
 * interrupts between attempts. Use it where no watch is available (an HTTP health endpoint, a process starting).
 *
 * <pre>{@code
 * String url = Backoff.of(Duration.ofSeconds(180)).await("Keycloak ready", () -> probe() ? Optional.of(u) : Optional.empty());
 * }</pre>
 */
public final class Backoff {
    private final Duration timeout;
    private final Duration initialDelay;
    private final Duration maxDelay;
    private final double factor;
    private final Cancellation cancellation;

    private Backoff(Duration timeout, Duration initialDelay, Duration maxDelay, double factor, Cancellation cancellation) {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.initialDelay = Objects.requireNonNull(initialDelay, "initialDelay");
        this.maxDelay = Objects.requireNonNull(maxDelay, "maxDelay");
        if (factor < 1.0) {
            throw new IllegalArgumentException("factor must be >= 1");
        }
        this.factor = factor;
        this.cancellation = cancellation;
    }

    /** Polls for at most {@code timeout}, first after 200 ms, then doubling up to 5 s between attempts. */
    public static Backoff of(Duration timeout) {
        return new Backoff(timeout, Duration.ofMillis(200), Duration.ofSeconds(5), 2.0, null);
    }

    public Backoff delays(Duration initial, Duration max) {
        return new Backoff(timeout, initial, max, factor, cancellation);
    }

    public Backoff factor(double newFactor) {
        return new Backoff(timeout, initialDelay, maxDelay, newFactor, cancellation);
    }

    public Backoff cancellation(Cancellation newCancellation) {
        return new Backoff(timeout, initialDelay, maxDelay, factor, newCancellation);
    }

    public Duration timeout() { return timeout; }

    /**
     * Asks {@code attempt} until it returns a value. An attempt that throws a RuntimeException counts as "not yet";
     * the last such exception becomes the cause of the TimeoutException.
     *
     * @param what what is awaited, for the timeout message ("Keycloak to become ready")
     * @throws TimeoutException when {@code timeout} passed without a value
     * @throws InterruptedException when the thread was interrupted while waiting
     * @throws dev.maas.installer.engine.CancelledException when the cancellation was triggered
     */
    public <T> T await(String what, Supplier<Optional<T>> attempt) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long delay = Math.max(1, initialDelay.toNanos());
        RuntimeException last = null;
        int attempts = 0;
        while (true) {
            checkStop();
            attempts++;
            try {
                Optional<T> result = attempt.get();
                if (result != null && result.isPresent()) {
                    return result.get();
                }
            } catch (RuntimeException e) {
                last = e;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                TimeoutException timedOut = new TimeoutException("gave up waiting for " + what + " after "
                        + timeout.toSeconds() + " s (" + attempts + " attempts)"
                        + (last == null ? "" : "; last error: " + last.getMessage()));
                if (last != null) {
                    timedOut.initCause(last);
                }
                throw timedOut;
            }
            park(Math.min(delay, remaining));
            delay = Math.min(maxDelay.toNanos(), (long) (delay * factor));
        }
    }

    /** Like {@link #await} for a yes/no condition. */
    public void awaitTrue(String what, java.util.function.BooleanSupplier condition)
            throws TimeoutException, InterruptedException {
        await(what, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    /** Parks in slices so that interrupts and cancellation are noticed within 100 ms. */
    private void park(long nanos) throws InterruptedException {
        long end = System.nanoTime() + nanos;
        long slice = Duration.ofMillis(100).toNanos();
        for (long left = nanos; left > 0; left = end - System.nanoTime()) {
            LockSupport.parkNanos(this, Math.min(left, slice));
            checkStop();
        }
    }

    private void checkStop() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted while waiting");
        }
        if (cancellation != null) {
            cancellation.throwIfCancelled();
        }
    }
}
