package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checks porta 2.15 makes on an ActiveDocs body ({@code ApiDocs::Service}, app/models/api_docs/service.rb:
 * {@code validates_with ThreeScale::Swagger::Validator} and {@code validates :base_path, non_localhost: true}):
 * <ul>
 *   <li>app/lib/three_scale/swagger/specification.rb: the body is parsed as JSON (else "Invalid JSON"; a value other
 *       than an object reads as {}). The version is the value of the first of {@code openapi}, {@code swagger},
 *       {@code swaggerVersion} the document has; from 1.2 on its "major.minor" picks the class V30, V20 or V12,
 *       below (or none) V10; any other ("3.1" of OpenAPI 3.1) has no class: VInvalid, whose validation is the
 *       error "Invalid Swagger version".</li>
 *   <li>app/lib/three_scale/swagger/validator.rb: the servers must be blank or http/https/ws/wss URLs with a host
 *       ({@code base_path: is invalid}), whatever skip_swagger_validations says (OpenAPI 3.0: {@code servers[].url},
 *       variables expanded with their defaults or enums; Swagger 2.0: {@code schemes[0]://host}; the others:
 *       {@code basePath}); then, unless {@code skip_swagger_validations}, the version's validation, each error
 *       under {@code body}.</li>
 *   <li>The versions' validations: V30 the OpenAPI 3.0 JSON Schema (schemas/swagger-3.0.schema.json, id
 *       https://spec.openapis.org/oas/3.0/schema/2019-04-02), V20 the Swagger 2.0 one, V12 Swagger 1.2's
 *       apiDeclaration; V10 wants an {@code apis} array ("JSON Spec is invalid"). The simulator checks the parts of
 *       those schemas an API document most often breaks, with messages in the json-schema gem's form: the required
 *       properties (openapi, info, paths; info's title and version; swagger, info, paths; swaggerVersion, basePath,
 *       apis), the openapi version pattern {@code ^3\.0\.\d(-.+)?$}, no top-level property outside the schema but
 *       {@code x-} ones, paths starting with '/', and in every OpenAPI 3.0 Schema Object only the keywords OpenAPI
 *       3.0 defines (so no {@code const}, {@code examples}, {@code $schema}, {@code prefixItems}) and a {@code type}
 *       that is one of array, boolean, integer, number, object, string (so no {@code "null"} and no list of
 *       types): the JSON Schema of OpenAPI 3.1 documents that are labelled 3.0 fails there.</li>
 *   <li>app/validators/non_localhost_validator.rb: the base path (OpenAPI 3.0: the first server) cannot be
 *       localhost or 127.x.x.x ({@code base_path: can't be localhost}).</li>
 * </ul>
 */
final class PortaSwagger {
    static final String OAS30_ID = "https://spec.openapis.org/oas/3.0/schema/2019-04-02";
    static final String SWAGGER20_ID = "http://swagger.io/v2/schema.json#";
    static final String SWAGGER12_ID = "http://swagger-api.github.io/schemas/v1.2/apiDeclaration.json#";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern VERSION = Pattern.compile("\\A(\\d+\\.\\d+)(\\..+)?\\z");
    private static final Pattern OPENAPI_30 = Pattern.compile("^3\\.0\\.\\d(-.+)?$");
    private static final Pattern LOCALHOST = Pattern.compile("\\A(localhost|127(\\.\\d{1,3}){3})\\z");
    private static final Set<String> TOP_30 = Set.of("openapi", "info", "externalDocs", "servers", "security",
            "tags", "paths", "components");
    private static final Set<String> SCHEMA_30 = Set.of("title", "multipleOf", "maximum", "exclusiveMaximum",
            "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
            "maxProperties", "minProperties", "required", "enum", "type", "not", "allOf", "oneOf", "anyOf", "items",
            "properties", "additionalProperties", "description", "format", "default", "nullable", "discriminator",
            "readOnly", "writeOnly", "example", "externalDocs", "deprecated", "xml");
    private static final Set<String> TYPES_30 = Set.of("array", "boolean", "integer", "number", "object", "string");
    private static final List<String> METHODS = List.of("get", "put", "post", "delete", "options", "head", "patch",
            "trace");

    private PortaSwagger() { }

    /** The field errors porta gives for this body ({@code body}, {@code base_path}); empty when it is accepted. */
    static Map<String, List<String>> errors(String body, boolean skipSwaggerValidations) {
        Map<String, List<String>> errs = new LinkedHashMap<>();
        JsonNode doc;
        boolean invalidJson = false;
        try {
            doc = MAPPER.readTree(body);
        } catch (Exception e) {
            doc = null;
            invalidJson = true;
        }
        if (doc == null || !doc.isObject()) {
            doc = MAPPER.createObjectNode();
        }
        String versionClass = versionClass(doc);
        List<String> servers;
        try {
            servers = servers(doc, versionClass);
        } catch (IllegalArgumentException e) { // KeyError, TypeError in the validator
            errs.put("body", List.of("JSON Spec is invalid"));
            return errs;
        }
        for (String s : servers) {
            if (s != null && !s.isBlank() && !acceptedServer(s)) {
                errs.put("base_path", new ArrayList<>(List.of("is invalid")));
                break;
            }
        }
        if (!skipSwaggerValidations) {
            List<String> body2 = new ArrayList<>();
            switch (versionClass) {
                case "V30" -> validate30(doc, body2);
                case "V20" -> validate20(doc, body2);
                case "V12" -> validate12(doc, body2);
                case "V10" -> {
                    if (invalidJson) {
                        body2.add("Invalid JSON");
                    } else if (!doc.path("apis").isArray()) {
                        body2.add("JSON Spec is invalid");
                    }
                }
                default -> body2.add("Invalid Swagger version");
            }
            if (!body2.isEmpty()) {
                errs.put("body", body2.stream().distinct().toList());
            }
        }
        String basePath = servers.isEmpty() ? null : servers.get(0);
        if (basePath != null && !basePath.isBlank()) {
            try {
                String host = URI.create(basePath.trim()).getHost();
                if (host != null && LOCALHOST.matcher(host).matches()) {
                    errs.computeIfAbsent("base_path", k -> new ArrayList<>()).add("can't be localhost");
                }
            } catch (IllegalArgumentException e) {
                errs.computeIfAbsent("base_path", k -> new ArrayList<>()).add("Invalid URL format");
            }
        }
        return errs;
    }

    /** specification.rb: V30, V20, V12, V10 or VInvalid from the document's version attribute. */
    static String versionClass(JsonNode doc) {
        String value = null;
        for (String attr : List.of("openapi", "swagger", "swaggerVersion")) {
            if (doc.has(attr)) {
                value = doc.get(attr).isNull() ? null : doc.get(attr).asText();
                break;
            }
        }
        if (toF(value) < 1.2) {
            return "V10";
        }
        Matcher m = VERSION.matcher(value);
        if (!m.matches()) {
            return "VInvalid";
        }
        String cls = "V" + m.group(1).replaceFirst("\\.", "");
        return Set.of("V30", "V20", "V12", "V10").contains(cls) ? cls : "VInvalid";
    }

    /** Ruby's String#to_f: the leading decimal number, 0.0 when there is none. */
    private static double toF(String value) {
        if (value == null) {
            return 0.0;
        }
        Matcher m = Pattern.compile("^\\s*[-+]?(\\d+(\\.\\d+)?)").matcher(value);
        return m.find() ? Double.parseDouble(m.group(1)) : 0.0;
    }

    private static List<String> servers(JsonNode doc, String versionClass) {
        List<String> out = new ArrayList<>();
        switch (versionClass) {
            case "V30" -> {
                // app/lib/three_scale/open_api/url_resolver.rb
                for (JsonNode server : doc.path("servers")) {
                    if (!server.isObject()) {
                        throw new IllegalArgumentException("server is not an object");
                    }
                    String url = server.path("url").isNull() || server.path("url").isMissingNode() ? null
                            : server.get("url").asText();
                    JsonNode vars = server.path("variables");
                    if (url != null && vars.isObject() && !vars.isEmpty()) {
                        for (Iterator<Map.Entry<String, JsonNode>> it = vars.fields(); it.hasNext(); ) {
                            Map.Entry<String, JsonNode> v = it.next();
                            String value = v.getValue().path("enum").isArray() && !v.getValue().path("enum").isEmpty()
                                    ? v.getValue().path("enum").get(0).asText() : v.getValue().path("default").asText();
                            url = url.replace("{" + v.getKey() + "}", value);
                        }
                    }
                    out.add(url);
                }
            }
            case "V20" -> {
                JsonNode schemes = doc.path("schemes");
                String scheme = schemes.isArray() && !schemes.isEmpty() ? schemes.get(0).asText() : null;
                String host = doc.path("host").isTextual() ? doc.get("host").asText() : null;
                out.add(scheme != null && host != null ? scheme + "://" + host : "");
            }
            default -> out.add(doc.path("basePath").isTextual()
                    ? doc.get("basePath").asText().toLowerCase(Locale.ROOT) : null);
        }
        return out;
    }

    /** validator.rb#valid_base_path?: a URL with one of the schemes https, http, wss, ws and a host. */
    private static boolean acceptedServer(String server) {
        try {
            URI uri = URI.create(server.trim());
            return uri.getScheme() != null && Set.of("https", "http", "wss", "ws")
                    .contains(uri.getScheme().toLowerCase(Locale.ROOT)) && uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String required(String where, String property, String schema) {
        return "The property '" + where + "' did not contain a required property of '" + property + "' in schema "
                + schema;
    }

    private static void validate30(JsonNode doc, List<String> errs) {
        for (String r : List.of("openapi", "info", "paths")) {
            if (!doc.has(r)) {
                errs.add(required("#/", r, OAS30_ID));
            }
        }
        List<String> extra = new ArrayList<>();
        doc.fieldNames().forEachRemaining(f -> {
            if (!TOP_30.contains(f) && !f.startsWith("x-")) {
                extra.add("\"" + f + "\"");
            }
        });
        if (!extra.isEmpty()) {
            errs.add("The property '#/' contains additional properties " + extra + " outside of the schema when none"
                    + " are allowed in schema " + OAS30_ID);
        }
        if (doc.has("openapi") && !OPENAPI_30.matcher(doc.get("openapi").asText()).matches()) {
            errs.add("The property '#/openapi' value \"" + doc.get("openapi").asText() + "\" did not match the regex '"
                    + OPENAPI_30.pattern() + "' in schema " + OAS30_ID);
        }
        JsonNode info = doc.path("info");
        if (info.isObject()) {
            for (String r : List.of("title", "version")) {
                if (!info.has(r)) {
                    errs.add(required("#/info", r, OAS30_ID));
                }
            }
        }
        JsonNode paths = doc.path("paths");
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            String at = "#/paths/" + pointer(p.getKey());
            if (!p.getKey().startsWith("/") && !p.getKey().startsWith("x-")) {
                errs.add("The property '#/paths' contains additional properties [\"" + p.getKey() + "\"] outside of"
                        + " the schema when none are allowed in schema " + OAS30_ID);
                continue;
            }
            JsonNode item = p.getValue();
            parameters(item.path("parameters"), at + "/parameters", errs);
            for (String method : METHODS) {
                JsonNode op = item.path(method);
                if (!op.isObject()) {
                    continue;
                }
                String opAt = at + "/" + method;
                parameters(op.path("parameters"), opAt + "/parameters", errs);
                content(op.path("requestBody").path("content"), opAt + "/requestBody/content", errs);
                for (Iterator<Map.Entry<String, JsonNode>> rs = op.path("responses").fields(); rs.hasNext(); ) {
                    Map.Entry<String, JsonNode> resp = rs.next();
                    String respAt = opAt + "/responses/" + pointer(resp.getKey());
                    content(resp.getValue().path("content"), respAt + "/content", errs);
                    headers(resp.getValue().path("headers"), respAt + "/headers", errs);
                }
            }
        }
        JsonNode components = doc.path("components");
        for (Iterator<Map.Entry<String, JsonNode>> it = components.path("schemas").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> s = it.next();
            schema(s.getValue(), "#/components/schemas/" + pointer(s.getKey()), errs);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = components.path("parameters").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> s = it.next();
            parameter(s.getValue(), "#/components/parameters/" + pointer(s.getKey()), errs);
        }
        headers(components.path("headers"), "#/components/headers", errs);
        for (String kind : List.of("requestBodies", "responses")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = components.path(kind).fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> s = it.next();
                String at = "#/components/" + kind + "/" + pointer(s.getKey());
                content(s.getValue().path("content"), at + "/content", errs);
                headers(s.getValue().path("headers"), at + "/headers", errs);
            }
        }
    }

    private static void parameters(JsonNode list, String at, List<String> errs) {
        for (int i = 0; i < list.size(); i++) {
            parameter(list.get(i), at + "/" + i, errs);
        }
    }

    private static void parameter(JsonNode p, String at, List<String> errs) {
        if (p.has("$ref")) {
            return;
        }
        if (p.has("schema")) {
            schema(p.get("schema"), at + "/schema", errs);
        }
        content(p.path("content"), at + "/content", errs);
    }

    private static void headers(JsonNode headers, String at, List<String> errs) {
        for (Iterator<Map.Entry<String, JsonNode>> it = headers.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            parameter(h.getValue(), at + "/" + pointer(h.getKey()), errs);
        }
    }

    private static void content(JsonNode content, String at, List<String> errs) {
        for (Iterator<Map.Entry<String, JsonNode>> it = content.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> media = it.next();
            if (media.getValue().has("schema")) {
                schema(media.getValue().get("schema"), at + "/" + pointer(media.getKey()) + "/schema", errs);
            }
        }
    }

    /** An OpenAPI 3.0 Schema Object (or Reference): its keywords, its type, then its subschemas. */
    private static void schema(JsonNode s, String at, List<String> errs) {
        if (!s.isObject() || s.has("$ref")) {
            return;
        }
        List<String> extra = new ArrayList<>();
        s.fieldNames().forEachRemaining(f -> {
            if (!SCHEMA_30.contains(f) && !f.startsWith("x-")) {
                extra.add("\"" + f + "\"");
            }
        });
        if (!extra.isEmpty()) {
            errs.add("The property '" + at + "' contains additional properties " + extra + " outside of the schema"
                    + " when none are allowed in schema " + OAS30_ID);
        }
        JsonNode type = s.get("type");
        if (type != null && !(type.isTextual() && TYPES_30.contains(type.asText()))) {
            errs.add("The property '" + at + "/type' value " + type + " did not match one of the following values: "
                    + "array, boolean, integer, number, object, string in schema " + OAS30_ID);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = s.path("properties").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            schema(p.getValue(), at + "/properties/" + pointer(p.getKey()), errs);
        }
        for (String one : List.of("items", "not", "additionalProperties")) {
            if (s.has(one)) {
                schema(s.get(one), at + "/" + one, errs);
            }
        }
        for (String many : List.of("allOf", "anyOf", "oneOf")) {
            JsonNode list = s.path(many);
            for (int i = 0; i < list.size(); i++) {
                schema(list.get(i), at + "/" + many + "/" + i, errs);
            }
        }
    }

    private static void validate20(JsonNode doc, List<String> errs) {
        for (String r : List.of("swagger", "info", "paths")) {
            if (!doc.has(r)) {
                errs.add(required("#/", r, SWAGGER20_ID));
            }
        }
        JsonNode info = doc.path("info");
        if (info.isObject()) {
            for (String r : List.of("version", "title")) {
                if (!info.has(r)) {
                    errs.add(required("#/info", r, SWAGGER20_ID));
                }
            }
        }
    }

    private static void validate12(JsonNode doc, List<String> errs) {
        for (String r : List.of("swaggerVersion", "basePath", "apis")) {
            if (!doc.has(r)) {
                errs.add(required("#/", r, SWAGGER12_ID));
            }
        }
    }

    /** A JSON pointer token: '~' and '/' escaped. */
    private static String pointer(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }
}
