package dev.maas.installer.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatch;

import java.util.List;

import static dev.maas.installer.sandbox.ApiStatus.Rejection;
import static dev.maas.installer.sandbox.ApiStatus.status;

/**
 * The {@code autoscaling/v1} Scale of an object whose kind has the scale subresource, and a write through it: the
 * Scale a PUT or PATCH asks for, its validated replicas, and the object with those replicas (kubernetes v1.29
 * pkg/registry/apps/deployment/storage/storage.go ScaleREST; apiextensions-apiserver
 * pkg/registry/customresource/etcd.go ScaleREST with the CRD's replica and selector paths). The API server
 * ({@link ApiServerDispatcher}) reads and stores the object.
 */
final class ScaleSubresource {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ScaleSubresource() {
    }

    /** The Scale of {@code object}, read at the kind's replica and selector paths ({@code paths}). */
    static ObjectNode toScale(JsonNode object, JsonNode paths) {
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
        String selector = builtin ? PrinterCells.selector(object.path("spec").get("selector"))
                : selectorPath.isEmpty() ? "" : KubeJsonPath.parse(selectorPath).evaluate(object).stream().findFirst()
                .map(JsonNode::asText).orElse("");
        if (!selector.isEmpty()) {
            st.put("selector", selector);
        }
        return scale;
    }

    /**
     * The Scale a write asks for: a PUT's body, or the PATCH (merge, strategic merge or JSON patch) applied to
     * {@code current}. Another method is 405, another patch type 415, a body that cannot be read 400.
     */
    static JsonNode requested(RecordedRequest request, ObjectNode current) {
        try {
            String text = request.getUtf8Body();
            String type = request.getHeader("Content-Type") == null ? "application/json"
                    : request.getHeader("Content-Type").split(";")[0].trim();
            return switch (request.method()) {
                case PUT -> JSON.readTree(text);
                case PATCH -> switch (type) {
                    case "application/merge-patch+json" -> ObjectMerge.mergePatch(current, JSON.readTree(text));
                    case "application/strategic-merge-patch+json" ->
                            ObjectMerge.strategicMerge(current, JSON.readTree(text));
                    case "application/json-patch+json" -> JsonPatch.apply(JSON.readTree(text), current);
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
    }

    /** The replicas of the Scale {@code wanted} for object {@code name}: a whole number of at least 0, else 422. */
    static long replicas(String name, JsonNode wanted) {
        JsonNode replicas = wanted.path("spec").path("replicas");
        if (!replicas.isIntegralNumber() || replicas.asLong() < 0) {
            ObjectNode d = NODES.objectNode().put("name", name).put("group", "autoscaling").put("kind", "Scale");
            d.putArray("causes").addObject().put("reason", "FieldValueInvalid")
                    .put("message", "Invalid value: " + replicas + ": must be greater than or equal to 0")
                    .put("field", "spec.replicas");
            throw new Rejection(status(422, "Invalid", "Scale.autoscaling \"" + name + "\" is invalid: "
                    + "spec.replicas: Invalid value: " + replicas + ": must be greater than or equal to 0", d));
        }
        return replicas.asLong();
    }

    /** A copy of {@code object} with {@code replicas} at the kind's spec replica path ({@code paths}). */
    static ObjectNode withReplicas(JsonNode object, JsonNode paths, long replicas) {
        ObjectNode updated = ((ObjectNode) object).deepCopy();
        ObjectNode parent = updated;
        String[] path = paths.path("specReplicasPath").asText(".spec.replicas").replaceFirst("^\\.", "").split("\\.");
        for (int i = 0; i < path.length - 1; i++) {
            parent = parent.withObjectProperty(path[i]);
        }
        parent.put(path[path.length - 1], replicas);
        return updated;
    }
}
