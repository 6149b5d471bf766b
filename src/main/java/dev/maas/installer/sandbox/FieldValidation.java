package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fields of an object that its kind does not declare, found against the kind's OpenAPI definition as a real
 * API server finds them: decoding into the kind's Go type drops them, and reports them (sigs.k8s.io/json strict
 * decoding: {@code unknown field "spec.template.spec.containers[0].foo"}) when the request asked for
 * {@code fieldValidation} Strict or Warn (apiserver pkg/endpoints/handlers/create.go, update.go, patch.go);
 * server-side apply rejects them in any case (structured-merge-diff typed/validate.go:
 * {@code .spec.foo: field not declared in schema}). Values whose schema leaves them open (RawExtension, FieldsV1,
 * maps, {@code x-kubernetes-preserve-unknown-fields}) are not checked.
 */
final class FieldValidation {
    private final OpenApiDocs docs;

    FieldValidation(OpenApiDocs docs) {
        this.docs = docs;
    }

    /** Removes the undeclared fields of {@code object} (a {@code definition} instance); returns their paths. */
    List<String> dropUnknown(String definition, JsonNode object) {
        List<String> out = new ArrayList<>();
        walk(object, docs.definition(definition), "", out, true, false);
        return out;
    }

    /** The undeclared fields as server-side apply names them (leading dot, list items by their keys). */
    List<String> undeclared(String definition, JsonNode object) {
        List<String> out = new ArrayList<>();
        walk(object, docs.definition(definition), "", out, false, true);
        return out;
    }

    private JsonNode resolve(JsonNode schema) {
        JsonNode s = schema;
        for (int i = 0; s != null && s.has("$ref") && i < 20; i++) {
            String ref = s.get("$ref").asText();
            s = docs.definition(ref.substring(ref.lastIndexOf('/') + 1));
        }
        return s;
    }

    private void walk(JsonNode value, JsonNode schemaRef, String path, List<String> out, boolean remove, boolean apply) {
        JsonNode schema = resolve(schemaRef);
        if (schema == null || value == null || value.isNull()) {
            return;
        }
        if (schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
            return;
        }
        if (value.isObject()) {
            JsonNode props = schema.get("properties");
            JsonNode additional = schema.get("additionalProperties");
            if (props == null && additional == null) {
                return; // open: RawExtension, FieldsV1, JSON, an untyped object
            }
            ObjectNode obj = (ObjectNode) value;
            Iterator<Map.Entry<String, JsonNode>> fields = obj.fields();
            List<String> unknown = new ArrayList<>();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                String key = f.getKey();
                String childPath = apply ? path + "." + key : (path.isEmpty() ? key : path + "." + key);
                JsonNode propSchema = props == null ? null : props.get(key);
                if (propSchema != null) {
                    walk(f.getValue(), propSchema, childPath, out, remove, apply);
                } else if (additional != null && additional.isObject()) {
                    walk(f.getValue(), additional, childPath, out, remove, apply);
                } else if (additional == null || !additional.asBoolean(false)) {
                    unknown.add(key);
                }
            }
            if (apply && !unknown.isEmpty()) {
                // typed/validate.go visitMapItems stops at the first undeclared field of a map
                unknown.sort(null);
                out.add(path + "." + unknown.get(0));
            } else {
                for (String key : unknown) {
                    out.add(path.isEmpty() ? key : path + "." + key);
                }
            }
            if (remove) {
                unknown.forEach(obj::remove);
            }
        } else if (value.isArray()) {
            JsonNode items = schema.get("items");
            if (items == null) {
                return;
            }
            List<String> keys = new ArrayList<>();
            schema.path("x-kubernetes-list-map-keys").forEach(k -> keys.add(k.asText()));
            if (keys.isEmpty() && schema.has("x-kubernetes-patch-merge-key")
                    && "merge".equals(schema.path("x-kubernetes-patch-strategy").asText())) {
                keys.add(schema.path("x-kubernetes-patch-merge-key").asText());
            }
            for (int i = 0; i < value.size(); i++) {
                JsonNode item = value.get(i);
                walk(item, items, path + (apply ? listElement(item, keys, i) : "[" + i + "]"), out, remove, apply);
            }
        }
    }

    /** A list item as structured-merge-diff's fieldpath prints it: [k="v",n=1] for associative lists, else [i]. */
    private static String listElement(JsonNode item, List<String> keys, int index) {
        if (keys.isEmpty() || !item.isObject()) {
            return "[" + index + "]";
        }
        TreeMap<String, JsonNode> sorted = new TreeMap<>();
        for (String k : keys) {
            if (item.has(k)) {
                sorted.put(k, item.get(k));
            }
        }
        List<String> parts = new ArrayList<>();
        sorted.forEach((k, v) -> parts.add(k + "=" + v.toString()));
        return "[" + String.join(",", parts) + "]";
    }

    /** Go's {@code %q} of a string (strconv.Quote), for values in the messages of the API server. */
    static String goQuote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\x%02x", c));
                    } else {
                        sb.appendCodePoint(c);
                    }
                }
            }
        });
        return sb.append('"').toString();
    }
}
