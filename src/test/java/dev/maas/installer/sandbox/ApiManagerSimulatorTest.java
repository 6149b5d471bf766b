package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.cluster.Waits;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import dev.maas.installer.testing.StartsSandbox;
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

@StartsSandbox
class ApiManagerSimulatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private SandboxCluster cluster;
    private ThreescaleSimulator sim;
    private KubernetesClient client;

    @BeforeEach
    void setUp() {
        cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withHttps(false));
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
                .resource(apiManager(SandboxCluster.RWX_STORAGE_CLASS)).create();
        List<String> lines = new CopyOnWriteArrayList<>();
        GenericKubernetesResource done = Waits.until(client.genericKubernetesResources(ApiManagerSimulator.APIMANAGERS)
                        .inNamespace("3scale").withName("apimanager"),
                ApiManagerSimulatorTest::available,
                Duration.ofSeconds(30), new Cancellation(), Progress.NONE,
                am -> {
                    String l = JSON.valueToTree(am).path("status").path("deployments").path("ready").size() + " ready";
                    lines.add(l);
                    return l;
                }, "Available");

        JsonNode status = JSON.valueToTree(done).path("status");
        assertThat(status.path("deployments").path("ready")).hasSize(15);
        assertThat(condition(done, "Preflights").path("message").asText())
                .isEqualTo("All requirements for the current version are met");
        for (String pvc : List.of("mysql-storage", "backend-redis-storage", "system-redis-storage")) {
            assertThat(client.persistentVolumeClaims().inNamespace("3scale").withName(pvc).get().getStatus()
                    .getPhase()).as(pvc).isEqualTo("Bound");
        }
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

    private static boolean available(GenericKubernetesResource am) {
        return "True".equals(condition(am, "Available").path("status").asText());
    }

    private static JsonNode condition(GenericKubernetesResource o, String type) {
        for (JsonNode c : JSON.valueToTree(o).path("status").path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return c;
            }
        }
        return JSON.missingNode();
    }

    private void installAvailable() {
        client.genericKubernetesResources(ApiManagerSimulator.APIMANAGERS).inNamespace("3scale")
                .resource(apiManager(SandboxCluster.RWX_STORAGE_CLASS)).create();
        Waits.until(client.genericKubernetesResources(ApiManagerSimulator.APIMANAGERS).inNamespace("3scale")
                        .withName("apimanager"), ApiManagerSimulatorTest::available, Duration.ofSeconds(30),
                new Cancellation(), Progress.NONE, null, "Available");
    }

    private static GenericKubernetesResource policyDefinition(boolean skipVerify, String summary) {
        ObjectNode cpd = JSON.createObjectNode().put("apiVersion", "capabilities.3scale.net/v1beta1")
                .put("kind", "CustomPolicyDefinition");
        ObjectNode meta = cpd.putObject("metadata").put("name", "remove-bearer").put("namespace", "3scale");
        if (skipVerify) {
            meta.putObject("annotations").put("insecure_skip_verify", "true");
        }
        ObjectNode spec = cpd.putObject("spec").put("name", "remove-bearer").put("version", "0.1.0");
        spec.putObject("schema").put("$schema", "http://apicast.io/policy-v1/schema#manifest#")
                .put("name", "Remove Bearer").put("summary", summary).put("version", "0.1.0")
                .putObject("configuration").put("type", "object");
        return JSON.convertValue(cpd, GenericKubernetesResource.class);
    }

    private GenericKubernetesResource awaitCondition(String type) {
        return Waits.until(client.genericKubernetesResources(ApiManagerSimulator.CPDS).inNamespace("3scale")
                        .withName("remove-bearer"), r -> "True".equals(condition(r, type).path("status").asText()),
                Duration.ofSeconds(30), new Cancellation(), Progress.NONE, null, type);
    }

    @Test
    void aCustomPolicyDefinitionFailsOnTheSelfSignedIngressCertificateAndIsRegisteredOnceAnnotated() {
        installAvailable();
        var ops = client.genericKubernetesResources(ApiManagerSimulator.CPDS).inNamespace("3scale");
        ops.resource(policyDefinition(false, "s")).create();

        GenericKubernetesResource failed = awaitCondition("Failed");
        assertThat(condition(failed, "Failed").path("message").asText()).isEqualTo("Get \"https://maas-admin."
                + cluster.appsDomain() + "/admin/api/registry/policies.json\": tls: failed to verify certificate:"
                + " x509: certificate signed by unknown authority");
        assertThat(condition(failed, "Ready").path("status").asText()).isEqualTo("False");
        assertThat(JSON.valueToTree(failed).path("status").path("providerAccountHost").asText())
                .isEqualTo("https://maas-admin." + cluster.appsDomain());
        assertThat(sim.store().registryPolicies()).as("never registered").isEmpty();

        ops.withName("remove-bearer").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\":{\"annotations\":{\"insecure_skip_verify\":\"true\"}}}");
        GenericKubernetesResource ready = awaitCondition("Ready");
        assertThat(condition(ready, "Failed").path("status").asText()).isEqualTo("False");
        ops.withName("remove-bearer").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\":{\"labels\":{\"touched\":\"yes\"}}}");

        assertThat(sim.store().registryPolicies()).extracting(p -> p.path("name").asText() + " "
                + p.path("version").asText()).containsExactly("remove-bearer 0.1.0");
        JsonNode entry = sim.store().registryPolicies().get(0);
        assertThat(entry.path("schema").path("configuration").path("type").asText()).isEqualTo("object");
        assertThat(JSON.valueToTree(ops.withName("remove-bearer").get()).path("status").path("policyID").asLong())
                .isEqualTo(entry.path("id").asLong());
    }

    @Test
    void withAPubliclyTrustedIngressCertificateItRegistersWithoutTheAnnotation() {
        cluster.operators().stream().filter(o -> o instanceof ApiManagerSimulator).map(o -> (ApiManagerSimulator) o)
                .forEach(o -> o.behaviour(ApiManagerSimulator.Behaviour.defaults().withTrustedIngressCertificate()));
        installAvailable();
        client.genericKubernetesResources(ApiManagerSimulator.CPDS).inNamespace("3scale")
                .resource(policyDefinition(false, "s")).create();

        awaitCondition("Ready");
        assertThat(sim.store().registryPolicies()).hasSize(1);
    }

    @Test
    void itAdoptsARegisteredPolicyOfTheSameNameAndVersionAndSyncsItsSchema() {
        installAvailable();
        ObjectNode schema = JSON.createObjectNode().put("$schema", "http://apicast.io/policy-v1/schema#manifest#")
                .put("name", "Remove Bearer").put("summary", "old").put("version", "0.1.0");
        schema.putObject("configuration").put("type", "object");
        long id = sim.store().addRegistryPolicy("remove-bearer", "0.1.0", schema).path("id").asLong();
        client.genericKubernetesResources(ApiManagerSimulator.CPDS).inNamespace("3scale")
                .resource(policyDefinition(true, "new")).create();

        GenericKubernetesResource ready = awaitCondition("Ready");
        assertThat(JSON.valueToTree(ready).path("status").path("policyID").asLong()).isEqualTo(id);
        assertThat(sim.store().registryPolicies()).singleElement()
                .satisfies(p -> assertThat(p.path("schema").path("summary").asText()).isEqualTo("new"));
    }

    @Test
    void withoutADefaultStorageClassTheDatabaseClaimsStayPendingAndTheDatabasesNeverStart() {
        client.storage().v1().storageClasses().withName("standard").edit(sc -> {
            sc.getMetadata().getAnnotations().remove("storageclass.kubernetes.io/is-default-class");
            return sc;
        });
        client.genericKubernetesResources(ApiManagerSimulator.APIMANAGERS).inNamespace("3scale")
                .resource(apiManager(SandboxCluster.RWX_STORAGE_CLASS)).create();
        GenericKubernetesResource am = Waits.until(client.genericKubernetesResources(ApiManagerSimulator.APIMANAGERS)
                        .inNamespace("3scale").withName("apimanager"),
                r -> JSON.valueToTree(r).path("status").path("deployments").path("ready").size() == 12,
                Duration.ofSeconds(30), new Cancellation(), Progress.NONE, null, "12 ready");
        assertThat(JSON.valueToTree(am).path("status").path("deployments").path("starting").toString())
                .isEqualTo("[\"backend-redis\",\"system-mysql\",\"system-redis\"]");
        for (String pvc : List.of("mysql-storage", "backend-redis-storage", "system-redis-storage")) {
            var claim = client.persistentVolumeClaims().inNamespace("3scale").withName(pvc).get();
            assertThat(claim.getStatus().getPhase()).as(pvc).isEqualTo("Pending");
            assertThat(claim.getSpec().getStorageClassName()).as(pvc).isNull();
        }
        assertThat(available(am)).isFalse();
    }

    @Test
    void aRouteHostAnotherRouteHoldsIsRejectedAndTheApiManagerStaysUnavailable() {
        String host = "maas-admin." + cluster.appsDomain();
        cluster.operators().stream().filter(o -> o instanceof ApiManagerSimulator).map(o -> (ApiManagerSimulator) o)
                .forEach(o -> o.behaviour(ApiManagerSimulator.Behaviour.defaults()
                        .withHostAlreadyClaimed(host, "old-admin")));
        client.genericKubernetesResources(ApiManagerSimulator.APIMANAGERS).inNamespace("3scale")
                .resource(apiManager(SandboxCluster.RWX_STORAGE_CLASS)).create();
        GenericKubernetesResource am = Waits.until(client.genericKubernetesResources(ApiManagerSimulator.APIMANAGERS)
                        .inNamespace("3scale").withName("apimanager"),
                r -> "Routes are not ready".equals(condition(r, "Available").path("message").asText()),
                Duration.ofSeconds(30), new Cancellation(), Progress.NONE, null, "all deployed, routes not ready");
        JsonNode route = JSON.valueToTree(client.genericKubernetesResources(ApiManagerSimulator.ROUTES)
                .inNamespace("3scale").withLabel("zync.3scale.net/route-to", "system-provider").list().getItems()
                .get(0));
        JsonNode admitted = route.path("status").path("ingress").get(0).path("conditions").get(0);
        assertThat(admitted.path("status").asText()).isEqualTo("False");
        assertThat(admitted.path("reason").asText()).isEqualTo("HostAlreadyClaimed");
        assertThat(admitted.path("message").asText()).isEqualTo("route old-admin already exposes " + host
                + " and is older");
        assertThat(available(am)).isFalse();
        assertThat(JSON.valueToTree(am).path("status").path("deployments").path("ready")).hasSize(15);
    }

    @Test
    void failedPreflightsDeployNothingAndSayWhy() {
        cluster.operators().stream().filter(o -> o instanceof ApiManagerSimulator).map(o -> (ApiManagerSimulator) o)
                .forEach(o -> o.behaviour(ApiManagerSimulator.Behaviour.defaults()
                        .withPreflightsFailure("system redis version mismatch - required is Redis 7.0;")));
        client.genericKubernetesResources(ApiManagerSimulator.APIMANAGERS).inNamespace("3scale")
                .resource(apiManager(SandboxCluster.RWX_STORAGE_CLASS)).create();
        GenericKubernetesResource am = Waits.until(client.genericKubernetesResources(ApiManagerSimulator.APIMANAGERS)
                        .inNamespace("3scale").withName("apimanager"),
                r -> "False".equals(condition(r, "Preflights").path("status").asText()), Duration.ofSeconds(30),
                new Cancellation(), Progress.NONE, null, "Preflights False");
        assertThat(condition(am, "Preflights").path("message").asText()).isEqualTo("Preflights failed - fresh"
                + " installation detected but the requirements have not been met, system redis version mismatch -"
                + " required is Redis 7.0; - re-running preflights in 10 minutes");
        assertThat(client.apps().deployments().inNamespace("3scale").list().getItems()).isEmpty();
    }
}
