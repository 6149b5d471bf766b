package dev.maas.installer.engine.wait;

import dev.maas.installer.engine.Cancellation;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The installer's one backoff, for every wait that has no watch to follow (an HTTP health endpoint, a process
 * starting) and for every retry of a call to Kubernetes, Keycloak or 3scale: bounded (a timeout, and delays that grow
 * by {@code factor} up to {@code maxDelay}), optionally jittered (each delay drawn from [d/2, d], so many clients do not
 * retry in step), and cancellable: a {@link Cancellation} ends a wait at once ({@link Cancellation#pause}) and a thread
 * interrupt within 100 ms.
 *
 * <p>{@link #await} asks a condition until it answers; a caller with its own attempt loop (3scale's, which honours
 * {@code Retry-After}) takes {@link #delay(int)} and waits with {@link #pause(Duration)}.
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
    private final java.util.Random jitter;

    private Backoff(Duration timeout, Duration initialDelay, Duration maxDelay, double factor, Cancellation cancellation,
                    java.util.Random jitter) {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.initialDelay = Objects.requireNonNull(initialDelay, "initialDelay");
        this.maxDelay = Objects.requireNonNull(maxDelay, "maxDelay");
        if (factor < 1.0) {
            throw new IllegalArgumentException("factor must be >= 1");
        }
        this.factor = factor;
        this.cancellation = cancellation;
        this.jitter = jitter;
    }

    /** Polls for at most {@code timeout}, first after 200 ms, then doubling up to 5 s between attempts. */
    public static Backoff of(Duration timeout) {
        return new Backoff(timeout, Duration.ofMillis(200), Duration.ofSeconds(5), 2.0, null, null);
    }

    public Backoff delays(Duration initial, Duration max) {
        return new Backoff(timeout, initial, max, factor, cancellation, jitter);
    }

    public Backoff factor(double newFactor) {
        return new Backoff(timeout, initialDelay, maxDelay, newFactor, cancellation, jitter);
    }

    public Backoff cancellation(Cancellation newCancellation) {
        return new Backoff(timeout, initialDelay, maxDelay, factor, newCancellation, jitter);
    }

    /** Draws each delay from [d/2, d] with this source (null: no jitter, each delay exactly d). */
    public Backoff jitter(java.util.Random random) {
        return new Backoff(timeout, initialDelay, maxDelay, factor, cancellation, random);
    }

    /**
     * The wait after attempt {@code attempt} (counting from 1): {@code initialDelay * factor^(attempt-1)}, at most
     * {@code maxDelay}, jittered when a jitter source is set.
     */
    public Duration delay(int attempt) {
        long initial = initialDelay.toNanos();
        long cap = maxDelay.toNanos();
        double grown = initial * Math.pow(factor, Math.max(0, attempt - 1));
        long d = grown >= cap ? cap : (long) grown;
        if (d <= 0 || jitter == null) {
            return Duration.ofNanos(Math.max(0, d));
        }
        long half = d / 2;
        double r;
        synchronized (jitter) {
            r = jitter.nextDouble();
        }
        return Duration.ofNanos(half + (long) (r * (d - half)));
    }

    /**
     * Waits {@code delay}, ending at once when the cancellation is triggered and within 100 ms when the thread is
     * interrupted.
     *
     * @throws dev.maas.installer.engine.CancelledException when cancelled before or during the wait
     * @throws InterruptedException                          when the thread was interrupted
     */
    public void pause(Duration delay) throws InterruptedException {
        checkStop();
        if (delay.isZero() || delay.isNegative()) {
            return;
        }
        if (cancellation != null) {
            cancellation.pause(delay); // notified by cancel(); an interrupt ends Object.wait at once
        } else {
            park(delay.toNanos());
        }
        checkStop();
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
            pause(Duration.ofNanos(Math.max(1, Math.min(delay(attempts).toNanos(), remaining))));
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
