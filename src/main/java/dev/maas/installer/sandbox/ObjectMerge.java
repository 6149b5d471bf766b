package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The merge rules of the patch types the test cluster accepts. Server-side apply and strategic-merge patch share
 * one approximation of the server's rules: maps merge key by key, lists of objects that all carry a merge key
 * ({@code name}, else {@code containerPort}, else {@code type}) merge item by item, other lists are replaced; a
 * {@code null} removes a field. Fields the applied object does not mention are kept (they belong to other
 * managers), which is what matters to callers that must not clobber fields owned by others.
 */
final class ObjectMerge {
    private static final List<String> MERGE_KEYS = List.of("name", "containerPort", "type", "mountPath");

    private ObjectMerge() { }

    /** RFC 7386 JSON merge patch. */
    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode out = target != null && target.isObject() ? ((ObjectNode) target).deepCopy()
                : JsonNodeFactory.instance.objectNode();
        patch.properties().forEach(f -> {
            if (f.getValue().isNull()) {
                out.remove(f.getKey());
            } else {
                out.set(f.getKey(), mergePatch(out.get(f.getKey()), f.getValue()));
            }
        });
        return out;
    }

    /** Strategic merge patch / server-side apply merge (see the class comment). */
    static JsonNode strategicMerge(JsonNode target, JsonNode patch) {
        if (patch.isObject()) {
            if ("replace".equals(patch.path("$patch").asText(null))) {
                ObjectNode copy = ((ObjectNode) patch).deepCopy();
                copy.remove("$patch");
                return copy;
            }
            ObjectNode out = target != null && target.isObject() ? ((ObjectNode) target).deepCopy()
                    : JsonNodeFactory.instance.objectNode();
            // apimachinery pkg/util/strategicpatch/patch.go: $retainKeys keeps only the listed keys of the original
            JsonNode retain = patch.get("$retainKeys");
            if (retain != null && retain.isArray()) {
                java.util.Set<String> keep = new java.util.HashSet<>();
                retain.forEach(k -> keep.add(k.asText()));
                List<String> drop = new ArrayList<>();
                out.fieldNames().forEachRemaining(k -> {
                    if (!keep.contains(k)) {
                        drop.add(k);
                    }
                });
                drop.forEach(out::remove);
            }
            Iterator<Map.Entry<String, JsonNode>> it = patch.properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> f = it.next();
                String key = f.getKey();
                if (key.startsWith("$")) {
                    continue;
                }
                JsonNode value = f.getValue();
                if (value.isNull() || (value.isObject() && "delete".equals(value.path("$patch").asText(null)))) {
                    out.remove(key);
                } else {
                    out.set(key, strategicMerge(out.get(key), value));
                }
            }
            patch.properties().forEach(f -> {
                String key = f.getKey();
                if (key.startsWith("$deleteFromPrimitiveList/") && out.get(key.substring(key.indexOf('/') + 1))
                        instanceof ArrayNode list) {
                    // patch.go deleteFromSlice: the listed values leave the primitive list
                    java.util.Set<JsonNode> gone = new java.util.HashSet<>();
                    f.getValue().forEach(gone::add);
                    list.removeIf(gone::contains);
                } else if (key.startsWith("$setElementOrder/") && out.get(key.substring(key.indexOf('/') + 1))
                        instanceof ArrayNode list) {
                    out.set(key.substring(key.indexOf('/') + 1), order(list, f.getValue()));
                }
            });
            return out;
        }
        if (patch.isArray() && target != null && target.isArray()) {
            String mergeKey = mergeKey((ArrayNode) patch, (ArrayNode) target);
            if (mergeKey != null) {
                return mergeList((ArrayNode) target, (ArrayNode) patch, mergeKey);
            }
        }
        return patch.deepCopy();
    }

    /**
     * patch.go normalizeElementOrder: the items named in {@code $setElementOrder} come first, in its order (matched
     * by their merge key, or by value for primitive lists); the others follow as they were.
     */
    private static ArrayNode order(ArrayNode list, JsonNode wanted) {
        if (!wanted.isArray() || wanted.isEmpty()) {
            return list;
        }
        String key = null;
        JsonNode first = wanted.get(0);
        if (first.isObject() && first.size() >= 1) {
            key = first.fieldNames().next();
        }
        List<JsonNode> rest = new ArrayList<>();
        list.forEach(rest::add);
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (JsonNode w : wanted) {
            for (Iterator<JsonNode> i = rest.iterator(); i.hasNext(); ) {
                JsonNode item = i.next();
                boolean same = key == null ? item.equals(w)
                        : item.isObject() && item.path(key).equals(w.path(key));
                if (same) {
                    out.add(item);
                    i.remove();
                    break;
                }
            }
        }
        rest.forEach(out::add);
        return out;
    }

    private static String mergeKey(ArrayNode patch, ArrayNode target) {
        if (patch.isEmpty()) {
            return null;
        }
        for (String key : MERGE_KEYS) {
            boolean all = true;
            for (JsonNode n : patch) {
                all &= n.isObject() && n.hasNonNull(key) && n.get(key).isValueNode();
            }
            for (JsonNode n : target) {
                all &= n.isObject() && n.hasNonNull(key) && n.get(key).isValueNode();
            }
            if (all) {
                return key;
            }
        }
        return null;
    }

    private static ArrayNode mergeList(ArrayNode target, ArrayNode patch, String key) {
        List<JsonNode> items = new ArrayList<>();
        target.forEach(items::add);
        for (JsonNode p : patch) {
            String id = p.get(key).asText();
            int index = -1;
            for (int i = 0; i < items.size(); i++) {
                if (items.get(i).get(key).asText().equals(id)) {
                    index = i;
                    break;
                }
            }
            boolean delete = "delete".equals(p.path("$patch").asText(null));
            if (index >= 0) {
                if (delete) {
                    items.remove(index);
                } else {
                    items.set(index, strategicMerge(items.get(index), p));
                }
            } else if (!delete) {
                items.add(strategicMerge(null, p));
            }
        }
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        items.forEach(out::add);
        return out;
    }
}
