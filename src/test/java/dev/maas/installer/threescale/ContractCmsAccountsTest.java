package dev.maas.installer.threescale;

import com.sun.net.httpserver.HttpServer;
import dev.maas.installer.testing.FastRetries;
import dev.maas.installer.threescale.model.Account;
import dev.maas.installer.threescale.model.ActiveDoc;
import dev.maas.installer.threescale.model.Application;
import dev.maas.installer.threescale.model.ApplicationPlan;
import dev.maas.installer.threescale.model.AuthenticationProvider;
import dev.maas.installer.threescale.model.CmsFile;
import dev.maas.installer.threescale.model.CmsSection;
import dev.maas.installer.threescale.model.CmsTemplate;
import dev.maas.installer.threescale.model.ServicePlan;
import dev.maas.installer.threescale.model.ServiceSubscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The client reads every response shape of the CMS, ActiveDocs, accounts, applications, plans, service contracts
 * and SSO integrations as porta 2.15 renders it: the fixtures in {@code threescale/contract/cms-accounts/} (written from porta's
 * representers, or copied from 3scale-porta-go-client's test data; see its PROVENANCE.md) are served by a
 * plain HTTP server and read through the client's own methods into its records.
 */
class ContractCmsAccountsTest {
    private record Route(int status, String fixture) { }

    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private HttpServer server;
    private ThreescaleClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            try (ex) {
                String query = ex.getRequestURI().getRawQuery();
                String key = ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath();
                Route r = query != null && query.contains("content=true") && routes.containsKey(key + "?content")
                        ? routes.get(key + "?content") : routes.get(key);
                byte[] body = r == null ? "{\"status\":\"Not found\"}".getBytes() : fixture(r.fixture());
                ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
                ex.sendResponseHeaders(r == null ? 404 : r.status(), body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
        client = ThreescaleClient.builder("http://" + server.getAddress().getAddress().getHostAddress() + ":"
                + server.getAddress().getPort(), "contract-token").retry(FastRetries.threescale(1, 1)).build();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = ContractCmsAccountsTest.class.getResourceAsStream("/threescale/contract/cms-accounts/"
                + name)) {
            if (in == null) {
                throw new IOException("no fixture " + name);
            }
            return in.readAllBytes();
        }
    }

    private void on(String methodAndPath, int status, String fixture) {
        routes.put(methodAndPath, new Route(status, fixture));
    }

    // ------------------------------------------------------------------------------------------------ CMS

    @Test
    void cmsTemplatesOfEveryTypeShortAndWithContent() {
        on("GET /admin/api/cms/templates.json", 200, "cms-templates-short.json");
        on("GET /admin/api/cms/templates.json?content", 200, "cms-templates-content.json");
        List<CmsTemplate> shortList = client.cms().templates(false);
        assertThat(shortList).extracting(CmsTemplate::type).containsExactly("page", "page", "page", "page",
                "builtin_page", "layout", "partial", "builtin_partial", "builtin_static_page");
        assertThat(shortList).allSatisfy(t -> {
            assertThat(t.draft()).isNull();
            assertThat(t.published()).isNull();
        });
        CmsTemplate css = shortList.get(1);
        assertThat(css.path()).isEqualTo("/css/maas.css");
        assertThat(css.contentType()).isEqualTo("text/css");
        assertThat(css.systemName()).isEqualTo("maas-css");
        assertThat(css.layoutId()).isNull();
        assertThat(css.sectionId()).isEqualTo(11L);
        assertThat(css.liquidEnabled()).isFalse();
        assertThat(css.hidden()).isFalse();
        assertThat(shortList.get(2).contentType()).isEqualTo("text/javascript");
        assertThat(shortList.get(2).hidden()).isTrue();
        assertThat(shortList.get(3).handler()).isEqualTo("markdown");
        assertThat(shortList.get(4)).satisfies(b -> {
            assertThat(b.systemName()).isEqualTo("login/new");
            assertThat(b.path()).isNull();
            assertThat(b.contentType()).isNull();
        });
        assertThat(shortList.get(6)).satisfies(p -> {
            assertThat(p.systemName()).isEqualTo("analytics");
            assertThat(p.title()).isNull();
            assertThat(p.liquidEnabled()).isNull();
        });

        List<CmsTemplate> withContent = client.cms().templates(true);
        assertThat(withContent.get(0).published()).isEqualTo("<h1>Models as a Service</h1>");
        assertThat(withContent.get(0).draft()).as("published: porta cleared the draft").isNull();
        assertThat(withContent.get(2).draft()).isEqualTo("console.log('maas');");
        assertThat(withContent.get(5)).satisfies(l -> {
            assertThat(l.draft()).contains("draft");
            assertThat(l.published()).isEqualTo("<html>{% content %}</html>");
        });
    }

    @Test
    void cmsCreateAndErrors() {
        on("POST /admin/api/cms/templates.json", 201, "cms-template-page-created.json");
        CmsTemplate made = client.cms().createTemplate("page", Map.of("title", "maas.css", "path", "/css/maas.css",
                "content_type", "text/css", "draft", "body { margin: 0; }"));
        assertThat(made.id()).isEqualTo(120);
        assertThat(made.contentType()).isEqualTo("text/css");
        assertThat(made.hidden()).isTrue();
        assertThat(made.published()).isNull();

        on("POST /admin/api/cms/templates.json", 422, "cms-template-error-unknown-type.json");
        assertThatThrownBy(() -> client.cms().createTemplate("builtin_page", Map.of("system_name", "x1")))
                .isInstanceOfSatisfying(ThreescaleApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(422);
                    assertThat(e.getMessage()).contains("Unknown template type 'builtin_page'");
                });
        on("POST /admin/api/cms/templates.json", 422, "cms-template-errors-validation.json");
        assertThatThrownBy(() -> client.cms().createTemplate("page", Map.of("title", "x", "path", "x")))
                .hasMessageContaining("has already been taken").hasMessageContaining("needs to start with a slash");
    }

    @Test
    void cmsSectionsAndFiles() {
        on("GET /admin/api/cms/sections.json", 200, "cms-sections.json");
        on("GET /admin/api/cms/files.json", 200, "cms-files.json");
        List<CmsSection> sections = client.cms().sections();
        assertThat(sections).extracting(CmsSection::partialPath).containsExactly("/", "/css", "/javascripts",
                "getting-started");
        assertThat(sections.get(0).parentId()).isNull();
        assertThat(sections.get(3).isPublic()).isFalse();
        List<CmsFile> files = client.cms().files();
        assertThat(files.get(0)).satisfies(f -> {
            assertThat(f.contentType()).isEqualTo("image/svg+xml");
            assertThat(f.url()).contains("&amp;");
            assertThat(f.downloadable()).isFalse();
        });
        assertThat(files.get(1).url()).isEqualTo("/files/favicon.ico");
    }

    // ------------------------------------------------------------------------------------------ ActiveDocs

    @Test
    void activeDocs() {
        on("GET /admin/api/active_docs.json", 200, "activedoc-list.json");
        List<ActiveDoc> docs = client.activeDocs().list();
        assertThat(docs.get(0)).satisfies(d -> {
            assertThat(d.systemName()).isEqualTo("granite");
            assertThat(d.skipSwaggerValidations()).isTrue();
            assertThat(d.serviceId()).isEqualTo(2L);
            assertThat(d.body()).startsWith("{\"openapi\":\"3.1.0\"");
        });
        assertThat(docs.get(1)).satisfies(d -> {
            assertThat(d.serviceId()).as("service_id nil is not rendered").isNull();
            assertThat(d.description()).isEqualTo("not attached to a product");
        });
        on("POST /admin/api/active_docs.json", 201, "activedoc-created.json");
        assertThat(client.activeDocs().create("Granite", "granite", "{}", Map.of()).id()).isEqualTo(300);
        on("POST /admin/api/active_docs.json", 422, "activedoc-error-invalid-version.json");
        assertThatThrownBy(() -> client.activeDocs().create("Granite", "granite", "{}", Map.of()))
                .hasMessageContaining("Invalid Swagger version");
        on("POST /admin/api/active_docs.json", 422, "activedoc-error-service-not-found.json");
        assertThatThrownBy(() -> client.activeDocs().create("Granite", "granite", "{}", Map.of()))
                .hasMessageContaining("Service not found");
    }

    // --------------------------------------------------------------------------- accounts and applications

    @Test
    void providerBuyersAndTenant() {
        on("GET /admin/api/provider.json", 200, "account-provider.json");
        Account p = client.tenant().provider();
        assertThat(p.domain()).isEqualTo("maas.apps.example.com");
        assertThat(p.adminDomain()).isEqualTo("maas-admin.apps.example.com");
        assertThat(p.siteAccessCode()).isEmpty();
        assertThat(p.supportEmail()).isEqualTo("admin@apps.example.com");

        on("GET /admin/api/accounts.json", 200, "account-buyers.json");
        assertThat(client.tenant().accounts(null)).extracting(Account::orgName).containsExactly("ACME", "Initech");
        on("GET /admin/api/accounts.json", 200, "account-go-client-accounts_fixture.json");
        assertThat(client.tenant().accounts(null)).extracting(Account::id).startsWith(1L, 2L, 4L);

        on("GET /master/api/providers/42.json", 200, "account-go-client-show_tenant_response.json");
        assertThat(client.master().tenant(42)).hasValueSatisfying(t -> {
            assertThat(t.id()).isEqualTo(42);
            assertThat(t.orgName()).isEqualTo("Corp24");
            assertThat(t.siteAccessCode()).isEqualTo("5fe935046b");
        });
    }

    @Test
    void applicationsWithAndWithoutName() {
        on("GET /admin/api/accounts/5/applications.json", 200, "application-list.json");
        List<Application> apps = client.tenant().applications(5);
        assertThat(apps).extracting(Application::name).containsExactly("Chat app", null);
        assertThat(apps.get(1)).satisfies(a -> {
            assertThat(a.planId()).isEqualTo(40L);
            assertThat(a.serviceId()).isEqualTo(2L);
            assertThat(a.accountId()).isEqualTo(5L);
            assertThat(a.userKey()).hasSize(32);
            assertThat(a.state()).isEqualTo("live");
            assertThat(a.enabled()).isTrue();
        });
        on("GET /admin/api/accounts/50/applications.json", 200, "application-go-client-app_list_response_fixture.json");
        assertThat(client.tenant().applications(50)).singleElement().satisfies(a -> {
            assertThat(a.id()).isEqualTo(146);
            assertThat(a.planId()).isEqualTo(4L);
            assertThat(a.userKey()).isEqualTo("4e7b7b09fb75bcb3f72459a336100dab");
        });
        on("POST /admin/api/accounts/5/applications.json", 201, "application-created-without-name.json");
        assertThat(client.tenant().createApplication(5, 40, "probe", "d").name()).isNull();
        on("POST /admin/api/accounts/5/applications.json", 422, "application-error-cannot-subscribe.json");
        assertThatThrownBy(() -> client.tenant().createApplication(5, 40, "probe", "d"))
                .hasMessageContaining("You cannot subscribe to that service.");
        on("GET /admin/api/accounts/5/service_contracts.json", 200, "account-service-contracts.json");
        assertThat(client.tenant().serviceContracts(5)).extracting(ServiceSubscription::serviceId,
                ServiceSubscription::planId, ServiceSubscription::state)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, 30L, "live"),
                        org.assertj.core.groups.Tuple.tuple(3L, 32L, "pending"));
        assertThat(client.tenant().serviceContracts(5).get(0).userAccountId()).isEqualTo(5L);
    }

    // ------------------------------------------------------------------------------------------- plans, SSO

    @Test
    void applicationAndServicePlans() {
        on("GET /admin/api/services/2/application_plans.json", 200, "plan-application-plans.json");
        List<ApplicationPlan> plans = client.product(2).applicationPlans();
        assertThat(plans).extracting(ApplicationPlan::name).containsExactly("Standard", "Basic");
        assertThat(plans.get(0)).satisfies(p -> {
            assertThat(p.published()).isTrue();
            assertThat(p.systemName()).isEqualTo("standard");
            assertThat(p.isDefault()).isFalse();
            assertThat(p.custom()).isFalse();
        });
        assertThat(plans.get(1).isDefault()).isTrue();
        on("GET /admin/api/services/2/service_plans.json", 200, "plan-service-plans.json");
        List<ServicePlan> sps = client.product(2).servicePlans();
        assertThat(sps).extracting(ServicePlan::name, ServicePlan::isDefault)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("Default", true),
                        org.assertj.core.groups.Tuple.tuple("Premium", false));
        on("PUT /admin/api/services/2/service_plans/30/default.json", 200, "plan-service-plan-default.json");
        assertThat(client.product(2).setDefaultServicePlan(30).isDefault()).isTrue();
        on("PUT /admin/api/services/2/application_plans/40.json", 422, "plan-application-plan-error-transition.json");
        assertThatThrownBy(() -> client.product(2).publishApplicationPlan(40))
                .hasMessageContaining("cannot transition via \"publish\"");
    }

    @Test
    void ssoIntegrations() {
        on("GET /admin/api/authentication_providers.json", 200, "account-authentication-providers.json");
        AuthenticationProvider p = client.tenant().findAuthenticationProvider("keycloak").orElseThrow();
        assertThat(p.systemName()).isEqualTo("keycloak");
        assertThat(p.clientId()).isEqualTo("3scale");
        assertThat(p.site()).isEqualTo("https://keycloak.apps.example.com/realms/maas");
        assertThat(p.published()).isTrue();
        assertThat(p.automaticallyApproveAccounts()).isTrue();
        assertThat(p.skipSslCertificateVerification()).isFalse();
        assertThat(p.callbackUrl()).isEqualTo("https://maas.apps.example.com/auth/keycloak/callback");
        assertThat(p.accountType()).isEqualTo("developer");
        assertThat(p.toString()).doesNotContain("contract-fixture-secret-value");
        on("POST /admin/api/authentication_providers.json", 201, "account-authentication-provider.json");
        assertThat(client.tenant().createAuthenticationProvider("keycloak", Map.of("client_id", "3scale")).id())
                .isEqualTo(70);
    }

    /** The files copied from 3scale-porta-go-client are unchanged: their git blob ids are the ones recorded. */
    @Test
    void theCopiedFixturesAreTheGoClientsFiles() throws Exception {
        String provenance = new String(fixture("PROVENANCE.md"), java.nio.charset.StandardCharsets.UTF_8);
        java.util.regex.Matcher row = java.util.regex.Pattern
                .compile("(?m)^\\| ([\\w.-]+) \\| [\\w./-]+ \\| ([0-9a-f]{40}) \\|$").matcher(provenance);
        int rows = 0;
        while (row.find()) {
            assertThat(ThreescaleConformanceTest.gitBlobId(fixture(row.group(1)))).as(row.group(1))
                    .isEqualTo(row.group(2));
            rows++;
        }
        assertThat(rows).isEqualTo(4);
    }
}
