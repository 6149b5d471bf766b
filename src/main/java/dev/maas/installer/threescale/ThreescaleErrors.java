package dev.maas.installer.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.secrets.SecretRegistry;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns 3scale error responses into messages a user can act on.
 *
 * <ul>
 *   <li>422: porta renders {@code {"errors":{"field":["message", ...]}}} (Rails validation errors); the message
 *       names each field ("system_name has already been taken").</li>
 *   <li>403: porta answers {@code {"error":"Your access token does not have the correct permissions"}} when the token
 *       lacks the scope of the API or is read-only for a write (porta app/lib/api_authentication/by_access_token.rb,
 *       show_access_key_permission_error), and {@code {"error":"Access denied"}} for an unknown token.</li>
 *   <li>409: porta answers {@code head :conflict} on a database uniqueness violation (ActiveRecord::RecordNotUnique,
 *       app/controllers/admin/api/base_controller.rb), i.e. a concurrent duplicate.</li>
 * </ul>
 */
final class ThreescaleErrors {
    private ThreescaleErrors() {
    }

    static ThreescaleApiException fromResponse(String method, String path, int status, String body, String retryAfter,
                                               ObjectMapper mapper, SecretRegistry secrets) {
        JsonNode json = parse(body, mapper);
        String op = method + " " + path;
        Map<String, List<String>> fields = new LinkedHashMap<>();
        String message;
        switch (status) {
            case 422 -> {
                JsonNode errors = json == null ? null : json.get("errors");
                if (errors != null && errors.isObject()) {
                    for (Iterator<Map.Entry<String, JsonNode>> it = errors.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        List<String> msgs = new ArrayList<>();
                        if (e.getValue().isArray()) {
                            e.getValue().forEach(m -> msgs.add(m.asText()));
                        } else {
                            msgs.add(e.getValue().asText());
                        }
                        fields.put(e.getKey(), msgs);
                    }
                }
                StringBuilder sb = new StringBuilder("3scale rejected " + op + ": ");
                if (fields.isEmpty()) {
                    sb.append(errorText(json, body));
                } else {
                    List<String> parts = new ArrayList<>();
                    fields.forEach((field, msgs) -> parts.add(("base".equals(field) ? "" : field + " ")
                            + String.join(", ", msgs)));
                    sb.append(String.join("; ", parts));
                }
                sb.append(path.startsWith("/admin/api/cms/") ? "." // the caller names the content file
                        : ". Fix the value in the installer configuration and run again.");
                message = sb.toString();
            }
            case 403 -> message = forbidden(method, path, errorText(json, body));
            case 401 -> message = "3scale refused the access token for " + op + " (HTTP 401). " + tokenFix(path);
            case 404 -> message = "Not found in 3scale: " + op + " (HTTP 404)"
                    + (path.contains("service_subscriptions") ? ". Service subscriptions need 3scale 2.16 or later." : ".");
            case 409 -> message = "3scale reported a conflict for " + op + " (HTTP 409): the object was created at the "
                    + "same time by another request. Run again; the installer will find and reuse it.";
            case 429 -> message = "3scale is rate limiting requests (HTTP 429) for " + op
                    + (retryAfter == null ? "" : ", retry after " + retryAfter + " s") + ".";
            default -> message = "3scale answered HTTP " + status + " for " + op + ": " + errorText(json, body)
                    + (status >= 500 ? ". 3scale's system-app may be restarting or overloaded; try again in a minute." : ".");
        }
        return new ThreescaleApiException(secrets.redact(message), status, method, path, fields, null)
                .withRetryAfter(retryAfter);
    }

    private static String forbidden(String method, String path, String error) {
        String lower = error.toLowerCase();
        if (lower.contains("permission")) {
            boolean write = !"GET".equals(method);
            return "The 3scale access token may not " + (write ? "change" : "read") + " " + method + " " + path
                    + " (HTTP 403: " + error + "). It needs the '" + scope(path) + "' scope"
                    + (write ? " with Read & Write permission" : "") + ". " + tokenFix(path);
        }
        return "3scale did not accept the access token for " + method + " " + path + " (HTTP 403: " + error
                + "). The token is unknown to this tenant, expired or revoked. " + tokenFix(path);
    }

    private static String tokenFix(String path) {
        return "The installer signs in with ADMIN_ACCESS_TOKEN of Secret system-seed in the 3scale namespace: it must"
                + " be the tenant's admin token, or a token made in the Admin Portal (Account Settings > Personal >"
                + " Tokens) with the '" + scope(path) + "' scope and Read & Write permission.";
    }

    /** The access token scope (as named in the Admin Portal) an Admin API path belongs to. */
    static String scope(String path) {
        if (path.startsWith("/admin/api/cms/")) {
            return "Developer Portal API";
        }
        if (path.startsWith("/admin/api/registry/")) {
            return "Policy Registry API";
        }
        return "Account Management API";
    }

    private static JsonNode parse(String body, ObjectMapper mapper) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return mapper.readTree(body);
        } catch (Exception e) {
            return null;
        }
    }

    private static String errorText(JsonNode json, String body) {
        if (json != null && json.hasNonNull("error")) {
            return json.get("error").asText();
        }
        if (json != null && json.hasNonNull("status")) {
            return json.get("status").asText();
        }
        if (body == null || body.isBlank()) {
            return "no details";
        }
        String oneLine = body.replaceAll("\\s+", " ").trim();
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
    }
}
