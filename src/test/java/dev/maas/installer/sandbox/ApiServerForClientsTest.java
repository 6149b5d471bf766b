package dev.maas.installer.sandbox;

import dev.maas.installer.testing.StartsSandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * What the sandbox's API server gives the clients users inspect a cluster with (kubectl, oc), over plain HTTP, as a
 * Kubernetes 1.29 API server gives it: discovery with short names and categories (also aggregated), Tables,
 * optimistic concurrency, the OpenAPI documents, field validation, watches, protobuf bodies and the Deployment status
 * of a deployment controller. {@code KubectlOnSandboxTest} runs a real kubectl on the same features.
 */
@StartsSandbox
class ApiServerForClientsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static SandboxCluster cluster;
    private static KubernetesClient client;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() {
        cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withHttps(false));
        client = cluster.newClient();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static HttpRequest.Builder request(String path, String accept) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(cluster.url() + path))
                .header("Authorization", "Bearer " + cluster.token()).timeout(Duration.ofSeconds(30));
        if (accept != null) {
            b.header("Accept", accept);
        }
        return b;
    }

    private static HttpResponse<String> get(String path, String accept) throws Exception {
        return HTTP.send(request(path, accept).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> send(String method, String path, String contentType, String body)
            throws Exception {
        return HTTP.send(request(path, "application/json").header("Content-Type", contentType)
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    private static JsonNode resource(JsonNode list, String name) {
        for (JsonNode r : list.path("resources")) {
            if (r.path("name").asText().equals(name)) {
                return r;
            }
        }
        throw new AssertionError("no resource " + name + " in " + list);
    }

    @Test
    void discoveryPublishesShortNamesCategoriesAndAggregatedDocuments() throws Exception {
        JsonNode core = json(get("/api/v1", "application/json"));
        assertThat(resource(core, "namespaces").path("shortNames").toString()).isEqualTo("[\"ns\"]");
        assertThat(resource(core, "pods").path("categories").toString()).isEqualTo("[\"all\"]");
        JsonNode apps = json(get("/apis/apps/v1", "application/json"));
        assertThat(resource(apps, "deployments").path("shortNames").toString()).isEqualTo("[\"deploy\"]");
        JsonNode olm = json(get("/apis/operators.coreos.com/v1alpha1", "application/json"));
        JsonNode csv = resource(olm, "clusterserviceversions");
        assertThat(csv.path("shortNames").toString()).isEqualTo("[\"csv\",\"csvs\"]");
        assertThat(csv.path("categories").toString()).isEqualTo("[\"olm\"]");
        assertThat(csv.path("singularName").asText()).isEqualTo("clusterserviceversion");

        // client-go asks for v2, then v2beta1, then the legacy list; a 1.29 server answers v2beta1
        HttpResponse<String> aggregated = get("/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as="
                + "APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
                + "application/json");
        assertThat(aggregated.headers().firstValue("Content-Type")).hasValue(
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
        JsonNode groups = json(aggregated);
        assertThat(groups.path("kind").asText()).isEqualTo("APIGroupDiscoveryList");
        JsonNode operators = null;
        for (JsonNode g : groups.path("items")) {
            if (g.path("metadata").path("name").asText().equals("operators.coreos.com")) {
                operators = g;
            }
        }
        assertThat(operators).isNotNull();
        assertThat(operators.path("versions").get(0).path("version").asText()).as("preferred first").isEqualTo("v1");
        boolean found = false;
        for (JsonNode v : operators.path("versions")) {
            for (JsonNode r : v.path("resources")) {
                if (r.path("resource").asText().equals("subscriptions")) {
                    found = true;
                    assertThat(r.path("shortNames").toString()).isEqualTo("[\"sub\",\"subs\"]");
                    assertThat(r.path("scope").asText()).isEqualTo("Namespaced");
                    assertThat(r.path("subresources").get(0).path("subresource").asText()).isEqualTo("status");
                }
            }
        }
        assertThat(found).isTrue();
        JsonNode coreAggregated = json(get("/api", "application/json;g=apidiscovery.k8s.io;v=v2beta1;as="
                + "APIGroupDiscoveryList"));
        assertThat(coreAggregated.path("items").get(0).path("versions").get(0).path("version").asText()).isEqualTo("v1");
        // without asking, the legacy documents
        assertThat(json(get("/apis", "application/json")).path("kind").asText()).isEqualTo("APIGroupList");
    }

    @Test
    void tablesCarryThePrintersColumnsAndTheCrdPrinterColumns() throws Exception {
        String table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                .withName("tables").endMetadata().build()).serverSideApply();
        client.apps().deployments().inNamespace("tables").resource(deployment("tables", "web", 2)).create();
        JsonNode deployments = json(get("/apis/apps/v1/namespaces/tables/deployments", table));
        assertThat(deployments.path("kind").asText()).isEqualTo("Table");
        List<String> names = new ArrayList<>();
        deployments.path("columnDefinitions").forEach(c -> names.add(c.path("name").asText()
                + (c.path("priority").asInt() > 0 ? "*" : "")));
        assertThat(names).containsExactly("Name", "Ready", "Up-to-date", "Available", "Age", "Containers*", "Images*",
                "Selector*");
        JsonNode row = deployments.path("rows").get(0);
        assertThat(row.path("cells").get(0).asText()).isEqualTo("web");
        assertThat(row.path("cells").get(5).asText()).isEqualTo("web");
        assertThat(row.path("cells").get(7).asText()).isEqualTo("app=web");
        assertThat(row.path("object").path("kind").asText()).isEqualTo("PartialObjectMetadata");
        assertThat(row.path("object").path("metadata").path("namespace").asText()).isEqualTo("tables");

        // a CRD version with additionalPrinterColumns (the seeded CatalogSources)
        JsonNode catalogs = json(get("/apis/operators.coreos.com/v1alpha1/catalogsources", table));
        List<String> columns = new ArrayList<>();
        catalogs.path("columnDefinitions").forEach(c -> columns.add(c.path("name").asText()));
        assertThat(columns).containsExactly("Name", "Display", "Type", "Publisher", "Age");
        // a kind without a printer: Name and Created At
        JsonNode roles = json(get("/apis/rbac.authorization.k8s.io/v1/clusterroles", table));
        List<String> roleColumns = new ArrayList<>();
        roles.path("columnDefinitions").forEach(c -> roleColumns.add(c.path("name").asText()));
        assertThat(roleColumns).containsExactly("Name", "Created At");
    }

    @Test
    void aStaleResourceVersionIsAConflict() {
        ConfigMap cm = client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("optimistic").endMetadata().addToData("a", "1").build()).create();
        client.configMaps().inNamespace("default").withName("optimistic").edit(c -> new ConfigMapBuilder(c)
                .addToData("a", "2").build());
        KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class, () -> client.configMaps()
                .inNamespace("default").resource(new ConfigMapBuilder(cm).addToData("a", "3").build()).update());
        assertThat(e.getCode()).isEqualTo(409);
        assertThat(e.getStatus().getReason()).isEqualTo("Conflict");
        assertThat(e.getStatus().getMessage()).isEqualTo("Operation cannot be fulfilled on configmaps \"optimistic\": "
                + "the object has been modified; please apply your changes to the latest version and try again");
        assertThat(e.getStatus().getDetails().getKind()).isEqualTo("configmaps");
        assertThat(client.configMaps().inNamespace("default").withName("optimistic").get().getData())
                .containsEntry("a", "2");
    }

    @Test
    void openApiDocumentsDescribeBuiltInKindsAndCrds() throws Exception {
        JsonNode v2 = json(get("/openapi/v2", "application/json"));
        assertThat(v2.path("definitions").path("io.k8s.api.apps.v1.Deployment")
                .path("x-kubernetes-group-version-kind").get(0).path("kind").asText()).isEqualTo("Deployment");
        JsonNode subscription = v2.path("definitions").path("com.coreos.operators.v1alpha1.Subscription");
        assertThat(subscription.path("properties").path("spec").path("properties").has("installPlanApproval")).isTrue();
        assertThat(subscription.path("properties").path("metadata").path("$ref").asText())
                .isEqualTo("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        JsonNode patch = v2.path("paths").path("/apis/apps/v1/namespaces/{namespace}/deployments/{name}").path("patch");
        assertThat(patch.path("operationId").asText()).isEqualTo("patchAppsV1NamespacedDeployment");

        // kubectl asks for protobuf first
        HttpResponse<byte[]> proto = HTTP.send(request("/openapi/v2",
                "application/com.github.proto-openapi.spec.v2@v1.0+protobuf").GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(proto.headers().firstValue("Content-Type"))
                .hasValue("application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
        // field 1 (swagger), length 3, "2.0"
        assertThat(new byte[] {proto.body()[0], proto.body()[1], proto.body()[2], proto.body()[3], proto.body()[4]})
                .isEqualTo(new byte[] {0x0a, 3, '2', '.', '0'});
        assertThat(new String(proto.body(), StandardCharsets.UTF_8)).contains("io.k8s.api.apps.v1.DeploymentSpec",
                "com.coreos.operators.v1alpha1.Subscription");

        JsonNode index = json(get("/openapi/v3", "application/json"));
        String url = index.path("paths").path("apis/apps/v1").path("serverRelativeURL").asText();
        assertThat(url).startsWith("/openapi/v3/apis/apps/v1?hash=");
        JsonNode apps = json(get(url, "application/json"));
        assertThat(apps.path("openapi").asText()).isEqualTo("3.0.0");
        JsonNode patchV3 = apps.path("paths").path("/apis/apps/v1/namespaces/{namespace}/deployments/{name}")
                .path("patch");
        assertThat(patchV3.path("x-kubernetes-group-version-kind").path("kind").asText()).isEqualTo("Deployment");
        List<String> params = new ArrayList<>();
        patchV3.path("parameters").forEach(p -> params.add(p.path("name").asText()));
        assertThat(params).contains("fieldValidation", "fieldManager", "dryRun", "force");
        assertThat(apps.path("components").path("schemas").path("io.k8s.api.apps.v1.DeploymentSpec")
                .path("properties").path("template").path("allOf").get(0).path("$ref").asText())
                .isEqualTo("#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec");
        HttpResponse<String> stale = get("/openapi/v3/apis/apps/v1?hash=0", "application/json");
        assertThat(stale.statusCode()).isEqualTo(301);
        assertThat(stale.headers().firstValue("Location")).hasValue(url);
        assertThat(index.path("paths").has("apis/operators.coreos.com/v1alpha1")).isTrue();
    }

    @Test
    void unknownFieldsFollowTheFieldValidationDirective() throws Exception {
        String cm = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\",\"bogus\":1},"
                + "\"data\":{\"a\":\"1\"},\"extra\":true}";
        HttpResponse<String> strict = send("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict",
                "application/json", cm.formatted("strict"));
        assertThat(strict.statusCode()).isEqualTo(400);
        assertThat(json(strict).path("reason").asText()).isEqualTo("BadRequest");
        assertThat(json(strict).path("message").asText()).isEqualTo("ConfigMap in version \"v1\" cannot be handled as "
                + "a ConfigMap: strict decoding error: unknown field \"extra\", unknown field \"metadata.bogus\"");

        HttpResponse<String> warn = send("POST", "/api/v1/namespaces/default/configmaps", "application/json",
                cm.formatted("warned"));
        assertThat(warn.statusCode()).isEqualTo(201);
        assertThat(warn.headers().allValues("Warning")).containsExactly("299 - \"unknown field \\\"extra\\\"\"",
                "299 - \"unknown field \\\"metadata.bogus\\\"\"");
        assertThat(json(warn).has("extra")).as("dropped, as decoding into the type drops it").isFalse();

        HttpResponse<String> ignored = send("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Ignore",
                "application/json", cm.formatted("ignored"));
        assertThat(ignored.statusCode()).isEqualTo(201);
        assertThat(ignored.headers().allValues("Warning")).isEmpty();

        HttpResponse<String> patch = send("PATCH", "/api/v1/namespaces/default/configmaps/ignored"
                + "?fieldValidation=Strict", "application/merge-patch+json", "{\"extra\":1}");
        assertThat(patch.statusCode()).isEqualTo(422);
        assertThat(json(patch).path("message").asText()).startsWith(" \"\" is invalid: patch: Invalid value: \"{")
                .endsWith("\": strict decoding error: unknown field \"extra\"");

        HttpResponse<String> apply = send("PATCH", "/api/v1/namespaces/default/configmaps/applied?fieldManager=me",
                "application/apply-patch+yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n"
                        + "data:\n  a: b\nextra: 1\n");
        assertThat(apply.statusCode()).isEqualTo(500);
        assertThat(json(apply).path("message").asText()).isEqualTo("failed to create typed patch object "
                + "(default/applied; /v1, Kind=ConfigMap): .extra: field not declared in schema");
    }

    @Test
    void watchesStreamTheChangesAfterTheListedResourceVersion() throws Exception {
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                .withName("watched").endMetadata().build()).serverSideApply();
        JsonNode list = json(get("/api/v1/namespaces/watched/configmaps", "application/json"));
        String rv = list.path("metadata").path("resourceVersion").asText();
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        CompletableFuture<HttpResponse<Stream<String>>> watch = HTTP.sendAsync(request(
                "/api/v1/namespaces/watched/configmaps?watch=true&resourceVersion=" + rv + "&timeoutSeconds=30",
                "application/json").GET().build(), HttpResponse.BodyHandlers.ofLines());
        HttpResponse<Stream<String>> response = watch.get(30, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        Iterator<String> lines = response.body().iterator();
        Thread reader = new Thread(() -> lines.forEachRemaining(events::add), "watch-reader");
        reader.setDaemon(true);
        reader.start();

        client.configMaps().inNamespace("watched").resource(new ConfigMapBuilder().withNewMetadata().withName("one")
                .endMetadata().addToData("a", "1").build()).create();
        client.configMaps().inNamespace("watched").withName("one").edit(c -> new ConfigMapBuilder(c)
                .addToData("a", "2").build());
        client.configMaps().inNamespace("watched").withName("one").delete();
        List<JsonNode> seen = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String line = events.poll(30, TimeUnit.SECONDS);
            assertThat(line).as("event %d", i).isNotNull();
            seen.add(JSON.readTree(line));
        }
        assertThat(seen).extracting(e -> e.path("type").asText()).containsExactly("ADDED", "MODIFIED", "DELETED");
        assertThat(seen.get(1).path("object").path("data").path("a").asText()).isEqualTo("2");
        long modified = seen.get(1).path("object").path("metadata").path("resourceVersion").asLong();
        long deleted = seen.get(2).path("object").path("metadata").path("resourceVersion").asLong();
        assertThat(deleted).as("a deletion has its own resourceVersion").isGreaterThan(modified);

        // a watch without resourceVersion starts with the current objects
        client.configMaps().inNamespace("watched").resource(new ConfigMapBuilder().withNewMetadata().withName("two")
                .endMetadata().build()).create();
        HttpResponse<Stream<String>> fresh = HTTP.send(request(
                "/api/v1/namespaces/watched/configmaps?watch=true&timeoutSeconds=1", "application/json").GET().build(),
                HttpResponse.BodyHandlers.ofLines());
        List<String> initial = fresh.body().toList();
        assertThat(initial).hasSize(1);
        assertThat(JSON.readTree(initial.get(0)).path("object").path("metadata").path("name").asText()).isEqualTo("two");
    }

    @Test
    void protobufBodiesOfTypedClientsAreRead() throws Exception {
        // a Namespace as client-go's protobuf serializer writes it: "k8s\0", runtime.Unknown{typeMeta, raw}
        byte[] labels = concat(field(1, "team".getBytes(StandardCharsets.UTF_8)),
                field(2, "blue".getBytes(StandardCharsets.UTF_8)));
        byte[] meta = concat(field(1, "from-protobuf".getBytes(StandardCharsets.UTF_8)), field(11, labels),
                field(2, new byte[0]));
        byte[] namespace = field(1, meta);
        byte[] typeMeta = concat(field(1, "v1".getBytes(StandardCharsets.UTF_8)),
                field(2, "Namespace".getBytes(StandardCharsets.UTF_8)));
        byte[] body = concat(new byte[] {'k', '8', 's', 0}, field(1, typeMeta), field(2, namespace));
        HttpResponse<String> created = HTTP.send(request("/api/v1/namespaces",
                "application/vnd.kubernetes.protobuf,application/json")
                .header("Content-Type", "application/vnd.kubernetes.protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("Content-Type")).hasValue("application/json");
        var ns = client.namespaces().withName("from-protobuf").get();
        assertThat(ns.getMetadata().getLabels()).containsEntry("team", "blue");
        assertThat(ns.getMetadata().getGenerateName()).as("an empty omitempty string is left out").isNull();
    }

    @Test
    void deploymentsGetTheStatusOfADeploymentController() throws Exception {
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                .withName("rollouts").endMetadata().build()).serverSideApply();
        client.apps().deployments().inNamespace("rollouts").resource(deployment("rollouts", "api", 2)).create();
        Deployment rolledOut = client.apps().deployments().inNamespace("rollouts").withName("api")
                .waitUntilCondition(d -> d.getStatus() != null && d.getStatus().getAvailableReplicas() != null
                        && d.getStatus().getAvailableReplicas() == 2, 30, TimeUnit.SECONDS);
        assertThat(rolledOut.getStatus().getObservedGeneration()).isEqualTo(rolledOut.getMetadata().getGeneration());
        assertThat(rolledOut.getStatus().getConditions()).extracting(c -> c.getType() + "=" + c.getStatus() + "/"
                + c.getReason()).containsExactly("Available=True/MinimumReplicasAvailable",
                "Progressing=True/NewReplicaSetAvailable");

        // through the scale subresource, as kubectl scale writes it
        HttpResponse<String> scale = send("PATCH", "/apis/apps/v1/namespaces/rollouts/deployments/api/scale",
                "application/merge-patch+json", "{\"spec\":{\"replicas\":3}}");
        assertThat(scale.statusCode()).as(scale.body()).isEqualTo(200);
        JsonNode scaleObject = json(scale);
        assertThat(scaleObject.path("apiVersion").asText() + " " + scaleObject.path("kind").asText())
                .isEqualTo("autoscaling/v1 Scale");
        assertThat(scaleObject.path("spec").path("replicas").asInt()).isEqualTo(3);
        assertThat(scaleObject.path("status").path("selector").asText()).isEqualTo("app=api");
        Deployment scaled = client.apps().deployments().inNamespace("rollouts").withName("api")
                .waitUntilCondition(d -> d.getStatus().getAvailableReplicas() != null
                        && d.getStatus().getAvailableReplicas() == 3, 30, TimeUnit.SECONDS);
        assertThat(scaled.getMetadata().getGeneration()).isEqualTo(2L);
        assertThat(scaled.getStatus().getObservedGeneration()).isEqualTo(2L);
        assertThat(scaled.getStatus().getUpdatedReplicas()).isEqualTo(3);
    }

    private static Deployment deployment(String ns, String name, int replicas) {
        return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata().withNewSpec()
                .addNewContainer().withName(name).withImage("registry.example/" + name + ":1").endContainer()
                .endSpec().endTemplate().endSpec().build();
    }

    private static byte[] field(int number, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(number << 3 | 2);
        int length = value.length;
        while (length >= 0x80) {
            out.write(length & 0x7f | 0x80);
            length >>>= 7;
        }
        out.write(length);
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
