package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.maas.installer.sandbox.threescale.SimStore.Upload;

import static dev.maas.installer.sandbox.threescale.SimSupport.*;

/**
 * Everything the simulated tenant holds, shared by its parts ({@link SimPart}): the provider account, the collections
 * of objects by id, the id sequence, the background work to come; its state on disk ({@link #state()}).
 */
final class SimState {
    final SimulatorOptions options;
    final String baseUrl;
    final Map<String, Handler> routes = new HashMap<>();
    final SecureRandom secure = new SecureRandom();
    long sequence = 2;

    final ObjectNode provider;
    final Map<Long, ObjectNode> backends = new LinkedHashMap<>();
    /** Backends marked deleted, gone from the API, not yet purged. */
    final Set<Long> deletedBackends = new java.util.HashSet<>();
    final Map<Long, ObjectNode> services = new LinkedHashMap<>();
    /** Service tokens by product, made a moment after the product (CreateServiceTokenWorker). */
    final Map<Long, String> serviceTokens = new HashMap<>();
    /** Effects of porta's background workers, applied at the first request after their moment. */
    final List<BackgroundWork.Pending> pending = new ArrayList<>();
    long pendingOrder;
    final Map<Long, ObjectNode> proxies = new LinkedHashMap<>();
    final Map<Long, ArrayNode> policyChains = new LinkedHashMap<>();
    final Map<Long, Map<String, List<ObjectNode>>> proxyConfigs = new LinkedHashMap<>();
    final Map<Long, ObjectNode> metrics = new LinkedHashMap<>();
    final Map<Long, String> metricOwner = new HashMap<>();
    final Map<Long, ObjectNode> rules = new LinkedHashMap<>();
    final Map<Long, ObjectNode> usages = new LinkedHashMap<>();
    final Map<Long, ObjectNode> appPlans = new LinkedHashMap<>();
    final Map<Long, ObjectNode> servicePlans = new LinkedHashMap<>();
    final Map<Long, ObjectNode> accounts = new LinkedHashMap<>();
    final Map<Long, ObjectNode> applications = new LinkedHashMap<>();
    final Map<Long, ObjectNode> contracts = new LinkedHashMap<>();
    final Map<Long, ObjectNode> ssoProviders = new LinkedHashMap<>();
    final Map<Long, ObjectNode> registry = new LinkedHashMap<>();
    final Map<Long, ObjectNode> sections = new LinkedHashMap<>();
    final Map<Long, ObjectNode> templates = new LinkedHashMap<>();
    final Map<Long, ObjectNode> files = new LinkedHashMap<>();
    final Map<Long, ObjectNode> activeDocs = new LinkedHashMap<>();
    final Map<Long, Upload> fileContents = new HashMap<>();
    /** Template system names or page paths whose create/update answers 422 (see {@link #rejectTemplate}). */
    final Map<String, String> rejectedTemplates = new HashMap<>();
    /** Whether background work ran since {@link #takeWorkDone()} (the state changed outside a write). */
    boolean workDone;

    final AccountsApi accountsApi;
    final ProductsApi productsApi;
    final ActiveDocsApi activeDocsApi;
    final MetricsApi metricsApi;
    final ProxiesApi proxiesApi;
    final PlansApi plansApi;
    final ApplicationsApi applicationsApi;
    final SsoApi ssoApi;
    final RegistryApi registryApi;
    final CmsApi cmsApi;
    /** The application plans' usage limits, on this tenant's plans and metrics (see {@link SimLimits}). */
    final SimLimits limits;
    final BackgroundWork work;
    /** The tenant's 3scale backend: authorizations, reports, counters (see {@link SimBackend}). */
    final SimBackend backend;

    SimState(SimulatorOptions options, String baseUrl) {
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
        accountsApi = new AccountsApi(this);
        productsApi = new ProductsApi(this);
        activeDocsApi = new ActiveDocsApi(this);
        metricsApi = new MetricsApi(this);
        proxiesApi = new ProxiesApi(this);
        plansApi = new PlansApi(this);
        applicationsApi = new ApplicationsApi(this);
        ssoApi = new SsoApi(this);
        registryApi = new RegistryApi(this);
        cmsApi = new CmsApi(this);
        work = new BackgroundWork(this);
        limits = new SimLimits(new SimLimits.Tenant() {
            @Override public long nextId() { return id(); }

            @Override public ObjectNode applicationPlan(long id) { return appPlans.get(id); }

            @Override public boolean metricExists(long metricId) { return metrics.containsKey(metricId); }

            @Override public boolean metricOfProduct(long serviceId, long metricId) {
                String owner = metricOwner.get(metricId);
                return ("Service:" + serviceId).equals(owner) || owner != null && usages.values().stream().anyMatch(
                        u -> u.get("service_id").asLong() == serviceId
                                && owner.equals("BackendApi:" + u.get("backend_id").asLong()));
            }

            @Override public String metricPath(long metricId) {
                ObjectNode m = metrics.get(metricId);
                String owner = MetricsApi.ownerPath(metricOwner.get(metricId));
                return m.has("parent_id") ? owner + "/metrics/" + m.get("parent_id").asLong() + "/methods/" + metricId
                        : owner + "/metrics/" + metricId;
            }

            @Override public String adminUrl(String path) { return provider.get("admin_base_url").asText() + path; }
        });
        backend = new SimBackend(this);
    }

    synchronized long id() { return sequence++; }

    String hex(int bytes) {
        byte[] b = new byte[bytes];
        secure.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    // =================================================================================================== state on disk

    /** The format of {@link #state()}. */
    static final int STATE_FORMAT = 1;

    /**
     * Everything the tenant holds, as JSON: every object with its id, the id sequence, the provider account, the
     * service tokens, proxy configs and policy chains, CMS files with their content, and the background work still to
     * come with the wall-clock moment it is due. Serialize it before the store changes again (it shares the store's
     * nodes).
     */
    byte[] state() {
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
        s.set("backend", backend.state());
        ObjectNode rejected = s.putObject("rejectedTemplates");
        rejectedTemplates.forEach(rejected::put);
        ArrayNode work = s.putArray("pending");
        long nanos = System.nanoTime();
        long millis = System.currentTimeMillis();
        pending.stream().sorted(Comparator.comparingLong(BackgroundWork.Pending::order)).forEach(p -> work.addObject()
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
    void restore(JsonNode s) {
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
        backend.restore(s.path("backend"));
        rejectedTemplates.clear();
        s.path("rejectedTemplates").properties().forEach(e -> rejectedTemplates.put(e.getKey(), e.getValue().asText()));
        pending.clear();
        long nanos = System.nanoTime();
        long millis = System.currentTimeMillis();
        for (JsonNode p : s.path("pending")) {
            long wait = Math.max(0, p.path("dueAt").asLong() - millis);
            pending.add(new BackgroundWork.Pending(nanos + wait * 1_000_000, p.path("order").asLong(),
                    BackgroundWork.Work.valueOf(p.path("work").asText()), p.path("subject").asLong()));
        }
        String savedBase = s.path("baseUrl").asText(baseUrl);
        if (!savedBase.equals(baseUrl)) {
            for (ObjectNode f : files.values()) {
                String url = f.path("url").asText("");
                if (url.startsWith(savedBase + SimStore.FILE_PREFIX)) {
                    f.put("url", baseUrl + url.substring(savedBase.length()));
                }
            }
        }
        workDone = false;
    }

    /** The collections of objects by id, by their name in {@link #state()}. */
    Map<String, Map<Long, ObjectNode>> stateCollections() {
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
