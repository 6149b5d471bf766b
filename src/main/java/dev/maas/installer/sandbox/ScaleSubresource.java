package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** The {@code autoscaling/v1} Scale of an object whose kind has the scale subresource. */
final class ScaleSubresource {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

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
}
