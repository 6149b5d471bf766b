package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The OpenAPI documents of the sandbox's API server, built like a real one builds them from what it serves:
 * {@code /openapi/v2} (one Swagger 2.0 document, JSON or protobuf) and {@code /openapi/v3} (an index, and one
 * OpenAPI 3.0 document per group/version). Built-in kinds have the schemas the real servers publish (Kubernetes
 * v1.30.9 and OpenShift 4.16, bundled under {@code openapi/}, see PROVENANCE.md there); custom resources get the
 * schema of their CRD version, as apiextensions-apiserver pkg/controller/openapi/builder/builder.go makes it
 * (definitions named after the reversed group, {@code metadata} a reference to ObjectMeta, the group-version-kind
 * extension; for v2 pkg/controller/openapi/v2/conversion.go ToStructuralOpenAPIV2), and every resource its paths
 * (the routes of builder.go buildRoute). {@code kubectl explain} reads these; kubectl 1.20 validates objects with
 * the v2 document, newer ones find in the v3 document that the server validates fields itself
 * ({@code fieldValidation} parameter of the PATCH operation, cli-runtime resource/query_param_verifier_v3.go).
 */
final class OpenApiDocs {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    static final String V2_PREFIX = "#/definitions/";
    static final String V3_PREFIX = "#/components/schemas/";
    private static final String RESOURCES = "dev/maas/installer/sandbox/openapi/";
    private static final String OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
    private static final String LIST_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";
    private static final String STATUS = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";
    private static final String PATCH = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
    private static final String DELETE_OPTIONS = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";
    private static final String WATCH_EVENT = "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent";
    private static final String API_VERSION_DOC = "APIVersion defines the versioned schema of this representation "
            + "of an object. Servers should convert recognized schemas to the latest internal value, and may reject "
            + "unrecognized values. More info: "
            + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
    private static final String KIND_DOC = "Kind is a string value representing the REST resource this object "
            + "represents. Servers may infer this from the endpoint the client submits requests to. Cannot be "
            + "updated. In CamelCase. More info: "
            + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
    private static final String METADATA_DOC = "Standard object's metadata. More info: "
            + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
    private static final String LIST_METADATA_DOC = "Standard list metadata. More info: "
            + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";

    /** The bundled definitions of the built-in kinds (v2 form), read once. */
    private static volatile Map<String, JsonNode> builtinDefinitions;

    private final ApiCatalog catalog;
    private volatile Built built;

    /** Everything derived from one state of the catalog. */
    private record Built(long generation, Map<String, JsonNode> definitions, Map<String, String> kindDefinitions,
                         ObjectNode v2, Map<String, ObjectNode> v3) { }

    OpenApiDocs(ApiCatalog catalog) {
        this.catalog = catalog;
    }

    // ---- what other parts of the server use ----

    /** The v2 definition name of a served resource's kind. */
    String definitionName(ApiCatalog.Resource r) {
        return built().kindDefinitions().get(gvk(r.group(), r.version(), r.kind()));
    }

    /** A definition in v2 form ({@code #/definitions/} references), or null. */
    JsonNode definition(String name) {
        return built().definitions().get(name);
    }

    /** The Swagger 2.0 document. */
    ObjectNode v2() {
        return built().v2();
    }

    private volatile byte[] protobuf;
    private volatile Built protobufOf;

    /** The Swagger 2.0 document in protobuf ({@link OpenApiV2Protobuf}). */
    byte[] v2Protobuf() {
        Built b = built();
        byte[] p = protobuf;
        if (p == null || protobufOf != b) {
            synchronized (this) {
                if (protobuf == null || protobufOf != b) {
                    protobuf = OpenApiV2Protobuf.encode(b.v2());
                    protobufOf = b;
                }
                p = protobuf;
            }
        }
        return p;
    }

    /** The v3 index: each group/version and the URL of its document (with the hash of its content). */
    ObjectNode v3Index() {
        ObjectNode root = NODES.objectNode();
        ObjectNode paths = root.putObject("paths");
        for (Map.Entry<String, ObjectNode> e : built().v3().entrySet()) {
            paths.putObject(e.getKey()).put("serverRelativeURL", "/openapi/v3/" + e.getKey() + "?hash="
                    + hash(e.getValue()));
        }
        return root;
    }

    /** The v3 document of one group/version ({@code api/v1}, {@code apis/apps/v1}), or null when not served. */
    ObjectNode v3(String groupVersionPath) {
        return built().v3().get(groupVersionPath);
    }

    /** kube-openapi handler3: the etag of a document is the hex SHA-512 of its JSON. */
    static String hash(JsonNode document) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-512")
                    .digest(document.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().withUpperCase().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- building ----

    private Built built() {
        Built b = built;
        long generation = catalog.generation();
        if (b == null || b.generation() != generation) {
            synchronized (this) {
                b = built;
                if (b == null || b.generation() != generation) {
                    b = build(generation);
                    built = b;
                }
            }
        }
        return b;
    }

    private static Map<String, JsonNode> builtins() {
        Map<String, JsonNode> defs = builtinDefinitions;
        if (defs == null) {
            synchronized (OpenApiDocs.class) {
                defs = builtinDefinitions;
                if (defs == null) {
                    Map<String, JsonNode> m = new LinkedHashMap<>();
                    for (String file : List.of("kubernetes-v1.30.9-definitions.json", "openshift-4.16-definitions.json")) {
                        JsonNode doc = read(RESOURCES + file);
                        doc.path("definitions").fields().forEachRemaining(e -> m.putIfAbsent(e.getKey(), e.getValue()));
                    }
                    defs = java.util.Collections.unmodifiableMap(m);
                    builtinDefinitions = defs;
                }
            }
        }
        return defs;
    }

    private static JsonNode read(String resource) {
        try (InputStream in = OpenApiDocs.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String gvk(String group, String version, String kind) {
        return group + "/" + version + "/" + kind;
    }

    private Built build(long generation) {
        Map<String, JsonNode> definitions = new TreeMap<>(builtins());
        Map<String, String> kindDefinitions = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : definitions.entrySet()) {
            for (JsonNode g : e.getValue().path("x-kubernetes-group-version-kind")) {
                kindDefinitions.putIfAbsent(gvk(g.path("group").asText(), g.path("version").asText(),
                        g.path("kind").asText()), e.getKey());
            }
        }
        List<ApiCatalog.Resource> served = catalog.served();
        // the v3 schemas of custom resources differ from their v2 ones: kept apart, merged per document
        Map<String, JsonNode> v3Own = new TreeMap<>();
        for (ApiCatalog.Resource r : served) {
            String key = gvk(r.group(), r.version(), r.kind());
            if (kindDefinitions.containsKey(key)) {
                continue;
            }
            String name = restFriendlyName(r.group(), r.version(), r.kind());
            String listName = restFriendlyName(r.group(), r.version(), r.kind() + "List");
            JsonNode crd = catalog.crd(r);
            JsonNode schema = null;
            boolean preserveAll = false;
            String listKind = r.kind() + "List";
            if (crd != null) {
                listKind = crd.path("spec").path("names").path("listKind").asText(listKind);
                preserveAll = crd.path("spec").path("preserveUnknownFields").asBoolean(false);
                for (JsonNode v : crd.path("spec").path("versions")) {
                    if (v.path("name").asText().equals(r.version())) {
                        schema = v.path("schema").get("openAPIV3Schema");
                    }
                }
                if (schema == null) {
                    schema = crd.path("spec").path("validation").get("openAPIV3Schema");
                }
                listName = restFriendlyName(r.group(), r.version(), listKind);
            }
            definitions.put(name, kubeNative(schema, r, true, preserveAll));
            v3Own.put(name, kubeNative(schema, r, false, preserveAll));
            definitions.put(listName, listSchema(r, listKind, name, true));
            v3Own.put(listName, listSchema(r, listKind, name, false));
            kindDefinitions.put(key, name);
            kindDefinitions.put(gvk(r.group(), r.version(), listKind), listName);
        }
        // paths
        ObjectNode v2Paths = NODES.objectNode();
        Map<String, ObjectNode> v3Paths = new TreeMap<>();
        for (ApiCatalog.Resource r : served) {
            String def = kindDefinitions.get(gvk(r.group(), r.version(), r.kind()));
            String listDef = kindDefinitions.get(gvk(r.group(), r.version(), listKindOf(r)));
            if (listDef == null) {
                listDef = def;
            }
            String gvPath = r.group().isEmpty() ? "api/" + r.version() : "apis/" + r.group() + "/" + r.version();
            ObjectNode gvPathsV3 = v3Paths.computeIfAbsent(gvPath, k -> NODES.objectNode());
            for (Route route : routes(r, catalog.crd(r) != null, def, listDef)) {
                ObjectNode item = v2Paths.has(route.path()) ? (ObjectNode) v2Paths.get(route.path())
                        : v2Paths.putObject(route.path());
                item.set(route.method(), route.v2());
                ObjectNode itemV3 = gvPathsV3.has(route.path()) ? (ObjectNode) gvPathsV3.get(route.path())
                        : gvPathsV3.putObject(route.path());
                itemV3.set(route.method(), route.v3());
            }
        }
        ObjectNode v2 = NODES.objectNode().put("swagger", "2.0");
        v2.putObject("info").put("title", "Kubernetes").put("version", "v1.29.0");
        v2.set("paths", v2Paths);
        ObjectNode defs = v2.putObject("definitions");
        definitions.forEach(defs::set);
        ObjectNode security = v2.putObject("securityDefinitions").putObject("BearerToken");
        security.put("description", "Bearer Token authentication").put("type", "apiKey").put("name", "authorization")
                .put("in", "header");
        v2.putArray("security").addObject().putArray("BearerToken");

        Map<String, ObjectNode> v3 = new TreeMap<>();
        for (Map.Entry<String, ObjectNode> e : v3Paths.entrySet()) {
            ObjectNode doc = NODES.objectNode().put("openapi", "3.0.0");
            doc.putObject("info").put("title", "Kubernetes").put("version", "v1.29.0");
            doc.set("paths", e.getValue());
            ObjectNode components = doc.putObject("components");
            ObjectNode schemas = components.putObject("schemas");
            Set<String> needed = closure(e.getValue(), definitions, v3Own);
            for (String name : new java.util.TreeSet<>(needed)) {
                JsonNode own = v3Own.get(name);
                schemas.set(name, own != null ? own : toV3(definitions.get(name)));
            }
            components.putObject("securitySchemes").putObject("BearerToken")
                    .put("description", "Bearer Token authentication").put("in", "header").put("name", "authorization")
                    .put("type", "apiKey");
            v3.put(e.getKey(), doc);
        }
        return new Built(generation, java.util.Collections.unmodifiableMap(definitions),
                java.util.Collections.unmodifiableMap(kindDefinitions), v2, v3);
    }

    private String listKindOf(ApiCatalog.Resource r) {
        JsonNode crd = catalog.crd(r);
        return crd == null ? r.kind() + "List" : crd.path("spec").path("names").path("listKind").asText(r.kind() + "List");
    }

    /** The definitions a v3 document needs: those its paths refer to, and theirs. */
    private static Set<String> closure(JsonNode start, Map<String, JsonNode> definitions, Map<String, JsonNode> v3Own) {
        Set<String> seen = new LinkedHashSet<>();
        Deque<JsonNode> todo = new ArrayDeque<>();
        todo.add(start);
        while (!todo.isEmpty()) {
            JsonNode n = todo.removeFirst();
            if (n.isObject()) {
                Iterator<Map.Entry<String, JsonNode>> it = n.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> f = it.next();
                    if (f.getKey().equals("$ref") && f.getValue().isTextual()) {
                        String ref = f.getValue().asText();
                        String name = ref.substring(ref.lastIndexOf('/') + 1);
                        if (seen.add(name)) {
                            JsonNode def = v3Own.containsKey(name) ? v3Own.get(name) : definitions.get(name);
                            if (def != null) {
                                todo.add(def);
                            }
                        }
                    } else {
                        todo.add(f.getValue());
                    }
                }
            } else if (n.isArray()) {
                n.forEach(todo::add);
            }
        }
        seen.removeIf(name -> !definitions.containsKey(name) && !v3Own.containsKey(name));
        return seen;
    }

    /** kube-openapi util.ToRESTFriendlyName of "group/version.Kind": the group reversed, e.g. net.3scale.apps.v1alpha1.APIManager. */
    static String restFriendlyName(String group, String version, String kind) {
        List<String> parts = new ArrayList<>(List.of(group.split("\\.")));
        java.util.Collections.reverse(parts);
        String reversed = String.join(".", parts);
        return (reversed.isEmpty() ? "" : reversed + ".") + version + "." + kind;
    }

    // ---- custom resource schemas (apiextensions-apiserver pkg/controller/openapi/builder/builder.go) ----

    /** buildKubeNative: the CRD schema with TypeMeta, a reference to ObjectMeta and the group-version-kind. */
    private static ObjectNode kubeNative(JsonNode crdSchema, ApiCatalog.Resource r, boolean v2, boolean preserveAll) {
        ObjectNode ret;
        if (crdSchema == null || crdSchema.isMissingNode()
                || (v2 && (crdSchema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false) || preserveAll))) {
            // "only add properties if we have a schema. Otherwise, kubectl would (wrongly) assume
            // additionalProperties=false"
            ret = NODES.objectNode().put("type", "object");
        } else {
            ret = (ObjectNode) unfold(crdSchema.deepCopy());
            if (v2) {
                toStructuralV2(ret);
            }
            ObjectNode props = ret.withObjectProperty("properties");
            props.set("metadata", ref(OBJECT_META, METADATA_DOC, v2));
            props.set("apiVersion", NODES.objectNode().put("description", API_VERSION_DOC).put("type", "string"));
            props.set("kind", NODES.objectNode().put("description", KIND_DOC).put("type", "string"));
            addEmbedded(ret, v2);
        }
        ret.putArray("x-kubernetes-group-version-kind").addObject().put("group", r.group()).put("kind", r.kind())
                .put("version", r.version());
        return ret;
    }

    private static ObjectNode listSchema(ApiCatalog.Resource r, String listKind, String itemDefinition, boolean v2) {
        ObjectNode s = NODES.objectNode().put("description", listKind + " is a list of " + r.kind());
        s.putArray("required").add("items");
        ObjectNode props = s.putObject("properties");
        props.set("apiVersion", NODES.objectNode().put("description", API_VERSION_DOC).put("type", "string"));
        ObjectNode items = props.putObject("items").put("description", "List of " + r.plural()
                + ". More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md")
                .put("type", "array");
        items.putObject("items").put("$ref", (v2 ? V2_PREFIX : V3_PREFIX) + itemDefinition);
        props.set("kind", NODES.objectNode().put("description", KIND_DOC).put("type", "string"));
        props.set("metadata", ref(LIST_META, LIST_METADATA_DOC, v2));
        s.put("type", "object");
        s.putArray("x-kubernetes-group-version-kind").addObject().put("group", r.group()).put("kind", listKind)
                .put("version", r.version());
        return s;
    }

    /** A reference with a description: plain in v2, wrapped in allOf in v3 (as the v3 documents of kubernetes do). */
    private static ObjectNode ref(String definition, String description, boolean v2) {
        ObjectNode n = NODES.objectNode();
        if (v2) {
            n.put("$ref", V2_PREFIX + definition);
        } else {
            n.putArray("allOf").addObject().put("$ref", V3_PREFIX + definition);
        }
        return n.put("description", description);
    }

    /** schema/unfold.go: x-kubernetes-int-or-string becomes anyOf integer, string (when nothing else says so). */
    private static JsonNode unfold(JsonNode s) {
        if (!(s instanceof ObjectNode o)) {
            return s;
        }
        if (o.path("x-kubernetes-int-or-string").asBoolean(false) && !o.has("anyOf") && !o.has("allOf")) {
            ArrayNode any = o.putArray("anyOf");
            any.addObject().put("type", "integer");
            any.addObject().put("type", "string");
        }
        o.path("properties").forEach(OpenApiDocs::unfold);
        unfold(o.path("items"));
        if (o.get("additionalProperties") instanceof ObjectNode a) {
            unfold(a);
        }
        return o;
    }

    /** addEmbeddedProperties: embedded resources get apiVersion, kind and metadata (not in v2 when open). */
    private static void addEmbedded(JsonNode s, boolean v2) {
        if (!(s instanceof ObjectNode o)) {
            return;
        }
        o.path("properties").forEach(p -> addEmbedded(p, v2));
        addEmbedded(o.path("items"), v2);
        if (o.get("additionalProperties") instanceof ObjectNode a) {
            addEmbedded(a, v2);
        }
        if (v2 && o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
            return;
        }
        if (o.path("x-kubernetes-embedded-resource").asBoolean(false)) {
            ObjectNode props = o.withObjectProperty("properties");
            props.set("apiVersion", NODES.objectNode().put("description", "apiVersion defines the versioned schema "
                    + "of this representation of an object. More info: "
                    + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources")
                    .put("type", "string"));
            props.set("kind", NODES.objectNode().put("description", "kind is a string value representing the type "
                    + "of this object. In CamelCase. More info: "
                    + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds")
                    .put("type", "string"));
            props.set("metadata", ref(OBJECT_META, METADATA_DOC, v2));
            Set<String> required = new LinkedHashSet<>();
            o.path("required").forEach(x -> required.add(x.asText()));
            required.add("kind");
            required.add("apiVersion");
            ArrayNode req = o.putArray("required");
            required.forEach(req::add);
        }
    }

    /** openapi/v2/conversion.go ToStructuralOpenAPIV2: what kubectl 1.x cannot read out of a v3 schema is removed. */
    private static void toStructuralV2(JsonNode s) {
        if (!(s instanceof ObjectNode o)) {
            return;
        }
        o.remove(List.of("allOf", "oneOf", "anyOf", "not"));
        boolean nullable = o.path("nullable").asBoolean(false);
        if (nullable) {
            o.remove(List.of("type", "nullable", "items", "properties"));
        }
        o.remove("nullable");
        boolean preserve = o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        if (preserve) {
            o.remove(List.of("items", "properties"));
        }
        if (!o.has("items") && "array".equals(o.path("type").asText())) {
            o.remove("type");
        }
        if (preserve && "object".equals(o.path("type").asText())) {
            o.remove("type");
        }
        JsonNode props = o.get("properties");
        if (props != null && o.get("required") instanceof ArrayNode required) {
            ArrayNode kept = NODES.arrayNode();
            required.forEach(r -> {
                if (!props.path(r.asText()).path("nullable").asBoolean(false)) {
                    kept.add(r);
                }
            });
            if (kept.isEmpty()) {
                o.remove("required");
            } else {
                o.set("required", kept);
            }
        }
        if (o.path("additionalProperties").path("nullable").asBoolean(false)) {
            o.remove("required");
        }
        if (props != null) {
            props.forEach(OpenApiDocs::toStructuralV2);
        }
        toStructuralV2(o.get("items"));
        if (o.get("additionalProperties") instanceof ObjectNode a) {
            toStructuralV2(a);
        }
    }

    /** A v2 definition in v3 form: references under components/schemas, a reference with siblings in allOf. */
    static JsonNode toV3(JsonNode v2) {
        if (v2 == null) {
            return null;
        }
        if (v2.isArray()) {
            ArrayNode out = NODES.arrayNode();
            v2.forEach(e -> out.add(toV3(e)));
            return out;
        }
        if (!v2.isObject()) {
            return v2;
        }
        ObjectNode out = NODES.objectNode();
        JsonNode ref = v2.get("$ref");
        boolean wrap = ref != null && v2.size() > 1;
        v2.fields().forEachRemaining(f -> {
            if (f.getKey().equals("$ref")) {
                String target = f.getValue().asText().replace(V2_PREFIX, V3_PREFIX);
                if (wrap) {
                    out.putArray("allOf").addObject().put("$ref", target);
                } else {
                    out.put("$ref", target);
                }
            } else if (f.getKey().equals("properties") || f.getKey().equals("definitions")) {
                ObjectNode props = out.putObject(f.getKey());
                f.getValue().fields().forEachRemaining(p -> props.set(p.getKey(), toV3(p.getValue())));
            } else if (f.getKey().startsWith("x-") || f.getKey().equals("enum") || f.getKey().equals("default")
                    || f.getKey().equals("example")) {
                out.set(f.getKey(), f.getValue());
            } else {
                out.set(f.getKey(), toV3(f.getValue()));
            }
        });
        return out;
    }

    // ---- paths (builder.go buildRoute; the same routes for built-in kinds) ----

    /** One operation: where, which HTTP method (lower case), and its v2 and v3 forms. */
    private record Route(String path, String method, ObjectNode v2, ObjectNode v3) { }

    private static List<Route> routes(ApiCatalog.Resource r, boolean custom, String def, String listDef) {
        List<Route> out = new ArrayList<>();
        String base = r.group().isEmpty() ? "/api/" + r.version() : "/apis/" + r.group() + "/" + r.version();
        String collection = base + "/" + r.plural();
        boolean get = r.verbs().contains("get");
        if (r.namespaced() && r.verbs().contains("list")) {
            out.add(route(r, custom, collection, "get", "list", "list" + r.kind() + "ForAllNamespaces", listDef, false));
        }
        String root = r.namespaced() ? base + "/namespaces/{namespace}/" + r.plural() : collection;
        String ns = r.namespaced() ? "Namespaced" : "";
        if (r.verbs().contains("list")) {
            out.add(route(r, custom, root, "get", "list", "list" + ns + r.kind(), listDef, r.namespaced()));
        }
        if (r.verbs().contains("create")) {
            out.add(route(r, custom, root, "post", "post", "create" + ns + r.kind(), def, r.namespaced()));
        }
        if (r.verbs().contains("deletecollection")) {
            out.add(route(r, custom, root, "delete", "deletecollection", "deleteCollection" + ns + r.kind(), STATUS,
                    r.namespaced()));
        }
        String item = root + "/{name}";
        if (get) {
            out.add(route(r, custom, item, "get", "get", "read" + ns + r.kind(), def, r.namespaced()));
        }
        if (r.verbs().contains("update")) {
            out.add(route(r, custom, item, "put", "put", "replace" + ns + r.kind(), def, r.namespaced()));
        }
        if (r.verbs().contains("delete")) {
            out.add(route(r, custom, item, "delete", "delete", "delete" + ns + r.kind(), STATUS, r.namespaced()));
        }
        if (r.verbs().contains("patch")) {
            out.add(route(r, custom, item, "patch", "patch", "patch" + ns + r.kind(), def, r.namespaced()));
        }
        if (r.statusSubresource()) {
            String status = item + "/status";
            out.add(route(r, custom, status, "get", "get", "read" + ns + r.kind() + "Status", def, r.namespaced()));
            out.add(route(r, custom, status, "put", "put", "replace" + ns + r.kind() + "Status", def, r.namespaced()));
            out.add(route(r, custom, status, "patch", "patch", "patch" + ns + r.kind() + "Status", def, r.namespaced()));
        }
        return out;
    }

    /** The query parameters of each action (apiserver endpoints.AddObjectParams of the *Options types). */
    private static List<String[]> queryParameters(String action) {
        String[] dryRun = {"dryRun", "string", "When present, indicates that modifications should not be persisted. "
                + "An invalid or unrecognized dryRun directive will result in an error response and no further "
                + "processing of the request. Valid values are: - All: all dry run stages will be processed"};
        String[] fieldManager = {"fieldManager", "string", "fieldManager is a name associated with the actor or "
                + "entity that is making these changes. The value must be less than or 128 characters long, and only "
                + "contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint."};
        String[] fieldValidation = {"fieldValidation", "string", "fieldValidation instructs the server on how to "
                + "handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values "
                + "are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and "
                + "will ignore all but the last duplicate field that the decoder encounters. This is the default "
                + "behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header "
                + "for each unknown field that is dropped from the object, and for each duplicate field that is "
                + "encountered. The request will still succeed if there are no other errors, and will only persist "
                + "the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the "
                + "request with a BadRequest error if any unknown fields would be dropped from the object, or if any "
                + "duplicate fields are present. The error returned from the server will contain all unknown and "
                + "duplicate fields encountered."};
        String[] pretty = {"pretty", "string", "If 'true', then the output is pretty printed. Defaults to 'false' "
                + "unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."};
        List<String[]> list = List.of(
                new String[] {"allowWatchBookmarks", "boolean", "allowWatchBookmarks requests watch events with type "
                        + "\"BOOKMARK\"."},
                new String[] {"continue", "string", "The continue option should be set when retrieving more results "
                        + "from the server."},
                new String[] {"fieldSelector", "string", "A selector to restrict the list of returned objects by "
                        + "their fields. Defaults to everything."},
                new String[] {"labelSelector", "string", "A selector to restrict the list of returned objects by "
                        + "their labels. Defaults to everything."},
                new String[] {"limit", "integer", "limit is a maximum number of responses to return for a list "
                        + "call."},
                new String[] {"resourceVersion", "string", "resourceVersion sets a constraint on what resource "
                        + "versions a request may be served from."},
                new String[] {"resourceVersionMatch", "string", "resourceVersionMatch determines how "
                        + "resourceVersion is applied to list calls."},
                new String[] {"sendInitialEvents", "boolean", "`sendInitialEvents=true` may be set together with "
                        + "`watch=true`."},
                new String[] {"timeoutSeconds", "integer", "Timeout for the list/watch call."},
                new String[] {"watch", "boolean", "Watch for changes to the described resources and return them as a "
                        + "stream of add, update, and remove notifications."});
        List<String[]> delete = List.of(dryRun,
                new String[] {"gracePeriodSeconds", "integer", "The duration in seconds before the object should be "
                        + "deleted."},
                new String[] {"orphanDependents", "boolean", "Deprecated: please use the PropagationPolicy, this "
                        + "field will be deprecated in 1.7."},
                new String[] {"propagationPolicy", "string", "Whether and how garbage collection will be performed."});
        List<String[]> out = new ArrayList<>();
        out.add(pretty);
        switch (action) {
            case "list" -> out.addAll(list);
            case "post", "put" -> out.addAll(List.of(dryRun, fieldManager, fieldValidation));
            case "patch" -> {
                out.addAll(List.of(dryRun, fieldManager, fieldValidation));
                out.add(new String[] {"force", "boolean", "Force is going to \"force\" Apply requests. It means user "
                        + "will re-acquire conflicting fields owned by other people. Force flag must be unset for "
                        + "non-apply patch requests."});
            }
            case "delete" -> out.addAll(delete);
            case "deletecollection" -> {
                out.addAll(list);
                out.addAll(delete);
            }
            default -> { }
        }
        return out;
    }

    private static Route route(ApiCatalog.Resource r, boolean custom, String path, String method, String action,
                               String operation, String responseDef, boolean namespaced) {
        String verb = operation.replaceAll("^(list|create|deleteCollection|read|replace|delete|patch)(.*)$", "$1");
        String rest = operation.substring(verb.length());
        String operationId = verb + groupVersionCamel(r) + rest;
        String tag = (r.group().isEmpty() ? "core" : r.group().replace(".", "_")) + "_" + r.version();
        String description = description(r, action, path.endsWith("/status") ? "status" : "");
        List<String[]> query = queryParameters(action);
        boolean named = path.contains("{name}");

        ObjectNode v2 = NODES.objectNode();
        v2.putArray("consumes").add("*/*");
        v2.put("description", description).put("operationId", operationId);
        ArrayNode v2Params = v2.putArray("parameters");
        ArrayNode produces = v2.putArray("produces").add("application/json").add("application/yaml");
        if (action.equals("list")) {
            produces.add("application/json;stream=watch");
        }
        v2.putArray("schemes").add("https");
        v2.putArray("tags").add(tag);

        ObjectNode v3 = NODES.objectNode().put("description", description).put("operationId", operationId);
        ArrayNode v3Params = v3.putArray("parameters");

        String bodyDef = switch (action) {
            case "post", "put" -> responseDef;
            case "patch" -> PATCH;
            case "delete", "deletecollection" -> DELETE_OPTIONS;
            default -> null;
        };
        if (bodyDef != null) {
            ObjectNode body = v2Params.addObject().put("in", "body").put("name", "body")
                    .put("required", !action.startsWith("delete"));
            body.putObject("schema").put("$ref", V2_PREFIX + bodyDef);
            ObjectNode content = v3.putObject("requestBody").putObject("content");
            // custom resources take no strategic merge patch (builder.go: JSON patch, merge patch, apply)
            List<String> types = !action.equals("patch") ? List.of("*/*") : custom
                    ? List.of("application/apply-patch+yaml", "application/json-patch+json",
                    "application/merge-patch+json")
                    : List.of("application/apply-patch+yaml", "application/json-patch+json",
                    "application/merge-patch+json", "application/strategic-merge-patch+json");
            for (String t : types) {
                content.putObject(t).putObject("schema").put("$ref", V3_PREFIX + bodyDef);
            }
            if (action.equals("patch")) {
                v2.remove("consumes");
                ArrayNode consumes = NODES.arrayNode();
                types.forEach(consumes::add);
                v2.set("consumes", consumes);
            }
        }
        for (String[] q : query) {
            ObjectNode p2 = v2Params.addObject().put("description", q[2]).put("in", "query").put("name", q[0])
                    .put("type", q[1]).put("uniqueItems", true);
            ObjectNode p3 = v3Params.addObject().put("description", q[2]).put("in", "query").put("name", q[0]);
            p3.putObject("schema").put("type", q[1]).put("uniqueItems", true);
        }
        if (named) {
            v2Params.addObject().put("description", "name of the " + r.kind()).put("in", "path").put("name", "name")
                    .put("required", true).put("type", "string").put("uniqueItems", true);
            ObjectNode p3 = v3Params.addObject().put("description", "name of the " + r.kind()).put("in", "path")
                    .put("name", "name").put("required", true);
            p3.putObject("schema").put("type", "string").put("uniqueItems", true);
        }
        if (namespaced) {
            v2Params.addObject().put("description", "object name and auth scope, such as for teams and projects")
                    .put("in", "path").put("name", "namespace").put("required", true).put("type", "string")
                    .put("uniqueItems", true);
            ObjectNode p3 = v3Params.addObject().put("description",
                    "object name and auth scope, such as for teams and projects").put("in", "path")
                    .put("name", "namespace").put("required", true);
            p3.putObject("schema").put("type", "string").put("uniqueItems", true);
        }
        ObjectNode responses2 = v2.putObject("responses");
        ObjectNode responses3 = v3.putObject("responses");
        Map<String, String> codes = new LinkedHashMap<>();
        codes.put("200", "OK");
        switch (action) {
            case "post" -> {
                codes.put("201", "Created");
                codes.put("202", "Accepted");
            }
            case "put", "patch" -> codes.put("201", "Created");
            case "delete" -> codes.put("202", "Accepted");
            default -> { }
        }
        for (Map.Entry<String, String> c : codes.entrySet()) {
            responses2.putObject(c.getKey()).put("description", c.getValue()).putObject("schema")
                    .put("$ref", V2_PREFIX + responseDef);
            ObjectNode resp3 = responses3.putObject(c.getKey());
            ObjectNode content = resp3.putObject("content");
            for (String t : List.of("application/json", "application/yaml")) {
                content.putObject(t).putObject("schema").put("$ref", V3_PREFIX + responseDef);
            }
            resp3.put("description", c.getValue());
        }
        responses2.putObject("401").put("description", "Unauthorized");
        responses3.putObject("401").put("description", "Unauthorized");
        v3.putArray("tags").add(tag);
        for (ObjectNode op : List.of(v2, v3)) {
            op.put("x-kubernetes-action", action);
            op.putObject("x-kubernetes-group-version-kind").put("group", r.group()).put("kind", r.kind())
                    .put("version", r.version());
        }
        return new Route(path, method, v2, v3);
    }

    /** builder.go descriptionFor. */
    private static String description(ApiCatalog.Resource r, String action, String subresource) {
        String sub = subresource.isEmpty() ? "" : " " + subresource + " of";
        String article = switch (action) {
            case "list" -> " objects of kind ";
            case "get", "put", "patch" -> " the specified ";
            case "post", "delete" -> " " + ("AEIOU".indexOf(Character.toUpperCase(r.kind().charAt(0))) >= 0 ? "an" : "a")
                    + " ";
            default -> "";
        };
        return switch (action) {
            case "patch" -> "partially update" + sub + article + r.kind();
            case "deletecollection" -> "delete collection of" + (sub.isEmpty() ? "" : sub + " a") + " " + r.kind();
            case "get" -> "read" + sub + article + r.kind();
            case "put" -> "replace" + sub + article + r.kind();
            case "post" -> "create" + sub + article + r.kind();
            default -> action + sub + article + r.kind();
        };
    }

    /** The group and version as operation ids carry them, e.g. AppsV1, CoreV1, RbacAuthorizationV1. */
    private static String groupVersionCamel(ApiCatalog.Resource r) {
        String group = r.group().isEmpty() ? "core" : r.group().replaceAll("\\.k8s\\.io$", "");
        StringBuilder sb = new StringBuilder();
        for (String part : group.split("[.\\-]")) {
            if (!part.isEmpty()) {
                sb.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        sb.append(Character.toUpperCase(r.version().charAt(0))).append(r.version().substring(1));
        return sb.toString();
    }
}
