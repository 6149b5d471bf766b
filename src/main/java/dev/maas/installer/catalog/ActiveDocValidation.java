package dev.maas.installer.catalog;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether 3scale (porta 2.15) can validate an API document as an ActiveDocs body, and when not, why: the reason to
 * send {@code skip_swagger_validations=true} with it.
 *
 * <p>porta validates a body unless that flag is set (app/lib/three_scale/swagger/validator.rb). Its version is the
 * first of {@code openapi}, {@code swagger}, {@code swaggerVersion}; porta has validators for Swagger 1.2 and 2.0
 * and OpenAPI 3.0 only (app/lib/three_scale/swagger/specification.rb: classes V12, V20, V30): an OpenAPI 3.1
 * document, as vLLM and every FastAPI from 0.99 on serve, is refused with "Invalid Swagger version". An OpenAPI 3.0
 * document is checked against the OpenAPI 3.0 JSON Schema (schemas/swagger-3.0.schema.json): a 3.1 document whose
 * version was merely changed to 3.0.x (as the runbook's model documents are) still fails there, on its JSON Schema
 * of 3.1 ({@code "type": "null"} in {@code anyOf} for optional fields, {@code const}, {@code examples}), or on an
 * {@code info} without {@code version}. This class finds those cases; a document it passes is sent without the
 * flag, so porta checks it as usual.
 */
public final class ActiveDocValidation {
    private static final Pattern MAJOR_MINOR = Pattern.compile("\\A(\\d+\\.\\d+)(\\..+)?\\z");
    private static final Pattern OPENAPI_30 = Pattern.compile("3\\.0\\.\\d(-.+)?");
    private static final Set<String> TOP_LEVEL_30 = Set.of("openapi", "info", "externalDocs", "servers",
            "security", "tags", "paths", "components");
    /** The properties of the OpenAPI 3.0 Schema Object (its JSON Schema allows no other but {@code x-...}). */
    private static final Set<String> SCHEMA_KEYWORDS_30 = Set.of("title", "multipleOf", "maximum",
            "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems",
            "minItems", "uniqueItems", "maxProperties", "minProperties", "required", "enum", "type", "not", "allOf",
            "oneOf", "anyOf", "items", "properties", "additionalProperties", "description", "format", "default",
            "nullable", "discriminator", "readOnly", "writeOnly", "example", "externalDocs", "deprecated", "xml");
    private static final Set<String> TYPES_30 = Set.of("array", "boolean", "integer", "number", "object", "string");
    private static final List<String> OPERATIONS = List.of("get", "put", "post", "delete", "options", "head",
            "patch", "trace");

    private ActiveDocValidation() { }

    /**
     * Empty when porta 2.15 validates this document itself; else why it cannot (then the ActiveDoc is sent with
     * {@code skip_swagger_validations=true}).
     */
    public static Optional<String> whyPortaCannotValidate(JsonNode doc) {
        if (doc == null || !doc.isObject()) {
            return Optional.of("it is not a JSON object");
        }
        String attribute = null;
        for (String a : List.of("openapi", "swagger", "swaggerVersion")) {
            if (doc.has(a)) {
                attribute = a;
                break;
            }
        }
        String version = attribute == null ? "" : doc.get(attribute).asText("");
        Matcher m = MAJOR_MINOR.matcher(version);
        String majorMinor = m.matches() ? m.group(1) : "";
        if (attribute == null || !Set.of("1.2", "2.0", "3.0").contains(majorMinor)) {
            return Optional.of("porta 2.15 validates Swagger 1.2 and 2.0 and OpenAPI 3.0 documents only; this one is "
                    + (attribute == null ? "of no version" : describe(attribute, version))
                    + " (3scale would refuse it: 'Invalid Swagger version')");
        }
        if (!majorMinor.equals("3.0")) {
            return Optional.empty();
        }
        if (!OPENAPI_30.matcher(version).matches()) {
            return Optional.of("its version '" + version + "' is not of the form 3.0.n that porta's OpenAPI 3.0"
                    + " schema wants");
        }
        for (String required : List.of("info", "paths")) {
            if (!doc.has(required)) {
                return Optional.of("it has no '" + required + "', which porta's OpenAPI 3.0 schema requires");
            }
        }
        for (String required : List.of("title", "version")) {
            if (!doc.path("info").has(required)) {
                return Optional.of("its 'info' has no '" + required + "', which porta's OpenAPI 3.0 schema"
                        + " requires");
            }
        }
        for (Iterator<String> it = doc.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!TOP_LEVEL_30.contains(f) && !f.startsWith("x-")) {
                return Optional.of("its top-level '" + f + "' is not an OpenAPI 3.0 field");
            }
        }
        return schemasOf(doc).map(p -> "it is labelled OpenAPI " + version + " but uses JSON Schema that OpenAPI"
                + " 3.0 does not allow (" + p + "), as OpenAPI 3.1 documents do; porta's OpenAPI 3.0 schema"
                + " refuses it");
    }

    private static String describe(String attribute, String version) {
        return switch (attribute) {
            case "openapi" -> "OpenAPI " + version;
            case "swagger" -> "Swagger " + version;
            default -> "Swagger (swaggerVersion) " + version;
        };
    }

    /** The first Schema Object that OpenAPI 3.0's JSON Schema refuses, as "what at where"; empty when none. */
    private static Optional<String> schemasOf(JsonNode doc) {
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("components").path("schemas").fields();
             it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Optional<String> bad = schema(e.getValue(), "#/components/schemas/" + e.getKey());
            if (bad.isPresent()) {
                return bad;
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("paths").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            String at = "#/paths/" + path.getKey().replace("~", "~0").replace("/", "~1");
            Optional<String> bad = parameters(path.getValue().path("parameters"), at + "/parameters");
            for (String method : OPERATIONS) {
                JsonNode op = path.getValue().path(method);
                if (bad.isPresent() || !op.isObject()) {
                    continue;
                }
                bad = parameters(op.path("parameters"), at + "/" + method + "/parameters")
                        .or(() -> content(op.path("requestBody").path("content"), at + "/" + method + "/requestBody"));
                for (Iterator<Map.Entry<String, JsonNode>> r = op.path("responses").fields(); bad.isEmpty()
                        && r.hasNext(); ) {
                    Map.Entry<String, JsonNode> resp = r.next();
                    bad = content(resp.getValue().path("content"), at + "/" + method + "/responses/" + resp.getKey());
                }
            }
            if (bad.isPresent()) {
                return bad;
            }
        }
        return Optional.empty();
    }

    private static Optional<String> parameters(JsonNode list, String at) {
        for (int i = 0; i < list.size(); i++) {
            JsonNode p = list.get(i);
            if (p.has("schema")) {
                Optional<String> bad = schema(p.get("schema"), at + "/" + i + "/schema");
                if (bad.isPresent()) {
                    return bad;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> content(JsonNode content, String at) {
        for (Iterator<Map.Entry<String, JsonNode>> it = content.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> media = it.next();
            if (media.getValue().has("schema")) {
                Optional<String> bad = schema(media.getValue().get("schema"), at + "/content/" + media.getKey()
                        .replace("~", "~0").replace("/", "~1") + "/schema");
                if (bad.isPresent()) {
                    return bad;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> schema(JsonNode s, String at) {
        if (!s.isObject() || s.has("$ref")) {
            return Optional.empty();
        }
        JsonNode type = s.get("type");
        if (type != null && !(type.isTextual() && TYPES_30.contains(type.asText()))) {
            return Optional.of("type " + type + " at " + at);
        }
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String keyword = it.next();
            if (!SCHEMA_KEYWORDS_30.contains(keyword) && !keyword.startsWith("x-")) {
                return Optional.of("'" + keyword + "' at " + at);
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = s.path("properties").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            Optional<String> bad = schema(p.getValue(), at + "/properties/" + p.getKey());
            if (bad.isPresent()) {
                return bad;
            }
        }
        for (String one : List.of("items", "not", "additionalProperties")) {
            if (s.has(one)) {
                Optional<String> bad = schema(s.get(one), at + "/" + one);
                if (bad.isPresent()) {
                    return bad;
                }
            }
        }
        for (String many : List.of("allOf", "anyOf", "oneOf")) {
            JsonNode list = s.path(many);
            for (int i = 0; i < list.size(); i++) {
                Optional<String> bad = schema(list.get(i), at + "/" + many + "/" + i);
                if (bad.isPresent()) {
                    return bad;
                }
            }
        }
        return Optional.empty();
    }
}
