package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.maas.installer.sandbox.threescale.SimSupport.*;

/**
 * The simulated tenant: its entry points. Its state is one {@link SimState}; its behaviour is in parts by resource
 * family ({@link SimPart}: accounts, products, metrics, plans, proxies, applications, SSO, registry, CMS, background
 * work). Everything the specs do not say follows porta (3scale/porta):
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
 *       ({@link ProductsApi}, {@link MetricsApi}, {@link ProxiesApi}); the work porta leaves to background workers (service tokens, sample data, the purge
 *       of deleted products and backends) takes effect after {@link SimulatorOptions#delays()}.</li>
 * </ul>
 */
public final class SimStore extends SimPart {

    static final String FILE_PREFIX = "/sim-cms-files/";

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

    SimStore(SimulatorOptions options, String baseUrl) {
        super(new SimState(options, baseUrl));
        registerRoutes();
        cmsApi().seedCms();
        if (options.sampleData()) {
            work().seedSample();
        }
    }

    /**
     * For tests: creating or updating the template with this system name (or page path) answers 422 with
     * {@code {"errors":{"draft":[message]}}}, as porta does when a template fails its validations. A null message
     * accepts it again.
     */
    public synchronized void rejectTemplate(String systemNameOrPath, String message) {
        cmsApi().rejectTemplate(systemNameOrPath, message);
    }

    /** Adds a developer (buyer) account; for tests and the sandbox. */
    public synchronized ObjectNode addDeveloperAccount(String orgName) {
        return accountsApi().addDeveloperAccount(orgName);
    }

    /**
     * The developer portal's new application page ({@code GET /admin/applications/new}) for a developer of that
     * account, signed in: the plan it shows, or porta's redirect or 404 ({@link DeveloperPortalApps}).
     * {@code params}: Rails' names, e.g. {@code service_id} and {@code application[plan_id]}.
     */
    public synchronized DeveloperPortalApps.Answer portalNewApplication(long accountId, Map<String, String> params) {
        work().runDue(false);
        return new DeveloperPortalApps(st).newPage(accountId, params);
    }

    /**
     * The developer portal's new application form sent ({@code POST /admin/applications}) by a developer of that
     * account: the application created on the plan porta gives it, or the form's errors ({@link DeveloperPortalApps}).
     */
    public synchronized DeveloperPortalApps.Answer portalCreateApplication(long accountId, Map<String, String> params) {
        work().runDue(false);
        return new DeveloperPortalApps(st).create(accountId, params);
    }

    /** Registers a custom policy in the registry, as the operator does for a CustomPolicyDefinition. */
    public synchronized ObjectNode addRegistryPolicy(String name, String version, JsonNode schema) {
        return registryApi().addRegistryPolicy(name, version, schema);
    }

    /** Updates a registry policy as porta does ({@link RegistryApi#updateRegistryPolicy}); porta's errors by field. */
    public synchronized Map<String, List<String>> updateRegistryPolicy(long id, String name, String version,
                                                                     JsonNode schema) {
        return registryApi().updateRegistryPolicy(id, name, version, schema);
    }

    /** The policies in the registry (copies). */
    public synchronized List<ObjectNode> registryPolicies() {
        return registryApi().registryPolicies();
    }

    /** The developer portal's answer for a path ({@link CmsApi#portal}). */
    public synchronized PortalResponse portal(String path) {
        return cmsApi().portal(path);
    }

    /** Everything the tenant holds, as JSON ({@link SimState#state()}). */
    synchronized byte[] state() {
        return st.state();
    }

    /** Replaces everything the tenant holds with a {@link #state()} ({@link SimState#restore}). */
    synchronized void restore(JsonNode s) {
        st.restore(s);
    }

    /** A read-only snapshot of a collection, for tests: backends, services, metrics, rules, usages, ... */
    public synchronized List<ObjectNode> snapshot(String collection) {
        work().runDue(false);
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
            case "usage_limits" -> st.limits.table();
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
        work().runDue(true);
    }

    /** Whether porta has made the product's service token yet (see {@link AsyncDelays#serviceToken()}). */
    public synchronized boolean hasServiceToken(long serviceId) {
        work().runDue(false);
        return serviceTokens.containsKey(serviceId);
    }

    /**
     * The 3scale backend's authrep for a user key of a product with a usage by metric system name
     * ({@link SimBackend#authrep}): authorized and counted, or refused with apisonator's status and error code.
     */
    public synchronized SimBackend.Authorization authrep(long serviceId, String userKey, Map<String, Long> usage) {
        work().runDue(false);
        return st.backend.authrep(serviceId, userKey, usage);
    }

    /** The 3scale backend's report of a usage for a user key of a product ({@link SimBackend#report}). */
    public synchronized void report(long serviceId, String userKey, Map<String, Long> usage) {
        st.backend.report(serviceId, userKey, usage);
    }

    /** The clock of the 3scale backend's counters and periods (tests move it instead of waiting). */
    public synchronized void useBackendClock(java.time.Clock clock) {
        st.backend.useClock(clock);
    }

    /**
     * What the 3scale backend counted of a metric (by system name) of a product from {@code from} (inclusive) to
     * {@code to} (exclusive, at minute precision): of one application, or of all when {@code applicationId} is null.
     * 0 for a metric the product does not have.
     */
    public synchronized long counted(long serviceId, Long applicationId, String metric, java.time.Instant from,
                                     java.time.Instant to) {
        Long id = st.metrics.entrySet().stream().filter(e -> ("Service:" + serviceId).equals(
                        st.metricOwner.get(e.getKey())) && metric.equals(e.getValue().path("system_name").asText()))
                .map(Map.Entry::getKey).findFirst().orElse(null);
        if (id == null) {
            return 0;
        }
        return st.backend.series(serviceId, applicationId, id, from, to, "minute").stream()
                .mapToLong(Long::longValue).sum();
    }

    /** The 3scale backend's clock now. */
    public synchronized java.time.Instant backendNow() {
        return st.backend.now();
    }

    /** The reports the 3scale backend dropped, by reason (apisonator's service errors). */
    public synchronized List<String> backendErrors() {
        return st.backend.errors();
    }

    /** The policy chain of a product (a copy; empty when it has none). */
    public synchronized ArrayNode policyChain(long serviceId) {
        ArrayNode chain = policyChains.get(serviceId);
        return chain == null ? J.arrayNode() : chain.deepCopy();
    }

    /** The APIcast config versions of a product in an environment. */
    public synchronized List<ObjectNode> configsOf(long serviceId, String env) {
        work().runDue(false);
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

    // ======================================================================================================== dispatch

    synchronized Resp handle(Req r) {
        work().runDue(false);
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

    private void registerRoutes() {
        String api = "/admin/api";
        accountsApi().routes(api);
        productsApi().routes(api);
        metricsApi().routes(api);
        proxiesApi().routes(api);
        activeDocsApi().routes(api);
        plansApi().routes(api);
        applicationsApi().routes(api);
        ssoApi().routes(api);
        registryApi().routes(api);
        cmsApi().cmsRoutes(api + "/cms");
        new SimStats(st).routes();
    }

    /** What the developer portal answers for a path: status, Content-Type header and body. */
    public record PortalResponse(int status, String contentType, byte[] body) { }

    /** Runs the background work whose moment has come. */
    synchronized void runDueWork() {
        work().runDue(false);
    }

    /** Whether background work changed the tenant since the last call (so that its state is saved again). */
    synchronized boolean takeWorkDone() {
        boolean done = st.workDone;
        st.workDone = false;
        return done;
    }
}
