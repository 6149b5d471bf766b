package dev.maas.installer.stages.common;

import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** With no models in the config, the model stages use the served models found on the cluster. */
@StartsSandbox
class DiscoveredModelsTest {
    private static SandboxCluster cluster;

    @BeforeAll
    static void start() { cluster = SandboxCluster.start(SandboxCluster.Options.defaults()); }

    @AfterAll
    static void stop() { cluster.close(); }

    private StageContext ctx(InstallerConfig config) {
        return new StageContext(config, SecretRegistry.global(), new Cancellation())
                .provide(KubernetesClient.class, cluster::newClient);
    }

    @Test
    void theRunbookInferenceServicesBecomeTheModelList() {
        try (StageContext ctx = ctx(InstallerConfig.defaults())) {
            List<ModelProduct> products = DesiredCatalog.of(ctx);
            assertThat(products).extracting(p -> p.product().attributes().get("system_name"))
                    .containsExactly("granite-8b-code-instruct-128k", "mistral-7b-instruct", "nomic-embed-text-v1-5");
            assertThat(products).allSatisfy(p ->
                    assertThat(String.valueOf(p.backend().attributes().get("private_endpoint"))).startsWith("http"));
        }
    }

    @Test
    void modelsInTheConfigTurnDiscoveryOff() {
        InstallerConfig config = ConfigLoader.parse("""
                models:
                  - name: Only This
                    url: http://only.models.svc:8080
                """, "t.yaml", Path.of("."));
        try (StageContext ctx = ctx(config)) {
            assertThat(DesiredCatalog.of(ctx)).extracting(p -> p.product().attributes().get("system_name"))
                    .containsExactly("only-this");
        }
    }
}
