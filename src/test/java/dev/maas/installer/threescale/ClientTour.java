package dev.maas.installer.threescale;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import dev.maas.installer.threescale.model.Account;
import dev.maas.installer.threescale.model.ActiveDoc;
import dev.maas.installer.threescale.model.Application;
import dev.maas.installer.threescale.model.ApplicationPlan;
import dev.maas.installer.threescale.model.AuthenticationProvider;
import dev.maas.installer.threescale.model.BackendApi;
import dev.maas.installer.threescale.model.BackendUsage;
import dev.maas.installer.threescale.model.CmsFile;
import dev.maas.installer.threescale.model.CmsSection;
import dev.maas.installer.threescale.model.CmsTemplate;
import dev.maas.installer.threescale.model.MappingRule;
import dev.maas.installer.threescale.model.Metric;
import dev.maas.installer.threescale.model.PolicyConfig;
import dev.maas.installer.threescale.model.ProxyConfig;
import dev.maas.installer.threescale.model.Service;
import dev.maas.installer.threescale.model.ServicePlan;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Calls every public method of the client once (test helper for the conformance and secrecy tests). */
final class ClientTour {
    private ClientTour() {
    }

    static void run(ThreescaleClient c, ThreescaleSimulator sim, boolean subscriptions) {
        ObjectMapper json = new ObjectMapper();
        sim.store().addRegistryPolicy("remove-bearer", "0.1", json.createObjectNode());

        sim.store().completePendingWork(); // the tenant's sample data (a developer account)
        Tenant t = c.tenant();
        t.provider();
        t.updateProvider(Map.of("site_access_code", ""));
        AuthenticationProvider sso = t.createAuthenticationProvider("keycloak", Map.of("client_id", "3scale",
                "client_secret", "tour-client-secret-value", "site", "https://sso.example.com/auth/realms/maas",
                "published", "true", "automatically_approve_accounts", "true"));
        t.updateAuthenticationProvider(sso.id(), Map.of("client_secret", "tour-client-secret-value-2"));
        t.findAuthenticationProvider("keycloak");
        t.registryPolicies();
        com.fasterxml.jackson.databind.node.ObjectNode schema = json.createObjectNode()
                .put("$schema", "http://apicast.io/policy-v1/schema#manifest#").put("name", "Tour")
                .put("version", "1.0").put("summary", "tour");
        schema.putObject("configuration").put("type", "object");
        var registered = t.createRegistryPolicy("tour-policy", "1.0", schema);
        t.updateRegistryPolicy(registered.id(), schema.deepCopy().put("summary", "tour, updated"));

        BackendApi b = c.backends().create("Tour", "tour", "tour backend", "http://tour.models.svc:8080");
        c.backends().list();
        c.backends().findBySystemName("tour");
        c.backends().read(b.id());
        c.backends().update(b.id(), Map.of("description", "updated"));
        Metrics bm = c.backends().metrics(b.id());
        Metric bhits = bm.findBySystemName("hits").orElseThrow();
        bm.read(bhits.id());
        Metric bm2 = bm.create("Tokens", "tokens", "token", null);
        bm.update(bm2.id(), Map.of("description", "tokens"));
        Metric bmeth = bm.createMethod(bhits.id(), "Chat", "chat", null);
        bm.findMethod(bhits.id(), "chat");
        bm.updateMethod(bhits.id(), bmeth.id(), Map.of("description", "chat"));
        MappingRules br = c.backends().mappingRules(b.id());
        MappingRule brule = br.create("POST", "/v1/chat", bmeth.id(), 1, 1, false);
        br.update(brule.id(), Map.of("delta", "2"));
        br.delete(brule.id());
        bm.deleteMethod(bhits.id(), bmeth.id());

        Service s = c.services().create("Tour", "tour", Map.of("description", "d", "deployment_option", "hosted",
                "backend_version", "1"));
        c.services().list();
        c.services().findBySystemName("tour");
        c.services().read(s.id());
        c.services().update(s.id(), Map.of("name", "Tour product"));
        Product p = c.product(s.id());
        sim.store().completePendingWork(); // the service token, for the deploy below
        p.proxy();
        p.updateProxy(Map.of("auth_user_key", "Authorization", "credentials_location", "headers"));
        BackendUsage u = p.addBackend(b.id(), "/");
        p.backendUsages();
        p.updateBackendUsage(u.id(), "/");
        p.policies();
        p.updatePolicies(List.of(new PolicyConfig("remove-bearer", "0.1", json.createObjectNode(), true),
                new PolicyConfig("apicast", "builtin", json.createObjectNode(), true)));
        Metrics sm = p.metrics();
        Metric hits = sm.findBySystemName("hits").orElseThrow();
        sm.read(hits.id());
        Metric m = sm.createMethod(hits.id(), "Models", "models", null);
        sm.methods(hits.id());
        sm.updateMethod(hits.id(), m.id(), Map.of("friendly_name", "List models"));
        Metric sm2 = sm.create("Tokens", "tokens", "token", null);
        sm.update(sm2.id(), Map.of("unit", "tokens"));
        MappingRules sr = p.mappingRules();
        MappingRule rule = sr.create("GET", "/v1/models", m.id(), 1, null, true);
        sr.update(rule.id(), Map.of("pattern", "/v1/models$"));
        sr.find("GET", "/", hits.id()).ifPresent(r -> sr.delete(r.id()));
        ProxyConfig staged = p.deploy().orElseThrow();
        p.configs(Product.STAGING);
        p.latestConfig(Product.STAGING);
        p.promote(Product.STAGING, staged.version(), Product.PRODUCTION);
        ApplicationPlan plan = p.createApplicationPlan("Standard", Map.of("approval_required", "false"));
        p.applicationPlans();
        p.findApplicationPlan("Standard");
        p.publishApplicationPlan(plan.id());
        p.hideApplicationPlan(plan.id());
        p.updateApplicationPlan(plan.id(), Map.of("state_event", "publish", "name", "Standard"));
        p.setDefaultApplicationPlan(plan.id());
        ServicePlan sp = p.servicePlans().get(0);
        p.setDefaultServicePlan(sp.id());

        List<Account> accounts = t.accounts("approved");
        t.forEachAccountPage(null, page -> { });
        Account dev = accounts.get(0);
        Application app = t.createApplication(dev.id(), plan.id(), "tour app", "probe");
        t.applications(dev.id());
        t.applicationsOnPlan(plan.id());
        t.deleteApplication(dev.id(), app.id());
        UsageLimits limits = p.limits(plan.id());
        dev.maas.installer.threescale.model.UsageLimit limit = limits.create(hits.id(), "minute", 10);
        limits.list();
        limits.find(hits.id(), "minute");
        limits.update(hits.id(), limit.id(), "minute", 20);
        limits.delete(hits.id(), limit.id());
        p.deleteApplicationPlan(p.createApplicationPlan("Spare", Map.of()).id());
        Account temporary = t.signup("tour org", "tour-user", "tour-user@example.invalid",
                "Tour-password-1");
        t.deleteAccount(temporary.id());
        if (subscriptions) {
            Service other = c.services().create("Other", "other", Map.of());
            t.serviceSubscriptions(dev.id());
            t.subscribe(dev.id(), c.product(other.id()).servicePlans().get(0).id());
        }
        p.removeBackendUsage(u.id());

        Cms cms = c.cms();
        CmsSection root = cms.sections().stream().filter(x -> x.parentId() == null).findFirst().orElseThrow();
        CmsSection sec = cms.createSection("Models", "models", root.id(), "/models", true);
        cms.updateSection(sec.id(), Map.of("title", "All models"));
        CmsTemplate layout = cms.templates(false).stream().filter(x -> "layout".equals(x.type())).findFirst().orElseThrow();
        CmsTemplate page = cms.createTemplate("page", Map.of("title", "Models", "path", "/models",
                "section_name", "models", "layout_name", layout.systemName(), "draft", "<p>models</p>",
                "liquid_enabled", "true", "handler", "markdown"));
        cms.templates(true);
        cms.template(page.id());
        cms.updateTemplate(page.id(), Map.of("draft", "<p>all models</p>", "section_id", String.valueOf(sec.id()),
                "layout_id", String.valueOf(layout.id())));
        cms.publish(page.id());
        CmsFile f = cms.createFile("/images/tour.png", sec.id(), true, "tour.png",
                "png".getBytes(StandardCharsets.UTF_8), "image/png");
        cms.files();
        cms.updateFile(f.id(), "/images/tour2.png", sec.id(), false, "tour.png",
                "png2".getBytes(StandardCharsets.UTF_8), "image/png");

        ActiveDoc doc = c.activeDocs().create("Tour", "tour", "{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"Tour\","
                        + "\"version\":\"1\"},\"paths\":{}}",
                Map.of("service_id", String.valueOf(s.id()), "published", "true", "description", "tour docs",
                        "skip_swagger_validations", "false"));
        c.activeDocs().list();
        c.activeDocs().findBySystemName("tour");
        c.activeDocs().read(doc.id());
        c.activeDocs().update(doc.id(), Map.of("body", "{\"openapi\":\"3.1.0\",\"paths\":{}}", "published", "false",
                "name", "Tour docs", "service_id", String.valueOf(s.id()), "skip_swagger_validations", "true"));
        c.activeDocs().delete(c.activeDocs().create("Gone", "gone", "{}", Map.of("skip_swagger_validations", "true"))
                .id());

        c.backends().delete(c.backends().create("Gone", "gone", null, "http://gone.svc:80").id());
    }
}
