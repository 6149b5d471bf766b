package dev.maas.installer.stages;

import dev.maas.installer.catalog.CustomPolicies;
import dev.maas.installer.catalog.policy.PolicyBundle;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.EndpointsConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.engine.config.InstallerConfig.PlansConfig;
import dev.maas.installer.engine.config.InstallerConfig.ProductsConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.sandbox.threescale.RequestJournal;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import dev.maas.installer.stages.common.ThreescaleAccess;
import dev.maas.installer.threescale.RetryPolicy;
import dev.maas.installer.threescale.ThreescaleClient;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Test and benchmark support for the model stages: a 3scale simulator with the custom policies registered (as the
 * threescale stage leaves the tenant), the sandbox's API server holding Secret system-seed in namespace 3scale, and configurations with the
 * runbook's models and their OpenAPI documents.
 */
public final class ModelStagesFixture implements AutoCloseable {
    /** The runbook's OpenAPI documents, copied into the tests' resources (see its PROVENANCE.md). */
    public static final Path DEFINITIONS = Path.of("src/test/resources/reference/models-aas/api_definitions");
    /** The runbook's five models: document file, display name. */
    public static final List<String[]> RUNBOOK = List.of(
            new String[] {"granite-3-8b-instruct.json", "Granite 3 8B Instruct"},
            new String[] {"granite-8b-code-instruct.json", "Granite 8B Code Instruct"},
            new String[] {"mistral-7b-instruct-v0.3.json", "Mistral 7B Instruct v0.3"},
            new String[] {"nomic-embed-text-v1.5.json", "Nomic Embed Text v1.5"},
            new String[] {"docling.json", "Docling"});

    public final ThreescaleSimulator sim;
    public final SandboxCluster cluster;
    private final KubernetesClient client;

    public ModelStagesFixture(SimulatorOptions options) {
        this(options, true);
    }

    /** {@code registerPolicies}: whether the custom policies are in the tenant's policy registry. */
    public ModelStagesFixture(SimulatorOptions options, boolean registerPolicies) {
        sim = ThreescaleSimulator.start(options);
        // the tenant as the threescale stage finds it, long after it was made: its sample data is there
        sim.store().completePendingWork();
        for (PolicyBundle b : registerPolicies ? CustomPolicies.forConfig(InstallerConfig.defaults().threescale())
                : List.<PolicyBundle>of()) {
            sim.store().addRegistryPolicy(b.name(), b.version(), b.configurationSchema());
        }
        cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withHttps(false).withOlm(false).withModels(false));
        client = cluster.newClient();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("3scale").endMetadata()
                .build()).create();
        String token = Base64.getEncoder().encodeToString(sim.accessToken().getBytes(StandardCharsets.UTF_8));
        client.secrets().inNamespace("3scale").resource(new SecretBuilder().withNewMetadata()
                .withName(ThreescaleAccess.SEED_SECRET).withNamespace("3scale").endMetadata()
                .withData(Map.of(ThreescaleAccess.ADMIN_TOKEN_KEY, token)).build()).create();
    }

    /** The runbook's models, each with an in-cluster URL like the runbook's predictors. */
    public static List<ModelConfig> runbookModels() {
        List<ModelConfig> out = new ArrayList<>();
        for (String[] m : RUNBOOK) {
            String base = m[0].replaceAll("\\.json$", "").replace('.', '-');
            out.add(new ModelConfig(m[1], null, "http://" + base + "-predictor.models.svc.cluster.local:8080",
                    DEFINITIONS.resolve(m[0]).toAbsolutePath().toString(), null));
        }
        return out;
    }

    /** {@code n} models cycling through the runbook's documents, with distinct names. */
    public static List<ModelConfig> manyModels(int n) {
        List<ModelConfig> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String[] m = RUNBOOK.get(i % RUNBOOK.size());
            out.add(new ModelConfig(m[1] + " " + (i + 1), null, "http://model-" + (i + 1)
                    + "-predictor.models.svc.cluster.local:8080",
                    DEFINITIONS.resolve(m[0]).toAbsolutePath().toString(), null));
        }
        return out;
    }

    public InstallerConfig config(List<ModelConfig> models, int concurrency, boolean subscribe) {
        return config(models, concurrency, subscribe, null);
    }

    /** {@code activeDocs}: products.activeDocs (null: the default, true). */
    public InstallerConfig config(List<ModelConfig> models, int concurrency, boolean subscribe, Boolean activeDocs) {
        return new InstallerConfig(null, new EndpointsConfig(null, sim.url(), null, null), null, null, models,
                new ProductsConfig(null, concurrency, activeDocs), new PlansConfig(null, subscribe), null);
    }

    /** A context that finds 3scale as every stage does: URL from the config, token from Secret system-seed. */
    public StageContext ctx(InstallerConfig config) {
        KubernetesClient k = client;
        return new StageContext(config, SecretRegistry.global(), new Cancellation())
                .provide(KubernetesClient.class, () -> k);
    }

    /** A context with a client of its own retry policy (fault and load tests). */
    public StageContext ctx(InstallerConfig config, RetryPolicy retry) {
        ThreescaleClient c = ThreescaleClient.builder(sim.url(), sim.accessToken()).retry(retry).build();
        return new StageContext(config, SecretRegistry.global(), new Cancellation())
                .provide(ThreescaleClient.class, () -> c);
    }

    /** Requests that changed something (POST, PUT, PATCH, DELETE) since the journal was last cleared. */
    public List<RequestJournal.Entry> writes() {
        return sim.journal().entries().stream().filter(e -> !e.method().equals("GET")).toList();
    }

    @Override
    public void close() {
        cluster.close();
        sim.close();
    }
}
