package dev.maas.installer.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatch;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * fabric8's CRUD dispatcher made to behave like a real API server where it matters to the installer: bearer-token
 * authentication, RBAC denials, API discovery, 404 for resources that are not served, namespaces that must exist,
 * server-side apply and strategic-merge patch, Secret {@code stringData}, Route host defaulting, and CRD schema
 * pruning/validation (422 naming the field) of every create, update and patch of a custom resource.
 */
final class ApiServerDispatcher extends KubernetesCrudDispatcher {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String CRD_GROUP = "apiextensions.k8s.io";

    private final ApiCatalog catalog;
    private final String appsDomain;
    private final String userName;
    private final boolean strictNamespaces;
    private final List<AccessRule> denied = new CopyOnWriteArrayList<>();
    private final FieldOwnership ownership = new FieldOwnership();
    private final Object writeLock = new Object();
    private volatile String token;
    /**
     * The token of the cluster's own components (the seed, the simulated operators): like OLM's service account on
     * a real cluster, they are not bound by the user's {@link #denied} permissions and outlive a user's token change.
     */
    private final String systemToken;
    private volatile String serverAddress = "127.0.0.1";
    /**
     * The user's requests (not the system token's), in arrival order, the latest {@value #REQUEST_LOG_SIZE} at most
     * (a sandbox may run for hours); see {@link TestCluster#requests()}. Guarded by itself.
     */
    private final java.util.ArrayDeque<ApiRequest> requests = new java.util.ArrayDeque<>();
    static final int REQUEST_LOG_SIZE = 50_000;
    private volatile WriteObserver writeObserver = WriteObserver.NONE;
    /** Serves packages.operators.coreos.com (OLM's package server); null: stored like any other kind. */
    private volatile PackageServer packageServer;
    /** The user's rights from the stored RBAC objects; null: the user is a cluster admin (only {@link #denied}). */
    private volatile Rbac rbac;
    /** The groups of an OpenShift user who logged in through OAuth. */
    static final List<String> USER_GROUPS = List.of("system:authenticated", "system:authenticated:oauth");
    /** Parsed rbac.authorization.k8s.io objects by plural; emptied by every write to that group. */
    private final Map<String, List<JsonNode>> rbacObjects = new java.util.concurrent.ConcurrentHashMap<>();

    ApiServerDispatcher(ApiCatalog catalog, String appsDomain, String userName, String token, String systemToken,
                        boolean strictNamespaces) {
        this.catalog = catalog;
        this.appsDomain = appsDomain;
        this.userName = userName;
        this.token = token;
        this.systemToken = systemToken;
        this.strictNamespaces = strictNamespaces;
        // writes to the main resource keep the status of kinds with a status subresource, built-in ones included
        for (ApiCatalog.Resource r : catalog.builtins()) {
            // (not Namespace: fabric8's path matching cannot address /api/v1/namespaces/x/status; its phase is
            // set on every write instead)
            if (r.statusSubresource() && !r.kind().equals("Namespace")) {
                expectCustomResource(new CustomResourceDefinitionContext.Builder()
                        .withGroup(r.group().isEmpty() ? null : r.group()).withVersion(r.version())
                        .withPlural(r.plural()).withKind(r.kind())
                        .withScope(r.namespaced() ? "Namespaced" : "Cluster").withStatusSubresource(true).build());
            }
        }
    }

    void serverAddress(String address) {
        this.serverAddress = address;
    }

    void observeWrites(WriteObserver observer) {
        this.writeObserver = observer == null ? WriteObserver.NONE : observer;
    }

    /** Evaluates the user's requests against the stored RBAC objects (true), or lets the user do everything. */
    void rbac(boolean enabled) {
        this.rbac = enabled ? new Rbac(this::rbacObjects) : null;
    }

    /** The stored objects of an rbac.authorization.k8s.io plural, parsed once per change. */
    private List<JsonNode> rbacObjects(String plural) {
        return rbacObjects.computeIfAbsent(plural, p -> {
            List<JsonNode> out = new ArrayList<>();
            synchronized (getMap()) {
                for (Map.Entry<io.fabric8.mockwebserver.crud.AttributeSet, String> e : getMap().entrySet()) {
                    if (p.equals(attribute(e.getKey(), "plural"))
                            && "rbac.authorization.k8s.io".equals(attribute(e.getKey(), "api"))) {
                        try {
                            out.add(JSON.readTree(e.getValue()));
                        } catch (JsonProcessingException ex) {
                            throw new IllegalStateException(ex);
                        }
                    }
                }
            }
            return List.copyOf(out);
        });
    }

    void packageServer(PackageServer server) {
        this.packageServer = server;
    }

    void token(String newToken) {
        this.token = newToken;
    }

    void deny(AccessRule rule) {
        denied.add(rule);
    }

    void allowAll() {
        denied.clear();
    }

    // ---- request parsing ----

    /** What a request path addresses. {@code plural} null for discovery paths. */
    record Target(String group, String version, String namespace, String plural, String name, String subresource,
                  String path, Map<String, String> query) {
        String collectionPath() {
            StringBuilder sb = new StringBuilder(group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version);
            if (namespace != null) {
                sb.append("/namespaces/").append(namespace);
            }
            return sb.append('/').append(plural).toString();
        }

        String objectPath() {
            return collectionPath() + "/" + name;
        }
    }

    static Target parse(String rawPath) {
        URI uri = URI.create(rawPath);
        String path = uri.getRawPath();
        Map<String, String> query = new java.util.HashMap<>();
        if (uri.getRawQuery() != null) {
            for (String kv : uri.getRawQuery().split("&")) {
                int eq = kv.indexOf('=');
                String k = eq < 0 ? kv : kv.substring(0, eq);
                String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
                query.put(k, v);
            }
        }
        List<String> parts = new ArrayList<>(Arrays.asList(path.replaceAll("^/+|/+$", "").split("/")));
        String group;
        String version;
        List<String> rest;
        if (parts.size() >= 1 && parts.get(0).equals("api")) {
            group = "";
            version = parts.size() > 1 ? parts.get(1) : null;
            rest = parts.size() > 2 ? parts.subList(2, parts.size()) : List.of();
        } else if (parts.size() >= 1 && parts.get(0).equals("apis")) {
            group = parts.size() > 1 ? parts.get(1) : null;
            version = parts.size() > 2 ? parts.get(2) : null;
            rest = parts.size() > 3 ? parts.subList(3, parts.size()) : List.of();
        } else {
            return new Target(null, null, null, null, null, null, path, query);
        }
        String namespace = null;
        if (rest.size() >= 3 && rest.get(0).equals("namespaces")
                && !(group.isEmpty() && (rest.get(2).equals("status") || rest.get(2).equals("finalize")))) {
            namespace = rest.get(1);
            rest = rest.subList(2, rest.size());
        }
        String plural = rest.size() > 0 ? rest.get(0) : null;
        String name = rest.size() > 1 ? rest.get(1) : null;
        String sub = rest.size() > 2 ? rest.get(2) : null;
        return new Target(group, version, namespace, plural, name, sub, path, query);
    }

    private static String verb(RecordedRequest request, Target t) {
        return switch (request.method()) {
            case GET -> t.name() != null ? "get" : "true".equals(t.query().get("watch")) ? "watch" : "list";
            case POST -> "create";
            case PUT -> "update";
            case PATCH -> "patch";
            case DELETE -> t.name() != null ? "delete" : "deletecollection";
            default -> "get";
        };
    }

    // ---- dispatch ----

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        MockResponse response;
        try {
            response = doDispatch(request);
        } catch (Rejection r) {
            response = r.response;
        }
        String auth = request.getHeader("Authorization");
        if (auth == null || !auth.equals("Bearer " + systemToken)) {
            ApiRequest logged = new ApiRequest(String.valueOf(request.getMethod()), String.valueOf(request.getPath()),
                    response == null ? 0 : response.code());
            synchronized (requests) {
                if (requests.size() >= REQUEST_LOG_SIZE) {
                    requests.removeFirst();
                }
                requests.addLast(logged);
            }
        }
        return response;
    }

    /** The user's requests so far (see {@link ApiRequest}). */
    List<ApiRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    void clearRequests() {
        synchronized (requests) {
            requests.clear();
        }
    }

    private MockResponse doDispatch(RecordedRequest request) {
        String auth = request.getHeader("Authorization");
        boolean system = auth != null && auth.equals("Bearer " + systemToken);
        if (!system && (auth == null || !auth.equals("Bearer " + token))) {
            throw new Rejection(status(401, "Unauthorized", "Unauthorized", null));
        }
        Target t = parse(request.getPath());
        if (request.method() == HttpMethod.GET) {
            MockResponse discovery = discovery(t);
            if (discovery != null) {
                return discovery;
            }
        }
        if (t.group() == null || t.version() == null || t.plural() == null) {
            throw notFound("the server could not find the requested resource");
        }
        ApiCatalog.Resource resource = catalog.find(t.group(), t.version(), t.plural())
                .orElseThrow(() -> notFound("the server could not find the requested resource"));
        String verb = verb(request, t);
        String ns = t.namespace() != null ? t.namespace() : (resource.kind().equals("Namespace") ? t.name() : null);
        if (!system && isDenied(verb, t.group(), t.plural(), t.subresource(), ns, t.name())) {
            throw new Rejection(status(403, "Forbidden", forbiddenMessage(verb, t, ns), details(t, resource)));
        }
        if (resource.kind().equals("SelfSubjectAccessReview") && request.method() == HttpMethod.POST) {
            return accessReview(readObject(request.getUtf8Body()));
        }
        if (packageServer != null && resource.group().equals(PackageServer.GROUP)) {
            return packageServer.serve(verb, t);
        }
        if (resource.kind().equals("User") && "~".equals(t.name())) {
            ObjectNode user = NODES.objectNode().put("kind", "User").put("apiVersion", "user.openshift.io/v1");
            user.putObject("metadata").put("name", userName);
            user.putArray("groups").add("system:authenticated");
            return json(200, user);
        }
        if (request.method() == HttpMethod.GET && t.name() != null && !"watch".equals(verb)) {
            boolean missing;
            synchronized (writeLock) { // all writes hold it: the store is not iterated while it changes
                missing = current(t) == null;
            }
            if (missing) {
                throw new Rejection(status(404, "NotFound", resourceNotFound(t, resource), details(t, resource)));
            }
        }
        if (!system && request.method() != HttpMethod.GET
                && !writeObserver.beforeWrite(request.method().name(), request.getPath())) {
            throw new Rejection(status(503, "ServiceUnavailable", "the request was dropped (WriteObserver)", null));
        }
        return switch (request.method()) {
            case POST -> create(t, resource, readObject(request.getUtf8Body()), manager(request, t));
            case PUT -> update(t, resource, readObject(request.getUtf8Body()), manager(request, t));
            case PATCH -> patch(t, resource, request.getHeader("Content-Type"), request.getUtf8Body(),
                    manager(request, t));
            case DELETE -> delete(request, t, resource);
            default -> super.dispatch(request);
        };
    }

    private MockResponse discovery(Target t) {
        String path = t.path().replaceAll("/+$", "");
        if (path.isEmpty() || path.equals("/")) {
            ObjectNode root = NODES.objectNode();
            ArrayNode paths = root.putArray("paths").add("/api").add("/api/v1").add("/apis").add("/version");
            return json(200, root);
        }
        if (path.equals("/version")) {
            return json(200, NODES.objectNode().put("major", "1").put("minor", "29").put("gitVersion", "v1.29.0")
                    .put("platform", "linux/amd64").put("buildDate", "2024-01-01T00:00:00Z")
                    .put("gitCommit", "sandbox").put("gitTreeState", "clean").put("goVersion", "go1.21")
                    .put("compiler", "gc"));
        }
        if (path.equals("/api")) {
            return json(200, catalog.coreVersions(serverAddress));
        }
        if (path.equals("/apis")) {
            return json(200, catalog.groupList());
        }
        if (t.group() != null && t.plural() == null) {
            if (t.version() == null) {
                ObjectNode group = catalog.group(t.group());
                if (group == null) {
                    throw notFound("the server could not find the requested resource");
                }
                return json(200, group);
            }
            ObjectNode list = catalog.resourceList(t.group(), t.version());
            if (list == null) {
                throw notFound("the server could not find the requested resource");
            }
            return json(200, list);
        }
        return null;
    }

    // ---- writes ----

    /** The field manager of a write: the fieldManager parameter, else derived from the User-Agent. */
    private static String manager(RecordedRequest request, Target t) {
        String m = t.query().get("fieldManager");
        if (m != null && !m.isEmpty()) {
            return m;
        }
        String agent = request.getHeader("User-Agent");
        if (agent == null || agent.isBlank()) {
            return "unknown";
        }
        int slash = agent.indexOf('/');
        return slash > 0 ? agent.substring(0, slash) : agent;
    }

    private void recordUpdate(MockResponse response, String manager, JsonNode before) {
        if (response.code() >= 300 || (before != null && "CustomResourceDefinition".equals(before.path("kind").asText()))) {
            return;
        }
        JsonNode after = body(response);
        String uid = after.path("metadata").path("uid").asText("");
        if (!uid.isEmpty()) {
            ownership.update(uid, manager, before, after);
        }
    }

    private static JsonNode body(MockResponse response) {
        try {
            return JSON.readTree(new String(response.getBody().getBytes(), StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the stored object is not JSON", e);
        }
    }

    private MockResponse create(Target t, ApiCatalog.Resource resource, ObjectNode body, String manager) {
        if (t.name() != null) {
            throw new Rejection(status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", null));
        }
        synchronized (writeLock) {
            requireNamespace(t, resource);
            ObjectNode meta = body.withObjectProperty("metadata");
            if (t.namespace() != null && !meta.hasNonNull("namespace")) {
                meta.put("namespace", t.namespace());
            }
            String name = meta.path("name").asText("");
            if (!name.isEmpty() && current(new Target(t.group(), t.version(), t.namespace(), t.plural(), name, null,
                    t.path(), t.query())) != null) {
                String res = resource.group().isEmpty() ? resource.plural() : resource.plural() + "." + resource.group();
                ObjectNode d = NODES.objectNode().put("name", name).put("group", resource.group())
                        .put("kind", resource.plural());
                throw new Rejection(status(409, "AlreadyExists", res + " \"" + name + "\" already exists", d));
            }
            admit(t, resource, body, null);
            if (dryRun(t)) {
                return json(201, body);
            }
            MockResponse response = withServerStatus(t, resource, body,
                    super.handleCreate(synthetic(HttpMethod.POST, t.collectionPath(), body)));
            afterWrite(resource, response);
            if (!resource.kind().equals("CustomResourceDefinition")) {
                recordUpdate(response, manager, null);
            }
            return response;
        }
    }

    /**
     * The status the server itself gives a new object (a Route admitted by the router): written
     * through the status subresource right after the create, as the controllers would.
     */
    private MockResponse withServerStatus(Target t, ApiCatalog.Resource resource, ObjectNode created,
                                          MockResponse response) {
        JsonNode status = created.get("status");
        boolean serverOwned = resource.kind().equals("Route") && resource.group().equals("route.openshift.io");
        if (!serverOwned || status == null || response.code() >= 300) {
            return response;
        }
        ObjectNode stored = (ObjectNode) body(response);
        stored.set("status", status);
        String name = stored.path("metadata").path("name").asText();
        Target target = new Target(t.group(), t.version(), t.namespace(), t.plural(), name, "status", t.path(),
                t.query());
        MockResponse updated = super.handleUpdate(synthetic(HttpMethod.PUT, target.objectPath() + "/status", stored));
        return updated.code() < 300 ? updated.setResponseCode(201) : response;
    }

    private static boolean dryRun(Target t) {
        return "All".equals(t.query().get("dryRun"));
    }

    private MockResponse update(Target t, ApiCatalog.Resource resource, ObjectNode body, String manager) {
        synchronized (writeLock) {
            JsonNode before = current(t);
            String path = t.objectPath() + (t.subresource() != null ? "/" + t.subresource() : "");
            if ("status".equals(t.subresource())) {
                JsonNode current = current(t);
                if (current == null) {
                    throw notFound(resourceNotFound(t, resource));
                }
                ObjectNode merged = ((ObjectNode) current).deepCopy();
                merged.set("status", body.get("status"));
                if (body.path("metadata").hasNonNull("resourceVersion")) {
                    merged.withObjectProperty("metadata").set("resourceVersion", body.path("metadata").get("resourceVersion"));
                }
                admit(t, resource, merged, current);
                body = merged;
            } else {
                if (before == null) {
                    throw notFound(resourceNotFound(t, resource));
                }
                admit(t, resource, body, before);
            }
            if (dryRun(t)) {
                return json(200, body);
            }
            MockResponse response = super.handleUpdate(synthetic(HttpMethod.PUT, path, body));
            afterWrite(resource, response);
            if (t.subresource() == null) {
                recordUpdate(response, manager, before);
            }
            return response;
        }
    }

    private MockResponse patch(Target t, ApiCatalog.Resource resource, String contentType, String patchText,
                               String manager) {
        String type = contentType == null ? "application/json-patch+json" : contentType.split(";")[0].trim();
        synchronized (writeLock) {
            JsonNode current = current(t);
            JsonNode result;
            ObjectNode applyRecord = null;
            boolean applyForce = false;
            try {
                switch (type) {
                    case "application/apply-patch+yaml" -> {
                        if (!t.query().containsKey("fieldManager")) {
                            throw new Rejection(status(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: "
                                    + "fieldManager: Required value: is required for apply patch", null));
                        }
                        ObjectNode applied = (ObjectNode) YAML.readTree(patchText);
                        if (current == null) {
                            requireNamespace(t, resource);
                            ObjectNode meta = applied.withObjectProperty("metadata");
                            meta.put("name", t.name());
                            if (t.namespace() != null) {
                                meta.put("namespace", t.namespace());
                            }
                            admit(t, resource, applied, null);
                            if (dryRun(t)) {
                                return json(201, applied);
                            }
                            MockResponse response = withServerStatus(t, resource, applied, super.handleCreate(
                                    synthetic(HttpMethod.POST, t.collectionPath(), applied)));
                            afterWrite(resource, response);
                            if (response.code() < 300) {
                                String uid = body(response).path("metadata").path("uid").asText("");
                                ownership.recordApply(uid, manager, applied, true);
                            }
                            return response;
                        }
                        ObjectNode forMerge = applied.deepCopy();
                        // the applied object never carries a precondition
                        forMerge.withObjectProperty("metadata").remove("resourceVersion");
                        String uid = current.path("metadata").path("uid").asText("");
                        boolean force = "true".equals(t.query().get("force"));
                        if (t.subresource() == null && !force) {
                            List<FieldOwnership.Conflict> conflicts = ownership.conflicts(uid, manager, current, forMerge);
                            if (!conflicts.isEmpty()) {
                                throw new Rejection(conflict(conflicts));
                            }
                        }
                        ObjectNode merged = (ObjectNode) ObjectMerge.strategicMerge(current, forMerge);
                        if (t.subresource() == null) {
                            for (List<String> field : ownership.removedByApply(uid, manager, forMerge)) {
                                FieldOwnership.remove(merged, field);
                            }
                        }
                        result = merged;
                        applyRecord = forMerge;
                        applyForce = force;
                    }
                    case "application/strategic-merge-patch+json" -> {
                        requireExisting(t, resource, current);
                        result = ObjectMerge.strategicMerge(current, JSON.readTree(patchText));
                    }
                    case "application/merge-patch+json" -> {
                        requireExisting(t, resource, current);
                        result = ObjectMerge.mergePatch(current, JSON.readTree(patchText));
                    }
                    case "application/json-patch+json" -> {
                        requireExisting(t, resource, current);
                        result = JsonPatch.apply(JSON.readTree(patchText), current);
                    }
                    default -> throw new Rejection(status(415, "UnsupportedMediaType",
                            "the body of the request was in an unknown format - accepted media types include: "
                                    + "application/json-patch+json, application/merge-patch+json, "
                                    + "application/apply-patch+yaml, application/strategic-merge-patch+json", null));
                }
            } catch (JsonProcessingException | RuntimeException e) {
                if (e instanceof Rejection r) {
                    throw r;
                }
                throw new Rejection(status(400, "BadRequest", "the patch could not be applied: " + e.getMessage(), null));
            }
            if (!(result instanceof ObjectNode obj)) {
                throw new Rejection(status(400, "BadRequest", "the patch does not produce an object", null));
            }
            admit(t, resource, obj, current);
            if (dryRun(t)) {
                return json(200, obj);
            }
            String path = t.objectPath() + (t.subresource() != null ? "/" + t.subresource() : "");
            MockResponse response = super.handleUpdate(synthetic(HttpMethod.PUT, path, obj));
            afterWrite(resource, response);
            if (t.subresource() == null && response.code() < 300) {
                if (applyRecord != null) {
                    ownership.recordApply(current.path("metadata").path("uid").asText(""), manager, applyRecord,
                            applyForce);
                } else {
                    recordUpdate(response, manager, current);
                }
            }
            return response;
        }
    }

    private static MockResponse conflict(List<FieldOwnership.Conflict> conflicts) {
        StringBuilder message = new StringBuilder("Apply failed with ").append(conflicts.size())
                .append(conflicts.size() == 1 ? " conflict: " : " conflicts: ");
        ObjectNode d = NODES.objectNode();
        ArrayNode causes = d.putArray("causes");
        List<String> parts = new ArrayList<>();
        for (FieldOwnership.Conflict c : conflicts) {
            parts.add("conflict with \"" + c.manager() + "\": " + c.fieldPath());
            causes.addObject().put("reason", "FieldManagerConflict")
                    .put("message", "conflict with \"" + c.manager() + "\"").put("field", c.fieldPath());
        }
        message.append(String.join("\n", parts));
        return status(409, "Conflict", message.toString(), d);
    }

    private MockResponse delete(RecordedRequest request, Target t, ApiCatalog.Resource resource) {
        synchronized (writeLock) {
            JsonNode existing = current(t);
            if (t.name() != null && existing == null) {
                throw notFound(resourceNotFound(t, resource));
            }
            MockResponse response = super.dispatch(request);
            if (existing != null && response.code() < 300) {
                ownership.forget(existing.path("metadata").path("uid").asText(""));
            }
            if (resource.group().equals("rbac.authorization.k8s.io") || resource.kind().equals("Namespace")) {
                rbacObjects.clear();
            }
            if (resource.kind().equals("CustomResourceDefinition") && t.name() != null && response.code() < 300) {
                catalog.unregisterCrd(t.name());
            }
            if (resource.kind().equals("Namespace") && t.group().isEmpty() && t.name() != null
                    && response.code() < 300) {
                deleteNamespaceContent(t.name());
            }
            return response;
        }
    }

    /** What the namespace controller does: everything in a deleted namespace goes too. */
    private void deleteNamespaceContent(String namespace) {
        List<String> paths = new ArrayList<>();
        synchronized (getMap()) {
            for (io.fabric8.mockwebserver.crud.AttributeSet key : getMap().keySet()) {
                String ns = attribute(key, "namespace");
                String plural = attribute(key, "plural");
                String name = attribute(key, "name");
                String version = attribute(key, "version");
                if (namespace.equals(ns) && plural != null && name != null && version != null) {
                    String api = attribute(key, "api");
                    String base = api == null ? "/api/" + version : "/apis/" + api + "/" + version;
                    paths.add(base + "/namespaces/" + ns + "/" + plural + "/" + name);
                }
            }
        }
        Headers headers = Headers.builder().build();
        for (String path : paths) {
            super.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.DELETE, path, headers, new Buffer()));
        }
    }

    private static String attribute(io.fabric8.mockwebserver.crud.AttributeSet key, String name) {
        io.fabric8.mockwebserver.crud.Attribute a = key.getAttribute(name);
        if (a == null || a.getValues().isEmpty()) {
            return null;
        }
        return String.valueOf(a.getValues().iterator().next());
    }

    private void requireExisting(Target t, ApiCatalog.Resource resource, JsonNode current) {
        if (current == null) {
            throw notFound(resourceNotFound(t, resource));
        }
    }

    private void requireNamespace(Target t, ApiCatalog.Resource resource) {
        if (!strictNamespaces || !resource.namespaced() || t.namespace() == null) {
            return;
        }
        Map.Entry<io.fabric8.mockwebserver.crud.AttributeSet, String> ns = findResource(
                getKey("/api/v1/namespaces/" + t.namespace()));
        if (ns == null) {
            ObjectNode d = NODES.objectNode().put("name", t.namespace()).put("kind", "namespaces");
            throw new Rejection(status(404, "NotFound", "namespaces \"" + t.namespace() + "\" not found", d));
        }
    }

    private JsonNode current(Target t) {
        if (t.name() == null) {
            return null;
        }
        Map.Entry<io.fabric8.mockwebserver.crud.AttributeSet, String> e = findResource(getKey(t.objectPath()));
        if (e == null) {
            return null;
        }
        try {
            return JSON.readTree(e.getValue());
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** The server-side defaulting, conversion and validation of an object about to be stored. */
    private void admit(Target t, ApiCatalog.Resource resource, ObjectNode obj, JsonNode current) {
        if (!obj.hasNonNull("apiVersion")) {
            obj.put("apiVersion", resource.groupVersion());
        }
        if (!obj.hasNonNull("kind")) {
            obj.put("kind", resource.kind());
        }
        if (!obj.path("apiVersion").asText().equals(resource.groupVersion())
                || !obj.path("kind").asText().equals(resource.kind())) {
            throw new Rejection(status(400, "BadRequest", "the API version in the data (" + obj.path("apiVersion").asText()
                    + ") does not match the expected API version (" + resource.groupVersion() + ")", null));
        }
        List<FieldError> metaErrors = ObjectMetaRules.validate(resource.kind(), resource.group(), obj);
        if (!metaErrors.isEmpty()) {
            throw new Rejection(invalid(resource, obj.path("metadata").path("name").asText(t.name()), metaErrors));
        }
        switch ("status".equals(t.subresource()) ? "" : resource.kind()) {
            case "Secret" -> secretStringData(obj);
            case "Route" -> {
                if (resource.group().equals("route.openshift.io")) {
                    routeHost(obj, t);
                }
            }
            case "Namespace" -> obj.withObjectProperty("status").put("phase", "Active");
            default -> { }
        }
        if (resource.schema() != null) {
            resource.schema().prune(obj);
            List<FieldError> errors = resource.schema().validate(obj);
            if (!errors.isEmpty()) {
                throw new Rejection(invalid(resource, obj.path("metadata").path("name").asText(t.name()), errors));
            }
        }
    }

    private static void secretStringData(ObjectNode secret) {
        JsonNode stringData = secret.remove("stringData");
        if (stringData != null && stringData.isObject()) {
            ObjectNode data = secret.withObjectProperty("data");
            stringData.properties().forEach(f -> data.put(f.getKey(),
                    Base64.getEncoder().encodeToString(f.getValue().asText().getBytes(StandardCharsets.UTF_8))));
        }
    }

    private void routeHost(ObjectNode route, Target t) {
        ObjectNode spec = route.withObjectProperty("spec");
        String name = route.path("metadata").path("name").asText(t.name());
        String ns = route.path("metadata").path("namespace").asText(t.namespace());
        if (!spec.hasNonNull("host") || spec.get("host").asText().isEmpty()) {
            spec.put("host", name + "-" + ns + "." + appsDomain);
        }
        ObjectNode status = NODES.objectNode();
        ObjectNode ingress = status.putArray("ingress").addObject();
        ingress.put("host", spec.get("host").asText()).put("routerName", "default")
                .put("routerCanonicalHostname", "router-default." + appsDomain)
                .put("wildcardPolicy", "None");
        ingress.putArray("conditions").addObject().put("type", "Admitted").put("status", "True");
        route.set("status", status);
    }

    private void afterWrite(ApiCatalog.Resource resource, MockResponse response) {
        if (resource.group().equals("rbac.authorization.k8s.io")) {
            rbacObjects.clear();
        }
        if (!resource.kind().equals("CustomResourceDefinition") || !resource.group().equals(CRD_GROUP)
                || response.code() >= 300) {
            return;
        }
        try {
            JsonNode crd = JSON.readTree(new String(response.getBody().getBytes(), StandardCharsets.UTF_8));
            for (ApiCatalog.Resource served : catalog.registerCrd(crd)) {
                expectCustomResource(new CustomResourceDefinitionContext.Builder()
                        .withGroup(served.group()).withVersion(served.version()).withPlural(served.plural())
                        .withKind(served.kind()).withScope(served.namespaced() ? "Namespaced" : "Cluster")
                        .withStatusSubresource(served.statusSubresource()).build());
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored CRD is not JSON", e);
        }
    }

    // ---- authorization ----

    private boolean isDenied(String verb, String group, String resource, String subresource, String namespace,
                             String name) {
        for (AccessRule rule : denied) {
            if (rule.matches(verb, group, resource, namespace)) {
                return true;
            }
        }
        Rbac r = rbac;
        return r != null && !r.allows(userName, USER_GROUPS,
                new Rbac.Attributes(verb, group == null ? "" : group, resource, subresource, namespace, name));
    }

    private String forbiddenMessage(String verb, Target t, String ns) {
        String res = t.group().isEmpty() ? t.plural() : t.plural() + "." + t.group();
        String what = (t.name() != null ? res + " \"" + t.name() + "\"" : res) + " is forbidden: User \"" + userName
                + "\" cannot " + verb + " resource \"" + t.plural() + "\" in API group \"" + t.group() + "\"";
        return ns != null && t.namespace() != null ? what + " in the namespace \"" + ns + "\"" : what + " at the cluster scope";
    }

    private MockResponse accessReview(ObjectNode review) {
        JsonNode attrs = review.path("spec").path("resourceAttributes");
        String verb = attrs.path("verb").asText("");
        String group = attrs.path("group").asText("");
        String resource = attrs.path("resource").asText("");
        String ns = attrs.path("namespace").asText(null);
        if (ns != null && ns.isEmpty()) {
            ns = null;
        }
        boolean deny = isDenied(verb, group, resource, attrs.path("subresource").asText(null), ns,
                attrs.path("name").asText(null));
        review.put("apiVersion", "authorization.k8s.io/v1").put("kind", "SelfSubjectAccessReview");
        review.withObjectProperty("metadata").put("creationTimestamp", (String) null);
        ObjectNode status = review.putObject("status").put("allowed", !deny);
        if (deny) {
            status.put("denied", true).put("reason", "denied by the sandbox's access rules");
        } else {
            status.put("reason", rbac == null ? "the sandbox user may do everything" : "allowed by the sandbox's RBAC");
        }
        return json(201, review);
    }

    // ---- responses ----

    private static final class Rejection extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient MockResponse response;

        Rejection(MockResponse response) {
            super(null, null, false, false);
            this.response = response;
        }
    }

    private static Rejection notFound(String message) {
        return new Rejection(status(404, "NotFound", message, null));
    }

    private static String resourceNotFound(Target t, ApiCatalog.Resource r) {
        String res = r.group().isEmpty() ? r.plural() : r.plural() + "." + r.group();
        return res + " \"" + t.name() + "\" not found";
    }

    private static ObjectNode details(Target t, ApiCatalog.Resource r) {
        ObjectNode d = NODES.objectNode();
        if (t.name() != null) {
            d.put("name", t.name());
        }
        d.put("group", r.group()).put("kind", r.plural());
        return d;
    }

    static MockResponse status(int code, String reason, String message, ObjectNode details) {
        ObjectNode s = NODES.objectNode().put("kind", "Status").put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Failure").put("message", message).put("reason", reason);
        if (details != null) {
            s.set("details", details);
        }
        s.put("code", code);
        return json(code, s);
    }

    private static MockResponse invalid(ApiCatalog.Resource r, String name, List<FieldError> errors) {
        String qualified = r.group().isEmpty() ? r.kind() : r.kind() + "." + r.group();
        List<String> parts = errors.stream().map(FieldError::full).toList();
        String joined = parts.size() == 1 ? parts.get(0) : "[" + String.join(", ", parts) + "]";
        ObjectNode d = NODES.objectNode().put("name", name).put("group", r.group()).put("kind", r.kind());
        ArrayNode causes = d.putArray("causes");
        for (FieldError e : errors) {
            causes.addObject().put("reason", e.reason()).put("message", e.message()).put("field", e.field());
        }
        return status(422, "Invalid", qualified + " \"" + name + "\" is invalid: " + joined, d);
    }

    private static MockResponse json(int code, JsonNode body) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                .setBody(body.toString());
    }

    private static ObjectNode readObject(String text) {
        try {
            JsonNode n = JSON.readTree(text == null ? "" : text);
            if (n instanceof ObjectNode o) {
                return o;
            }
        } catch (JsonProcessingException e) {
            throw new Rejection(status(400, "BadRequest", "the body is not a JSON object: " + e.getOriginalMessage(), null));
        }
        throw new Rejection(status(400, "BadRequest", "the body is not a JSON object", null));
    }

    private static RecordedRequest synthetic(HttpMethod method, String path, JsonNode body) {
        Headers headers = Headers.builder().add("Content-Type", "application/json").build();
        return new RecordedRequest("HTTP/1.1", method, path, headers,
                new Buffer(body.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
