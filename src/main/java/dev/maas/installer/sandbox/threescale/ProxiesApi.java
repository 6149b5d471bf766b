package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.maas.installer.sandbox.threescale.SimStore.Req;
import dev.maas.installer.sandbox.threescale.SimStore.Resp;

import static dev.maas.installer.sandbox.threescale.SimSupport.*;

/** A product's proxy, its policy chain and its APIcast configurations. */
final class ProxiesApi extends SimPart {
    ProxiesApi(SimState st) {
        super(st);
    }

    /**
     * ProxyRepresenter (app/representers/proxy_representer.rb): these properties, nil ones left out except
     * api_backend (render_nil), policies_config as an array (PoliciesConfig#as_json), and links; api_backend is the
     * product's first backend's private endpoint (BackendApiLogic::ServiceExtension: service.backend_api).
     */
    private ObjectNode proxyJson(long sid) {
        ObjectNode p = proxies.get(sid);
        ObjectNode o = J.objectNode();
        copyPresent(p, o, "service_id", "endpoint", "deployed_at");
        String apiBackend = apiBackend(sid);
        if (apiBackend == null) {
            o.putNull("api_backend");
        } else {
            o.put("api_backend", apiBackend);
        }
        copyPresent(p, o, "credentials_location", "auth_app_key", "auth_app_id", "auth_user_key", "error_auth_failed",
                "error_auth_missing", "error_status_auth_failed", "error_headers_auth_failed",
                "error_status_auth_missing", "error_headers_auth_missing", "error_no_match", "error_status_no_match",
                "error_headers_no_match", "error_limits_exceeded", "error_status_limits_exceeded",
                "error_headers_limits_exceeded", "secret_token", "hostname_rewrite", "oauth_login_url",
                "sandbox_endpoint", "api_test_path", "api_test_success");
        o.set("policies_config", policyChains.get(sid).deepCopy());
        copyPresent(p, o, "created_at", "updated_at");
        o.put("deployment_option", services.get(sid).get("deployment_option").asText());
        copyPresent(p, o, "lock_version");
        String base = "/admin/api/services/" + sid;
        links(o, "mapping_rules", base + "/proxy/mapping_rules", "self", base + "/proxy", "service", base);
        return o;
    }

    /** The product's first backend usage (by id) and its backend: service.backend_api (BackendApiProxy). */
    private Optional<ObjectNode> firstUsage(long sid) {
        return usages.values().stream().filter(u -> u.get("service_id").asLong() == sid)
                .min(Comparator.comparingLong(u -> u.get("id").asLong()));
    }

    private String apiBackend(long sid) {
        return firstUsage(sid).map(u -> backends.get(u.get("backend_id").asLong()))
                .map(b -> b.path("private_endpoint").asText(null)).orElse(null);
    }

    /** BackendApiLogic::RoutingPolicy#with_subpaths?: a backend used at another path than "/". */
    private boolean withSubpaths(long sid) {
        return usages.values().stream().anyMatch(u -> u.get("service_id").asLong() == sid
                && !u.get("path").asText().equals("/"));
    }

    /** Admin::Api::Services::ProxiesController#proxy_params. */
    private static final List<String> PROXY_PARAMS = List.of("endpoint", "api_backend", "credentials_location",
            "auth_app_key", "auth_app_id", "auth_user_key", "sandbox_endpoint", "error_auth_failed",
            "error_auth_missing", "error_status_auth_failed", "error_headers_auth_failed", "error_status_auth_missing",
            "error_headers_auth_missing", "error_no_match", "error_status_no_match", "error_headers_no_match",
            "secret_token", "hostname_rewrite", "oauth_login_url", "api_test_path", "oidc_issuer_endpoint",
            "oidc_issuer_type", "error_status_limits_exceeded", "error_headers_limits_exceeded", "error_limits_exceeded",
            "jwt_claim_with_client_id", "jwt_claim_with_client_id_type");
    /** Proxy::APP_OR_USER_KEY and Proxy::HTTP_HEADER (app/models/proxy.rb). */
    private static final java.util.regex.Pattern APP_OR_USER_KEY = java.util.regex.Pattern.compile("[\\w\\d_-]+");
    private static final java.util.regex.Pattern HTTP_HEADER =
            java.util.regex.Pattern.compile("[{}\\[\\]\\d,.;@#~%&()?\\w_\"= /\\\\:+-]+");

    /**
     * Proxy update (PATCH; app/controllers/admin/api/services/proxies_controller.rb#update): the permitted fields
     * (others are ignored), the validations of app/models/proxy.rb; on success the product is deployed to staging
     * (ProxyDeploymentService). {@code api_backend} is the first backend's private endpoint: it updates that backend,
     * or makes the product's backend ("&lt;name&gt; Backend", used at /) when it has none
     * (BackendApiLogic::ProxyExtension#save_backend_api).
     */
    private Resp updateProxy(Req r) {
        long sid = sid(r);
        ObjectNode p = proxies.get(sid);
        Map<String, List<String>> errs = new LinkedHashMap<>();
        if (r.has("credentials_location") && !Set.of("headers", "query", "authorization").contains(r.p("credentials_location"))) {
            errs.put("credentials_location", List.of("is not included in the list"));
        }
        for (String f : List.of("error_status_auth_failed", "error_status_auth_missing", "error_status_no_match",
                "error_status_limits_exceeded")) {
            if (r.has(f)) {
                String v = r.p(f).trim();
                if (v.isEmpty()) {
                    errs.put(f, List.of("can't be blank"));
                } else if (!v.matches("[+-]?\\d+(\\.\\d+)?")) {
                    errs.put(f, List.of("is not a number"));
                } else if (Double.parseDouble(v) < 200) {
                    errs.put(f, List.of("must be greater than or equal to 200"));
                } else if (Double.parseDouble(v) >= 600) {
                    errs.put(f, List.of("must be less than 600"));
                }
            }
        }
        for (String f : List.of("auth_app_id", "auth_app_key", "auth_user_key", "secret_token")) {
            if (r.has(f) && !APP_OR_USER_KEY.matcher(r.p(f)).matches()) {
                errs.put(f, List.of("is invalid"));
            }
        }
        for (String f : List.of("error_headers_auth_failed", "error_headers_auth_missing", "error_headers_no_match",
                "error_auth_failed", "error_auth_missing", "error_no_match", "error_headers_limits_exceeded",
                "error_limits_exceeded")) {
            if (r.has(f) && !HTTP_HEADER.matcher(r.p(f)).matches()) {
                errs.put(f, List.of("is invalid"));
            }
        }
        for (String f : List.of("endpoint", "sandbox_endpoint")) {
            if (r.has(f) && !r.p(f).isBlank() && !r.p(f).matches("https?://[^/\\s?#]+(/[^\\s?#]*)?")) {
                errs.put(f, List.of("the accepted format is 'protocol://address(:port)'"));
            }
        }
        if (r.has("oidc_issuer_type") && !r.p("oidc_issuer_type").isBlank()
                && !Set.of("keycloak", "rest").contains(r.p("oidc_issuer_type"))) {
            errs.put("oidc_issuer_type", List.of("is not included in the list"));
        }
        String apiBackend = null;
        if (r.has("api_backend")) {
            Map<String, List<String>> backendErrs = new LinkedHashMap<>();
            apiBackend = ActiveDocsApi.privateEndpoint(r.p("api_backend"), backendErrs);
            if (backendErrs.containsKey("private_endpoint")) { // reported as api_backend (nested_association)
                errs.put("api_backend", backendErrs.get("private_endpoint"));
            }
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        for (String f : PROXY_PARAMS) {
            if (!r.has(f) || f.equals("api_backend")) {
                continue;
            }
            String v = r.p(f);
            if (f.startsWith("error_status_")) {
                p.put(f, (int) Double.parseDouble(v.trim()));
            } else if (f.equals("endpoint") || f.equals("sandbox_endpoint")) {
                p.put(f, v.isBlank() ? null : withDefaultPort(v));
                p.put(f.equals("endpoint") ? "production_domain" : "staging_domain", v.isBlank() ? null : hostOf(v));
            } else {
                p.put(f, v);
            }
        }
        if (apiBackend != null) {
            setApiBackend(sid, apiBackend);
        }
        p.put("lock_version", p.get("lock_version").asLong() + 1);
        touch(p);
        touch(services.get(sid)); // Proxy belongs_to :service, touch: true
        proxyDeployment(sid);
        return ok(wrap("proxy", proxyJson(sid)));
    }

    private void setApiBackend(long sid, String endpoint) {
        Optional<ObjectNode> usage = firstUsage(sid);
        if (usage.isPresent()) {
            ObjectNode b = backends.get(usage.get().get("backend_id").asLong());
            b.put("private_endpoint", endpoint);
            touch(b);
            return;
        }
        ObjectNode s = services.get(sid);
        String name = s.get("name").asText();
        ObjectNode b = productsApi().newBackend(name + " Backend", s.get("system_name").asText(), "Backend of " + name, endpoint);
        ObjectNode u = J.objectNode();
        u.put("id", id());
        u.put("path", "/");
        u.put("service_id", sid);
        u.put("backend_id", b.get("id").asLong());
        usages.put(u.get("id").asLong(), u);
    }

    /**
     * ProxyDeploymentService (app/services/proxy_deployment_service.rb) for an APIcast-configuration-driven proxy:
     * a new staging configuration, for products deployed with a gateway (hosted, self_managed) or a service mesh.
     */
    private boolean proxyDeployment(long sid) {
        String option = services.get(sid).get("deployment_option").asText();
        if (!option.equals("hosted") && !option.equals("self_managed") && !option.startsWith("service_mesh")) {
            return false;
        }
        return deployStaging(sid);
    }

    private ObjectNode policiesJson(long sid) {
        ObjectNode o = J.objectNode();
        o.set("policies_config", policyChains.get(sid).deepCopy());
        return o;
    }

    /**
     * Policy chain update (app/controllers/admin/api/services/proxy/policies_controller.rb#update). The policy
     * registry is not consulted. {@code policies_config} becomes Proxy::PoliciesConfig (app/models/proxy.rb): a
     * JSON text is parsed (a JSON object turns into its [key, value] pairs, as Ruby's Array(hash)); each entry keeps
     * only name, version, configuration and enabled; the apicast policy (builtin, empty configuration, enabled) is
     * appended when no entry is named apicast. Each entry needs a name and a version, and a configuration that is
     * {} or not blank (PolicyConfig#configuration_is_object); otherwise 422 with every entry and its errors (the
     * controller's represent_on_error :resource). A text that is not JSON: 422
     * {@code {"errors":{"policies_config":["has invalid format..."]}}}. An entry without {@code enabled: true} stays
     * in the chain but is left out of the APIcast configuration (PoliciesConfig#chain). On success the product is
     * deployed to staging (ApicastV2DeploymentService).
     */
    private Resp updatePolicies(Req r) {
        long sid = sid(r);
        if (!r.has("policies_config")) { // params.require(:proxy), wrapped from the Proxy attributes
            throw new SimError(Resp.text(400, "Required parameter missing: proxy"));
        }
        JsonNode parsed;
        try {
            parsed = MAPPER.readTree(r.p("policies_config"));
        } catch (Exception e) {
            parsed = null;
        }
        if (parsed == null || parsed.isMissingNode()) {
            throw unprocessable("policies_config",
                    "has invalid format. The Correct format is: [{ \"name\": \"apicast\"... }]");
        }
        List<JsonNode> entries = new ArrayList<>();
        if (parsed.isArray()) {
            parsed.forEach(entries::add);
        } else if (parsed.isObject()) {
            parsed.properties().forEach(e -> entries.add(J.arrayNode().add(e.getKey()).add(e.getValue())));
        } else if (!parsed.isNull()) {
            entries.add(parsed);
        }
        ArrayNode chain = J.arrayNode();
        for (JsonNode entry : entries) {
            ObjectNode n = chain.addObject();
            for (String k : List.of("name", "version", "configuration", "enabled")) {
                JsonNode v = entry.isObject() ? entry.get(k) : null;
                if (v != null && !v.isNull()) {
                    n.set(k, v.deepCopy());
                }
            }
        }
        boolean hasApicast = false;
        for (JsonNode p : chain) {
            hasApicast |= "apicast".equals(p.path("name").asText(null));
        }
        if (!hasApicast) {
            chain.add(ProductsApi.defaultPolicy());
        }
        boolean invalid = false;
        ArrayNode shown = J.arrayNode();
        for (JsonNode p : chain) {
            ObjectNode e = J.objectNode();
            for (String k : List.of("name", "version")) {
                if (rubyBlank(p.get(k))) {
                    e.putArray(k).add("can't be blank");
                }
            }
            JsonNode conf = p.get("configuration");
            if (!(conf != null && conf.isObject() && conf.isEmpty()) && rubyBlank(conf)) {
                e.putArray("configuration").add("can't be blank");
            }
            ObjectNode s = ((ObjectNode) p).deepCopy();
            if (!e.isEmpty()) {
                invalid = true;
                s.set("errors", e);
            }
            shown.add(s);
        }
        if (invalid) {
            ObjectNode o = J.objectNode();
            o.set("policies_config", shown);
            throw new SimError(new Resp(422, o));
        }
        policyChains.put(sid, chain);
        ObjectNode p = proxies.get(sid);
        p.put("lock_version", p.get("lock_version").asLong() + 1);
        touch(p);
        touch(services.get(sid));
        deployStaging(sid);
        return ok(policiesJson(sid));
    }

    /** Ruby's blank?: nil, false, an empty or all-space text, an empty array or object. */
    private static boolean rubyBlank(JsonNode v) {
        return v == null || v.isNull() || (v.isBoolean() && !v.asBoolean()) || (v.isTextual() && v.asText().isBlank())
                || (v.isContainerNode() && v.isEmpty());
    }

    // ========================================================================================== APIcast configurations

    /**
     * The content porta saves in a proxy config (ApicastV2DeploymentService#json_source,
     * app/services/apicast_v2_deployment_service.rb): {@code service.as_json} with
     * Apicast::ProviderSource::SERVICE_SERIALIZE_OPTIONS (app/lib/apicast/provider_source.rb), i.e. every column of
     * services (db/schema.rb; Service.ignored_columns is empty) plus proxiable?, backend_authentication_type and
     * backend_authentication_value (the service token), and {@code proxy}: every column of proxies but
     * policies_config, plus hostname_rewrite_for_sandbox, endpoint_port, api_backend, valid?, service_backend_version,
     * hosts, backend, policy_chain (the enabled policies as {name, version, configuration}, with the routing policy of
     * BackendApiLogic::RoutingPolicy when a backend is used at a sub-path) and the JWT claim settings; its proxy_rules
     * are Apicast::ProxyRulesSource's (app/lib/apicast/proxy_rules_source.rb): the product's rules, then each backend
     * usage's backend rules with the usage's path in front (ProxyRuleDecorator#pattern), each with
     * metric_system_name, parameters and querystring_parameters; api_backend is nil when a backend is used at a
     * sub-path. There is no list of backend usages: the backends show only as api_backend, the routing policy and
     * the backend rules.
     */
    private ObjectNode configContent(long sid) {
        ObjectNode s = services.get(sid);
        ObjectNode p = proxies.get(sid);
        long tenant = provider.get("id").asLong();
        ObjectNode c = J.objectNode();
        c.put("id", sid);
        c.put("account_id", tenant);
        copyOrNull(s, c, "name", "description");
        c.putNull("txt_support");
        copyOrNull(s, c, "created_at", "updated_at");
        c.putNull("logo_file_name");
        c.putNull("logo_content_type");
        c.putNull("logo_file_size");
        copyOrNull(s, c, "state", "intentions_required");
        c.putNull("terms");
        copyOrNull(s, c, "buyers_manage_apps", "buyers_manage_keys", "custom_keys_enabled",
                "buyer_plan_change_permission", "buyer_can_select_plan");
        c.putNull("notification_settings");
        putIdOrNull(c, "default_application_plan_id", appPlans.values().stream()
                .filter(x -> x.get("service_id").asLong() == sid && x.path("default").asBoolean()).findFirst());
        putIdOrNull(c, "default_service_plan_id", servicePlans.values().stream()
                .filter(x -> x.get("service_id").asLong() == sid && x.path("default").asBoolean()).findFirst());
        c.put("tenant_id", tenant);
        copyOrNull(s, c, "system_name", "backend_version", "mandatory_app_key", "buyer_key_regenerate_enabled",
                "support_email", "referrer_filters_required", "deployment_option");
        c.putNull("kubernetes_service_link");
        c.put("proxiable?", Set.of("1", "2", "oauth").contains(s.get("backend_version").asText()));
        c.put("backend_authentication_type", "service_token");
        c.put("backend_authentication_value", serviceTokens.get(sid));

        ObjectNode x = c.putObject("proxy");
        for (String f : List.of("id", "tenant_id", "service_id", "endpoint", "deployed_at", "auth_app_key", "auth_app_id",
                "auth_user_key", "credentials_location", "error_auth_failed", "error_auth_missing", "created_at",
                "updated_at", "error_status_auth_failed", "error_headers_auth_failed", "error_status_auth_missing",
                "error_headers_auth_missing", "error_no_match", "error_status_no_match", "error_headers_no_match",
                "secret_token", "hostname_rewrite", "oauth_login_url", "sandbox_endpoint", "api_test_path",
                "api_test_success", "apicast_configuration_driven", "oidc_issuer_endpoint", "lock_version",
                "authentication_method", "oidc_issuer_type", "error_headers_limits_exceeded",
                "error_status_limits_exceeded", "error_limits_exceeded", "staging_domain", "production_domain")) {
            copyOrNull(p, x, f);
        }
        String apiBackend = apiBackend(sid);
        String rewrite = p.path("hostname_rewrite").asText("");
        x.put("hostname_rewrite_for_sandbox", !rewrite.isEmpty() ? rewrite : apiBackend != null ? hostOf(apiBackend)
                : "none");
        x.put("endpoint_port", portOf(p.path("endpoint").asText("")));
        boolean subpaths = withSubpaths(sid);
        if (apiBackend == null || subpaths) {
            x.putNull("api_backend");
        } else {
            x.put("api_backend", apiBackend);
        }
        x.put("valid?", true);
        x.put("service_backend_version", s.get("backend_version").asText());
        ArrayNode hosts = x.putArray("hosts");
        for (String e : List.of("endpoint", "sandbox_endpoint")) {
            String h = hostOf(p.path(e).asText(""));
            boolean seen = false;
            for (JsonNode n : hosts) {
                seen |= n.asText().equals(h == null ? "localhost" : h);
            }
            if (!seen) {
                hosts.add(h == null ? "localhost" : h);
            }
        }
        ObjectNode backend = x.putObject("backend");
        String backendEndpoint = "https://backend-" + options.tenantName() + "." + options.wildcardDomain();
        backend.put("endpoint", backendEndpoint);
        backend.put("host", hostOf(backendEndpoint));
        x.set("policy_chain", contentPolicyChain(sid, subpaths));
        x.putNull("jwt_claim_with_client_id");
        x.putNull("jwt_claim_with_client_id_type");
        ArrayNode proxyRules = x.putArray("proxy_rules");
        long proxyId = p.get("id").asLong();
        for (ObjectNode rule : metricsApi().rulesOf("Service:" + sid)) {
            proxyRules.add(contentRule(rule, proxyId, proxyId, "Proxy", null, tenant));
        }
        usages.values().stream().filter(u -> u.get("service_id").asLong() == sid)
                .sorted(Comparator.comparingLong(u -> u.get("id").asLong())).forEach(u -> {
                    long bid = u.get("backend_id").asLong();
                    for (ObjectNode rule : metricsApi().rulesOf("BackendApi:" + bid)) {
                        proxyRules.add(contentRule(rule, null, bid, "BackendApi", u.get("path").asText(), tenant));
                    }
                });
        return c;
    }

    /** PoliciesConfig#chain: the enabled entries as {name, version, configuration}; plus RoutingPolicy's routing. */
    private ArrayNode contentPolicyChain(long sid, boolean subpaths) {
        ArrayNode chain = J.arrayNode();
        for (JsonNode p : policyChains.get(sid)) {
            if (p.path("enabled").asBoolean(false) && !p.path("enabled").isTextual()) {
                ObjectNode e = chain.addObject();
                for (String k : List.of("name", "version", "configuration")) {
                    if (p.has(k)) {
                        e.set(k, p.get(k).deepCopy());
                    }
                }
            }
        }
        if (!subpaths) {
            return chain;
        }
        // BackendApiLogic::RoutingPolicy#policy_chain (app/lib/backend_api_logic/routing_policy.rb)
        ArrayNode others = J.arrayNode();
        ArrayNode rules = J.arrayNode();
        usages.values().stream().filter(u -> u.get("service_id").asLong() == sid)
                .sorted(Comparator.comparing((ObjectNode u) -> u.get("path").asText()).reversed()).forEach(u -> {
                    ObjectNode b = backends.get(u.get("backend_id").asLong());
                    String url = b == null ? null : b.path("private_endpoint").asText(null);
                    if (url == null || url.isBlank()) {
                        return;
                    }
                    String path = u.get("path").asText();
                    ObjectNode rule = rules.addObject();
                    rule.put("url", url);
                    rule.put("owner_id", u.get("backend_id").asLong());
                    rule.put("owner_type", "BackendApi");
                    ObjectNode op = rule.putObject("condition").putArray("operations").addObject();
                    op.put("match", "path");
                    op.put("op", "matches");
                    op.put("value", path.equals("/") ? "^(/.*)" : "^(" + path + "/.*|" + path + "/?)");
                    if (!path.equals("/")) {
                        rule.put("replace_path", "{{uri | remove_first: '" + path + "'}}");
                    }
                });
        for (JsonNode p : chain) {
            if (p.path("name").asText("").equals("routing")) {
                p.path("configuration").path("rules").forEach(x -> rules.add(x.deepCopy()));
            } else {
                others.add(p);
            }
        }
        if (rules.isEmpty()) {
            return others;
        }
        ObjectNode routing = J.objectNode();
        routing.put("name", "routing");
        routing.put("version", "builtin");
        routing.put("enabled", true);
        routing.putObject("configuration").set("rules", rules);
        ArrayNode out = J.arrayNode();
        boolean inserted = false;
        for (JsonNode p : others) {
            if (!inserted && p.path("name").asText("").equals("apicast")) {
                out.add(routing);
                inserted = true;
            }
            out.add(p);
        }
        return out;
    }

    /** A rule as ProxyRule#as_json with metric_system_name, parameters and querystring_parameters. */
    private ObjectNode contentRule(ObjectNode rule, Long proxyId, long ownerId, String ownerType, String backendPath,
                                   long tenant) {
        ObjectNode y = J.objectNode();
        y.put("id", rule.get("id").asLong());
        if (proxyId == null) {
            y.putNull("proxy_id");
        } else {
            y.put("proxy_id", proxyId);
        }
        y.put("http_method", rule.get("http_method").asText());
        String pattern = rule.get("pattern").asText();
        y.put("pattern", backendPath == null ? pattern : joinPath(backendPath, pattern));
        y.put("metric_id", rule.get("metric_id").asLong());
        ObjectNode metric = metrics.get(rule.get("metric_id").asLong());
        if (metric == null) {
            y.putNull("metric_system_name");
        } else {
            y.put("metric_system_name", metric.get("system_name").asText());
        }
        y.put("delta", rule.get("delta").asInt());
        y.put("tenant_id", tenant);
        y.put("created_at", rule.get("created_at").asText());
        y.put("updated_at", rule.get("updated_at").asText());
        y.putNull("redirect_url");
        y.put("position", rule.get("position").asInt());
        y.put("last", rule.get("last").asBoolean());
        y.put("owner_id", ownerId);
        y.put("owner_type", ownerType);
        // parameters: the {variables} of the path; querystring_parameters: the query's key=value pairs
        String path = pattern.contains("?") ? pattern.substring(0, pattern.indexOf('?')) : pattern;
        ArrayNode params = y.putArray("parameters");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{([_\\w]+)\\}").matcher(path);
        while (m.find()) {
            params.add(m.group(1));
        }
        ObjectNode query = y.putObject("querystring_parameters");
        if (pattern.contains("?")) {
            for (String kv : pattern.substring(pattern.indexOf('?') + 1).split("&")) {
                if (!kv.isEmpty()) {
                    int eq = kv.indexOf('=');
                    if (eq < 0) {
                        query.putNull(kv);
                    } else {
                        query.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                }
            }
        }
        return y;
    }

    /** Ruby's File.join('/', path, pattern) as ProxyRuleDecorator uses it: one slash at each joint. */
    private static String joinPath(String path, String pattern) {
        String joined = "/" + path.replaceAll("^/+|/+$", "");
        String rest = pattern.replaceAll("^/+", "");
        return (joined.equals("/") ? "" : joined) + "/" + rest;
    }

    /**
     * ApicastV2DeploymentService#call for staging: the new content is saved as a new version only when it differs
     * from the latest (ProxyConfig#differs_from?), and only when the ProxyConfig is valid: the service token must
     * exist (service_token_exists, "is not created yet") and the proxy must have an api_backend, i.e. the product a
     * backend (api_backend_exists). A deploy that saves nothing answers as one that does.
     */
    private boolean deployStaging(long sid) {
        if (!serviceTokens.containsKey(sid) || apiBackend(sid) == null) {
            return false;
        }
        List<ObjectNode> staging = proxyConfigs.get(sid).get("sandbox");
        ObjectNode content = configContent(sid);
        Optional<ObjectNode> latest = staging.stream().max(Comparator.comparingInt(c -> c.get("version").asInt()));
        if (latest.isPresent() && latest.get().get("content").equals(content)) {
            return false;
        }
        staging.add(newConfig(latest.map(c -> c.get("version").asInt() + 1).orElse(1), "sandbox", content));
        return true;
    }

    private ObjectNode newConfig(int version, String env, JsonNode content) {
        ObjectNode c = J.objectNode();
        c.put("id", id());
        c.put("version", version);
        c.put("environment", env);
        c.set("content", content.deepCopy());
        c.put("created_at", now());
        c.put("updated_at", now());
        return c;
    }

    /** ProxyConfigRepresenter (app/representers/proxy_config_representer.rb): id, version, environment, content. */
    private static ObjectNode configJson(ObjectNode c) {
        ObjectNode o = J.objectNode();
        copyPresent(c, o, "id", "version", "environment", "content");
        return o;
    }

    /**
     * ProxyConfig::VALID_ENVIRONMENTS (app/models/proxy_config.rb): sandbox and production, and staging for sandbox;
     * any other raises InvalidEnvironmentError, which the configs controller answers 400
     * {@code {"error":"invalid environment"}} (app/controllers/admin/api/services/proxy/configs_controller.rb).
     */
    static String env(Req r) {
        String env = r.path().get("environment");
        return switch (env) {
            case "sandbox", "staging" -> "sandbox";
            case "production" -> "production";
            default -> throw new SimError(error(400, "invalid environment"));
        };
    }

    List<ObjectNode> configs(long sid, String env) {
        return proxyConfigs.get(sid).get(env).stream().sorted(Comparator.comparingInt(c -> c.get("version").asInt()))
                .toList();
    }

    ObjectNode config(Req r) {
        List<ObjectNode> list = configs(sid(r), env(r));
        int version;
        try {
            version = Integer.parseInt(r.path().get("version"));
        } catch (NumberFormatException e) {
            throw notFound();
        }
        return list.stream().filter(c -> c.get("version").asInt() == version).findFirst()
                .orElseThrow(SimSupport::notFound);
    }

    /**
     * Promote (configs_controller.rb#promote): {@code params.require(:to)} (400 "Required parameter missing: to"
     * when absent), the version of the path's environment (404), then ProxyConfig#clone_to: a copy with the same
     * version and content, validated as a new ProxyConfig: environment sandbox or production (no staging alias here),
     * the version not yet in that environment, the service token and the api_backend present; 201 or 422.
     */
    private Resp promote(Req r) {
        long sid = sid(r);
        if (!r.has("to") || r.p("to").isBlank()) {
            throw new SimError(Resp.text(400, "Required parameter missing: to"));
        }
        ObjectNode from = config(r);
        String to = r.p("to");
        int version = from.get("version").asInt();
        Map<String, List<String>> errs = new LinkedHashMap<>();
        boolean validEnv = to.equals("sandbox") || to.equals("production");
        if (validEnv && proxyConfigs.get(sid).get(to).stream().anyMatch(c -> c.get("version").asInt() == version)) {
            errs.put("version", List.of("has already been taken"));
        }
        if (!validEnv) {
            errs.put("environment", List.of("is not included in the list"));
        }
        if (!serviceTokens.containsKey(sid)) {
            errs.put("service_token", List.of("is not created yet"));
        }
        if (apiBackend(sid) == null) {
            errs.put("api_backend", List.of("is missing"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        ObjectNode c = newConfig(version, to, from.get("content"));
        proxyConfigs.get(sid).get(to).add(c);
        return created(wrap("proxy_config", configJson(c)));
    }

    /** The routes of a product's proxy, policy chain and APIcast configurations (controllers named at each handler). */
    void routes(String api) {
        // app/controllers/admin/api/services/proxies_controller.rb: deploy answers 201 with the proxy, whether or
        // not a configuration was saved
        on("GET", api + "/services/{service_id}/proxy", r -> ok(wrap("proxy", proxyJson(sid(r)))));
        on("PATCH", api + "/services/{service_id}/proxy", this::updateProxy);
        on("POST", api + "/services/{service_id}/proxy/deploy", r -> {
            long sid = sid(r);
            proxyDeployment(sid);
            return created(wrap("proxy", proxyJson(sid)));
        });
        on("GET", api + "/services/{service_id}/proxy/policies", r -> ok(policiesJson(sid(r))));
        on("PUT", api + "/services/{service_id}/proxy/policies", this::updatePolicies);
        // app/controllers/admin/api/services/proxy/configs_controller.rb (ProxyConfigsRepresenter)
        on("GET", api + "/services/{service_id}/proxy/configs/{environment}", r -> {
            long sid = sid(r);
            return ok(list(configs(sid, env(r)).stream().map(ProxiesApi::configJson).toList(), "proxy_configs",
                    "proxy_config"));
        });
        on("GET", api + "/services/{service_id}/proxy/configs/{environment}/latest", r -> {
            List<ObjectNode> list = configs(sid(r), env(r));
            if (list.isEmpty()) {
                throw notFound();
            }
            return ok(wrap("proxy_config", configJson(list.get(list.size() - 1))));
        });
        on("GET", api + "/services/{service_id}/proxy/configs/{environment}/{version}",
                r -> ok(wrap("proxy_config", configJson(config(r)))));
        on("POST", api + "/services/{service_id}/proxy/configs/{environment}/{version}/promote", this::promote);
    }
}
