package dev.maas.installer.stages.products;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.catalog.PolicyChain;
import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.sandbox.threescale.AsyncDelays;
import dev.maas.installer.sandbox.threescale.RequestJournal;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.stages.ModelStagesFixture;
import dev.maas.installer.stages.backends.BackendsStage;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.Product;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.BackendApi;
import dev.maas.installer.threescale.model.ProxyConfig;
import dev.maas.installer.threescale.model.Service;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The products (and backends) stages against porta's own behaviour: the APIcast configuration content porta writes,
 * the service token made after the product, deletes that only mark, and a policy chain accepted without the
 * registry.
 */
@StartsSandbox
class ProductsPortaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration NEVER = Duration.ofHours(1);
    private ModelStagesFixture fx;

    @AfterEach
    void tearDown() {
        if (fx != null) {
            fx.close();
        }
    }

    private ThreescaleClient api() {
        return ThreescaleClient.builder(fx.sim.url(), fx.sim.accessToken()).build();
    }

    private List<RequestJournal.Entry> deploys(String systemName) {
        long sid = api().services().findBySystemName(systemName).orElseThrow().id();
        return fx.sim.journal().entries().stream()
                .filter(e -> e.path().equals("/admin/api/services/" + sid + "/proxy/deploy.json")).toList();
    }

    // ------------------------------------------------------------------------------ staging is current (point 1)

    /** The product that {@code contract/products/proxy_config_latest.json} is the staging configuration of. */
    private static ModelProduct granite(String privateEndpoint) {
        ObjectNode cors = JSON.createObjectNode();
        cors.putArray("allow_headers").add("Authorization").add("Content-type").add("Accept");
        cors.put("allow_origin", "*");
        cors.put("allow_credentials", true);
        PolicyChain chain = new PolicyChain(List.of(new PolicyChain.Policy("cors", "builtin", cors, true),
                new PolicyChain.Policy("remove-bearer", "0.1.0", null, true),
                new PolicyChain.Policy("headers", "builtin", null, false),
                new PolicyChain.Policy("apicast", "builtin", null, true)));
        String sn = "granite-3-8b-instruct";
        return new ModelProduct("Granite 3 8B Instruct", sn,
                new ModelProduct.Backend("Granite 3 8B Instruct", sn, privateEndpoint, "d"),
                new ModelProduct.Product("Granite 3 8B Instruct", sn, "d", "hosted", "1"),
                new ModelProduct.Proxy("Authorization", "headers"), new ModelProduct.BackendUsage(sn, "/"), chain,
                List.of(new ModelProduct.Method("chat_completions", "Chat", null),
                        new ModelProduct.Method("models", "Models", null)),
                List.of(new ModelProduct.MappingRule("POST", "/v1/chat/completions$", "chat_completions", 1, false, 1),
                        new ModelProduct.MappingRule("GET", "/v1/models$", "models", 1, false, 2)),
                false, null);
    }

    private static ProxyConfig fixture() throws IOException {
        try (InputStream in = ProductsPortaTest.class.getResourceAsStream(
                "/threescale/contract/products/proxy_config_latest.json")) {
            JsonNode c = JSON.readTree(in).path("proxy_config");
            return new ProxyConfig(c.path("id").asLong(), c.path("version").asInt(), c.path("environment").asText(),
                    c.path("content"));
        }
    }

    private static boolean current(ModelProduct want, BackendApi backend, ProxyConfig staging) {
        return Promotion.stagingIsCurrent(want, backend, staging);
    }

    @Test
    void stagingIsCurrentReadsTheContentPortaWrites() throws IOException {
        String url = "http://granite-3-8b-instruct-predictor.models.svc.cluster.local:8080";
        BackendApi backend = new BackendApi(56913, "Granite 3 8B Instruct", "granite-3-8b-instruct", "d", url, 1L);
        ProxyConfig staging = fixture();
        assertThat(staging.content().has("backend_usages")).isFalse();
        assertThat(current(granite(url), backend, staging)).as("porta's content, no backend_usages").isTrue();

        // what the plans stage and 3scale change on their own does not make staging stale
        ObjectNode other = staging.content().deepCopy();
        other.put("default_service_plan_id", 42).put("updated_at", "2030-01-01T00:00:00Z");
        ((ObjectNode) other.path("proxy")).put("lock_version", 9).put("secret_token", "x");
        assertThat(current(granite(url), backend, new ProxyConfig(1, 4, "sandbox", other))).isTrue();

        // a backend whose URL changed (the backends stage updated it) makes staging stale
        BackendApi moved = new BackendApi(56913, "G", "granite-3-8b-instruct", "d", "http://moved.models.svc:8080",
                1L);
        assertThat(current(granite("http://moved.models.svc:8080"), moved, staging)).isFalse();
        // so do a rule, a policy configuration and the credential settings
        ObjectNode delta = staging.content().deepCopy();
        ((ObjectNode) delta.path("proxy").path("proxy_rules").get(0)).put("delta", 2);
        assertThat(current(granite(url), backend, new ProxyConfig(1, 4, "sandbox", delta))).isFalse();
        ObjectNode cors = staging.content().deepCopy();
        ((ObjectNode) cors.path("proxy").path("policy_chain").get(0).path("configuration")).put("allow_origin", "x");
        assertThat(current(granite(url), backend, new ProxyConfig(1, 4, "sandbox", cors))).isFalse();
        ObjectNode query = staging.content().deepCopy();
        ((ObjectNode) query.path("proxy")).put("credentials_location", "query");
        assertThat(current(granite(url), backend, new ProxyConfig(1, 4, "sandbox", query))).isFalse();
    }

    @Test
    void aBackendWhoseUrlChangedIsDeployedAndPromoted() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        List<ModelConfig> models = ModelStagesFixture.runbookModels().subList(0, 1);
        StageContext ctx = fx.ctx(fx.config(models, 1, false));
        new BackendsStage().apply(ctx, Progress.NONE);
        new ProductsStage().apply(ctx, Progress.NONE);

        ModelConfig m = models.get(0);
        InstallerConfig moved = fx.config(List.of(new ModelConfig(m.name(), null,
                "http://granite-moved.models.svc.cluster.local:8080", m.openapi(), null)), 1, false);
        StageContext again = fx.ctx(moved);
        new BackendsStage().apply(again, Progress.NONE);
        assertThat(new ProductsStage().verify(again)).filteredOn(c -> c.status() != CheckStatus.OK).singleElement()
                .satisfies(c -> assertThat(c.message()).contains("proxy config"));
        fx.sim.journal().clear();
        new ProductsStage().apply(again, Progress.NONE);
        assertThat(fx.writes()).extracting(RequestJournal.Entry::path)
                .anyMatch(p -> p.endsWith("/proxy/deploy.json")).anyMatch(p -> p.endsWith("/promote.json"));
        Product p = api().product(api().services().findBySystemName("granite-3-8b-instruct").orElseThrow().id());
        assertThat(p.latestConfig(Product.PRODUCTION).orElseThrow().content().path("proxy").path("api_backend")
                .asText()).isEqualTo("http://granite-moved.models.svc.cluster.local:8080");
        assertThat(new ProductsStage().verify(again)).allMatch(c -> c.status() == CheckStatus.OK);
        fx.sim.journal().clear();
        new ProductsStage().apply(again, Progress.NONE);
        assertThat(fx.writes()).isEmpty();
    }

    @Test
    void withoutTheModelsBackendTheApplyStopsBeforeAnyWrite() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        StageContext ctx = fx.ctx(fx.config(ModelStagesFixture.runbookModels().subList(0, 1), 1, false));
        fx.sim.journal().clear();
        assertThatThrownBy(() -> new ProductsStage().apply(ctx, Progress.NONE))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.getMessage()).contains("backend granite-3-8b-instruct of product"
                            + " granite-3-8b-instruct does not exist");
                    assertThat(e.fix().target()).isEqualTo("backends");
                });
        assertThat(fx.writes()).isEmpty();
        assertThat(new ProductsStage().verify(ctx)).filteredOn(c -> c.name().equals("product granite-3-8b-instruct"))
                .singleElement().satisfies(c -> assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE));
    }

    // ---------------------------------------------------------------------------------- service token (point 4)

    @Test
    void aFirstDeployWaitsForTheServiceToken() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults().withDelays(AsyncDelays.porta()
                .withServiceToken(Duration.ofMillis(1500))));
        InstallerConfig config = fx.config(ModelStagesFixture.runbookModels().subList(0, 1), 1, false);
        StageContext ctx = fx.ctx(config);
        new BackendsStage().apply(ctx, Progress.NONE);
        List<String> details = new CopyOnWriteArrayList<>();
        new ProductsStage().apply(ctx, new Progress() {
            @Override public void step(int n, int of, String message) { }

            @Override public void detail(String message) { details.add(message); }
        });
        assertThat(details).contains("granite-3-8b-instruct: waiting for 3scale to make the product's service token"
                + " before its first configuration");
        assertThat(deploys("granite-3-8b-instruct")).as("deployed again once the token existed").hasSizeGreaterThan(1)
                .allMatch(e -> e.status() == 201);
        assertThat(new ProductsStage().verify(ctx)).allMatch(c -> c.status() == CheckStatus.OK);
        fx.sim.journal().clear();
        new ProductsStage().apply(ctx, Progress.NONE);
        assertThat(fx.writes()).as("no deploy, no promote on the second apply").isEmpty();
    }

    @Test
    void withoutAServiceTokenTheWaitEndsWithWhatToDo() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults().withDelays(AsyncDelays.porta().withServiceToken(NEVER)));
        InstallerConfig config = fx.config(ModelStagesFixture.runbookModels().subList(0, 1), 1, false);
        StageContext ctx = fx.ctx(config);
        new BackendsStage().apply(ctx, Progress.NONE);
        assertThatThrownBy(() -> new ProductsStage(false, Duration.ofSeconds(1)).apply(ctx, Progress.NONE))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.getMessage()).contains("granite-3-8b-instruct has no staging configuration")
                            .contains("service token").contains("system-sidekiq");
                    assertThat(e.fix()).isNotNull();
                    assertThat(e.fix().toString()).contains("system-sidekiq");
                });
    }

    @Test
    void cancelStopsTheWaitForTheServiceToken() throws Exception {
        fx = new ModelStagesFixture(SimulatorOptions.defaults().withDelays(AsyncDelays.porta().withServiceToken(NEVER)));
        InstallerConfig config = fx.config(ModelStagesFixture.runbookModels().subList(0, 1), 1, false);
        StageContext ctx = fx.ctx(config);
        new BackendsStage().apply(ctx, Progress.NONE);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        StageContext cancelling = fx.ctx(config);
        Thread t = new Thread(() -> {
            try {
                new ProductsStage().apply(cancelling, new Progress() {
                    @Override public void step(int n, int of, String message) { }

                    @Override public void detail(String message) {
                        if (message.contains("waiting for 3scale")) {
                            cancelling.cancellation().cancel();
                        }
                    }
                });
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        long started = System.nanoTime();
        t.start();
        t.join(Duration.ofSeconds(30).toMillis());
        assertThat(t.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(CancelledException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
    }

    // ------------------------------------------------------------------------------------------ deletes (point 5)

    @Test
    void aPrunedProductAddedAgainWhilePortaIsStillRemovingItSaysSo() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults().withDelays(AsyncDelays.porta().withPurge(NEVER)));
        List<ModelConfig> two = ModelStagesFixture.runbookModels().subList(0, 2);
        StageContext ctx = fx.ctx(fx.config(two, 2, false));
        new BackendsStage().apply(ctx, Progress.NONE);
        new ProductsStage().apply(ctx, Progress.NONE);
        new ProductsStage(true).apply(fx.ctx(fx.config(two.subList(0, 1), 2, false)), Progress.NONE);
        assertThat(api().services().findBySystemName("granite-8b-code-instruct")).as("gone from the list").isEmpty();

        assertThatThrownBy(() -> new ProductsStage().apply(fx.ctx(fx.config(two, 2, false)), Progress.NONE))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.getMessage()).contains("product granite-8b-code-instruct cannot be created yet")
                            .contains("deleted recently").doesNotContain("access token");
                    assertThat(e.fix().toString()).contains("wait a few minutes");
                });
        fx.sim.store().completePendingWork(); // porta's purge is done
        new ProductsStage().apply(fx.ctx(fx.config(two, 2, false)), Progress.NONE);
        assertThat(api().services().findBySystemName("granite-8b-code-instruct")).isPresent();
    }

    @Test
    void pruningTheTenantsLastProductIsRefusedWithTheReason() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults().withSampleData(false));
        List<ModelConfig> two = ModelStagesFixture.runbookModels().subList(0, 2);
        StageContext ctx = fx.ctx(fx.config(two, 1, false));
        new BackendsStage().apply(ctx, Progress.NONE);
        new ProductsStage().apply(ctx, Progress.NONE);
        ThreescaleClient api = api();
        Service first = api.services().findBySystemName("granite-3-8b-instruct").orElseThrow();
        // the other product goes (a product deleted by hand), so the first is the tenant's last
        api.services().delete(api.services().findBySystemName("granite-8b-code-instruct").orElseThrow().id());
        assertThatThrownBy(() -> api.services().delete(first.id())).hasMessageContaining("last product");
        assertThat(api.services().list()).extracting(Service::systemName).containsExactly("granite-3-8b-instruct");
    }

    @Test
    void aBackendAddedAgainWhilePortaIsStillRemovingItSaysSo() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults().withDelays(AsyncDelays.porta().withPurge(NEVER)));
        StageContext ctx = fx.ctx(fx.config(ModelStagesFixture.runbookModels().subList(0, 1), 1, false));
        new BackendsStage().apply(ctx, Progress.NONE);
        ThreescaleClient api = api();
        api.backends().delete(api.backends().findBySystemName("granite-3-8b-instruct").orElseThrow().id());
        assertThatThrownBy(() -> new BackendsStage().apply(ctx, Progress.NONE))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.getMessage())
                        .contains("backend granite-3-8b-instruct cannot be created yet").contains("deleted recently"));
        fx.sim.store().completePendingWork();
        new BackendsStage().apply(ctx, Progress.NONE);
        assertThat(api.backends().findBySystemName("granite-3-8b-instruct")).isPresent();
    }

    // ----------------------------------------------------------------------------------- policy registry (point 6)

    @Test
    void theProductsStageDoesNotNeedThePoliciesInTheRegistry() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults(), false);
        assertThat(fx.sim.store().registryPolicies()).isEmpty();
        StageContext ctx = fx.ctx(fx.config(ModelStagesFixture.runbookModels().subList(0, 2), 2, false));
        new BackendsStage().apply(ctx, Progress.NONE);
        new ProductsStage().apply(ctx, Progress.NONE);
        assertThat(new ProductsStage().verify(ctx)).allMatch(c -> c.status() == CheckStatus.OK);
        List<String> chain = new ArrayList<>();
        api().product(api().services().findBySystemName("granite-3-8b-instruct").orElseThrow().id()).policies()
                .forEach(p -> chain.add(p.name()));
        assertThat(chain).containsExactly("cors", "remove-bearer", "apicast");
    }
}
