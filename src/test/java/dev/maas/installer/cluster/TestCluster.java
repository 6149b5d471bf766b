package dev.maas.installer.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscoveryBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Test-only: fabric8's mock API server in CRUD mode, plus what these tests need from a real API server and the
 * CRUD dispatcher does not do: API group discovery ({@code GET /apis}) from a configurable set of groups,
 * SelfSubjectAccessReviews answered by a policy, and a log of every request (to prove that a second run writes
 * nothing). The stricter shared sandbox (dev.maas.installer.sandbox) will replace this later.
 */
public final class TestCluster implements AutoCloseable {
    public static final List<String> OPENSHIFT_GROUPS = List.of("apps", "route.openshift.io", "config.openshift.io",
            "project.openshift.io", "operators.coreos.com", "packages.operators.coreos.com", "storage.k8s.io",
            "authorization.k8s.io", "serving.kserve.io");

    /** One request the server saw. */
    public record Request(String method, String path) {
        public boolean isWrite() {
            return method.equals("POST") || method.equals("PUT") || method.equals("PATCH") || method.equals("DELETE");
        }
    }

    private final Set<String> groups = new LinkedHashSet<>(OPENSHIFT_GROUPS);
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Predicate<ResourceAttributes> access = a -> true;
    private final List<String> forbidden = new CopyOnWriteArrayList<>();
    private final KubernetesMockServer server;
    private final KubernetesClient client;

    public TestCluster() {
        Dispatcher dispatcher = new Dispatcher();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        client = server.createClient();
    }

    public KubernetesClient client() { return client; }

    public KubernetesMockServer server() { return server; }

    /** Removes API groups from discovery, e.g. to simulate a cluster without OLM. */
    public TestCluster withoutGroups(String... names) {
        groups.removeAll(List.of(names));
        return this;
    }

    /** Decides which SelfSubjectAccessReviews are allowed. */
    public TestCluster access(Predicate<ResourceAttributes> policy) {
        this.access = policy;
        return this;
    }

    /** Answers 403 (as a real API server words it) to GET requests whose path starts with the prefix. */
    public TestCluster forbidGet(String pathPrefix) {
        forbidden.add(pathPrefix);
        return this;
    }

    public List<Request> requests() { return List.copyOf(requests); }

    public List<Request> writes() { return requests.stream().filter(Request::isWrite).toList(); }

    /** Writes that are not SelfSubjectAccessReviews (which only ask). */
    public List<Request> realWrites() {
        return writes().stream().filter(r -> !r.path().contains("selfsubjectaccessreviews")).toList();
    }

    public void clearRequests() { requests.clear(); }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }

    private final class Dispatcher extends KubernetesCrudDispatcher {
        private final ObjectMapper json = new ObjectMapper();

        Dispatcher() { super(new ArrayList<>()); }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            String path = request.getPath();
            requests.add(new Request(request.getMethod(), path));
            String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
            if ("GET".equals(request.getMethod()) && (bare.equals("/apis") || bare.equals("/apis/"))) {
                APIGroupListBuilder list = new APIGroupListBuilder();
                for (String g : groups) {
                    String v = g.equals("serving.kserve.io") ? "v1beta1" : "v1";
                    list.addToGroups(new APIGroupBuilder().withName(g)
                            .addToVersions(new GroupVersionForDiscoveryBuilder().withGroupVersion(g + "/" + v)
                                    .withVersion(v).build())
                            .withNewPreferredVersion().withGroupVersion(g + "/" + v).withVersion(v)
                            .endPreferredVersion().build());
                }
                return new MockResponse().setResponseCode(200).setBody(Serialization.asJson(list.build()));
            }
            if ("GET".equals(request.getMethod()) && forbidden.stream().anyMatch(bare::startsWith)) {
                return new MockResponse().setResponseCode(403).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                        + "\"status\":\"Failure\",\"reason\":\"Forbidden\",\"code\":403,\"message\":\"forbidden:"
                        + " User \\\"dev\\\" cannot list resource \\\"x\\\" in API group \\\"\\\"\"}");
            }
            if ("POST".equals(request.getMethod())
                    && bare.equals("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")) {
                try {
                    JsonNode body = json.readTree(request.getUtf8Body());
                    ResourceAttributes attrs = json.treeToValue(body.path("spec").path("resourceAttributes"),
                            ResourceAttributes.class);
                    boolean allowed = access.test(attrs);
                    ((com.fasterxml.jackson.databind.node.ObjectNode) body).putObject("status")
                            .put("allowed", allowed);
                    return new MockResponse().setResponseCode(201).setBody(body.toString());
                } catch (Exception e) {
                    return new MockResponse().setResponseCode(400).setBody(e.getMessage());
                }
            }
            return super.dispatch(request);
        }
    }
}
