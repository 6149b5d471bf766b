package dev.maas.installer.sandbox.threescale;

import java.time.Duration;
import java.util.Objects;

/**
 * How long after the triggering request the simulator applies the effects porta leaves to its background workers
 * (Sidekiq). Each effect is invisible before its moment and visible from the first request after it.
 *
 * @param serviceToken a new product's service token: porta creates it in {@code CreateServiceTokenWorker}
 *                     (app/workers/create_service_token_worker.rb), enqueued by the product's
 *                     {@code ServiceCreatedEvent} after commit (app/models/service.rb); until it exists no APIcast
 *                     configuration can be saved (app/models/proxy_config.rb {@code service_token_exists})
 * @param sampleData   a new tenant's sample plans, developer account, application and ActiveDocs:
 *                     {@code SignupWorker::SampleDataWorker} (app/workers/signup_worker.rb,
 *                     app/lib/logic/provider_signup.rb), enqueued by db/seeds.rb after the tenant was made
 * @param purge        a deleted product or backend: the API marks it deleted at once, then
 *                     {@code DeleteObjectHierarchyWorker} removes it (app/models/service.rb, app/models/backend_api.rb);
 *                     until then its system_name stays taken
 */
public record AsyncDelays(Duration serviceToken, Duration sampleData, Duration purge) {
    public AsyncDelays {
        Objects.requireNonNull(serviceToken, "serviceToken");
        Objects.requireNonNull(sampleData, "sampleData");
        Objects.requireNonNull(purge, "purge");
    }

    /** Every effect at once, with the request that triggers it (no background work). */
    public static AsyncDelays none() {
        return new AsyncDelays(Duration.ZERO, Duration.ZERO, Duration.ZERO);
    }

    /**
     * Porta's background work, kept short for tests: the service token 40 ms after the product, the sample data
     * 40 ms after the tenant, a deleted object purged 250 ms after its deletion.
     */
    public static AsyncDelays porta() {
        return new AsyncDelays(Duration.ofMillis(40), Duration.ofMillis(40), Duration.ofMillis(250));
    }

    public AsyncDelays withServiceToken(Duration d) { return new AsyncDelays(d, sampleData, purge); }

    public AsyncDelays withSampleData(Duration d) { return new AsyncDelays(serviceToken, d, purge); }

    public AsyncDelays withPurge(Duration d) { return new AsyncDelays(serviceToken, sampleData, d); }
}
