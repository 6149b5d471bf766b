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
 *   <li>403 with {@code {"errors":{"base":[...]}}}: a refused delete; porta's responder answers a failed DELETE with
 *       403 instead of 422 (app/lib/three_scale/api/responder.rb#error_status): a backend still used by a product
 *       (app/models/backend_api.rb), a metric or method used by the latest APIcast configuration, the hits metric
 *       (app/models/metric.rb). The message names that cause, never the token.</li>
 *   <li>422 with {@code {"error":{"from","event","error","object"}}}: a refused state transition
 *       (StateMachine::InvalidTransitionRepresenter), e.g. deleting the tenant's default or last product
 *       (app/models/service.rb {@code mark_as_deleted unless: :default_or_last?}).</li>
 *   <li>422 with {@code {"policies_config":[{..,"errors":{..}}]}}: a policy chain with an invalid policy
 *       (app/controllers/admin/api/services/proxy/policies_controller.rb, represent_on_error :resource).</li>
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
                JsonNode transition = json == null ? null : json.get("error");
                if (fields.isEmpty() && transition != null && transition.isObject()) {
                    return new ThreescaleApiException(secrets.redact(refusedTransition(method, path, transition)), status,
                            method, path, Map.of(), null);
                }
                if (fields.isEmpty() && json != null && json.path("policies_config").isArray()) {
                    policyErrors(json.get("policies_config"), fields);
                }
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
            case 403 -> {
                JsonNode errors = json == null ? null : json.get("errors");
                if (errors != null && errors.isObject()) {
                    for (Iterator<Map.Entry<String, JsonNode>> it = errors.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        List<String> msgs = new ArrayList<>();
                        e.getValue().forEach(m -> msgs.add(m.asText()));
                        if (!e.getValue().isArray()) {
                            msgs.add(e.getValue().asText());
                        }
                        fields.put(e.getKey(), msgs);
                    }
                    message = refusedDelete(method, path, fields);
                } else {
                    message = forbidden(method, path, errorText(json, body));
                }
            }
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

    /**
     * A delete 3scale refused (403 with validation errors), with what causes it and what to do; the token is fine.
     */
    private static String refusedDelete(String method, String path, Map<String, List<String>> fields) {
        List<String> parts = new ArrayList<>();
        fields.forEach((field, msgs) -> parts.add(("base".equals(field) ? "" : field + " ") + String.join(", ", msgs)));
        String why = String.join("; ", parts);
        String what = method + " " + path;
        String hint;
        if (path.startsWith("/admin/api/backend_apis/") && !path.contains("/metrics")) {
            hint = " A product still uses this backend, possibly a product deleted moments ago that 3scale has not"
                    + " finished removing in the background. Remove the backend from the products that use it (or wait"
                    + " a few minutes after deleting a product), then run again.";
        } else if (path.contains("/metrics/")) {
            hint = " The latest APIcast configuration of staging or production still has a mapping rule on it:"
                    + " deploy a configuration without it to staging and promote it to production first, then delete"
                    + " it.";
        } else {
            hint = "";
        }
        return "3scale refused " + what + " (HTTP 403): " + why + "." + hint;
    }

    /** A refused state transition, e.g. deleting the tenant's last product. */
    private static String refusedTransition(String method, String path, JsonNode error) {
        String text = error.path("error").asText("");
        String event = error.path("event").asText("");
        String from = error.path("from").asText("");
        String message = "3scale refused " + method + " " + path + " (HTTP 422): " + (text.isEmpty() ? "invalid"
                + " state transition" : text) + (event.isEmpty() ? "" : " (event " + event + " from state " + from + ")")
                + ".";
        if ("mark_as_deleted".equals(event) && path.startsWith("/admin/api/services/")) {
            message += " 3scale keeps a tenant's default product and its last product: it cannot delete this one"
                    + " while it is the only product left (or the default one).";
        }
        return message;
    }

    /** {@code {"policies_config":[{"name":..,"version":..,"errors":{"version":["can't be blank"]}}]}}. */
    private static void policyErrors(JsonNode policies, Map<String, List<String>> fields) {
        int i = 0;
        List<String> msgs = new ArrayList<>();
        for (JsonNode p : policies) {
            i++;
            JsonNode errors = p.get("errors");
            if (errors == null || !errors.isObject()) {
                continue;
            }
            String name = p.path("name").asText("");
            List<String> each = new ArrayList<>();
            errors.fields().forEachRemaining(e -> e.getValue().forEach(m -> each.add(e.getKey() + " " + m.asText())));
            msgs.add((name.isEmpty() ? "policy " + i : name + " (policy " + i + ")") + ": " + String.join(", ", each));
        }
        if (!msgs.isEmpty()) {
            fields.put("policies_config", msgs);
        }
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
