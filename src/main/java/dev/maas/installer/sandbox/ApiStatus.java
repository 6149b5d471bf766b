package dev.maas.installer.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The answers of the API server that are not a stored object: Status objects, and the rejection that carries one. */
final class ApiStatus {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ApiStatus() {
    }

    static JsonNode body(MockResponse response) {
        try {
            return JSON.readTree(new String(response.getBody().getBytes(), StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the stored object is not JSON", e);
        }
    }

    /**
     * The apply conflict (apimachinery pkg/util/managedfields/internal/conflict.go NewConflictError,
     * getConflictMessage: one conflict on one line, several grouped by manager, managers sorted).
     */
    static MockResponse conflict(List<FieldOwnership.Conflict> conflicts) {
        ObjectNode d = NODES.objectNode();
        ArrayNode causes = d.putArray("causes");
        for (FieldOwnership.Conflict c : conflicts) {
            causes.addObject().put("reason", "FieldManagerConflict")
                    .put("message", "conflict with " + c.describeManager()).put("field", c.fieldPath());
        }
        String message;
        if (conflicts.size() == 1) {
            message = "Apply failed with 1 conflict: conflict with " + conflicts.get(0).describeManager() + ": "
                    + conflicts.get(0).fieldPath();
        } else {
            java.util.TreeMap<String, List<FieldOwnership.Conflict>> byManager = new java.util.TreeMap<>();
            conflicts.forEach(c -> byManager.computeIfAbsent(c.manager(), k -> new ArrayList<>()).add(c));
            List<String> lines = new ArrayList<>();
            byManager.values().forEach(cs -> {
                lines.add("conflicts with " + cs.get(0).describeManager() + ":");
                cs.forEach(c -> lines.add("- " + c.fieldPath()));
            });
            message = "Apply failed with " + conflicts.size() + " conflicts: " + String.join("\n", lines);
        }
        return status(409, "Conflict", message, d);
    }

    // ---- responses ----

    static final class Rejection extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient MockResponse response;

        Rejection(MockResponse response) {
            super(null, null, false, false);
            this.response = response;
        }
    }

    static Rejection notFound(String message) {
        return new Rejection(status(404, "NotFound", message, null));
    }

    static String resourceNotFound(ApiTarget t, ApiCatalog.Resource r) {
        String res = r.group().isEmpty() ? r.plural() : r.plural() + "." + r.group();
        return res + " \"" + t.name() + "\" not found";
    }

    static ObjectNode details(ApiTarget t, ApiCatalog.Resource r) {
        ObjectNode d = NODES.objectNode();
        if (t.name() != null) {
            d.put("name", t.name());
        }
        d.put("group", r.group()).put("kind", r.plural());
        return d;
    }

    static MockResponse status(int code, String reason, String message, ObjectNode details) {
        ObjectNode s = NODES.objectNode().put("kind", "Status").put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Failure").put("message", message);
        if (reason != null && !reason.isEmpty()) {
            s.put("reason", reason);
        }
        if (details != null) {
            s.set("details", details);
        }
        s.put("code", code);
        return json(code, s);
    }

    static MockResponse invalid(ApiCatalog.Resource r, String name, List<FieldError> errors) {
        String qualified = r.group().isEmpty() ? r.kind() : r.kind() + "." + r.group();
        List<String> parts = errors.stream().map(FieldError::full).toList();
        String joined = parts.size() == 1 ? parts.get(0) : "[" + String.join(", ", parts) + "]";
        ObjectNode d = NODES.objectNode().put("name", name).put("group", r.group()).put("kind", r.kind());
        ArrayNode causes = d.putArray("causes");
        for (FieldError e : errors) {
            causes.addObject().put("reason", e.reason()).put("message", e.message()).put("field", e.field());
        }
        return status(422, "Invalid", qualified + " \"" + name + "\" is invalid: " + joined, d);
    }

    static MockResponse json(int code, JsonNode body) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                .setBody(body.toString());
    }

    static ObjectNode readObject(String text) {
        try {
            JsonNode n = JSON.readTree(text == null ? "" : text);
            if (n instanceof ObjectNode o) {
                return o;
            }
        } catch (JsonProcessingException e) {
            throw new Rejection(status(400, "BadRequest", "the body is not a JSON object: " + e.getOriginalMessage(), null));
        }
        throw new Rejection(status(400, "BadRequest", "the body is not a JSON object", null));
    }
}
