package dev.maas.installer.threescale;

import java.time.Duration;
import java.util.Random;

/**
 * Bounded exponential backoff with full jitter: attempt n waits a random time in [base*2^(n-1)/2, base*2^(n-1)],
 * never more than {@code maxDelay}; at most {@code maxAttempts} attempts in all.
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

    /** Short delays, for tests against the simulator. */
    public static RetryPolicy fast(int maxAttempts, long seed) {
        return new RetryPolicy(maxAttempts, Duration.ofMillis(2), Duration.ofMillis(20), new Random(seed));
    }

    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, new Random(0));
    }

    /** The wait before attempt {@code attempt + 1}, attempt counting from 1. */
    public Duration delayAfter(int attempt) {
        long base = baseDelay.toMillis();
        long cap = maxDelay.toMillis();
        long exp = attempt >= 31 ? cap : Math.min(cap, base * (1L << (attempt - 1)));
        if (exp <= 0) {
            return Duration.ZERO;
        }
        long half = exp / 2;
        long jitter;
        synchronized (random) {
            jitter = half == 0 ? 0 : (long) (random.nextDouble() * (exp - half));
        }
        return Duration.ofMillis(half + jitter);
    }
}
