package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.maas.installer.sandbox.threescale.SimStore.Req;

import static dev.maas.installer.sandbox.threescale.SimSupport.*;

/**
 * A part of the simulated tenant: the handlers of one resource family. Every part works on the one {@link SimState}
 * (its collections are here under their own names) and reaches the other parts through it.
 */
abstract class SimPart {
    final SimState st;
    final SimulatorOptions options;
    final String baseUrl;
    final Map<String, Handler> routes;
    final ObjectNode provider;
    final Map<Long, ObjectNode> backends;
    final Set<Long> deletedBackends;
    final Map<Long, ObjectNode> services;
    final Map<Long, String> serviceTokens;
    final Map<Long, ObjectNode> proxies;
    final Map<Long, ArrayNode> policyChains;
    final Map<Long, Map<String, List<ObjectNode>>> proxyConfigs;
    final Map<Long, ObjectNode> metrics;
    final Map<Long, String> metricOwner;
    final Map<Long, ObjectNode> rules;
    final Map<Long, ObjectNode> usages;
    final Map<Long, ObjectNode> appPlans;
    final Map<Long, ObjectNode> servicePlans;
    final Map<Long, ObjectNode> accounts;
    final Map<Long, ObjectNode> applications;
    final Map<Long, ObjectNode> contracts;
    final Map<Long, ObjectNode> ssoProviders;
    final Map<Long, ObjectNode> registry;
    final Map<Long, ObjectNode> sections;
    final Map<Long, ObjectNode> templates;
    final Map<Long, ObjectNode> files;
    final Map<Long, ObjectNode> activeDocs;
    final Map<Long, SimStore.Upload> fileContents;
    final Map<String, String> rejectedTemplates;

    SimPart(SimState st) {
        this.st = st;
        options = st.options;
        baseUrl = st.baseUrl;
        routes = st.routes;
        provider = st.provider;
        backends = st.backends;
        deletedBackends = st.deletedBackends;
        services = st.services;
        serviceTokens = st.serviceTokens;
        proxies = st.proxies;
        policyChains = st.policyChains;
        proxyConfigs = st.proxyConfigs;
        metrics = st.metrics;
        metricOwner = st.metricOwner;
        rules = st.rules;
        usages = st.usages;
        appPlans = st.appPlans;
        servicePlans = st.servicePlans;
        accounts = st.accounts;
        applications = st.applications;
        contracts = st.contracts;
        ssoProviders = st.ssoProviders;
        registry = st.registry;
        sections = st.sections;
        templates = st.templates;
        files = st.files;
        activeDocs = st.activeDocs;
        fileContents = st.fileContents;
        rejectedTemplates = st.rejectedTemplates;
    }

    AccountsApi accountsApi() { return st.accountsApi; }

    ProductsApi productsApi() { return st.productsApi; }

    ActiveDocsApi activeDocsApi() { return st.activeDocsApi; }

    MetricsApi metricsApi() { return st.metricsApi; }

    ProxiesApi proxiesApi() { return st.proxiesApi; }

    PlansApi plansApi() { return st.plansApi; }

    ApplicationsApi applicationsApi() { return st.applicationsApi; }

    SsoApi ssoApi() { return st.ssoApi; }

    RegistryApi registryApi() { return st.registryApi; }

    CmsApi cmsApi() { return st.cmsApi; }

    BackgroundWork work() { return st.work; }

    long id() { return st.id(); }

    String hex(int bytes) { return st.hex(bytes); }

    void on(String method, String template, Handler h) {
        routes.put(method + " " + template, h);
    }

    long sid(Req r) { return service(r, "service_id").get("id").asLong(); }

    String adminUrl(String path) { return provider.get("admin_base_url").asText() + path; }

    ObjectNode account(Req r, String param) { return find(accounts, r, param); }

    /** An accessible backend: one marked deleted is not found (backend_apis.accessible.find). */
    ObjectNode backend(Req r, String param) {
        ObjectNode b = find(backends, r, param);
        if (deletedBackends.contains(b.get("id").asLong())) {
            throw notFound();
        }
        return b;
    }

    /** An accessible product: one marked deleted is not found (accessible_services.find). */
    ObjectNode service(Req r, String param) {
        ObjectNode s = find(services, r, param);
        if ("deleted".equals(s.path("state").asText())) {
            throw notFound();
        }
        return s;
    }

    /**
     * SystemName#generate_system_name (app/lib/system_name.rb): the given system_name, else the human name
     * {@code .parameterize.underscore}, else {@code <model>_<12 hex digits>}.
     */
    String systemName(Req r, String humanName, String model) {
        if (r.has("system_name") && !r.p("system_name").isBlank()) {
            return r.p("system_name");
        }
        String slug = humanName == null ? "" : parameterize(humanName);
        return slug.isEmpty() ? model + "_" + hex(6) : slug;
    }

    /**
     * The system name of a new object (porta app/lib/system_name.rb): the given one, else made from the name
     * ({@code name.parameterize.underscore}); either must match {@code \A\w[\w\-/_]+\z}, two characters at least
     * ({@code {"errors":{"system_name":["is invalid"]}}} 422), e.g. a product named "X" without a system name.
     */
    static String systemName(Req r, String name) {
        String sn = r.has("system_name") && !r.p("system_name").isBlank() ? r.p("system_name")
                : name == null || name.isBlank() ? null : slug(name);
        if (sn != null && !SYSTEM_NAME.matcher(sn).matches()) {
            throw unprocessable("system_name", "is invalid");
        }
        return sn;
    }

    ObjectNode link(ArrayNode links, String rel, String path) {
        links.addObject().put("rel", rel).put("href", provider.get("admin_base_url").asText() + path);
        return null;
    }
}
