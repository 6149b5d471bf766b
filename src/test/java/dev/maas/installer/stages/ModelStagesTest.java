package dev.maas.installer.stages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.catalog.CatalogMarker;
import dev.maas.installer.catalog.CustomPolicies;
import dev.maas.installer.catalog.ModelCatalog;
import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.catalog.OpenApiOperations;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.ConfigDefaults;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.run.StageRunner;
import dev.maas.installer.sandbox.threescale.Faults;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.stages.backends.BackendsStage;
import dev.maas.installer.stages.plans.PlansStage;
import dev.maas.installer.stages.products.ProductsStage;
import dev.maas.installer.testing.FastRetries;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.Product;
import dev.maas.installer.threescale.RetryPolicy;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.ActiveDoc;
import dev.maas.installer.threescale.model.ApplicationPlan;
import dev.maas.installer.threescale.model.BackendApi;
import dev.maas.installer.threescale.model.BackendUsage;
import dev.maas.installer.threescale.model.MappingRule;
import dev.maas.installer.threescale.model.Metric;
import dev.maas.installer.threescale.model.PolicyConfig;
import dev.maas.installer.threescale.model.ProxyConfig;
import dev.maas.installer.threescale.model.Service;
import dev.maas.installer.threescale.model.ServicePlan;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@StartsSandbox
class ModelStagesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BackendsStage backends = new BackendsStage();
    private final ProductsStage products = new ProductsStage();
    private final PlansStage plans = new PlansStage();
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

    private static void applyAll(StageContext ctx, Stage... stages) {
        for (Stage s : stages) {
            s.apply(ctx, Progress.NONE);
        }
    }

    private List<Change> applyAllChanges(StageContext ctx) {
        List<Change> out = new ArrayList<>();
        for (Stage s : List.of(backends, products, plans)) {
            out.addAll(s.apply(ctx, Progress.NONE));
        }
        return out;
    }

    private static List<Check> verifyAll(StageContext ctx, Stage... stages) {
        List<Check> out = new ArrayList<>();
        for (Stage s : stages) {
            out.addAll(s.verify(ctx));
        }
        return out;
    }

    private static void assertAllOk(List<Check> checks) {
        assertThat(checks).isNotEmpty();
        assertThat(checks.stream().filter(c -> c.status() != CheckStatus.OK))
                .as("checks that are not OK").isEmpty();
    }

    /** Asserts through the Admin API every item of the runbook for each model. */
    private void assertRunbookEndState(InstallerConfig config) {
        ThreescaleClient api = api();
        List<ModelProduct> desired = ModelCatalog.build(ConfigDefaults.resolve(config, null),
                CustomPolicies.forConfig(config.threescale()));
        assertThat(desired).hasSize(config.models().size());
        Map<String, BackendApi> liveBackends = api.backends().list().stream()
                .collect(Collectors.toMap(BackendApi::systemName, b -> b));
        for (ModelProduct m : desired) {
            String sn = m.systemName();
            BackendApi b = liveBackends.get(sn);
            assertThat(b).as("backend " + sn).isNotNull();
            assertThat(b.name()).isEqualTo(m.modelName());
            assertThat(b.privateEndpoint()).isEqualTo(m.backend().privateEndpoint());
            assertThat(CatalogMarker.isMarked(b.description())).isTrue();

            List<Service> same = api.services().list().stream().filter(s -> sn.equals(s.systemName())).toList();
            assertThat(same).as("one product " + sn).hasSize(1);
            Service s = same.get(0);
            assertThat(s.name()).isEqualTo(m.modelName());
            assertThat(s.deploymentOption()).isEqualTo("hosted");
            assertThat(s.backendVersion()).isEqualTo("1");
            assertThat(CatalogMarker.isMarked(s.description())).isTrue();
            Product p = api.product(s.id());

            assertThat(p.proxy().authUserKey()).isEqualTo("Authorization");
            assertThat(p.proxy().credentialsLocation()).isEqualTo("headers");

            List<BackendUsage> usages = p.backendUsages();
            assertThat(usages).hasSize(1);
            assertThat(usages.get(0).backendId()).isEqualTo(b.id());
            assertThat(usages.get(0).path()).isEqualTo("/");

            List<PolicyConfig> chain = p.policies();
            assertThat(chain).extracting(PolicyConfig::name).containsExactly("cors", "remove-bearer", "apicast");
            assertThat(chain).allMatch(PolicyConfig::enabled);
            JsonNode cors = chain.get(0).configuration();
            assertThat(cors.get("allow_headers").toString()).isEqualTo("[\"Authorization\",\"Content-type\",\"Accept\"]");
            assertThat(cors.get("allow_origin").asText()).isEqualTo("*");
            assertThat(cors.get("allow_credentials").asBoolean()).isTrue();

            Metric hits = p.metrics().findBySystemName("hits").orElseThrow();
            List<Metric> methods = p.metrics().methods(hits.id());
            assertThat(methods).extracting(Metric::systemName).containsExactlyInAnyOrderElementsOf(
                    m.methods().stream().map(ModelProduct.Method::systemName).toList());
            Map<String, String> friendly = m.methods().stream().collect(Collectors.toMap(
                    ModelProduct.Method::systemName, ModelProduct.Method::friendlyName));
            methods.forEach(x -> assertThat(x.friendlyName()).isEqualTo(friendly.get(x.systemName())));
            Map<Long, String> names = new HashMap<>();
            names.put(hits.id(), "hits");
            methods.forEach(x -> names.put(x.id(), x.systemName()));
            List<MappingRule> rules = p.mappingRules().list();
            assertThat(rules).extracting(r -> r.httpMethod() + " " + r.pattern() + " -> " + names.get(r.metricId()))
                    .containsExactlyInAnyOrderElementsOf(m.mappingRules().stream().map(ModelProduct.MappingRule::key)
                            .toList());
            assertThat(rules).noneMatch(r -> r.pattern().equals("/") && r.httpMethod().equals("GET"));
            assertThat(rules).allMatch(r -> r.delta() == 1);

            ProxyConfig staging = p.latestConfig(Product.STAGING).orElseThrow();
            ProxyConfig production = p.latestConfig(Product.PRODUCTION).orElseThrow();
            // versions may differ after a repair that restored content production already has; content may not
            assertThat(production.content()).isEqualTo(staging.content());
            assertThat(production.content().path("proxy").path("proxy_rules")).hasSize(m.mappingRules().size());

            List<ApplicationPlan> appPlans = p.applicationPlans();
            assertThat(appPlans).filteredOn(x -> x.name().equals("Standard")).singleElement()
                    .satisfies(x -> assertThat(x.published()).isTrue());
            assertThat(appPlans).noneMatch(x -> Boolean.TRUE.equals(x.isDefault()));
            List<ServicePlan> servicePlans = p.servicePlans();
            assertThat(servicePlans).filteredOn(x -> x.name().equals("Default")).singleElement()
                    .satisfies(x -> assertThat(x.isDefault()).isTrue());

            if (config.products().activeDocs()) {
                List<ActiveDoc> docs = api.activeDocs().list().stream().filter(d -> sn.equals(d.systemName())).toList();
                assertThat(docs).as("one ActiveDoc " + sn).hasSize(1);
                ActiveDoc doc = docs.get(0);
                assertThat(doc.name()).isEqualTo(m.modelName());
                assertThat(doc.serviceId()).isEqualTo(s.id());
                assertThat(doc.published()).isTrue();
                assertThat(readTree(doc.body())).isEqualTo(expectedDocument(config, sn));
            }
        }
        if (!config.products().activeDocs()) {
            assertThat(api.activeDocs().list()).extracting(ActiveDoc::systemName)
                    .as("none but the tenant's sample ActiveDoc").allMatch("echo"::equals);
        }
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError("ActiveDoc body is not JSON: " + e.getMessage(), e);
        }
    }

    /** The model's own document read independently from its file (JSON or YAML); the generated one otherwise. */
    private static JsonNode expectedDocument(InstallerConfig config, String systemName) {
        ModelConfig mc = config.models().stream().filter(x -> systemName.equals(x.systemName() == null
                ? ModelCatalog.build(ConfigDefaults.resolve(config, null), CustomPolicies.forConfig(config.threescale()))
                .stream().filter(mp -> mp.modelName().equals(x.name())).findFirst().orElseThrow().systemName()
                : x.systemName())).findFirst().orElseThrow();
        if (mc.openapi() == null) {
            JsonNode generated = OpenApiOperations.defaultDocument(mc.name());
            assertThat(generated.path("openapi").asText()).startsWith("3.");
            assertThat(generated.path("paths").size()).isEqualTo(5);
            return generated;
        }
        try {
            String text = java.nio.file.Files.readString(java.nio.file.Path.of(mc.openapi()));
            ObjectMapper reader = text.stripLeading().startsWith("{") ? JSON
                    : new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
            return reader.readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void runbookModelsEndStateThenSecondApplySendsNoWriteAndVerifyIsOk() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        InstallerConfig config = fx.config(ModelStagesFixture.runbookModels(), 4, false);
        StageContext ctx = fx.ctx(config);

        List<Change> planned = products.plan(ctx);
        assertThat(planned).filteredOn(c -> c.kind().equals("product")).hasSize(5)
                .allMatch(c -> c.action() == Action.CREATE);
        assertThat(planned).filteredOn(c -> c.kind().equals("mapping rule") && c.action() == Action.DELETE)
                .extracting(Change::name).allMatch(n -> n.endsWith("GET / -> hits"));
        assertThat(planned).filteredOn(c -> c.kind().equals("activedoc")).hasSize(5)
                .allMatch(c -> c.action() == Action.CREATE)
                .allSatisfy(c -> assertThat(c.fields()).containsKeys("name", "service_id", "published", "body"));
        assertThat(fx.writes()).isEmpty();

        List<Change> first = applyAllChanges(ctx);
        assertThat(first).anyMatch(c -> c.kind().equals("mapping rule") && c.action() == Action.DELETE
                && c.name().endsWith("GET / -> hits"));
        assertRunbookEndState(config);
        // method counts of the runbook's documents
        ThreescaleClient api = api();
        Map<String, Integer> counts = new HashMap<>();
        for (Service s : api.services().list()) {
            if (CatalogMarker.isMarked(s.description())) {
                Product p = api.product(s.id());
                counts.put(s.systemName(), p.metrics().methods(p.metrics().findBySystemName("hits").orElseThrow().id())
                        .size());
            }
        }
        assertThat(counts).containsEntry("granite-3-8b-instruct", 8).containsEntry("granite-8b-code-instruct", 8)
                .containsEntry("mistral-7b-instruct-v0-3", 8).containsEntry("nomic-embed-text-v1-5", 9)
                .containsEntry("docling", 3);

        fx.sim.journal().clear();
        StageContext again = fx.ctx(config);
        List<Change> second = applyAllChanges(again);
        assertThat(fx.writes()).as("writes of the second apply").isEmpty();
        assertThat(second).allMatch(Change::isNoop);
        assertThat(backends.plan(again)).allMatch(Change::isNoop);
        assertThat(products.plan(again)).allMatch(Change::isNoop);
        assertThat(plans.plan(again)).allMatch(Change::isNoop);
        List<Check> checks = verifyAll(again, backends, products, plans);
        assertAllOk(checks);
        assertThat(checks).filteredOn(c -> c.name().startsWith("activedoc ")).hasSize(5)
                .allMatch(c -> c.status() == CheckStatus.OK);
        assertThat(fx.writes()).isEmpty();
    }

    @Test
    void planShowsFieldDifferencesAndAChangedUrlUpdatesTheBackend() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        List<ModelConfig> models = ModelStagesFixture.runbookModels();
        InstallerConfig config = fx.config(models, 4, false);
        applyAll(fx.ctx(config), backends, products, plans);

        List<ModelConfig> moved = new ArrayList<>(models);
        ModelConfig m0 = models.get(0);
        moved.set(0, new ModelConfig(m0.name(), null, "http://granite-moved.models.svc.cluster.local:8080",
                m0.openapi(), "Granite for everyone"));
        InstallerConfig changed = fx.config(moved, 4, false);
        StageContext ctx = fx.ctx(changed);
        fx.sim.journal().clear();
        List<Change> plan = backends.plan(ctx);
        Change c = plan.stream().filter(x -> x.name().equals("granite-3-8b-instruct")).findFirst().orElseThrow();
        assertThat(c.action()).isEqualTo(Action.UPDATE);
        assertThat(c.fields()).containsOnlyKeys("private_endpoint", "description");
        assertThat(c.fields().get("private_endpoint").from())
                .isEqualTo("http://granite-3-8b-instruct-predictor.models.svc.cluster.local:8080");
        assertThat(c.fields().get("private_endpoint").to())
                .isEqualTo("http://granite-moved.models.svc.cluster.local:8080");
        assertThat(plan).filteredOn(x -> !x.name().equals("granite-3-8b-instruct")).allMatch(Change::isNoop);
        Change product = products.plan(ctx).stream().filter(x -> x.kind().equals("product")
                && x.name().equals("granite-3-8b-instruct")).findFirst().orElseThrow();
        assertThat(product.fields()).containsOnlyKeys("description");
        assertThat(product.fields().get("description").to()).isEqualTo("Granite for everyone " + CatalogMarker.TAG);
        assertThat(fx.writes()).isEmpty();

        assertThat(backends.verify(ctx)).filteredOn(x -> x.status() != CheckStatus.OK).singleElement()
                .satisfies(x -> assertThat(x.message()).contains("private_endpoint").contains("granite-moved"));
        applyAll(ctx, backends, products, plans);
        assertAllOk(verifyAll(ctx, backends, products, plans));
        assertThat(api().backends().findBySystemName("granite-3-8b-instruct").orElseThrow().privateEndpoint())
                .isEqualTo("http://granite-moved.models.svc.cluster.local:8080");
    }

    @Test
    void driftIsNamedByVerifyAndRepairedByApply() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        InstallerConfig config = fx.config(ModelStagesFixture.runbookModels(), 4, false);
        StageContext ctx = fx.ctx(config);
        applyAll(ctx, backends, products, plans);

        ThreescaleClient api = api();
        Service docling = api.services().findBySystemName("docling").orElseThrow();
        Product p = api.product(docling.id());
        MappingRule rule = p.mappingRules().list().get(0);
        p.mappingRules().update(rule.id(), Map.of("pattern", "/changed-by-hand$"));
        Service mistral = api.services().findBySystemName("mistral-7b-instruct-v0-3").orElseThrow();
        Product pm = api.product(mistral.id());
        List<PolicyConfig> chain = pm.policies();
        ObjectNode cors = (ObjectNode) chain.get(0).configuration();
        cors.put("allow_origin", "https://evil.example");
        pm.updatePolicies(List.of(new PolicyConfig("cors", "builtin", cors, true), chain.get(1), chain.get(2)));
        pm.updateProxy(Map.of("credentials_location", "query"));
        Metric hits = pm.metrics().findBySystemName("hits").orElseThrow();
        Metric health = pm.metrics().findMethod(hits.id(), "get_health").orElseThrow();
        pm.metrics().updateMethod(hits.id(), health.id(), Map.of("friendly_name", "Renamed by hand"));

        List<Check> checks = products.verify(ctx);
        Check d = checks.stream().filter(c -> c.name().equals("product docling")).findFirst().orElseThrow();
        assertThat(d.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(d.message()).contains("mapping rule docling " + rule.httpMethod() + " /changed-by-hand$")
                .contains("extra").contains("missing").contains("proxy config");
        Check m = checks.stream().filter(c -> c.name().equals("product mistral-7b-instruct-v0-3")).findFirst()
                .orElseThrow();
        assertThat(m.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(m.message()).contains("policy_chain.cors.allow_origin 'https://evil.example' -> '*'")
                .contains("credentials_location 'query' -> 'headers'")
                .contains("method mistral-7b-instruct-v0-3 get_health differs (friendly_name 'Renamed by hand' -> 'Health')");
        assertThat(checks).filteredOn(c -> c.name().startsWith("product granite")).allMatch(c ->
                c.status() == CheckStatus.OK);
        assertThat(d.fix().target()).isEqualTo(StageIds.PRODUCTS);

        fx.sim.journal().clear();
        List<Change> repair = products.apply(ctx, Progress.NONE);
        assertThat(repair).filteredOn(c -> !c.isNoop()).extracting(Change::name)
                .allMatch(n -> n.startsWith("docling") || n.startsWith("mistral-7b-instruct-v0-3"));
        assertThat(fx.writes()).isNotEmpty();
        assertAllOk(verifyAll(ctx, backends, products, plans));
        assertRunbookEndState(config);
    }

    @Test
    void activeDocDriftIsNamedByVerifyAndRepairedByApply() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        InstallerConfig config = fx.config(ModelStagesFixture.runbookModels(), 4, false);
        StageContext ctx = fx.ctx(config);
        applyAll(ctx, backends, products, plans);

        ThreescaleClient api = api();
        ActiveDoc docling = api.activeDocs().findBySystemName("docling").orElseThrow();
        ObjectNode edited = (ObjectNode) readTree(docling.body());
        ((ObjectNode) edited.get("info")).put("title", "Edited by hand");
        api.activeDocs().update(docling.id(), Map.of("body", edited.toString()));
        ActiveDoc mistral = api.activeDocs().findBySystemName("mistral-7b-instruct-v0-3").orElseThrow();
        api.activeDocs().update(mistral.id(), Map.of("published", "false"));
        // the same document, only formatted differently: not a difference
        ActiveDoc granite = api.activeDocs().findBySystemName("granite-3-8b-instruct").orElseThrow();
        api.activeDocs().update(granite.id(), Map.of("body", readTree(granite.body()).toPrettyString()));

        List<Check> checks = products.verify(ctx);
        Check d = checks.stream().filter(c -> c.name().equals("activedoc docling")).findFirst().orElseThrow();
        assertThat(d.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(d.message()).contains("activedoc docling differs").contains("body");
        assertThat(d.fix().target()).isEqualTo(StageIds.PRODUCTS);
        Check m = checks.stream().filter(c -> c.name().equals("activedoc mistral-7b-instruct-v0-3")).findFirst()
                .orElseThrow();
        assertThat(m.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(m.message()).contains("published 'false' -> 'true'").doesNotContain("body");
        assertThat(checks).filteredOn(c -> c.name().equals("activedoc granite-3-8b-instruct")).singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(CheckStatus.OK));

        fx.sim.journal().clear();
        List<Change> repair = products.apply(ctx, Progress.NONE);
        assertThat(repair).filteredOn(c -> !c.isNoop()).extracting(c -> c.kind() + " " + c.name())
                .containsExactlyInAnyOrder("activedoc docling", "activedoc mistral-7b-instruct-v0-3");
        assertThat(fx.writes()).extracting(e -> e.method() + " " + e.path()).containsExactlyInAnyOrder(
                "PUT /admin/api/active_docs/" + docling.id() + ".json",
                "PUT /admin/api/active_docs/" + mistral.id() + ".json");
        assertAllOk(verifyAll(ctx, backends, products, plans));
        assertRunbookEndState(config);
        fx.sim.journal().clear();
        products.apply(ctx, Progress.NONE);
        assertThat(fx.writes()).isEmpty();
    }

    @Test
    void withActiveDocsOffNoneIsCreatedAndNoCheckFails() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        InstallerConfig config = fx.config(ModelStagesFixture.runbookModels(), 4, false, false);
        StageContext ctx = fx.ctx(config);
        assertThat(products.plan(ctx)).noneMatch(c -> c.kind().equals("activedoc"));
        assertThat(applyAllChanges(ctx)).noneMatch(c -> c.kind().equals("activedoc"));
        assertThat(fx.sim.store().snapshot("active_docs")).extracting(d -> d.path("system_name").asText())
                .as("none but the tenant's sample ActiveDoc").allMatch("echo"::equals);
        List<Check> checks = verifyAll(ctx, backends, products, plans);
        assertAllOk(checks);
        assertThat(checks).noneMatch(c -> c.name().startsWith("activedoc"));
        assertRunbookEndState(config);
    }

    @ParameterizedTest
    @ValueSource(longs = {20261127L, 7L, 424242L})
    void injectedFaultsEndInTheSameStateWithoutDuplicates(long seed) {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        fx.sim.setFaults(Faults.errors(seed, 0.06, 0.04, 0.02));
        for (int i = 0; i < 40; i++) {
            fx.sim.store().addDeveloperAccount("Dev " + i);
        }
        InstallerConfig config = fx.config(ModelStagesFixture.runbookModels(), 4, true);
        StageContext ctx = fx.ctx(config, FastRetries.threescale(12, seed));
        applyAll(ctx, backends, products, plans);
        assertThat(fx.sim.journal().entries()).anyMatch(e -> e.fault() != null && e.method().equals("POST"))
                .anyMatch(e -> "5xx-after-commit".equals(e.fault()) || "dropped-after-commit".equals(e.fault()));

        fx.sim.setFaults(Faults.none());
        assertRunbookEndState(config);
        assertNoDuplicates();
        fx.sim.journal().clear();
        StageContext clean = fx.ctx(config);
        assertThat(applyAllChanges(clean)).allMatch(Change::isNoop);
        assertThat(fx.writes()).isEmpty();
        assertAllOk(verifyAll(clean, backends, products, plans));
    }

    private void assertNoDuplicates() {
        assertThat(unique(fx.sim.store().snapshot("services"), s -> s.get("system_name").asText())).isTrue();
        assertThat(unique(fx.sim.store().snapshot("backend_apis"), s -> s.get("system_name").asText())).isTrue();
        assertThat(unique(fx.sim.store().snapshot("mapping_rules"), s -> s.get("owner_id").asText() + " "
                + s.get("http_method").asText() + " " + s.get("pattern").asText() + " " + s.get("metric_id"))).isTrue();
        assertThat(unique(fx.sim.store().snapshot("application_plans"), s -> s.get("service_id").asText() + " "
                + s.get("name").asText())).isTrue();
        assertThat(unique(fx.sim.store().snapshot("backend_usages"), s -> s.get("service_id").asText())).isTrue();
        assertThat(unique(fx.sim.store().snapshot("service_subscriptions"), s -> s.get("user_account_id").asText()
                + " " + s.get("service_id").asText())).isTrue();
        assertThat(fx.sim.store().snapshot("applications")).noneMatch(a -> a.get("name").asText()
                .startsWith("maas-installer subscription"));
    }

    private static boolean unique(List<ObjectNode> items, java.util.function.Function<ObjectNode, String> key) {
        Set<String> seen = new HashSet<>();
        for (ObjectNode n : items) {
            if (!seen.add(key.apply(n))) {
                throw new AssertionError("duplicate " + key.apply(n) + " in " + items.size() + " items");
            }
        }
        return true;
    }

    @Test
    void removingAModelKeepsItsProductUnlessPruneAndOnlyMarkedProductsArePruned() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        List<ModelConfig> models = ModelStagesFixture.runbookModels();
        applyAll(fx.ctx(fx.config(models, 4, false)), backends, products, plans);
        ThreescaleClient api = api();
        api.services().create("Hand made", "hand-made", Map.of("description", "not ours"));

        InstallerConfig fewer = fx.config(models.subList(0, 4), 4, false);
        fx.sim.journal().clear();
        List<Change> kept = products.apply(fx.ctx(fewer), Progress.NONE);
        assertThat(kept).allMatch(Change::isNoop);
        assertThat(kept).filteredOn(c -> c.name().startsWith("docling (no longer in the configuration"))
                .singleElement().satisfies(c -> assertThat(c.kept()).isTrue());
        assertThat(kept).filteredOn(Change::kept).hasSize(1);
        assertThat(fx.writes()).isEmpty();
        assertThat(api.services().findBySystemName("docling")).isPresent();

        ProductsStage pruning = new ProductsStage(true);
        List<Change> plan = pruning.plan(fx.ctx(fewer));
        assertThat(plan).filteredOn(c -> c.action() == Action.DELETE).singleElement()
                .satisfies(c -> assertThat(c.name()).isEqualTo("docling"));
        assertThat(pruning.verify(fx.ctx(fewer))).filteredOn(c -> c.status() != CheckStatus.OK).singleElement()
                .satisfies(c -> assertThat(c.message()).contains("docling").contains("pruning deletes it"));
        pruning.apply(fx.ctx(fewer), Progress.NONE);
        assertAllOk(pruning.verify(fx.ctx(fewer)));
        assertThat(api.services().findBySystemName("docling")).isEmpty();
        assertThat(api.services().findBySystemName("hand-made")).isPresent();
        assertThat(api.services().findBySystemName("api")).isPresent();
        assertThat(api.services().list()).hasSize(6);
    }

    @Test
    void progressCountsProductsAndNamesEachStepAndCancellationStops() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        InstallerConfig config = fx.config(ModelStagesFixture.runbookModels(), 2, false);
        StageContext ctx = fx.ctx(config);
        backends.apply(ctx, Progress.NONE);
        StageContext cancelling = fx.ctx(config);
        List<String> seen = new CopyOnWriteArrayList<>();
        Progress cancelOnMethods = new Progress() {
            @Override public void step(int n, int of, String message) { seen.add(message); }

            @Override public void detail(String message) {
                seen.add(message);
                if (message.contains("methods")) {
                    cancelling.cancellation().cancel();
                }
            }
        };
        assertThatThrownBy(() -> products.apply(cancelling, cancelOnMethods)).isInstanceOf(CancelledException.class);
        assertThat(fx.sim.store().snapshot("services").stream().filter(s -> CatalogMarker.isMarked(
                s.path("description").asText())).count()).isLessThan(5);

        List<String> steps = new CopyOnWriteArrayList<>();
        List<String> details = new CopyOnWriteArrayList<>();
        products.apply(ctx, new Progress() {
            @Override public void step(int n, int of, String message) { steps.add(n + "/" + of + " " + message); }

            @Override public void detail(String message) { details.add(message); }
        });
        assertThat(steps).contains("5/5 5 of 5 products").hasSize(5);
        assertThat(details).contains("docling: mapping rules (6/7)", "granite-3-8b-instruct: deploy and promote (7/7)");
        assertAllOk(products.verify(ctx));
    }

    @Test
    void subscribesExistingAccountsOn216ThenRerunCreatesNothing() {
        subscriptions("2.16", "2.16+: service subscriptions");
    }

    @Test
    void subscribesExistingAccountsOn215WithTheApplicationWorkaroundThenRerunCreatesNothing() {
        subscriptions("2.15", "2.15: create and delete an application");
    }

    private void subscriptions(String version, String modeLabel) {
        fx = new ModelStagesFixture(SimulatorOptions.defaults().withVersion(version));
        for (int i = 0; i < 600; i++) {
            fx.sim.store().addDeveloperAccount("Developer " + i);
        }
        InstallerConfig config = fx.config(ModelStagesFixture.runbookModels(), 4, true);
        StageContext ctx = fx.ctx(config, FastRetries.threescale(6, 1));
        applyAll(ctx, backends, products);
        List<Change> planned = plans.plan(ctx);
        assertThat(planned).filteredOn(c -> c.kind().equals("service subscriptions")).singleElement()
                .satisfies(c -> {
                    assertThat(c.action()).isEqualTo(Action.UPDATE);
                    assertThat(c.fields().get("missing").from()).isEqualTo(String.valueOf(601 * 5));
                    assertThat(c.name()).contains(modeLabel).contains("601");
                });
        fx.sim.journal().clear();
        List<Change> done = plans.apply(ctx, Progress.NONE);
        assertThat(done).anyMatch(c -> c.kind().equals("service subscriptions") && c.name().contains(modeLabel));
        long reads = fx.sim.journal().entries().stream().filter(e -> e.method().equals("GET")
                && e.path().matches("/admin/api/accounts/\\d+/service_(subscriptions|contracts)\\.json")).count();
        assertThat(reads).as("each account's subscriptions read once (plus the version probe)").isBetween(601L, 602L);
        Set<Long> ours = api().services().list().stream().filter(s -> CatalogMarker.isMarked(s.description()))
                .map(Service::id).collect(Collectors.toSet());
        Map<Long, Set<Long>> byAccount = new HashMap<>();
        fx.sim.store().snapshot("service_subscriptions").forEach(c -> byAccount.computeIfAbsent(
                c.get("user_account_id").asLong(), k -> new HashSet<>()).add(c.get("service_id").asLong()));
        assertThat(byAccount).hasSize(601);
        byAccount.values().forEach(s -> assertThat(s).containsAll(ours));
        assertNoDuplicates();
        if (version.equals("2.15")) {
            assertThat(fx.writes()).filteredOn(e -> e.method().equals("POST")).hasSize(601 * 5 + 5);
        } else {
            assertThat(fx.writes()).filteredOn(e -> e.path().endsWith("/service_subscriptions.json")).hasSize(601 * 5);
        }

        fx.sim.journal().clear();
        List<Change> rerun = plans.apply(ctx, Progress.NONE);
        assertThat(fx.writes()).isEmpty();
        assertThat(rerun).allMatch(Change::isNoop);
        assertAllOk(plans.verify(ctx));

        // an account that signed up since: verify names what is missing, apply writes exactly that
        fx.sim.store().addDeveloperAccount("Late developer");
        assertThat(plans.verify(ctx)).filteredOn(c -> c.name().equals("service subscriptions")).singleElement()
                .satisfies(c -> {
                    assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
                    assertThat(c.message()).isEqualTo("5 subscriptions of 602 developer accounts are missing");
                });
        fx.sim.journal().clear();
        assertThat(plans.apply(ctx, Progress.NONE)).filteredOn(c -> !c.isNoop()).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo("service subscriptions");
            assertThat(c.action()).isEqualTo(Action.UPDATE);
            assertThat(c.fields().get("missing").from()).isEqualTo("5");
        });
        assertThat(fx.writes()).hasSize(version.equals("2.15") ? 10 : 5);
        assertAllOk(plans.verify(ctx));
    }

    @Test
    void aModelWithoutDocumentGetsTheOpenAiSetAndRunsThroughTheRunner() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        List<ModelConfig> models = new ArrayList<>(ModelStagesFixture.runbookModels().subList(0, 1));
        models.add(new ModelConfig("Llama Guard", null, "http://llama-guard-predictor.models.svc.cluster.local:8080",
                null, null));
        InstallerConfig config = fx.config(models, 4, false);
        List<String> ids = List.of(StageIds.BACKENDS, StageIds.PRODUCTS, StageIds.PLANS);
        RunReport applied = new StageRunner(Stages.all()).run(Operation.APPLY, ids, fx.ctx(config), null);
        assertThat(applied.allOk()).as(applied.toString()).isTrue();
        assertRunbookEndState(config);
        Service guard = api().services().findBySystemName("llama-guard").orElseThrow();
        Product p = api().product(guard.id());
        assertThat(p.mappingRules().list()).extracting(r -> r.httpMethod() + " " + r.pattern())
                .containsExactlyInAnyOrder("POST /v1/chat/completions$", "POST /v1/completions$",
                        "POST /v1/embeddings$", "GET /v1/models$", "GET /v1/models/{model}$");
        fx.sim.journal().clear();
        RunReport verified = new StageRunner(Stages.all()).run(Operation.VERIFY, ids, fx.ctx(config), null);
        assertThat(verified.allChecksPass()).as(verified.toString()).isTrue();
        assertThat(fx.writes()).isEmpty();
    }

    @Test
    void anUnusableModelIsInvalidInputNamingTheField() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        List<ModelConfig> models = new ArrayList<>(ModelStagesFixture.runbookModels());
        models.set(2, new ModelConfig("Broken", null, "http://broken.models.svc:8080", "/nonexistent/doc.json", null));
        StageContext ctx = fx.ctx(fx.config(models, 4, false));
        assertThatThrownBy(() -> products.plan(ctx)).isInstanceOfSatisfying(StageException.class, e -> {
            assertThat(e.invalidInput()).isTrue();
            assertThat(e.fix().target()).isEqualTo("models[2].openapi");
            assertThat(e.getMessage()).contains("models[2].openapi");
        });
        assertThat(fx.sim.journal().entries()).isEmpty();
    }

    @Test
    void theModelStagesAreWiredIntoTheStageList() {
        List<Stage> all = Stages.all();
        assertThat(all).filteredOn(s -> List.of(StageIds.BACKENDS, StageIds.PRODUCTS, StageIds.PLANS).contains(s.id()))
                .hasSize(3)
                .hasAtLeastOneElementOfType(BackendsStage.class).hasAtLeastOneElementOfType(ProductsStage.class)
                .hasAtLeastOneElementOfType(PlansStage.class);
        assertThat(all.stream().filter(s -> s instanceof ProductsStage).map(s -> ((ProductsStage) s).prune()))
                .containsExactly(false);
    }
}
