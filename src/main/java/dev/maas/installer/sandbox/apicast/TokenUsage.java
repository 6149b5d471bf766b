package dev.maas.installer.sandbox.apicast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The llm-token-usage policy for one request, as installer-assets/policies/llm-token-usage/llm_token_usage.lua
 * does it (each step names the Lua function): the configuration's metric names (an empty name turns a metric off),
 * {@code check_limits_before_request} and {@code include_usage_in_streams} (both default true) and
 * {@code max_body_bytes} (default 1 MiB).
 */
final class TokenUsage {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The usage fields in the order they are reported (FIELDS). */
    static final List<String> FIELDS = List.of("prompt_tokens", "completion_tokens", "total_tokens");
    static final long DEFAULT_MAX_BODY_BYTES = 1_048_576;

    private final Map<String, String> metrics = new LinkedHashMap<>();
    private final boolean checkBefore;
    private final long maxBodyBytes;
    private long countedBefore;

    /** _M.new: the metric names of the configuration, else the defaults. */
    TokenUsage(JsonNode configuration) {
        JsonNode c = configuration == null ? JSON.createObjectNode() : configuration;
        for (String f : FIELDS) {
            JsonNode name = c.get(f + "_metric");
            metrics.put(f, name != null && name.isTextual() ? name.asText() : f);
        }
        checkBefore = !c.path("check_limits_before_request").isBoolean()
                || c.path("check_limits_before_request").asBoolean();
        maxBodyBytes = c.path("max_body_bytes").canConvertToLong() ? c.path("max_body_bytes").asLong()
                : DEFAULT_MAX_BODY_BYTES;
    }

    /**
     * _M:rewrite: removes Accept-Encoding; for a JSON POST with {@code "stream": true} and no
     * {@code stream_options}, the body with {@code "stream_options":{"include_usage":true},} inserted after its
     * opening brace (ask_for_stream_usage); empty when the body stays as it is.
     */
    static Optional<byte[]> rewrite(Map<String, List<String>> headers, String method, JsonNode configuration,
                                    byte[] body) {
        headers.remove("accept-encoding");
        JsonNode include = configuration == null ? null : configuration.get("include_usage_in_streams");
        if (include != null && include.isBoolean() && !include.asBoolean() || !"POST".equals(method)) {
            return Optional.empty();
        }
        List<String> ct = headers.get("content-type");
        if (ct == null || ct.isEmpty() || !"json".equals(bodyKind(ct.get(0)))) {
            return Optional.empty();
        }
        String text = new String(body, StandardCharsets.UTF_8);
        if (!text.contains("\"stream\"")) {
            return Optional.empty();
        }
        JsonNode payload;
        try {
            payload = JSON.readTree(text);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (payload == null || !payload.isObject() || !payload.path("stream").isBoolean()
                || !payload.path("stream").asBoolean() || payload.has("stream_options")) {
            return Optional.empty();
        }
        int start = text.indexOf('{');
        if (start < 0 || !text.substring(0, start).isBlank()) {
            return Optional.empty();
        }
        String changed = text.substring(0, start + 1) + "\"stream_options\":{\"include_usage\":true},"
                + text.substring(start + 1);
        return Optional.of(changed.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * _M:access: adds 1 to each token metric of a usage that has metrics (a request that matched no rule keeps its
     * empty usage, so APIcast still refuses it).
     */
    void access(Map<String, Long> usage) {
        if (!checkBefore || usage.isEmpty()) {
            return;
        }
        for (String f : FIELDS) {
            String metric = metrics.get(f);
            if (!metric.isEmpty()) {
                usage.merge(metric, 1L, Long::sum);
            }
        }
        countedBefore = 1;
    }

    /**
     * header_filter, body_filter and post_action: for a 2xx answer of JSON or SSE without Content-Encoding, the
     * usage of the body (JSON) or of the last event with usage (SSE), less what access counted, by metric name;
     * empty when nothing is to be reported (errors, no usage, encoded or too large bodies: usage_to_report).
     */
    Map<String, Long> afterResponse(int status, String contentType, Map<String, List<String>> headers, byte[] body) {
        Map<String, Long> out = new LinkedHashMap<>();
        if (status < 200 || status > 299) {
            return out;
        }
        String kind = bodyKind(contentType);
        if (kind == null) {
            return out;
        }
        for (Map.Entry<String, List<String>> h : headers.entrySet()) {
            if (h.getKey().equalsIgnoreCase("Content-Encoding")) {
                String enc = String.join(",", h.getValue()).strip();
                if (!enc.isEmpty() && !enc.equalsIgnoreCase("identity")) {
                    return out;
                }
            }
        }
        Map<String, Long> tokens = kind.equals("sse") ? fromStream(body) : fromJson(body);
        if (tokens == null) {
            return out;
        }
        for (String f : FIELDS) {
            String metric = metrics.get(f);
            long value = tokens.get(f) - countedBefore;
            if (!metric.isEmpty() && value > 0) {
                out.merge(metric, value, Long::sum);
            }
        }
        return out;
    }

    private Map<String, Long> fromJson(byte[] body) {
        if (body.length > maxBodyBytes) {
            return null;
        }
        try {
            return usageOf(JSON.readTree(body));
        } catch (IOException e) {
            return null;
        }
    }

    /** read_sse: events end with an empty line, their data is their "data:" lines; the last usage counts. */
    private Map<String, Long> fromStream(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        Map<String, Long> last = null;
        List<String> data = new ArrayList<>();
        for (String raw : (text + "\n").split("\n", -1)) {
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (line.isEmpty()) {
                if (!data.isEmpty()) {
                    String event = String.join("\n", data);
                    data.clear();
                    if (event.length() <= maxBodyBytes && !event.equals("[DONE]") && event.contains("\"usage\"")) {
                        try {
                            Map<String, Long> u = usageOf(JSON.readTree(event));
                            if (u != null) {
                                last = u;
                            }
                        } catch (IOException e) {
                            // cjson.safe: an undecodable event is skipped
                        }
                    }
                }
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            if (field.equals("data")) {
                String value = colon < 0 ? "" : line.substring(colon + 1);
                data.add(value.startsWith(" ") ? value.substring(1) : value);
            }
        }
        return last;
    }

    /** _M.usage_of: three non-negative integers; a missing total is the sum, a missing part 0; null without usage. */
    static Map<String, Long> usageOf(JsonNode decoded) {
        JsonNode usage = decoded == null ? null : decoded.get("usage");
        if (usage == null || !usage.isObject()) {
            return null;
        }
        Map<String, Long> out = new LinkedHashMap<>();
        boolean found = false;
        for (String f : FIELDS) {
            JsonNode n = usage.get(f);
            if (n != null && n.isNumber() && n.asDouble() >= 0 && Double.isFinite(n.asDouble())) {
                out.put(f, (long) Math.floor(n.asDouble()));
                found = true;
            }
        }
        if (!found) {
            return null;
        }
        out.putIfAbsent("prompt_tokens", 0L);
        out.putIfAbsent("completion_tokens", 0L);
        out.putIfAbsent("total_tokens", out.get("prompt_tokens") + out.get("completion_tokens"));
        return out;
    }

    /** _M.body_kind: "sse" for text/event-stream, "json" for application/json and application/*+json, else null. */
    static String bodyKind(String contentType) {
        if (contentType == null) {
            return null;
        }
        String media = contentType.strip().split("[;\\s]", 2)[0].toLowerCase(Locale.ROOT);
        if (media.equals("text/event-stream")) {
            return "sse";
        }
        return media.equals("application/json") || media.matches("application/[^/]+\\+json") ? "json" : null;
    }
}
