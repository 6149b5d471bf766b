package dev.maas.installer.threescale;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.threescale.model.ApplicationPlan;
import dev.maas.installer.threescale.model.BackendUsage;
import dev.maas.installer.threescale.model.PolicyConfig;
import dev.maas.installer.threescale.model.Proxy;
import dev.maas.installer.threescale.model.ProxyConfig;
import dev.maas.installer.threescale.model.ServicePlan;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The resources under one product ({@code /admin/api/services/{service_id}/...}). */
public final class Product {
    /** APIcast environments as 3scale names them: staging is {@code sandbox}. */
    public static final String STAGING = "sandbox";
    public static final String PRODUCTION = "production";

    private final ThreescaleHttp http;
    private final long serviceId;
    private final String base;

    Product(ThreescaleHttp http, long serviceId) {
        this.http = http;
        this.serviceId = serviceId;
        this.base = Services.BASE + "/" + serviceId;
    }

    public long serviceId() { return serviceId; }

    // ------------------------------------------------------------------------------------------------ proxy

    public Proxy proxy() {
        return Json.entity(http.mapper(), http.get(base + "/proxy.json", Map.of()), "proxy", Proxy.class);
    }

    /** PATCH of the proxy settings (auth_user_key, credentials_location, endpoint, ...). */
    public Proxy updateProxy(Map<String, String> fields) {
        String path = base + "/proxy.json";
        return http.writeVerified("update proxy of product " + serviceId,
                () -> Json.entity(http.mapper(), http.writeOnce("PATCH", path, fields), "proxy", Proxy.class),
                () -> {
                    JsonNode e = Json.unwrap(http.get(path, Map.of()), "proxy");
                    return Json.hasValues(e, fields) ? Optional.of(http.mapper().convertValue(e, Proxy.class))
                            : Optional.empty();
                });
    }

    /**
     * Deploys the current settings to staging; returns the newest staging config afterwards. porta answers 201 in
     * every case but saves a new version only when the content changed, and none at all before the product's service
     * token exists or while it has no backend (app/models/proxy_config.rb): the result may be the previous version, or
     * empty for a new product.
     */
    public Optional<ProxyConfig> deploy() {
        int before = latestConfig(STAGING).map(ProxyConfig::version).orElse(0);
        return http.writeVerified("deploy product " + serviceId + " to staging", () -> {
            http.writeOnce("POST", base + "/proxy/deploy.json", Map.of());
            return latestConfig(STAGING);
        }, () -> {
            Optional<ProxyConfig> now = latestConfig(STAGING);
            return now.isPresent() && now.get().version() > before ? Optional.of(now) : Optional.empty();
        });
    }

    // ----------------------------------------------------------------------------------------- policy chain

    public List<PolicyConfig> policies() {
        JsonNode root = http.get(base + "/proxy/policies.json", Map.of());
        return Json.convert(http.mapper(), Json.items(root, "policies_config", "policy"), PolicyConfig.class);
    }

    /** Replaces the whole policy chain. */
    public List<PolicyConfig> updatePolicies(List<PolicyConfig> chain) {
        String json;
        try {
            json = http.mapper().writeValueAsString(chain);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("policy chain cannot be written as JSON", e);
        }
        Map<String, String> p = Json.params("policies_config", json);
        return http.writeVerified("update policy chain of product " + serviceId, () -> {
            JsonNode root = http.writeOnce("PUT", base + "/proxy/policies.json", p);
            return Json.convert(http.mapper(), Json.items(root, "policies_config", "policy"), PolicyConfig.class);
        }, () -> {
            List<PolicyConfig> now = policies();
            return http.mapper().valueToTree(now).equals(http.mapper().valueToTree(chain)) ? Optional.of(now)
                    : Optional.empty();
        });
    }

    // ------------------------------------------------------------------------------------------ proxy configs

    public List<ProxyConfig> configs(String environment) {
        JsonNode root = http.get(base + "/proxy/configs/" + environment + ".json", Map.of());
        return Json.convert(http.mapper(), Json.items(root, "proxy_configs", "proxy_config"), ProxyConfig.class);
    }

    public Optional<ProxyConfig> latestConfig(String environment) {
        return http.find(base + "/proxy/configs/" + environment + "/latest.json", Map.of())
                .map(n -> Json.entity(http.mapper(), n, "proxy_config", ProxyConfig.class));
    }

    /** Promotes config {@code version} of {@code from} (normally staging) to {@code to} (normally production). */
    public ProxyConfig promote(String from, int version, String to) {
        String path = base + "/proxy/configs/" + from + "/" + version + "/promote.json";
        return http.writeVerified("promote config v" + version + " of product " + serviceId + " to " + to,
                () -> Json.entity(http.mapper(), http.writeOnce("POST", path, Json.params("to", to)), "proxy_config",
                        ProxyConfig.class),
                () -> latestConfig(to).filter(c -> c.version() == version));
    }

    // ----------------------------------------------------------------------------------------- backend usages

    public List<BackendUsage> backendUsages() {
        JsonNode root = http.get(base + "/backend_usages.json", Map.of());
        return Json.convert(http.mapper(), Json.items(root, "backend_usages", "backend_usage"), BackendUsage.class);
    }

    public BackendUsage addBackend(long backendApiId, String path) {
        Map<String, String> p = Json.params("backend_api_id", backendApiId, "path", path);
        return http.writeVerified("use backend " + backendApiId + " in product " + serviceId,
                () -> Json.entity(http.mapper(), http.writeOnce("POST", base + "/backend_usages.json", p),
                        "backend_usage", BackendUsage.class),
                () -> backendUsages().stream().filter(u -> Long.valueOf(backendApiId).equals(u.backendId()))
                        .findFirst());
    }

    public BackendUsage updateBackendUsage(long usageId, String path) {
        String p = base + "/backend_usages/" + usageId + ".json";
        Map<String, String> fields = Json.params("path", path);
        return http.writeVerified("update backend usage " + usageId,
                () -> Json.entity(http.mapper(), http.writeOnce("PUT", p, fields), "backend_usage", BackendUsage.class),
                () -> {
                    JsonNode e = Json.unwrap(http.get(p, Map.of()), "backend_usage");
                    return Json.hasValues(e, fields) ? Optional.of(http.mapper().convertValue(e, BackendUsage.class))
                            : Optional.empty();
                });
    }

    public void removeBackendUsage(long usageId) {
        String p = base + "/backend_usages/" + usageId + ".json";
        http.writeVerified("remove backend usage " + usageId, () -> {
            http.writeOnce("DELETE", p, Map.of());
            return Boolean.TRUE;
        }, () -> http.find(p, Map.of()).isPresent() ? Optional.empty() : Optional.of(Boolean.TRUE));
    }

    // --------------------------------------------------------------------------- metrics, methods, mapping rules

    public Metrics metrics() { return new Metrics(http, base + "/metrics", false, null); }

    public MappingRules mappingRules() { return new MappingRules(http, base + "/proxy/mapping_rules", "PATCH", false); }

    // ------------------------------------------------------------------------------------------------- plans

    public List<ApplicationPlan> applicationPlans() {
        JsonNode root = http.get(base + "/application_plans.json", Map.of());
        return Json.convert(http.mapper(), Json.items(root, "plans", "application_plan"), ApplicationPlan.class);
    }

    public Optional<ApplicationPlan> findApplicationPlan(String name) {
        return applicationPlans().stream().filter(p -> name.equals(p.name())).findFirst();
    }

    /**
     * Creates an application plan; {@code fields} may hold approval_required, cost_per_month, setup_fee,
     * trial_period_days, state_event (publish/hide). The 2.15 spec has no system_name for plans: they are found by
     * name.
     */
    public ApplicationPlan createApplicationPlan(String name, Map<String, String> fields) {
        Map<String, String> p = Json.params("name", name);
        p.putAll(fields);
        return http.writeVerified("create application plan " + name + " in product " + serviceId,
                () -> Json.entity(http.mapper(), http.writeOnce("POST", base + "/application_plans.json", p),
                        "application_plan", ApplicationPlan.class),
                () -> findApplicationPlan(name));
    }

    public ApplicationPlan updateApplicationPlan(long planId, Map<String, String> fields) {
        String path = base + "/application_plans/" + planId + ".json";
        Map<String, String> expected = new java.util.LinkedHashMap<>(fields);
        String event = expected.remove("state_event");
        if (event != null) {
            expected.put("state", "publish".equals(event) ? "published" : "hidden");
        }
        return http.writeVerified("update application plan " + planId,
                () -> Json.entity(http.mapper(), http.writeOnce("PUT", path, fields), "application_plan",
                        ApplicationPlan.class),
                () -> {
                    JsonNode e = Json.unwrap(http.get(path, Map.of()), "application_plan");
                    return Json.hasValues(e, expected)
                            ? Optional.of(http.mapper().convertValue(e, ApplicationPlan.class)) : Optional.empty();
                });
    }

    /** Publishes a hidden plan (3scale answers 422 for a plan that is already published). */
    public ApplicationPlan publishApplicationPlan(long planId) {
        return updateApplicationPlan(planId, Json.params("state_event", "publish"));
    }

    public ApplicationPlan hideApplicationPlan(long planId) {
        return updateApplicationPlan(planId, Json.params("state_event", "hide"));
    }

    public ApplicationPlan setDefaultApplicationPlan(long planId) {
        String path = base + "/application_plans/" + planId + "/default.json";
        return http.writeVerified("make application plan " + planId + " the default",
                () -> Json.entity(http.mapper(), http.writeOnce("PUT", path, Map.of()), "application_plan",
                        ApplicationPlan.class),
                () -> applicationPlans().stream().filter(p -> p.id() == planId && Boolean.TRUE.equals(p.isDefault()))
                        .findFirst());
    }

    /**
     * Deletes an application plan with its limits. 3scale refuses (403) while an application is on it
     * (app/models/plan.rb can_be_destroyed?).
     */
    public void deleteApplicationPlan(long planId) {
        String path = base + "/application_plans/" + planId + ".json";
        http.writeVerified("delete application plan " + planId, () -> {
            http.writeOnce("DELETE", path, Map.of());
            return Boolean.TRUE;
        }, () -> http.find(path, Map.of()).isPresent() ? Optional.empty() : Optional.of(Boolean.TRUE));
    }

    /** The usage limits of one of the product's application plans. */
    public UsageLimits limits(long planId) { return new UsageLimits(http, planId); }

    public List<ServicePlan> servicePlans() {
        JsonNode root = http.get(base + "/service_plans.json", Map.of());
        return Json.convert(http.mapper(), Json.items(root, "plans", "service_plan"), ServicePlan.class);
    }

    public ServicePlan setDefaultServicePlan(long planId) {
        String path = base + "/service_plans/" + planId + "/default.json";
        return http.writeVerified("make service plan " + planId + " the default",
                () -> Json.entity(http.mapper(), http.writeOnce("PUT", path, Map.of()), "service_plan",
                        ServicePlan.class),
                () -> servicePlans().stream().filter(p -> p.id() == planId && Boolean.TRUE.equals(p.isDefault()))
                        .findFirst());
    }
}
