package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;
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

@StartsKeycloak
@StartsSandbox
class SandboxTest {
    @TempDir
    Path dir;

    @Test
    void writesItsFilesAndIsReachableThroughTheKubeconfigThenStops() throws Exception {
        Path sandboxDir = dir.resolve("sb");
        int port;
        try (Sandbox sandbox = Sandbox.run(sandboxDir, SandboxCluster.Options.defaults().withModels(true),
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
            assertThat(gateway).isEqualTo(sandbox.apicastProductionUrl()).startsWith("https://127.0.0.1:");
            assertThat(json.path("apicast").path("stagingUrl").asText()).isEqualTo(sandbox.apicastStagingUrl());
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
            // the predictor Service is headless: its port 80 is not listened on, the container's port is
            assertThat(sandbox.servedModels().resolve("http",
                    "granite-8b-code-instruct-128k-predictor.models.svc.cluster.local", 80)).isEmpty();

            assertThat(sandbox.keycloak()).as("--no-keycloak").isNull();
            assertThat(json.has("keycloak")).isFalse();
            assertThat(loaded.sso().identityProvider()).isNull();
            assertThat(sandbox.awaitStop(Duration.ofMillis(10))).isFalse();
        }
        // closed: nothing listens on the port any more
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void theRouteHostsAreServedOverTlsWithTheClustersPublishedSelfSignedIngressCertificate() throws Exception {
        try (Sandbox sandbox = Sandbox.run(dir.resolve("tls"), SandboxCluster.Options.defaults(), SandboxKeycloak.none())) {
            KubernetesClient client = sandbox.cluster().newClient();
            String published = client.configMaps().inNamespace("openshift-config-managed")
                    .withName("default-ingress-cert").get().getData().get("ca-bundle.crt");
            assertThat(published).isEqualTo(sandbox.cluster().ingress().servingChainPem());
            assertThat(SandboxIngress.parse(published)).hasSize(2)
                    .satisfies(chain -> assertThat(chain.get(1).getSubjectX500Principal().getName())
                            .startsWith("CN=cluster-ingress-operator@"));
            JsonNode json = new ObjectMapper().readTree(sandbox.sandboxJson().toFile());
            assertThat(json.path("kubernetes").path("ingressCertificate").asText()).isEqualTo(published);
            assertThat(ConfigLoader.load(sandbox.configFile()).endpoints().threescaleAdminUrl())
                    .isEqualTo(sandbox.threescaleUrl());

            String providerUrl = sandbox.threescaleUrl() + "/admin/api/provider.json?access_token="
                    + sandbox.threescale().accessToken();
            java.net.http.HttpRequest get = java.net.http.HttpRequest.newBuilder(URI.create(providerUrl)).build();
            // the JVM does not trust the cluster's ingress CA
            assertThatThrownBy(() -> java.net.http.HttpClient.newHttpClient().send(get,
                    java.net.http.HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
            // trusting the published certificate, host name verification on, it answers
            java.security.KeyStore anchors = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            anchors.load(null, null);
            anchors.setCertificateEntry("ingress", sandbox.cluster().ingress().ca());
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(anchors);
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            var answer = java.net.http.HttpClient.newBuilder().sslContext(tls).build().send(get,
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).contains("\"account\"");
            // the production APIcast behind its front: a host no product has is APIcast's 404 with an empty body
            var gatewayAnswer = java.net.http.HttpClient.newBuilder().sslContext(tls).build().send(
                    java.net.http.HttpRequest.newBuilder(URI.create(sandbox.apicastProductionUrl() + "/v1/models"))
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(gatewayAnswer.statusCode()).isEqualTo(404);
            assertThat(gatewayAnswer.body()).isEmpty();
        }
    }
}
