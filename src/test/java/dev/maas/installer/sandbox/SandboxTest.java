package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.InstallerConfig;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxTest {
    @TempDir
    Path dir;

    @Test
    void writesItsFilesAndIsReachableThroughTheKubeconfigThenStops() throws Exception {
        Path sandboxDir = dir.resolve("sb");
        int port;
        try (Sandbox sandbox = Sandbox.run(sandboxDir, TestCluster.Options.defaults().withModels(true),
                SandboxKeycloak.none())) {
            assertThat(sandbox.readyLine()).isEqualTo("SANDBOX READY kubeconfig=" + sandboxDir.resolve("kubeconfig")
                    + " config=" + sandboxDir.resolve("maas-installer.yaml"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sandbox.kubeconfig())))
                    .isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sandbox.sandboxJson())))
                    .isEqualTo("rw-------");

            JsonNode json = new ObjectMapper().readTree(sandbox.sandboxJson().toFile());
            String url = json.path("kubernetes").path("url").asText();
            assertThat(url).isEqualTo(sandbox.cluster().url());
            URI uri = URI.create(url);
            assertThat(uri.getHost()).isIn("localhost", "127.0.0.1");
            port = uri.getPort();

            // a client built from the kubeconfig alone, as the installer's connection code does
            Config config = Config.fromKubeconfig("sandbox", Files.readString(sandbox.kubeconfig()),
                    sandbox.kubeconfig().toString());
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
                assertThat(client.getMasterUrl().toString()).startsWith(url);
                assertThat(client.hasApiGroup("route.openshift.io", false)).isTrue();
                assertThat(client.configMaps().inNamespace("kube-public").withName("maas-installer-sandbox").get()
                        .getData()).containsEntry("sandbox", "true");
            }

            InstallerConfig loaded = ConfigLoader.load(sandbox.configFile());
            assertThat(loaded.cluster().kubeconfig()).isEqualTo(sandbox.kubeconfig().toString());
            assertThat(loaded.cluster().context()).isEqualTo("sandbox");

            // the tenant's gateway: its production URL is the config's override, the served models answer behind it
            String gateway = json.path("apicast").path("productionUrl").asText();
            assertThat(gateway).isEqualTo(sandbox.productionGateway().url()).startsWith("http://127.0.0.1:");
            assertThat(json.path("apicast").path("stagingUrl").asText()).isEqualTo(sandbox.stagingGateway().url());
            assertThat(loaded.endpoints().apicastProductionUrl()).isEqualTo(gateway);
            String granite = sandbox.servedModels().resolve("http",
                    "granite-8b-code-instruct-128k-predictor.models.svc.cluster.local", 8080).orElseThrow();
            try (var in = URI.create(granite + "/v1/models").toURL().openStream()) {
                assertThat(new ObjectMapper().readTree(in).path("data").get(0).path("id").asText())
                        .isEqualTo("granite-8b-code-instruct-128k");
            }
            sandbox.servedModels().resolve("http", "nomic-embed-text-v1-5-predictor.models.svc.cluster.local", 8080)
                    .orElseThrow();
            assertThat(sandbox.servedModels().standIns().get("models/nomic-embed-text-v1-5").kind())
                    .isEqualTo(dev.maas.installer.sandbox.apicast.ModelStandIn.Kind.EMBED);
            assertThat(sandbox.servedModels().resolve("http", "unknown.models.svc.cluster.local", 8080)).isEmpty();

            assertThat(sandbox.keycloak()).as("--no-keycloak").isNull();
            assertThat(json.has("keycloak")).isFalse();
            assertThat(loaded.sso().identityProvider()).isNull();
            assertThat(sandbox.awaitStop(Duration.ofMillis(10))).isFalse();
        }
        // closed: nothing listens on the port any more
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
    }
}
