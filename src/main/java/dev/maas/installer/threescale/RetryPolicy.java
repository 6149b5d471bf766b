package dev.maas.installer.threescale;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.wait.Backoff;

import java.time.Duration;
import java.util.Random;

/**
 * How calls to 3scale are retried: at most {@code maxAttempts} attempts in all, waiting between them as the
 * installer's one {@link Backoff} says (doubling from {@code baseDelay}, at most {@code maxDelay}, jittered from
 * {@code random}), cancellable through the run's {@link Cancellation}.
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay, Random random) {
    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }

    public static RetryPolicy defaults() {
        return new RetryPolicy(6, Duration.ofMillis(250), Duration.ofSeconds(8), new Random());
    }

    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, new Random(0));
    }

    /** The backoff between attempts, ended at once by {@code cancellation} (null: only by an interrupt). */
    public Backoff backoff(Cancellation cancellation) {
        return Backoff.of(Duration.ofDays(1)).delays(baseDelay, maxDelay).jitter(random).cancellation(cancellation);
    }

    /** The wait before attempt {@code attempt + 1}, attempt counting from 1. */
    public Duration delayAfter(int attempt) {
        return backoff(null).delay(attempt);
    }
}
