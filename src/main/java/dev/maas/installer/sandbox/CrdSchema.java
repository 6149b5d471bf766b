package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The OpenAPI v3 schema of one served CRD version, applied like a real API server: unknown fields are pruned
 * silently (structural schemas; {@code x-kubernetes-preserve-unknown-fields} and
 * {@code x-kubernetes-embedded-resource} keep them), then the object is validated (type, required, enum, pattern,
 * bounds; {@code nullable} and {@code x-kubernetes-int-or-string} honoured) and each violation named by its field path.
 */
public final class CrdSchema {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4);
    private static final Set<String> KEPT_KEYWORDS = Set.of("type", "properties", "items", "additionalProperties",
            "required", "enum", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength",
            "maxLength", "minItems", "maxItems", "uniqueItems", "multipleOf", "allOf", "anyOf", "oneOf", "not",
            "minProperties", "maxProperties");
    private static final Set<String> ROOT_FIELDS = Set.of("apiVersion", "kind", "metadata");

    private final JsonNode structural;
    private volatile Schema compiled;

    /** Compiled schemas shared by all test clusters in this JVM (the same CRDs are loaded again and again). */
    private static final java.util.Map<JsonNode, CrdSchema> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    /** The schema for a CRD version's {@code openAPIV3Schema} (null: anything goes), shared when equal. */
    public static CrdSchema of(JsonNode openApiV3Schema) {
        if (openApiV3Schema == null || openApiV3Schema.isMissingNode()) {
            return new CrdSchema(null);
        }
        if (CACHE.size() > 256) {
            CACHE.clear();
        }
        return CACHE.computeIfAbsent(openApiV3Schema.deepCopy(), CrdSchema::new);
    }

    public CrdSchema(JsonNode openApiV3Schema) {
        this.structural = openApiV3Schema == null ? NODES.objectNode().put("type", "object")
                .put("x-kubernetes-preserve-unknown-fields", true) : openApiV3Schema;
    }

    /** Removes the fields the schema does not declare, as a real API server does before storing. */
    public void prune(ObjectNode object) {
        pruneNode(object, structural, true, null, "");
    }

    /**
     * Like {@link #prune}, and returns the paths of the removed fields, sorted, as the API server reports them
     * (apiextensions-apiserver pkg/apiserver/schema/pruning/algorithm.go with TrackUnknownFieldPaths, options.go:
     * keys joined with dots, list indexes in brackets, e.g. {@code spec.items[0].foo}).
     */
    public List<String> pruneReporting(ObjectNode object) {
        List<String> removed = new ArrayList<>();
        pruneNode(object, structural, true, removed, "");
        java.util.Collections.sort(removed);
        return removed;
    }

    /** Validates the (pruned) object; an empty list means valid. */
    public List<FieldError> validate(JsonNode object) {
        List<FieldError> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Error e : schema().validate(object)) {
            FieldError fe = describe(e);
            if (fe != null && seen.add(fe.full())) {
                out.add(fe);
            }
        }
        return out;
    }

    private Schema schema() {
        Schema s = compiled;
        if (s == null) {
            synchronized (this) {
                if (compiled == null) {
                    JsonNode converted = convert(structural);
                    if (converted instanceof ObjectNode root && root.get("properties") instanceof ObjectNode props) {
                        // metadata is validated by the API server itself, not by the CRD schema
                        props.remove("metadata");
                    }
                    compiled = REGISTRY.getSchema(converted);
                }
                s = compiled;
            }
        }
        return s;
    }

    // ---- pruning ----

    private static void pruneNode(JsonNode value, JsonNode schema, boolean root, List<String> removed,
                                  String path) {
        if (schema == null || !schema.isObject() || value == null) {
            return;
        }
        if (value.isObject()) {
            ObjectNode obj = (ObjectNode) value;
            boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
            boolean embedded = schema.path("x-kubernetes-embedded-resource").asBoolean(false);
            JsonNode props = schema.get("properties");
            JsonNode additional = schema.get("additionalProperties");
            Iterator<Map.Entry<String, JsonNode>> fields = obj.properties().iterator();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                String name = f.getKey();
                if ((root || embedded) && ROOT_FIELDS.contains(name)) {
                    continue;
                }
                JsonNode propSchema = props == null ? null : props.get(name);
                String child = path.isEmpty() ? name : path + "." + name;
                if (propSchema != null) {
                    pruneNode(f.getValue(), propSchema, false, removed, child);
                } else if (additional != null && additional.isObject()) {
                    pruneNode(f.getValue(), additional, false, removed, child);
                } else if (!preserve && !(additional != null && additional.asBoolean(false))) {
                    fields.remove();
                    if (removed != null) {
                        removed.add(child);
                    }
                }
            }
        } else if (value.isArray()) {
            JsonNode items = schema.get("items");
            if (items != null && items.isObject()) {
                int i = 0;
                for (JsonNode element : value) {
                    pruneNode(element, items, false, removed, path + "[" + i++ + "]");
                }
            }
        }
    }

    // ---- structural schema -> JSON schema draft 4 ----

    static JsonNode convert(JsonNode node) {
        if (node == null || !node.isObject()) {
            return node;
        }
        ObjectNode out = NODES.objectNode();
        node.properties().forEach(f -> {
            String key = f.getKey();
            JsonNode v = f.getValue();
            if (!KEPT_KEYWORDS.contains(key)) {
                return;
            }
            switch (key) {
                case "properties" -> {
                    ObjectNode props = NODES.objectNode();
                    v.properties().forEach(p -> props.set(p.getKey(), convert(p.getValue())));
                    out.set(key, props);
                }
                case "items", "additionalProperties", "not" -> out.set(key, v.isObject() ? convert(v) : v);
                case "allOf", "anyOf", "oneOf" -> {
                    ArrayNode arr = NODES.arrayNode();
                    v.forEach(s -> arr.add(convert(s)));
                    out.set(key, arr);
                }
                default -> out.set(key, v.deepCopy());
            }
        });
        boolean nullable = node.path("nullable").asBoolean(false);
        if (node.path("x-kubernetes-int-or-string").asBoolean(false)) {
            out.remove("anyOf");
            ArrayNode types = NODES.arrayNode().add("integer").add("string");
            if (nullable) {
                types.add("null");
            }
            out.set("type", types);
        } else if (nullable && out.has("type") && out.get("type").isTextual()) {
            out.set("type", NODES.arrayNode().add(out.get("type").asText()).add("null"));
        }
        if (nullable && out.get("enum") instanceof ArrayNode en) {
            en.addNull();
        }
        return out;
    }

    // ---- errors in the API server's words ----

    private static FieldError describe(Error e) {
        String keyword = e.getKeyword() == null ? "" : e.getKeyword();
        String path = fieldPath(e.getInstanceLocation());
        JsonNode value = e.getInstanceNode();
        JsonNode schemaNode = e.getSchemaNode();
        switch (keyword) {
            case "required": {
                String property = e.getProperty();
                if (property == null && e.getArguments() != null && e.getArguments().length > 0) {
                    property = String.valueOf(e.getArguments()[0]);
                }
                String field = path.isEmpty() ? property : path + "." + property;
                return new FieldError(field, "FieldValueRequired", "Required value");
            }
            case "type": {
                String actual = typeName(value);
                String expected = expectedType(schemaNode);
                return new FieldError(path, "FieldValueTypeInvalid", "Invalid value: \"" + actual + "\": "
                        + path + " in body must be of type " + expected + ": \"" + actual + "\"");
            }
            case "enum": {
                JsonNode allowed = schemaNode != null && schemaNode.has("enum") ? schemaNode.get("enum") : schemaNode;
                List<String> values = new ArrayList<>();
                if (allowed != null && allowed.isArray()) {
                    allowed.forEach(a -> values.add(a.isNull() ? "null" : a.toString()));
                }
                return new FieldError(path, "FieldValueNotSupported", "Unsupported value: " + render(value)
                        + ": supported values: " + String.join(", ", values));
            }
            case "pattern":
                return invalid(path, value, "should match '" + keywordValue(schemaNode, "pattern").asText() + "'");
            case "minimum":
                return invalid(path, value, "should be greater than or equal to "
                        + keywordValue(schemaNode, "minimum").asText());
            case "maximum":
                return invalid(path, value, "should be less than or equal to "
                        + keywordValue(schemaNode, "maximum").asText());
            case "minLength":
                return invalid(path, value, "should be at least " + keywordValue(schemaNode, "minLength").asText()
                        + " chars long");
            case "maxLength":
                return invalid(path, value, "may not be longer than " + keywordValue(schemaNode, "maxLength").asText());
            case "minItems":
                return invalid(path, value, "should have at least " + keywordValue(schemaNode, "minItems").asText()
                        + " items");
            case "maxItems":
                return new FieldError(path, "FieldValueTooMany", "Too many: " + value.size() + ": must have at most "
                        + keywordValue(schemaNode, "maxItems").asText() + " items");
            default:
                return invalid(path, value, e.getMessage());
        }
    }

    private static FieldError invalid(String path, JsonNode value, String what) {
        return new FieldError(path, "FieldValueInvalid", "Invalid value: " + render(value) + ": " + path
                + " in body " + what);
    }

    private static JsonNode keywordValue(JsonNode schemaNode, String keyword) {
        if (schemaNode == null) {
            return NODES.textNode("?");
        }
        return schemaNode.has(keyword) && schemaNode.isObject() ? schemaNode.get(keyword) : schemaNode;
    }

    private static String expectedType(JsonNode schemaNode) {
        JsonNode t = schemaNode != null && schemaNode.isObject() ? schemaNode.get("type") : schemaNode;
        if (t == null) {
            return "?";
        }
        if (t.isArray()) {
            List<String> names = new ArrayList<>();
            t.forEach(x -> {
                if (!"null".equals(x.asText())) {
                    names.add(x.asText());
                }
            });
            return String.join("/", names);
        }
        return t.asText();
    }

    static String typeName(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return "null";
        }
        if (value.isTextual()) {
            return "string";
        }
        if (value.isIntegralNumber()) {
            return "integer";
        }
        if (value.isNumber()) {
            return "number";
        }
        if (value.isBoolean()) {
            return "boolean";
        }
        if (value.isArray()) {
            return "array";
        }
        return "object";
    }

    static String render(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "null";
        }
        if (value.isContainerNode()) {
            return "\"" + typeName(value) + "\"";
        }
        return value.toString();
    }

    static String fieldPath(NodePath location) {
        if (location == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < location.getNameCount(); i++) {
            Object element = location.getElement(i);
            if (element instanceof Integer index) {
                sb.append('[').append(index).append(']');
            } else {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(element);
            }
        }
        return sb.toString();
    }
}
