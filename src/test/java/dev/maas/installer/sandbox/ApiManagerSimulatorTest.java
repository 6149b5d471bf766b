package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.cluster.Waits;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class ApiManagerSimulatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestCluster cluster;
    private ThreescaleSimulator sim;
    private KubernetesClient client;

    @BeforeEach
    void setUp() {
        cluster = TestCluster.start(TestCluster.Options.defaults().withHttps(false));
        sim = ThreescaleSimulator.start(SimulatorOptions.defaults());
        cluster.addOperator(new ApiManagerSimulator(sim, ApiManagerSimulator.Behaviour.defaults()));
        client = cluster.newClient();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("3scale").endMetadata()
                .build()).create();
    }

    @AfterEach
    void tearDown() {
        cluster.close();
        sim.close();
    }

    private GenericKubernetesResource apiManager(String storageClass) {
        ObjectNode am = JSON.createObjectNode().put("apiVersion", "apps.3scale.net/v1alpha1").put("kind", "APIManager");
        am.putObject("metadata").put("name", "apimanager").put("namespace", "3scale");
        ObjectNode spec = am.putObject("spec").put("wildcardDomain", cluster.appsDomain()).put("tenantName", "maas");
        spec.putObject("system").putObject("fileStorage").putObject("persistentVolumeClaim")
                .put("storageClassName", storageClass);
        return JSON.convertValue(am, GenericKubernetesResource.class);
    }

    @Test
    void installsTheFifteenDeploymentsTheSeedAndTheRoutesThenIsAvailable() {
        client.genericKubernetesResources(ApiManagerSimulator.APIMANAGERS).inNamespace("3scale")
                .resource(apiManager(TestCluster.RWX_STORAGE_CLASS)).create();
        List<String> lines = new CopyOnWriteArrayList<>();
        GenericKubernetesResource done = Waits.until(client.genericKubernetesResources(ApiManagerSimulator.APIMANAGERS)
                        .inNamespace("3scale").withName("apimanager"),
                am -> JSON.valueToTree(am).path("status").path("conditions").toString().contains("\"status\":\"True\""),
                Duration.ofSeconds(30), new Cancellation(), Progress.NONE,
                am -> {
                    String l = JSON.valueToTree(am).path("status").path("deployments").path("ready").size() + " ready";
                    lines.add(l);
                    return l;
                }, "Available");

        JsonNode status = JSON.valueToTree(done).path("status");
        assertThat(status.path("deployments").path("ready")).hasSize(15);
        assertThat(lines).as("progressive").contains("1 ready", "14 ready");
        assertThat(client.apps().deployments().inNamespace("3scale").list().getItems())
                .extracting(d -> d.getMetadata().getName())
                .containsExactlyInAnyOrderElementsOf(ApiManagerSimulator.DEPLOYMENTS)
                .hasSize(15);
        assertThat(client.apps().deployments().inNamespace("3scale").list().getItems())
                .allMatch(d -> d.getStatus().getAvailableReplicas() == 1);
        Secret seed = client.secrets().inNamespace("3scale").withName("system-seed").get();
        assertThat(seed.getData()).containsKeys("ADMIN_ACCESS_TOKEN", "MASTER_ACCESS_TOKEN", "ADMIN_USER",
                "ADMIN_PASSWORD");
        assertThat(new String(Base64.getDecoder().decode(seed.getData().get("ADMIN_ACCESS_TOKEN")),
                StandardCharsets.UTF_8)).isEqualTo(sim.accessToken());
        assertThat(new String(Base64.getDecoder().decode(seed.getData().get("MASTER_ACCESS_TOKEN")),
                StandardCharsets.UTF_8)).isEqualTo(sim.masterToken());
        List<JsonNode> routes = client.genericKubernetesResources(ApiManagerSimulator.ROUTES).inNamespace("3scale")
                .list().getItems().stream().map(r -> (JsonNode) JSON.valueToTree(r)).toList();
        String d = cluster.appsDomain();
        assertThat(routes).extracting(r -> r.path("spec").path("host").asText()).containsExactlyInAnyOrder(
                "master." + d, "maas-admin." + d, "maas." + d, "backend-maas." + d,
                "api-maas-apicast-staging." + d, "api-maas-apicast-production." + d);
        assertThat(routes).allMatch(r -> r.path("status").path("ingress").get(0).path("conditions").get(0)
                .path("type").asText().equals("Admitted"));
        assertThat(client.persistentVolumeClaims().inNamespace("3scale").withName("system-storage").get()
                .getStatus().getPhase()).isEqualTo("Bound");
    }

    @Test
    void withoutRwxTheStoragePvcStaysPendingAndSystemAppNeverBecomesAvailable() throws Exception {
        client.genericKubernetesResources(ApiManagerSimulator.APIMANAGERS).inNamespace("3scale")
                .resource(apiManager("standard")).create();
        GenericKubernetesResource am = Waits.until(client.genericKubernetesResources(ApiManagerSimulator.APIMANAGERS)
                        .inNamespace("3scale").withName("apimanager"),
                r -> JSON.valueToTree(r).path("status").path("deployments").path("ready").size() == 14,
                Duration.ofSeconds(30), new Cancellation(), Progress.NONE, null, "14 ready");
        assertThat(JSON.valueToTree(am).path("status").path("deployments").path("starting").toString())
                .isEqualTo("[\"system-app\"]");
        assertThat(client.persistentVolumeClaims().inNamespace("3scale").withName("system-storage").get()
                .getStatus().getPhase()).isEqualTo("Pending");
    }

    @Test
    void aCustomPolicyDefinitionIsRegisteredOnceAndReady() {
        ObjectNode cpd = JSON.createObjectNode().put("apiVersion", "capabilities.3scale.net/v1beta1")
                .put("kind", "CustomPolicyDefinition");
        cpd.putObject("metadata").put("name", "remove-bearer").put("namespace", "3scale");
        ObjectNode spec = cpd.putObject("spec").put("name", "remove-bearer").put("version", "0.1.0");
        spec.putObject("schema").put("$schema", "http://apicast.io/policy-v1/schema#manifest#")
                .put("name", "Remove Bearer").put("summary", "s").put("version", "0.1.0")
                .putObject("configuration").put("type", "object");
        var ops = client.genericKubernetesResources(ApiManagerSimulator.CPDS).inNamespace("3scale");
        ops.resource(JSON.convertValue(cpd, GenericKubernetesResource.class)).create();
        Waits.until(ops.withName("remove-bearer"),
                r -> JSON.valueToTree(r).path("status").path("conditions").toString().contains("Ready"),
                Duration.ofSeconds(30), new Cancellation(), Progress.NONE, null, "Ready");
        ops.withName("remove-bearer").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\":{\"labels\":{\"touched\":\"yes\"}}}");

        assertThat(sim.store().registryPolicies()).extracting(p -> p.path("name").asText() + " "
                + p.path("version").asText()).containsExactly("remove-bearer 0.1.0");
        assertThat(sim.store().registryPolicies().get(0).path("schema").path("configuration").path("type").asText())
                .isEqualTo("object");
    }
}
