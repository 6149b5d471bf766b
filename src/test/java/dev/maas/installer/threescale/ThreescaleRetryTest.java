package dev.maas.installer.threescale;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.sandbox.threescale.Faults;
import dev.maas.installer.sandbox.threescale.RequestJournal;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import dev.maas.installer.testing.FastRetries;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.model.ApplicationPlan;
import dev.maas.installer.threescale.model.BackendApi;
import dev.maas.installer.threescale.model.Metric;
import dev.maas.installer.threescale.model.ProxyConfig;
import dev.maas.installer.threescale.model.Service;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * With 20% of the requests failing (5xx before or after the write was applied, 429, dropped connections), creating
 * N objects ends with exactly N: reads are retried, writes only after a lookup shows they did not happen.
 */
@StartsSandbox
class ThreescaleRetryTest {
    private static final int N = 40;

    @Test
    void creatingBackendsUnderFaultsMakesNoDuplicates() throws Exception {
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults()
                .withFaults(Faults.errors(42, 0.10, 0.05, 0.05)))) {
            ThreescaleClient c = ThreescaleClient.builder(sim.url(), sim.accessToken())
                    .retry(FastRetries.threescale(12, 3)).build();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<BackendApi>> futures = new ArrayList<>();
                for (int i = 0; i < N; i++) {
                    int n = i;
                    futures.add(pool.submit(() -> c.backends().create("Model " + n, "model_" + n, null,
                            "http://model-" + n + ".models.svc:8080")));
                }
                for (Future<BackendApi> f : futures) {
                    assertThat(f.get(60, TimeUnit.SECONDS).systemName()).startsWith("model_");
                }
            } finally {
                pool.shutdownNow();
            }
            sim.setFaults(Faults.none());
            List<String> names = sim.store().snapshot("backend_apis").stream()
                    .map(b -> b.get("system_name").asText()).filter(n -> n.startsWith("model_")).toList();
            assertThat(names).hasSize(N).doesNotHaveDuplicates();

            List<RequestJournal.Entry> journal = sim.journal().entries();
            assertThat(journal).filteredOn(e -> e.fault() != null).isNotEmpty();
            assertThat(journal).as("some writes took effect although the response was lost")
                    .anyMatch(e -> e.method().equals("POST") && e.fault() != null && e.fault().endsWith("after-commit"));
            assertThat(journal).anyMatch(e -> "429".equals(e.fault()));
            assertThat(journal).anyMatch(e -> e.fault() != null && e.fault().startsWith("dropped"));
        }
    }

    @Test
    void aCancelEndsTheWaitBeforeARetryAtOnce() throws Exception {
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults()
                .withFaults(Faults.errors(1, 1.0, 0, 0)))) {
            Cancellation cancellation = new Cancellation();
            // every answer a 5xx, every wait before a retry 10-20 s
            ThreescaleClient c = ThreescaleClient.builder(sim.url(), sim.accessToken())
                    .retry(new RetryPolicy(5, Duration.ofSeconds(20), Duration.ofSeconds(20), new Random(1)))
                    .cancellation(cancellation).build();
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<?> call = pool.submit(() -> c.backends().list());
                while (sim.journal().entries().isEmpty()) {
                    Thread.sleep(10); // test-side polling for the first attempt to reach the simulator
                }
                long cancelledAt = System.nanoTime();
                cancellation.cancel();
                assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(CancelledException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - cancelledAt)).isLessThan(Duration.ofSeconds(2));
                assertThat(sim.journal().entries()).as("no attempt after the Cancel").hasSize(1);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aProductsWholeSetupUnderFaultsEndsLikeACleanRun() {
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults()
                .withFaults(Faults.errors(7, 0.10, 0.05, 0.05)))) {
            ThreescaleClient c = ThreescaleClient.builder(sim.url(), sim.accessToken())
                    .retry(FastRetries.threescale(12, 5)).build();
            for (int i = 0; i < 5; i++) {
                BackendApi b = c.backends().create("M" + i, "m" + i, null, "http://m" + i + ".svc:8080");
                Service s = c.services().create("M" + i, "m" + i, Map.of("backend_version", "1"));
                sim.store().completePendingWork(); // the service token, for the deploy below
                Product p = c.product(s.id());
                p.updateProxy(Map.of("auth_user_key", "Authorization", "credentials_location", "headers"));
                p.addBackend(b.id(), "/");
                Metric hits = p.metrics().findBySystemName("hits").orElseThrow();
                for (String path : List.of("/v1/chat/completions", "/v1/completions", "/v1/models")) {
                    Metric m = p.metrics().createMethod(hits.id(), path, path.substring(4).replace('/', '_'), null);
                    p.mappingRules().create("POST", path, m.id(), 1, null, null);
                }
                p.mappingRules().find("GET", "/", hits.id()).ifPresent(r -> p.mappingRules().delete(r.id()));
                ApplicationPlan plan = p.createApplicationPlan("Standard", Map.of());
                p.publishApplicationPlan(plan.id());
                p.setDefaultServicePlan(p.servicePlans().get(0).id());
                ProxyConfig staged = p.deploy().orElseThrow();
                p.promote(Product.STAGING, staged.version(), Product.PRODUCTION);
            }
            sim.setFaults(Faults.none());
            for (int i = 0; i < 5; i++) {
                long sid = c.services().findBySystemName("m" + i).orElseThrow().id();
                Product p = c.product(sid);
                assertThat(p.mappingRules().list()).extracting(r -> r.pattern())
                        .containsExactlyInAnyOrder("/v1/chat/completions", "/v1/completions", "/v1/models");
                assertThat(p.metrics().methods(p.metrics().findBySystemName("hits").orElseThrow().id())).hasSize(3);
                assertThat(p.applicationPlans()).singleElement().satisfies(pl -> assertThat(pl.published()).isTrue());
                assertThat(p.backendUsages()).hasSize(1);
                assertThat(p.configs(Product.PRODUCTION)).hasSize(1);
                assertThat(p.latestConfig(Product.PRODUCTION).orElseThrow().content())
                        .isEqualTo(p.latestConfig(Product.STAGING).orElseThrow().content());
            }
            assertThat(sim.store().snapshot("services")).hasSize(6);
            assertThat(sim.store().snapshot("backend_apis")).hasSize(6);
            assertThat(sim.journal().entries()).filteredOn(e -> e.fault() != null).hasSizeGreaterThan(10);
        }
    }
}
