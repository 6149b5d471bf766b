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
    private final WatchHub watches = new WatchHub();
    private final TableConverter tables;
    private final OpenApiDocs openapi;
    private final FieldValidation fields;
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
    /** Where the store is kept on disk (null: in memory only); see {@link ClusterStateFiles}. */
    private volatile ClusterStateFiles stateFiles;
    /** The highest resourceVersion handed out (see {@link #requestResourceVersion()}). */
    private final java.util.concurrent.atomic.AtomicLong lastResourceVersion = new java.util.concurrent.atomic.AtomicLong();
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
        this.tables = new TableConverter(catalog);
        this.openapi = new OpenApiDocs(catalog);
        this.fields = new FieldValidation(openapi);
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
    public MockResponse dispatch(RecordedRequest received) {
        MockResponse response;
        RecordedRequest request;
        try {
            request = asJson(received);
        } catch (Rejection r) {
            log(received, r.response.code());
            return r.response;
        }
        RequestContext context = RequestContext.of(request);
        CONTEXT.set(context);
        try {
            response = doDispatch(request);
        } catch (Rejection r) {
            response = r.response;
        } finally {
            CONTEXT.remove();
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

    /**
     * A request whose body is protobuf (kubectl's typed clients) as the same request in JSON: the rest of the server
     * reads JSON. A body that cannot be read is refused as the API server refuses it: 400.
     */
    private static RecordedRequest asJson(RecordedRequest request) {
        if (!KubeProtobuf.isProtobuf(request.getHeader("Content-Type")) || request.getBody() == null) {
            return request;
        }
        ObjectNode json;
        try {
            json = KubeProtobuf.decode(request.getBody().readByteArray());
        } catch (IllegalArgumentException e) {
            throw new Rejection(status(400, "BadRequest", e.getMessage(), null));
        }
        Headers.Builder headers = Headers.builder();
        request.getHeaders().toMultimap().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("Content-Type") && !name.equalsIgnoreCase("Content-Length")) {
                values.forEach(v -> headers.add(name, v));
            }
        });
        headers.add("Content-Type", "application/json");
        return new RecordedRequest(request.getHttpVersion(), request.method(), request.getPath(), headers.build(),
                new Buffer(json.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** What the request being handled asked for, and the warnings its response carries. */
    private static final class RequestContext {
        final String fieldValidation;
        final String patchType;
        /** The patch (set when it is read: reading a request's body consumes it). */
        String patchBody;
        final List<String> warnings = new ArrayList<>();

        private RequestContext(String fieldValidation, String patchType) {
            this.fieldValidation = fieldValidation;
            this.patchType = patchType;
        }

        static RequestContext of(RecordedRequest request) {
            String path = String.valueOf(request.getPath());
            Target t = parse(path);
            // apiserver pkg/endpoints/handlers/rest.go fieldValidation: Warn unless the request says otherwise
            String directive = t.query().getOrDefault("fieldValidation", "");
            if (directive.isEmpty()) {
                directive = "Warn";
            }
            String type = null;
            if (request.method() == HttpMethod.PATCH) {
                String ct = request.getHeader("Content-Type");
                type = ct == null ? "application/json-patch+json" : ct.split(";")[0].trim();
            }
            return new RequestContext(directive, type);
        }
    }

    private static final ThreadLocal<RequestContext> CONTEXT = new ThreadLocal<>();

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
    private MockResponse get(RecordedRequest request, Target t, ApiCatalog.Resource resource) {
        MockResponse response = super.dispatch(request);
        if (response.code() != 200 || !TableConverter.acceptsTable(request.getHeader("Accept"))) {
            return response;
        }
        ObjectNode table = tables.table(resource, body(response), t.query().get("includeObject"), true);
        return json(200, table);
    }

    // ---- scale ----

    /**
     * The scale subresource: the object's replicas as an autoscaling/v1 Scale, read and written through it
     * (kubernetes v1.29 pkg/registry/apps/deployment/storage/storage.go ScaleREST; apiextensions-apiserver
     * pkg/registry/customresource/etcd.go ScaleREST with the CRD's replica and selector paths).
     */
    private MockResponse scale(RecordedRequest request, Target t, ApiCatalog.Resource resource) {
        JsonNode paths = catalog.scale(resource);
        if (paths == null || t.name() == null) {
            throw notFound("the server could not find the requested resource");
        }
        synchronized (writeLock) {
            JsonNode current = current(t);
            requireExisting(t, resource, current);
            ObjectNode scale = toScale(current, paths);
            if (request.method() == HttpMethod.GET) {
                return json(200, scale);
            }
            JsonNode wanted;
            try {
                String text = request.getUtf8Body();
                String type = request.getHeader("Content-Type") == null ? "application/json"
                        : request.getHeader("Content-Type").split(";")[0].trim();
                wanted = switch (request.method()) {
                    case PUT -> JSON.readTree(text);
                    case PATCH -> switch (type) {
                        case "application/merge-patch+json" -> ObjectMerge.mergePatch(scale, JSON.readTree(text));
                        case "application/strategic-merge-patch+json" ->
                                ObjectMerge.strategicMerge(scale, JSON.readTree(text));
                        case "application/json-patch+json" -> JsonPatch.apply(JSON.readTree(text), scale);
                        default -> throw new Rejection(status(415, "UnsupportedMediaType",
                                "the body of the request was in an unknown format - accepted media types include: "
                                        + "application/json-patch+json, application/merge-patch+json, "
                                        + "application/strategic-merge-patch+json", null));
                    };
                    default -> throw new Rejection(status(405, "MethodNotAllowed",
                            "the server does not allow this method on the requested resource", null));
                };
            } catch (JsonProcessingException | RuntimeException e) {
                if (e instanceof Rejection r) {
                    throw r;
                }
                throw new Rejection(status(400, "BadRequest", "the scale could not be read: " + e.getMessage(), null));
            }
            requireResourceVersion(t, resource, current, wanted);
            JsonNode replicas = wanted.path("spec").path("replicas");
            if (!replicas.isIntegralNumber() || replicas.asLong() < 0) {
                ObjectNode d = NODES.objectNode().put("name", t.name()).put("group", "autoscaling").put("kind", "Scale");
                d.putArray("causes").addObject().put("reason", "FieldValueInvalid")
                        .put("message", "Invalid value: " + replicas + ": must be greater than or equal to 0")
                        .put("field", "spec.replicas");
                throw new Rejection(status(422, "Invalid", "Scale.autoscaling \"" + t.name() + "\" is invalid: "
                        + "spec.replicas: Invalid value: " + replicas + ": must be greater than or equal to 0", d));
            }
            ObjectNode updated = ((ObjectNode) current).deepCopy();
            ObjectNode parent = updated;
            String[] path = paths.path("specReplicasPath").asText(".spec.replicas").replaceFirst("^\\.", "").split("\\.");
            for (int i = 0; i < path.length - 1; i++) {
                parent = parent.withObjectProperty(path[i]);
            }
            parent.put(path[path.length - 1], replicas.asLong());
            MockResponse response = super.handleUpdate(synthetic(HttpMethod.PUT, t.objectPath(), updated));
            if (response.code() >= 300) {
                return response;
            }
            recordUpdate(response, manager(request, t), current);
            return json(200, toScale(body(response), paths));
        }
    }

    private static ObjectNode toScale(JsonNode object, JsonNode paths) {
        ObjectNode scale = NODES.objectNode().put("kind", "Scale").put("apiVersion", "autoscaling/v1");
        ObjectNode meta = scale.putObject("metadata");
        for (String f : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
            if (object.path("metadata").has(f)) {
                meta.set(f, object.path("metadata").get(f));
            }
        }
        List<JsonNode> spec = KubeJsonPath.parse(paths.path("specReplicasPath").asText(".spec.replicas"))
                .evaluate(object);
        List<JsonNode> status = KubeJsonPath.parse(paths.path("statusReplicasPath").asText(".status.replicas"))
                .evaluate(object);
        // pkg/apis/apps/v1/defaults.go: spec.replicas defaults to 1 for the built-in workloads
        boolean builtin = paths.path("builtin").asBoolean(false);
        long specReplicas = spec.isEmpty() ? (builtin ? 1 : 0) : spec.get(0).asLong();
        scale.putObject("spec").put("replicas", specReplicas);
        ObjectNode st = scale.putObject("status").put("replicas", status.isEmpty() ? 0 : status.get(0).asLong());
        String selectorPath = paths.path("labelSelectorPath").asText("");
        String selector = builtin ? TableConverter.selector(object.path("spec").get("selector"))
                : selectorPath.isEmpty() ? "" : KubeJsonPath.parse(selectorPath).evaluate(object).stream().findFirst()
                .map(JsonNode::asText).orElse("");
        if (!selector.isEmpty()) {
            st.put("selector", selector);
        }
        return scale;
    }

    // ---- watch ----

    /**
     * A watch over plain HTTP ({@code GET <collection>?watch=true}): authenticated and authorized like any request
     * (verb {@code watch}), then streamed from the {@link WatchHub} until the client leaves or
     * {@code timeoutSeconds} pass (kubernetes v1.29 apiserver pkg/endpoints/handlers/get.go ListResource,
     * watch.go serveWatch; without timeoutSeconds the server picks 30-60 minutes).
     */
    void watch(RecordedRequest request, WatchHub.Stream stream) {
        Target t;
        ApiCatalog.Resource resource;
        try {
            String auth = request.getHeader("Authorization");
            boolean system = auth != null && auth.equals("Bearer " + systemToken);
            if (!system && (auth == null || !auth.equals("Bearer " + token))) {
                throw new Rejection(status(401, "Unauthorized", "Unauthorized", null));
            }
            t = parse(request.getPath());
            if (t.group() == null || t.version() == null || t.plural() == null) {
                throw notFound("the server could not find the requested resource");
            }
            Target target = t;
            resource = catalog.find(t.group(), t.version(), t.plural())
                    .orElseThrow(() -> notFound("the server could not find the requested resource"));
            if (!resource.verbs().contains("watch")) {
                throw new Rejection(status(405, "MethodNotAllowed",
                        "the server does not allow this method on the requested resource", null));
            }
            String ns = target.namespace() != null ? target.namespace()
                    : (resource.kind().equals("Namespace") ? target.name() : null);
            if (!system && isDenied("watch", t.group(), t.plural(), null, ns, t.name())) {
                throw new Rejection(status(403, "Forbidden", forbiddenMessage("watch", t, ns), details(t, resource)));
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
        Target t = parse(path);
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
        Target t = parse(request.getPath());
        if (request.method() == HttpMethod.GET) {
            MockResponse discovery = discovery(t, request.getHeader("Accept"));
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

    private MockResponse discovery(Target t, String accept) {
        String path = t.path().replaceAll("/+$", "");
        if (path.isEmpty() || path.equals("/")) {
            ObjectNode root = NODES.objectNode();
            ArrayNode paths = root.putArray("paths").add("/api").add("/api/v1").add("/apis").add("/version");
            return json(200, root);
        }
        if (path.equals("/openapi/v2") || path.equals("/openapi/v3") || path.startsWith("/openapi/v3/")) {
            return openapi(path, t.query(), accept);
        }
        if (path.equals("/version")) {
            return json(200, NODES.objectNode().put("major", "1").put("minor", "29").put("gitVersion", "v1.29.0")
                    .put("platform", "linux/amd64").put("buildDate", "2024-01-01T00:00:00Z")
                    .put("gitCommit", "sandbox").put("gitTreeState", "clean").put("goVersion", "go1.21")
                    .put("compiler", "gc"));
        }
        if ((path.equals("/api") || path.equals("/apis")) && acceptsAggregatedDiscovery(accept)) {
            return json(200, catalog.aggregatedDiscovery(path.equals("/api")))
                    .setHeader("Content-Type", AGGREGATED_DISCOVERY);
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

    static final String OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    /**
     * The OpenAPI documents, negotiated like kube-openapi pkg/handler/handler.go (v2: JSON, or protobuf for either
     * protobuf media type; 406 otherwise) and pkg/handler3/handler.go (v3: an index of group/versions, each
     * document at a URL carrying the hash of its content; an old hash redirects to the current one).
     */
    private MockResponse openapi(String path, Map<String, String> query, String accept) {
        String chosen = null;
        for (String range : (accept == null || accept.isBlank() ? "*/*" : accept).split(",")) {
            String type = range.split(";")[0].trim();
            if (type.equals("application/json") || type.equals("*/*") || type.equals("application/*")) {
                chosen = "json";
            } else if (type.equals("application/com.github.proto-openapi.spec.v2@v1.0+protobuf")
                    || type.equals(OPENAPI_V2_PROTOBUF)) {
                chosen = path.equals("/openapi/v2") ? "protobuf" : null;
            }
            if (chosen != null) {
                break;
            }
        }
        if (chosen == null) {
            return new MockResponse().setResponseCode(406);
        }
        if (path.equals("/openapi/v2")) {
            if (chosen.equals("protobuf")) {
                return new MockResponse().setResponseCode(200).setHeader("Content-Type", OPENAPI_V2_PROTOBUF)
                        .setBody(openapi.v2Protobuf());
            }
            return json(200, openapi.v2());
        }
        if (path.equals("/openapi/v3")) {
            return json(200, openapi.v3Index());
        }
        String groupVersion = path.substring("/openapi/v3/".length());
        ObjectNode doc = openapi.v3(groupVersion);
        if (doc == null) {
            throw notFound("the server could not find the requested resource");
        }
        String etag = OpenApiDocs.hash(doc);
        String hash = query.get("hash");
        if (hash != null && !hash.isEmpty() && !hash.equals(etag)) {
            return new MockResponse().setResponseCode(301)
                    .setHeader("Location", "/openapi/v3/" + groupVersion + "?hash=" + etag);
        }
        return json(200, doc).setHeader("Etag", "\"" + etag + "\"");
    }

    /** The media type of aggregated discovery as kubernetes v1.29 serves it (v2beta1; v2 came with v1.30). */
    static final String AGGREGATED_DISCOVERY = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

    /** Whether an Accept header asks for aggregated discovery v2beta1 (client-go sends v2, v2beta1, then plain JSON). */
    static boolean acceptsAggregatedDiscovery(String accept) {
        if (accept == null) {
            return false;
        }
        for (String range : accept.split(",")) {
            Map<String, String> params = mediaTypeParameters(range);
            if (range.trim().startsWith("application/json") && "apidiscovery.k8s.io".equals(params.get("g"))
                    && "v2beta1".equals(params.get("v")) && "APIGroupDiscoveryList".equals(params.get("as"))) {
                return true;
            }
        }
        return false;
    }

    /** The parameters of one media range, e.g. {@code application/json;as=Table;v=v1} -> {as=Table, v=v1}. */
    static Map<String, String> mediaTypeParameters(String range) {
        Map<String, String> out = new java.util.HashMap<>();
        String[] parts = range.split(";");
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq > 0) {
                out.put(parts[i].substring(0, eq).trim(), parts[i].substring(eq + 1).trim());
            }
        }
        return out;
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
                requireResourceVersion(t, resource, current, body);
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
                requireResourceVersion(t, resource, before, body);
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
        if (CONTEXT.get() != null) {
            CONTEXT.get().patchBody = patchText;
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
                            requireDeclaredFields(t, resource, applied);
                        }
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
            requireResourceVersion(t, resource, current, obj);
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

    /**
     * The apply conflict (apimachinery pkg/util/managedfields/internal/conflict.go NewConflictError,
     * getConflictMessage: one conflict on one line, several grouped by manager, managers sorted).
     */
    private static MockResponse conflict(List<FieldOwnership.Conflict> conflicts) {
        ObjectNode d = NODES.objectNode();
        ArrayNode causes = d.putArray("causes");
        for (FieldOwnership.Conflict c : conflicts) {
            causes.addObject().put("reason", "FieldManagerConflict")
                    .put("message", "conflict with " + c.describeManager()).put("field", c.fieldPath());
        }
        String message;
        if (conflicts.size() == 1) {
            message = "Apply failed with 1 conflict: conflict with " + conflicts.get(0).describeManager() + ": "
                    + conflicts.get(0).fieldPath();
        } else {
            java.util.TreeMap<String, List<FieldOwnership.Conflict>> byManager = new java.util.TreeMap<>();
            conflicts.forEach(c -> byManager.computeIfAbsent(c.manager(), k -> new ArrayList<>()).add(c));
            List<String> lines = new ArrayList<>();
            byManager.values().forEach(cs -> {
                lines.add("conflicts with " + cs.get(0).describeManager() + ":");
                cs.forEach(c -> lines.add("- " + c.fieldPath()));
            });
            message = "Apply failed with " + conflicts.size() + " conflicts: " + String.join("\n", lines);
        }
        return status(409, "Conflict", message, d);
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

    /**
     * Optimistic concurrency: a write that names a resourceVersion other than the stored one fails with 409
     * Conflict (apiserver pkg/registry/generic/registry/store.go: OptimisticLockErrorMsg; apimachinery
     * pkg/api/errors/errors.go NewConflict, details naming the resource's plural and group).
     */
    private static void requireResourceVersion(Target t, ApiCatalog.Resource resource, JsonNode current,
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
        RequestContext ctx = CONTEXT.get();
        String patched = ctx != null && ctx.patchType != null && !ctx.patchType.equals(APPLY_PATCH)
                ? obj.toString() : null;
        List<String> unknown = dropUnknownFields(resource, obj);
        if (!unknown.isEmpty()) {
            reportUnknownFields(resource, obj, unknown, patched);
        }
        List<FieldError> metaErrors = ObjectMetaRules.validate(resource.kind(), resource.group(), obj);
        if (!metaErrors.isEmpty()) {
            throw new Rejection(invalid(resource, obj.path("metadata").path("name").asText(t.name()), metaErrors));
        }
        switch ("status".equals(t.subresource()) ? "" : resource.kind()) {
            case "Secret" -> {
                secretStringData(obj);
                // pkg/apis/core/v1/defaults.go SetDefaults_Secret
                if (!obj.hasNonNull("type") || obj.get("type").asText().isEmpty()) {
                    obj.put("type", "Opaque");
                }
            }
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

    private static final String APPLY_PATCH = "application/apply-patch+yaml";
    private static final String OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

    /**
     * Removes the fields the kind does not declare (decoding into a built-in type drops them; a CRD's structural
     * schema prunes them) and returns their paths, sorted.
     */
    private List<String> dropUnknownFields(ApiCatalog.Resource resource, ObjectNode obj) {
        List<String> unknown = new ArrayList<>();
        if (resource.schema() != null) {
            unknown.addAll(resource.schema().pruneReporting(obj));
            JsonNode meta = obj.get("metadata");
            if (meta instanceof ObjectNode m && openapi.definition(OBJECT_META) != null) {
                fields.dropUnknown(OBJECT_META, m).forEach(f -> unknown.add("metadata." + f));
            }
        } else {
            String def = openapi.definitionName(resource);
            if (def != null && !def.equals(OpenApiDocs.restFriendlyName(resource.group(), resource.version(),
                    resource.kind()))) {
                unknown.addAll(fields.dropUnknown(def, obj));
            }
        }
        java.util.Collections.sort(unknown);
        return unknown;
    }

    /**
     * fieldValidation: Strict fails the request (create and update: 400, kubernetes v1.29 apiserver
     * pkg/endpoints/handlers/rest.go transformDecodeError; patch: 422 naming the patch, handlers/patch.go), Warn
     * (the default) answers with a Warning header per field, Ignore says nothing.
     */
    private void reportUnknownFields(ApiCatalog.Resource resource, ObjectNode obj, List<String> unknown,
                                     String patched) {
        RequestContext ctx = CONTEXT.get();
        String directive = ctx == null ? "Warn" : ctx.fieldValidation;
        List<String> errors = unknown.stream().map(f -> "unknown field " + FieldValidation.goQuote(f)).toList();
        if (directive.equals("Strict")) {
            String strict = "strict decoding error: " + String.join(", ", errors);
            if (ctx != null && ctx.patchType != null) {
                String value;
                if (ctx.patchType.equals("application/strategic-merge-patch+json")) {
                    JsonNode patch;
                    try {
                        patch = JSON.readTree(ctx.patchBody);
                    } catch (JsonProcessingException e) {
                        patch = NODES.textNode(ctx.patchBody);
                    }
                    value = KubeJsonPath.text(patch); // fmt.Sprintf("%+v", patchMap)
                } else {
                    value = patched == null ? obj.toString() : patched; // string(patchedObjJS)
                }
                String detail = "Invalid value: " + FieldValidation.goQuote(value) + ": " + strict;
                ObjectNode d = NODES.objectNode();
                d.putArray("causes").addObject().put("reason", "FieldValueInvalid").put("message", detail)
                        .put("field", "patch");
                throw new Rejection(status(422, "Invalid", " \"\" is invalid: patch: " + detail, d));
            }
            String version = obj.path("apiVersion").asText();
            version = version.contains("/") ? version.substring(version.indexOf('/') + 1) : version;
            throw new Rejection(status(400, "BadRequest", obj.path("kind").asText() + " in version \"" + version
                    + "\" cannot be handled as a " + resource.kind() + ": " + strict, null));
        }
        if (directive.equals("Warn") && ctx != null) {
            ctx.warnings.addAll(errors);
        }
    }

    /**
     * Server-side apply types the applied object against the kind's schema and refuses undeclared fields whatever
     * the field validation (apimachinery pkg/util/managedfields/internal/structuredmerge.go: "failed to create typed
     * patch object (%v): %v"; the error is not an API status, so the server answers 500 without a reason).
     */
    private void requireDeclaredFields(Target t, ApiCatalog.Resource resource, ObjectNode applied) {
        List<String> undeclared = new ArrayList<>();
        if (resource.schema() != null) {
            for (String f : resource.schema().pruneReporting(applied.deepCopy())) {
                undeclared.add("." + f);
            }
            if (applied.get("metadata") != null && openapi.definition(OBJECT_META) != null) {
                fields.undeclared(OBJECT_META, applied.get("metadata")).forEach(f -> undeclared.add(".metadata" + f));
            }
        } else {
            String def = openapi.definitionName(resource);
            if (def != null && !def.equals(OpenApiDocs.restFriendlyName(resource.group(), resource.version(),
                    resource.kind()))) {
                undeclared.addAll(fields.undeclared(def, applied));
            }
        }
        if (undeclared.isEmpty()) {
            return;
        }
        List<String> messages = undeclared.stream().map(f -> f + ": field not declared in schema").toList();
        String errors = messages.size() == 1 ? messages.get(0) : "errors:\n  " + String.join("\n  ", messages);
        String gvk = (resource.group().isEmpty() ? "" : resource.group()) + "/" + resource.version() + ", Kind="
                + resource.kind();
        String ns = t.namespace() == null ? "" : t.namespace();
        throw new Rejection(status(500, "", "failed to create typed patch object (" + ns + "/" + t.name() + "; "
                + gvk + "): " + errors, null));
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
        // openshift library-go pkg/route/defaulting/defaults.go (SetObjectDefaults_Route)
        if (!spec.hasNonNull("wildcardPolicy") || spec.get("wildcardPolicy").asText().isEmpty()) {
            spec.put("wildcardPolicy", "None");
        }
        List<JsonNode> targets = new ArrayList<>();
        if (spec.get("to") instanceof ObjectNode) {
            targets.add(spec.get("to"));
        }
        spec.path("alternateBackends").forEach(targets::add);
        for (JsonNode target : targets) {
            if (target instanceof ObjectNode to) {
                if (!to.hasNonNull("kind") || to.get("kind").asText().isEmpty()) {
                    to.put("kind", "Service");
                }
                if (!to.hasNonNull("weight")) {
                    to.put("weight", 100);
                }
            }
        }
        if (spec.get("tls") instanceof ObjectNode tls && (!tls.hasNonNull("termination")
                || tls.get("termination").asText().isEmpty()) && !tls.hasNonNull("destinationCACertificate")) {
            tls.put("termination", "edge");
        }
        String name = route.path("metadata").path("name").asText(t.name());
        String ns = route.path("metadata").path("namespace").asText(t.namespace());
        if (!spec.hasNonNull("host") || spec.get("host").asText().isEmpty()) {
            spec.put("host", name + "-" + ns + "." + appsDomain);
        }
        ObjectNode status = NODES.objectNode();
        ObjectNode ingress = status.putArray("ingress").addObject();
        ingress.put("host", spec.get("host").asText()).put("routerName", "default")
                .put("routerCanonicalHostname", "router-default." + appsDomain)
                .put("wildcardPolicy", spec.path("wildcardPolicy").asText("None"));
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
        s.put("status", "Failure").put("message", message);
        if (reason != null && !reason.isEmpty()) {
            s.put("reason", reason);
        }
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
