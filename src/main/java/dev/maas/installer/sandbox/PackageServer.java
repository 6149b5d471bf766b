package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;

/**
 * OLM's package server (packages.operators.coreos.com/v1 PackageManifests) as the sandbox serves it: read-only,
 * one PackageManifest per catalog and package, so two catalogs offering the same package give two objects with the
 * same name in the same namespace. As the real one (OLM {@code pkg/package-server/storage/reststorage.go} and
 * {@code pkg/package-server/provider/registry.go}):
 * <ul>
 *   <li>LIST returns every catalog's manifests, filtered by the label selector and by a {@code metadata.name}
 *       field selector (any other field is rejected, {@code nameFor}); a namespace other than the global catalog
 *       namespace also lists the global catalog's packages ({@code RegistryProvider.List});</li>
 *   <li>GET by name returns the first match of that unordered list ({@code RegistryProvider.Get}): with several
 *       catalogs offering the package, any one of them (picked at random here, as Go's map order does);</li>
 *   <li>no watch and no writes (the storage implements Getter and Lister only): 405.</li>
 * </ul>
 */
final class PackageServer {
    static final String GROUP = "packages.operators.coreos.com";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final String globalNamespace;
    private final List<ObjectNode> manifests = new CopyOnWriteArrayList<>();

    PackageServer(String globalNamespace) {
        this.globalNamespace = globalNamespace;
    }

    /** Adds (or replaces) the manifest of one catalog's package. */
    void put(ObjectNode manifest) {
        String name = manifest.path("metadata").path("name").asText();
        String catalog = manifest.path("status").path("catalogSource").asText();
        manifests.removeIf(m -> m.path("metadata").path("name").asText().equals(name)
                && m.path("status").path("catalogSource").asText().equals(catalog));
        manifests.add(manifest.deepCopy());
    }

    /** Removes one catalog's manifest of a package; true when there was one. */
    boolean remove(String name, String catalog) {
        return manifests.removeIf(m -> m.path("metadata").path("name").asText().equals(name)
                && m.path("status").path("catalogSource").asText().equals(catalog));
    }

    /** The manifest of a package as one catalog offers it (a copy), or null. */
    ObjectNode get(String name, String catalog) {
        return manifests.stream().filter(m -> m.path("metadata").path("name").asText().equals(name)
                        && m.path("status").path("catalogSource").asText().equals(catalog))
                .findFirst().map(ObjectNode::deepCopy).orElse(null);
    }

    /** Answers a request on packagemanifests; {@code verb} as the authorizer saw it. */
    MockResponse serve(String verb, ApiTarget t) {
        return switch (verb) {
            case "get" -> get(t);
            case "list" -> list(t);
            default -> ApiStatus.status(405, "MethodNotAllowed",
                    "the server does not allow this method on the requested resource", null);
        };
    }

    private MockResponse get(ApiTarget t) {
        List<ObjectNode> matches = new ArrayList<>(visible(t.namespace()).stream()
                .filter(m -> m.path("metadata").path("name").asText().equals(t.name())).toList());
        if (matches.isEmpty()) {
            ObjectNode d = NODES.objectNode().put("name", t.name()).put("group", GROUP).put("kind", "packagemanifests");
            return ApiStatus.status(404, "NotFound", "packagemanifests." + GROUP + " \"" + t.name()
                    + "\" not found", d);
        }
        Collections.shuffle(matches, ThreadLocalRandom.current());
        return json(200, inNamespace(matches.get(0), t.namespace()));
    }

    private MockResponse list(ApiTarget t) {
        String fieldSelector = t.query().getOrDefault("fieldSelector", "");
        String name = null;
        for (String requirement : fieldSelector.isEmpty() ? new String[0] : fieldSelector.split(",")) {
            String[] kv = requirement.split("==?", 2);
            if (kv.length == 2 && kv[0].trim().equals("metadata.name")) {
                name = kv[1].trim();
            } else {
                return ApiStatus.status(500, "InternalError", "field label not supported: "
                        + requirement.split("[=!]", 2)[0].trim(), null);
            }
        }
        Map<String, String> labels = labelSelector(t.query().getOrDefault("labelSelector", ""));
        ObjectNode list = NODES.objectNode().put("kind", "PackageManifestList").put("apiVersion", GROUP + "/v1");
        list.putObject("metadata");
        ArrayNode items = list.putArray("items");
        for (ObjectNode m : visible(t.namespace())) {
            if ((name == null || m.path("metadata").path("name").asText().equals(name)) && hasLabels(m, labels)) {
                items.add(inNamespace(m, t.namespace()));
            }
        }
        return json(200, list);
    }

    /** The manifests a request in {@code namespace} sees: its own and, outside it, the global catalog's. */
    private List<ObjectNode> visible(String namespace) {
        return manifests.stream().filter(m -> {
            String ns = m.path("metadata").path("namespace").asText();
            return namespace == null || ns.equals(namespace) || ns.equals(globalNamespace);
        }).toList();
    }

    /** As the package server: the request's namespace is set on the copy "to stop k8s clients from complaining". */
    private static ObjectNode inNamespace(ObjectNode m, String namespace) {
        ObjectNode copy = m.deepCopy();
        if (namespace != null) {
            copy.withObjectProperty("metadata").put("namespace", namespace);
        }
        // the package server strips the icons (reststorage.go)
        for (JsonNode channel : copy.path("status").path("channels")) {
            if (channel.path("currentCSVDesc") instanceof ObjectNode desc) {
                desc.putArray("icon");
            }
        }
        return copy;
    }

    private static Map<String, String> labelSelector(String selector) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String requirement : selector.isEmpty() ? new String[0] : selector.split(",")) {
            String[] kv = requirement.split("==?", 2);
            out.put(kv[0].trim(), kv.length == 2 ? kv[1].trim() : null);
        }
        return out;
    }

    private static boolean hasLabels(JsonNode m, Map<String, String> labels) {
        JsonNode have = m.path("metadata").path("labels");
        for (Map.Entry<String, String> e : labels.entrySet()) {
            if (!have.has(e.getKey()) || (e.getValue() != null
                    && !Objects.equals(have.path(e.getKey()).asText(), e.getValue()))) {
                return false;
            }
        }
        return true;
    }

    private static MockResponse json(int code, JsonNode body) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                .setBody(body.toString());
    }
}
