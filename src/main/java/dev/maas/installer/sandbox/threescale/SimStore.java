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
import java.util.Objects;
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
 *       is ignored, as Rails does for attr_readonly), matching {@code \A\w[\w\-/_]+\z} (app/lib/system_name.rb).</li>
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
        // app/representers/account_representer.rb for the provider: its domains and emails, site_access_code, the
        // billing flags, state, the users link and the fields (org_name)
        provider.put("credit_card_stored", false);
        provider.put("monthly_billing_enabled", true);
        provider.put("monthly_charging_enabled", true);
        provider.put("state", "approved");
        provider.putArray("links").addObject().put("rel", "users").put("href", "https://" + options.tenantName()
                + "-admin." + options.wildcardDomain() + "/admin/api/accounts/" + providerId + "/users");
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
        main.put("liquid_enabled", true);
        ObjectNode home = newTemplate("page", "Homepage", "homepage", "/", rootId, "<h1>Welcome</h1>");
        home.put("layout_id", main.get("id").asLong());
        ObjectNode docs = newTemplate("page", "Documentation", "documentation", "/docs", rootId,
                "{% cdn_asset /swagger-ui/swagger-ui.js %}");
        docs.put("layout_id", main.get("id").asLong());
        home.put("liquid_enabled", true);
        docs.put("liquid_enabled", true);
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
        // SimpleLayout#import! publishes what it creates (CMS::Template#publish: the draft becomes the published
        // content and the draft is cleared)
        templates.values().forEach(t -> {
            t.set("published", t.get("draft"));
            t.putNull("draft");
        });
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

        on("GET", api + "/application_plans", r -> ok(list(views(appPlans.values(), this::appPlanView), "plans", "application_plan")));
        on("GET", api + "/services/{service_id}/application_plans", r -> {
            long sid = sid(r);
            return ok(list(views(appPlans.values().stream().filter(p -> p.get("service_id").asLong() == sid).toList(),
                    this::appPlanView), "plans", "application_plan"));
        });
        on("POST", api + "/services/{service_id}/application_plans", this::createAppPlan);
        on("GET", api + "/services/{service_id}/application_plans/{id}", r -> ok(wrap("application_plan", appPlanView(appPlan(r)))));
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
            return ok(wrap("application_plan", appPlanView(p)));
        });

        on("GET", api + "/service_plans", r -> ok(list(views(servicePlans.values(), this::servicePlanView), "plans", "service_plan")));
        on("GET", api + "/services/{id}/service_plans", r -> {
            long sid = service(r, "id").get("id").asLong();
            return ok(list(views(servicePlansOf(sid), this::servicePlanView), "plans", "service_plan"));
        });
        on("POST", api + "/services/{id}/service_plans", r -> {
            long sid = service(r, "id").get("id").asLong();
            require(r, "name");
            ObjectNode p = newServicePlan(sid, r.p("name"), "publish".equals(r.p("state_event")) ? "published" : "hidden");
            if (r.has("approval_required")) {
                p.put("approval_required", bool(r.p("approval_required")));
            }
            return created(wrap("service_plan", servicePlanView(p)));
        });
        on("GET", api + "/services/{service_id}/service_plans/{id}", r -> ok(wrap("service_plan", servicePlanView(servicePlan(r)))));
        // porta service_plans_controller.rb#update: name, state_event, approval_required (permit drops the rest)
        on("PUT", api + "/services/{service_id}/service_plans/{id}", r -> {
            ObjectNode p = servicePlan(r);
            if (r.has("name") && r.p("name").isBlank()) {
                throw unprocessable("name", "can't be blank");
            }
            String event = r.p("state_event");
            if (event != null) {
                String state = p.get("state").asText();
                if (!Set.of("publish", "hide").contains(event) || event.equals("publish") == state.equals("published")) {
                    throw unprocessable("state", "cannot transition via \"" + event + "\"");
                }
                p.put("state", event.equals("publish") ? "published" : "hidden");
            }
            copy(r, p, "name");
            if (r.has("approval_required")) {
                p.put("approval_required", bool(r.p("approval_required")));
            }
            touch(p);
            return ok(wrap("service_plan", servicePlanView(p)));
        });
        on("PUT", api + "/services/{service_id}/service_plans/{id}/default", r -> {
            ObjectNode p = servicePlan(r);
            servicePlansOf(p.get("service_id").asLong()).forEach(x -> x.put("default", false));
            p.put("default", true);
            touch(p);
            return ok(wrap("service_plan", servicePlanView(p)));
        });

        on("GET", api + "/accounts", this::listAccounts);
        on("GET", api + "/accounts/{id}", r -> ok(wrap("account", accountView(account(r, "id")))));
        on("GET", api + "/accounts/{account_id}/applications", r -> {
            long aid = account(r, "account_id").get("id").asLong();
            return ok(list(views(applications.values().stream().filter(a -> a.get("account_id").asLong() == aid)
                    .toList(), this::applicationView), "applications", "application"));
        });
        on("POST", api + "/accounts/{account_id}/applications", this::createApplication);
        on("GET", api + "/accounts/{account_id}/applications/{id}", r -> ok(wrap("application", applicationView(application(r)))));
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
            return ok(list(views(contracts.values().stream().filter(c -> c.get("user_account_id").asLong() == aid)
                    .toList(), SimStore::serviceContractView), "service_contracts", "service_contract"));
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
            if (registry.values().stream().anyMatch(p -> p.get("name").asText().equals(r.p("name"))
                    && p.get("version").asText().equals(r.p("version")))) {
                throw unprocessable("version", "has already been taken");
            }
            return created(wrap("policy", addRegistryPolicy(r.p("name"), r.p("version"), schema)));
        });
        on("GET", api + "/registry/policies/{id}", r -> ok(wrap("policy", find(registry, r, "id"))));

        cmsRoutes(api + "/cms");
    }

    // ================================================================================================ provider

    /**
     * porta app/controllers/admin/api/providers_controller.rb#update: from_email, support_email,
     * finance_support_email and site_access_code; app/models/account.rb validates the support and finance emails
     * (blank allowed) with Authentication::RE_EMAIL_OK, "should look like an email address" (app/lib/authentication.rb).
     */
    private Resp updateProvider(Req r) {
        for (String f : List.of("support_email", "finance_support_email")) {
            if (r.has(f) && !r.p(f).isBlank() && !r.p(f).matches("(?i)[^@\\s]+@[a-z0-9.-]+\\.[a-z]{2,}")) {
                throw unprocessable(f, "should look like an email address");
            }
        }
        for (String f : List.of("from_email", "support_email", "finance_support_email")) {
            if (r.has(f)) {
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
     * ActiveDocs (porta app/controllers/admin/api/api_docs_services_controller.rb, app/models/api_docs/service.rb):
     * name and body required; system_name taken on create only (attr_readonly), generated from the name when blank,
     * porta's format and unique per account; a service_id the token's user cannot reach is
     * {@code {"error":"Service not found"}} 422 (new_service_id_permitted); the body is checked as porta's swagger
     * validator does ({@link PortaSwagger}: an OpenAPI 3.1 document is "Invalid Swagger version" unless
     * skip_swagger_validations is true). Rendered as {@code {"api_doc":{...}}} (ApiDocs::ServiceRepresenter) and
     * listed, unpaginated, as {@code {"api_docs":[{"api_doc":{...}}]}}.
     */
    private Resp createActiveDoc(Req r) {
        Map<String, List<String>> errs = new LinkedHashMap<>();
        activeDocService(r);
        blank(r, errs, "name", "body");
        String systemName = systemName(r, r.p("name"));
        if (systemName != null && activeDocs.values().stream()
                .anyMatch(d -> systemName.equals(d.get("system_name").asText()))) {
            errs.put("system_name", List.of("has already been taken"));
        }
        boolean skip = r.has("skip_swagger_validations") && bool(r.p("skip_swagger_validations"));
        if (r.has("body") && !r.p("body").isBlank()) {
            PortaSwagger.errors(r.p("body"), skip).forEach((k, v) -> errs.merge(k, v, SimStore::concat));
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
        d.put("skip_swagger_validations", skip);
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
        activeDocService(r);
        Map<String, List<String>> errs = new LinkedHashMap<>();
        for (String f : List.of("name", "body")) {
            if (r.has(f) && r.p(f).isBlank()) {
                errs.put(f, List.of("can't be blank"));
            }
        }
        boolean skip = r.has("skip_swagger_validations") ? bool(r.p("skip_swagger_validations"))
                : d.get("skip_swagger_validations").asBoolean();
        // the model validates the body it would save, the new one or the one it has
        String body = r.has("body") && !r.p("body").isBlank() ? r.p("body") : d.get("body").asText();
        PortaSwagger.errors(body, skip).forEach((k, v) -> errs.merge(k, v, SimStore::concat));
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        copy(r, d, "name", "description", "body");
        if (r.has("published")) {
            d.put("published", bool(r.p("published")));
        }
        d.put("skip_swagger_validations", skip);
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

    /** api_docs_services_controller.rb#new_service_id_permitted: an unknown product is 422 "Service not found". */
    private void activeDocService(Req r) {
        if (r.has("service_id") && !r.p("service_id").isBlank()) {
            try {
                if (services.containsKey(Long.parseLong(r.p("service_id")))) {
                    return;
                }
            } catch (NumberFormatException e) {
                // not found either
            }
            throw new SimError(error(422, "Service not found"));
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
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
        return created(wrap("application_plan", appPlanView(p)));
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
        return ok(wrap("application_plan", appPlanView(p)));
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
        // porta stores a system_name for service plans too (app/models/plan.rb), but never renders it in JSON
        // (app/representers/service_plan_representer.rb); the simulator has no use for it
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

    /**
     * porta app/controllers/admin/api/accounts_controller.rb#index: the buyers, filtered by {@code state} when given
     * (a state no account has gives an empty page, never an error), paginated.
     */
    private Resp listAccounts(Req r) {
        String state = r.p("state");
        List<ObjectNode> all = accounts.values().stream()
                .filter(a -> state == null || state.isEmpty() || state.equals(a.get("state").asText())).toList();
        return ok(page(r, views(all, this::accountView), "accounts", "account"));
    }

    private ObjectNode account(Req r, String param) { return find(accounts, r, param); }

    /** The items of a list, each rendered by a representer. */
    private static List<ObjectNode> views(Collection<ObjectNode> items, Function<ObjectNode, ObjectNode> view) {
        return items.stream().map(view).toList();
    }

    private ObjectNode link(ArrayNode links, String rel, String path) {
        links.addObject().put("rel", rel).put("href", provider.get("admin_base_url").asText() + path);
        return null;
    }

    /**
     * A buyer account as app/representers/account_representer.rb renders it: id, timestamps, credit card and
     * billing flags, state, the links self and users, and the account's fields (org_name).
     */
    private ObjectNode accountView(ObjectNode a) {
        ObjectNode v = a.deepCopy();
        ArrayNode links = J.arrayNode();
        link(links, "self", "/admin/api/accounts/" + a.get("id").asLong());
        link(links, "users", "/admin/api/accounts/" + a.get("id").asLong() + "/users");
        v.set("links", links);
        return v;
    }

    /**
     * An application plan as app/representers/application_plan_representer.rb (with plan_representer.rb) renders
     * it: id, name, state, setup_fee, cost_per_month, trial_period_days, cancellation_period, approval_required,
     * default (the product's default application plan), timestamps, custom, system_name and the links service and
     * self. No service_id: the product is in the links.
     */
    private ObjectNode appPlanView(ObjectNode p) {
        ObjectNode v = planView(p);
        v.set("custom", p.get("custom"));
        v.set("system_name", p.get("system_name"));
        ArrayNode links = v.putArray("links");
        long sid = p.get("service_id").asLong();
        link(links, "service", "/admin/api/services/" + sid);
        link(links, "self", "/admin/api/services/" + sid + "/application_plans/" + p.get("id").asLong());
        return v;
    }

    /**
     * A service plan as app/representers/service_plan_representer.rb renders it: plan_representer.rb's properties
     * and the links service and self; no system_name and no service_id.
     */
    private ObjectNode servicePlanView(ObjectNode p) {
        ObjectNode v = planView(p);
        ArrayNode links = v.putArray("links");
        long sid = p.get("service_id").asLong();
        link(links, "service", "/admin/api/services/" + sid);
        link(links, "self", "/admin/api/services/" + sid + "/service_plans/" + p.get("id").asLong());
        return v;
    }

    /** app/representers/plan_representer.rb. */
    private static ObjectNode planView(ObjectNode p) {
        ObjectNode v = J.objectNode();
        for (String f : List.of("id", "name", "state", "setup_fee", "cost_per_month", "trial_period_days",
                "cancellation_period", "approval_required", "default", "created_at", "updated_at")) {
            v.set(f, p.get(f));
        }
        return v;
    }

    /**
     * An application as app/representers/cinstance_representer.rb renders it for a product with backend_version 1:
     * id, state, enabled, timestamps, service_id, service_name, plan_id, plan_name, account_id, org_name,
     * first_traffic_at and first_daily_traffic_at (null included), user_key and provider_verification_key, the
     * links, and the fields the tenant defines for applications (name, description) only when they have a value
     * (FieldsRepresenter: no render_nil), so an application created without a name has no "name".
     */
    private ObjectNode applicationView(ObjectNode a) {
        ObjectNode v = J.objectNode();
        for (String f : List.of("id", "state", "enabled", "created_at", "updated_at", "service_id", "service_name",
                "plan_id", "plan_name", "account_id")) {
            v.set(f, a.get(f));
        }
        ObjectNode account = accounts.get(a.get("account_id").asLong());
        v.put("org_name", account == null ? null : account.path("org_name").asText(null));
        v.putNull("first_traffic_at");
        v.putNull("first_daily_traffic_at");
        v.set("user_key", a.get("user_key"));
        v.set("provider_verification_key", a.get("provider_verification_key"));
        long aid = a.get("account_id").asLong();
        long id = a.get("id").asLong();
        ArrayNode links = v.putArray("links");
        link(links, "self", "/admin/api/accounts/" + aid + "/applications/" + id);
        link(links, "service", "/admin/api/services/" + a.get("service_id").asLong());
        link(links, "account", "/admin/api/accounts/" + aid);
        link(links, "plan", "/admin/api/services/" + a.get("service_id").asLong() + "/application_plans/"
                + a.get("plan_id").asLong());
        link(links, "keys", "/admin/api/accounts/" + aid + "/applications/" + id + "/keys");
        link(links, "referrer_filters", "/admin/api/accounts/" + aid + "/applications/" + id + "/referrer_filters");
        for (String field : List.of("name", "description")) {
            if (a.hasNonNull(field) && !a.get(field).asText().isEmpty()) {
                v.set(field, a.get(field));
            }
        }
        return v;
    }

    /**
     * A service contract as 2.15 renders it in JSON: app/representers/service_contracts_representer.rb only wraps
     * the collection, each item is the model's {@code as_json} with its root (config/application.rb:
     * include_root_in_json), i.e. every column of the cinstances table (db/schema.rb), nulls included.
     */
    private static ObjectNode serviceContractView(ObjectNode c) {
        ObjectNode v = J.objectNode();
        v.set("id", c.get("id"));
        v.set("plan_id", c.get("plan_id"));
        v.set("user_account_id", c.get("user_account_id"));
        v.putNull("user_key");
        v.putNull("provider_public_key");
        v.set("created_at", c.get("created_at"));
        v.set("updated_at", c.get("updated_at"));
        v.set("state", c.get("state"));
        v.putNull("description");
        v.putNull("paid_until");
        v.putNull("application_id");
        v.putNull("name");
        v.putNull("trial_period_expires_at");
        v.put("setup_fee", "0.0");
        v.put("type", "ServiceContract");
        v.putNull("redirect_url");
        v.putNull("variable_cost_paid_until");
        v.putNull("extra_fields");
        v.putNull("tenant_id");
        v.putNull("create_origin");
        v.putNull("first_traffic_at");
        v.putNull("first_daily_traffic_at");
        v.set("service_id", c.get("service_id"));
        v.putNull("accepted_at");
        return v;
    }

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
                throw new SimError(error(422, "You cannot subscribe to that service."));
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

    /**
     * porta app/controllers/admin/api/buyers_applications_controller.rb#create: the plan must be one of the
     * tenant's application plans (else 404, {@code find}); the account is first subscribed to the plan's product
     * (find_or_create_service_contract: its default service plan, else the first; none: {@code {"error":"You
     * cannot subscribe to that service."}} 422); name and description are the application's fields, not required
     * through the API (app/models/cinstance.rb validates the name only on a human edition); a given user_key is
     * used (Cinstance::USER_KEY_FORMAT, unique in the tenant: "has already been taken"), else one is generated.
     */
    private Resp createApplication(Req r) {
        long aid = account(r, "account_id").get("id").asLong();
        ObjectNode plan;
        try {
            plan = r.has("plan_id") ? appPlans.get(Long.parseLong(r.p("plan_id"))) : null;
        } catch (NumberFormatException e) {
            plan = null;
        }
        if (plan == null) {
            throw notFound();
        }
        if (r.has("user_key")) {
            String key = r.p("user_key");
            if (!USER_KEY.matcher(key).matches() || key.length() > 256) {
                throw unprocessable("user_key", "is invalid");
            }
            if (applications.values().stream().anyMatch(x -> key.equals(x.path("user_key").asText(null)))) {
                throw unprocessable("user_key", "has already been taken");
            }
        }
        ObjectNode a = newApplication(aid, plan, r.p("name"), r.p("description"));
        if (r.has("user_key")) {
            a.put("user_key", r.p("user_key"));
        }
        return created(wrap("application", applicationView(a)));
    }

    /** porta app/models/cinstance.rb USER_KEY_FORMAT (validated as {@code \A...\Z}). */
    private static final java.util.regex.Pattern USER_KEY = java.util.regex.Pattern.compile(
            "(([\\w\\-.]+)|([A-Za-z0-9+]{4})*([A-Za-z0-9+]{4}|[A-Za-z0-9+]{3}=|[A-Za-z0-9+]{2}==))");

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

    /**
     * porta app/controllers/admin/api/authentication_providers_controller.rb#create and app/models/
     * authentication_provider.rb: kind required (without it 400 "Required parameter missing: kind",
     * application_controller.rb); keycloak, auth0 and github have classes of their own, any other kind is a Custom
     * one; one integration per kind for developers ("has already been taken"); name defaults to the kind's human
     * name ("Red Hat Single Sign-On" for keycloak, config/locales/en.yml) and system_name to one made from the given
     * name, else to the kind and 12 hex digits (app/lib/system_name.rb internal_system_name);
     * system_name in porta's format and unique; client_id and client_secret required; site, token_url,
     * authorize_url and user_info_url http(s) URLs ("Invalid URL format"); a keycloak integration needs its realm
     * (site, without spaces). callback_url is the portal's /auth/SYSTEM_NAME/callback (OAuthFlowPresenter).
     */
    private Resp createSso(Req r) {
        if (!r.has("kind") || r.p("kind").isBlank()) {
            throw new SimError(new Resp(400, J.textNode("Required parameter missing: kind")));
        }
        String kind = r.p("kind").toLowerCase(Locale.ROOT);
        Map<String, List<String>> errs = new LinkedHashMap<>();
        if (ssoProviders.values().stream().anyMatch(x -> x.get("kind").asText().equals(kind))) {
            errs.put("kind", new ArrayList<>(List.of("has already been taken")));
        }
        blank(r, errs, "client_id", "client_secret");
        ssoUrls(r, errs);
        if (kind.equals("keycloak") && (!r.has("site") || r.p("site").isBlank())) {
            errs.computeIfAbsent("realm", k -> new ArrayList<>()).add("can't be blank");
        } else if (kind.equals("keycloak") && r.p("site").matches(".*\\s.*")) {
            errs.computeIfAbsent("realm", k -> new ArrayList<>()).add("is invalid");
        }
        boolean named = r.has("name") && !r.p("name").isBlank();
        String name = named ? r.p("name") : switch (kind) {
            case "keycloak" -> "Red Hat Single Sign-On";
            case "auth0" -> "Auth0";
            case "github" -> "GitHub";
            default -> "Custom";
        };
        // SystemName#generate_system_name runs before set_defaults: from the name when one is given, else
        // internal_system_name, the model's param_key (the kind's class: keycloak, auth0, github, custom) and 12 hex
        String systemName = r.has("system_name") && !r.p("system_name").isBlank() ? r.p("system_name")
                : named ? slug(name) : (Set.of("keycloak", "auth0", "github").contains(kind) ? kind : "custom") + "_"
                + hex(6);
        if (!SYSTEM_NAME.matcher(systemName).matches()) {
            errs.computeIfAbsent("system_name", k -> new ArrayList<>()).add("is invalid");
        }
        if (ssoProviders.values().stream().anyMatch(x -> x.get("system_name").asText().equals(systemName))) {
            errs.computeIfAbsent("system_name", k -> new ArrayList<>()).add("has already been taken");
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        ObjectNode p = J.objectNode();
        long id = id();
        p.put("id", id);
        p.put("kind", kind);
        p.put("account_type", "developer");
        p.put("name", name);
        p.put("system_name", systemName);
        p.put("client_id", r.p("client_id"));
        p.put("client_secret", r.p("client_secret"));
        p.put("site", r.p("site"));
        for (String f : List.of("token_url", "user_info_url", "authorize_url")) {
            p.put(f, r.p(f));
        }
        p.put("skip_ssl_certificate_verification", r.has("skip_ssl_certificate_verification")
                && bool(r.p("skip_ssl_certificate_verification")));
        p.put("automatically_approve_accounts", r.has("automatically_approve_accounts")
                && bool(r.p("automatically_approve_accounts")));
        p.put("branding_state", "custom_branded");
        p.put("account_id", provider.get("id").asLong());
        p.put("username_key", r.has("username_key") ? r.p("username_key") : "login");
        p.put("identifier_key", r.has("identifier_key") ? r.p("identifier_key") : "id");
        p.put("trust_email", r.has("trust_email") && bool(r.p("trust_email")));
        p.put("published", r.has("published") && bool(r.p("published")));
        p.put("created_at", now());
        p.put("updated_at", now());
        p.put("callback_url", provider.get("base_url").asText() + "/auth/" + systemName + "/callback");
        ssoProviders.put(id, p);
        return created(wrap("authentication_provider", p));
    }

    /** authentication_provider.rb: site and the OAuth URLs, when given, are http(s) URLs. */
    private static void ssoUrls(Req r, Map<String, List<String>> errs) {
        for (String f : List.of("site", "token_url", "authorize_url", "user_info_url")) {
            if (r.has(f) && !r.p(f).isBlank() && !r.p(f).matches("(?i)https?://\\S+")) {
                errs.put(f, new ArrayList<>(List.of("Invalid URL format")));
            }
        }
    }

    /**
     * authentication_providers_controller.rb#update: only client_id, client_secret, published, site,
     * skip_ssl_certificate_verification and automatically_approve_accounts are taken (permit; others are dropped
     * without an error), then the model's validations.
     */
    private Resp updateSso(Req r) {
        ObjectNode p = sso(r);
        Map<String, List<String>> errs = new LinkedHashMap<>();
        ssoUrls(r, errs);
        for (String f : List.of("client_id", "client_secret")) {
            if (r.has(f) && r.p(f).isBlank()) {
                errs.put(f, List.of("can't be blank"));
            }
        }
        if (p.get("kind").asText().equals("keycloak") && r.has("site") && r.p("site").isBlank()) {
            errs.put("realm", List.of("can't be blank"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
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

    /** porta app/models/cms/page.rb DEFAULT_CONTENT_TYPE: the content type of a page created without one. */
    static final String DEFAULT_PAGE_CONTENT_TYPE = "text/html";
    /** porta app/models/cms/template.rb: {@code system_name} format (when not blank). */
    private static final java.util.regex.Pattern TEMPLATE_SYSTEM_NAME =
            java.util.regex.Pattern.compile("\\w[\\w\\-/_]+");
    /**
     * porta app/controllers/admin/api/cms/templates_controller.rb ALLOWED_PARAMS: what create and update take per
     * template type (anything else of AVAILABLE_PARAMS is dropped by {@code permit}); section_name and layout_name
     * are read by app/services/admin/api/cms/template_service.rb, for pages only.
     */
    private static final Map<String, Set<String>> TEMPLATE_PARAMS = Map.of(
            "page", Set.of("title", "path", "content_type", "system_name", "section_id", "layout_id",
                    "liquid_enabled", "draft", "handler"),
            "builtin_page", Set.of("layout_id", "draft"),
            "layout", Set.of("system_name", "draft", "title", "liquid_enabled"),
            "partial", Set.of("system_name", "draft"),
            "builtin_partial", Set.of("draft"));
    /** porta lib/developer_portal/lib/cms/handler.rb: CMS::Handler.available. */
    private static final Set<String> HANDLERS = Set.of("markdown", "textile");
    /** porta app/models/cms/builtin.rb: the builtin partials' names, reserved for partials (CMS::Partial). */
    private static final List<String> BUILTIN_PARTIALS = List.of("stats/chart", "applications/form",
            "messages/menu", "shared/pagination", "shared/swagger_ui", "signup/cas", "login/sso", "field", "submenu",
            "menu_item", "users_menu");

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

    /**
     * A template as stored: every column any type has; {@link #templateView} renders what the type's representer
     * shows. Pages get porta's defaults: content type text/html (app/models/cms/page.rb set_default_values) and a
     * system name from the title (CMS::Page#set_system_name, {@code title.parameterize}).
     */
    private ObjectNode newTemplate(String type, String title, String systemName, String path, Long sectionId,
                                   String draft) {
        ObjectNode t = J.objectNode();
        long id = id();
        t.put("id", id);
        t.put("type", type);
        t.put("created_at", now());
        t.put("updated_at", now());
        t.put("title", title);
        t.put("system_name", systemName == null && type.equals("page") && title != null && !title.isBlank()
                ? parameterize(title) : systemName);
        if (type.equals("page")) {
            t.put("path", path);
            t.put("content_type", DEFAULT_PAGE_CONTENT_TYPE);
            t.put("section_id", sectionId);
        }
        t.putNull("layout_id");
        t.putNull("handler");
        // builtins read liquid_enabled as true whatever is stored (app/models/cms/builtin.rb read_attribute)
        t.put("liquid_enabled", type.startsWith("builtin"));
        t.put("draft", draft);
        t.putNull("published");
        templates.put(id, t);
        return t;
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

    /**
     * A template as porta's representers render it (app/representers/cms/*_representer.rb): pages
     * (CMS::PageRepresenter) show title, system_name, layout_id, section_id, path, content_type, liquid_enabled,
     * handler (when set) and hidden (never published); builtin pages the same less what only CMS::Page has (section,
     * path, content type, liquid, handler, hidden); layouts title, system_name and liquid_enabled; partials and
     * builtin partials only system_name. draft and published (null included) only with content, i.e. not in the
     * short list ({@code content=true} absent).
     */
    private static ObjectNode templateView(ObjectNode t, boolean content) {
        String type = t.get("type").asText();
        ObjectNode v = J.objectNode();
        v.set("id", t.get("id"));
        v.put("type", type);
        v.set("created_at", t.get("created_at"));
        v.set("updated_at", t.get("updated_at"));
        switch (type) {
            case "page", "builtin_page" -> {
                v.set("title", t.get("title"));
                v.set("system_name", t.get("system_name"));
                v.set("layout_id", t.get("layout_id"));
                if (type.equals("page")) {
                    v.set("section_id", t.get("section_id"));
                    v.set("path", t.get("path"));
                    v.set("content_type", t.get("content_type"));
                    v.set("liquid_enabled", t.get("liquid_enabled"));
                    if (!t.get("handler").isNull()) {
                        v.set("handler", t.get("handler"));
                    }
                    v.put("hidden", t.get("published").isNull()); // CMS::Page#hidden?: published.nil?
                }
            }
            case "layout" -> {
                v.set("title", t.get("title"));
                v.set("system_name", t.get("system_name"));
                v.set("liquid_enabled", t.get("liquid_enabled"));
            }
            default -> v.set("system_name", t.get("system_name"));
        }
        if (content) {
            v.set("draft", t.get("draft"));
            v.set("published", t.get("published"));
        }
        return v;
    }

    /** porta Admin::Api::CMS::SectionsController#create and FilesController: an unknown parent is the root. */
    private Long sectionOrNull(Req r, String param) {
        if (!r.has(param)) {
            return null;
        }
        try {
            long id = Long.parseLong(r.p(param));
            return sections.containsKey(id) ? id : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The section named by section_id or section_name (template_service.rb#find_section); one that does not exist
     * is {@code {"error":"Unknown section: '...'"}} 422 (UnknownSectionError rendered by render_error).
     */
    private Long templateSection(Req r) {
        if (!r.has("section_id") && !r.has("section_name")) {
            return null;
        }
        Optional<ObjectNode> found;
        if (r.has("section_id") && !r.p("section_id").isBlank()) {
            found = sections.values().stream().filter(s -> s.get("id").asText().equals(r.p("section_id")))
                    .findFirst();
        } else if (r.has("section_name") && !r.p("section_name").isBlank()) {
            found = sections.values().stream().filter(s -> s.get("system_name").asText().equals(r.p("section_name")))
                    .findFirst();
        } else {
            found = Optional.empty();
        }
        return found.map(s -> s.get("id").asLong()).orElseThrow(() -> new SimError(error(422, "Unknown section: '"
                + (r.has("section_id") ? r.p("section_id") : r.p("section_name")) + "'")));
    }

    /**
     * The layout named by layout_id or layout_name (template_service.rb#find_layout): null when neither is given;
     * {@code Optional.empty()} when given empty (an update then removes the layout); an unknown one is
     * {@code {"error":"Unknown layout: '...'"}} 422.
     */
    private Optional<Long> templateLayout(Req r, boolean update) {
        if (!r.has("layout_id") && !r.has("layout_name")) {
            return null;
        }
        String id = r.p("layout_id");
        String name = r.p("layout_name");
        Optional<ObjectNode> found = Optional.empty();
        if (id != null && !id.isBlank()) {
            found = templates.values().stream().filter(t -> t.get("type").asText().equals("layout")
                    && t.get("id").asText().equals(id)).findFirst();
        } else if (name != null && !name.isBlank()) {
            found = templates.values().stream().filter(t -> t.get("type").asText().equals("layout")
                    && name.equals(t.path("system_name").asText(null))).findFirst();
        }
        if (found.isPresent()) {
            return Optional.of(found.get().get("id").asLong());
        }
        if (update && ((id != null && id.isEmpty()) || (name != null && name.isEmpty()))) {
            return Optional.empty();
        }
        throw new SimError(error(422, "Unknown layout: '" + (id != null ? id : name) + "'"));
    }

    private long rootSection() {
        return sections.values().stream().filter(s -> s.get("parent_id").isNull()).findFirst()
                .map(s -> s.get("id").asLong()).orElseThrow();
    }

    /** porta CMS::Section: found by id or system_name (Admin::Api::CMS::SectionsController#find_section). */
    private ObjectNode cmsSection(Req r) {
        String key = r.path().get("id");
        return sections.values().stream().filter(s -> s.get("id").asText().equals(key)).findFirst()
                .or(() -> sections.values().stream().filter(s -> s.get("system_name").asText().equals(key))
                        .findFirst())
                .orElseThrow(SimStore::notFound);
    }

    private void cmsRoutes(String cms) {
        on("GET", cms + "/sections", r -> ok(cmsPage(r, sections.values(), ObjectNode::deepCopy)));
        on("POST", cms + "/sections", r -> {
            // porta app/models/cms/section.rb: title required; system_name and partial_path default to
            // title.parameterize; title unique under the parent, system_name unique; the parent is the given one
            // or, when unknown, the root (sections_controller.rb#create)
            Map<String, List<String>> errs = new LinkedHashMap<>();
            blank(r, errs, "title");
            Long parentId = sectionOrNull(r, "parent_id");
            long parent = parentId == null ? rootSection() : parentId;
            String title = r.p("title");
            String sn = r.has("system_name") && !r.p("system_name").isBlank() ? r.p("system_name")
                    : title == null ? null : parameterize(title);
            if (title != null && sections.values().stream().anyMatch(s -> s.path("parent_id").asLong() == parent
                    && s.get("title").asText().equals(title))) {
                errs.put("title", List.of("has already been taken"));
            }
            if (sn != null && sections.values().stream().anyMatch(s -> s.get("system_name").asText().equals(sn))) {
                errs.put("system_name", List.of("has already been taken"));
            }
            if (!errs.isEmpty()) {
                throw new SimError(errors(errs));
            }
            String partial = r.has("partial_path") && !r.p("partial_path").isBlank() ? r.p("partial_path")
                    : parameterize(title);
            ObjectNode s = newSection(title, sn, parent, partial);
            if (r.has("public")) {
                s.put("public", bool(r.p("public")));
            }
            return created(s);
        });
        on("GET", cms + "/sections/{id}", r -> ok(cmsSection(r)));
        on("PUT", cms + "/sections/{id}", r -> {
            ObjectNode s = cmsSection(r);
            copy(r, s, "title", "partial_path");
            if (r.has("public")) {
                s.put("public", bool(r.p("public")));
            }
            if (r.has("parent_id")) {
                long parent = longParam(r, "parent_id");
                if (!sections.containsKey(parent) || parent == s.get("id").asLong()) {
                    throw unprocessable("base", "cannot be it's own ancestor");
                }
                s.put("parent_id", parent);
            }
            touch(s);
            return ok(s);
        });
        on("DELETE", cms + "/sections/{id}", r -> {
            ObjectNode s = cmsSection(r);
            if (s.get("parent_id").isNull()) {
                // porta CMS::Section#avoid_destruction: the root stays (the delete is answered, nothing happens)
                return okEmpty();
            }
            long id = s.get("id").asLong();
            long parent = s.get("parent_id").asLong();
            // CMS::Section#destroy moves pages, files and child sections to the parent
            templates.values().stream().filter(t -> t.path("section_id").asLong(-1) == id)
                    .forEach(t -> t.put("section_id", parent));
            files.values().stream().filter(f -> f.path("section_id").asLong(-1) == id)
                    .forEach(f -> f.put("section_id", parent));
            sections.values().stream().filter(x -> x.path("parent_id").asLong(-1) == id)
                    .forEach(x -> x.put("parent_id", parent));
            sections.remove(id);
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
                // template_service.rb Destroy: DeleteBuiltinError, rendered by render_error
                throw new SimError(error(422, "Built-in resources can't be deleted"));
            }
            templates.remove(t.get("id").asLong());
            return okEmpty();
        });
        on("PUT", cms + "/templates/{id}/publish", r -> {
            ObjectNode t = find(templates, r, "id");
            // porta app/models/cms/template.rb: publish! does nothing without a draft; publish makes the draft the
            // published content and clears the draft
            if (!t.get("draft").isNull()) {
                t.set("published", t.get("draft").deepCopy());
                t.putNull("draft");
                touch(t);
            }
            return ok(templateView(t, true));
        });

        on("GET", cms + "/files", r -> ok(cmsPage(r, files.values(), ObjectNode::deepCopy)));
        on("POST", cms + "/files", r -> {
            Map<String, List<String>> errs = new LinkedHashMap<>();
            blank(r, errs, "path");
            if (!r.uploads().containsKey("attachment")) {
                errs.put("attachment", List.of("can't be blank"));
            }
            String path = filePath(r.p("path"));
            if (path != null && files.values().stream().anyMatch(f -> f.get("path").asText().equals(path))) {
                errs.put("path", List.of("has already been taken"));
            }
            if (!errs.isEmpty()) {
                throw new SimError(errors(errs));
            }
            // files_controller.rb#create: the given section, or the root when it does not exist
            Long section = sectionOrNull(r, "section_id");
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
                String path = filePath(r.p("path"));
                if (path == null) {
                    throw unprocessable("path", "can't be blank");
                }
                if (files.values().stream().anyMatch(x -> x != f && x.get("path").asText().equals(path))) {
                    throw unprocessable("path", "has already been taken");
                }
                f.put("path", path);
            }
            if (r.has("section_id")) {
                Long section = sectionOrNull(r, "section_id");
                if (section == null) {
                    throw unprocessable("section", "can't be blank");
                }
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

    /** porta app/models/cms/file.rb#path=: a leading '/' is added when missing; blank is null. */
    private static String filePath(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        return value.startsWith("/") ? value : "/" + value;
    }

    private void setAttachment(ObjectNode f, Upload u) {
        long id = f.get("id").asLong();
        fileContents.put(id, u);
        f.put("title", u.filename());
        f.put("content_type", u.contentType());
        f.put("url", baseUrl + FILE_PREFIX + id + "/" + u.filename());
    }

    /**
     * porta Admin::Api::CMS::TemplatesController#create with app/services/admin/api/cms/template_service.rb
     * (Create): only page, layout and partial can be created (else {@code {"error":"Unknown template type '..'"}}
     * 422); the type's ALLOWED_PARAMS are taken; a page goes to the given section (unknown: 422 "Unknown
     * section") or the root, and to the given layout (unknown: 422 "Unknown layout"); then the model validations
     * ({@link #templateErrors}), 422 {@code {"errors":{...}}} when they fail.
     */
    private Resp createTemplate(Req r) {
        String type = r.has("type") ? r.p("type") : "";
        if (!Set.of("page", "layout", "partial").contains(type)) {
            throw new SimError(error(422, "Unknown template type '" + type + "'"));
        }
        Set<String> allowed = TEMPLATE_PARAMS.get(type);
        Long section = null;
        Optional<Long> layout = null;
        if (type.equals("page")) {
            section = templateSection(r);
            layout = templateLayout(r, false);
        }
        ObjectNode t = J.objectNode();
        t.put("type", type);
        t.putNull("title");
        t.putNull("system_name");
        t.putNull("layout_id");
        t.putNull("handler");
        t.put("liquid_enabled", false);
        t.putNull("draft");
        t.putNull("published");
        if (type.equals("page")) {
            t.putNull("path");
            t.put("content_type", DEFAULT_PAGE_CONTENT_TYPE); // cms/page.rb set_default_values, when not given
            t.put("section_id", section == null ? rootSection() : section);
        }
        assignTemplate(r, t, allowed);
        if (layout != null && layout.isPresent()) {
            t.put("layout_id", layout.get());
        }
        Map<String, List<String>> errs = templateErrors(t, null);
        checkRejected(t.path("system_name").asText(null), t.path("path").asText(null));
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        long id = id();
        ObjectNode stored = J.objectNode();
        stored.put("id", id);
        stored.put("created_at", now());
        stored.put("updated_at", now());
        t.fields().forEachRemaining(e -> stored.set(e.getKey(), e.getValue()));
        templates.put(id, stored);
        return created(templateView(stored, true));
    }

    /**
     * porta TemplatesController#update with TemplateService::Update: the template's type decides the parameters
     * taken (ALLOWED_PARAMS; the others are dropped without an error); a page's section and layout as on create,
     * an empty layout_id or layout_name removes the layout; then the validations.
     */
    private Resp updateTemplate(Req r) {
        ObjectNode t = find(templates, r, "id");
        String type = t.get("type").asText();
        Long section = null;
        Optional<Long> layout = null;
        if (type.equals("page")) {
            section = templateSection(r);
            layout = templateLayout(r, true);
        }
        ObjectNode changed = t.deepCopy();
        assignTemplate(r, changed, TEMPLATE_PARAMS.get(type));
        if (section != null) {
            changed.put("section_id", section);
        }
        if (layout != null) {
            if (layout.isPresent()) {
                changed.put("layout_id", layout.get());
            } else {
                changed.putNull("layout_id");
            }
        }
        Map<String, List<String>> errs = templateErrors(changed, t.get("id").asLong());
        checkRejected(changed.path("system_name").asText(null), changed.path("path").asText(null));
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        changed.fields().forEachRemaining(e -> t.set(e.getKey(), e.getValue()));
        touch(t);
        return ok(templateView(t, true));
    }

    /** Sets the permitted parameters the request has (porta's {@code permit} on the wrapped template params). */
    private static void assignTemplate(Req r, ObjectNode t, Set<String> allowed) {
        for (String f : allowed) {
            if (!r.has(f)) {
                continue;
            }
            String v = r.p(f);
            switch (f) {
                case "liquid_enabled" -> t.put(f, bool(v));
                case "section_id", "layout_id" -> {
                    try {
                        t.put(f, Long.parseLong(v));
                    } catch (NumberFormatException e) {
                        t.putNull(f);
                    }
                }
                default -> t.put(f, v);
            }
        }
    }

    /**
     * porta's validations of a template about to be saved ({@code self} its id on update):
     * <ul>
     *   <li>app/models/cms/page.rb: system_name from title.parameterize when blank (set_system_name), trailing
     *       slashes stripped from the path; title and path required, the path starts with '/' ("needs to start with
     *       a slash ( / )"), unique per tenant.</li>
     *   <li>app/models/cms/template.rb: system_name unique per type, matching {@code \A\w[\w\-/_]+\z} when given,
     *       at most 255 characters (type, path, title, content_type too); handler one of markdown and textile.</li>
     *   <li>app/models/cms/layout.rb, partial.rb: system_name required; a partial cannot take a builtin partial's
     *       name ("reserved for internal use").</li>
     * </ul>
     */
    private Map<String, List<String>> templateErrors(ObjectNode t, Long self) {
        String type = t.get("type").asText();
        Map<String, List<String>> errs = new LinkedHashMap<>();
        if (type.equals("page")) {
            String title = t.path("title").asText(null);
            if (t.path("system_name").asText("").isBlank() && title != null && !title.isBlank()) {
                t.put("system_name", parameterize(title));
            }
            String path = t.path("path").asText(null);
            if (path != null) {
                path = path.replaceAll("^(.*[^/])/*$", "$1").replaceAll("^/+", "/");
                t.put("path", path);
            }
            if (title == null || title.isBlank()) {
                errs.put("title", List.of("can't be blank"));
            }
            if (path == null || path.isBlank()) {
                errs.put("path", List.of("can't be blank"));
            } else if (!path.startsWith("/")) {
                errs.put("path", List.of("needs to start with a slash ( / )"));
            } else {
                String p = path;
                if (templates.values().stream().anyMatch(x -> x.get("type").asText().equals("page")
                        && !Objects.equals(self, x.get("id").asLong()) && p.equals(x.path("path").asText(null)))) {
                    errs.put("path", List.of("has already been taken"));
                }
            }
        }
        String sn = t.path("system_name").asText(null);
        if ((type.equals("layout") || type.equals("partial")) && (sn == null || sn.isBlank())) {
            errs.computeIfAbsent("system_name", k -> new ArrayList<>()).add("can't be blank");
        } else if (sn != null && !sn.isBlank()) {
            if (templates.values().stream().anyMatch(x -> x.get("type").asText().equals(type)
                    && !Objects.equals(self, x.get("id").asLong()) && sn.equals(x.path("system_name").asText(null)))) {
                errs.computeIfAbsent("system_name", k -> new ArrayList<>()).add("has already been taken");
            }
            if (!TEMPLATE_SYSTEM_NAME.matcher(sn).matches()) {
                errs.computeIfAbsent("system_name", k -> new ArrayList<>()).add("is invalid");
            }
            if (type.equals("partial") && BUILTIN_PARTIALS.contains(sn)) {
                errs.computeIfAbsent("system_name", k -> new ArrayList<>()).add("reserved for internal use");
            }
        }
        for (String f : List.of("system_name", "path", "title", "content_type")) {
            if (t.path(f).asText("").length() > 255) {
                errs.computeIfAbsent(f, k -> new ArrayList<>()).add("is too long (maximum is 255 characters)");
            }
        }
        if (!t.path("handler").isNull() && !t.path("handler").isMissingNode()
                && !HANDLERS.contains(t.get("handler").asText())) {
            errs.put("handler", List.of("is not included in the list"));
        }
        return errs;
    }

    // ================================================================================================ portal

    /** What the developer portal answers for a path: status, Content-Type header and body. */
    public record PortalResponse(int status, String contentType, byte[] body) { }

    /**
     * The developer portal's answer for a path, as porta's DeveloperPortal::CMS::NewContentController#show gives it
     * (lib/developer_portal/app/controllers/developer_portal/cms/new_content_controller.rb): a CMS file at that path
     * is sent with its attachment's content type; else the page at that path, when published (CMS::Page#hidden? is
     * {@code published.nil?}) and in a public section, is rendered with {@code content_type: page.mime_type}: Rails'
     * Mime::Type.lookup of the stored content type (a synonym such as application/javascript gives its registered
     * type, text/javascript), text/html when none, plus Rails' {@code ; charset=utf-8}. Anything else is 404.
     * The simulator does not evaluate Liquid: a page is its published text, inside its layout's published text at
     * {@code {% content %}}.
     */
    public synchronized PortalResponse portal(String path) {
        String p = path.isEmpty() ? "/" : path;
        Optional<ObjectNode> file = files.values().stream().filter(f -> f.get("path").asText().equals(p)).findFirst();
        if (file.isPresent()) {
            Upload u = fileContents.get(file.get().get("id").asLong());
            return new PortalResponse(200, u.contentType(), u.content());
        }
        Optional<ObjectNode> page = templates.values().stream().filter(t -> t.get("type").asText().equals("page")
                && p.equals(t.path("path").asText(null))).findFirst();
        if (page.isEmpty() || page.get().get("published").isNull() || !publicSection(page.get().path("section_id")
                .asLong(-1))) {
            return new PortalResponse(404, "text/html; charset=utf-8",
                    "<h1>Not found</h1>".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        ObjectNode t = page.get();
        String body = t.get("published").asText();
        ObjectNode layout = t.get("layout_id").isNull() ? null : templates.get(t.get("layout_id").asLong());
        if (layout != null && !layout.get("published").isNull()) {
            body = layout.get("published").asText().replace("{% content %}", body);
        }
        return new PortalResponse(200, railsMime(t.path("content_type").asText("")) + "; charset=utf-8",
                body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** porta CMS::Section#accessible_by? for a visitor who is not signed in: public up to the root. */
    private boolean publicSection(long id) {
        for (ObjectNode s = sections.get(id); s != null; s = s.get("parent_id").isNull() ? null
                : sections.get(s.get("parent_id").asLong())) {
            if (!s.path("public").asBoolean(true)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Rails' Mime::Type.lookup (actionpack 6.0, the version porta 2.15 bundles; action_dispatch/http/mime_types.rb
     * registrations): a registered type or one of its synonyms gives the registered type; another string is used
     * as it is; blank gives text/html (CMS::Page#mime_type's default).
     */
    static String railsMime(String contentType) {
        String c = contentType == null ? "" : contentType.trim();
        if (c.isEmpty()) {
            return DEFAULT_PAGE_CONTENT_TYPE;
        }
        return switch (c.toLowerCase(Locale.ROOT)) {
            case "application/xhtml+xml" -> "text/html";
            case "application/javascript", "application/x-javascript" -> "text/javascript";
            case "text/xml", "application/x-xml" -> "application/xml";
            case "text/x-json", "application/jsonrequest" -> "application/json";
            case "text/yaml" -> "application/x-yaml";
            case "application/x-gzip" -> "application/gzip";
            default -> c;
        };
    }

    /** Rails' String#parameterize: ASCII, every run of other characters than letters, digits, '-', '_' one '-'. */
    static String parameterize(String s) {
        if (s == null) {
            return null;
        }
        String ascii = java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFD).replaceAll("\\p{M}", "");
        return ascii.replaceAll("(?i)[^a-z0-9\\-_]+", "-").replaceAll("-{2,}", "-").replaceAll("^-|-$", "")
                .toLowerCase(Locale.ROOT);
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

    /** porta app/lib/system_name.rb: the format every model with a system name validates. */
    static final java.util.regex.Pattern SYSTEM_NAME = java.util.regex.Pattern.compile("\\w[\\w\\-/_]+");

    /**
     * The system name of a new object (porta app/lib/system_name.rb): the given one, else made from the name
     * ({@code name.parameterize.underscore}); either must match {@code \A\w[\w\-/_]+\z}, two characters at least
     * ({@code {"errors":{"system_name":["is invalid"]}}} 422), e.g. a product named "X" without a system name.
     */
    private static String systemName(Req r, String name) {
        String sn = r.has("system_name") && !r.p("system_name").isBlank() ? r.p("system_name")
                : name == null || name.isBlank() ? null : slug(name);
        if (sn != null && !SYSTEM_NAME.matcher(sn).matches()) {
            throw unprocessable("system_name", "is invalid");
        }
        return sn;
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
