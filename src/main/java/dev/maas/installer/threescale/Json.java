package dev.maas.installer.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Unwrapping of 3scale's JSON shapes: {"backend_api":{...}}, {"backend_apis":[{"backend_api":{...}}]}, bare arrays. */
final class Json {
    private Json() {
    }

    static JsonNode unwrap(JsonNode root, String wrapper) {
        if (root != null && root.has(wrapper) && root.get(wrapper).isObject()) {
            return root.get(wrapper);
        }
        return root;
    }

    static <T> T entity(ObjectMapper mapper, JsonNode root, String wrapper, Class<T> type) {
        return mapper.convertValue(unwrap(root, wrapper), type);
    }

    /** The items of a list: {@code root[listKey]} (or root itself when it is an array), each unwrapped. */
    static List<JsonNode> items(JsonNode root, String listKey, String itemKey) {
        JsonNode array = root != null && root.isArray() ? root : root == null ? null : root.get(listKey);
        List<JsonNode> out = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(n -> out.add(unwrap(n, itemKey)));
        }
        return out;
    }

    static <T> List<T> convert(ObjectMapper mapper, List<JsonNode> nodes, Class<T> type) {
        List<T> out = new ArrayList<>(nodes.size());
        nodes.forEach(n -> out.add(mapper.convertValue(n, type)));
        return out;
    }

    /** True when every given parameter has the same value in the entity (as text); used to verify an update. */
    static boolean hasValues(JsonNode entity, Map<String, String> params) {
        for (Map.Entry<String, String> e : params.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            JsonNode v = entity.get(e.getKey());
            String actual = v == null || v.isNull() ? "" : v.isValueNode() ? v.asText() : v.toString();
            if (!Objects.equals(actual, e.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** A parameter map that drops null values and keeps the given order. */
    static Map<String, String> params(Object... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            Object v = keyValues[i + 1];
            if (v != null) {
                m.put((String) keyValues[i], String.valueOf(v));
            }
        }
        return m;
    }
}
