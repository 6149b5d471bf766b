package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.maas.installer.sandbox.threescale.SimStore.Req;
import dev.maas.installer.sandbox.threescale.SimStore.Resp;

import static dev.maas.installer.sandbox.threescale.SimSupport.*;

/** Backends, products (services) and backend usages. */
final class ProductsApi extends SimPart {
    ProductsApi(SimState st) {
        super(st);
    }

    ObjectNode newBackend(String name, String systemName, String description, String endpoint) {
        ObjectNode b = J.objectNode();
        long id = id();
        b.put("id", id);
        b.put("name", name);
        b.put("system_name", systemName);
        b.put("description", description);
        b.put("private_endpoint", endpoint);
        b.put("account_id", provider.get("id").asLong());
        b.put("created_at", now());
        b.put("updated_at", now());
        backends.put(id, b);
        // BackendApi#create_default_metrics (app/models/backend_api.rb): hits, stored as hits.<backend id>
        // (app/lib/backend_api_logic/metric_extension.rb)
        metricsApi().newMetric("BackendApi:" + id, "hits." + id, "Hits", "hit", "Number of API hits", null);
        return b;
    }

    /** BackendApiRepresenter (app/representers/backend_api_representer.rb): nil properties left out, two links. */
    private ObjectNode backendJson(ObjectNode b) {
        ObjectNode o = J.objectNode();
        copyPresent(b, o, "id", "name", "system_name", "description", "private_endpoint", "account_id", "created_at",
                "updated_at");
        long id = b.get("id").asLong();
        links(o, "metrics", "/admin/api/backend_apis/" + id + "/metrics",
                "mapping_rules", "/admin/api/backend_apis/" + id + "/mapping_rules");
        return o;
    }

    /** {@code backend_apis.accessible}: a backend marked deleted is gone from the API at once (app/models/backend_api.rb). */
    private List<ObjectNode> accessibleBackends() {
        return backends.values().stream().filter(b -> !deletedBackends.contains(b.get("id").asLong())).toList();
    }

    private Resp createBackend(Req r) {
        // app/controllers/admin/api/backend_apis_controller.rb#create_params: name, description, private_endpoint,
        // system_name; validations of app/models/backend_api.rb and app/lib/system_name.rb
        Map<String, List<String>> errs = new LinkedHashMap<>();
        String name = r.p("name");
        if (name == null || name.isBlank()) {
            errs.put("name", List.of("can't be blank"));
        }
        String endpoint = ActiveDocsApi.privateEndpoint(r.p("private_endpoint"), errs);
        String systemName = systemName(r, name, "backend_api");
        systemNameValid(systemName, backends.values(), null, errs);
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        return created(wrap("backend_api", backendJson(newBackend(name, systemName, r.p("description"), endpoint))));
    }

    private Resp updateBackend(Req r) {
        // update_params: name, description, private_endpoint (system_name is not updatable)
        ObjectNode b = backend(r, "id");
        Map<String, List<String>> errs = new LinkedHashMap<>();
        String endpoint = r.has("private_endpoint") ? ActiveDocsApi.privateEndpoint(r.p("private_endpoint"), errs) : null;
        if (r.has("name") && r.p("name").isBlank()) {
            errs.put("name", List.of("can't be blank"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        copy(r, b, "name", "description");
        if (endpoint != null) {
            b.put("private_endpoint", endpoint);
        }
        touch(b);
        return ok(wrap("backend_api", backendJson(b)));
    }

    /**
     * {@code backend_api.mark_as_deleted} (app/controllers/admin/api/backend_apis_controller.rb#destroy): the deleted
     * state validates that no product uses the backend, counting every backend_api_config, also those of a product
     * that is deleted but not yet purged (app/models/backend_api.rb
     * validate_destroyed_by_association_or_not_used_by_services); a refused delete is answered 403 with the errors
     * (app/lib/three_scale/api/responder.rb#error_status). A deleted backend leaves the API at once; its hierarchy is
     * removed in the background (DeleteObjectHierarchyWorker), and its system_name stays taken until then.
     */
    private Resp deleteBackend(Req r) {
        ObjectNode b = backend(r, "id");
        long id = b.get("id").asLong();
        if (usages.values().stream().anyMatch(u -> u.get("backend_id").asLong() == id)) {
            throw refusedDelete("cannot be deleted because it is used by at least one Product");
        }
        deletedBackends.add(id);
        work().later(options.delays().purge(), BackgroundWork.Work.PURGE_BACKEND, id);
        return okEmpty();
    }

    void purgeBackend(long id) {
        backends.remove(id);
        deletedBackends.remove(id);
        String owner = "BackendApi:" + id;
        rules.values().removeIf(x -> MetricsApi.ruleOwner(x).equals(owner));
        List<Long> ms = metricOwner.entrySet().stream().filter(e -> e.getValue().equals(owner)).map(Map.Entry::getKey)
                .toList();
        ms.forEach(m -> {
            metrics.remove(m);
            metricOwner.remove(m);
        });
        usages.values().removeIf(u -> u.get("backend_id").asLong() == id);
    }

    // ======================================================================================================== services

    ObjectNode newService(String name, String systemName, String description, String deploymentOption,
                                  String backendVersion) {
        ObjectNode s = J.objectNode();
        long id = id();
        s.put("id", id);
        s.put("account_id", provider.get("id").asLong());
        s.put("name", name);
        s.put("state", "incomplete");
        s.put("system_name", systemName);
        s.put("backend_version", backendVersion);
        s.put("deployment_option", deploymentOption);
        s.put("support_email", provider.get("support_email").asText());
        s.put("description", description);
        s.put("intentions_required", false);
        s.put("buyers_manage_apps", true);
        s.put("buyers_manage_keys", true);
        s.put("referrer_filters_required", false);
        s.put("custom_keys_enabled", true);
        s.put("buyer_key_regenerate_enabled", true);
        s.put("mandatory_app_key", true);
        s.put("buyer_can_select_plan", false);
        s.put("buyer_plan_change_permission", "request");
        s.put("created_at", now());
        s.put("updated_at", now());
        services.put(id, s);

        // Service#create_default_proxy (app/models/service.rb), with the columns' defaults (db/schema.rb proxies) and
        // the endpoints of a hosted APIcast (Proxy::HostedAPIcast, config/sandbox_proxy.yml templates)
        ObjectNode p = J.objectNode();
        String host = systemName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9\\-_]+", "-").replace('_', '-');
        p.put("id", id());
        p.put("tenant_id", provider.get("id").asLong());
        p.put("service_id", id);
        p.put("endpoint", "https://" + host + "-" + options.tenantName() + "-apicast-production."
                + options.wildcardDomain() + ":443");
        p.putNull("deployed_at");
        p.put("auth_app_key", "app_key");
        p.put("auth_app_id", "app_id");
        p.put("auth_user_key", "user_key");
        p.put("credentials_location", "query");
        p.put("error_auth_failed", "Authentication failed");
        p.put("error_auth_missing", "Authentication parameters missing");
        p.put("created_at", now());
        p.put("updated_at", now());
        p.put("error_status_auth_failed", 403);
        p.put("error_headers_auth_failed", "text/plain; charset=us-ascii");
        p.put("error_status_auth_missing", 403);
        p.put("error_headers_auth_missing", "text/plain; charset=us-ascii");
        p.put("error_no_match", "No Mapping Rule matched");
        p.put("error_status_no_match", 404);
        p.put("error_headers_no_match", "text/plain; charset=us-ascii");
        p.put("secret_token", "Shared_secret_sent_from_proxy_to_API_backend_" + hex(8));
        p.putNull("hostname_rewrite");
        p.putNull("oauth_login_url");
        p.put("sandbox_endpoint", "https://" + host + "-" + options.tenantName() + "-apicast-staging."
                + options.wildcardDomain() + ":443");
        p.put("api_test_path", "/");
        p.putNull("api_test_success");
        p.put("apicast_configuration_driven", true);
        p.putNull("oidc_issuer_endpoint");
        p.put("lock_version", 0);
        p.put("authentication_method", backendVersion);
        p.put("oidc_issuer_type", "keycloak");
        p.put("error_headers_limits_exceeded", "text/plain; charset=us-ascii");
        p.put("error_status_limits_exceeded", 429);
        p.put("error_limits_exceeded", "Usage limit exceeded");
        p.put("staging_domain", hostOf(p.get("sandbox_endpoint").asText()));
        p.put("production_domain", hostOf(p.get("endpoint").asText()));
        proxies.put(id, p);
        // policies_config: empty, read as the default chain of the apicast policy (Proxy::PoliciesConfig)
        policyChains.put(id, J.arrayNode().add(defaultPolicy()));
        proxyConfigs.put(id, new LinkedHashMap<>(Map.of("sandbox", new ArrayList<>(), "production", new ArrayList<>())));

        // Service#create_default_metrics, then Proxy#create_default_proxy_rule: GET / on hits
        ObjectNode hits = metricsApi().newMetric("Service:" + id, "hits", "Hits", "hit", "Number of API hits", null);
        ObjectNode rule = J.objectNode();
        long rid = id();
        rule.put("id", rid);
        rule.put("metric_id", hits.get("id").asLong());
        rule.put("pattern", "/");
        rule.put("http_method", "GET");
        rule.put("delta", 1);
        rule.put("position", 1);
        rule.put("last", false);
        rule.put("owner_id", id);
        rule.put("owner_type", "Service");
        rule.put("created_at", now());
        rule.put("updated_at", now());
        rules.put(rid, rule);
        plansApi().newServicePlan(id, "Default", "published");
        // the service token: CreateServiceTokenWorker, after the ServiceCreatedEvent of the commit
        work().later(options.delays().serviceToken(), BackgroundWork.Work.SERVICE_TOKEN, id);
        return s;
    }

    /** Proxy::PolicyConfig::DEFAULT_POLICY as a stored entry (name, version, configuration, enabled). */
    static ObjectNode defaultPolicy() {
        ObjectNode apicast = J.objectNode();
        apicast.put("name", "apicast");
        apicast.put("version", "builtin");
        apicast.putObject("configuration");
        apicast.put("enabled", true);
        return apicast;
    }

    /** {@code accessible_services}: products not marked deleted, by id (app/controllers/admin/api/base_controller.rb). */
    private List<ObjectNode> accessibleServices() {
        return services.values().stream().filter(s -> !"deleted".equals(s.path("state").asText())).toList();
    }

    /**
     * ServiceRepresenter (app/representers/service_representer.rb): these properties, nil ones left out
     * (notification_settings, a missing description), and the links; no account_id.
     */
    private ObjectNode serviceJson(ObjectNode s) {
        ObjectNode o = J.objectNode();
        copyPresent(s, o, "id", "name", "state", "system_name", "backend_version", "deployment_option", "support_email",
                "description", "intentions_required", "buyers_manage_apps", "buyers_manage_keys",
                "referrer_filters_required", "custom_keys_enabled", "buyer_key_regenerate_enabled", "mandatory_app_key",
                "buyer_can_select_plan", "buyer_plan_change_permission", "notification_settings", "created_at",
                "updated_at");
        String self = "/admin/api/services/" + s.get("id").asLong();
        links(o, "metrics", adminUrl(self + "/metrics"), "self", adminUrl(self),
                "service_plans", adminUrl(self + "/service_plans"),
                "application_plans", adminUrl(self + "/application_plans"), "features", adminUrl(self + "/features"));
        return o;
    }

    /** Service::DeploymentOption.all (app/models/service.rb). */
    private static final Set<String> DEPLOYMENT_OPTIONS = Set.of("hosted", "self_managed", "plugin_ruby", "plugin_java",
            "plugin_python", "plugin_nodejs", "plugin_php", "plugin_rest", "plugin_csharp", "service_mesh_istio");
    /** Boolean fields of service_params (app/controllers/admin/api/services_controller.rb). */
    private static final List<String> SERVICE_FLAGS = List.of("intentions_required", "buyers_manage_apps",
            "referrer_filters_required", "buyer_can_select_plan", "buyers_manage_keys", "buyer_key_regenerate_enabled",
            "mandatory_app_key", "custom_keys_enabled");

    /**
     * Service create (app/controllers/admin/api/services_controller.rb, app/services/service_creator.rb): name
     * present; system_name generated from the name when blank, in porta's format and unique in the account, also
     * against products deleted but not yet purged (the index is on system_name and account_id); deployment_option in
     * Service::DeploymentOption.all; backend_version 1, 2 or oidc (BackendVersion.usable_versions). A new product gets
     * its proxy, hits, a GET / mapping rule and the Default service plan at once, its service token later.
     */
    private Resp createService(Req r) {
        Map<String, List<String>> errs = new LinkedHashMap<>();
        String name = r.p("name");
        if (name == null || name.isBlank()) {
            errs.put("name", List.of("can't be blank"));
        }
        String systemName = systemName(r, name, "service");
        systemNameValid(systemName, services.values(), null, errs);
        serviceChecks(r, errs);
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        ObjectNode s = newService(name, systemName, r.p("description"),
                r.has("deployment_option") ? r.p("deployment_option") : "hosted",
                r.has("backend_version") ? r.p("backend_version") : "1");
        applyServiceFields(r, s);
        return created(wrap("service", serviceJson(s)));
    }

    private void serviceChecks(Req r, Map<String, List<String>> errs) {
        if (r.has("deployment_option") && !DEPLOYMENT_OPTIONS.contains(r.p("deployment_option"))) {
            errs.put("deployment_option", List.of("is not included in the list"));
        }
        if (r.has("backend_version") && !Set.of("1", "2", "oidc").contains(r.p("backend_version"))) {
            errs.put("backend_version", List.of("is not included in the list"));
        }
        if (r.has("support_email") && !r.p("support_email").isBlank() && !r.p("support_email").contains("@")) {
            errs.put("support_email", List.of("should look like an email address"));
        }
    }

    private void applyServiceFields(Req r, ObjectNode s) {
        copy(r, s, "description", "support_email", "buyer_plan_change_permission");
        for (String f : SERVICE_FLAGS) {
            if (r.has(f)) {
                s.put(f, bool(r.p(f)));
            }
        }
    }

    /** Service update: the same fields; system_name is attr_readonly, so a new value is ignored. */
    private Resp updateService(Req r) {
        ObjectNode s = service(r, "id");
        Map<String, List<String>> errs = new LinkedHashMap<>();
        if (r.has("name") && r.p("name").isBlank()) {
            errs.put("name", List.of("can't be blank"));
        }
        serviceChecks(r, errs);
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        copy(r, s, "name", "deployment_option", "backend_version");
        if (r.has("backend_version")) { // Service#backend_version= sets the proxy's authentication_method
            proxies.get(s.get("id").asLong()).put("authentication_method", r.p("backend_version"));
        }
        applyServiceFields(r, s);
        touch(s);
        return ok(wrap("service", serviceJson(s)));
    }

    /**
     * Service delete ({@code service.mark_as_deleted!}, app/controllers/admin/api/services_controller.rb): the product
     * is marked deleted and leaves the API at once; DeleteObjectHierarchyWorker removes it and everything under it in
     * the background, and until then its system_name stays taken. The event mark_as_deleted has the condition
     * {@code unless: :default_or_last?} (app/models/service.rb): the account's default product and its last accessible
     * one cannot be deleted; the refused transition raises StateMachines::InvalidTransition, answered 422 with
     * StateMachine::InvalidTransitionRepresenter (Admin::Api::BaseController#handle_state_machine_invalid_transition,
     * app/lib/three_scale/api/error_responder.rb).
     */
    private Resp deleteService(Req r) {
        ObjectNode s = service(r, "id");
        long id = s.get("id").asLong();
        if (accessibleServices().size() <= 1) {
            ObjectNode o = J.objectNode();
            ObjectNode e = o.putObject("error");
            e.put("from", s.get("state").asText());
            e.put("event", "mark_as_deleted");
            e.put("error", "State cannot transition via \"mark as deleted\"");
            e.putObject("object").set("service", serviceJson(s));
            throw new SimError(new Resp(422, o));
        }
        s.put("state", "deleted");
        touch(s);
        work().later(options.delays().purge(), BackgroundWork.Work.PURGE_SERVICE, id);
        return okEmpty();
    }

    /** Service.background_deletion: plans (with their contracts and applications), ActiveDocs, backend usages, metrics, proxy. */
    void purgeService(long id) {
        services.remove(id);
        proxies.remove(id);
        policyChains.remove(id);
        proxyConfigs.remove(id);
        serviceTokens.remove(id);
        usages.values().removeIf(u -> u.get("service_id").asLong() == id);
        appPlans.values().removeIf(p -> p.get("service_id").asLong() == id);
        servicePlans.values().removeIf(p -> p.get("service_id").asLong() == id);
        applications.values().removeIf(a -> a.get("service_id").asLong() == id);
        contracts.values().removeIf(c -> c.get("service_id").asLong() == id);
        activeDocs.values().removeIf(d -> d.path("service_id").asLong() == id);
        rules.values().removeIf(x -> MetricsApi.ruleOwner(x).equals("Service:" + id));
        List<Long> ms = metricOwner.entrySet().stream().filter(e -> e.getValue().equals("Service:" + id))
                .map(Map.Entry::getKey).toList();
        ms.forEach(m -> {
            metrics.remove(m);
            metricOwner.remove(m);
        });
    }

    // ================================================================================================== backend usages

    ObjectNode usage(Req r) {
        long sid = sid(r);
        long id = pathId(r, "id");
        ObjectNode u = usages.get(id);
        if (u == null || u.get("service_id").asLong() != sid) {
            throw notFound();
        }
        return u;
    }

    /** BackendApiConfigRepresenter (app/representers/backend_api_config_representer.rb): backend_api_id as backend_id. */
    private ObjectNode usageJson(ObjectNode u) {
        ObjectNode o = J.objectNode();
        copyPresent(u, o, "id", "path", "service_id", "backend_id");
        links(o, "service", adminUrl("/admin/api/services/" + u.get("service_id").asLong()),
                "backend_api", adminUrl("/admin/api/backend_apis/" + u.get("backend_id").asLong()));
        return o;
    }

    /** ConfigPath (app/models/config_path.rb): "/" + the path without leading and trailing slashes. */
    private static String configPath(String value) {
        return "/" + value.replaceAll("^/+|/+$", "");
    }

    /** BackendApiConfig's path validations (app/models/backend_api_config.rb, app/validators/path_validator.rb). */
    private void usagePathValid(String path, long sid, ObjectNode self, Map<String, List<String>> errs) {
        String stripped = path.replaceAll("^/+|/+$", "");
        if (path.isEmpty()) {
            errs.put("path", List.of("is too short (minimum is 1 character)"));
        } else if (path.length() > 255) {
            errs.put("path", List.of("is too long (maximum is 255 characters)"));
        } else if (!stripped.matches("[A-Za-z0-9\\-._~!$&'()*+,;=@/%]*")) {
            errs.put("path", List.of("must be a path separated by \"/\". E.g. \"\" or \"my/path\""));
        } else if (usages.values().stream().anyMatch(u -> u != self && u.get("service_id").asLong() == sid
                && u.get("path").asText().equalsIgnoreCase(path))) {
            errs.put("path", List.of("This path is already taken. Specify a different path."));
        }
    }

    /**
     * Backend usage create (app/controllers/admin/api/services/backend_usages_controller.rb): path and
     * backend_api_id, the backend looked up among the account's accessible backends (404 otherwise); the path
     * normalised by ConfigPath ("foo/bar" is "/foo/bar"), its column default "" when not given (too short then); one
     * usage per backend and per path in a product.
     */
    private Resp createUsage(Req r) {
        long sid = sid(r);
        Long bid = null;
        if (r.has("backend_api_id") && !r.p("backend_api_id").isBlank()) {
            try {
                bid = Long.parseLong(r.p("backend_api_id").trim());
            } catch (NumberFormatException e) {
                throw notFound();
            }
            if (!backends.containsKey(bid) || deletedBackends.contains(bid)) {
                throw notFound();
            }
        }
        String path = r.has("path") ? configPath(r.p("path")) : "";
        Map<String, List<String>> errs = new LinkedHashMap<>();
        if (bid == null) {
            errs.put("backend_api_id", List.of("can't be blank"));
        } else {
            long b = bid;
            if (usages.values().stream().anyMatch(u -> u.get("service_id").asLong() == sid
                    && u.get("backend_id").asLong() == b)) {
                errs.put("backend_api_id", List.of("has already been taken"));
            }
        }
        usagePathValid(path, sid, null, errs);
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        ObjectNode u = J.objectNode();
        u.put("id", id());
        u.put("path", path);
        u.put("service_id", sid);
        u.put("backend_id", bid);
        usages.put(u.get("id").asLong(), u);
        return created(wrap("backend_usage", usageJson(u)));
    }

    /** Backend usage update: only the path (update_params). */
    private Resp updateUsage(Req r) {
        ObjectNode u = usage(r);
        if (r.has("path")) {
            String path = configPath(r.p("path"));
            Map<String, List<String>> errs = new LinkedHashMap<>();
            usagePathValid(path, u.get("service_id").asLong(), u, errs);
            if (!errs.isEmpty()) {
                throw new SimError(errors(errs));
            }
            u.put("path", path);
        }
        return ok(wrap("backend_usage", usageJson(u)));
    }

    // ========================================================================================================== routes

    /** The routes of backends, products and backend usages (controllers named at each handler). */
    void routes(String api) {
        // app/controllers/admin/api/backend_apis_controller.rb: accessible backends, oldest first, paginated
        on("GET", api + "/backend_apis", r -> ok(page(r, accessibleBackends().stream().map(this::backendJson).toList(),
                "backend_apis", "backend_api")));
        on("POST", api + "/backend_apis", this::createBackend);
        on("GET", api + "/backend_apis/{id}", r -> ok(wrap("backend_api", backendJson(backend(r, "id")))));
        on("PUT", api + "/backend_apis/{id}", this::updateBackend);
        on("DELETE", api + "/backend_apis/{id}", this::deleteBackend);

        // app/controllers/admin/api/services_controller.rb: accessible products by id, paginated
        on("GET", api + "/services", r -> ok(pageWithMetadata(r,
                accessibleServices().stream().map(this::serviceJson).toList(), "services", "service")));
        on("POST", api + "/services", this::createService);
        on("GET", api + "/services/{id}", r -> ok(wrap("service", serviceJson(service(r, "id")))));
        on("PUT", api + "/services/{id}", this::updateService);
        on("DELETE", api + "/services/{id}", this::deleteService);

        // app/controllers/admin/api/services/backend_usages_controller.rb: a bare array (BackendApiConfigsRepresenter
        // has no wrapper), by id, paginated
        on("GET", api + "/services/{service_id}/backend_usages", r -> {
            long sid = sid(r);
            ArrayNode list = J.arrayNode();
            List<ObjectNode> all = usages.values().stream().filter(u -> u.get("service_id").asLong() == sid).toList();
            page(r, all.stream().map(this::usageJson).toList(), "backend_usages", "backend_usage")
                    .get("backend_usages").forEach(list::add);
            return ok(list);
        });
        on("POST", api + "/services/{service_id}/backend_usages", this::createUsage);
        on("GET", api + "/services/{service_id}/backend_usages/{id}", r -> ok(wrap("backend_usage", usageJson(usage(r)))));
        on("PUT", api + "/services/{service_id}/backend_usages/{id}", this::updateUsage);
        on("DELETE", api + "/services/{service_id}/backend_usages/{id}", r -> {
            usages.remove(usage(r).get("id").asLong());
            return okEmpty();
        });
    }
}
