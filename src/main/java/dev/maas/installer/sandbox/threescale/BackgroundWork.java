package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Comparator;
import java.util.Optional;

import static dev.maas.installer.sandbox.threescale.SimSupport.*;

/**
 * The work porta does in background workers (sample data, service tokens, purges): it takes effect at the first
 * request after its moment ({@link SimulatorOptions#delays()}).
 */
final class BackgroundWork extends SimPart {
    BackgroundWork(SimState st) {
        super(st);
    }

    /**
     * A new tenant's sample content. With the provider account, at once (Account after_create create_first_service,
     * app/models/account/provider_methods.rb; ServiceCreator with private_endpoint BackendApi.default_api_backend):
     * the "API" product and its backend "API Backend" (system_name "api", "Backend of API", the echo API;
     * BackendApiLogic::ServiceExtension::BackendApiProxy) used at "/". Later, in SignupWorker::SampleDataWorker
     * (app/workers/signup_worker.rb, app/lib/logic/provider_signup.rb SampleData#create!): the Default service plan
     * as default, the application plans Basic (default) and Unlimited, both published, the developer account
     * "Developer" with an application on Basic, and the "Echo" ActiveDocs of the product.
     */
    void seedSample() {
        ObjectNode backend = productsApi().newBackend("API Backend", "api", "Backend of API",
                "https://echo-api.3scale.net:443");
        ObjectNode service = productsApi().newService("API", "api", null, "hosted", "1");
        long sid = service.get("id").asLong();
        ObjectNode usage = J.objectNode();
        usage.put("id", id());
        usage.put("path", "/");
        usage.put("service_id", sid);
        usage.put("backend_id", backend.get("id").asLong());
        usages.put(usage.get("id").asLong(), usage);
        later(options.delays().sampleData(), Work.SAMPLE_DATA, sid);
    }

    /** SampleDataWorker's part of {@link #seedSample()} for product {@code sid}. */
    void sampleData(long sid) {
        if (!services.containsKey(sid)) {
            return;
        }
        plansApi().servicePlansOf(sid).get(0).put("default", true);
        ObjectNode basic = plansApi().newAppPlan(sid, "Basic", "published");
        plansApi().newAppPlan(sid, "Unlimited", "published");
        basic.put("default", true);
        ObjectNode dev = accountsApi().addDeveloperAccount("Developer");
        applicationsApi().newApplication(dev.get("id").asLong(), basic, "Developer's App", "Default application");
        ObjectNode echo = J.objectNode();
        long docId = id();
        echo.put("id", docId);
        echo.put("name", "Echo");
        echo.put("system_name", "echo");
        echo.putNull("description");
        echo.put("published", true);
        echo.put("skip_swagger_validations", false);
        echo.put("body", "{\"openapi\":\"3.0.2\",\"info\":{\"title\":\"Echo API\",\"version\":\"1.0.0\"},"
                + "\"paths\":{\"/\":{\"get\":{\"responses\":{\"200\":{\"description\":\"the request\"}}}}}}");
        echo.put("service_id", sid);
        echo.put("created_at", now());
        echo.put("updated_at", now());
        activeDocs.put(docId, echo);
    }

    // ===================================================================================================== the workers

    /** Later work of porta's background workers: applied at the first request after its moment. */
    void later(java.time.Duration delay, Work work, long subject) {
        if (delay.isZero() || delay.isNegative()) {
            run(work, subject);
            return;
        }
        st.pending.add(new Pending(System.nanoTime() + delay.toNanos(), st.pendingOrder++, work, subject));
    }

    /** The background work porta does after a request, by the worker that does it. */
    enum Work { SAMPLE_DATA, SERVICE_TOKEN, PURGE_BACKEND, PURGE_SERVICE }

    void run(Work work, long subject) {
        switch (work) {
            case SAMPLE_DATA -> sampleData(subject);
            case SERVICE_TOKEN -> {
                // CreateServiceTokenWorker, after the ServiceCreatedEvent of the commit
                if (services.containsKey(subject)) {
                    serviceTokens.put(subject, hex(32));
                }
            }
            case PURGE_BACKEND -> productsApi().purgeBackend(subject);
            case PURGE_SERVICE -> productsApi().purgeService(subject);
        }
        st.workDone = true;
    }

    void runDue(boolean all) {
        while (true) {
            long now = System.nanoTime();
            Optional<Pending> next = st.pending.stream().filter(p -> all || p.due() - now <= 0)
                    .min(Comparator.comparingLong(Pending::due).thenComparingLong(Pending::order));
            if (next.isEmpty()) {
                return;
            }
            st.pending.remove(next.get());
            run(next.get().work(), next.get().subject());
        }
    }

    record Pending(long due, long order, Work work, long subject) {
    }
}
