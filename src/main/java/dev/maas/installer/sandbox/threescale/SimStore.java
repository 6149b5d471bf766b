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
 *   <li>system_name: porta's format ({@code \w[\w\-/_]+}), unique per owner, generated from the name when not
 *       given ({@code parameterize.underscore}), immutable (a new value in an update is ignored, attr_readonly).</li>
 *   <li>a new backend gets the {@code hits} metric (BackendApi#create_default_metrics); a new product gets
 *       {@code hits}, a {@code GET /} mapping rule on it, its proxy with the default policy chain (apicast) and a
 *       published "Default" service plan that is not the default; its service token comes later.</li>
 *   <li>application plans start hidden; {@code state_event=publish} on a published plan is a 422 ("cannot transition
 *       via publish"), as state_machines reports an invalid event.</li>
 *   <li>products, backends, metrics, methods, mapping rules, backend usages, proxy, policy chain and APIcast
 *       configurations follow their porta controllers, models and representers, cited at each handler
 *       ({@link #productRoutes}); the work porta leaves to background workers (service tokens, sample data, the purge
 *       of deleted products and backends) takes effect after {@link SimulatorOptions#delays()}.</li>
 * </ul>
 */
public final class SimStore {
    static final String FILE_PREFIX = "/sim-cms-files/";
    private static final JsonNodeFactory J = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** A request after routing: template without suffix, path values, parameters (access_token removed). */
    public record Req(String method, String template, Map<String, String> path, Map<String, String> params,
                      Map<String, Upload> uploads) {
        String p(String name) { return params.get(name); }

        boolean has(String name) { return params.containsKey(name); }
    }

    /** A response: a JSON body, or a plain text one ({@code text}, as porta's 400 for a missing parameter). */
    public record Resp(int status, JsonNode body, String text) {
        public Resp(int status, JsonNode body) {
            this(status, body, null);
        }

        static Resp text(int status, String text) {
            return new Resp(status, null, text);
        }
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
    /** Backends marked deleted, gone from the API, not yet purged. */
    private final Set<Long> deletedBackends = new java.util.HashSet<>();
    private final Map<Long, ObjectNode> services = new LinkedHashMap<>();
    /** Service tokens by product, made a moment after the product (CreateServiceTokenWorker). */
    private final Map<Long, String> serviceTokens = new HashMap<>();
    /** Effects of porta's background workers, applied at the first request after their moment. */
    private final List<Pending> pending = new ArrayList<>();
    private long pendingOrder;
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
    /** Whether background work ran since {@link #takeWorkDone()} (the state changed outside a write). */
    private boolean workDone;

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

    /**
     * A new tenant's sample content. With the provider account, at once (Account after_create create_first_service,
     * app/models/account/provider_methods.rb; ServiceCreator with private_endpoint BackendApi.default_api_backend):
     * the "API" product and its backend "API Backend" (system_name "api", "Backend of API", the echo API;
     * BackendApiLogic::ServiceExtension::BackendApiProxy) used at "/". Later, in SignupWorker::SampleDataWorker
     * (app/workers/signup_worker.rb, app/lib/logic/provider_signup.rb SampleData#create!): the Default service plan
     * as default, the application plans Basic (default) and Unlimited, both published, the developer account
     * "Developer" with an application on Basic, and the "Echo" ActiveDocs of the product.
     */
    private void seedSample() {
        ObjectNode backend = newBackend("API Backend", "api", "Backend of API", "https://echo-api.3scale.net:443");
        ObjectNode service = newService("API", "api", null, "hosted", "1");
        long sid = service.get("id").asLong();
        ObjectNode usage = J.objectNode();
        usage.put("id", id());
        usage.put("path", "/");
        usage.put("service_id", sid);
        usage.put("backend_id", backend.get("id").asLong());
        usages.put(usage.get("id").asLong(), usage);
        later(options.delays().sampleData(), Work.SAMPLE_DATA, sid);
    }

    /** SampleDataWorker's part of {@link #seedSample()} for product {@code sid}. */
    private void sampleData(long sid) {
        if (!services.containsKey(sid)) {
            return;
        }
        servicePlansOf(sid).get(0).put("default", true);
        ObjectNode basic = newAppPlan(sid, "Basic", "published");
        newAppPlan(sid, "Unlimited", "published");
        basic.put("default", true);
        ObjectNode dev = addDeveloperAccount("Developer");
        newApplication(dev.get("id").asLong(), basic, "Developer's App", "Default application");
        ObjectNode echo = J.objectNode();
        long docId = id();
        echo.put("id", docId);
        echo.put("name", "Echo");
        echo.put("system_name", "echo");
        echo.putNull("description");
        echo.put("published", true);
        echo.put("skip_swagger_validations", false);
        echo.put("body", "{\"openapi\":\"3.0.2\",\"info\":{\"title\":\"Echo API\",\"version\":\"1.0.0\"},"
                + "\"paths\":{\"/\":{\"get\":{\"responses\":{\"200\":{\"description\":\"the request\"}}}}}}");
        echo.put("service_id", sid);
        echo.put("created_at", now());
        echo.put("updated_at", now());
        activeDocs.put(docId, echo);
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
        runDue(false);
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
            case "usage_limits" -> limits.table();
            default -> throw new IllegalArgumentException("unknown collection " + collection);
        };
        return m.values().stream().map(ObjectNode::deepCopy).toList();
    }

    /** Who owns a metric or method: {@code "Service:<id>"} or {@code "BackendApi:<id>"}; null if unknown. */
    public synchronized String metricOwner(long metricId) {
        return metricOwner.get(metricId);
    }

    /**
     * Applies at once every effect of porta's background workers still waiting for its moment (service tokens,
     * sample data, purges): for tests that do not look at the asynchrony.
     */
    public synchronized void completePendingWork() {
        runDue(true);
    }

    /** Whether porta has made the product's service token yet (see {@link AsyncDelays#serviceToken()}). */
    public synchronized boolean hasServiceToken(long serviceId) {
        runDue(false);
        return serviceTokens.containsKey(serviceId);
    }

    /** The policy chain of a product (a copy; empty when it has none). */
    public synchronized ArrayNode policyChain(long serviceId) {
        ArrayNode chain = policyChains.get(serviceId);
        return chain == null ? J.arrayNode() : chain.deepCopy();
    }

    /** The APIcast config versions of a product in an environment. */
    public synchronized List<ObjectNode> configsOf(long serviceId, String env) {
        runDue(false);
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
        runDue(false);
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

        productRoutes(api);
        limits.routes((method, template, h) -> on(method, template, h::apply));
        on("GET", api + "/active_docs", r -> ok(list(activeDocs.values(), "api_docs", "api_doc")));
        on("POST", api + "/active_docs", this::createActiveDoc);
        on("GET", api + "/active_docs/{id}", r -> ok(wrap("api_doc", find(activeDocs, r, "id"))));
        on("PUT", api + "/active_docs/{id}", this::updateActiveDoc);
        on("DELETE", api + "/active_docs/{id}", r -> {
            activeDocs.remove(find(activeDocs, r, "id").get("id").asLong());
            return okEmpty();
        });

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
            // Plan#can_be_destroyed? (app/models/plan.rb): not while an application (a contract) is on it; refused
            // deletes are 403 (app/lib/three_scale/api/responder.rb), message from config/locales/en.yml
            if (applications.values().stream().anyMatch(a -> a.get("plan_id").asLong() == p.get("id").asLong())) {
                throw refusedDelete("This application plan cannot be deleted! At least one application depends on it.");
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
        on("POST", api + "/signup", this::signup);
        on("DELETE", api + "/accounts/{id}", r -> {
            deleteAccount(account(r, "id").get("id").asLong());
            return okEmpty();
        });
        on("GET", api + "/accounts/{account_id}/applications", r -> {
            long aid = account(r, "account_id").get("id").asLong();
            return ok(list(views(applications.values().stream().filter(a -> a.get("account_id").asLong() == aid)
                    .toList(), this::applicationView), "applications", "application"));
        });
        on("POST", api + "/accounts/{account_id}/applications", this::createApplication);
        // applications_controller.rb#index: every application of the tenant, by service_id and plan_id, paginated
        on("GET", api + "/applications", r -> ok(page(r, views(applications.values().stream().filter(a ->
                (!r.has("service_id") || a.get("service_id").asText().equals(r.p("service_id")))
                && (!r.has("plan_id") || a.get("plan_id").asText().equals(r.p("plan_id")))).toList(),
                this::applicationView), "applications", "application")));
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
        // BackendApi#create_default_metrics (app/models/backend_api.rb): hits, stored as hits.<backend id>
        // (app/lib/backend_api_logic/metric_extension.rb)
        newMetric("BackendApi:" + id, "hits." + id, "Hits", "hit", "Number of API hits", null);
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
        String endpoint = privateEndpoint(r.p("private_endpoint"), errs);
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
        String endpoint = r.has("private_endpoint") ? privateEndpoint(r.p("private_endpoint"), errs) : null;
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
        later(options.delays().purge(), Work.PURGE_BACKEND, id);
        return okEmpty();
    }

    private void purgeBackend(long id) {
        backends.remove(id);
        deletedBackends.remove(id);
        String owner = "BackendApi:" + id;
        rules.values().removeIf(x -> ruleOwner(x).equals(owner));
        List<Long> ms = metricOwner.entrySet().stream().filter(e -> e.getValue().equals(owner)).map(Map.Entry::getKey)
                .toList();
        ms.forEach(m -> {
            metrics.remove(m);
            metricOwner.remove(m);
        });
        usages.values().removeIf(u -> u.get("backend_id").asLong() == id);
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

    /**
     * A backend's private_endpoint (app/models/backend_api.rb): present, at most 255 characters, a URI with scheme
     * http, https, ws or wss, a host and no user info, query or fragment (app/validators/uri_validator.rb; a path is
     * allowed, proxy_private_base_path), whose host is not localhost or 127.x.x.x
     * (app/validators/non_localhost_validator.rb with the message protected_domain, config/locales/en.yml); the
     * scheme's port is written out (set_port_private_endpoint, Proxy::PortGenerator), so http://x reads back as
     * http://x:80. Null, with the error in {@code errs}, when invalid.
     */
    private static String privateEndpoint(String value, Map<String, List<String>> errs) {
        if (value == null || value.isBlank()) {
            errs.put("private_endpoint", List.of("can't be blank"));
            return null;
        }
        String invalid = "the accepted format is 'scheme://address(:port)(/path)'. Accepted schemes are http, https,"
                + " ws and wss";
        URI uri;
        try {
            uri = new URI(value);
        } catch (Exception e) {
            errs.put("private_endpoint", List.of(invalid));
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!Set.of("http", "https", "ws", "wss").contains(scheme) || uri.getHost() == null
                || uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            errs.put("private_endpoint", List.of(invalid));
            return null;
        }
        if (uri.getHost().matches("localhost|127(\\.\\d{1,3}){3}")) {
            errs.put("private_endpoint", List.of("Sorry, this domain is protected"));
            return null;
        }
        if (value.length() > 255) {
            errs.put("private_endpoint", List.of("is too long (maximum is 255 characters)"));
            return null;
        }
        return withDefaultPort(value);
    }

    // ================================================================================================ metrics

    private void metricRoutes(String ownerBase, boolean backend) {
        Function<Req, String> owner = backend ? this::backendOwner : this::serviceOwner;
        // index: every metric of the owner, methods included, by id (service.metrics / backend_api.metrics;
        // app/controllers/admin/api/metrics_controller.rb, backend_apis/metrics_controller.rb, which paginates)
        on("GET", ownerBase + "/metrics", r -> {
            List<ObjectNode> all = metricsOf(owner.apply(r)).stream().map(this::metricJson).toList();
            return ok(backend ? pageWithMetadata(r, all, "metrics", "metric") : list(all, "metrics", "metric"));
        });
        on("POST", ownerBase + "/metrics", r -> createMetric(r, owner.apply(r), null));
        on("GET", ownerBase + "/metrics/{id}", r -> ok(wrap("metric", metricJson(anyMetric(r, owner.apply(r), "id")))));
        on("PUT", ownerBase + "/metrics/{id}", r -> {
            ObjectNode m = anyMetric(r, owner.apply(r), "id");
            updateMetric(r, owner.apply(r), m);
            return ok(wrap("metric", metricJson(m)));
        });
        on("DELETE", ownerBase + "/metrics/{id}", r -> destroyMetric(anyMetric(r, owner.apply(r), "id")));
        // methods: the children of one of the owner's metrics (metric.children), shown by MethodRepresenter
        String methods = ownerBase + "/metrics/{metric_id}/methods";
        on("GET", methods, r -> {
            long parent = anyMetric(r, owner.apply(r), "metric_id").get("id").asLong();
            List<ObjectNode> ms = metricsOf(owner.apply(r)).stream()
                    .filter(m -> m.has("parent_id") && m.get("parent_id").asLong() == parent).map(this::methodJson)
                    .toList();
            return ok(backend ? pageWithMetadata(r, ms, "methods", "method") : list(ms, "methods", "method"));
        });
        on("POST", methods, r -> createMetric(r, owner.apply(r), anyMetric(r, owner.apply(r), "metric_id")));
        on("GET", methods + "/{id}", r -> ok(wrap("method", methodJson(method(r, owner.apply(r))))));
        on("PUT", methods + "/{id}", r -> {
            ObjectNode m = method(r, owner.apply(r));
            updateMetric(r, owner.apply(r), m);
            return ok(wrap("method", methodJson(m)));
        });
        on("DELETE", methods + "/{id}", r -> destroyMetric(method(r, owner.apply(r))));
    }

    /**
     * Metric and method create (app/concerns/metric_params.rb: friendly_name, unit, description, system_name), with the
     * validations of app/models/metric.rb: friendly_name present and unique per owner, unit present (not for a method,
     * whose unit is its parent's), system_name generated from friendly_name when blank, in porta's format and unique
     * per owner; a backend's metric is stored as {@code name.<backend id>} and unique in that form
     * (app/lib/backend_api_logic/metric_extension.rb); methods only under hits (only_hits_has_children).
     */
    private Resp createMetric(Req r, String owner, ObjectNode parent) {
        boolean child = parent != null;
        Map<String, List<String>> errs = new LinkedHashMap<>();
        String friendly = r.p("friendly_name");
        String unit = child ? parent.get("unit").asText() : r.p("unit");
        if (!child && (unit == null || unit.isBlank())) {
            errs.put("unit", List.of("can't be blank"));
        }
        friendlyNameValid(friendly, owner, null, errs);
        String sn = systemName(r, friendly, "metric");
        String suffix = owner.startsWith("BackendApi:") ? "." + owner.substring("BackendApi:".length()) : null;
        if (suffix != null && sn.endsWith(suffix)) {
            sn = sn.substring(0, sn.length() - suffix.length()); // reset_extended_system_name
        }
        String stored = suffix == null ? sn : sn + suffix;
        if (!SYSTEM_NAME.matcher(sn).matches()) {
            errs.put("system_name", List.of("is invalid"));
        } else if (metricsOf(owner).stream().anyMatch(m -> m.get("system_name").asText().equals(stored))) {
            errs.put("system_name", List.of("has already been taken"));
        }
        if (child && !isHits(parent)) {
            errs.put("parent_id", List.of("You can only create methods under 'hits'"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        ObjectNode m = newMetric(owner, stored, friendly, unit, r.p("description"),
                child ? parent.get("id").asLong() : null);
        touchOwner(owner);
        return created(child ? wrap("method", methodJson(m)) : wrap("metric", metricJson(m)));
    }

    /** update_params: friendly_name, unit, description (app/concerns/metric_params.rb). */
    private void updateMetric(Req r, String owner, ObjectNode m) {
        Map<String, List<String>> errs = new LinkedHashMap<>();
        if (r.has("friendly_name")) {
            friendlyNameValid(r.p("friendly_name"), owner, m, errs);
        }
        boolean child = m.has("parent_id");
        if (!child && r.has("unit") && r.p("unit").isBlank()) {
            errs.put("unit", List.of("can't be blank"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        copy(r, m, "friendly_name", "description");
        if (!child) { // Metric#unit= ignores the unit of a method
            copy(r, m, "unit");
        }
        touch(m);
        touchOwner(owner);
    }

    private void friendlyNameValid(String friendly, String owner, ObjectNode self, Map<String, List<String>> errs) {
        if (friendly == null || friendly.isBlank()) {
            errs.put("friendly_name", List.of("can't be blank"));
        } else if (metricsOf(owner).stream().anyMatch(m -> m != self
                && m.get("friendly_name").asText().equals(friendly))) {
            errs.put("friendly_name", List.of("has already been taken"));
        }
    }

    /**
     * Metric#destroy (app/models/metric.rb, before_destroy avoid_destruction): refused while the latest staging or
     * production configuration of a product using it has a mapping rule on it (belongs_to_latest_config?, through
     * Proxy#metric_in_latest_configs? and ProxyConfig#contains_metric?), and for the product's hits; a refused delete
     * is answered 403 {@code {"errors":{"base":[...]}}} (app/lib/three_scale/api/responder.rb). Its methods and its
     * mapping rules go with it.
     */
    private Resp destroyMetric(ObjectNode m) {
        long id = m.get("id").asLong();
        String owner = metricOwner.get(id);
        List<String> refused = new ArrayList<>();
        if (inLatestConfig(id, owner)) {
            refused.add((m.has("parent_id") ? "Method" : "Metric")
                    + " is used by the latest gateway configuration and cannot be deleted");
        }
        if (m.get("system_name").asText().equals("hits")) {
            refused.add("The Hits metric cannot be deleted");
        }
        if (!refused.isEmpty()) {
            throw refusedDelete(refused.toArray(String[]::new));
        }
        deleteMetric(id);
        touchOwner(owner);
        return okEmpty();
    }

    private boolean inLatestConfig(long metricId, String owner) {
        List<Long> products = owner.startsWith("Service:") ? List.of(Long.parseLong(owner.substring(8)))
                : usages.values().stream().filter(u -> ("BackendApi:" + u.get("backend_id").asLong()).equals(owner))
                .map(u -> u.get("service_id").asLong()).toList();
        for (long sid : products) {
            for (List<ObjectNode> versions : proxyConfigs.getOrDefault(sid, Map.of()).values()) {
                Optional<ObjectNode> latest = versions.stream().max(Comparator.comparingInt(c -> c.get("version").asInt()));
                if (latest.isPresent()) {
                    for (JsonNode rule : latest.get().path("content").path("proxy").path("proxy_rules")) {
                        if (rule.path("metric_id").asLong() == metricId) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    private static boolean isHits(ObjectNode metric) {
        return !metric.has("parent_id") && metric.get("system_name").asText().matches("hits(\\.\\d+)?");
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

    /** One of the owner's metrics, methods included ({@code service.metrics.find}, {@code backend_api.metrics.find}). */
    private ObjectNode anyMetric(Req r, String owner, String param) {
        long id = pathId(r, param);
        ObjectNode m = metrics.get(id);
        if (m == null || !owner.equals(metricOwner.get(id))) {
            throw notFound();
        }
        return m;
    }

    private ObjectNode method(Req r, String owner) {
        long parent = anyMetric(r, owner, "metric_id").get("id").asLong();
        long id = pathId(r, "id");
        ObjectNode m = metrics.get(id);
        if (m == null || !owner.equals(metricOwner.get(id)) || !m.has("parent_id") || m.get("parent_id").asLong() != parent) {
            throw notFound();
        }
        return m;
    }

    /** The URL path of a metric's owner: {@code /admin/api/services/1} or {@code /admin/api/backend_apis/2}. */
    private static String ownerPath(String owner) {
        String[] o = owner.split(":");
        return (o[0].equals("Service") ? "/admin/api/services/" : "/admin/api/backend_apis/") + o[1];
    }

    /**
     * MetricRepresenter (app/representers/metric_representer.rb): no {@code name} for a backend's metric, a method's
     * unit is its parent's, {@code parent_id} only for a method; nil properties left out; links to the owner and self.
     */
    private ObjectNode metricJson(ObjectNode m) {
        String owner = metricOwner.get(m.get("id").asLong());
        boolean backend = owner.startsWith("BackendApi:");
        ObjectNode o = J.objectNode();
        copyPresent(m, o, "id");
        if (!backend) {
            copyPresent(m, o, "name");
        }
        copyPresent(m, o, "system_name", "friendly_name", "description", "unit", "parent_id", "created_at", "updated_at");
        links(o, backend ? "backend_api" : "service", adminUrl(ownerPath(owner)),
                "self", adminUrl(ownerPath(owner) + "/metrics/" + m.get("id").asLong()));
        return o;
    }

    /** MethodRepresenter (app/representers/method_representer.rb): no unit; links to the parent and self. */
    private ObjectNode methodJson(ObjectNode m) {
        String owner = metricOwner.get(m.get("id").asLong());
        ObjectNode o = J.objectNode();
        copyPresent(m, o, "id");
        if (!owner.startsWith("BackendApi:")) {
            copyPresent(m, o, "name");
        }
        copyPresent(m, o, "system_name", "friendly_name", "description", "parent_id", "created_at", "updated_at");
        String parent = ownerPath(owner) + "/metrics/" + m.get("parent_id").asLong();
        links(o, "parent", adminUrl(parent), "self", adminUrl(parent + "/methods/" + m.get("id").asLong()));
        return o;
    }

    /** Metric belongs_to :owner, touch: true (app/models/metric.rb): a metric change touches its product or backend. */
    private void touchOwner(String owner) {
        String[] o = owner.split(":");
        ObjectNode target = o[0].equals("Service") ? services.get(Long.parseLong(o[1])) : backends.get(Long.parseLong(o[1]));
        if (target != null) {
            touch(target);
        }
    }

    // ================================================================================================ mapping rules

    private String backendOwner(Req r) { return "BackendApi:" + backend(r, "backend_api_id").get("id").asLong(); }

    private String serviceOwner(Req r) { return "Service:" + sid(r); }

    private static String ruleOwner(ObjectNode x) {
        return x.get("owner_type").asText() + ":" + x.get("owner_id").asLong();
    }

    /** A product's rules by position (proxy.proxy_rules); a backend's by id (backend_api.mapping_rules.order(:id)). */
    private List<ObjectNode> rulesOf(String owner) {
        Comparator<ObjectNode> order = owner.startsWith("Service:")
                ? Comparator.comparingInt((ObjectNode x) -> x.get("position").asInt())
                .thenComparingLong(x -> x.get("id").asLong())
                : Comparator.comparingLong(x -> x.get("id").asLong());
        return rules.values().stream().filter(x -> ruleOwner(x).equals(owner)).sorted(order).toList();
    }

    private ObjectNode rule(Req r, String owner) {
        long id = pathId(r, "id");
        return rulesOf(owner).stream().filter(x -> x.get("id").asLong() == id).findFirst().orElseThrow(SimStore::notFound);
    }

    /**
     * ProxyRuleRepresenter (app/representers/proxy_rule_representer.rb): id, metric_id, pattern, http_method, delta,
     * position, last, timestamps and links; the owner is not shown.
     */
    private ObjectNode ruleJson(ObjectNode x) {
        ObjectNode o = J.objectNode();
        copyPresent(x, o, "id", "metric_id", "pattern", "http_method", "delta", "position", "last", "created_at",
                "updated_at");
        long id = x.get("id").asLong();
        long ownerId = x.get("owner_id").asLong();
        if (x.get("owner_type").asText().equals("BackendApi")) {
            links(o, "self", "/admin/api/backend_apis/" + ownerId + "/mapping_rules/" + id,
                    "backend_api", adminUrl("/admin/api/backend_apis/" + ownerId));
        } else {
            links(o, "self", "/admin/api/services/" + ownerId + "/proxy/mapping_rules/" + id,
                    "service", "/admin/api/services/" + ownerId, "proxy", "/admin/api/services/" + ownerId + "/proxy");
        }
        return o;
    }

    /**
     * Mapping rule create (app/controllers/admin/api/services/mapping_rules_controller.rb,
     * backend_apis/mapping_rules_controller.rb): http_method, pattern, delta, last, position, and metric_id looked up
     * among the owner's metrics ({@code service.metrics.find}: an unknown id is a 404); validations of
     * app/models/proxy_rule.rb.
     */
    private Resp createRule(Req r, String owner) {
        ObjectNode metric = r.has("metric_id") ? ruleMetric(r, owner) : null;
        Map<String, List<String>> errs = new LinkedHashMap<>();
        for (String f : List.of("http_method", "pattern")) {
            if (!r.has(f) || r.p(f).isBlank()) {
                errs.put(f, List.of(f.equals("pattern") ? PATTERN_BLANK : "can't be blank"));
            }
        }
        if (metric == null) {
            errs.put("metric_id", List.of("can't be blank"));
        }
        validateRule(r, errs, true);
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        String[] o = owner.split(":");
        ObjectNode x = J.objectNode();
        long id = id();
        x.put("id", id);
        x.put("metric_id", metric.get("id").asLong());
        x.put("pattern", r.p("pattern"));
        x.put("http_method", r.p("http_method"));
        x.put("delta", Integer.parseInt(r.p("delta").trim()));
        int max = rulesOf(owner).stream().mapToInt(y -> y.get("position").asInt()).max().orElse(0);
        Integer position = intOrNull(r.p("position"));
        x.put("position", position != null ? position : max + 1); // acts_as_list add_new_at: :bottom
        x.put("last", r.has("last") && bool(r.p("last")));
        x.put("owner_id", Long.parseLong(o[1]));
        x.put("owner_type", o[0]);
        x.put("created_at", now());
        x.put("updated_at", now());
        rules.put(id, x);
        return created(wrap("mapping_rule", ruleJson(x)));
    }

    private ObjectNode ruleMetric(Req r, String owner) {
        try {
            ObjectNode m = metrics.get(Long.parseLong(r.p("metric_id").trim()));
            if (m != null && owner.equals(metricOwner.get(m.get("id").asLong()))) {
                return m;
            }
        } catch (NumberFormatException e) {
            // ActiveRecord::RecordNotFound as well
        }
        throw notFound();
    }

    /** ProxyRule's message for a blank pattern (config/locales/en.yml proxy_rule.attributes.pattern.blank). */
    private static final String PATTERN_BLANK = "a Mapping Rule can't be empty, has to start with '/' and can only "
            + "contain valid URL characters and\n'wildcards' - words inside curly brackets ('{}')\n";
    /** ... and for an invalid one (proxy_rule.attributes.pattern.invalid). */
    private static final String PATTERN_INVALID = "a Mapping Rule has to start with '/' and can only contain valid "
            + "URL characters and\n'wildcards' - words inside curly brackets ('{}')\n";
    /** ProxyRule::ALLOWED_HTTP_METHODS. */
    private static final Set<String> RULE_METHODS = Set.of("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS");
    /** ProxyRule::PatternParser::ABSOLUTE_PATH: a path of URI characters and {variables}, maybe $, maybe a query. */
    private static final java.util.regex.Pattern RULE_PATTERN;

    static {
        String unreserved = "A-Za-z0-9\\-_.!~*'()";
        String variable = "\\{[_\\w]+\\}";
        String param = "(?:[" + unreserved + ":@&=+,]|%[0-9A-Fa-f]{2}|" + variable + ")*";
        String segment = param + "(?:;" + param + ")*";
        String path = "/" + segment + "(?:/" + segment + ")*";
        String query = "(?:[" + unreserved + ";/?:@&=+$,\\[\\]]|%[0-9A-Fa-f]{2}|[_\\w]+=" + variable + ")*";
        RULE_PATTERN = java.util.regex.Pattern.compile(path + "\\$?(?:\\?" + query + ")?");
    }

    private void validateRule(Req r, Map<String, List<String>> errs, boolean create) {
        if (r.has("http_method") && !r.p("http_method").isBlank() && !RULE_METHODS.contains(r.p("http_method"))) {
            errs.put("http_method", List.of("is not included in the list"));
        }
        if (r.has("pattern") && !r.p("pattern").isBlank()) {
            String pattern = r.p("pattern");
            if (!RULE_PATTERN.matcher(pattern).matches()) {
                errs.put("pattern", List.of(PATTERN_INVALID));
            } else if (pattern.length() > 255) {
                errs.put("pattern", List.of("is too long (maximum is 255 characters)"));
            } else if (repeatedVariables(pattern)) {
                errs.put("pattern", List.of("Can't have repeated variable names"));
            }
        } else if (!create && r.has("pattern")) {
            errs.put("pattern", List.of(PATTERN_BLANK));
        }
        if (r.has("delta") || create) {
            String delta = r.p("delta");
            // numericality: { only_integer: true, greater_than: 0 }
            if (delta == null || !delta.trim().matches("[+-]?\\d+(\\.\\d+)?")) {
                errs.put("delta", List.of("is not a number"));
            } else if (!delta.trim().matches("[+-]?\\d+")) {
                errs.put("delta", List.of("must be an integer"));
            } else if (Long.parseLong(delta.trim()) <= 0) {
                errs.put("delta", List.of("must be greater than 0"));
            }
        }
    }

    private static boolean repeatedVariables(String pattern) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{([_\\w]+)\\}").matcher(pattern);
        Set<String> seen = new java.util.HashSet<>();
        while (m.find()) {
            if (!seen.add(m.group(1))) {
                return true;
            }
        }
        return false;
    }

    private Resp updateRule(Req r, String owner) {
        ObjectNode x = rule(r, owner);
        ObjectNode metric = r.has("metric_id") ? ruleMetric(r, owner) : null;
        Map<String, List<String>> errs = new LinkedHashMap<>();
        if (r.has("http_method") && r.p("http_method").isBlank()) {
            errs.put("http_method", List.of("can't be blank"));
        }
        validateRule(r, errs, false);
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        copy(r, x, "http_method", "pattern");
        if (r.has("delta")) {
            x.put("delta", Integer.parseInt(r.p("delta").trim()));
        }
        if (metric != null) {
            x.put("metric_id", metric.get("id").asLong());
        }
        Integer position = intOrNull(r.p("position"));
        if (position != null) {
            x.put("position", position);
        }
        if (r.has("last")) {
            x.put("last", bool(r.p("last")));
        }
        touch(x);
        return ok(wrap("mapping_rule", ruleJson(x)));
    }

    private Resp deleteRule(Req r, String owner) {
        rules.remove(rule(r, owner).get("id").asLong());
        return okEmpty();
    }

    private static Integer intOrNull(String v) {
        try {
            return v == null || v.isBlank() ? null : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return null;
        }
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
        // the service token: CreateServiceTokenWorker, after the ServiceCreatedEvent of the commit
        later(options.delays().serviceToken(), Work.SERVICE_TOKEN, id);
        return s;
    }

    /** Proxy::PolicyConfig::DEFAULT_POLICY as a stored entry (name, version, configuration, enabled). */
    private static ObjectNode defaultPolicy() {
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
        later(options.delays().purge(), Work.PURGE_SERVICE, id);
        return okEmpty();
    }

    /** Service.background_deletion: plans (with their contracts and applications), ActiveDocs, backend usages, metrics, proxy. */
    private void purgeService(long id) {
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
        rules.values().removeIf(x -> ruleOwner(x).equals("Service:" + id));
        List<Long> ms = metricOwner.entrySet().stream().filter(e -> e.getValue().equals("Service:" + id))
                .map(Map.Entry::getKey).toList();
        ms.forEach(m -> {
            metrics.remove(m);
            metricOwner.remove(m);
        });
    }

    private long sid(Req r) { return service(r, "service_id").get("id").asLong(); }

    /** The application plans' usage limits, on this tenant's plans and metrics (see {@link SimLimits}). */
    private final SimLimits limits = new SimLimits(new SimLimits.Tenant() {
        @Override public long nextId() { return id(); }

        @Override public ObjectNode applicationPlan(long id) { return appPlans.get(id); }

        @Override public boolean metricExists(long metricId) { return metrics.containsKey(metricId); }

        @Override public boolean metricOfProduct(long serviceId, long metricId) {
            String owner = metricOwner.get(metricId);
            return ("Service:" + serviceId).equals(owner) || owner != null && usages.values().stream().anyMatch(u ->
                    u.get("service_id").asLong() == serviceId && owner.equals("BackendApi:" + u.get("backend_id").asLong()));
        }

        @Override public String metricPath(long metricId) {
            ObjectNode m = metrics.get(metricId);
            String owner = ownerPath(metricOwner.get(metricId));
            return m.has("parent_id") ? owner + "/metrics/" + m.get("parent_id").asLong() + "/methods/" + metricId
                    : owner + "/metrics/" + metricId;
        }

        @Override public String adminUrl(String path) { return SimStore.this.adminUrl(path); }
    });

    // ================================================================================================ proxy

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
            apiBackend = privateEndpoint(r.p("api_backend"), backendErrs);
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
        ObjectNode b = newBackend(name + " Backend", s.get("system_name").asText(), "Backend of " + name, endpoint);
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
            chain.add(defaultPolicy());
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

    // ========================================================================================= APIcast configurations

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
        for (ObjectNode rule : rulesOf("Service:" + sid)) {
            proxyRules.add(contentRule(rule, proxyId, proxyId, "Proxy", null, tenant));
        }
        usages.values().stream().filter(u -> u.get("service_id").asLong() == sid)
                .sorted(Comparator.comparingLong(u -> u.get("id").asLong())).forEach(u -> {
                    long bid = u.get("backend_id").asLong();
                    for (ObjectNode rule : rulesOf("BackendApi:" + bid)) {
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
    static String joinPath(String path, String pattern) {
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
    private static String env(Req r) {
        String env = r.path().get("environment");
        return switch (env) {
            case "sandbox", "staging" -> "sandbox";
            case "production" -> "production";
            default -> throw new SimError(error(400, "invalid environment"));
        };
    }

    private List<ObjectNode> configs(long sid, String env) {
        return proxyConfigs.get(sid).get(env).stream().sorted(Comparator.comparingInt(c -> c.get("version").asInt()))
                .toList();
    }

    private ObjectNode config(Req r) {
        List<ObjectNode> list = configs(sid(r), env(r));
        int version;
        try {
            version = Integer.parseInt(r.path().get("version"));
        } catch (NumberFormatException e) {
            throw notFound();
        }
        return list.stream().filter(c -> c.get("version").asInt() == version).findFirst()
                .orElseThrow(SimStore::notFound);
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

    // ================================================================================================ product routes

    /** The routes of products, backends and what is under them (controllers named at each handler). */
    private void productRoutes(String api) {
        // app/controllers/admin/api/backend_apis_controller.rb: accessible backends, oldest first, paginated
        on("GET", api + "/backend_apis", r -> ok(page(r, accessibleBackends().stream().map(this::backendJson).toList(),
                "backend_apis", "backend_api")));
        on("POST", api + "/backend_apis", this::createBackend);
        on("GET", api + "/backend_apis/{id}", r -> ok(wrap("backend_api", backendJson(backend(r, "id")))));
        on("PUT", api + "/backend_apis/{id}", this::updateBackend);
        on("DELETE", api + "/backend_apis/{id}", this::deleteBackend);
        metricRoutes(api + "/backend_apis/{backend_api_id}", true);
        // app/controllers/admin/api/backend_apis/mapping_rules_controller.rb: by id, paginated, updated with PUT
        on("GET", api + "/backend_apis/{backend_api_id}/mapping_rules", r -> ok(page(r,
                rulesOf(backendOwner(r)).stream().map(this::ruleJson).toList(), "mapping_rules", "mapping_rule")));
        on("POST", api + "/backend_apis/{backend_api_id}/mapping_rules", r -> createRule(r, backendOwner(r)));
        on("GET", api + "/backend_apis/{backend_api_id}/mapping_rules/{id}",
                r -> ok(wrap("mapping_rule", ruleJson(rule(r, backendOwner(r))))));
        on("PUT", api + "/backend_apis/{backend_api_id}/mapping_rules/{id}", r -> updateRule(r, backendOwner(r)));
        on("DELETE", api + "/backend_apis/{backend_api_id}/mapping_rules/{id}", r -> deleteRule(r, backendOwner(r)));

        // app/controllers/admin/api/services_controller.rb: accessible products by id, paginated
        on("GET", api + "/services", r -> ok(pageWithMetadata(r,
                accessibleServices().stream().map(this::serviceJson).toList(), "services", "service")));
        on("POST", api + "/services", this::createService);
        on("GET", api + "/services/{id}", r -> ok(wrap("service", serviceJson(service(r, "id")))));
        on("PUT", api + "/services/{id}", this::updateService);
        on("DELETE", api + "/services/{id}", this::deleteService);
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
            return ok(list(configs(sid, env(r)).stream().map(SimStore::configJson).toList(), "proxy_configs",
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

        metricRoutes(api + "/services/{service_id}", false);
        // app/controllers/admin/api/services/mapping_rules_controller.rb: by position, not paginated, PATCH
        on("GET", api + "/services/{service_id}/proxy/mapping_rules",
                r -> ok(list(rulesOf(serviceOwner(r)).stream().map(this::ruleJson).toList(), "mapping_rules",
                        "mapping_rule")));
        on("POST", api + "/services/{service_id}/proxy/mapping_rules", r -> createRule(r, serviceOwner(r)));
        on("GET", api + "/services/{service_id}/proxy/mapping_rules/{id}",
                r -> ok(wrap("mapping_rule", ruleJson(rule(r, serviceOwner(r))))));
        on("PATCH", api + "/services/{service_id}/proxy/mapping_rules/{id}", r -> updateRule(r, serviceOwner(r)));
        on("DELETE", api + "/services/{service_id}/proxy/mapping_rules/{id}", r -> deleteRule(r, serviceOwner(r)));
    }

    // ================================================================================================ product helpers

    /** Later work of porta's background workers: applied at the first request after its moment. */
    private void later(java.time.Duration delay, Work work, long subject) {
        if (delay.isZero() || delay.isNegative()) {
            run(work, subject);
            return;
        }
        pending.add(new Pending(System.nanoTime() + delay.toNanos(), pendingOrder++, work, subject));
    }

    /** The background work porta does after a request, by the worker that does it. */
    private enum Work { SAMPLE_DATA, SERVICE_TOKEN, PURGE_BACKEND, PURGE_SERVICE }

    private void run(Work work, long subject) {
        switch (work) {
            case SAMPLE_DATA -> sampleData(subject);
            case SERVICE_TOKEN -> {
                // CreateServiceTokenWorker, after the ServiceCreatedEvent of the commit
                if (services.containsKey(subject)) {
                    serviceTokens.put(subject, hex(32));
                }
            }
            case PURGE_BACKEND -> purgeBackend(subject);
            case PURGE_SERVICE -> purgeService(subject);
        }
        workDone = true;
    }

    private void runDue(boolean all) {
        while (true) {
            long now = System.nanoTime();
            Optional<Pending> next = pending.stream().filter(p -> all || p.due() - now <= 0)
                    .min(Comparator.comparingLong(Pending::due).thenComparingLong(Pending::order));
            if (next.isEmpty()) {
                return;
            }
            pending.remove(next.get());
            run(next.get().work(), next.get().subject());
        }
    }

    private record Pending(long due, long order, Work work, long subject) {
    }

    /** porta's format of system names (app/lib/system_name.rb validates_system_name): at least two characters. */
    static final java.util.regex.Pattern SYSTEM_NAME = java.util.regex.Pattern.compile("\\w[\\w\\-/_]+");

    /** The system_name's format, and its uniqueness among {@code scope} (objects deleted but not purged count). */
    private static void systemNameValid(String systemName, Collection<ObjectNode> scope, ObjectNode self,
                                        Map<String, List<String>> errs) {
        if (!SYSTEM_NAME.matcher(systemName).matches()) {
            errs.put("system_name", List.of("is invalid"));
        } else if (scope.stream().anyMatch(o -> o != self && systemName.equals(o.path("system_name").asText()))) {
            errs.put("system_name", List.of("has already been taken"));
        }
    }

    /**
     * SystemName#generate_system_name (app/lib/system_name.rb): the given system_name, else the human name
     * {@code .parameterize.underscore}, else {@code <model>_<12 hex digits>}.
     */
    private String systemName(Req r, String humanName, String model) {
        if (r.has("system_name") && !r.p("system_name").isBlank()) {
            return r.p("system_name");
        }
        String slug = humanName == null ? "" : parameterize(humanName);
        return slug.isEmpty() ? model + "_" + hex(6) : slug;
    }

    /** ActiveSupport's {@code parameterize.underscore}: ASCII letters, digits and underscores, words joined by "_". */
    static String parameterize(String s) {
        String ascii = java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFKD).replaceAll("\\p{M}", "")
                .replaceAll("[^\\x00-\\x7F]", "?");
        String p = ascii.replaceAll("(?i)[^a-z0-9\\-_]+", "-").replaceAll("-{2,}", "-").replaceAll("^-|-$", "")
                .toLowerCase(Locale.ROOT);
        return p.replace('-', '_');
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** A refused delete: 403 {@code {"errors":{"base":[...]}}} (app/lib/three_scale/api/responder.rb). */
    private static SimError refusedDelete(String... messages) {
        ObjectNode o = J.objectNode();
        ArrayNode base = o.putObject("errors").putArray("base");
        for (String m : messages) {
            base.add(m);
        }
        return new SimError(new Resp(403, o));
    }

    /**
     * A page of a collection whose representer is a {@code wraps_collection} one (ServicesRepresenter,
     * MetricsRepresenter, MethodsRepresenter): {@code ThreeScale::Api::Collection#to_json}
     * (app/lib/three_scale/api/collection.rb) adds {@code "metadata"} (per_page, total_entries, total_pages,
     * current_page) when there is more than one page.
     */
    private static ObjectNode pageWithMetadata(Req r, List<ObjectNode> items, String listKey, String itemKey) {
        ObjectNode o = page(r, items, listKey, itemKey);
        int perPage = intParam(r, "per_page", 500);
        if (perPage < 1 || perPage > 500) {
            perPage = 500;
        }
        if (perPage < items.size()) {
            ObjectNode m = o.putObject("metadata");
            m.put("per_page", perPage);
            m.put("total_entries", items.size());
            m.put("total_pages", (items.size() + perPage - 1) / perPage);
            m.put("current_page", Math.max(1, intParam(r, "page", 1)));
        }
        return o;
    }

    /** Roar's hypermedia links: {@code "links":[{"rel":..,"href":..}]}. */
    private static void links(ObjectNode o, String... relHref) {
        ArrayNode links = o.putArray("links");
        for (int i = 0; i < relHref.length; i += 2) {
            ObjectNode l = links.addObject();
            l.put("rel", relHref[i]);
            l.put("href", relHref[i + 1]);
        }
    }

    private String adminUrl(String path) { return provider.get("admin_base_url").asText() + path; }

    /** Copies the fields that are present and not null (representers leave nil properties out). */
    private static void copyPresent(ObjectNode from, ObjectNode to, String... fields) {
        for (String f : fields) {
            JsonNode v = from.get(f);
            if (v != null && !v.isNull()) {
                to.set(f, v.deepCopy());
            }
        }
    }

    /** Copies the fields, null when absent (as_json keeps nil attributes). */
    private static void copyOrNull(ObjectNode from, ObjectNode to, String... fields) {
        for (String f : fields) {
            JsonNode v = from.get(f);
            to.set(f, v == null ? J.nullNode() : v.deepCopy());
        }
    }

    private static void putIdOrNull(ObjectNode o, String field, Optional<ObjectNode> of) {
        if (of.isPresent()) {
            o.put(field, of.get().get("id").asLong());
        } else {
            o.putNull(field);
        }
    }

    private static String hostOf(String url) {
        try {
            return url == null ? null : new URI(url).getHost();
        } catch (Exception e) {
            return null;
        }
    }

    /** Proxy#endpoint_port: the endpoint's port, 80 when it cannot be read. */
    private static int portOf(String url) {
        try {
            URI u = new URI(url);
            int port = u.getPort();
            return port != -1 ? port : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
        } catch (Exception e) {
            return 80;
        }
    }

    /** Proxy::PortGenerator: the scheme's default port written out. */
    private static String withDefaultPort(String value) {
        try {
            URI uri = new URI(value);
            if (uri.getPort() != -1 || uri.getHost() == null) {
                return value;
            }
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            int port = scheme.equals("https") || scheme.equals("wss") ? 443 : 80;
            return scheme + "://" + uri.getRawAuthority() + ":" + port + (uri.getRawPath() == null ? "" : uri.getRawPath());
        } catch (Exception e) {
            return value;
        }
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

    /**
     * porta app/controllers/admin/api/signups_controller.rb#create (Signup::DeveloperAccountManager): a buyer
     * account ({@code org_name}, "can't be blank" without it) and its admin user (app/models/user.rb: a
     * {@code username} of 3 to 40 characters; the email's format and the password are not checked for this
     * "minimal" signup), answered 201 with the account. Its contracts are the
     * plans given ({@code application_plan_id}, {@code service_plan_id}) and, for every product without one of them,
     * the product's default service plan and then its default application plan (app/lib/signup/
     * plans_with_defaults.rb; the application is named and described "API signup": signups_controller.rb#defaults).
     * The account is approved: the sample data's default account plan requires no approval
     * (app/models/account/states.rb#upgrade_state!).
     */
    private Resp signup(Req r) {
        Map<String, List<String>> errs = new LinkedHashMap<>();
        blank(r, errs, "org_name", "username");
        String username = r.p("username");
        if (username != null && !username.isBlank() && (username.length() < 3 || username.length() > 40)) {
            errs.put("username", List.of(username.length() < 3 ? "is too short (minimum is 3 characters)"
                    : "is too long (maximum is 40 characters)"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        ObjectNode plan = null;
        if (r.has("application_plan_id")) {
            try {
                plan = appPlans.get(Long.parseLong(r.p("application_plan_id")));
            } catch (NumberFormatException e) {
                plan = null;
            }
            if (plan == null) {
                throw notFound(); // signups_controller.rb#check_creation_errors: RecordNotFound on a plans error
            }
        }
        ObjectNode a = accounts.get(addDeveloperAccount(r.p("org_name")).get("id").asLong());
        long aid = a.get("id").asLong();
        if (plan != null) {
            newApplication(aid, plan, "API signup", "API signup");
        }
        for (long sid : new ArrayList<>(services.keySet())) {
            long product = sid;
            if (plan != null && plan.get("service_id").asLong() == product) {
                continue;
            }
            Optional<ObjectNode> defaultService = servicePlansOf(product).stream()
                    .filter(x -> x.path("default").asBoolean()).findFirst();
            if (defaultService.isEmpty()) {
                continue; // plans_with_defaults.rb#add_default_plans_to_service: no application plan without it
            }
            newContract(aid, defaultService.get());
            appPlans.values().stream().filter(x -> x.get("service_id").asLong() == product
                    && x.path("default").asBoolean()).findFirst()
                    .ifPresent(p -> newApplication(aid, p, "API signup", "API signup"));
        }
        return created(wrap("account", accountView(a)));
    }

    /**
     * porta app/controllers/admin/api/accounts_controller.rb#destroy: {@code buyer_account.destroy}, and with it
     * (app/models/account/buyer_methods.rb: {@code has_many :contracts, dependent: :destroy}) its contracts, the
     * applications among them.
     */
    private void deleteAccount(long id) {
        applications.values().removeIf(a -> a.get("account_id").asLong() == id);
        contracts.values().removeIf(c -> c.get("user_account_id").asLong() == id);
        accounts.remove(id);
    }

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
                ? titleParameterize(title) : systemName);
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
                    : title == null ? null : titleParameterize(title);
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
                    : titleParameterize(title);
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
                t.put("system_name", titleParameterize(title));
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
    static String titleParameterize(String s) {
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

    /** policies_controller.rb find_policy: by id, or by identifier {@code <name>-<version>} (policy.rb). */
    private ObjectNode registryPolicy(Req r) {
        String id = r.path().get("id");
        return registry.values().stream().filter(p -> p.get("id").asText().equals(id)
                        || (p.get("name").asText() + "-" + p.get("version").asText()).equals(id))
                .findFirst().orElseThrow(SimStore::notFound);
    }

    /** An accessible backend: one marked deleted is not found (backend_apis.accessible.find). */
    private ObjectNode backend(Req r, String param) {
        ObjectNode b = find(backends, r, param);
        if (deletedBackends.contains(b.get("id").asLong())) {
            throw notFound();
        }
        return b;
    }

    /** An accessible product: one marked deleted is not found (accessible_services.find). */
    private ObjectNode service(Req r, String param) {
        ObjectNode s = find(services, r, param);
        if ("deleted".equals(s.path("state").asText())) {
            throw notFound();
        }
        return s;
    }

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

    // ================================================================================================ state on disk

    /** The format of {@link #state()}. */
    static final int STATE_FORMAT = 1;

    /** Runs the background work whose moment has come. */
    synchronized void runDueWork() {
        runDue(false);
    }

    /** Whether background work changed the tenant since the last call (so that its state is saved again). */
    synchronized boolean takeWorkDone() {
        boolean done = workDone;
        workDone = false;
        return done;
    }

    /**
     * Everything the tenant holds, as JSON: every object with its id, the id sequence, the provider account, the
     * service tokens, proxy configs and policy chains, CMS files with their content, and the background work still to
     * come with the wall-clock moment it is due. Serialize it before the store changes again (it shares the store's
     * nodes).
     */
    synchronized byte[] state() {
        ObjectNode s = J.objectNode();
        s.put("format", STATE_FORMAT);
        s.put("baseUrl", baseUrl);
        s.put("sequence", sequence);
        s.put("pendingOrder", pendingOrder);
        s.set("provider", provider);
        ObjectNode collections = s.putObject("collections");
        stateCollections().forEach((name, m) -> {
            ObjectNode o = collections.putObject(name);
            m.forEach((id, n) -> o.set(String.valueOf(id), n));
        });
        ObjectNode chains = s.putObject("policyChains");
        policyChains.forEach((id, c) -> chains.set(String.valueOf(id), c));
        ObjectNode configs = s.putObject("proxyConfigs");
        proxyConfigs.forEach((id, byEnv) -> {
            ObjectNode e = configs.putObject(String.valueOf(id));
            byEnv.forEach((env, list) -> list.forEach(e.withArray(env)::add));
        });
        ObjectNode tokens = s.putObject("serviceTokens");
        serviceTokens.forEach((id, t) -> tokens.put(String.valueOf(id), t));
        ObjectNode owners = s.putObject("metricOwner");
        metricOwner.forEach((id, o) -> owners.put(String.valueOf(id), o));
        ArrayNode deleted = s.putArray("deletedBackends");
        deletedBackends.stream().sorted().forEach(deleted::add);
        ObjectNode contents = s.putObject("fileContents");
        fileContents.forEach((id, u) -> contents.putObject(String.valueOf(id)).put("filename", u.filename())
                .put("contentType", u.contentType()).put("content", java.util.Base64.getEncoder()
                        .encodeToString(u.content())));
        ObjectNode rejected = s.putObject("rejectedTemplates");
        rejectedTemplates.forEach(rejected::put);
        ArrayNode work = s.putArray("pending");
        long nanos = System.nanoTime();
        long millis = System.currentTimeMillis();
        pending.stream().sorted(Comparator.comparingLong(Pending::order)).forEach(p -> work.addObject()
                .put("work", p.work().name()).put("subject", p.subject()).put("order", p.order())
                .put("dueAt", millis + Math.max(0, (p.due() - nanos) / 1_000_000)));
        try {
            return MAPPER.writeValueAsBytes(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the simulator's state is not JSON", e);
        }
    }

    /**
     * Replaces everything the tenant holds with a {@link #state()} (the simulator resumes it). Background work
     * whose moment passed while the simulator was stopped is due at once. A state saved on another port has its
     * CMS file URLs moved to this one.
     *
     * @throws IllegalArgumentException when it is not a state of this format
     */
    synchronized void restore(JsonNode s) {
        if (s == null || s.path("format").asInt() != STATE_FORMAT) {
            throw new IllegalArgumentException("not a 3scale simulator state of format " + STATE_FORMAT);
        }
        sequence = s.path("sequence").asLong();
        pendingOrder = s.path("pendingOrder").asLong();
        provider.removeAll();
        provider.setAll((ObjectNode) s.path("provider"));
        stateCollections().forEach((name, m) -> {
            m.clear();
            s.path("collections").path(name).properties()
                    .forEach(e -> m.put(Long.parseLong(e.getKey()), (ObjectNode) e.getValue().deepCopy()));
        });
        policyChains.clear();
        s.path("policyChains").properties()
                .forEach(e -> policyChains.put(Long.parseLong(e.getKey()), (ArrayNode) e.getValue().deepCopy()));
        proxyConfigs.clear();
        s.path("proxyConfigs").properties().forEach(e -> {
            Map<String, List<ObjectNode>> byEnv = new LinkedHashMap<>();
            e.getValue().properties().forEach(env -> {
                List<ObjectNode> list = new ArrayList<>();
                env.getValue().forEach(c -> list.add((ObjectNode) c.deepCopy()));
                byEnv.put(env.getKey(), list);
            });
            proxyConfigs.put(Long.parseLong(e.getKey()), byEnv);
        });
        serviceTokens.clear();
        s.path("serviceTokens").properties()
                .forEach(e -> serviceTokens.put(Long.parseLong(e.getKey()), e.getValue().asText()));
        metricOwner.clear();
        s.path("metricOwner").properties()
                .forEach(e -> metricOwner.put(Long.parseLong(e.getKey()), e.getValue().asText()));
        deletedBackends.clear();
        s.path("deletedBackends").forEach(id -> deletedBackends.add(id.asLong()));
        fileContents.clear();
        s.path("fileContents").properties().forEach(e -> fileContents.put(Long.parseLong(e.getKey()),
                new Upload(e.getValue().path("filename").asText(), e.getValue().path("contentType").asText(),
                        java.util.Base64.getDecoder().decode(e.getValue().path("content").asText()))));
        rejectedTemplates.clear();
        s.path("rejectedTemplates").properties().forEach(e -> rejectedTemplates.put(e.getKey(), e.getValue().asText()));
        pending.clear();
        long nanos = System.nanoTime();
        long millis = System.currentTimeMillis();
        for (JsonNode p : s.path("pending")) {
            long wait = Math.max(0, p.path("dueAt").asLong() - millis);
            pending.add(new Pending(nanos + wait * 1_000_000, p.path("order").asLong(),
                    Work.valueOf(p.path("work").asText()), p.path("subject").asLong()));
        }
        String savedBase = s.path("baseUrl").asText(baseUrl);
        if (!savedBase.equals(baseUrl)) {
            for (ObjectNode f : files.values()) {
                String url = f.path("url").asText("");
                if (url.startsWith(savedBase + FILE_PREFIX)) {
                    f.put("url", baseUrl + url.substring(savedBase.length()));
                }
            }
        }
        workDone = false;
    }

    /** The collections of objects by id, by their name in {@link #state()}. */
    private Map<String, Map<Long, ObjectNode>> stateCollections() {
        Map<String, Map<Long, ObjectNode>> m = new LinkedHashMap<>();
        m.put("backend_apis", backends);
        m.put("services", services);
        m.put("proxies", proxies);
        m.put("metrics", metrics);
        m.put("mapping_rules", rules);
        m.put("backend_usages", usages);
        m.put("application_plans", appPlans);
        m.put("service_plans", servicePlans);
        m.put("accounts", accounts);
        m.put("applications", applications);
        m.put("service_subscriptions", contracts);
        m.put("authentication_providers", ssoProviders);
        m.put("registry", registry);
        m.put("cms_sections", sections);
        m.put("cms_templates", templates);
        m.put("cms_files", files);
        m.put("active_docs", activeDocs);
        m.put("usage_limits", limits.table());
        return m;
    }
}
