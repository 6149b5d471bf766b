package dev.maas.installer.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ArrayNode;
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

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.maas.installer.sandbox.ApiStatus.*;

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
    private final FieldOwnership ownership = new FieldOwnership();
    private final WatchHub watches = new WatchHub();
    private final TableConverter tables;
    private final OpenApiDocs openapi;
    private final FieldValidation fields;
    private final Discovery discovery;
    private final Admission admission;
    private final Object writeLock = new Object();
    private volatile String token;
    /**
     * The token of the cluster's own components (the seed, the simulated operators): like OLM's service account on
     * a real cluster, they are not bound by the user's access rules ({@link Authorization}) and outlive a user's token change.
     */
    private final String systemToken;
    private volatile String serverAddress = "127.0.0.1";
    /**
     * The user's requests (not the system token's), in arrival order, the latest {@value #REQUEST_LOG_SIZE} at most
     * (a sandbox may run for hours); see {@link SandboxCluster#requests()}. Guarded by itself.
     */
    private final java.util.ArrayDeque<ApiRequest> requests = new java.util.ArrayDeque<>();
    static final int REQUEST_LOG_SIZE = 50_000;
    private volatile WriteObserver writeObserver = WriteObserver.NONE;
    /** Where the store is kept on disk (null: in memory only); see {@link ClusterStateFiles}. */
    private volatile ClusterStateFiles stateFiles;
    /** The highest resourceVersion handed out (see {@link #requestResourceVersion()}). */
    private final java.util.concurrent.atomic.AtomicLong lastResourceVersion = new java.util.concurrent.atomic.AtomicLong();
    /** Serves packages.operators.coreos.com (OLM's package server); null: stored like any other kind. */
    private volatile PackageServer packageServer;
    /** The user's access rules and RBAC. */
    private final Authorization authorization;

    ApiServerDispatcher(ApiCatalog catalog, String appsDomain, String userName, String token, String systemToken,
                        boolean strictNamespaces) {
        this.catalog = catalog;
        this.appsDomain = appsDomain;
        this.userName = userName;
        this.token = token;
        this.systemToken = systemToken;
        this.strictNamespaces = strictNamespaces;
        this.authorization = new Authorization(userName, this::storedRbacObjects);
        this.tables = new TableConverter(catalog);
        this.openapi = new OpenApiDocs(catalog);
        this.fields = new FieldValidation(openapi);
        this.discovery = new Discovery(catalog, openapi);
        this.admission = new Admission(openapi, fields, appsDomain);
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
        authorization.rbac(enabled);
    }

    /** The stored objects of an rbac.authorization.k8s.io plural, parsed. */
    private List<JsonNode> storedRbacObjects(String p) {
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
    }

    void packageServer(PackageServer server) {
        this.packageServer = server;
    }

    void token(String newToken) {
        this.token = newToken;
    }

    void deny(AccessRule rule) {
        authorization.deny(rule);
    }

    void allowAll() {
        authorization.allowAll();
    }

    // ---- dispatch ----

    @Override
    public MockResponse dispatch(RecordedRequest received) {
        MockResponse response;
        RecordedRequest request;
        try {
            request = KubeProtobuf.asJson(received);
        } catch (Rejection r) {
            log(received, r.response.code());
            return r.response;
        }
        RequestContext context = RequestContext.of(request);
        RequestContext.CONTEXT.set(context);
        try {
            response = doDispatch(request);
        } catch (Rejection r) {
            response = r.response;
        } finally {
            RequestContext.CONTEXT.remove();
        }
        if (request.method() != HttpMethod.GET) {
            MockResponse unsaved = persistWrites();
            if (unsaved != null) {
                response = unsaved;
            }
        }
        if (response != null) {
            if (response.getBody() != null && response.getBody().size() > 0 && response.header("Content-Type") == null
                    && response.getWebSocketListener() == null) {
                // the stored objects are JSON; clients decode a response by its Content-Type (client-go assumes its
                // own, protobuf for typed clients, when there is none)
                response.setHeader("Content-Type", "application/json");
            }
            for (String warning : context.warnings) {
                // apiserver pkg/endpoints/filters/warning.go: code 299, agent "-", the text quoted
                response.addHeader("Warning", "299 - " + FieldValidation.goQuote(warning));
            }
        }
        log(request, response == null ? 0 : response.code());
        return response;
    }

    private void log(RecordedRequest request, int code) {
        String auth = request.getHeader("Authorization");
        if (auth == null || !auth.equals("Bearer " + systemToken)) {
            ApiRequest logged = new ApiRequest(String.valueOf(request.getMethod()), String.valueOf(request.getPath()),
                    code);
            synchronized (requests) {
                if (requests.size() >= REQUEST_LOG_SIZE) {
                    requests.removeFirst();
                }
                requests.addLast(logged);
            }
        }
    }

    /** A read; answered as a Table when the client asks for one (kubectl get). */
    private MockResponse get(RecordedRequest request, ApiTarget t, ApiCatalog.Resource resource) {
        MockResponse response = super.dispatch(request);
        if (response.code() != 200 || !TableConverter.acceptsTable(request.getHeader("Accept"))) {
            return response;
        }
        ObjectNode table = tables.table(resource, body(response), t.query().get("includeObject"), true);
        return json(200, table);
    }

    // ---- scale ----

    /**
     * The scale subresource: the object's replicas as an autoscaling/v1 Scale ({@link ScaleSubresource}), read and
     * written through it under the store's write lock.
     */
    private MockResponse scale(RecordedRequest request, ApiTarget t, ApiCatalog.Resource resource) {
        JsonNode paths = catalog.scale(resource);
        if (paths == null || t.name() == null) {
            throw notFound("the server could not find the requested resource");
        }
        synchronized (writeLock) {
            JsonNode current = current(t);
            requireExisting(t, resource, current);
            ObjectNode scale = ScaleSubresource.toScale(current, paths);
            if (request.method() == HttpMethod.GET) {
                return json(200, scale);
            }
            JsonNode wanted = ScaleSubresource.requested(request, scale);
            requireResourceVersion(t, resource, current, wanted);
            ObjectNode updated = ScaleSubresource.withReplicas(current, paths,
                    ScaleSubresource.replicas(t.name(), wanted));
            MockResponse response = super.handleUpdate(synthetic(HttpMethod.PUT, t.objectPath(), updated));
            if (response.code() >= 300) {
                return response;
            }
            recordUpdate(response, manager(request, t), current);
            return json(200, ScaleSubresource.toScale(body(response), paths));
        }
    }

    // ---- watch ----

    /**
     * A watch over plain HTTP ({@code GET <collection>?watch=true}): authenticated and authorized like any request
     * (verb {@code watch}), then streamed from the {@link WatchHub} until the client leaves or
     * {@code timeoutSeconds} pass (kubernetes v1.29 apiserver pkg/endpoints/handlers/get.go ListResource,
     * watch.go serveWatch; without timeoutSeconds the server picks 30-60 minutes).
     */
    void watch(RecordedRequest request, WatchHub.Stream stream) {
        ApiTarget t;
        ApiCatalog.Resource resource;
        try {
            String auth = request.getHeader("Authorization");
            boolean system = auth != null && auth.equals("Bearer " + systemToken);
            if (!system && (auth == null || !auth.equals("Bearer " + token))) {
                throw new Rejection(status(401, "Unauthorized", "Unauthorized", null));
            }
            t = ApiTarget.parse(request.getPath());
            if (t.group() == null || t.version() == null || t.plural() == null) {
                throw notFound("the server could not find the requested resource");
            }
            ApiTarget target = t;
            resource = catalog.find(t.group(), t.version(), t.plural())
                    .orElseThrow(() -> notFound("the server could not find the requested resource"));
            if (!resource.verbs().contains("watch")) {
                throw new Rejection(status(405, "MethodNotAllowed",
                        "the server does not allow this method on the requested resource", null));
            }
            String ns = target.namespace() != null ? target.namespace()
                    : (resource.kind().equals("Namespace") ? target.name() : null);
            if (!system && authorization.isDenied("watch", t.group(), t.plural(), null, ns, t.name())) {
                throw new Rejection(status(403, "Forbidden", authorization.forbiddenMessage("watch", t, ns), details(t, resource)));
            }
        } catch (Rejection r) {
            log(request, r.response.code());
            stream.reject(r.response);
            return;
        }
        log(request, 200);
        String fieldSelector = t.query().get("fieldSelector");
        String name = t.name();
        WatchHub.Filter filter = new WatchHub.Filter(t.group(), t.plural(), t.namespace(), name,
                t.query().get("labelSelector"), fieldSelector);
        java.util.function.Function<ObjectNode, JsonNode> transform = o -> o;
        if (TableConverter.acceptsTable(request.getHeader("Accept"))) {
            // apiserver pkg/endpoints/handlers/response.go: only the first event of a watch carries the columns
            java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
            ApiCatalog.Resource r = resource;
            String include = t.query().get("includeObject");
            transform = o -> tables.table(r, o, include, first.getAndSet(false));
        }
        stream.open("application/json");
        Runnable stop = watches.subscribe(filter, t.query().get("resourceVersion"), () -> currentObjects(filter),
                transform, stream);
        stream.onClose(stop);
        long timeout = 1800;
        try {
            timeout = Long.parseLong(t.query().getOrDefault("timeoutSeconds", "1800"));
        } catch (NumberFormatException e) {
            // the default
        }
        stream.endAfter(timeout);
    }

    /**
     * OpenShift's project list: every user may list projects and sees the namespaces it may get, as Projects
     * (openshift/openshift-apiserver pkg/project/apiserver/registry/project/proxy/proxy.go {@code List}, filtered by
     * the project authorization cache; status phase from the namespace).
     */
    private MockResponse projects(boolean system) {
        ArrayNode items = NODES.arrayNode();
        for (ObjectNode n : currentObjects(new WatchHub.Filter("", "namespaces", null, null, null, null))) {
            String name = n.path("metadata").path("name").asText();
            if (!system && authorization.isDenied("get", "", "namespaces", null, name, name)) {
                continue;
            }
            ObjectNode p = items.addObject().put("kind", "Project").put("apiVersion", "project.openshift.io/v1");
            p.set("metadata", n.path("metadata").deepCopy());
            p.putObject("spec").putArray("finalizers").add("kubernetes");
            p.putObject("status").put("phase", n.path("status").path("phase").asText("Active"));
        }
        ObjectNode list = NODES.objectNode().put("kind", "ProjectList").put("apiVersion", "project.openshift.io/v1");
        list.putObject("metadata");
        list.set("items", items);
        return json(200, list);
    }

    /** The stored objects a watch filter matches (read from the store's map only: no lock of the dispatcher). */
    private List<ObjectNode> currentObjects(WatchHub.Filter filter) {
        List<ObjectNode> out = new ArrayList<>();
        List<Map.Entry<io.fabric8.mockwebserver.crud.AttributeSet, String>> entries;
        synchronized (getMap()) {
            entries = new ArrayList<>(getMap().entrySet());
        }
        for (Map.Entry<io.fabric8.mockwebserver.crud.AttributeSet, String> e : entries) {
            String api = attribute(e.getKey(), "api");
            String plural = attribute(e.getKey(), "plural");
            if (!filter.plural().equals(plural) || !filter.group().equals(api == null ? "" : api)) {
                continue;
            }
            try {
                ObjectNode o = (ObjectNode) JSON.readTree(e.getValue());
                if (filter.matches(new WatchHub.Change(0, "ADDED", filter.group(), filter.plural(), o))) {
                    out.add(o);
                }
            } catch (JsonProcessingException ex) {
                throw new IllegalStateException("the stored object is not JSON", ex);
            }
        }
        return out;
    }

    /** Ends the open watches (the server is stopping). */
    void closeWatches() {
        watches.closeAll();
    }

    /**
     * Every change of the store also goes to the watch cache: ADDED, MODIFIED, or DELETED with a new
     * resourceVersion (a real API server gives the deletion its own resourceVersion).
     */
    @Override
    public void processEvent(String path, io.fabric8.mockwebserver.crud.AttributeSet pathAttributes,
                             io.fabric8.mockwebserver.crud.AttributeSet oldAttributes,
                             io.fabric8.kubernetes.api.model.GenericKubernetesResource resource, String newState) {
        String existing = oldAttributes == null ? null : getMap().get(oldAttributes);
        super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
        if (java.util.Objects.equals(existing, newState)) {
            return;
        }
        ClusterStateFiles files = stateFiles;
        if (files != null) {
            files.changed(path, existing, newState, lastResourceVersion.get());
        }
        ApiTarget t = ApiTarget.parse(path);
        if (t.group() == null || t.plural() == null) {
            return;
        }
        try {
            if (newState == null) {
                ObjectNode gone = (ObjectNode) JSON.readTree(existing);
                long rv = requestResourceVersion();
                gone.withObjectProperty("metadata").put("resourceVersion", String.valueOf(rv));
                watches.publish(new WatchHub.Change(rv, "DELETED", t.group(), t.plural(), gone));
            } else {
                ObjectNode now = (ObjectNode) JSON.readTree(newState);
                long rv = now.path("metadata").path("resourceVersion").asLong(0);
                watches.publish(new WatchHub.Change(rv, existing == null ? "ADDED" : "MODIFIED", t.group(),
                        t.plural(), now));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the stored object is not JSON", e);
        }
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
        ApiTarget t = ApiTarget.parse(request.getPath());
        if (request.method() == HttpMethod.GET) {
            MockResponse discovery = this.discovery.discovery(t, request.getHeader("Accept"), serverAddress);
            if (discovery != null) {
                return discovery;
            }
        }
        if (t.group() == null || t.version() == null || t.plural() == null) {
            throw notFound("the server could not find the requested resource");
        }
        ApiCatalog.Resource resource = catalog.find(t.group(), t.version(), t.plural())
                .orElseThrow(() -> notFound("the server could not find the requested resource"));
        String verb = t.verb(request);
        String ns = t.namespace() != null ? t.namespace() : (resource.kind().equals("Namespace") ? t.name() : null);
        if (resource.kind().equals("Project") && "list".equals(verb)) {
            return projects(system);
        }
        if (!system && authorization.isDenied(verb, t.group(), t.plural(), t.subresource(), ns, t.name())) {
            throw new Rejection(status(403, "Forbidden", authorization.forbiddenMessage(verb, t, ns), details(t, resource)));
        }
        if (resource.kind().equals("SelfSubjectAccessReview") && request.method() == HttpMethod.POST) {
            return authorization.accessReview(readObject(request.getUtf8Body()));
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
        if ("scale".equals(t.subresource())) {
            return scale(request, t, resource);
        }
        return switch (request.method()) {
            case POST -> create(t, resource, readObject(request.getUtf8Body()), manager(request, t));
            case PUT -> update(t, resource, readObject(request.getUtf8Body()), manager(request, t));
            case PATCH -> patch(t, resource, request.getHeader("Content-Type"), request.getUtf8Body(),
                    manager(request, t));
            case DELETE -> delete(request, t, resource);
            case GET -> get(request, t, resource);
            default -> super.dispatch(request);
        };
    }

    // ---- writes ----

    /** The field manager of a write: the fieldManager parameter, else derived from the User-Agent. */
    private static String manager(RecordedRequest request, ApiTarget t) {
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

    private MockResponse create(ApiTarget t, ApiCatalog.Resource resource, ObjectNode body, String manager) {
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
            if (!name.isEmpty() && current(new ApiTarget(t.group(), t.version(), t.namespace(), t.plural(), name, null,
                    t.path(), t.query())) != null) {
                String res = resource.group().isEmpty() ? resource.plural() : resource.plural() + "." + resource.group();
                ObjectNode d = NODES.objectNode().put("name", name).put("group", resource.group())
                        .put("kind", resource.plural());
                throw new Rejection(status(409, "AlreadyExists", res + " \"" + name + "\" already exists", d));
            }
            admission.admit(t, resource, body, null);
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
    private MockResponse withServerStatus(ApiTarget t, ApiCatalog.Resource resource, ObjectNode created,
                                          MockResponse response) {
        JsonNode status = created.get("status");
        boolean serverOwned = resource.kind().equals("Route") && resource.group().equals("route.openshift.io");
        if (!serverOwned || status == null || response.code() >= 300) {
            return response;
        }
        ObjectNode stored = (ObjectNode) body(response);
        stored.set("status", status);
        String name = stored.path("metadata").path("name").asText();
        ApiTarget target = new ApiTarget(t.group(), t.version(), t.namespace(), t.plural(), name, "status", t.path(),
                t.query());
        MockResponse updated = super.handleUpdate(synthetic(HttpMethod.PUT, target.objectPath() + "/status", stored));
        return updated.code() < 300 ? updated.setResponseCode(201) : response;
    }

    private static boolean dryRun(ApiTarget t) {
        return "All".equals(t.query().get("dryRun"));
    }

    private MockResponse update(ApiTarget t, ApiCatalog.Resource resource, ObjectNode body, String manager) {
        synchronized (writeLock) {
            JsonNode before = current(t);
            String path = t.objectPath() + (t.subresource() != null ? "/" + t.subresource() : "");
            if ("status".equals(t.subresource())) {
                JsonNode current = current(t);
                if (current == null) {
                    throw notFound(resourceNotFound(t, resource));
                }
                requireResourceVersion(t, resource, current, body);
                ObjectNode merged = ((ObjectNode) current).deepCopy();
                merged.set("status", body.get("status"));
                if (body.path("metadata").hasNonNull("resourceVersion")) {
                    merged.withObjectProperty("metadata").set("resourceVersion", body.path("metadata").get("resourceVersion"));
                }
                admission.admit(t, resource, merged, current);
                body = merged;
            } else {
                if (before == null) {
                    throw notFound(resourceNotFound(t, resource));
                }
                requireResourceVersion(t, resource, before, body);
                admission.admit(t, resource, body, before);
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

    private MockResponse patch(ApiTarget t, ApiCatalog.Resource resource, String contentType, String patchText,
                               String manager) {
        String type = contentType == null ? "application/json-patch+json" : contentType.split(";")[0].trim();
        if (RequestContext.CONTEXT.get() != null) {
            RequestContext.CONTEXT.get().patchBody = patchText;
        }
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
                        if (t.subresource() == null) {
                            admission.requireDeclaredFields(t, resource, applied);
                        }
                        if (current == null) {
                            requireNamespace(t, resource);
                            ObjectNode meta = applied.withObjectProperty("metadata");
                            meta.put("name", t.name());
                            if (t.namespace() != null) {
                                meta.put("namespace", t.namespace());
                            }
                            admission.admit(t, resource, applied, null);
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
            requireResourceVersion(t, resource, current, obj);
            admission.admit(t, resource, obj, current);
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

    private MockResponse delete(RecordedRequest request, ApiTarget t, ApiCatalog.Resource resource) {
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
                authorization.forgetRbacObjects();
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

    /**
     * Optimistic concurrency: a write that names a resourceVersion other than the stored one fails with 409
     * Conflict (apiserver pkg/registry/generic/registry/store.go: OptimisticLockErrorMsg; apimachinery
     * pkg/api/errors/errors.go NewConflict, details naming the resource's plural and group).
     */
    private static void requireResourceVersion(ApiTarget t, ApiCatalog.Resource resource, JsonNode current,
                                               JsonNode written) {
        String wanted = written.path("metadata").path("resourceVersion").asText("");
        if (current == null || wanted.isEmpty()
                || wanted.equals(current.path("metadata").path("resourceVersion").asText(""))) {
            return;
        }
        String res = resource.group().isEmpty() ? resource.plural() : resource.plural() + "." + resource.group();
        String name = current.path("metadata").path("name").asText(t.name());
        ObjectNode d = NODES.objectNode().put("name", name).put("group", resource.group())
                .put("kind", resource.plural());
        throw new Rejection(status(409, "Conflict", "Operation cannot be fulfilled on " + res + " \"" + name
                + "\": the object has been modified; please apply your changes to the latest version and try again",
                d));
    }

    private void requireExisting(ApiTarget t, ApiCatalog.Resource resource, JsonNode current) {
        if (current == null) {
            throw notFound(resourceNotFound(t, resource));
        }
    }

    private void requireNamespace(ApiTarget t, ApiCatalog.Resource resource) {
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

    private JsonNode current(ApiTarget t) {
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

    private void afterWrite(ApiCatalog.Resource resource, MockResponse response) {
        if (resource.group().equals("rbac.authorization.k8s.io")) {
            authorization.forgetRbacObjects();
        }
        if (!resource.kind().equals("CustomResourceDefinition") || !resource.group().equals(CRD_GROUP)
                || response.code() >= 300) {
            return;
        }
        try {
            registerCrd(JSON.readTree(new String(response.getBody().getBytes(), StandardCharsets.UTF_8)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored CRD is not JSON", e);
        }
    }

    /** Serves the kinds of a stored CRD. */
    private void registerCrd(JsonNode crd) {
        for (ApiCatalog.Resource served : catalog.registerCrd(crd)) {
            expectCustomResource(new CustomResourceDefinitionContext.Builder()
                    .withGroup(served.group()).withVersion(served.version()).withPlural(served.plural())
                    .withKind(served.kind()).withScope(served.namespaced() ? "Namespaced" : "Cluster")
                    .withStatusSubresource(served.statusSubresource()).build());
        }
    }

    // ---- the store on disk ----

    /** Every resourceVersion is handed out here; the highest is kept (on disk with the store). */
    @Override
    public long requestResourceVersion() {
        long v = super.requestResourceVersion();
        lastResourceVersion.accumulateAndGet(v, Math::max);
        return v;
    }

    /**
     * Keeps the store in {@code files} from now on: every change is appended there before its write is answered;
     * writes a snapshot (after what is pending when the store is kept there already).
     */
    void persistTo(ClusterStateFiles files) throws java.io.IOException {
        synchronized (writeLock) {
            if (stateFiles == files) {
                files.flush(ownership, lastResourceVersion.get());
            }
            stateFiles = files;
            files.snapshot();
        }
    }

    /** Writes what is pending to the state files and stops keeping the store there (the server is stopping). */
    void stopPersisting() throws java.io.IOException {
        synchronized (writeLock) {
            ClusterStateFiles files = stateFiles;
            if (files == null) {
                return;
            }
            files.flush(ownership, lastResourceVersion.get());
            files.snapshot();
            files.close();
            stateFiles = null;
        }
    }

    /** Stops keeping the store on disk without writing what is pending (a start that failed). */
    void forgetPersistence() {
        synchronized (writeLock) {
            ClusterStateFiles files = stateFiles;
            stateFiles = null;
            if (files != null) {
                try {
                    files.close();
                } catch (java.io.IOException e) {
                    // nothing to keep
                }
            }
        }
    }

    /**
     * Appends the changes of the write just handled to the state files before it is answered; a 500 when they
     * cannot be written (the client must not take the write as kept).
     */
    private MockResponse persistWrites() {
        ClusterStateFiles files = stateFiles;
        if (files == null) {
            return null;
        }
        try {
            synchronized (writeLock) {
                files.flush(ownership, lastResourceVersion.get());
            }
            return null;
        } catch (java.io.IOException | RuntimeException e) {
            return status(500, "InternalError", "the sandbox cannot save its state: " + e.getMessage()
                    + " (free some disk space, or restart the sandbox)", null);
        }
    }

    /**
     * Replaces the store with a saved one (before anything else runs against it): its objects, CRDs served again,
     * field ownership, and the resourceVersion counter; the watch cache starts at that resourceVersion, so a watch
     * from an earlier one is answered 410 Gone and its client lists again.
     */
    void restore(ClusterStateFiles.Saved saved) {
        synchronized (writeLock) {
            for (Map.Entry<io.fabric8.mockwebserver.crud.AttributeSet, String> e : List.copyOf(getMap().entrySet())) {
                if ("CustomResourceDefinition".equals(attribute(e.getKey(), "kind"))) {
                    try {
                        catalog.unregisterCrd(JSON.readTree(e.getValue()).path("metadata").path("name").asText());
                    } catch (JsonProcessingException ex) {
                        throw new IllegalStateException("the stored object is not JSON", ex);
                    }
                }
            }
            getMap().clear();
            ownership.clear();
            for (ClusterStateFiles.StoredObject o : ClusterStateFiles.restoreOrder(saved)) {
                io.fabric8.kubernetes.api.model.GenericKubernetesResource r = io.fabric8.kubernetes.client.utils
                        .Serialization.unmarshal(o.json(), io.fabric8.kubernetes.api.model.GenericKubernetesResource.class);
                io.fabric8.mockwebserver.crud.AttributeSet pathAttributes = getKey(o.path())
                        .add(new io.fabric8.mockwebserver.crud.Attribute("name", r.getMetadata().getName()));
                super.processEvent(o.path(), pathAttributes, null, r, o.json());
                if ("CustomResourceDefinition".equals(r.getKind())
                        && r.getApiVersion().startsWith(CRD_GROUP + "/")) {
                    try {
                        registerCrd(JSON.readTree(o.json()));
                    } catch (JsonProcessingException ex) {
                        throw new IllegalStateException("the stored object is not JSON", ex);
                    }
                }
            }
            saved.ownership.forEach(ownership::load);
            while (lastResourceVersion.get() < saved.resourceVersion) {
                requestResourceVersion();
            }
            watches.restart(lastResourceVersion.get());
        }
    }

    /** The number of stored objects. */
    int objectCount() {
        synchronized (writeLock) {
            return getMap().size();
        }
    }

    private static RecordedRequest synthetic(HttpMethod method, String path, JsonNode body) {
        Headers headers = Headers.builder().add("Content-Type", "application/json").build();
        return new RecordedRequest("HTTP/1.1", method, path, headers,
                new Buffer(body.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
