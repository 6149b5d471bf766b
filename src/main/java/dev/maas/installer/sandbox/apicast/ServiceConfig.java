package dev.maas.installer.sandbox.apicast;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One product as APIcast reads it from a promoted configuration's {@code content} (APIcast
 * gateway/src/apicast/configuration.lua#parse_service), with APIcast's defaults for absent fields.
 *
 * @param id               {@code id}
 * @param systemName       {@code system_name}
 * @param backendVersion   {@code backend_version}: "1" user key, "2" app id and key, "oauth"/"oidc"
 * @param hosts            {@code proxy.hosts} (default {@code localhost}), matched against the request's host
 * @param apiBackend       {@code proxy.api_backend}: the upstream, null when the routing policy chooses it
 * @param location         {@code proxy.credentials_location} (default {@code query})
 * @param userKey          {@code proxy.auth_user_key}, lower-cased (default {@code user_key})
 * @param appId            {@code proxy.auth_app_id}, lower-cased
 * @param appKey           {@code proxy.auth_app_key}, lower-cased
 * @param authFailed       the body, status and content type of "authentication failed"
 * @param authMissing      the same for "authentication parameters missing" (default status 401)
 * @param noMatch          the same for "no mapping rule matched" (default status 404)
 * @param limitsExceeded   the same for "limits exceeded" (default status 429, body "Limits exceeded")
 * @param secretToken      {@code proxy.secret_token}, sent upstream as X-3scale-proxy-secret-token
 * @param hostnameRewrite  {@code proxy.hostname_rewrite} when a non-empty string
 * @param rules            {@code proxy.proxy_rules} in order
 * @param policyChain      {@code proxy.policy_chain}: name, version, configuration of each policy
 */
public record ServiceConfig(long id, String systemName, String backendVersion, List<String> hosts,
                            String apiBackend, String location, String userKey, String appId, String appKey,
                            ErrorReply authFailed, ErrorReply authMissing, ErrorReply noMatch,
                            ErrorReply limitsExceeded, String secretToken,
                            String hostnameRewrite, List<MappingRule> rules, List<PolicyEntry> policyChain) {

    /** An error answer: status, Content-Type and body (configuration.lua: error_*, error_status_*, error_headers_*). */
    public record ErrorReply(int status, String contentType, String body) { }

    /** One entry of {@code proxy.policy_chain}. */
    public record PolicyEntry(String name, String version, JsonNode configuration) { }

    static ServiceConfig parse(JsonNode content) {
        JsonNode proxy = content.path("proxy");
        List<String> hosts = new ArrayList<>();
        proxy.path("hosts").forEach(h -> hosts.add(h.asText().toLowerCase(Locale.ROOT)));
        if (!proxy.path("hosts").isArray()) {
            hosts.add("localhost");
        }
        List<MappingRule> rules = new ArrayList<>();
        for (JsonNode r : proxy.path("proxy_rules")) {
            MappingRule rule = MappingRule.from(r);
            if (rule != null) {
                rules.add(rule);
            }
        }
        List<PolicyEntry> chain = new ArrayList<>();
        for (JsonNode p : proxy.path("policy_chain")) {
            chain.add(new PolicyEntry(p.path("name").asText(""), p.path("version").asText(""),
                    p.path("configuration")));
        }
        String rewrite = text(proxy, "hostname_rewrite", null);
        return new ServiceConfig(content.path("id").asLong(), text(content, "system_name", ""),
                text(content, "backend_version", "1"), List.copyOf(hosts), text(proxy, "api_backend", null),
                text(proxy, "credentials_location", "query"),
                text(proxy, "auth_user_key", "user_key").toLowerCase(Locale.ROOT),
                text(proxy, "auth_app_id", "app_id").toLowerCase(Locale.ROOT),
                text(proxy, "auth_app_key", "app_key").toLowerCase(Locale.ROOT),
                reply(proxy, "auth_failed", "Authentication failed", 403),
                reply(proxy, "auth_missing", "Authentication parameters missing", 401),
                reply(proxy, "no_match", "No Mapping Rule matched", 404),
                reply(proxy, "limits_exceeded", "Limits exceeded", 429),
                text(proxy, "secret_token", null), rewrite == null || rewrite.isEmpty() ? null : rewrite,
                List.copyOf(rules), List.copyOf(chain));
    }

    private static ErrorReply reply(JsonNode proxy, String kind, String body, int status) {
        JsonNode s = proxy.get("error_status_" + kind);
        return new ErrorReply(s == null || s.isNull() ? status : s.asInt(status),
                text(proxy, "error_headers_" + kind, "text/plain; charset=utf-8"),
                text(proxy, "error_" + kind, body));
    }

    /** A field's text; {@code fallback} when absent or JSON null (configuration.lua's {@code x or default}). */
    private static String text(JsonNode node, String field, String fallback) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? fallback : v.asText();
    }

    boolean hasPolicy(String name) {
        return policyChain.stream().anyMatch(p -> p.name().equals(name));
    }
}
