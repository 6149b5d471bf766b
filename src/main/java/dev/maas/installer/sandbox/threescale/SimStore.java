package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The state and the behaviour of the simulated tenant. Everything the specs do not say follows porta (3scale/porta):
 * <ul>
 *   <li>create answers 201, update 200, delete 200 with an empty body; a missing object 404
 *       {@code {"status":"Not found"}}; validation errors 422 {@code {"errors":{"field":["message"]}}} with Rails'
 *       messages ("can't be blank", "has already been taken").</li>
 *   <li>entities wrapped by type ({@code {"backend_api":{...}}}), lists wrapped
 *       ({@code {"backend_apis":[{"backend_api":{...}}]}}); plan lists are {@code {"plans":[...]}}; backend usages a
 *       bare array (app/controllers/admin/api/services/backend_usages_controller.rb renders BackendApiConfig
 *       representers as a collection); CMS lists {@code {"collection":[...],"metadata":{...}}} with unwrapped items
 *       (as in FwMotion/3scale-cms' recorded responses).</li>
 *   <li>pagination: page from 1, per_page default and max 500 (app/controllers/admin/api/filters/pagination.rb);
 *       CMS per_page default 20, max 100.</li>
 *   <li>system_name: unique per owner, generated from the name when not given, immutable (a new value in an update
 *       is ignored, as Rails does for attr_readonly).</li>
 *   <li>a backend's private endpoint must be an http(s)/ws(s) URL and not localhost or a loopback address
 *       (BackendApi validates {@code non_localhost: {message: :protected_domain}}); a missing port is filled in
 *       with the scheme's default (BackendApi's set_port_private_endpoint), so {@code http://x} reads back as
 *       {@code http://x:80}.</li>
 *   <li>a new backend gets the {@code hits} metric (BackendApi#create_default_metrics); a new product gets
 *       {@code hits}, a {@code GET /} mapping rule on it, its proxy with the default policy chain (apicast) and a
 *       published "Default" service plan that is not the default.</li>
 *   <li>application plans start hidden; {@code state_event=publish} on a published plan is a 422 ("cannot transition
 *       via publish"), as state_machines reports an invalid event.</li>
 *   <li>APIcast configs: versions per environment; deploy makes a new staging ({@code sandbox}) version when the
 *       content changed; PATCH proxy deploys to staging (as the spec says); promote copies a version to the other
 *       environment with the same version number (a version already there is a 422).</li>
 * </ul>
 */
public final class SimStore {
    static final String FILE_PREFIX = "/sim-cms-files/";
    private static final JsonNodeFactory J = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> HTTP_METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
            "TRACE", "CONNECT");

    /** A request after routing: template without suffix, path values, parameters (access_token removed). */
    public record Req(String method, String template, Map<String, String> path, Map<String, String> params,
                      Map<String, Upload> uploads) {
        String p(String name) { return params.get(name); }

        boolean has(String name) { return params.containsKey(name); }
    }

    public record Resp(int status, JsonNode body) {
    }

    public record Upload(String filename, String contentType, byte[] content) {
    }

    private static final class SimError extends RuntimeException {
        final Resp resp;

        SimError(Resp resp) {
            super(null, null, false, false);
            this.resp = resp;
        }
    }

    @FunctionalInterface
    private interface Handler {
        Resp handle(Req r);
    }

    private final SimulatorOptions options;
    private final String baseUrl;
    private final Map<String, Handler> routes = new HashMap<>();
    private final SecureRandom secure = new SecureRandom();
    private long sequence = 2;

    private final ObjectNode provider;
    private final Map<Long, ObjectNode> backends = new LinkedHashMap<>();
    private final Map<Long, ObjectNode> services = new LinkedHashMap<>();
    private final Map<Long, ObjectNode> proxies = new LinkedHashMap<>();
    private final Map<Long, ArrayNode> policyChains = new LinkedHashMap<>();
    private final Map<Long, Map<String, List<ObjectNode>>> proxyConfigs = new LinkedHashMap<>();
    private final Map<Long, ObjectNode> metrics = new LinkedHashMap<>();
    private final Map<Long, String> metricOwner = new HashMap<>();
    private final Map<Long, ObjectNode> rules = new LinkedHashMap<>();
    private final Map<Long, ObjectNode> usages = new LinkedHashMap<>();
    private final Map<Long, ObjectNode> appPlans = new LinkedHashMap<>();
    private final Map<Long, ObjectNode> servicePlans = new LinkedHashMap<>();
    private final Map<Long, ObjectNode> accounts = new LinkedHashMap<>();
    private final Map<Long, ObjectNode> applications = new LinkedHashMap<>();
    private final Map<Long, ObjectNode> contracts = new LinkedHashMap<>();
    private final Map<Long, ObjectNode> ssoProviders = new LinkedHashMap<>();
    private final Map<Long, ObjectNode> registry = new LinkedHashMap<>();
    private final Map<Long, ObjectNode> sections = new LinkedHashMap<>();
    private final Map<Long, ObjectNode> templates = new LinkedHashMap<>();
    private final Map<Long, ObjectNode> files = new LinkedHashMap<>();
    private final Map<Long, ObjectNode> activeDocs = new LinkedHashMap<>();
    private final Map<Long, Upload> fileContents = new HashMap<>();
    /** Template system names or page paths whose create/update answers 422 (see {@link #rejectTemplate}). */
    private final Map<String, String> rejectedTemplates = new HashMap<>();

    SimStore(SimulatorOptions options, String baseUrl) {
        this.options = options;
        this.baseUrl = baseUrl;
        long providerId = id();
        provider = J.objectNode();
        provider.put("id", providerId);
        provider.put("created_at", now());
        provider.put("updated_at", now());
        provider.put("admin_domain", options.tenantName() + "-admin." + options.wildcardDomain());
        provider.put("domain", options.tenantName() + "." + options.wildcardDomain());
        provider.put("admin_base_url", "https://" + options.tenantName() + "-admin." + options.wildcardDomain());
        provider.put("base_url", "https://" + options.tenantName() + "." + options.wildcardDomain());
        provider.put("from_email", "no-reply@" + options.wildcardDomain());
        provider.put("support_email", "admin@" + options.wildcardDomain());
        provider.put("finance_support_email", "admin@" + options.wildcardDomain());
        provider.put("site_access_code", hex(5));
        provider.put("state", "approved");
        provider.put("org_name", options.tenantName());
        registerRoutes();
        seedCms();
        if (options.sampleData()) {
            seedSample();
        }
    }

    // ================================================================================================ seeding

    private void seedSample() {
        ObjectNode backend = newBackend("API Backend", "api", "Echo API", "https://echo-api.3scale.net:443");
        ObjectNode service = newService("API", "api", "", "hosted", "1");
        long sid = service.get("id").asLong();
        ObjectNode usage = J.objectNode();
        usage.put("id", id());
        usage.put("path", "/");
        usage.put("service_id", sid);
        usage.put("backend_id", backend.get("id").asLong());
        usages.put(usage.get("id").asLong(), usage);
        ObjectNode basic = newAppPlan(sid, "Basic", "published");
        newAppPlan(sid, "Unlimited", "published");
        basic.put("default", true);
        servicePlansOf(sid).get(0).put("default", true);
        ObjectNode dev = addDeveloperAccount("Developer");
        newApplication(dev.get("id").asLong(), basic, "Developer's App", "Default application");
    }

    private void seedCms() {
        ObjectNode root = newSection("Root", "root", null, "/");
        long rootId = root.get("id").asLong();
        for (String s : List.of("css", "javascripts", "images")) {
            newSection(s, s, rootId, "/" + s);
        }
        ObjectNode main = newTemplate("layout", "Main layout", "main_layout", null, null, "<html>{% content %}</html>");
        newTemplate("layout", "Error layout", "error", null, null, "<html>{% content %}</html>");
        ObjectNode home = newTemplate("page", "Homepage", "homepage", "/", rootId, "<h1>Welcome</h1>");
        home.put("layout_id", main.get("id").asLong());
        newTemplate("page", "Documentation", "documentation", "/docs", rootId, "{% cdn_asset /swagger-ui/swagger-ui.js %}");
        newTemplate("partial", "analytics", "analytics", null, null, "");
        // porta's builtin pages and partials (app/models/cms/builtin.rb ORIGINAL_PATHS, created by
        // SimpleLayout#create_builtin_pages_and_partials!), as on a tenant with multiple applications and service
        // plans switched on (applications/new, applications/choose_service and services/* exist only then)
        for (String b : List.of("errors/not_found", "errors/forbidden", "errors/internal_server_error",
                "dashboards/show", "applications/new", "applications/choose_service", "applications/edit",
                "applications/index", "applications/show", "applications/alerts/index", "invoices/index",
                "invoices/show", "account/show", "account/edit", "accounts/users/index", "accounts/users/edit",
                "user/show", "messages/outbox/index", "messages/outbox/show", "messages/outbox/new",
                "messages/inbox/index", "messages/inbox/show", "messages/trash/index", "messages/trash/show",
                "signup/show", "signup/success", "login/new", "password/new", "password/show", "services/new",
                "services/index", "invitations/index", "invitations/new", "accounts/payment_gateways/edit",
                "accounts/payment_gateways/show", "account_plans/index", "accounts/plan_changes/index",
                "stats/index", "search/index", "accounts/invitee_signups/show")) {
            ObjectNode t = newTemplate("builtin_page", b, b.replace('/', '_'), null, null, "{% content %}");
            t.put("system_name", b);
        }
        for (String b : List.of("stats/chart", "applications/form", "messages/menu", "shared/pagination",
                "shared/swagger_ui", "signup/cas", "login/sso", "field", "submenu", "menu_item", "users_menu")) {
            newTemplate("builtin_partial", null, b, null, null, "");
        }
        templates.values().forEach(t -> t.put("published", t.path("draft").asText()));
    }

    /**
     * For tests: creating or updating the template with this system name (or page path) answers 422 with
     * {@code {"errors":{"draft":[message]}}}, as porta does when a template fails its validations. A null message
     * accepts it again.
     */
    public synchronized void rejectTemplate(String systemNameOrPath, String message) {
        if (message == null) { // accepted again
            rejectedTemplates.remove(systemNameOrPath);
            return;
        }
        rejectedTemplates.put(systemNameOrPath, message);
    }

    private void checkRejected(String systemName, String path) {
        for (String key : new String[] {systemName, path}) {
            if (key != null && rejectedTemplates.containsKey(key)) {
                throw unprocessable("draft", rejectedTemplates.get(key));
            }
        }
    }

    /** Adds a developer (buyer) account; for tests and the sandbox. */
    public synchronized ObjectNode addDeveloperAccount(String orgName) {
        ObjectNode a = J.objectNode();
        long id = id();
        a.put("id", id);
        a.put("created_at", now());
        a.put("updated_at", now());
        a.put("state", "approved");
        a.put("org_name", orgName);
        a.put("credit_card_stored", false);
        a.put("monthly_billing_enabled", true);
        a.put("monthly_charging_enabled", true);
        accounts.put(id, a);
        return a.deepCopy();
    }

    /** Registers a custom policy in the registry, as the operator does for a CustomPolicyDefinition. */
    public synchronized ObjectNode addRegistryPolicy(String name, String version, JsonNode schema) {
        ObjectNode p = J.objectNode();
        p.put("id", id());
        p.put("name", name);
        p.put("version", version);
        p.set("schema", schema == null ? J.objectNode() : schema.deepCopy());
        p.put("created_at", now());
        p.put("updated_at", now());
        registry.put(p.get("id").asLong(), p);
        return p.deepCopy();
    }

    /**
     * Updates a registry policy as porta's {@code PUT /admin/api/registry/policies/{id}.json} does
     * ({@code app/controllers/admin/api/registry/policies_controller.rb}, {@code app/models/policy.rb}): the version
     * must equal the schema's and be unique for the name, and a policy that a product's policy chain uses cannot change
     * its name, version or schema. Returns porta's errors by field, empty when saved.
     */
    public synchronized Map<String, List<String>> updateRegistryPolicy(long id, String name, String version,
                                                                     JsonNode schema) {
        ObjectNode p = registry.get(id);
        if (p == null) {
            return Map.of("base", List.of("Not found"));
        }
        String newName = name == null ? p.get("name").asText() : name;
        String newVersion = version == null ? p.get("version").asText() : version;
        JsonNode newSchema = schema == null ? p.get("schema") : schema;
        Map<String, List<String>> errors = registryErrors(id, newName, newVersion, newSchema);
        if (!errors.isEmpty()) {
            return errors;
        }
        boolean readonlyChanged = !newName.equals(p.get("name").asText())
                || !newVersion.equals(p.get("version").asText()) || !newSchema.equals(p.get("schema"));
        if (readonlyChanged && inUse(p.get("name").asText(), p.get("version").asText())) {
            // policy.rb validate_not_in_use (on: :update, if: :readonly_attributes_changed?); config/locales/en.yml
            return Map.of("base", List.of("This policy is currently being used in one of your APIs and cannot be"
                    + " modified."));
        }
        if (readonlyChanged) {
            p.put("name", newName);
            p.put("version", newVersion);
            p.set("schema", newSchema.deepCopy());
            p.put("updated_at", now());
        }
        return Map.of();
    }

    /** policy.rb's validations of name, version and schema (uniqueness excludes {@code selfId}). */
    private Map<String, List<String>> registryErrors(Long selfId, String name, String version, JsonNode schema) {
        Map<String, List<String>> errors = new LinkedHashMap<>();
        if (version.equals("builtin")) {
            errors.put("version", List.of("cannot be 'builtin'"));
        } else if (schema == null || !version.equals(schema.path("version").asText())) {
            errors.put("version", List.of("differs from the schema version"));
        } else if (registry.values().stream().anyMatch(x -> !Long.valueOf(x.get("id").asLong()).equals(selfId)
                && x.get("name").asText().equals(name) && x.get("version").asText().equals(version))) {
            errors.put("version", List.of("has already been taken"));
        }
        return errors;
    }

    /** policy.rb in_use?: a product's policy chain uses this name and version. */
    private boolean inUse(String name, String version) {
        return policyChains.values().stream().flatMap(chain -> java.util.stream.StreamSupport.stream(
                chain.spliterator(), false)).anyMatch(c -> name.equals(c.path("name").asText())
                && version.equals(c.path("version").asText()));
    }

    /** The policies in the registry (copies). */
    public synchronized List<ObjectNode> registryPolicies() {
        return registry.values().stream().map(ObjectNode::deepCopy).toList();
    }

    /** A read-only snapshot of a collection, for tests: backends, services, metrics, rules, usages, ... */
    public synchronized List<ObjectNode> snapshot(String collection) {
        Map<Long, ObjectNode> m = switch (collection) {
            case "backend_apis" -> backends;
            case "services" -> services;
            case "metrics" -> metrics;
            case "mapping_rules" -> rules;
            case "backend_usages" -> usages;
            case "application_plans" -> appPlans;
            case "service_plans" -> servicePlans;
            case "accounts" -> accounts;
            case "applications" -> applications;
            case "service_subscriptions" -> contracts;
            case "authentication_providers" -> ssoProviders;
            case "cms_sections" -> sections;
            case "cms_templates" -> templates;
            case "cms_files" -> files;
            case "active_docs" -> activeDocs;
            case "proxies" -> proxies;
            default -> throw new IllegalArgumentException("unknown collection " + collection);
        };
        return m.values().stream().map(ObjectNode::deepCopy).toList();
    }

    /** Who owns a metric or method: {@code "Service:<id>"} or {@code "BackendApi:<id>"}; null if unknown. */
    public synchronized String metricOwner(long metricId) {
        return metricOwner.get(metricId);
    }

    /** The policy chain of a product (a copy; empty when it has none). */
    public synchronized ArrayNode policyChain(long serviceId) {
        ArrayNode chain = policyChains.get(serviceId);
        return chain == null ? J.arrayNode() : chain.deepCopy();
    }

    /** The APIcast config versions of a product in an environment. */
    public synchronized List<ObjectNode> configsOf(long serviceId, String env) {
        return proxyConfigs.getOrDefault(serviceId, Map.of()).getOrDefault(env, List.of()).stream()
                .map(ObjectNode::deepCopy).toList();
    }

    synchronized Optional<Upload> fileContent(String path) {
        String rest = path.substring(FILE_PREFIX.length());
        int slash = rest.indexOf('/');
        try {
            long id = Long.parseLong(slash < 0 ? rest : rest.substring(0, slash));
            return Optional.ofNullable(fileContents.get(id));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    // ================================================================================================ dispatch

    synchronized Resp handle(Req r) {
        Handler h = routes.get(r.method() + " " + r.template());
        if (h == null) {
            return error(501, "The simulator does not implement " + r.method() + " " + r.template());
        }
        try {
            return h.handle(r);
        } catch (SimError e) {
            return e.resp;
        }
    }

    private void on(String method, String template, Handler h) {
        routes.put(method + " " + template, h);
    }

    private void registerRoutes() {
        String api = "/admin/api";
        on("GET", api + "/provider", r -> ok(wrap("account", provider)));
        on("PUT", api + "/provider", this::updateProvider);
        on("GET", "/master/api/providers/{id}", r -> ok(signup(tenantById(r))));
        on("PUT", "/master/api/providers/{id}", this::updateTenant);

        on("GET", api + "/backend_apis", r -> ok(page(r, backends.values(), "backend_apis", "backend_api")));
        on("POST", api + "/backend_apis", this::createBackend);
        on("GET", api + "/backend_apis/{id}", r -> ok(wrap("backend_api", backend(r, "id"))));
        on("PUT", api + "/backend_apis/{id}", this::updateBackend);
        on("GET", api + "/active_docs", r -> ok(list(activeDocs.values(), "api_docs", "api_doc")));
        on("POST", api + "/active_docs", this::createActiveDoc);
        on("GET", api + "/active_docs/{id}", r -> ok(wrap("api_doc", find(activeDocs, r, "id"))));
        on("PUT", api + "/active_docs/{id}", this::updateActiveDoc);
        on("DELETE", api + "/active_docs/{id}", r -> {
            activeDocs.remove(find(activeDocs, r, "id").get("id").asLong());
            return okEmpty();
        });
        on("DELETE", api + "/backend_apis/{id}", this::deleteBackend);
        metricRoutes(api + "/backend_apis/{backend_api_id}", "backend_api_id", true);
        on("GET", api + "/backend_apis/{backend_api_id}/mapping_rules",
                r -> ok(page(r, rulesOf(backendOwner(r)), "mapping_rules", "mapping_rule")));
        on("POST", api + "/backend_apis/{backend_api_id}/mapping_rules", r -> createRule(r, backendOwner(r)));
        on("GET", api + "/backend_apis/{backend_api_id}/mapping_rules/{id}",
                r -> ok(wrap("mapping_rule", rule(r, backendOwner(r)))));
        on("PUT", api + "/backend_apis/{backend_api_id}/mapping_rules/{id}", r -> updateRule(r, backendOwner(r)));
        on("DELETE", api + "/backend_apis/{backend_api_id}/mapping_rules/{id}", r -> deleteRule(r, backendOwner(r)));

        on("GET", api + "/services", r -> ok(page(r, services.values(), "services", "service")));
        on("POST", api + "/services", this::createService);
        on("GET", api + "/services/{id}", r -> ok(wrap("service", service(r, "id"))));
        on("PUT", api + "/services/{id}", this::updateService);
        on("DELETE", api + "/services/{id}", this::deleteService);
        on("GET", api + "/services/{service_id}/proxy", r -> ok(wrap("proxy", proxyJson(sid(r)))));
        on("PATCH", api + "/services/{service_id}/proxy", this::updateProxy);
        on("POST", api + "/services/{service_id}/proxy/deploy", r -> {
            long sid = sid(r);
            deployToStaging(sid);
            return created(wrap("proxy", proxyJson(sid)));
        });
        on("GET", api + "/services/{service_id}/proxy/policies", r -> ok(policiesJson(sid(r))));
        on("PUT", api + "/services/{service_id}/proxy/policies", this::updatePolicies);
        on("GET", api + "/services/{service_id}/proxy/configs/{environment}", r -> {
            ArrayNode list = J.arrayNode();
            configs(sid(r), env(r)).forEach(c -> list.add(wrap("proxy_config", c)));
            ObjectNode o = J.objectNode();
            o.set("proxy_configs", list);
            return ok(o);
        });
        on("GET", api + "/services/{service_id}/proxy/configs/{environment}/latest", r -> {
            List<ObjectNode> list = configs(sid(r), env(r));
            if (list.isEmpty()) {
                throw notFound();
            }
            return ok(wrap("proxy_config", list.get(list.size() - 1)));
        });
        on("GET", api + "/services/{service_id}/proxy/configs/{environment}/{version}",
                r -> ok(wrap("proxy_config", config(r))));
        on("POST", api + "/services/{service_id}/proxy/configs/{environment}/{version}/promote", this::promote);

        on("GET", api + "/services/{service_id}/backend_usages", r -> {
            long sid = sid(r);
            ArrayNode list = J.arrayNode();
            usages.values().stream().filter(u -> u.get("service_id").asLong() == sid)
                    .forEach(u -> list.add(wrap("backend_usage", u)));
            return ok(list);
        });
        on("POST", api + "/services/{service_id}/backend_usages", this::createUsage);
        on("GET", api + "/services/{service_id}/backend_usages/{id}", r -> ok(wrap("backend_usage", usage(r))));
        on("PUT", api + "/services/{service_id}/backend_usages/{id}", this::updateUsage);
        on("DELETE", api + "/services/{service_id}/backend_usages/{id}", r -> {
            ObjectNode u = usage(r);
            usages.remove(u.get("id").asLong());
            return okEmpty();
        });

        metricRoutes(api + "/services/{service_id}", "service_id", false);
        on("GET", api + "/services/{service_id}/proxy/mapping_rules",
                r -> ok(list(rulesOf(serviceOwner(r)), "mapping_rules", "mapping_rule")));
        on("POST", api + "/services/{service_id}/proxy/mapping_rules", r -> createRule(r, serviceOwner(r)));
        on("GET", api + "/services/{service_id}/proxy/mapping_rules/{id}",
                r -> ok(wrap("mapping_rule", rule(r, serviceOwner(r)))));
        on("PATCH", api + "/services/{service_id}/proxy/mapping_rules/{id}", r -> updateRule(r, serviceOwner(r)));
        on("DELETE", api + "/services/{service_id}/proxy/mapping_rules/{id}", r -> deleteRule(r, serviceOwner(r)));

        on("GET", api + "/application_plans", r -> ok(list(appPlans.values(), "plans", "application_plan")));
        on("GET", api + "/services/{service_id}/application_plans", r -> {
            long sid = sid(r);
            return ok(list(appPlans.values().stream().filter(p -> p.get("service_id").asLong() == sid).toList(),
                    "plans", "application_plan"));
        });
        on("POST", api + "/services/{service_id}/application_plans", this::createAppPlan);
        on("GET", api + "/services/{service_id}/application_plans/{id}", r -> ok(wrap("application_plan", appPlan(r))));
        on("PUT", api + "/services/{service_id}/application_plans/{id}", this::updateAppPlan);
        on("DELETE", api + "/services/{service_id}/application_plans/{id}", r -> {
            ObjectNode p = appPlan(r);
            if (applications.values().stream().anyMatch(a -> a.get("plan_id").asLong() == p.get("id").asLong())) {
                throw unprocessable("base", "This plan has applications and cannot be deleted");
            }
            appPlans.remove(p.get("id").asLong());
            return okEmpty();
        });
        on("PUT", api + "/services/{service_id}/application_plans/{id}/default", r -> {
            ObjectNode p = appPlan(r);
            long sid = p.get("service_id").asLong();
            appPlans.values().stream().filter(x -> x.get("service_id").asLong() == sid)
                    .forEach(x -> x.put("default", false));
            p.put("default", true);
            touch(p);
            return ok(wrap("application_plan", p));
        });

        on("GET", api + "/service_plans", r -> ok(list(servicePlans.values(), "plans", "service_plan")));
        on("GET", api + "/services/{id}/service_plans", r -> {
            long sid = service(r, "id").get("id").asLong();
            return ok(list(servicePlansOf(sid), "plans", "service_plan"));
        });
        on("POST", api + "/services/{id}/service_plans", r -> {
            long sid = service(r, "id").get("id").asLong();
            require(r, "name");
            ObjectNode p = newServicePlan(sid, r.p("name"), "publish".equals(r.p("state_event")) ? "published" : "hidden");
            if (r.has("approval_required")) {
                p.put("approval_required", bool(r.p("approval_required")));
            }
            return created(wrap("service_plan", p));
        });
        on("GET", api + "/services/{service_id}/service_plans/{id}", r -> ok(wrap("service_plan", servicePlan(r))));
        on("PUT", api + "/services/{service_id}/service_plans/{id}/default", r -> {
            ObjectNode p = servicePlan(r);
            servicePlansOf(p.get("service_id").asLong()).forEach(x -> x.put("default", false));
            p.put("default", true);
            touch(p);
            return ok(wrap("service_plan", p));
        });

        on("GET", api + "/accounts", this::listAccounts);
        on("GET", api + "/accounts/{id}", r -> ok(wrap("account", account(r, "id"))));
        on("GET", api + "/accounts/{account_id}/applications", r -> {
            long aid = account(r, "account_id").get("id").asLong();
            return ok(list(applications.values().stream().filter(a -> a.get("account_id").asLong() == aid).toList(),
                    "applications", "application"));
        });
        on("POST", api + "/accounts/{account_id}/applications", this::createApplication);
        on("GET", api + "/accounts/{account_id}/applications/{id}", r -> ok(wrap("application", application(r))));
        on("DELETE", api + "/accounts/{account_id}/applications/{id}", r -> {
            applications.remove(application(r).get("id").asLong());
            return okEmpty();
        });
        on("GET", api + "/accounts/{account_id}/service_subscriptions", r -> {
            long aid = account(r, "account_id").get("id").asLong();
            return ok(list(contracts.values().stream().filter(c -> c.get("user_account_id").asLong() == aid).toList(),
                    "service_subscriptions", "service_subscription"));
        });
        on("POST", api + "/accounts/{account_id}/service_subscriptions", this::subscribe);
        on("GET", api + "/accounts/{account_id}/service_contracts", r -> {
            long aid = account(r, "account_id").get("id").asLong();
            return ok(list(contracts.values().stream().filter(c -> c.get("user_account_id").asLong() == aid).toList(),
                    "service_contracts", "service_contract"));
        });
        on("GET", api + "/accounts/{account_id}/service_subscriptions/{id}",
                r -> ok(wrap("service_subscription", contract(r))));
        on("DELETE", api + "/accounts/{account_id}/service_subscriptions/{id}", r -> {
            ObjectNode c = contract(r);
            long aid = c.get("user_account_id").asLong();
            long sid = c.get("service_id").asLong();
            if (applications.values().stream().anyMatch(a -> a.get("account_id").asLong() == aid
                    && a.get("service_id").asLong() == sid)) {
                throw unprocessable("base", "Cannot unsubscribe while the account has applications on this product");
            }
            contracts.remove(c.get("id").asLong());
            return okEmpty();
        });

        on("GET", api + "/authentication_providers",
                r -> ok(list(ssoProviders.values(), "authentication_providers", "authentication_provider")));
        on("POST", api + "/authentication_providers", this::createSso);
        on("GET", api + "/authentication_providers/{id}",
                r -> ok(wrap("authentication_provider", sso(r))));
        on("PUT", api + "/authentication_providers/{id}", this::updateSso);

        on("GET", api + "/registry/policies", r -> ok(list(registry.values(), "policies", "policy")));
        on("POST", api + "/registry/policies", r -> {
            require(r, "name", "version", "schema");
            JsonNode schema = parseJson(r.p("schema"), "schema");
            Map<String, List<String>> errors = registryErrors(null, r.p("name"), r.p("version"), schema);
            if (!errors.isEmpty()) {
                return errors(errors);
            }
            return created(wrap("policy", addRegistryPolicy(r.p("name"), r.p("version"), schema)));
        });
        on("GET", api + "/registry/policies/{id}", r -> ok(wrap("policy", registryPolicy(r))));
        on("PUT", api + "/registry/policies/{id}", r -> {
            ObjectNode p = registryPolicy(r);
            JsonNode schema = r.has("schema") ? parseJson(r.p("schema"), "schema") : null;
            Map<String, List<String>> errors = updateRegistryPolicy(p.get("id").asLong(), r.p("name"), r.p("version"),
                    schema);
            if (!errors.isEmpty()) {
                return errors(errors);
            }
            return ok(wrap("policy", registry.get(p.get("id").asLong())));
        });

        cmsRoutes(api + "/cms");
    }

    // ================================================================================================ provider

    private Resp updateProvider(Req r) {
        for (String f : List.of("from_email", "support_email", "finance_support_email")) {
            if (r.has(f)) {
                if (!r.p(f).contains("@")) {
                    throw unprocessable(f, "should look like an email address");
                }
                provider.put(f, r.p(f));
            }
        }
        if (r.has("site_access_code")) {
            provider.put("site_access_code", r.p("site_access_code"));
        }
        touch(provider);
        return ok(wrap("account", provider));
    }

    /** The Master API sees the one tenant of the simulator; other ids are 404. */
    private ObjectNode tenantById(Req r) {
        if (!String.valueOf(provider.get("id").asLong()).equals(r.path().get("id"))) {
            throw new SimError(error(404, "Not found"));
        }
        return provider;
    }

    /** Master API Tenant Update: the provider account's emails, access code and default fields (org_name). */
    private Resp updateTenant(Req r) {
        tenantById(r);
        Set<String> fields = Set.of("from_email", "support_email", "finance_support_email", "site_access_code",
                "state_event", "org_name");
        for (String name : r.params().keySet()) {
            if (!fields.contains(name)) {
                throw unprocessable(name, "is not a field of the tenant account");
            }
        }
        if (r.has("org_name")) {
            if (r.p("org_name").isBlank()) {
                throw unprocessable("org_name", "can't be blank");
            }
            provider.put("org_name", r.p("org_name"));
        }
        Map<String, String> rest = new LinkedHashMap<>(r.params());
        rest.remove("org_name");
        rest.remove("state_event");
        updateProvider(new Req(r.method(), r.template(), r.path(), rest, r.uploads()));
        return ok(signup(provider));
    }

    /** The Master API's representation of a tenant: {@code {"signup":{"account":{..}}}} (no access token). */
    private static ObjectNode signup(ObjectNode account) {
        ObjectNode out = J.objectNode();
        out.putObject("signup").set("account", account.deepCopy());
        return out;
    }

    // ================================================================================================ backends

    private ObjectNode newBackend(String name, String systemName, String description, String endpoint) {
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
        newMetric("BackendApi:" + id, "hits." + id, "Hits", "hit", "Number of API hits", null);
        return b;
    }

    private Resp createBackend(Req r) {
        Map<String, List<String>> errs = new LinkedHashMap<>();
        blank(r, errs, "name", "private_endpoint");
        String endpoint = r.has("private_endpoint") && !r.p("private_endpoint").isBlank()
                ? privateEndpoint(r.p("private_endpoint"), errs) : null;
        String systemName = systemName(r, r.p("name"));
        if (systemName != null && backends.values().stream().anyMatch(b -> systemName.equals(b.get("system_name").asText()))) {
            errs.put("system_name", List.of("has already been taken"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        return created(wrap("backend_api", newBackend(r.p("name"), systemName, r.p("description"), endpoint)));
    }

    private Resp updateBackend(Req r) {
        ObjectNode b = backend(r, "id");
        Map<String, List<String>> errs = new LinkedHashMap<>();
        String endpoint = r.has("private_endpoint") ? privateEndpoint(r.p("private_endpoint"), errs) : null;
        if (r.has("name") && r.p("name").isBlank()) {
            errs.put("name", List.of("can't be blank"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        if (r.has("name")) {
            b.put("name", r.p("name"));
        }
        if (r.has("description")) {
            b.put("description", r.p("description"));
        }
        if (endpoint != null) {
            b.put("private_endpoint", endpoint);
        }
        touch(b);
        return ok(wrap("backend_api", b));
    }

    private Resp deleteBackend(Req r) {
        ObjectNode b = backend(r, "id");
        long id = b.get("id").asLong();
        if (usages.values().stream().anyMatch(u -> u.get("backend_id").asLong() == id)) {
            throw unprocessable("base", "cannot be deleted because it is used by at least one Product");
        }
        backends.remove(id);
        metricOwner.entrySet().removeIf(e -> {
            if (e.getValue().equals("BackendApi:" + id)) {
                metrics.remove(e.getKey());
                return true;
            }
            return false;
        });
        rules.values().removeIf(x -> x.get("owner_type").asText().equals("BackendApi") && x.get("owner_id").asLong() == id);
        return okEmpty();
    }

    // ================================================================================================ active docs

    /**
     * ActiveDocs (porta's ApiDocs::Service): name and body required, body valid JSON, system_name unique per account
     * (generated from the name when blank), service_id one of the account's products; rendered as
     * {@code {"api_doc":{...}}} and listed, unpaginated, as {@code {"api_docs":[{"api_doc":{...}}]}}.
     */
    private Resp createActiveDoc(Req r) {
        Map<String, List<String>> errs = new LinkedHashMap<>();
        blank(r, errs, "name", "body");
        activeDocChecks(r, errs);
        String systemName = systemName(r, r.p("name"));
        if (systemName != null && activeDocs.values().stream()
                .anyMatch(d -> systemName.equals(d.get("system_name").asText()))) {
            errs.put("system_name", List.of("has already been taken"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        ObjectNode d = J.objectNode();
        long id = id();
        d.put("id", id);
        d.put("name", r.p("name"));
        d.put("system_name", systemName);
        d.put("description", r.has("description") ? r.p("description") : null);
        d.put("published", r.has("published") && bool(r.p("published")));
        d.put("skip_swagger_validations", r.has("skip_swagger_validations") && bool(r.p("skip_swagger_validations")));
        d.put("body", r.p("body"));
        if (r.has("service_id") && !r.p("service_id").isBlank()) {
            d.put("service_id", Long.parseLong(r.p("service_id")));
        } else {
            d.putNull("service_id");
        }
        d.put("created_at", now());
        d.put("updated_at", now());
        activeDocs.put(id, d);
        return created(wrap("api_doc", d));
    }

    private Resp updateActiveDoc(Req r) {
        ObjectNode d = find(activeDocs, r, "id");
        Map<String, List<String>> errs = new LinkedHashMap<>();
        for (String f : List.of("name", "body")) {
            if (r.has(f) && r.p(f).isBlank()) {
                errs.put(f, List.of("can't be blank"));
            }
        }
        activeDocChecks(r, errs);
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        copy(r, d, "name", "description", "body");
        if (r.has("published")) {
            d.put("published", bool(r.p("published")));
        }
        if (r.has("skip_swagger_validations")) {
            d.put("skip_swagger_validations", bool(r.p("skip_swagger_validations")));
        }
        if (r.has("service_id")) {
            if (r.p("service_id").isBlank()) {
                d.putNull("service_id");
            } else {
                d.put("service_id", Long.parseLong(r.p("service_id")));
            }
        }
        touch(d);
        return ok(wrap("api_doc", d));
    }

    private void activeDocChecks(Req r, Map<String, List<String>> errs) {
        if (r.has("body") && !r.p("body").isBlank()) {
            try {
                JsonNode body = MAPPER.readTree(r.p("body"));
                if (body == null || !body.isObject()) {
                    errs.put("body", List.of("JSON Spec is invalid"));
                }
            } catch (Exception e) {
                errs.put("body", List.of("JSON Spec is invalid"));
            }
        }
        if (r.has("service_id") && !r.p("service_id").isBlank()) {
            try {
                if (!services.containsKey(Long.parseLong(r.p("service_id")))) {
                    errs.put("service", List.of("not found"));
                }
            } catch (NumberFormatException e) {
                errs.put("service", List.of("not found"));
            }
        }
    }

    /** porta: uri validation (http, https, ws, wss), non_localhost, and the default port filled in. */
    private static String privateEndpoint(String value, Map<String, List<String>> errs) {
        URI uri;
        try {
            uri = new URI(value.trim());
        } catch (Exception e) {
            errs.put("private_endpoint", List.of("is invalid"));
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!Set.of("http", "https", "ws", "wss").contains(scheme) || uri.getHost() == null) {
            errs.put("private_endpoint", List.of("is invalid"));
            return null;
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT).replace("[", "").replace("]", "");
        if (host.equals("localhost") || host.endsWith(".localhost") || host.startsWith("127.") || host.equals("::1")
                || host.equals("0.0.0.0") || host.equals("0:0:0:0:0:0:0:1")) {
            errs.put("private_endpoint", List.of("cannot be a protected domain (localhost or a loopback address)"));
            return null;
        }
        if (uri.getPort() == -1) {
            int port = scheme.equals("https") || scheme.equals("wss") ? 443 : 80;
            String rest = uri.getRawPath() == null ? "" : uri.getRawPath();
            return scheme + "://" + uri.getRawAuthority() + ":" + port + rest
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        }
        return value.trim();
    }

    // ================================================================================================ metrics

    private void metricRoutes(String ownerBase, String ownerParam, boolean backend) {
        Function<Req, String> owner = backend ? this::backendOwner : this::serviceOwner;
        on("GET", ownerBase + "/metrics", r -> {
            List<ObjectNode> top = metricsOf(owner.apply(r)).stream().filter(m -> !m.has("parent_id")).toList();
            return ok(backend ? page(r, top, "metrics", "metric") : list(top, "metrics", "metric"));
        });
        on("POST", ownerBase + "/metrics", r -> {
            String o = owner.apply(r);
            require(r, "friendly_name", "unit");
            String sn = uniqueMetricName(r, o);
            return created(wrap("metric", newMetric(o, sn, r.p("friendly_name"), r.p("unit"), r.p("description"), null)));
        });
        on("GET", ownerBase + "/metrics/{id}", r -> ok(wrap("metric", metric(r, owner.apply(r), "id"))));
        on("PUT", ownerBase + "/metrics/{id}", r -> {
            ObjectNode m = metric(r, owner.apply(r), "id");
            friendlyNameFree(r, owner.apply(r), m);
            copy(r, m, "friendly_name", "unit", "description");
            touch(m);
            return ok(wrap("metric", m));
        });
        on("DELETE", ownerBase + "/metrics/{id}", r -> {
            ObjectNode m = metric(r, owner.apply(r), "id");
            if (m.get("system_name").asText().matches("hits(\\.\\d+)?")) {
                throw unprocessable("base", "The default metric cannot be deleted");
            }
            checkNotInLatestConfig(m, owner.apply(r));
            deleteMetric(m.get("id").asLong());
            return okEmpty();
        });
        String methods = ownerBase + "/metrics/{metric_id}/methods";
        on("GET", methods, r -> {
            long parent = metric(r, owner.apply(r), "metric_id").get("id").asLong();
            List<ObjectNode> ms = metricsOf(owner.apply(r)).stream()
                    .filter(m -> m.has("parent_id") && m.get("parent_id").asLong() == parent).toList();
            return ok(backend ? page(r, ms, "methods", "method") : list(ms, "methods", "method"));
        });
        on("POST", methods, r -> {
            String o = owner.apply(r);
            long parent = metric(r, o, "metric_id").get("id").asLong();
            require(r, "friendly_name");
            String sn = uniqueMetricName(r, o);
            return created(wrap("method", newMetric(o, sn, r.p("friendly_name"), "hit", r.p("description"), parent)));
        });
        on("GET", methods + "/{id}", r -> ok(wrap("method", method(r, owner.apply(r)))));
        on("PUT", methods + "/{id}", r -> {
            ObjectNode m = method(r, owner.apply(r));
            friendlyNameFree(r, owner.apply(r), m);
            copy(r, m, "friendly_name", "description");
            touch(m);
            return ok(wrap("method", m));
        });
        on("DELETE", methods + "/{id}", r -> {
            ObjectNode m = method(r, owner.apply(r));
            checkNotInLatestConfig(m, owner.apply(r));
            deleteMetric(m.get("id").asLong());
            return okEmpty();
        });
    }

    /**
     * porta stores a backend's metric system names with the backend id as suffix ("hits.42";
     * app/lib/backend_api_logic/metric_extension.rb) and checks uniqueness on that; friendly_name is unique per owner
     * too (app/models/metric.rb).
     */
    private String uniqueMetricName(Req r, String owner) {
        String sn = systemName(r, r.p("friendly_name"));
        if (owner.startsWith("BackendApi:")) {
            String id = owner.substring("BackendApi:".length());
            sn = sn.endsWith("." + id) ? sn : sn + "." + id;
        }
        String extended = sn;
        Map<String, List<String>> errs = new LinkedHashMap<>();
        if (metricsOf(owner).stream().anyMatch(m -> m.get("system_name").asText().equals(extended))) {
            errs.put("system_name", List.of("has already been taken"));
        }
        if (metricsOf(owner).stream().anyMatch(m -> m.get("friendly_name").asText().equals(r.p("friendly_name")))) {
            errs.put("friendly_name", List.of("has already been taken"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        return sn;
    }

    private void friendlyNameFree(Req r, String owner, ObjectNode self) {
        if (r.has("friendly_name") && metricsOf(owner).stream().anyMatch(m -> m != self
                && m.get("friendly_name").asText().equals(r.p("friendly_name")))) {
            throw unprocessable("friendly_name", "has already been taken");
        }
    }

    /** porta refuses to delete a metric or method that the latest APIcast config of a product uses (Metric#destroyable?). */
    private void checkNotInLatestConfig(ObjectNode metric, String owner) {
        long id = metric.get("id").asLong();
        List<Long> products = owner.startsWith("Service:") ? List.of(Long.parseLong(owner.substring(8)))
                : usages.values().stream().filter(u -> ("BackendApi:" + u.get("backend_id").asLong()).equals(owner))
                .map(u -> u.get("service_id").asLong()).toList();
        for (long sid : products) {
            for (List<ObjectNode> versions : proxyConfigs.getOrDefault(sid, Map.of()).values()) {
                if (!versions.isEmpty() && versions.get(versions.size() - 1).get("content").findValues("metric_id")
                        .stream().anyMatch(v -> v.asLong() == id)) {
                    throw unprocessable("base", (metric.has("parent_id") ? "Method" : "Metric")
                            + " is used by the latest gateway configuration and cannot be deleted");
                }
            }
        }
    }

    private ObjectNode newMetric(String owner, String systemName, String friendlyName, String unit, String description,
                                 Long parentId) {
        ObjectNode m = J.objectNode();
        long id = id();
        m.put("id", id);
        m.put("name", systemName);
        m.put("system_name", systemName);
        m.put("friendly_name", friendlyName);
        m.put("description", description);
        m.put("unit", unit);
        if (parentId != null) {
            m.put("parent_id", parentId);
        }
        m.put("created_at", now());
        m.put("updated_at", now());
        metrics.put(id, m);
        metricOwner.put(id, owner);
        return m;
    }

    private void deleteMetric(long id) {
        metrics.remove(id);
        metricOwner.remove(id);
        List<Long> children = metrics.values().stream().filter(m -> m.has("parent_id") && m.get("parent_id").asLong() == id)
                .map(m -> m.get("id").asLong()).toList();
        children.forEach(this::deleteMetric);
        rules.values().removeIf(x -> x.get("metric_id").asLong() == id);
    }

    private List<ObjectNode> metricsOf(String owner) {
        return metrics.entrySet().stream().filter(e -> owner.equals(metricOwner.get(e.getKey())))
                .map(Map.Entry::getValue).toList();
    }

    private ObjectNode metric(Req r, String owner, String param) {
        long id = pathId(r, param);
        ObjectNode m = metrics.get(id);
        if (m == null || !owner.equals(metricOwner.get(id)) || m.has("parent_id")) {
            throw notFound();
        }
        return m;
    }

    private ObjectNode method(Req r, String owner) {
        long parent = metric(r, owner, "metric_id").get("id").asLong();
        long id = pathId(r, "id");
        ObjectNode m = metrics.get(id);
        if (m == null || !owner.equals(metricOwner.get(id)) || !m.has("parent_id") || m.get("parent_id").asLong() != parent) {
            throw notFound();
        }
        return m;
    }

    // ================================================================================================ mapping rules

    private String backendOwner(Req r) { return "BackendApi:" + backend(r, "backend_api_id").get("id").asLong(); }

    private String serviceOwner(Req r) { return "Service:" + sid(r); }

    private List<ObjectNode> rulesOf(String owner) {
        String[] o = owner.split(":");
        return rules.values().stream().filter(x -> x.get("owner_type").asText().equals(o[0])
                        && x.get("owner_id").asLong() == Long.parseLong(o[1]))
                .sorted(Comparator.comparingInt(x -> x.get("position").asInt())).toList();
    }

    private ObjectNode rule(Req r, String owner) {
        long id = pathId(r, "id");
        return rulesOf(owner).stream().filter(x -> x.get("id").asLong() == id).findFirst().orElseThrow(SimStore::notFound);
    }

    private Resp createRule(Req r, String owner) {
        Map<String, List<String>> errs = new LinkedHashMap<>();
        blank(r, errs, "http_method", "pattern", "delta", "metric_id");
        validateRule(r, owner, errs);
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        String[] o = owner.split(":");
        ObjectNode x = J.objectNode();
        long id = id();
        x.put("id", id);
        x.put("metric_id", Long.parseLong(r.p("metric_id")));
        x.put("pattern", r.p("pattern"));
        x.put("http_method", r.p("http_method").toUpperCase(Locale.ROOT));
        x.put("delta", Integer.parseInt(r.p("delta")));
        int max = rulesOf(owner).stream().mapToInt(y -> y.get("position").asInt()).max().orElse(0);
        x.put("position", r.has("position") ? Integer.parseInt(r.p("position")) : max + 1);
        x.put("last", r.has("last") && bool(r.p("last")));
        x.put("owner_id", Long.parseLong(o[1]));
        x.put("owner_type", o[0]);
        x.put("created_at", now());
        x.put("updated_at", now());
        rules.put(id, x);
        return created(wrap("mapping_rule", x));
    }

    private void validateRule(Req r, String owner, Map<String, List<String>> errs) {
        if (r.has("http_method") && !HTTP_METHODS.contains(r.p("http_method").toUpperCase(Locale.ROOT))) {
            errs.put("http_method", List.of("is not included in the list"));
        }
        if (r.has("pattern") && !r.p("pattern").startsWith("/")) {
            errs.put("pattern", List.of("shouldn't be empty and must start with a slash"));
        }
        if (r.has("delta")) {
            try {
                if (Integer.parseInt(r.p("delta")) < 1) {
                    errs.put("delta", List.of("must be greater than 0"));
                }
            } catch (NumberFormatException e) {
                errs.put("delta", List.of("is not a number"));
            }
        }
        if (r.has("metric_id") && !r.p("metric_id").isBlank()) {
            try {
                long mid = Long.parseLong(r.p("metric_id"));
                if (!owner.equals(metricOwner.get(mid))) {
                    errs.put("metric_id", List.of("does not belong to this " + owner.split(":")[0]));
                }
            } catch (NumberFormatException e) {
                errs.put("metric_id", List.of("is not a number"));
            }
        }
        if (r.has("position")) {
            try {
                Integer.parseInt(r.p("position"));
            } catch (NumberFormatException e) {
                errs.put("position", List.of("is not a number"));
            }
        }
    }

    private Resp updateRule(Req r, String owner) {
        ObjectNode x = rule(r, owner);
        Map<String, List<String>> errs = new LinkedHashMap<>();
        validateRule(r, owner, errs);
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        if (r.has("http_method")) {
            x.put("http_method", r.p("http_method").toUpperCase(Locale.ROOT));
        }
        if (r.has("pattern")) {
            x.put("pattern", r.p("pattern"));
        }
        if (r.has("delta")) {
            x.put("delta", Integer.parseInt(r.p("delta")));
        }
        if (r.has("metric_id")) {
            x.put("metric_id", Long.parseLong(r.p("metric_id")));
        }
        if (r.has("position")) {
            x.put("position", Integer.parseInt(r.p("position")));
        }
        if (r.has("last")) {
            x.put("last", bool(r.p("last")));
        }
        touch(x);
        return ok(wrap("mapping_rule", x));
    }

    private Resp deleteRule(Req r, String owner) {
        rules.remove(rule(r, owner).get("id").asLong());
        return okEmpty();
    }

    // ================================================================================================ services

    private ObjectNode newService(String name, String systemName, String description, String deploymentOption,
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

        ObjectNode p = J.objectNode();
        p.put("service_id", id);
        p.put("endpoint", "https://" + systemName.replace('_', '-') + "-" + options.tenantName() + "-apicast-production."
                + options.wildcardDomain() + ":443");
        p.put("sandbox_endpoint", "https://" + systemName.replace('_', '-') + "-" + options.tenantName()
                + "-apicast-staging." + options.wildcardDomain() + ":443");
        p.putNull("api_backend");
        p.put("credentials_location", "query");
        p.put("auth_app_key", "app_key");
        p.put("auth_app_id", "app_id");
        p.put("auth_user_key", "user_key");
        p.put("error_auth_failed", "Authentication failed");
        p.put("error_auth_missing", "Authentication parameters missing");
        p.put("error_headers_auth_failed", "text/plain; charset=us-ascii");
        p.put("error_headers_auth_missing", "text/plain; charset=us-ascii");
        p.put("error_headers_no_match", "text/plain; charset=us-ascii");
        p.put("error_headers_limits_exceeded", "text/plain; charset=us-ascii");
        p.put("error_no_match", "No Mapping Rule matched");
        p.put("error_limits_exceeded", "Usage limit exceeded");
        p.put("error_status_auth_failed", 403);
        p.put("error_status_auth_missing", 403);
        p.put("error_status_no_match", 404);
        p.put("error_status_limits_exceeded", 429);
        p.put("secret_token", "Shared_secret_sent_from_proxy_to_API_backend_" + hex(8));
        p.put("hostname_rewrite", "");
        p.put("oauth_login_url", (String) null);
        p.put("api_test_path", "/");
        p.put("lock_version", 1);
        p.put("created_at", now());
        p.put("updated_at", now());
        proxies.put(id, p);
        ArrayNode chain = J.arrayNode();
        ObjectNode apicast = chain.addObject();
        apicast.put("name", "apicast");
        apicast.put("version", "builtin");
        apicast.putObject("configuration");
        apicast.put("enabled", true);
        policyChains.put(id, chain);
        proxyConfigs.put(id, new LinkedHashMap<>(Map.of("sandbox", new ArrayList<>(), "production", new ArrayList<>())));

        ObjectNode hits = newMetric("Service:" + id, "hits", "Hits", "hit", "Number of API hits", null);
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
        newServicePlan(id, "Default", "published");
        return s;
    }

    private Resp createService(Req r) {
        Map<String, List<String>> errs = new LinkedHashMap<>();
        blank(r, errs, "name");
        String systemName = systemName(r, r.p("name"));
        if (systemName != null && services.values().stream().anyMatch(s -> systemName.equals(s.get("system_name").asText()))) {
            errs.put("system_name", List.of("has already been taken"));
        }
        String deployment = r.has("deployment_option") ? r.p("deployment_option") : "hosted";
        if (!deployment.equals("hosted") && !deployment.equals("self_managed") && !deployment.startsWith("service_mesh")) {
            errs.put("deployment_option", List.of("is not included in the list"));
        }
        String version = r.has("backend_version") ? r.p("backend_version") : "1";
        if (!Set.of("1", "2", "oidc").contains(version)) {
            errs.put("backend_version", List.of("is not included in the list"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        return created(wrap("service", newService(r.p("name"), systemName, r.p("description"), deployment, version)));
    }

    private Resp updateService(Req r) {
        ObjectNode s = service(r, "id");
        if (r.has("name") && r.p("name").isBlank()) {
            throw unprocessable("name", "can't be blank");
        }
        if (r.has("backend_version") && !Set.of("1", "2", "oidc").contains(r.p("backend_version"))) {
            throw unprocessable("backend_version", "is not included in the list");
        }
        copy(r, s, "name", "description", "deployment_option", "backend_version");
        touch(s);
        return ok(wrap("service", s));
    }

    private Resp deleteService(Req r) {
        long id = service(r, "id").get("id").asLong();
        services.remove(id);
        proxies.remove(id);
        policyChains.remove(id);
        proxyConfigs.remove(id);
        usages.values().removeIf(u -> u.get("service_id").asLong() == id);
        appPlans.values().removeIf(p -> p.get("service_id").asLong() == id);
        servicePlans.values().removeIf(p -> p.get("service_id").asLong() == id);
        rules.values().removeIf(x -> x.get("owner_type").asText().equals("Service") && x.get("owner_id").asLong() == id);
        metricOwner.entrySet().removeIf(e -> {
            if (e.getValue().equals("Service:" + id)) {
                metrics.remove(e.getKey());
                return true;
            }
            return false;
        });
        return okEmpty();
    }

    private long sid(Req r) { return service(r, "service_id").get("id").asLong(); }

    // ================================================================================================ proxy

    private ObjectNode proxyJson(long sid) {
        ObjectNode p = proxies.get(sid).deepCopy();
        p.set("policies_config", policyChains.get(sid).deepCopy());
        return p;
    }

    private Resp updateProxy(Req r) {
        long sid = sid(r);
        ObjectNode p = proxies.get(sid);
        Map<String, List<String>> errs = new LinkedHashMap<>();
        if (r.has("credentials_location") && !Set.of("headers", "query", "authorization").contains(r.p("credentials_location"))) {
            errs.put("credentials_location", List.of("is not included in the list"));
        }
        String apiBackend = r.has("api_backend") && !r.p("api_backend").isBlank()
                ? privateEndpoint(r.p("api_backend"), errs) : null;
        for (String key : r.params().keySet()) {
            if (key.startsWith("error_status_")) {
                try {
                    Integer.parseInt(r.p(key));
                } catch (NumberFormatException e) {
                    errs.put(key, List.of("is not a number"));
                }
            }
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        r.params().forEach((k, v) -> {
            if (k.startsWith("error_status_")) {
                p.put(k, Integer.parseInt(v));
            } else if (k.equals("api_backend")) {
                p.put(k, apiBackend);
            } else {
                p.put(k, v);
            }
        });
        p.put("lock_version", p.get("lock_version").asLong() + 1);
        touch(p);
        deployToStaging(sid);
        return ok(wrap("proxy", proxyJson(sid)));
    }

    private ObjectNode policiesJson(long sid) {
        ObjectNode o = J.objectNode();
        o.set("policies_config", policyChains.get(sid).deepCopy());
        return o;
    }

    private Resp updatePolicies(Req r) {
        long sid = sid(r);
        require(r, "policies_config");
        JsonNode chain = parseJson(r.p("policies_config"), "policies_config");
        if (!chain.isArray()) {
            throw unprocessable("policies_config", "must be an array of policies");
        }
        ArrayNode normalized = J.arrayNode();
        for (JsonNode p : chain) {
            if (!p.isObject() || !p.path("name").isTextual() || p.path("name").asText().isBlank()
                    || !p.path("version").isTextual()) {
                throw unprocessable("policies_config", "each policy needs a name and a version");
            }
            if (p.has("configuration") && !p.get("configuration").isObject()) {
                throw unprocessable("policies_config", "configuration of " + p.get("name").asText() + " must be an object");
            }
            String name = p.get("name").asText();
            String version = p.get("version").asText();
            boolean known = version.equals("builtin") || registry.values().stream()
                    .anyMatch(x -> x.get("name").asText().equals(name) && x.get("version").asText().equals(version));
            if (!known) {
                throw unprocessable("policies_config", "policy " + name + " version " + version
                        + " is neither builtin nor in the policy registry");
            }
            ObjectNode n = normalized.addObject();
            n.put("name", name);
            n.put("version", version);
            n.set("configuration", p.has("configuration") ? p.get("configuration").deepCopy() : J.objectNode());
            n.put("enabled", !p.has("enabled") || p.get("enabled").asBoolean());
        }
        policyChains.put(sid, normalized);
        touch(proxies.get(sid));
        return ok(policiesJson(sid));
    }

    private ObjectNode configContent(long sid) {
        ObjectNode s = services.get(sid);
        ObjectNode c = J.objectNode();
        c.put("id", sid);
        c.put("system_name", s.get("system_name").asText());
        c.put("backend_version", s.get("backend_version").asText());
        c.put("deployment_option", s.get("deployment_option").asText());
        ObjectNode proxy = proxies.get(sid).deepCopy();
        proxy.remove(List.of("created_at", "updated_at", "lock_version"));
        proxy.set("policy_chain", policyChains.get(sid).deepCopy());
        ArrayNode proxyRules = proxy.putArray("proxy_rules");
        rulesOf("Service:" + sid).forEach(x -> {
            ObjectNode y = x.deepCopy();
            y.remove(List.of("id", "created_at", "updated_at"));
            y.put("metric_system_name", metrics.get(x.get("metric_id").asLong()).get("system_name").asText());
            proxyRules.add(y);
        });
        c.set("proxy", proxy);
        ArrayNode bs = c.putArray("backend_usages");
        usages.values().stream().filter(u -> u.get("service_id").asLong() == sid).forEach(u -> {
            ObjectNode b = bs.addObject();
            b.put("path", u.get("path").asText());
            ObjectNode backend = backends.get(u.get("backend_id").asLong());
            b.put("backend_id", u.get("backend_id").asLong());
            b.put("private_endpoint", backend == null ? "" : backend.get("private_endpoint").asText());
            ArrayNode br = b.putArray("proxy_rules");
            rulesOf("BackendApi:" + u.get("backend_id").asLong()).forEach(x -> {
                ObjectNode y = x.deepCopy();
                y.remove(List.of("id", "created_at", "updated_at"));
                br.add(y);
            });
        });
        return c;
    }

    private void deployToStaging(long sid) {
        List<ObjectNode> staging = proxyConfigs.get(sid).get("sandbox");
        ObjectNode content = configContent(sid);
        if (!staging.isEmpty() && staging.get(staging.size() - 1).get("content").equals(content)) {
            return;
        }
        int version = staging.isEmpty() ? 1 : staging.get(staging.size() - 1).get("version").asInt() + 1;
        staging.add(newConfig(version, "sandbox", content));
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

    private String env(Req r) {
        String env = r.path().get("environment");
        if (!env.equals("sandbox") && !env.equals("production")) {
            throw notFound();
        }
        return env;
    }

    private List<ObjectNode> configs(long sid, String env) { return proxyConfigs.get(sid).get(env); }

    private ObjectNode config(Req r) {
        int version;
        try {
            version = Integer.parseInt(r.path().get("version"));
        } catch (NumberFormatException e) {
            throw notFound();
        }
        return configs(sid(r), env(r)).stream().filter(c -> c.get("version").asInt() == version).findFirst()
                .orElseThrow(SimStore::notFound);
    }

    private Resp promote(Req r) {
        ObjectNode from = config(r);
        require(r, "to");
        String to = r.p("to");
        if (!to.equals("sandbox") && !to.equals("production")) {
            throw unprocessable("to", "is not included in the list");
        }
        if (to.equals(from.get("environment").asText())) {
            throw unprocessable("environment", "cannot promote to the same environment");
        }
        List<ObjectNode> target = configs(sid(r), to);
        int version = from.get("version").asInt();
        if (target.stream().anyMatch(c -> c.get("version").asInt() == version)) {
            throw unprocessable("version", "has already been taken");
        }
        ObjectNode c = newConfig(version, to, from.get("content"));
        target.add(c);
        target.sort(Comparator.comparingInt(x -> x.get("version").asInt()));
        return created(wrap("proxy_config", c));
    }

    // ================================================================================================ backend usages

    private ObjectNode usage(Req r) {
        long sid = sid(r);
        long id = pathId(r, "id");
        ObjectNode u = usages.get(id);
        if (u == null || u.get("service_id").asLong() != sid) {
            throw notFound();
        }
        return u;
    }

    private Resp createUsage(Req r) {
        long sid = sid(r);
        require(r, "backend_api_id");
        long bid;
        try {
            bid = Long.parseLong(r.p("backend_api_id"));
        } catch (NumberFormatException e) {
            throw notFound();
        }
        if (!backends.containsKey(bid)) {
            throw notFound();
        }
        String path = r.has("path") ? r.p("path") : "/";
        Map<String, List<String>> errs = new LinkedHashMap<>();
        if (!path.startsWith("/")) {
            errs.put("path", List.of("must be a path separated by \"/\". E.g. \"\" or \"my/path\""));
        }
        if (usages.values().stream().anyMatch(u -> u.get("service_id").asLong() == sid && u.get("path").asText().equals(path))) {
            errs.put("path", List.of("This path is already taken. Specify a different path."));
        }
        if (usages.values().stream().anyMatch(u -> u.get("service_id").asLong() == sid && u.get("backend_id").asLong() == bid)) {
            errs.put("backend_api_id", List.of("has already been taken"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        ObjectNode u = J.objectNode();
        u.put("id", id());
        u.put("path", path);
        u.put("service_id", sid);
        u.put("backend_id", bid);
        usages.put(u.get("id").asLong(), u);
        return created(wrap("backend_usage", u));
    }

    private Resp updateUsage(Req r) {
        ObjectNode u = usage(r);
        if (r.has("path")) {
            String path = r.p("path");
            long sid = u.get("service_id").asLong();
            if (!path.startsWith("/")) {
                throw unprocessable("path", "must be a path separated by \"/\". E.g. \"\" or \"my/path\"");
            }
            if (usages.values().stream().anyMatch(x -> x != u && x.get("service_id").asLong() == sid
                    && x.get("path").asText().equals(path))) {
                throw unprocessable("path", "This path is already taken. Specify a different path.");
            }
            u.put("path", path);
        }
        return ok(wrap("backend_usage", u));
    }

    // ================================================================================================ plans

    private ObjectNode newAppPlan(long sid, String name, String state) {
        ObjectNode p = J.objectNode();
        long id = id();
        p.put("id", id);
        p.put("name", name);
        p.put("type", "application_plan");
        p.put("state", state);
        p.put("approval_required", false);
        p.put("setup_fee", 0.0);
        p.put("cost_per_month", 0.0);
        p.put("trial_period_days", 0);
        p.put("cancellation_period", 0);
        p.put("default", false);
        p.put("custom", false);
        p.put("system_name", slug(name));
        p.put("service_id", sid);
        p.put("created_at", now());
        p.put("updated_at", now());
        appPlans.put(id, p);
        return p;
    }

    private Resp createAppPlan(Req r) {
        long sid = sid(r);
        require(r, "name");
        String sn = slug(r.p("name"));
        if (appPlans.values().stream().anyMatch(p -> p.get("service_id").asLong() == sid
                && p.get("system_name").asText().equals(sn))) {
            throw unprocessable("system_name", "has already been taken");
        }
        String event = r.p("state_event");
        if (event != null && !event.equals("publish") && !event.equals("hide")) {
            throw unprocessable("state_event", "is invalid");
        }
        ObjectNode p = newAppPlan(sid, r.p("name"), "publish".equals(event) ? "published" : "hidden");
        applyPlanFields(r, p);
        return created(wrap("application_plan", p));
    }

    private void applyPlanFields(Req r, ObjectNode p) {
        if (r.has("approval_required")) {
            p.put("approval_required", bool(r.p("approval_required")));
        }
        for (String f : List.of("cost_per_month", "setup_fee")) {
            if (r.has(f)) {
                try {
                    p.put(f, Double.parseDouble(r.p(f)));
                } catch (NumberFormatException e) {
                    throw unprocessable(f, "is not a number");
                }
            }
        }
        if (r.has("trial_period_days")) {
            try {
                p.put("trial_period_days", Integer.parseInt(r.p("trial_period_days")));
            } catch (NumberFormatException e) {
                throw unprocessable("trial_period_days", "is not a number");
            }
        }
    }

    private Resp updateAppPlan(Req r) {
        ObjectNode p = appPlan(r);
        String event = r.p("state_event");
        if (event != null) {
            String state = p.get("state").asText();
            if (event.equals("publish")) {
                if (state.equals("published")) {
                    throw unprocessable("state", "cannot transition via \"publish\"");
                }
                p.put("state", "published");
            } else if (event.equals("hide")) {
                if (state.equals("hidden")) {
                    throw unprocessable("state", "cannot transition via \"hide\"");
                }
                p.put("state", "hidden");
            } else {
                throw unprocessable("state_event", "is invalid");
            }
        }
        if (r.has("name")) {
            if (r.p("name").isBlank()) {
                throw unprocessable("name", "can't be blank");
            }
            p.put("name", r.p("name"));
        }
        applyPlanFields(r, p);
        touch(p);
        return ok(wrap("application_plan", p));
    }

    private ObjectNode appPlan(Req r) {
        long sid = sid(r);
        ObjectNode p = appPlans.get(pathId(r, "id"));
        if (p == null || p.get("service_id").asLong() != sid) {
            throw notFound();
        }
        return p;
    }

    private ObjectNode newServicePlan(long sid, String name, String state) {
        ObjectNode p = J.objectNode();
        long id = id();
        p.put("id", id);
        p.put("name", name);
        p.put("type", "service_plan");
        p.put("state", state);
        p.put("approval_required", false);
        p.put("setup_fee", 0.0);
        p.put("cost_per_month", 0.0);
        p.put("trial_period_days", 0);
        p.put("cancellation_period", 0);
        p.put("default", false);
        p.put("system_name", slug(name));
        p.put("service_id", sid);
        p.put("created_at", now());
        p.put("updated_at", now());
        servicePlans.put(id, p);
        return p;
    }

    private List<ObjectNode> servicePlansOf(long sid) {
        return servicePlans.values().stream().filter(p -> p.get("service_id").asLong() == sid).toList();
    }

    private ObjectNode servicePlan(Req r) {
        long sid = sid(r);
        ObjectNode p = servicePlans.get(pathId(r, "id"));
        if (p == null || p.get("service_id").asLong() != sid) {
            throw notFound();
        }
        return p;
    }

    // ================================================================================================ accounts, apps

    private Resp listAccounts(Req r) {
        String state = r.p("state");
        if (state != null && !state.isEmpty() && !Set.of("pending", "approved", "rejected").contains(state)) {
            throw unprocessable("state", "is not included in the list");
        }
        List<ObjectNode> all = accounts.values().stream()
                .filter(a -> state == null || state.isEmpty() || state.equals(a.get("state").asText())).toList();
        return ok(page(r, all, "accounts", "account"));
    }

    private ObjectNode account(Req r, String param) { return find(accounts, r, param); }

    private ObjectNode application(Req r) {
        long aid = account(r, "account_id").get("id").asLong();
        ObjectNode a = applications.get(pathId(r, "id"));
        if (a == null || a.get("account_id").asLong() != aid) {
            throw notFound();
        }
        return a;
    }

    private ObjectNode newApplication(long accountId, ObjectNode plan, String name, String description) {
        long sid = plan.get("service_id").asLong();
        ensureContract(accountId, sid);
        ObjectNode a = J.objectNode();
        long id = id();
        a.put("id", id);
        a.put("state", plan.get("approval_required").asBoolean() ? "pending" : "live");
        a.put("enabled", true);
        a.put("end_user_required", false);
        a.put("created_at", now());
        a.put("updated_at", now());
        a.put("service_id", sid);
        a.put("service_name", services.get(sid).get("name").asText());
        a.put("plan_id", plan.get("id").asLong());
        a.put("plan_name", plan.get("name").asText());
        a.put("account_id", accountId);
        a.put("user_key", hex(16));
        a.put("provider_verification_key", hex(16));
        a.put("name", name);
        a.put("description", description);
        applications.put(id, a);
        return a;
    }

    /** porta subscribes the account to the product (its default, else first, service plan) when an app is created. */
    private void ensureContract(long accountId, long sid) {
        boolean subscribed = contracts.values().stream().anyMatch(c -> c.get("user_account_id").asLong() == accountId
                && c.get("service_id").asLong() == sid);
        if (!subscribed) {
            List<ObjectNode> plans = servicePlansOf(sid);
            ObjectNode plan = plans.stream().filter(p -> p.get("default").asBoolean()).findFirst()
                    .orElse(plans.isEmpty() ? null : plans.get(0));
            if (plan == null) {
                throw unprocessable("base", "The product has no service plan to subscribe to");
            }
            newContract(accountId, plan);
        }
    }

    private ObjectNode newContract(long accountId, ObjectNode plan) {
        ObjectNode c = J.objectNode();
        long id = id();
        c.put("id", id);
        c.put("plan_id", plan.get("id").asLong());
        c.put("user_account_id", accountId);
        c.put("service_id", plan.get("service_id").asLong());
        c.put("state", plan.get("approval_required").asBoolean() ? "pending" : "live");
        c.put("created_at", now());
        c.put("updated_at", now());
        contracts.put(id, c);
        return c;
    }

    private Resp createApplication(Req r) {
        long aid = account(r, "account_id").get("id").asLong();
        Map<String, List<String>> errs = new LinkedHashMap<>();
        blank(r, errs, "plan_id", "name");
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        ObjectNode plan;
        try {
            plan = appPlans.get(Long.parseLong(r.p("plan_id")));
        } catch (NumberFormatException e) {
            plan = null;
        }
        if (plan == null) {
            throw notFound();
        }
        ObjectNode a = newApplication(aid, plan, r.p("name"), r.p("description"));
        if (r.has("user_key") && !r.p("user_key").isBlank()) {
            a.put("user_key", r.p("user_key"));
        }
        return created(wrap("application", a));
    }

    private ObjectNode contract(Req r) {
        long aid = account(r, "account_id").get("id").asLong();
        ObjectNode c = contracts.get(pathId(r, "id"));
        if (c == null || c.get("user_account_id").asLong() != aid) {
            throw notFound();
        }
        return c;
    }

    private Resp subscribe(Req r) {
        long aid = account(r, "account_id").get("id").asLong();
        require(r, "plan_id");
        ObjectNode plan;
        try {
            plan = servicePlans.get(Long.parseLong(r.p("plan_id")));
        } catch (NumberFormatException e) {
            plan = null;
        }
        if (plan == null) {
            throw notFound();
        }
        long sid = plan.get("service_id").asLong();
        if (contracts.values().stream().anyMatch(c -> c.get("user_account_id").asLong() == aid
                && c.get("service_id").asLong() == sid)) {
            throw unprocessable("base", "already subscribed to this product");
        }
        return created(wrap("service_subscription", newContract(aid, plan)));
    }

    // ================================================================================================ SSO

    private ObjectNode sso(Req r) { return find(ssoProviders, r, "id"); }

    private Resp createSso(Req r) {
        require(r, "kind");
        String kind = r.p("kind");
        if (!Set.of("keycloak", "auth0", "github", "custom").contains(kind)) {
            throw unprocessable("kind", "is not included in the list");
        }
        Map<String, List<String>> errs = new LinkedHashMap<>();
        if (Set.of("keycloak", "auth0").contains(kind)) {
            blank(r, errs, "client_id", "client_secret", "site");
        }
        if (r.has("site") && !r.p("site").isBlank() && !r.p("site").matches("https?://.+")) {
            errs.put("site", List.of("is invalid"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        ObjectNode p = J.objectNode();
        long id = id();
        String systemName = r.has("system_name") ? r.p("system_name")
                : kind + "_" + hex(3);
        if (ssoProviders.values().stream().anyMatch(x -> x.get("system_name").asText().equals(systemName))) {
            throw unprocessable("system_name", "has already been taken");
        }
        p.put("id", id);
        p.put("kind", kind);
        p.put("account_type", "developer");
        p.put("name", r.has("name") ? r.p("name") : kind.equals("keycloak") ? "Red Hat Single Sign-On" : kind);
        p.put("system_name", systemName);
        p.put("client_id", r.p("client_id"));
        p.put("client_secret", r.p("client_secret"));
        p.put("site", r.p("site"));
        for (String f : List.of("token_url", "user_info_url", "authorize_url", "identifier_key", "username_key")) {
            p.put(f, r.p(f));
        }
        p.put("trust_email", r.has("trust_email") && bool(r.p("trust_email")));
        p.put("published", r.has("published") && bool(r.p("published")));
        p.put("skip_ssl_certificate_verification", r.has("skip_ssl_certificate_verification")
                && bool(r.p("skip_ssl_certificate_verification")));
        p.put("automatically_approve_accounts", r.has("automatically_approve_accounts")
                && bool(r.p("automatically_approve_accounts")));
        p.put("username_key", r.has("username_key") ? r.p("username_key") : "login");
        p.put("identifier_key", r.has("identifier_key") ? r.p("identifier_key") : "id");
        p.put("callback_url", provider.get("base_url").asText() + "/auth/" + systemName + "/callback");
        p.put("created_at", now());
        p.put("updated_at", now());
        ssoProviders.put(id, p);
        return created(wrap("authentication_provider", p));
    }

    private Resp updateSso(Req r) {
        ObjectNode p = sso(r);
        if (r.has("site") && !r.p("site").isBlank() && !r.p("site").matches("https?://.+")) {
            throw unprocessable("site", "is invalid");
        }
        copy(r, p, "client_id", "client_secret", "site");
        for (String f : List.of("published", "skip_ssl_certificate_verification", "automatically_approve_accounts")) {
            if (r.has(f)) {
                p.put(f, bool(r.p(f)));
            }
        }
        touch(p);
        return ok(wrap("authentication_provider", p));
    }

    // ================================================================================================ CMS

    private ObjectNode newSection(String title, String systemName, Long parentId, String partialPath) {
        ObjectNode s = J.objectNode();
        long id = id();
        s.put("id", id);
        s.put("created_at", now());
        s.put("updated_at", now());
        s.put("title", title);
        s.put("system_name", systemName);
        s.put("public", true);
        if (parentId == null) {
            s.putNull("parent_id");
        } else {
            s.put("parent_id", parentId);
        }
        s.put("partial_path", partialPath);
        sections.put(id, s);
        return s;
    }

    private ObjectNode newTemplate(String type, String title, String systemName, String path, Long sectionId,
                                   String draft) {
        ObjectNode t = J.objectNode();
        long id = id();
        t.put("id", id);
        t.put("type", type);
        t.put("created_at", now());
        t.put("updated_at", now());
        if (title != null) {
            t.put("title", title);
        }
        t.put("system_name", systemName);
        if (type.equals("page")) {
            t.put("path", path);
            t.put("content_type", contentTypeOf(path));
            t.put("section_id", sectionId);
            t.put("hidden", false);
        }
        t.put("liquid_enabled", !type.startsWith("builtin"));
        t.put("draft", draft);
        t.putNull("published");
        templates.put(id, t);
        return t;
    }

    private static String contentTypeOf(String path) {
        if (path == null) {
            return "text/html";
        }
        if (path.endsWith(".css")) {
            return "text/css";
        }
        if (path.endsWith(".js")) {
            return "text/javascript"; // as 3scale answers for JS pages (recorded CMS responses, fwmotion-3scale-cms)
        }
        if (path.endsWith(".json")) {
            return "application/json";
        }
        return "text/html";
    }

    private ObjectNode cmsPage(Req r, Collection<ObjectNode> items, Function<ObjectNode, ObjectNode> view) {
        int perPage = intParam(r, "per_page", 20);
        if (perPage < 1 || perPage > 100) {
            perPage = 100;
        }
        int page = Math.max(1, intParam(r, "page", 1));
        List<ObjectNode> all = new ArrayList<>(items);
        ObjectNode o = J.objectNode();
        ArrayNode c = o.putArray("collection");
        all.stream().skip((long) (page - 1) * perPage).limit(perPage).forEach(x -> c.add(view.apply(x)));
        ObjectNode meta = o.putObject("metadata");
        meta.put("per_page", perPage);
        meta.put("total_entries", all.size());
        meta.put("total_pages", (all.size() + perPage - 1) / perPage);
        meta.put("current_page", page);
        return o;
    }

    private ObjectNode templateView(ObjectNode t, boolean content) {
        ObjectNode v = t.deepCopy();
        if (!content) {
            v.remove("draft");
            v.remove("published");
        }
        return v;
    }

    private Long sectionRef(Req r) {
        if (r.has("section_id")) {
            long id = longParam(r, "section_id");
            if (!sections.containsKey(id)) {
                throw unprocessable("section_id", "does not exist");
            }
            return id;
        }
        if (r.has("section_name")) {
            return sections.values().stream().filter(s -> s.get("system_name").asText().equals(r.p("section_name")))
                    .map(s -> s.get("id").asLong()).findFirst()
                    .orElseThrow(() -> unprocessable("section_name", "does not exist"));
        }
        return null;
    }

    private Long layoutRef(Req r) {
        if (r.has("layout_id")) {
            long id = longParam(r, "layout_id");
            ObjectNode l = templates.get(id);
            if (l == null || !l.get("type").asText().equals("layout")) {
                throw unprocessable("layout_id", "does not exist");
            }
            return id;
        }
        if (r.has("layout_name")) {
            return templates.values().stream().filter(t -> t.get("type").asText().equals("layout")
                            && t.get("system_name").asText().equals(r.p("layout_name")))
                    .map(t -> t.get("id").asLong()).findFirst()
                    .orElseThrow(() -> unprocessable("layout_name", "does not exist"));
        }
        return null;
    }

    private long rootSection() {
        return sections.values().stream().filter(s -> s.get("parent_id").isNull()).findFirst()
                .map(s -> s.get("id").asLong()).orElseThrow();
    }

    private void cmsRoutes(String cms) {
        on("GET", cms + "/sections", r -> ok(cmsPage(r, sections.values(), ObjectNode::deepCopy)));
        on("POST", cms + "/sections", r -> {
            require(r, "title");
            Long parent = r.has("parent_id") ? Long.valueOf(longParam(r, "parent_id")) : rootSection();
            ObjectNode parentSection = sections.get(parent);
            if (parentSection == null) {
                throw unprocessable("parent_id", "does not exist");
            }
            String sn = r.has("system_name") ? r.p("system_name") : slug(r.p("title"));
            if (sections.values().stream().anyMatch(s -> s.get("system_name").asText().equals(sn))) {
                throw unprocessable("system_name", "has already been taken");
            }
            String base = parentSection.get("partial_path").asText();
            String partial = r.has("partial_path") ? r.p("partial_path") : (base.endsWith("/") ? base : base + "/") + sn;
            ObjectNode s = newSection(r.p("title"), sn, parent, partial);
            if (r.has("public")) {
                s.put("public", bool(r.p("public")));
            }
            return created(s);
        });
        on("GET", cms + "/sections/{id}", r -> ok(find(sections, r, "id")));
        on("PUT", cms + "/sections/{id}", r -> {
            ObjectNode s = find(sections, r, "id");
            copy(r, s, "title", "partial_path");
            if (r.has("public")) {
                s.put("public", bool(r.p("public")));
            }
            if (r.has("parent_id")) {
                long parent = longParam(r, "parent_id");
                if (!sections.containsKey(parent) || parent == s.get("id").asLong()) {
                    throw unprocessable("parent_id", "is invalid");
                }
                s.put("parent_id", parent);
            }
            touch(s);
            return ok(s);
        });
        on("DELETE", cms + "/sections/{id}", r -> {
            ObjectNode s = find(sections, r, "id");
            if (s.get("parent_id").isNull()) {
                throw unprocessable("base", "the root section cannot be deleted");
            }
            sections.remove(s.get("id").asLong());
            return okEmpty();
        });

        on("GET", cms + "/templates", r -> {
            boolean content = "true".equals(r.p("content"));
            return ok(cmsPage(r, templates.values(), t -> templateView(t, content)));
        });
        on("POST", cms + "/templates", this::createTemplate);
        on("GET", cms + "/templates/{id}", r -> ok(templateView(find(templates, r, "id"), true)));
        on("PUT", cms + "/templates/{id}", this::updateTemplate);
        on("DELETE", cms + "/templates/{id}", r -> {
            ObjectNode t = find(templates, r, "id");
            if (t.get("type").asText().startsWith("builtin")) {
                throw unprocessable("base", "builtin templates cannot be deleted");
            }
            templates.remove(t.get("id").asLong());
            return okEmpty();
        });
        on("PUT", cms + "/templates/{id}/publish", r -> {
            ObjectNode t = find(templates, r, "id");
            t.set("published", t.get("draft").deepCopy());
            touch(t);
            return ok(templateView(t, true));
        });

        on("GET", cms + "/files", r -> ok(cmsPage(r, files.values(), ObjectNode::deepCopy)));
        on("POST", cms + "/files", r -> {
            Map<String, List<String>> errs = new LinkedHashMap<>();
            blank(r, errs, "path");
            if (!r.uploads().containsKey("attachment")) {
                errs.put("attachment", List.of("can't be blank"));
            }
            if (!errs.isEmpty()) {
                throw new SimError(errors(errs));
            }
            String path = r.p("path");
            checkFilePath(path, null);
            Long section = sectionRef(r);
            ObjectNode f = J.objectNode();
            long id = id();
            f.put("id", id);
            f.put("created_at", now());
            f.put("updated_at", now());
            f.put("section_id", section == null ? rootSection() : section);
            f.put("path", path);
            f.put("downloadable", r.has("downloadable") && bool(r.p("downloadable")));
            setAttachment(f, r.uploads().get("attachment"));
            files.put(id, f);
            return created(f);
        });
        on("GET", cms + "/files/{id}", r -> ok(find(files, r, "id")));
        on("PUT", cms + "/files/{id}", r -> {
            ObjectNode f = find(files, r, "id");
            if (r.has("path")) {
                checkFilePath(r.p("path"), f.get("id").asLong());
                f.put("path", r.p("path"));
            }
            Long section = sectionRef(r);
            if (section != null) {
                f.put("section_id", section);
            }
            if (r.has("downloadable")) {
                f.put("downloadable", bool(r.p("downloadable")));
            }
            if (r.uploads().containsKey("attachment")) {
                setAttachment(f, r.uploads().get("attachment"));
            }
            touch(f);
            return ok(f);
        });
        on("DELETE", cms + "/files/{id}", r -> {
            ObjectNode f = find(files, r, "id");
            files.remove(f.get("id").asLong());
            fileContents.remove(f.get("id").asLong());
            return okEmpty();
        });
    }

    private void checkFilePath(String path, Long self) {
        if (!path.startsWith("/")) {
            throw unprocessable("path", "must start with a slash");
        }
        if (files.values().stream().anyMatch(f -> f.get("path").asText().equals(path)
                && (self == null || f.get("id").asLong() != self))) {
            throw unprocessable("path", "has already been taken");
        }
    }

    private void setAttachment(ObjectNode f, Upload u) {
        long id = f.get("id").asLong();
        fileContents.put(id, u);
        f.put("title", u.filename());
        f.put("content_type", u.contentType());
        f.put("url", baseUrl + FILE_PREFIX + id + "/" + u.filename());
    }

    private Resp createTemplate(Req r) {
        require(r, "type");
        String type = r.p("type");
        if (!Set.of("page", "layout", "partial").contains(type)) {
            throw unprocessable("type", "is not included in the list");
        }
        Map<String, List<String>> errs = new LinkedHashMap<>();
        if (type.equals("page")) {
            blank(r, errs, "title", "path");
            if (r.has("path") && templates.values().stream().anyMatch(t -> t.get("type").asText().equals("page")
                    && t.path("path").asText().equals(r.p("path")))) {
                errs.put("path", List.of("has already been taken"));
            }
        } else {
            blank(r, errs, "system_name");
        }
        if (r.has("system_name") && templates.values().stream().anyMatch(t -> t.get("type").asText().equals(type)
                && t.path("system_name").asText().equals(r.p("system_name")))) {
            errs.put("system_name", List.of("has already been taken"));
        }
        if (r.has("handler") && !Set.of("textile", "markdown", "").contains(r.p("handler"))) {
            errs.put("handler", List.of("is not included in the list"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        checkRejected(r.p("system_name"), r.p("path"));
        Long section = sectionRef(r);
        Long layout = layoutRef(r);
        String sn = r.has("system_name") ? r.p("system_name") : type.equals("page") ? null : slug(r.p("title"));
        ObjectNode t = newTemplate(type, r.p("title"), sn, r.p("path"),
                type.equals("page") ? (section == null ? rootSection() : section) : null, r.has("draft") ? r.p("draft") : "");
        if (sn == null) {
            t.putNull("system_name");
        }
        if (layout != null) {
            t.put("layout_id", layout);
        }
        if (r.has("liquid_enabled")) {
            t.put("liquid_enabled", bool(r.p("liquid_enabled")));
        }
        if (r.has("handler")) {
            t.put("handler", r.p("handler"));
        }
        return created(templateView(t, true));
    }

    private Resp updateTemplate(Req r) {
        ObjectNode t = find(templates, r, "id");
        String type = t.get("type").asText();
        checkRejected(t.path("system_name").asText(null), t.path("path").asText(null));
        if (r.has("path") && type.equals("page")) {
            if (!r.p("path").startsWith("/")) {
                throw unprocessable("path", "must start with a slash");
            }
            if (templates.values().stream().anyMatch(x -> x != t && x.get("type").asText().equals("page")
                    && x.path("path").asText().equals(r.p("path")))) {
                throw unprocessable("path", "has already been taken");
            }
            t.put("path", r.p("path"));
            t.put("content_type", contentTypeOf(r.p("path")));
        }
        if (r.has("handler") && !Set.of("textile", "markdown", "").contains(r.p("handler"))) {
            throw unprocessable("handler", "is not included in the list");
        }
        Long section = sectionRef(r);
        if (section != null && type.equals("page")) {
            t.put("section_id", section);
        }
        Long layout = layoutRef(r);
        if (layout != null) {
            t.put("layout_id", layout);
        }
        copy(r, t, "title", "draft", "handler");
        if (r.has("liquid_enabled")) {
            t.put("liquid_enabled", bool(r.p("liquid_enabled")));
        }
        touch(t);
        return ok(templateView(t, true));
    }

    // ================================================================================================ helpers

    private synchronized long id() { return sequence++; }

    private String hex(int bytes) {
        byte[] b = new byte[bytes];
        secure.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String now() { return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(); }

    private static void touch(ObjectNode o) { o.put("updated_at", now()); }

    static String slug(String name) {
        if (name == null) {
            return null;
        }
        String s = name.trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
        return s.isEmpty() ? "item" : s;
    }

    private static String systemName(Req r, String name) {
        if (r.has("system_name") && !r.p("system_name").isBlank()) {
            return r.p("system_name");
        }
        return name == null || name.isBlank() ? null : slug(name);
    }

    private static void copy(Req r, ObjectNode target, String... fields) {
        for (String f : fields) {
            if (r.has(f)) {
                target.put(f, r.p(f));
            }
        }
    }

    private static boolean bool(String v) {
        return "true".equalsIgnoreCase(v) || "1".equals(v);
    }

    private static int intParam(Req r, String name, int dflt) {
        try {
            return r.has(name) ? Integer.parseInt(r.p(name)) : dflt;
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    private static long longParam(Req r, String name) {
        try {
            return Long.parseLong(r.p(name));
        } catch (NumberFormatException e) {
            throw unprocessable(name, "is not a number");
        }
    }

    private static void require(Req r, String... names) {
        Map<String, List<String>> errs = new LinkedHashMap<>();
        blank(r, errs, names);
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
    }

    private static void blank(Req r, Map<String, List<String>> errs, String... names) {
        for (String n : names) {
            if (!r.has(n) || r.p(n).isBlank()) {
                errs.put(n, List.of("can't be blank"));
            }
        }
    }

    private static JsonNode parseJson(String text, String field) {
        try {
            return MAPPER.readTree(text);
        } catch (Exception e) {
            throw unprocessable(field, "is not valid JSON");
        }
    }

    private static long pathId(Req r, String name) {
        try {
            return Long.parseLong(r.path().get(name));
        } catch (NumberFormatException | NullPointerException e) {
            throw notFound();
        }
    }

    /** policies_controller.rb find_policy: by id, or by identifier {@code <name>-<version>} (policy.rb). */
    private ObjectNode registryPolicy(Req r) {
        String id = r.path().get("id");
        return registry.values().stream().filter(p -> p.get("id").asText().equals(id)
                        || (p.get("name").asText() + "-" + p.get("version").asText()).equals(id))
                .findFirst().orElseThrow(SimStore::notFound);
    }

    private ObjectNode backend(Req r, String param) { return find(backends, r, param); }

    private ObjectNode service(Req r, String param) { return find(services, r, param); }

    private static ObjectNode find(Map<Long, ObjectNode> table, Req r, String param) {
        ObjectNode o = table.get(pathId(r, param));
        if (o == null) {
            throw notFound();
        }
        return o;
    }

    private static ObjectNode wrap(String key, JsonNode entity) {
        ObjectNode o = J.objectNode();
        o.set(key, entity.deepCopy());
        return o;
    }

    private static ObjectNode list(Collection<ObjectNode> items, String listKey, String itemKey) {
        ObjectNode o = J.objectNode();
        ArrayNode a = o.putArray(listKey);
        items.forEach(i -> a.add(wrap(itemKey, i)));
        return o;
    }

    /** porta's pagination: page from 1, per_page 1..500 (default 500; out of range falls back to the default). */
    private static ObjectNode page(Req r, Collection<ObjectNode> items, String listKey, String itemKey) {
        int perPage = intParam(r, "per_page", 500);
        if (perPage < 1 || perPage > 500) {
            perPage = 500;
        }
        int page = intParam(r, "page", 1);
        if (page < 1) {
            page = 1;
        }
        return list(items.stream().skip((long) (page - 1) * perPage).limit(perPage).toList(), listKey, itemKey);
    }

    private static Resp ok(JsonNode body) { return new Resp(200, body); }

    private static Resp okEmpty() { return new Resp(200, null); }

    private static Resp created(JsonNode body) { return new Resp(201, body); }

    static Resp error(int status, String message) {
        ObjectNode o = J.objectNode();
        if (status == 404) {
            o.put("status", message);
        } else {
            o.put("error", message);
        }
        return new Resp(status, o);
    }

    static Resp errors(Map<String, List<String>> fieldErrors) {
        ObjectNode o = J.objectNode();
        ObjectNode e = o.putObject("errors");
        fieldErrors.forEach((k, v) -> {
            ArrayNode a = e.putArray(k);
            v.forEach(a::add);
        });
        return new Resp(422, o);
    }

    private static SimError notFound() { return new SimError(error(404, "Not found")); }

    private static SimError unprocessable(String field, String message) {
        return new SimError(errors(Map.of(field, List.of(message))));
    }
}
