package dev.maas.installer.testing;

import dev.maas.installer.keycloak.KeycloakRetry;
import dev.maas.installer.threescale.RetryPolicy;

import java.time.Duration;
import java.util.Random;

/** Retry policies with short waits, for tests against simulators and fault proxies. */
public final class FastRetries {
    private FastRetries() { }

    /** 3scale: waits of 2 to 20 ms, jittered from a seeded source (reproducible). */
    public static RetryPolicy threescale(int maxAttempts, long seed) {
        return new RetryPolicy(maxAttempts, Duration.ofMillis(2), Duration.ofMillis(20), new Random(seed));
    }

    /** Keycloak: waits of 5 to 40 ms, at most a minute per call. */
    public static KeycloakRetry keycloak(int maxAttempts) {
        return new KeycloakRetry(maxAttempts, Duration.ofMillis(5), Duration.ofMillis(40), Duration.ofSeconds(60));
    }
}
