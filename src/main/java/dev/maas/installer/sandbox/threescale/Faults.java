package dev.maas.installer.sandbox.threescale;

import java.time.Duration;

/**
 * Fault injection rates (0..1 each, per request) for the simulator; decisions come from a Random seeded with
 * {@code seed}. A 5xx or a dropped connection on a write is injected either before the write is applied or after
 * it (the response is lost although 3scale committed the change), half and half; 429 is always before.
 */
public record Faults(long seed, double serverErrorRate, double tooManyRequestsRate, double dropRate,
                     Duration latency) {
    public static Faults none() { return new Faults(0, 0, 0, 0, Duration.ZERO); }

    public static Faults errors(long seed, double serverErrorRate, double tooManyRequestsRate, double dropRate) {
        return new Faults(seed, serverErrorRate, tooManyRequestsRate, dropRate, Duration.ZERO);
    }

    public Faults withLatency(Duration d) {
        return new Faults(seed, serverErrorRate, tooManyRequestsRate, dropRate, d);
    }

    public boolean any() {
        return serverErrorRate > 0 || tooManyRequestsRate > 0 || dropRate > 0 || !latency.isZero();
    }
}
