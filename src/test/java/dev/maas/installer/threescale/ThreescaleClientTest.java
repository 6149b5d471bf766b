package dev.maas.installer.threescale;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import dev.maas.installer.testing.FastRetries;
import dev.maas.installer.testing.StartsSandbox;
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
import dev.maas.installer.threescale.model.Proxy;
import dev.maas.installer.threescale.model.ProxyConfig;
import dev.maas.installer.threescale.model.Service;
import dev.maas.installer.threescale.model.ServicePlan;
import dev.maas.installer.threescale.model.ServiceSubscription;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client against the simulator, per resource family. */
@StartsSandbox
class ThreescaleClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private ThreescaleSimulator sim;
    private ThreescaleClient client;

    @BeforeEach
    void start() {
        sim = ThreescaleSimulator.start(SimulatorOptions.defaults());
        sim.store().completePendingWork(); // the tenant as after its sample data was made
        client = ThreescaleClient.builder(sim.url(), sim.accessToken()).retry(FastRetries.threescale(4, 1)).build();
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void freshTenantHasTheSampleProductAndBackend() {
        Service api = client.services().findBySystemName("api").orElseThrow();
        assertThat(api.name()).isEqualTo("API");
        BackendApi backend = client.backends().findBySystemName("api").orElseThrow();
        assertThat(backend.name()).isEqualTo("API Backend");
        assertThat(client.product(api.id()).backendUsages()).extracting(BackendUsage::backendId)
                .containsExactly(backend.id());
        assertThat(client.tenant().provider().adminDomain()).isEqualTo("maas-admin.apps.sandbox.local");
    }

    private static final String V30 = "{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"t\",\"version\":\"1\"},"
            + "\"paths\":{}}";
    private static final String V31 = "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"t\",\"version\":\"1\"},"
            + "\"paths\":{}}";

    @Test
    void activeDocsAreStatefulAndValidated() {
        Service api = client.services().findBySystemName("api").orElseThrow();
        assertThat(client.activeDocs().list()).extracting(ActiveDoc::systemName).containsExactly("echo");
        ActiveDoc d = client.activeDocs().create("Granite", "granite", V30,
                Map.of("service_id", String.valueOf(api.id()), "published", "true"));
        assertThat(d.serviceId()).isEqualTo(api.id());
        assertThat(d.published()).isTrue();
        assertThat(d.skipSwaggerValidations()).isFalse();
        assertThat(client.activeDocs().findBySystemName("granite")).contains(d);
        assertThat(client.activeDocs().read(d.id())).contains(d);
        assertThat(client.activeDocs().read(999_999)).isEmpty();

        // porta validates OpenAPI 3.0 bodies only: 3.1 needs skip_swagger_validations
        assertThatThrownBy(() -> client.activeDocs().update(d.id(), Map.of("body", V31)))
                .isInstanceOfSatisfying(ThreescaleApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(422);
                    assertThat(e.getMessage()).contains("Invalid Swagger version");
                });
        ActiveDoc u = client.activeDocs().update(d.id(), Map.of("body", V31, "published", "false",
                "skip_swagger_validations", "true"));
        assertThat(u.body()).isEqualTo(V31);
        assertThat(u.skipSwaggerValidations()).isTrue();
        assertThat(u.published()).isFalse();
        assertThat(u.systemName()).isEqualTo("granite");

        assertThatThrownBy(() -> client.activeDocs().create("Again", "granite", V30, Map.of()))
                .as("system_name taken").isInstanceOfSatisfying(ThreescaleApiException.class,
                        e -> assertThat(e.status()).isEqualTo(422));
        assertThatThrownBy(() -> client.activeDocs().create("Bad", "bad", "not json", Map.of()))
                .isInstanceOfSatisfying(ThreescaleApiException.class, e -> assertThat(e.status()).isEqualTo(422));
        assertThatThrownBy(() -> client.activeDocs().create("Orphan", "orphan", V30, Map.of("service_id", "999999")))
                .isInstanceOfSatisfying(ThreescaleApiException.class, e -> assertThat(e.status()).isEqualTo(422));
        assertThatThrownBy(() -> client.activeDocs().update(999_999, Map.of("name", "x")))
                .isInstanceOfSatisfying(ThreescaleApiException.class, e -> assertThat(e.status()).isEqualTo(404));
        // besides the tenant's sample "echo" (app/lib/logic/provider_signup.rb create_active_docs_service!)
        assertThat(client.activeDocs().list()).extracting(ActiveDoc::systemName).containsExactly("echo", "granite");
        client.activeDocs().delete(d.id());
        assertThat(client.activeDocs().list()).extracting(ActiveDoc::systemName).containsExactly("echo");
    }

    @Test
    void backendsWithMetricsMethodsAndMappingRules() {
        BackendApi b = client.backends().create("Granite", "granite", "model", "http://granite.models.svc.cluster.local");
        assertThat(b.privateEndpoint()).as("porta fills in the default port").isEqualTo("http://granite.models.svc.cluster.local:80");
        assertThat(client.backends().findBySystemName("granite")).contains(b);
        assertThat(client.backends().read(b.id())).contains(b);
        assertThat(client.backends().read(999_999)).isEmpty();

        BackendApi updated = client.backends().update(b.id(), Map.of("private_endpoint", "https://granite.example.com:8443",
                "system_name", "renamed"));
        assertThat(updated.privateEndpoint()).isEqualTo("https://granite.example.com:8443");
        assertThat(updated.systemName()).as("system_name is immutable").isEqualTo("granite");

        Metrics metrics = client.backends().metrics(b.id());
        Metric hits = metrics.findBySystemName("hits").orElseThrow();
        Metric method = metrics.createMethod(hits.id(), "Chat completions", "chat_completions", null);
        assertThat(hits.systemName()).as("porta suffixes backend metric names with the backend id")
                .isEqualTo("hits." + b.id());
        assertThat(metrics.methods(hits.id())).extracting(Metric::systemName)
                .containsExactly("chat_completions." + b.id());
        assertThat(metrics.findMethod(hits.id(), "chat_completions")).contains(method);
        assertThatThrownBy(() -> metrics.createMethod(hits.id(), "Chat completions", "chat2", null))
                .hasMessageContaining("friendly_name has already been taken");
        assertThat(metrics.updateMethod(hits.id(), method.id(), Map.of("description", "POST /v1/chat")).description())
                .isEqualTo("POST /v1/chat");
        Metric tokens = metrics.create("Tokens", "tokens", "token", null);
        assertThat(metrics.list()).as("porta lists the methods among the metrics (backend_api.metrics)")
                .extracting(Metric::systemName)
                .containsExactly("hits." + b.id(), "chat_completions." + b.id(), "tokens." + b.id());
        assertThat(metrics.findBySystemName("tokens")).contains(tokens);
        assertThat(metrics.update(tokens.id(), Map.of("friendly_name", "LLM tokens")).friendlyName()).isEqualTo("LLM tokens");

        MappingRules rules = client.backends().mappingRules(b.id());
        MappingRule rule = rules.create("POST", "/v1/chat/completions", method.id(), 1, null, null);
        assertThat(rules.find("POST", "/v1/chat/completions", method.id())).contains(rule);
        assertThat(rules.update(rule.id(), Map.of("last", "true")).last()).isTrue();
        rules.delete(rule.id());
        assertThat(rules.list()).isEmpty();
        metrics.deleteMethod(hits.id(), method.id());
        assertThat(metrics.methods(hits.id())).isEmpty();
        client.backends().delete(b.id());
        assertThat(client.backends().read(b.id())).isEmpty();
    }

    @Test
    void productSideEffectsProxyPoliciesUsagesAndConfigs() {
        BackendApi b = client.backends().create("Granite", "granite", null, "http://granite.models.svc:8080");
        Service s = client.services().create("Granite", "granite", Map.of("deployment_option", "hosted",
                "backend_version", "1"));
        sim.store().completePendingWork(); // the service token, made in the background (deploy waits are staged)
        Product p = client.product(s.id());
        Metric hits = p.metrics().findBySystemName("hits").orElseThrow();
        assertThat(p.mappingRules().list()).singleElement().satisfies(r -> {
            assertThat(r.httpMethod()).isEqualTo("GET");
            assertThat(r.pattern()).isEqualTo("/");
            assertThat(r.metricId()).isEqualTo(hits.id());
        });
        assertThat(p.servicePlans()).singleElement().satisfies(sp -> {
            assertThat(sp.name()).isEqualTo("Default");
            assertThat(sp.isDefault()).isFalse();
        });
        assertThat(p.applicationPlans()).isEmpty();
        assertThat(client.services().update(s.id(), Map.of("description", "IBM Granite")).description())
                .isEqualTo("IBM Granite");

        Proxy proxy = p.updateProxy(Map.of("auth_user_key", "Authorization", "credentials_location", "headers"));
        assertThat(proxy.authUserKey()).isEqualTo("Authorization");
        assertThat(p.proxy().credentialsLocation()).isEqualTo("headers");

        BackendUsage usage = p.addBackend(b.id(), "/");
        assertThat(p.backendUsages()).containsExactly(usage);
        assertThat(p.updateBackendUsage(usage.id(), "/v1").path()).isEqualTo("/v1");

        ObjectNode cors = JSON.createObjectNode();
        cors.putArray("allow_headers").add("Authorization").add("Content-type").add("Accept");
        cors.put("allow_origin", "*");
        cors.put("allow_credentials", true);
        List<PolicyConfig> chain = List.of(new PolicyConfig("cors", "builtin", cors, true),
                new PolicyConfig("apicast", "builtin", JSON.createObjectNode(), true));
        assertThat(p.updatePolicies(chain)).isEqualTo(chain);
        assertThat(p.policies()).isEqualTo(chain);

        Metric m = p.metrics().createMethod(hits.id(), "List models", "models", null);
        MappingRule r = p.mappingRules().create("GET", "/v1/models", m.id(), 1, null, null);
        assertThat(p.mappingRules().update(r.id(), Map.of("pattern", "/v1/models$")).pattern()).isEqualTo("/v1/models$");
        MappingRule root = p.mappingRules().find("GET", "/", hits.id()).orElseThrow();
        p.mappingRules().delete(root.id());
        assertThat(p.mappingRules().list()).extracting(MappingRule::pattern).containsExactly("/v1/models$");

        ProxyConfig staged = p.deploy().orElseThrow();
        assertThat(staged.environment()).isEqualTo("sandbox");
        assertThatThrownBy(() -> p.metrics().deleteMethod(hits.id(), m.id()))
                .as("porta keeps a method the latest config uses").isInstanceOfSatisfying(ThreescaleApiException.class,
                        e -> {
                            assertThat(e.status()).isEqualTo(403);
                            assertThat(e.refusedDelete()).isTrue();
                            assertThat(e.fix()).as("not a token problem").isNull();
                            assertThat(e.getMessage()).contains("Method is used by the latest gateway configuration")
                                    .doesNotContain("token");
                        });
        assertThat(p.latestConfig(Product.PRODUCTION)).isEmpty();
        ProxyConfig prod = p.promote(Product.STAGING, staged.version(), Product.PRODUCTION);
        assertThat(prod.version()).isEqualTo(staged.version());
        assertThat(prod.content()).isEqualTo(staged.content());
        assertThat(p.configs(Product.PRODUCTION)).extracting(ProxyConfig::version).containsExactly(staged.version());
        assertThat(p.deploy()).as("nothing changed: no new staging version").contains(p.latestConfig(Product.STAGING).orElseThrow());
        assertThatThrownBy(() -> p.promote(Product.STAGING, staged.version(), Product.PRODUCTION))
                .isInstanceOf(ThreescaleApiException.class).hasMessageContaining("version has already been taken");

        p.removeBackendUsage(usage.id());
        assertThat(p.backendUsages()).isEmpty();
    }

    @Test
    void plansPublishHideAndDefaults() {
        Service s = client.services().create("Llama", "llama", Map.of());
        Product p = client.product(s.id());
        ApplicationPlan plan = p.createApplicationPlan("Standard", Map.of("approval_required", "false"));
        assertThat(plan.state()).isEqualTo("hidden");
        assertThat(p.publishApplicationPlan(plan.id()).published()).isTrue();
        assertThatThrownBy(() -> p.publishApplicationPlan(plan.id())).isInstanceOf(ThreescaleApiException.class)
                .satisfies(e -> assertThat(((ThreescaleApiException) e).status()).isEqualTo(422))
                .hasMessageContaining("state cannot transition via \"publish\"");
        assertThat(p.hideApplicationPlan(plan.id()).state()).isEqualTo("hidden");
        assertThat(p.findApplicationPlan("Standard")).isPresent();
        assertThat(p.setDefaultApplicationPlan(plan.id()).isDefault()).isTrue();
        assertThat(p.updateApplicationPlan(plan.id(), Map.of("cost_per_month", "0.0")).id()).isEqualTo(plan.id());

        ServicePlan dflt = p.servicePlans().get(0);
        assertThat(p.setDefaultServicePlan(dflt.id()).isDefault()).isTrue();
        assertThat(p.servicePlans()).singleElement().extracting(ServicePlan::isDefault).isEqualTo(true);
    }

    @Test
    void providerSsoAccountsApplications() {
        Account provider = client.tenant().updateProvider(Map.of("site_access_code", ""));
        assertThat(provider.siteAccessCode()).isEmpty();

        AuthenticationProvider sso = client.tenant().createAuthenticationProvider("keycloak", Map.of(
                "client_id", "3scale", "client_secret", "s3cr3t-value", "site", "https://sso.example.com/auth/realms/maas",
                "published", "true"));
        assertThat(sso.callbackUrl()).startsWith("https://maas.apps.sandbox.local/auth/keycloak_").endsWith("/callback");
        assertThat(sso.toString()).doesNotContain("s3cr3t-value");
        AuthenticationProvider approved = client.tenant().updateAuthenticationProvider(sso.id(),
                Map.of("automatically_approve_accounts", "true"));
        assertThat(approved.automaticallyApproveAccounts()).isTrue();
        assertThat(client.tenant().findAuthenticationProvider("keycloak")).map(AuthenticationProvider::id).contains(sso.id());

        Account dev = client.tenant().accounts(null).get(0);
        Service s = client.services().create("Mistral", "mistral", Map.of());
        ApplicationPlan plan = client.product(s.id()).createApplicationPlan("Standard", Map.of("state_event", "publish"));
        Application app = client.tenant().createApplication(dev.id(), plan.id(), "probe", "subscribe");
        assertThat(app.toString()).doesNotContain(app.userKey());
        assertThat(client.tenant().applications(dev.id())).extracting(Application::name).contains("probe");
        client.tenant().deleteApplication(dev.id(), app.id());
        assertThat(client.tenant().applications(dev.id())).extracting(Application::name).doesNotContain("probe");
        assertThat(sim.store().snapshot("service_subscriptions"))
                .as("2.15: creating an application subscribed the account to the product")
                .anyMatch(c -> c.get("service_id").asLong() == s.id() && c.get("user_account_id").asLong() == dev.id());

        assertThatThrownBy(() -> client.tenant().serviceSubscriptions(dev.id()))
                .isInstanceOf(ThreescaleApiException.class).hasMessageContaining("2.16");
    }

    @Test
    void serviceSubscriptionsOn216() {
        try (ThreescaleSimulator v216 = ThreescaleSimulator.start(SimulatorOptions.defaults().withVersion("2.16"))) {
            ThreescaleClient c = ThreescaleClient.builder(v216.url(), v216.accessToken()).build();
            v216.store().completePendingWork(); // the tenant's sample developer account
            Account dev = c.tenant().accounts("approved").get(0);
            Service s = c.services().create("Phi", "phi", Map.of());
            ServicePlan plan = c.product(s.id()).servicePlans().get(0);
            ServiceSubscription sub = c.tenant().subscribe(dev.id(), plan.id());
            assertThat(sub.serviceId()).isEqualTo(s.id());
            assertThat(c.tenant().serviceSubscriptions(dev.id())).extracting(ServiceSubscription::planId).contains(plan.id());
            assertThatThrownBy(() -> c.tenant().subscribe(dev.id(), plan.id())).isInstanceOf(ThreescaleApiException.class)
                    .hasMessageContaining("already subscribed");
        }
    }

    @Test
    void registryPolicies() {
        sim.store().addRegistryPolicy("remove-bearer", "0.1", JSON.createObjectNode().put("name", "remove-bearer"));
        assertThat(client.tenant().registryPolicies()).singleElement().satisfies(p -> {
            assertThat(p.name()).isEqualTo("remove-bearer");
            assertThat(p.version()).isEqualTo("0.1");
        });
        Service s = client.services().create("Granite", "granite", Map.of());
        List<PolicyConfig> chain = List.of(new PolicyConfig("remove-bearer", "0.1", JSON.createObjectNode(), true),
                new PolicyConfig("apicast", "builtin", JSON.createObjectNode(), true));
        assertThat(client.product(s.id()).updatePolicies(chain)).isEqualTo(chain);
        // porta does not consult the registry (app/models/proxy.rb Proxy::PoliciesConfig): a policy it does not know
        // is taken, and apicast is appended to a chain without it
        assertThat(client.product(s.id()).updatePolicies(List.of(
                new PolicyConfig("nope", "9", JSON.createObjectNode(), true)))).containsExactly(
                new PolicyConfig("nope", "9", JSON.createObjectNode(), true),
                new PolicyConfig("apicast", "builtin", JSON.createObjectNode(), true));
        // but each policy needs a name, a version and a configuration
        assertThatThrownBy(() -> client.product(s.id()).updatePolicies(List.of(
                new PolicyConfig("nope", null, null, true))))
                .hasMessageContaining("policies_config nope (policy 1): version can't be blank, configuration can't be"
                        + " blank");
    }

    @Test
    void cmsSectionsTemplatesFiles() throws Exception {
        Cms cms = client.cms();
        CmsSection root = cms.sections().stream().filter(x -> x.parentId() == null).findFirst().orElseThrow();
        CmsSection models = cms.createSection("Models", "models", root.id(), null, true);
        // porta app/models/cms/section.rb set_partial_path: title.parameterize when none is given
        assertThat(models.partialPath()).isEqualTo("models");
        assertThat(cms.updateSection(models.id(), Map.of("title", "Our models")).title()).isEqualTo("Our models");

        CmsTemplate layout = cms.templates(false).stream().filter(t -> "main_layout".equals(t.systemName())).findFirst().orElseThrow();
        CmsTemplate page = cms.createTemplate("page", Map.of("title", "Models", "path", "/models", "section_id",
                String.valueOf(models.id()), "layout_id", String.valueOf(layout.id()), "draft", "<h1>Models</h1>",
                "liquid_enabled", "true"));
        assertThat(page.contentType()).isEqualTo("text/html");
        assertThat(page.published()).isNull();
        CmsTemplate updated = cms.updateTemplate(page.id(), Map.of("draft", "<h1>All models</h1>"));
        assertThat(updated.draft()).isEqualTo("<h1>All models</h1>");
        assertThat(cms.publish(page.id()).published()).isEqualTo("<h1>All models</h1>");
        assertThat(cms.templates(true)).filteredOn(t -> t.id() == page.id()).singleElement()
                .satisfies(t -> {
                    assertThat(t.published()).isEqualTo("<h1>All models</h1>");
                    assertThat(t.draft()).as("porta's publish clears the draft").isNull();
                });
        assertThat(cms.templates(false)).filteredOn(t -> t.id() == page.id()).singleElement()
                .extracting(CmsTemplate::draft).isNull();
        assertThatThrownBy(() -> cms.createTemplate("builtin_page", Map.of("system_name", "x")))
                .hasMessageContaining("Unknown template type 'builtin_page'");
        CmsTemplate builtin = cms.templates(false).stream().filter(t -> "builtin_partial".equals(t.type())).findFirst().orElseThrow();
        assertThat(cms.updateTemplate(builtin.id(), Map.of("draft", "custom")).draft()).isEqualTo("custom");

        byte[] logo = "PNGDATA".getBytes(StandardCharsets.UTF_8);
        CmsFile file = cms.createFile("/images/logo.png", null, false, "logo.png", logo, "image/png");
        assertThat(file.contentType()).isEqualTo("image/png");
        assertThat(download(file.url())).isEqualTo(logo);
        byte[] logo2 = "PNGDATA2".getBytes(StandardCharsets.UTF_8);
        CmsFile replaced = cms.updateFile(file.id(), null, null, null, "logo.png", logo2, "image/png");
        assertThat(download(replaced.url())).isEqualTo(logo2);
        assertThat(cms.files()).extracting(CmsFile::path).contains("/images/logo.png");

        for (int i = 0; i < 130; i++) {
            cms.createTemplate("partial", Map.of("system_name", "p" + i, "draft", "x"));
        }
        assertThat(cms.templates(false)).filteredOn(t -> "partial".equals(t.type())).hasSize(131);
        assertThat(sim.journal().entries()).filteredOn(e -> e.path().equals("/admin/api/cms/templates.json")
                && e.method().equals("GET")).allSatisfy(e -> assertThat(e.params()).containsEntry("per_page", "100"));
    }

    private static byte[] download(String url) throws Exception {
        try (Response r = new OkHttpClient().newCall(new Request.Builder().url(url).build()).execute()) {
            return r.body().bytes();
        }
    }
}
