package dev.maas.installer.stages.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.EndpointsConfig;
import dev.maas.installer.engine.config.InstallerConfig.StorageConfig;
import dev.maas.installer.engine.config.InstallerConfig.ThreescaleConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.sandbox.ApiManagerSimulator;
import dev.maas.installer.sandbox.OlmSimulator;
import dev.maas.installer.sandbox.Sandbox;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.sandbox.threescale.Faults;
import dev.maas.installer.sandbox.threescale.RequestJournal;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.testing.LogCapture;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The threescale stage against the sandbox's test cluster, its simulated OLM and 3scale operator, and the 3scale simulator. */
@StartsSandbox
class ThreescaleStageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ORG = "MaaS on RHOAI";

    @TempDir
    Path dir;

    private SandboxCluster cluster;
    private ThreescaleSimulator sim;
    private ApiManagerSimulator operator;
    private final List<String> clusterRequests = new CopyOnWriteArrayList<>();
    private final List<KubernetesClient> clients = new ArrayList<>();

    @AfterEach
    void tearDown() {
        clients.forEach(KubernetesClient::close);
        if (cluster != null) {
            cluster.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    private void start(SandboxCluster.Options options, ApiManagerSimulator.Behaviour behaviour) {
        cluster = SandboxCluster.start(options.withHttps(false)
                .withOlmBehaviour(OlmSimulator.Behaviour.succeed(Duration.ofMillis(20))));
        sim = ThreescaleSimulator.start(SimulatorOptions.defaults().withDomain("maas", cluster.appsDomain())
                .withJournal(ThreescaleSimulator.journalIn(dir)));
        operator = new ApiManagerSimulator(sim, behaviour);
        cluster.addOperator(operator);
    }

    private void start() {
        start(SandboxCluster.Options.defaults(), ApiManagerSimulator.Behaviour.defaults());
    }

    /** The stage's cluster client, recording "METHOD path" of every request it sends. */
    private KubernetesClient recordingClient() {
        KubernetesClient client = new KubernetesClientBuilder().withConfig(cluster.clientConfig())
                .withHttpClientFactory(new OkHttpClientFactory() {
                    @Override
                    protected void additionalConfig(OkHttpClient.Builder builder) {
                        builder.addInterceptor(chain -> {
                            clusterRequests.add(chain.request().method() + " " + chain.request().url().encodedPath());
                            return chain.proceed(chain.request());
                        });
                    }
                }).build();
        clients.add(client);
        return client;
    }

    private List<String> clusterWrites() {
        return clusterRequests.stream().filter(r -> !r.startsWith("GET ")).toList();
    }

    private static InstallerConfig config(ThreescaleConfig t, String adminUrl) {
        return new InstallerConfig(null, new EndpointsConfig(null, adminUrl, adminUrl, null), null, t, null, null,
                null, null);
    }

    private InstallerConfig config() {
        return config(new ThreescaleConfig(null, null, null, ORG, null, null), sim.url());
    }

    private StageContext ctx(InstallerConfig config) {
        KubernetesClient client = recordingClient();
        return new StageContext(config, SecretRegistry.global(), new Cancellation())
                .provide(KubernetesClient.class, () -> client);
    }

    private static ThreescaleStage stage() {
        return new ThreescaleStage(Duration.ofSeconds(60), Duration.ofSeconds(60));
    }

    private static final class Recorder implements Progress {
        final List<String> steps = new CopyOnWriteArrayList<>();
        final List<String> details = new CopyOnWriteArrayList<>();

        @Override
        public void step(int n, int of, String message) { steps.add(n + "/" + of + " " + message); }

        @Override
        public void detail(String message) { details.add(message); }
    }

    private static Change change(List<Change> changes, String kind) {
        return changes.stream().filter(c -> c.kind().equals(kind)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " in " + changes));
    }

    private static Check check(List<Check> checks, String name) {
        return checks.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + name + " in " + checks));
    }

    private JsonNode apiManager() {
        GenericKubernetesResource am = cluster.newClient().genericKubernetesResources(ThreescaleStage.APIMANAGERS)
                .inNamespace("3scale").withName("apimanager").get();
        return JSON.valueToTree(am);
    }

    /** The 3scale state a clean install leaves: no sample backend, one registry entry per policy, the org name. */
    private void assertInstalledState() {
        sim.store().completePendingWork(); // the sample backend's purge, which porta does in the background
        assertThat(sim.store().snapshot("backend_apis")).extracting(b -> b.path("name").asText())
                .doesNotContain(ThreescaleStage.SAMPLE_BACKEND_NAME);
        assertThat(sim.store().snapshot("backend_usages")).isEmpty();
        assertThat(sim.store().snapshot("services")).extracting(s -> s.path("system_name").asText())
                .containsExactly("api");
        assertThat(sim.store().registryPolicies()).extracting(p -> p.path("name").asText() + " "
                + p.path("version").asText()).containsExactly("remove-bearer 0.1.0");
        assertThat(tenantOrgName()).isEqualTo(ORG);
    }

    private String tenantOrgName() {
        return dev.maas.installer.threescale.ThreescaleClient.builder(sim.url(), sim.accessToken()).build()
                .tenant().provider().orgName();
    }

    @Test
    void appliesEverythingAndASecondApplyWritesNothing() {
        start();
        StageContext ctx = ctx(config());
        Recorder progress = new Recorder();

        List<Change> changes = stage().apply(ctx, progress);

        assertThat(change(changes, "Namespace").action()).isEqualTo(Action.CREATE);
        assertThat(change(changes, "Secret").name()).isEqualTo("3scale/apicast-policy-remove-bearer");
        assertThat(change(changes, "Subscription").action()).isEqualTo(Action.CREATE);
        assertThat(change(changes, "APIManager").action()).isEqualTo(Action.CREATE);
        assertThat(change(changes, "CustomPolicyDefinition").action()).isEqualTo(Action.CREATE);
        assertThat(change(changes, "Tenant").fields()).containsKey("org_name");
        assertThat(change(changes, "BackendUsage").action()).isEqualTo(Action.DELETE);
        assertThat(change(changes, "Backend").action()).isEqualTo(Action.DELETE);
        assertThat(progress.details).anyMatch(d -> d.matches("\\d+ of 15 deployments available"));
        assertThat(progress.details).contains("routes admitted: master.apps.sandbox.local,"
                + " maas-admin.apps.sandbox.local, maas.apps.sandbox.local");
        assertThat(progress.details).contains("in the policy registry: remove-bearer 0.1.0");
        assertThat(progress.details).anyMatch(d -> d.contains(
                "https://maas-admin.apps.sandbox.local/p/admin/account/edit"));
        assertThat(progress.details.indexOf(progress.details.stream().filter(d -> d.contains("of 15 deployments"))
                .findFirst().orElseThrow())).isLessThan(progress.details.indexOf(progress.details.stream()
                .filter(d -> d.startsWith("routes admitted")).findFirst().orElseThrow()));

        KubernetesClient k = cluster.newClient();
        Secret policy = k.secrets().inNamespace("3scale").withName("apicast-policy-remove-bearer").get();
        assertThat(policy.getMetadata().getLabels()).containsEntry("apimanager.apps.3scale.net/watched-by",
                "apimanager");
        assertThat(policy.getData()).containsKeys("apicast-policy.json", "init.lua");
        JsonNode spec = apiManager().path("spec");
        assertThat(spec.path("wildcardDomain").asText()).isEqualTo("apps.sandbox.local");
        assertThat(spec.path("tenantName").asText()).isEqualTo("maas");
        assertThat(spec.path("resourceRequirementsEnabled").asBoolean(true)).isFalse();
        assertThat(spec.path("system").path("fileStorage").path("persistentVolumeClaim").path("storageClassName")
                .asText()).isEqualTo(SandboxCluster.RWX_STORAGE_CLASS);
        for (String env : List.of("stagingSpec", "productionSpec")) {
            JsonNode p = spec.path("apicast").path(env).path("customPolicies").get(0);
            assertThat(p.path("name").asText()).isEqualTo("remove-bearer");
            assertThat(p.path("version").asText()).isEqualTo("0.1.0");
            assertThat(p.path("secretRef").path("name").asText()).isEqualTo("apicast-policy-remove-bearer");
        }
        assertThat(spec.has("externalComponents")).isFalse();
        GenericKubernetesResource cpd = k.genericKubernetesResources(ThreescaleStage.CPDS).inNamespace("3scale")
                .withName("remove-bearer").get();
        JsonNode cpdSpec = JSON.valueToTree(cpd).path("spec");
        assertThat(cpdSpec.path("name").asText()).isEqualTo("remove-bearer");
        assertThat(cpdSpec.path("schema").path("configuration").isObject()).isTrue();
        assertThat(cpdSpec.path("schema").path("summary").asText()).isNotBlank();
        assertInstalledState();

        clusterRequests.clear();
        sim.journal().clear();
        StageContext again = ctx(config());
        List<Change> second = stage().apply(again, Progress.NONE);

        assertThat(second).allMatch(Change::isNoop, "all NOOP: " + second);
        assertThat(clusterWrites()).as("no cluster write on the second apply").isEmpty();
        assertThat(sim.journal().entries()).as("no 3scale write on the second apply")
                .noneMatch(e -> !e.method().equals("GET"));
        assertThat(stage().plan(ctx(config()))).allMatch(Change::isNoop);
    }

    @Test
    void aTierThatLimitsTokensShipsTheTokenUsagePolicyToEveryApicastAndASecondApplyWritesNothing() {
        start();
        InstallerConfig tiers = new InstallerConfig(null, new EndpointsConfig(null, sim.url(), sim.url(), null), null,
                new ThreescaleConfig(null, null, null, ORG, null, null), null, null,
                new dev.maas.installer.engine.config.InstallerConfig.PlansConfig(null, null, List.of(
                        new dev.maas.installer.engine.config.InstallerConfig.TierConfig("Free", false, null, List.of(
                                new dev.maas.installer.engine.config.InstallerConfig.LimitConfig("total_tokens",
                                        "day", 1000L))))), null);

        List<Change> changes = stage().apply(ctx(tiers), Progress.NONE);

        assertThat(changes).filteredOn(c -> c.kind().equals("Secret")).extracting(Change::name)
                .containsExactly("3scale/apicast-policy-remove-bearer", "3scale/apicast-policy-llm-token-usage");
        Secret policy = cluster.newClient().secrets().inNamespace("3scale").withName("apicast-policy-llm-token-usage")
                .get();
        assertThat(policy.getData()).containsKeys("apicast-policy.json", "init.lua", "llm_token_usage.lua");
        for (String env : List.of("stagingSpec", "productionSpec")) {
            JsonNode list = apiManager().path("spec").path("apicast").path(env).path("customPolicies");
            assertThat(list).extracting(p -> p.path("name").asText() + " " + p.path("version").asText() + " "
                    + p.path("secretRef").path("name").asText()).containsExactly(
                    "remove-bearer 0.1.0 apicast-policy-remove-bearer",
                    "llm-token-usage 0.1.0 apicast-policy-llm-token-usage");
        }
        assertThat(cluster.newClient().genericKubernetesResources(ThreescaleStage.CPDS).inNamespace("3scale")
                .withName("llm-token-usage").get()).isNotNull();
        assertThat(sim.store().registryPolicies()).extracting(p -> p.path("name").asText() + " "
                + p.path("version").asText()).containsExactly("remove-bearer 0.1.0", "llm-token-usage 0.1.0");
        List<Check> checks = stage().verify(ctx(tiers));
        assertThat(check(checks, "custom policies").status()).isEqualTo(CheckStatus.OK);
        assertThat(check(checks, "custom policies").message()).contains("remove-bearer 0.1.0, llm-token-usage 0.1.0");

        clusterRequests.clear();
        sim.journal().clear();
        assertThat(stage().apply(ctx(tiers), Progress.NONE)).allMatch(Change::isNoop);
        assertThat(clusterWrites()).as("no cluster write on the second apply").isEmpty();
        assertThat(sim.journal().entries()).noneMatch(e -> !e.method().equals("GET"));
    }

    @Test
    void verifyIsAllOkAfterApplyWithTheTimeZoneAWarningUntilConfirmed() {
        start();
        stage().apply(ctx(config()), Progress.NONE);

        List<Check> checks = stage().verify(ctx(config()));

        assertThat(checks).extracting(Check::name).containsExactly("operator", "apimanager", "deployments", "routes",
                "admin api", "custom policies", "policy definitions", "organization name", "sample backend",
                "time zone");
        assertThat(checks.subList(0, 9)).allMatch(c -> c.status() == CheckStatus.OK, "OK: " + checks);
        assertThat(check(checks, "deployments").message()).isEqualTo("15 of 15 deployments available");
        assertThat(check(checks, "custom policies").message()).contains("remove-bearer 0.1.0");
        Check tz = check(checks, "time zone");
        assertThat(tz.status()).isEqualTo(CheckStatus.WARN);
        assertThat(tz.message()).contains("https://maas-admin.apps.sandbox.local/p/admin/account/edit");
        assertThat(tz.fix().kind()).isEqualTo(Fix.Kind.CONFIG);
        assertThat(tz.fix().target()).isEqualTo("threescale.timezoneConfirmed");

        InstallerConfig confirmed = config(new ThreescaleConfig(null, null, null, ORG, null, null, true), sim.url());
        assertThat(stage().verify(ctx(confirmed))).allMatch(c -> c.status() == CheckStatus.OK);
    }

    @Test
    void planApplyAndVerifyAgreeOnAnApiManagerSomeoneChanged() {
        start();
        stage().apply(ctx(config()), Progress.NONE);
        cluster.newClient().genericKubernetesResources(ThreescaleStage.APIMANAGERS).inNamespace("3scale")
                .withName("apimanager").patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                        "{\"spec\":{\"resourceRequirementsEnabled\":true}}");

        Check drift = check(stage().verify(ctx(config())), "apimanager");
        assertThat(drift.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(drift.message()).contains("spec.resourceRequirementsEnabled: true -> false");
        assertThat(drift.fix().target()).isEqualTo(StageIds.THREESCALE);
        Change planned = change(stage().plan(ctx(config())), "APIManager");
        assertThat(planned.action()).isEqualTo(Action.UPDATE);
        assertThat(planned.fields()).containsOnlyKeys("spec.resourceRequirementsEnabled");

        clusterRequests.clear();
        Change applied = change(stage().apply(ctx(config()), Progress.NONE), "APIManager");
        assertThat(applied).isEqualTo(planned);
        assertThat(clusterWrites()).as("one write: the APIManager's patch").singleElement().asString()
                .startsWith("PATCH ").endsWith("/apimanagers/apimanager");
        assertThat(apiManager().path("spec").path("resourceRequirementsEnabled").asBoolean(true)).isFalse();
        assertThat(check(stage().verify(ctx(config())), "apimanager").status()).isEqualTo(CheckStatus.OK);
    }

    @Test
    void withInjected5xxAnd429TheRunEndsInTheCleanStateWithoutDuplicates() {
        start();
        sim.setFaults(Faults.errors(85L, 0.05, 0.05, 0.0));

        stage().apply(ctx(config()), Progress.NONE);

        assertThat(sim.journal().entries()).as("faults were injected").anyMatch(e -> e.fault() != null);
        sim.setFaults(Faults.none());
        assertInstalledState();
        List<RequestJournal.Entry> deletes = sim.journal().entries().stream()
                .filter(e -> e.method().equals("DELETE") && e.status() < 300).toList();
        assertThat(deletes).hasSizeLessThanOrEqualTo(2);
        sim.journal().clear();
        clusterRequests.clear();
        assertThat(stage().apply(ctx(config()), Progress.NONE)).allMatch(Change::isNoop);
        assertThat(sim.journal().entries()).noneMatch(e -> !e.method().equals("GET"));
        assertThat(clusterWrites()).isEmpty();
    }

    @Test
    void noRwxStorageGivesAClearStuckMessage() {
        start(SandboxCluster.Options.defaults().withRwxStorage(false), ApiManagerSimulator.Behaviour.defaults());
        InstallerConfig cfg = config(new ThreescaleConfig(null, null, null, null,
                new StorageConfig("rwx", "standard", null), null), sim.url());

        assertThatThrownBy(() -> new ThreescaleStage(Duration.ofSeconds(60), Duration.ofSeconds(3))
                .apply(ctx(cfg), Progress.NONE))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.getMessage()).contains("PVC system-storage").contains("Pending")
                            .contains("StorageClass standard cannot provide ReadWriteMany")
                            .contains("14 of 15 deployments available");
                    assertThat(e.fix().target()).isEqualTo("threescale.storage.storageClass");
                });
    }

    @Test
    void noRwxStorageClassDetectedIsInvalidInputBeforeAnythingIsCreated() {
        start(SandboxCluster.Options.defaults().withRwxStorage(false), ApiManagerSimulator.Behaviour.defaults());
        StageContext ctx = ctx(config());

        assertThatThrownBy(() -> stage().apply(ctx, Progress.NONE))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.invalidInput()).isTrue();
                    assertThat(e.getMessage()).contains("no ReadWriteMany-capable StorageClass");
                });
        assertThat(clusterWrites()).isEmpty();
        // nothing is installed: verify says so (neutral), it does not judge the input of objects that are not there
        assertThat(dev.maas.installer.engine.run.StageState.ofChecks(stage().verify(ctx(config()))))
                .isEqualTo(dev.maas.installer.engine.run.StageState.NOT_INSTALLED);
    }

    @Test
    void imagePullErrorsAreNamed() {
        start(SandboxCluster.Options.defaults(), ApiManagerSimulator.Behaviour.defaults()
                .withImagePullFailure("apicast-production"));

        assertThatThrownBy(() -> new ThreescaleStage(Duration.ofSeconds(60), Duration.ofSeconds(3))
                .apply(ctx(config()), Progress.NONE))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.getMessage())
                        .contains("cannot pull their images").contains("apicast-production")
                        .contains("ImagePullBackOff"));
    }

    @Test
    void aFailedCsvIsAClearError() {
        start();
        cluster.olm().behaviour("3scale-operator", OlmSimulator.Behaviour.fail("InstallComponentFailedNoRetry",
                "install strategy failed: deployment 3scale-operator-controller-manager not ready"));

        assertThatThrownBy(() -> stage().apply(ctx(config()), Progress.NONE))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.getMessage()).contains("3scale-operator failed to install").contains("Failed")
                            .contains("install strategy failed");
                    assertThat(e.fix().hint()).contains("oc describe csv");
                });
        Check op = check(stage().verify(ctx(config())), "operator");
        assertThat(op.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(op.message()).contains("Failed").contains("InstallComponentFailed");
    }

    @Test
    void channel216WithoutExternalDatabaseSecretsIsInvalidInputAndCreatesNothing() {
        start();
        InstallerConfig cfg = config(new ThreescaleConfig(null, "threescale-2.16", null, null, null, null), sim.url());
        StageContext ctx = ctx(cfg);

        assertThatThrownBy(() -> stage().apply(ctx, Progress.NONE))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.invalidInput()).isTrue();
                    assertThat(e.getMessage()).contains("system-database").contains("backend-redis")
                            .contains("system-redis").contains("nothing was created");
                    assertThat(e.fix().target()).isEqualTo("threescale.channel");
                });
        assertThat(clusterWrites()).isEmpty();
        assertThat(cluster.newClient().namespaces().withName("3scale").get()).isNull();
        assertThat(sim.journal().entries()).isEmpty();
    }

    @Test
    void channel216WithTheSecretsUsesExternalComponents() {
        start();
        KubernetesClient k = cluster.newClient();
        k.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                .withName("3scale").endMetadata().build()).create();
        for (String s : List.of("system-database", "backend-redis", "system-redis")) {
            k.secrets().inNamespace("3scale").resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
                    .withNewMetadata().withName(s).endMetadata().addToStringData("URL", "redis://x").build()).create();
        }
        InstallerConfig cfg = config(new ThreescaleConfig(null, "threescale-2.16", null, null, null, null), sim.url());

        stage().apply(ctx(cfg), Progress.NONE);

        JsonNode ext = apiManager().path("spec").path("externalComponents");
        assertThat(ext.path("system").path("database").asBoolean()).isTrue();
        assertThat(ext.path("system").path("redis").asBoolean()).isTrue();
        assertThat(ext.path("backend").path("redis").asBoolean()).isTrue();
        assertThat(check(stage().verify(ctx(cfg)), "deployments").message())
                .isEqualTo("12 of 12 deployments available");
    }

    @Test
    void tokensAreNeverLogged() {
        start();
        try (LogCapture logs = new LogCapture("dev.maas.installer")) {
            Recorder progress = new Recorder();
            List<Change> changes = stage().apply(ctx(config()), progress);
            List<Check> checks = stage().verify(ctx(config()));
            String shown = changes + " " + checks + " " + progress.steps + " " + progress.details;
            assertThat(shown).doesNotContain(sim.accessToken()).doesNotContain(sim.masterToken());
            assertThat(logs.lines()).isNotEmpty();
            assertThat(logs.text()).doesNotContain(sim.accessToken()).doesNotContain(sim.masterToken())
                    .doesNotContain(cluster.token());
        }
        String journal = sim.journal().entries().toString();
        assertThat(journal).doesNotContain(sim.accessToken()).doesNotContain(sim.masterToken());
    }

    @Test
    void theStageIsWiredIntoTheStageList() {
        assertThat(Stages.all()).filteredOn(s -> s.id().equals(StageIds.THREESCALE)).singleElement()
                .satisfies(s -> {
                    assertThat(s).isInstanceOf(ThreescaleStage.class);
                    assertThat(s.dependencies()).containsExactly(StageIds.PREFLIGHT);
                });
    }

    @Test
    void theSandboxServesTheSimulatorBehindItsApiManagerRoutes() throws Exception {
        Path sandboxDir = dir.resolve("sandbox");
        try (Sandbox sandbox = Sandbox.run(sandboxDir, SandboxCluster.Options.defaults().withHttps(false))) {
            JsonNode json = JSON.readTree(Files.readString(sandbox.sandboxJson()));
            JsonNode ts = json.path("threescale");
            assertThat(ts.path("adminUrl").asText()).isEqualTo(sandbox.threescaleUrl())
                    .startsWith("https://127.0.0.1:");
            assertThat(ts.path("accessToken").asText()).isEqualTo(sandbox.threescale().accessToken());
            assertThat(ts.path("journal").asText()).isEqualTo(sandboxDir.toAbsolutePath().normalize()
                    .resolve("3scale-requests.jsonl").toString());

            InstallerConfig cfg = ConfigLoader.load(sandbox.configFile());
            assertThat(cfg.endpoints().threescaleAdminUrl()).isEqualTo(sandbox.threescaleUrl());
            assertThat(cfg.endpoints().threescaleMasterUrl()).isEqualTo(sandbox.threescaleUrl());
            cfg = new InstallerConfig(cfg.cluster(), cfg.endpoints(), cfg.sso(),
                    new ThreescaleConfig(null, null, null, ORG, null, null), cfg.models(), cfg.products(), cfg.plans(),
                    cfg.portal());
            KubernetesClient client = sandbox.cluster().newClient();
            StageContext ctx = new StageContext(cfg, SecretRegistry.global(), new Cancellation())
                    .provide(KubernetesClient.class, () -> client);

            stage().apply(ctx, Progress.NONE);

            List<Check> checks = stage().verify(ctx);
            assertThat(checks).allMatch(c -> c.status().passes(), "passes: " + checks);
            assertThat(check(checks, "policy definitions").status()).isEqualTo(CheckStatus.OK);
            // the installer reached 3scale over TLS with the cluster's ingress certificate, which only the published
            // ConfigMap makes trusted: the JVM alone refuses it
            assertThatThrownBy(() -> dev.maas.installer.threescale.ThreescaleClient.builder(sandbox.threescaleUrl(),
                    sandbox.threescale().accessToken()).build().tenant().provider())
                    .isInstanceOf(dev.maas.installer.threescale.ThreescaleApiException.class)
                    .hasMessageContaining("TLS");
            Secret seed = client.secrets().inNamespace("3scale").withName("system-seed").get();
            assertThat(new String(java.util.Base64.getDecoder().decode(seed.getData().get("ADMIN_ACCESS_TOKEN"))))
                    .isEqualTo(sandbox.threescale().accessToken());
            List<String> lines = Files.readAllLines(sandbox.threescaleJournal());
            assertThat(lines).isNotEmpty().anyMatch(l -> l.contains("\"method\":\"PUT\"")
                    && l.contains("/master/api/providers/"));
            assertThat(String.join("\n", lines)).doesNotContain(sandbox.threescale().accessToken());
            ObjectNode first = (ObjectNode) JSON.readTree(lines.get(0));
            assertThat(first.fieldNames()).toIterable().contains("method", "path", "params", "status");
        }
    }

    private GenericKubernetesResource definition(String name) {
        return cluster.newClient().genericKubernetesResources(ThreescaleStage.CPDS).inNamespace("3scale")
                .withName(name).get();
    }

    private static JsonNode condition(GenericKubernetesResource o, String type) {
        for (JsonNode c : JSON.valueToTree(o).path("status").path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return c;
            }
        }
        return JSON.missingNode();
    }

    private void awaitDefinition(String name, String conditionType) {
        dev.maas.installer.cluster.Waits.until(cluster.newClient().genericKubernetesResources(ThreescaleStage.CPDS)
                        .inNamespace("3scale").withName(name),
                r -> "True".equals(condition(r, conditionType).path("status").asText()), Duration.ofSeconds(30),
                new Cancellation(), Progress.NONE, null, conditionType);
    }

    @Test
    void onTheSelfSignedIngressCertificateThePolicyIsRegisteredByTheStageAndTheDefinitionAnnotated() {
        start();
        List<Change> plan = stage().plan(ctx(config()));
        Change planned = change(plan, "CustomPolicyDefinition");
        assertThat(planned.fields()).containsEntry("metadata.annotations.insecure_skip_verify",
                new dev.maas.installer.engine.FieldChange(null, "true"));
        assertThat(planned.fields().get("why insecure_skip_verify").to())
                .contains("https://maas-admin.apps.sandbox.local").contains("trusts only public CAs")
                .contains("cluster-ingress-operator@").contains("default-ingress-cert");
        assertThat(plan).anyMatch(c -> c.kind().equals("Policy") && c.action() == Action.CREATE);

        List<Change> changes = stage().apply(ctx(config()), Progress.NONE);

        assertThat(change(changes, "Policy").action()).isEqualTo(Action.CREATE);
        assertThat(sim.journal().entries()).as("the stage registers the policy itself")
                .anyMatch(e -> e.method().equals("POST") && e.path().equals("/admin/api/registry/policies.json"));
        GenericKubernetesResource cpd = definition("remove-bearer");
        assertThat(cpd.getMetadata().getAnnotations()).containsEntry("insecure_skip_verify", "true");
        awaitDefinition("remove-bearer", "Ready");
        JsonNode registered = sim.store().registryPolicies().get(0);
        assertThat(sim.store().registryPolicies()).hasSize(1);
        assertThat(JSON.valueToTree(definition("remove-bearer")).path("status").path("policyID").asLong())
                .as("the operator adopted the stage's entry").isEqualTo(registered.path("id").asLong());
        assertThat(registered.path("schema")).isEqualTo(JSON.valueToTree(cpd).path("spec").path("schema"));
        assertThat(check(stage().verify(ctx(config())), "policy definitions").status()).isEqualTo(CheckStatus.OK);
    }

    @Test
    void withAPubliclyTrustedIngressCertificateNoAnnotationAndALeftOverOneIsRemoved() {
        start();
        stage().apply(ctx(config()), Progress.NONE);
        assertThat(definition("remove-bearer").getMetadata().getAnnotations()).containsKey("insecure_skip_verify");
        // the cluster gets a certificate the operator's image and the public CAs trust
        operator.behaviour(ApiManagerSimulator.Behaviour.defaults().withTrustedIngressCertificate());
        java.util.function.Supplier<StageContext> trusted = () -> ctx(config()).provide(
                dev.maas.installer.stages.common.PublicCas.class,
                () -> new dev.maas.installer.stages.common.PublicCas(List.of(cluster.ingress().ca())));

        Change planned = change(stage().plan(trusted.get()), "CustomPolicyDefinition");
        assertThat(planned.action()).isEqualTo(Action.UPDATE);
        assertThat(planned.fields()).containsEntry("metadata.annotations.insecure_skip_verify",
                new dev.maas.installer.engine.FieldChange("true", null));
        assertThat(planned.fields().get("why insecure_skip_verify is not set").to()).contains("publicly trusted");
        stage().apply(trusted.get(), Progress.NONE);

        assertThat(definition("remove-bearer").getMetadata().getAnnotations())
                .doesNotContainKey("insecure_skip_verify");
        awaitDefinition("remove-bearer", "Ready");
        assertThat(sim.store().registryPolicies()).hasSize(1);
        clusterRequests.clear();
        assertThat(stage().apply(trusted.get(), Progress.NONE)).allMatch(Change::isNoop);
        assertThat(clusterWrites()).isEmpty();
    }

    @Test
    void aDefinitionTheOperatorCannotSyncIsAWarningNamingTheOperatorsError() {
        start();
        stage().apply(ctx(config()), Progress.NONE);
        awaitDefinition("remove-bearer", "Ready");
        // someone takes the annotation away: the operator verifies the self-signed certificate again, and fails
        cluster.newClient().genericKubernetesResources(ThreescaleStage.CPDS).inNamespace("3scale")
                .withName("remove-bearer").patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                        "{\"metadata\":{\"annotations\":{\"insecure_skip_verify\":null}}}");
        awaitDefinition("remove-bearer", "Failed");

        List<Check> checks = stage().verify(ctx(config()));
        Check defs = check(checks, "policy definitions");
        assertThat(defs.status()).isEqualTo(CheckStatus.WARN);
        assertThat(defs.message()).contains("x509: certificate signed by unknown authority")
                .contains("products can use them");
        assertThat(defs.fix().target()).isEqualTo(StageIds.THREESCALE);
        assertThat(check(checks, "custom policies").status()).isEqualTo(CheckStatus.OK);

        stage().apply(ctx(config()), Progress.NONE);
        awaitDefinition("remove-bearer", "Ready");
    }

    @Test
    void aChangedManifestIsUpdatedInTheRegistryWhenNoProductUsesIt() throws Exception {
        start();
        Path folder = policyFolder("team-policy", "1.0.0", "first");
        InstallerConfig cfg = config(new ThreescaleConfig(null, null, null, ORG, null, List.of(folder.toString())),
                sim.url());
        stage().apply(ctx(cfg), Progress.NONE);
        policyFolder("team-policy", "1.0.0", "second");

        Change planned = stage().plan(ctx(cfg)).stream().filter(c -> c.kind().equals("Policy")
                && c.name().equals("team-policy 1.0.0")).findFirst().orElseThrow();
        assertThat(planned.action()).isEqualTo(Action.UPDATE);
        stage().apply(ctx(cfg), Progress.NONE);

        assertThat(sim.store().registryPolicies()).filteredOn(p -> p.path("name").asText().equals("team-policy"))
                .singleElement().satisfies(p -> assertThat(p.path("schema").path("summary").asText())
                        .isEqualTo("second"));
        assertThat(check(stage().verify(ctx(cfg)), "custom policies").status()).isEqualTo(CheckStatus.OK);
    }

    private Path policyFolder(String name, String version, String summary) throws Exception {
        Path folder = dir.resolve("policies").resolve(name);
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("apicast-policy.json"), """
                {"$schema": "http://apicast.io/policy-v1/schema#manifest#", "name": "Test policy",
                 "summary": "%s", "version": "%s",
                 "configuration": {"type": "object", "properties": {}}}
                """.formatted(summary, version));
        Files.writeString(folder.resolve("init.lua"), "local _M = {}\nfunction _M.new() return _M end\nreturn _M\n");
        return folder;
    }

    @Test
    void aChangedManifestOfAPolicyAProductUsesIsRefusedSayingToGiveANewVersion() throws Exception {
        start();
        Path folder = policyFolder("team-policy", "1.0.0", "first");
        InstallerConfig cfg = config(new ThreescaleConfig(null, null, null, ORG, null, List.of(folder.toString())),
                sim.url());
        stage().apply(ctx(cfg), Progress.NONE);
        var admin = dev.maas.installer.threescale.ThreescaleClient.builder(sim.url(), sim.accessToken()).build();
        long product = admin.services().list().get(0).id();
        admin.product(product).updatePolicies(List.of(new dev.maas.installer.threescale.model.PolicyConfig(
                "team-policy", "1.0.0", JSON.createObjectNode(), true)));
        policyFolder("team-policy", "1.0.0", "second");
        sim.journal().clear();

        assertThatThrownBy(() -> stage().apply(ctx(cfg), Progress.NONE))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.invalidInput()).isTrue();
                    assertThat(e.getMessage()).contains("team-policy 1.0.0").contains("currently being used");
                    assertThat(e.fix().target()).isEqualTo("threescale.policies");
                    assertThat(e.fix().hint()).contains("new version");
                });
        assertThat(sim.store().registryPolicies()).filteredOn(p -> p.path("name").asText().equals("team-policy"))
                .singleElement().satisfies(p -> assertThat(p.path("schema").path("summary").asText())
                        .isEqualTo("first"));

        policyFolder("team-policy", "1.0.1", "second");
        stage().apply(ctx(cfg), Progress.NONE);
        assertThat(sim.store().registryPolicies()).extracting(p -> p.path("name").asText() + " "
                + p.path("version").asText()).contains("team-policy 1.0.0", "team-policy 1.0.1");
        // the definition of the new version adopts the new entry; the one in use stays as it was
        dev.maas.installer.cluster.Waits.until(cluster.newClient().genericKubernetesResources(ThreescaleStage.CPDS)
                        .inNamespace("3scale").withName("team-policy"),
                r -> "True".equals(condition(r, "Ready").path("status").asText())
                        && JSON.valueToTree(r).path("spec").path("version").asText().equals("1.0.1"),
                Duration.ofSeconds(30), new Cancellation(), Progress.NONE, null, "Ready");
        long newId = sim.store().registryPolicies().stream().filter(p -> p.path("version").asText().equals("1.0.1"))
                .findFirst().orElseThrow().path("id").asLong();
        assertThat(JSON.valueToTree(definition("team-policy")).path("status").path("policyID").asLong())
                .isEqualTo(newId);
        assertThat(check(stage().verify(ctx(cfg)), "policy definitions").status()).isEqualTo(CheckStatus.OK);
    }

    @Test
    void failedPreflightsEndTheWaitAtOnceSayingWhy() {
        start(SandboxCluster.Options.defaults(), ApiManagerSimulator.Behaviour.defaults()
                .withPreflightsFailure("backend redis version mismatch - required is Redis 7.0;"));
        long began = System.nanoTime();

        assertThatThrownBy(() -> new ThreescaleStage(Duration.ofSeconds(60), Duration.ofSeconds(60))
                .apply(ctx(config()), Progress.NONE))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.getMessage()).contains("preflight checks failed").contains("condition Preflights")
                            .contains("backend redis version mismatch");
                    assertThat(e.fix().hint()).contains("system-database").contains("backend-redis");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(30));
        Check am = check(stage().verify(ctx(config())), "apimanager");
        assertThat(am.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(am.message()).contains("Preflights failed").contains("backend redis version mismatch");
    }

    @Test
    void databaseVolumesWithoutADefaultStorageClassEndTheWaitSayingSo() {
        start();
        cluster.newClient().storage().v1().storageClasses().withName("standard").edit(sc -> {
            sc.getMetadata().getAnnotations().remove("storageclass.kubernetes.io/is-default-class");
            return sc;
        });
        long began = System.nanoTime();

        assertThatThrownBy(() -> new ThreescaleStage(Duration.ofSeconds(60), Duration.ofSeconds(60))
                .apply(ctx(config()), Progress.NONE))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.getMessage()).contains("mysql-storage").contains("backend-redis-storage")
                            .contains("system-redis-storage").contains("no default StorageClass");
                    assertThat(e.fix().hint()).contains("is-default-class");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(40));
    }

    @Test
    void aRouteHostAnotherRouteHoldsEndsTheWaitAndVerifyNamesIt() {
        start(SandboxCluster.Options.defaults(), ApiManagerSimulator.Behaviour.defaults()
                .withHostAlreadyClaimed("maas.apps.sandbox.local", "old-portal"));

        assertThatThrownBy(() -> new ThreescaleStage(Duration.ofSeconds(60), Duration.ofSeconds(60))
                .apply(ctx(config()), Progress.NONE))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.getMessage()).contains("maas.apps.sandbox.local: HostAlreadyClaimed: route old-portal"
                            + " already exposes maas.apps.sandbox.local and is older");
                    assertThat(e.fix().hint()).contains("oc get routes -A");
                });
        Check routes = check(stage().verify(ctx(config())), "routes");
        assertThat(routes.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(routes.message()).contains("HostAlreadyClaimed");
    }

    @Test
    void planOnAFreshClusterListsTheInstall() {
        start();
        List<Change> plan = stage().plan(ctx(config()));
        assertThat(plan).extracting(Change::kind).contains("Namespace", "Secret", "OperatorGroup", "Subscription",
                "APIManager", "CustomPolicyDefinition", "Tenant");
        assertThat(plan).noneMatch(Change::isNoop);
        // the new tenant's sample backend is deleted: a DELETE of its own, not a field of an UPDATE
        assertThat(plan).filteredOn(c -> c.kind().equals("Backend")).singleElement().satisfies(c -> {
            assertThat(c.action()).isEqualTo(dev.maas.installer.engine.Action.DELETE);
            assertThat(c.name()).isEqualTo(ThreescaleStage.SAMPLE_BACKEND_NAME);
        });
        assertThat(change(plan, "Tenant").fields()).doesNotContainKey("backend '" + ThreescaleStage.SAMPLE_BACKEND_NAME
                + "'");
        assertThat(clusterWrites()).isEmpty();
        assertThat(cluster.newClient().namespaces().withName("3scale").get()).isNull();
        assertThat(Map.of()).isEmpty();
    }
}
