package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The resources the test cluster serves: a fixed set of built-in kinds (Kubernetes, and optionally OpenShift and
 * OLM's package server) plus every served version of every CRD stored in the cluster. Answers API discovery.
 */
final class ApiCatalog {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<String> ALL_VERBS = List.of("create", "delete", "deletecollection", "get", "list",
            "patch", "update", "watch");

    /** One served resource. {@code schema} is null for built-in kinds (they are not schema-validated). */
    record Resource(String group, String version, String plural, String kind, boolean namespaced,
                    boolean statusSubresource, List<String> verbs, CrdSchema schema, boolean storage) {
        String groupVersion() {
            return group.isEmpty() ? version : group + "/" + version;
        }

        String singular() {
            return kind.toLowerCase(Locale.ROOT);
        }
    }

    private final Map<String, Resource> builtins = new LinkedHashMap<>();
    /** CRD name -> its served versions. */
    private final Map<String, List<Resource>> crds = new ConcurrentHashMap<>();
    /** CRD name -> the stored CRD (names, printer columns, schemas). */
    private final Map<String, JsonNode> crdDocuments = new ConcurrentHashMap<>();
    /** Changes whenever a CRD is registered or removed (documents derived from the catalog are cached by it). */
    private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();

    /** The names discovery publishes for a resource besides its plural. */
    record Names(String singular, List<String> shortNames, List<String> categories) { }

    ApiCatalog(boolean openshift, boolean olm) {
        core("namespaces", "Namespace", false, true);
        core("secrets", "Secret", true, false);
        core("configmaps", "ConfigMap", true, false);
        core("services", "Service", true, true);
        core("serviceaccounts", "ServiceAccount", true, false);
        core("pods", "Pod", true, true);
        core("persistentvolumeclaims", "PersistentVolumeClaim", true, true);
        core("persistentvolumes", "PersistentVolume", false, true);
        core("events", "Event", true, false);
        core("endpoints", "Endpoints", true, false);
        core("nodes", "Node", false, true);
        builtin("apps", "v1", "deployments", "Deployment", true, true);
        builtin("apps", "v1", "statefulsets", "StatefulSet", true, true);
        builtin("apps", "v1", "replicasets", "ReplicaSet", true, true);
        builtin("apps", "v1", "daemonsets", "DaemonSet", true, true);
        builtin("batch", "v1", "jobs", "Job", true, true);
        builtin("batch", "v1", "cronjobs", "CronJob", true, true);
        builtin("rbac.authorization.k8s.io", "v1", "roles", "Role", true, false);
        builtin("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, false);
        builtin("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, false);
        builtin("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, false);
        builtin("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, false);
        builtin("networking.k8s.io", "v1", "ingresses", "Ingress", true, true);
        builtin("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, false);
        builtin("coordination.k8s.io", "v1", "leases", "Lease", true, false);
        builtin("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, true);
        put(new Resource("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false,
                false, List.of("create"), null, true));
        put(new Resource("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", true,
                false, List.of("create"), null, true));
        // KServe (OpenShift AI): not schema-validated, no CRD in the reference material
        builtin("serving.kserve.io", "v1beta1", "inferenceservices", "InferenceService", true, true);
        builtin("serving.kserve.io", "v1alpha1", "servingruntimes", "ServingRuntime", true, false);
        if (openshift) {
            builtin("route.openshift.io", "v1", "routes", "Route", true, true);
            builtin("config.openshift.io", "v1", "ingresses", "Ingress", false, true);
            builtin("config.openshift.io", "v1", "clusterversions", "ClusterVersion", false, true);
            builtin("config.openshift.io", "v1", "infrastructures", "Infrastructure", false, true);
            builtin("project.openshift.io", "v1", "projects", "Project", false, false);
            put(new Resource("user.openshift.io", "v1", "users", "User", false, false, List.of("get", "list"),
                    null, true));
        }
        if (olm) {
            // OLM's package server: read-only, get and list only (pkg/package-server/storage/reststorage.go)
            put(new Resource("packages.operators.coreos.com", "v1", "packagemanifests", "PackageManifest", true,
                    false, List.of("get", "list"), null, true));
        }
    }

    private void core(String plural, String kind, boolean namespaced, boolean status) {
        builtin("", "v1", plural, kind, namespaced, status);
    }

    private void builtin(String group, String version, String plural, String kind, boolean namespaced,
                         boolean status) {
        put(new Resource(group, version, plural, kind, namespaced, status, ALL_VERBS, null, true));
    }

    private void put(Resource r) {
        builtins.put(key(r.group(), r.version(), r.plural()), r);
    }

    /** The built-in resources. */
    List<Resource> builtins() {
        return List.copyOf(builtins.values());
    }

    private static String key(String group, String version, String plural) {
        return (group == null ? "" : group) + "/" + version + "/" + plural;
    }

    Optional<Resource> find(String group, String version, String plural) {
        Resource r = builtins.get(key(group, version, plural));
        if (r != null) {
            return Optional.of(r);
        }
        for (List<Resource> versions : crds.values()) {
            for (Resource c : versions) {
                if (c.group().equals(group == null ? "" : group) && c.version().equals(version)
                        && c.plural().equals(plural)) {
                    return Optional.of(c);
                }
            }
        }
        return Optional.empty();
    }

    /** Registers (or replaces) a stored CRD; returns its served versions. */
    List<Resource> registerCrd(JsonNode crd) {
        String name = crd.path("metadata").path("name").asText();
        JsonNode spec = crd.path("spec");
        String group = spec.path("group").asText();
        String plural = spec.path("names").path("plural").asText();
        String kind = spec.path("names").path("kind").asText();
        boolean namespaced = !"Cluster".equals(spec.path("scope").asText("Namespaced"));
        List<Resource> versions = new ArrayList<>();
        for (JsonNode v : spec.path("versions")) {
            if (!v.path("served").asBoolean(true)) {
                continue;
            }
            JsonNode schema = v.path("schema").path("openAPIV3Schema");
            versions.add(new Resource(group, v.path("name").asText(), plural, kind, namespaced,
                    v.path("subresources").has("status"), ALL_VERBS,
                    CrdSchema.of(schema), v.path("storage").asBoolean(false)));
        }
        crds.put(name, List.copyOf(versions));
        crdDocuments.put(name, crd.deepCopy());
        generation.incrementAndGet();
        return versions;
    }

    void unregisterCrd(String name) {
        crds.remove(name);
        crdDocuments.remove(name);
        generation.incrementAndGet();
    }

    /** Changes whenever the set of served resources changes. */
    long generation() {
        return generation.get();
    }

    /** The stored CRD that serves {@code r}, or null for a built-in resource. */
    JsonNode crd(Resource r) {
        for (JsonNode crd : crdDocuments.values()) {
            JsonNode spec = crd.path("spec");
            if (spec.path("group").asText().equals(r.group())
                    && spec.path("names").path("plural").asText().equals(r.plural())) {
                return crd;
            }
        }
        return null;
    }

    /**
     * The scale subresource of a resource, or null: {@code specReplicasPath}, {@code statusReplicasPath} and
     * {@code labelSelectorPath} (built-in kinds: {@code builtin} true, the selector is {@code spec.selector}). The apps/v1
     * workloads have one (kubernetes v1.29 pkg/registry/apps/deployment/storage/storage.go ScaleREST, likewise
     * statefulset and replicaset); a CRD version has one when it declares {@code subresources.scale}.
     */
    JsonNode scale(Resource r) {
        JsonNode crd = crd(r);
        if (crd != null) {
            for (JsonNode v : crd.path("spec").path("versions")) {
                if (v.path("name").asText().equals(r.version()) && v.path("subresources").has("scale")) {
                    return v.path("subresources").path("scale");
                }
            }
            return null;
        }
        if (r.group().equals("apps") && List.of("deployments", "statefulsets", "replicasets").contains(r.plural())) {
            return NODES.objectNode().put("specReplicasPath", ".spec.replicas")
                    .put("statusReplicasPath", ".status.replicas").put("builtin", true);
        }
        return null;
    }

    /** The singular name, short names and categories of a resource, from its CRD or the built-in tables. */
    Names names(Resource r) {
        JsonNode crd = crd(r);
        if (crd != null) {
            JsonNode names = crd.path("spec").path("names");
            return new Names(names.path("singular").asText(r.singular()), strings(names.path("shortNames")),
                    strings(names.path("categories")));
        }
        BuiltinApis.Names b = BuiltinApis.names(r.group(), r.plural());
        return new Names(r.singular(), b.shortNames(), b.categories());
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Every served resource, built-in first. */
    List<Resource> served() {
        return all();
    }

    private List<Resource> all() {
        List<Resource> out = new ArrayList<>(builtins.values());
        crds.values().forEach(out::addAll);
        return out;
    }

    // ---- discovery documents ----

    ObjectNode coreVersions(String serverAddress) {
        ObjectNode o = NODES.objectNode().put("kind", "APIVersions");
        o.putArray("versions").add("v1");
        o.putArray("serverAddressByClientCIDRs").addObject().put("clientCIDR", "0.0.0.0/0")
                .put("serverAddress", serverAddress);
        return o;
    }

    ObjectNode groupList() {
        ObjectNode o = NODES.objectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
        ArrayNode groups = o.putArray("groups");
        for (String group : groupNames()) {
            groups.add(group(group));
        }
        return o;
    }

    private Set<String> groupNames() {
        Set<String> names = new LinkedHashSet<>();
        for (Resource r : all()) {
            if (!r.group().isEmpty()) {
                names.add(r.group());
            }
        }
        return names;
    }

    /** The APIGroup document, or null when the group is not served. */
    ObjectNode group(String group) {
        List<String> versions = versions(group);
        if (versions.isEmpty()) {
            return null;
        }
        String preferred = versions.get(0);
        ObjectNode o = NODES.objectNode().put("kind", "APIGroup").put("apiVersion", "v1").put("name", group);
        ArrayNode vs = o.putArray("versions");
        for (String v : versions) {
            vs.addObject().put("groupVersion", group + "/" + v).put("version", v);
        }
        o.putObject("preferredVersion").put("groupVersion", group + "/" + preferred).put("version", preferred);
        return o;
    }

    /**
     * The served versions of a group, preferred first: kubernetes v1.29 orders them by
     * {@code version.CompareKubeAwareVersionStrings} (apimachinery pkg/version/helpers.go; the CRD discovery
     * controller in apiextensions-apiserver pkg/apiserver/customresource_discovery_controller.go sorts with it).
     */
    List<String> versions(String group) {
        Set<String> versions = new LinkedHashSet<>();
        for (Resource r : all()) {
            if (r.group().equals(group)) {
                versions.add(r.version());
            }
        }
        List<String> sorted = new ArrayList<>(versions);
        sorted.sort(ApiCatalog::compareKubeAwareVersions);
        return sorted;
    }

    /** Kube-aware version order, highest priority first: GA before beta before alpha, higher numbers first. */
    static int compareKubeAwareVersions(String a, String b) {
        long[] ka = kubeVersion(a);
        long[] kb = kubeVersion(b);
        if (ka == null || kb == null) {
            if (ka != null) {
                return -1;
            }
            if (kb != null) {
                return 1;
            }
            return a.compareTo(b);
        }
        // [major, stability (2 GA, 1 beta, 0 alpha), minor]
        if (ka[1] != kb[1]) {
            return Long.compare(kb[1], ka[1]);
        }
        if (ka[0] != kb[0]) {
            return Long.compare(kb[0], ka[0]);
        }
        return Long.compare(kb[2], ka[2]);
    }

    private static long[] kubeVersion(String v) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^v(\\d+)(?:(alpha|beta)(\\d+))?$").matcher(v);
        if (!m.matches()) {
            return null;
        }
        long stability = m.group(2) == null ? 2 : m.group(2).equals("beta") ? 1 : 0;
        return new long[] {Long.parseLong(m.group(1)), stability, m.group(3) == null ? 0 : Long.parseLong(m.group(3))};
    }

    /** The APIResourceList for one group/version ({@code group} empty for core), or null when not served. */
    ObjectNode resourceList(String group, String version) {
        ObjectNode o = NODES.objectNode().put("kind", "APIResourceList").put("apiVersion", "v1")
                .put("groupVersion", group.isEmpty() ? version : group + "/" + version);
        ArrayNode list = o.putArray("resources");
        boolean any = false;
        for (Resource r : all()) {
            if (r.group().equals(group) && r.version().equals(version)) {
                any = true;
                Names names = names(r);
                ObjectNode e = list.addObject().put("name", r.plural()).put("singularName", names.singular())
                        .put("namespaced", r.namespaced()).put("kind", r.kind());
                ArrayNode verbs = e.putArray("verbs");
                r.verbs().forEach(verbs::add);
                if (!names.shortNames().isEmpty()) {
                    ArrayNode shortNames = e.putArray("shortNames");
                    names.shortNames().forEach(shortNames::add);
                }
                if (!names.categories().isEmpty()) {
                    ArrayNode categories = e.putArray("categories");
                    names.categories().forEach(categories::add);
                }
                if (r.statusSubresource()) {
                    list.addObject().put("name", r.plural() + "/status").put("singularName", "")
                            .put("namespaced", r.namespaced()).put("kind", r.kind())
                            .putArray("verbs").add("get").add("patch").add("update");
                }
                if (scale(r) != null) {
                    list.addObject().put("name", r.plural() + "/scale").put("singularName", "")
                            .put("namespaced", r.namespaced()).put("group", "autoscaling").put("version", "v1")
                            .put("kind", "Scale").putArray("verbs").add("get").add("patch").add("update");
                }
            }
        }
        return any ? o : null;
    }

    /**
     * The aggregated discovery document of the core group ({@code core}, served at /api) or of the named groups
     * (/apis), as kubernetes v1.29 serves it to clients that ask for
     * {@code application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList}
     * (staging/src/k8s.io/apiserver/pkg/endpoints/discovery/aggregated/handler.go, negotiation.go: v2beta1 only;
     * types in k8s.io/api/apidiscovery/v2beta1/types.go).
     */
    ObjectNode aggregatedDiscovery(boolean core) {
        ObjectNode o = NODES.objectNode().put("kind", "APIGroupDiscoveryList")
                .put("apiVersion", "apidiscovery.k8s.io/v2beta1");
        o.putObject("metadata");
        ArrayNode items = o.putArray("items");
        List<String> groups = core ? List.of("") : new ArrayList<>(groupNames());
        for (String group : groups) {
            ObjectNode g = items.addObject();
            ObjectNode meta = g.putObject("metadata");
            if (!group.isEmpty()) {
                meta.put("name", group);
            }
            meta.putNull("creationTimestamp");
            ArrayNode versions = g.putArray("versions");
            for (String version : versions(group)) {
                ObjectNode v = versions.addObject().put("version", version);
                ArrayNode resources = v.putArray("resources");
                for (Resource r : all()) {
                    if (!r.group().equals(group) || !r.version().equals(version)) {
                        continue;
                    }
                    Names names = names(r);
                    ObjectNode e = resources.addObject().put("resource", r.plural());
                    e.putObject("responseKind").put("group", r.group()).put("version", r.version())
                            .put("kind", r.kind());
                    e.put("scope", r.namespaced() ? "Namespaced" : "Cluster")
                            .put("singularResource", names.singular());
                    ArrayNode verbs = e.putArray("verbs");
                    r.verbs().forEach(verbs::add);
                    if (!names.shortNames().isEmpty()) {
                        ArrayNode shortNames = e.putArray("shortNames");
                        names.shortNames().forEach(shortNames::add);
                    }
                    if (!names.categories().isEmpty()) {
                        ArrayNode categories = e.putArray("categories");
                        names.categories().forEach(categories::add);
                    }
                    if (r.statusSubresource()) {
                        ObjectNode sub = e.withArrayProperty("subresources").addObject().put("subresource", "status");
                        sub.putObject("responseKind").put("group", r.group()).put("version", r.version())
                                .put("kind", r.kind());
                        sub.putArray("verbs").add("get").add("patch").add("update");
                    }
                    if (scale(r) != null) {
                        ObjectNode sub = e.withArrayProperty("subresources").addObject().put("subresource", "scale");
                        sub.putObject("responseKind").put("group", "autoscaling").put("version", "v1")
                                .put("kind", "Scale");
                        sub.putArray("verbs").add("get").add("patch").add("update");
                    }
                }
                v.put("freshness", "Current");
            }
        }
        return o;
    }
}
