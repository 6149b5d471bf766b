package dev.maas.installer.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the operations (method + path) of a model's OpenAPI document, JSON or YAML, OpenAPI 3.x or Swagger 2.0.
 * Every error is a {@link CatalogException} naming the config field, e.g. {@code models[0].openapi}.
 */
public final class OpenApiOperations {
    /** HTTP methods an OpenAPI path item can hold, in the order OpenAPI lists them. */
    static final List<String> METHODS = List.of("get", "put", "post", "delete", "options", "head", "patch",
            "trace");
    private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9._~!$&'()*+,;=:@%{}/-]*");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** Documents larger than this are not API descriptions of a model server. */
    static final long MAX_BYTES = 20L * 1024 * 1024;

    private OpenApiOperations() { }

    /**
     * The OpenAI-compatible set a model gets without a document: chat completions, completions, embeddings, the
     * model list and one model.
     */
    public static List<ApiOperation> openAiDefaults() {
        return List.of(
                new ApiOperation("POST", "/v1/chat/completions", "Create Chat Completion"),
                new ApiOperation("POST", "/v1/completions", "Create Completion"),
                new ApiOperation("POST", "/v1/embeddings", "Create Embedding"),
                new ApiOperation("GET", "/v1/models", "List Models"),
                new ApiOperation("GET", "/v1/models/{model}", "Retrieve Model"));
    }

    /** Reads a document file; {@code field} is the config field that named it. */
    public static List<ApiOperation> read(Path file, String field) {
        return parse(readText(file, field), file.toString(), field);
    }

    /** Reads a document file's text (UTF-8, size-checked); {@code field} is the config field that named it. */
    public static String readText(Path file, String field) {
        if (!Files.isRegularFile(file)) {
            throw new CatalogException(field, "OpenAPI document " + file + " does not exist or is not a file");
        }
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new CatalogException(field, "OpenAPI document " + file + " is larger than "
                        + (MAX_BYTES >> 20) + " MiB; is it the right file?");
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CatalogException(field, "OpenAPI document " + file + " cannot be read: " + e.getMessage()
                    + " (a UTF-8 JSON or YAML file is expected)", e);
        }
    }

    /** The document as a JSON tree (YAML converted); call {@link #parse} first to validate it. */
    public static JsonNode document(String text, String source, String field) {
        return tree(text, source, field);
    }

    /**
     * A small OpenAPI 3 document of the {@link #openAiDefaults()} operations, for the ActiveDoc of a model without
     * a document of its own.
     */
    public static ObjectNode defaultDocument(String title) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("openapi", "3.0.3");
        ObjectNode info = doc.putObject("info");
        info.put("title", title);
        info.put("description", "OpenAI-compatible API of " + title);
        info.put("version", "1.0.0");
        ObjectNode paths = doc.putObject("paths");
        for (ApiOperation op : openAiDefaults()) {
            ObjectNode item = paths.has(op.path()) ? (ObjectNode) paths.get(op.path()) : paths.putObject(op.path());
            ObjectNode o = item.putObject(op.httpMethod().toLowerCase(Locale.ROOT));
            o.put("summary", op.summary());
            if (op.path().contains("{model}")) {
                ObjectNode param = o.putArray("parameters").addObject();
                param.put("name", "model");
                param.put("in", "path");
                param.put("required", true);
                param.putObject("schema").put("type", "string");
            }
            if (op.httpMethod().equals("POST")) {
                ObjectNode body = o.putObject("requestBody");
                body.put("required", true);
                body.putObject("content").putObject("application/json").putObject("schema").put("type", "object");
            }
            ObjectNode ok = o.putObject("responses").putObject("200");
            ok.put("description", "Successful response");
            ok.putObject("content").putObject("application/json").putObject("schema").put("type", "object");
        }
        return doc;
    }

    /** Parses a document's text; {@code source} names it in messages. */
    public static List<ApiOperation> parse(String text, String source, String field) {
        JsonNode doc = tree(text, source, field);
        if (doc == null || !doc.isObject()) {
            throw new CatalogException(field, source + " is not an OpenAPI document (expected an object with"
                    + " 'openapi' and 'paths')");
        }
        String openapi = doc.path("openapi").asText("");
        String swagger = doc.path("swagger").asText("");
        if (!openapi.startsWith("3.") && !swagger.equals("2.0")) {
            throw new CatalogException(field, source + " is not an OpenAPI document: field 'openapi' must be 3.x"
                    + " (or 'swagger' 2.0), found " + (doc.has("openapi") ? "'" + openapi + "'"
                    : doc.has("swagger") ? "swagger '" + swagger + "'" : "neither"));
        }
        String basePath = basePath(doc, openapi.startsWith("3."));
        JsonNode paths = doc.get("paths");
        if (paths == null || !paths.isObject()) {
            throw new CatalogException(field, source + ": field 'paths' is missing or not an object");
        }
        List<ApiOperation> ops = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Map.Entry<String, JsonNode> e : paths.properties()) {
            String path = e.getKey();
            if (!PATH.matcher(path).matches() || !balancedBraces(path)) {
                throw new CatalogException(field, source + ": path '" + path + "' is not a valid OpenAPI path"
                        + " (it must start with '/', parameters written as {name})");
            }
            if (!e.getValue().isObject()) {
                throw new CatalogException(field, source + ": paths." + path + " must be an object");
            }
            for (Map.Entry<String, JsonNode> m : e.getValue().properties()) {
                String method = m.getKey().toLowerCase(Locale.ROOT);
                if (!METHODS.contains(method)) {
                    continue; // parameters, summary, servers, $ref, x-... are not operations
                }
                if (!m.getValue().isObject()) {
                    throw new CatalogException(field, source + ": paths." + path + "." + m.getKey()
                            + " must be an object");
                }
                String full = join(basePath, path);
                if (seen.add(method + " " + full)) {
                    JsonNode op = m.getValue();
                    String summary = op.path("summary").asText("");
                    if (summary.isBlank()) {
                        summary = op.path("operationId").asText("");
                    }
                    ops.add(new ApiOperation(method, full, summary));
                }
            }
        }
        if (ops.isEmpty()) {
            throw new CatalogException(field, source + " defines no operation under 'paths': without one the"
                    + " product would have no mapping rule (leave openapi empty for the OpenAI-compatible set)");
        }
        return List.copyOf(ops);
    }

    private static JsonNode tree(String text, String source, String field) {
        String t = text.stripLeading();
        if (t.startsWith("\uFEFF")) {
            t = t.substring(1);
        }
        if (t.isEmpty()) {
            throw new CatalogException(field, source + " is empty");
        }
        boolean json = t.startsWith("{") || t.startsWith("[");
        try {
            return (json ? JSON : YAML).readTree(t);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            throw new CatalogException(field, source + " is not valid " + (json ? "JSON" : "YAML") + where + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    /**
     * The path prefix every operation is served under: OpenAPI 3's first server URL's path (when it has no
     * variables), Swagger 2's basePath; empty for "/" or none.
     */
    private static String basePath(JsonNode doc, boolean openapi3) {
        String base;
        if (openapi3) {
            JsonNode servers = doc.path("servers");
            String url = servers.isArray() && !servers.isEmpty() ? servers.get(0).path("url").asText("") : "";
            if (url.isBlank() || url.contains("{")) {
                return "";
            }
            try {
                base = URI.create(url.strip()).getPath();
            } catch (IllegalArgumentException e) {
                return "";
            }
        } else {
            base = doc.path("basePath").asText("");
        }
        if (base == null) {
            return "";
        }
        base = base.replaceAll("/+$", "");
        return base.startsWith("/") ? base : base.isEmpty() ? "" : "/" + base;
    }

    private static String join(String base, String path) {
        return base.isEmpty() ? path : base + path;
    }

    private static boolean balancedBraces(String path) {
        int depth = 0;
        for (char c : path.toCharArray()) {
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
            }
            if (depth < 0 || depth > 1) {
                return false;
            }
        }
        return depth == 0;
    }
}
