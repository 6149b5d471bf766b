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
import dev.maas.installer.sandbox.TestCluster;
import dev.maas.installer.sandbox.threescale.Faults;
import dev.maas.installer.sandbox.threescale.RequestJournal;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.testing.LogCapture;
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
class ThreescaleStageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ORG = "MaaS on RHOAI";

    @TempDir
    Path dir;

    private TestCluster cluster;
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

    private void start(TestCluster.Options options, ApiManagerSimulator.Behaviour behaviour) {
        cluster = TestCluster.start(options.withHttps(false)
                .withOlmBehaviour(OlmSimulator.Behaviour.succeed(Duration.ofMillis(20))));
        sim = ThreescaleSimulator.start(SimulatorOptions.defaults().withDomain("maas", cluster.appsDomain())
                .withJournal(ThreescaleSimulator.journalIn(dir)));
        operator = new ApiManagerSimulator(sim, behaviour);
        cluster.addOperator(operator);
    }

    private void start() {
        start(TestCluster.Options.defaults(), ApiManagerSimulator.Behaviour.defaults());
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
                .asText()).isEqualTo(TestCluster.RWX_STORAGE_CLASS);
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
    void verifyIsAllOkAfterApplyWithTheTimeZoneAWarningUntilConfirmed() {
        start();
        stage().apply(ctx(config()), Progress.NONE);

        List<Check> checks = stage().verify(ctx(config()));

        assertThat(checks).extracting(Check::name).containsExactly("operator", "apimanager", "deployments", "routes",
                "admin api", "custom policies", "organization name", "sample backend", "time zone");
        assertThat(checks.subList(0, 8)).allMatch(c -> c.status() == CheckStatus.OK, "OK: " + checks);
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
        start(TestCluster.Options.defaults().withRwxStorage(false), ApiManagerSimulator.Behaviour.defaults());
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
        start(TestCluster.Options.defaults().withRwxStorage(false), ApiManagerSimulator.Behaviour.defaults());
        StageContext ctx = ctx(config());

        assertThatThrownBy(() -> stage().apply(ctx, Progress.NONE))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.invalidInput()).isTrue();
                    assertThat(e.getMessage()).contains("no ReadWriteMany-capable StorageClass");
                });
        assertThat(clusterWrites()).isEmpty();
    }

    @Test
    void imagePullErrorsAreNamed() {
        start(TestCluster.Options.defaults(), ApiManagerSimulator.Behaviour.defaults()
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
        cluster.olm().behaviour("3scale-operator", OlmSimulator.Behaviour.fail("InstallComponentFailed",
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
                    assertThat(s.available()).isTrue();
                    assertThat(s.dependencies()).containsExactly(StageIds.PREFLIGHT);
                });
    }

    @Test
    void theSandboxServesTheSimulatorBehindItsApiManagerRoutes() throws Exception {
        Path sandboxDir = dir.resolve("sandbox");
        try (Sandbox sandbox = Sandbox.run(sandboxDir, TestCluster.Options.defaults().withHttps(false))) {
            JsonNode json = JSON.readTree(Files.readString(sandbox.sandboxJson()));
            JsonNode ts = json.path("threescale");
            assertThat(ts.path("adminUrl").asText()).isEqualTo(sandbox.threescale().url());
            assertThat(ts.path("accessToken").asText()).isEqualTo(sandbox.threescale().accessToken());
            assertThat(ts.path("journal").asText()).isEqualTo(sandboxDir.toAbsolutePath().normalize()
                    .resolve("3scale-requests.jsonl").toString());

            InstallerConfig cfg = ConfigLoader.load(sandbox.configFile());
            assertThat(cfg.endpoints().threescaleAdminUrl()).isEqualTo(sandbox.threescale().url());
            assertThat(cfg.endpoints().threescaleMasterUrl()).isEqualTo(sandbox.threescale().url());
            cfg = new InstallerConfig(cfg.cluster(), cfg.endpoints(), cfg.sso(),
                    new ThreescaleConfig(null, null, null, ORG, null, null), cfg.models(), cfg.products(), cfg.plans(),
                    cfg.portal());
            KubernetesClient client = sandbox.cluster().newClient();
            StageContext ctx = new StageContext(cfg, SecretRegistry.global(), new Cancellation())
                    .provide(KubernetesClient.class, () -> client);

            stage().apply(ctx, Progress.NONE);

            List<Check> checks = stage().verify(ctx);
            assertThat(checks).allMatch(c -> c.status().passes(), "passes: " + checks);
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
