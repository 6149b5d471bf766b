package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.catalog.OpenApiOperations;
import dev.maas.installer.testing.StartsSandbox;
import okhttp3.FormBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulator on the wire for the CMS, the developer portal, ActiveDocs, accounts, applications, plans and SSO
 * integrations: each behaviour as porta 2.15 has it (the porta file is named per test).
 */
@StartsSandbox
class PortaCmsAccountsSimulatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path RUNBOOK_DOC = Path.of(
            "src/test/resources/reference/models-aas/api_definitions/granite-3-8b-instruct.json");
    private static final Path VLLM_31_DOC = Path.of(
            "src/test/resources/reference/vllm-openapi-3.1/granite-3-8b-instruct.openapi-3.1.json");
    private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
    private ThreescaleSimulator sim;

    @BeforeEach
    void start() {
        sim = ThreescaleSimulator.start(SimulatorOptions.defaults());
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    /** status and parsed body (null when empty or not JSON). */
    private record Answer(int status, JsonNode body, String text) { }

    private Answer call(Request.Builder b) throws IOException {
        try (Response r = http.newCall(b.build()).execute()) {
            String text = r.body().string();
            JsonNode body;
            try {
                body = text.isBlank() ? null : JSON.readTree(text);
            } catch (IOException e) {
                body = null;
            }
            return new Answer(r.code(), body, text);
        }
    }

    private Answer get(String path) throws IOException {
        return call(new Request.Builder().url(sim.url() + path + (path.contains("?") ? "&" : "?") + "access_token="
                + sim.accessToken()));
    }

    private Answer write(String method, String path, String... kv) throws IOException {
        FormBody.Builder form = new FormBody.Builder().add("access_token", sim.accessToken());
        for (int i = 0; i < kv.length; i += 2) {
            form.add(kv[i], kv[i + 1]);
        }
        return call(new Request.Builder().url(sim.url() + path).method(method, form.build()));
    }

    private Answer post(String path, String... kv) throws IOException {
        return write("POST", path, kv);
    }

    private Answer put(String path, String... kv) throws IOException {
        return write("PUT", path, kv);
    }

    // ------------------------------------------------------------------------------------------------ CMS

    @Test
    void pagesTakeContentTypeAndDefaultToTextHtml() throws IOException {
        // porta templates_controller.rb ALLOWED_PARAMS[:page] has content_type; app/models/cms/page.rb defaults it
        Answer css = post("/admin/api/cms/templates.json", "type", "page", "title", "maas.css", "path", "/css/maas.css",
                "content_type", "text/css", "draft", "body{}");
        assertThat(css.status()).isEqualTo(201);
        assertThat(css.body().get("content_type").asText()).isEqualTo("text/css");
        // CMS::Page#set_system_name: title.parameterize
        assertThat(css.body().get("system_name").asText()).isEqualTo("maas-css");
        Answer html = post("/admin/api/cms/templates.json", "type", "page", "title", "About", "path", "/about");
        assertThat(html.body().get("content_type").asText()).isEqualTo("text/html");
        long id = html.body().get("id").asLong();
        Answer updated = put("/admin/api/cms/templates/" + id + ".json", "content_type", "text/xml");
        assertThat(updated.status()).isEqualTo(200);
        assertThat(get("/admin/api/cms/templates/" + id + ".json").body().get("content_type").asText())
                .isEqualTo("text/xml");
        // a layout has no content_type parameter (ALLOWED_PARAMS[:layout]): dropped, never an error
        Answer layout = post("/admin/api/cms/templates.json", "type", "layout", "system_name", "plain", "title",
                "Plain", "content_type", "text/css", "draft", "{% content %}");
        assertThat(layout.status()).isEqualTo(201);
        assertThat(layout.body().has("content_type")).isFalse();
    }

    @Test
    void templatesAreRenderedByTheirTypesRepresenter() throws IOException {
        JsonNode list = get("/admin/api/cms/templates.json?per_page=100").body().get("collection");
        List<String> seen = new ArrayList<>();
        for (JsonNode t : list) {
            String type = t.get("type").asText();
            List<String> keys = new ArrayList<>();
            t.fieldNames().forEachRemaining(keys::add);
            switch (type) {
                // app/representers/cms/page_representer.rb (short: no draft/published)
                case "page" -> assertThat(keys).contains("title", "system_name", "layout_id", "section_id", "path",
                        "content_type", "liquid_enabled", "hidden").doesNotContain("draft", "published", "handler");
                // the same less what only CMS::Page has
                case "builtin_page" -> assertThat(keys).contains("title", "system_name", "layout_id")
                        .doesNotContain("path", "content_type", "section_id", "liquid_enabled", "hidden");
                case "layout" -> assertThat(keys).contains("title", "system_name", "liquid_enabled")
                        .doesNotContain("content_type", "path");
                // partial_representer.rb: system_name only
                default -> assertThat(keys).containsExactlyInAnyOrder("id", "type", "created_at", "updated_at",
                        "system_name");
            }
            seen.add(type);
        }
        assertThat(seen).contains("page", "builtin_page", "layout", "partial", "builtin_partial");
    }

    @Test
    void publishingClearsTheDraftAndAPageIsHiddenUntilPublished() throws IOException {
        Answer page = post("/admin/api/cms/templates.json", "type", "page", "title", "Models", "path", "/models",
                "draft", "<h1>v1</h1>");
        long id = page.body().get("id").asLong();
        assertThat(page.body().get("hidden").asBoolean()).isTrue();
        assertThat(page.body().get("published").isNull()).isTrue();
        // app/models/cms/template.rb#publish: published = draft, draft = nil
        Answer published = put("/admin/api/cms/templates/" + id + "/publish.json");
        assertThat(published.status()).isEqualTo(200);
        assertThat(published.body().get("published").asText()).isEqualTo("<h1>v1</h1>");
        assertThat(published.body().get("draft").isNull()).isTrue();
        assertThat(published.body().get("hidden").asBoolean()).isFalse();
        // publish! without a draft changes nothing
        assertThat(put("/admin/api/cms/templates/" + id + "/publish.json").body().get("published").asText())
                .isEqualTo("<h1>v1</h1>");
    }

    @Test
    void templateErrorsAsPortaRendersThem() throws IOException {
        // template_service.rb: UnknownTemplateTypeError, rendered by render_error
        Answer builtin = post("/admin/api/cms/templates.json", "type", "builtin_page", "system_name", "x1");
        assertThat(builtin.status()).isEqualTo(422);
        assertThat(builtin.body().get("error").asText()).isEqualTo("Unknown template type 'builtin_page'");
        Answer section = post("/admin/api/cms/templates.json", "type", "page", "title", "T", "path", "/t",
                "section_id", "999999");
        assertThat(section.body().get("error").asText()).isEqualTo("Unknown section: '999999'");
        // template.rb: system_name format and uniqueness per type; page.rb: the path starts with a slash
        Answer shortName = post("/admin/api/cms/templates.json", "type", "partial", "system_name", "x");
        assertThat(shortName.body().get("errors").get("system_name").get(0).asText()).isEqualTo("is invalid");
        post("/admin/api/cms/templates.json", "type", "page", "title", "Docs", "path", "/docs2");
        Answer sameTitle = post("/admin/api/cms/templates.json", "type", "page", "title", "Docs", "path", "/docs3");
        assertThat(sameTitle.status()).isEqualTo(422);
        assertThat(sameTitle.body().get("errors").get("system_name").get(0).asText())
                .isEqualTo("has already been taken");
        Answer noSlash = post("/admin/api/cms/templates.json", "type", "page", "title", "N", "path", "n");
        assertThat(noSlash.body().get("errors").get("path").get(0).asText())
                .isEqualTo("needs to start with a slash ( / )");
        // builtins cannot be deleted
        long builtinId = get("/admin/api/cms/templates.json?per_page=100").body().get("collection").findParents("type")
                .stream().filter(t -> t.get("type").asText().equals("builtin_partial")).findFirst().orElseThrow()
                .get("id").asLong();
        Answer delete = call(new Request.Builder().url(sim.url() + "/admin/api/cms/templates/" + builtinId
                + ".json?access_token=" + sim.accessToken()).delete());
        assertThat(delete.body().get("error").asText()).isEqualTo("Built-in resources can't be deleted");
    }

    @Test
    void sectionsAndFilesDefaultsAsPortaSetsThem() throws IOException {
        // app/models/cms/section.rb: system_name and partial_path from title.parameterize; parent: root if unknown
        Answer s = post("/admin/api/cms/sections.json", "title", "Getting Started", "parent_id", "999999");
        assertThat(s.status()).isEqualTo(201);
        assertThat(s.body().get("system_name").asText()).isEqualTo("getting-started");
        assertThat(s.body().get("partial_path").asText()).isEqualTo("getting-started");
        assertThat(get("/admin/api/cms/sections/getting-started.json").status()).as("found by system_name")
                .isEqualTo(200);
    }

    // ------------------------------------------------------------------------------------------- the portal

    @Test
    void theDeveloperPortalServesPublishedPagesWithTheirContentType() throws IOException {
        long id = post("/admin/api/cms/templates.json", "type", "page", "title", "app.js", "path", "/js/app.js",
                "content_type", "application/javascript", "liquid_enabled", "false", "draft", "let a = 1;")
                .body().get("id").asLong();
        // not published: CMS::Page#hidden?, so not accessible (404)
        Answer hidden = call(new Request.Builder().url(sim.developerPortalUrl() + "/js/app.js"));
        assertThat(hidden.status()).isEqualTo(404);
        put("/admin/api/cms/templates/" + id + "/publish.json");
        try (Response r = http.newCall(new Request.Builder().url(sim.developerPortalUrl() + "/js/app.js").build())
                .execute()) {
            assertThat(r.code()).isEqualTo(200);
            // Mime::Type.lookup: application/javascript is a synonym of text/javascript in Rails
            assertThat(r.header("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
            assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(r.body().string()).isEqualTo("let a = 1;");
        }
        // the home page through its layout, requested with the portal's host name as porta tells it apart
        try (Response r = http.newCall(new Request.Builder().url(sim.url() + "/")
                .header("Host", "maas." + sim.options().wildcardDomain()).build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
            assertThat(r.body().string()).isEqualTo("<html><h1>Welcome</h1></html>");
        }
    }

    // ------------------------------------------------------------------------------------------- ActiveDocs

    @Test
    void activeDocsRefuseOpenApi31UnlessSkipSwaggerValidations() throws IOException {
        String service = post("/admin/api/services.json", "name", "Granite").body().get("service").get("id")
                .asText();
        String v31 = Files.readString(VLLM_31_DOC);
        // specification.rb: "3.1" has no validator class (VInvalid): "Invalid Swagger version" under body
        Answer refused = post("/admin/api/active_docs.json", "name", "Granite", "body", v31, "service_id", service);
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.body().get("errors").get("body").get(0).asText()).isEqualTo("Invalid Swagger version");
        Answer accepted = post("/admin/api/active_docs.json", "name", "Granite", "body", v31, "service_id", service,
                "skip_swagger_validations", "true");
        assertThat(accepted.status()).isEqualTo(201);
        assertThat(accepted.body().get("api_doc").get("skip_swagger_validations").asBoolean()).isTrue();
        // the runbook's file is 3.1 JSON Schema labelled 3.0.3: the OpenAPI 3.0 schema refuses it
        Answer relabelled = post("/admin/api/active_docs.json", "name", "Runbook", "body",
                Files.readString(RUNBOOK_DOC));
        assertThat(relabelled.status()).isEqualTo(422);
        assertThat(relabelled.body().get("errors").get("body").toString())
                .contains("did not contain a required property of 'version'")
                .contains("did not match one of the following values");
        // a clean OpenAPI 3.0 document passes
        Answer clean = post("/admin/api/active_docs.json", "name", "Clean", "body",
                OpenApiOperations.defaultDocument("Clean").toString());
        assertThat(clean.status()).isEqualTo(201);
        long cleanId = clean.body().get("api_doc").get("id").asLong();
        // an update to a 3.1 body is validated as well, unless the flag is sent with it
        assertThat(put("/admin/api/active_docs/" + cleanId + ".json", "body", v31).status()).isEqualTo(422);
        assertThat(put("/admin/api/active_docs/" + cleanId + ".json", "body", v31, "skip_swagger_validations",
                "true").status()).isEqualTo(200);
        // validator.rb#valid_base_path? holds whatever the flag: a relative server of a 3.0 document
        com.fasterxml.jackson.databind.node.ObjectNode relDoc = OpenApiOperations.defaultDocument("Rel");
        relDoc.putArray("servers").addObject().put("url", "/v1");
        String relative = relDoc.toString();
        Answer rel = post("/admin/api/active_docs.json", "name", "Relative", "body", relative,
                "skip_swagger_validations", "true");
        assertThat(rel.status()).isEqualTo(422);
        assertThat(rel.body().get("errors").get("base_path").get(0).asText()).isEqualTo("is invalid");
        // an unknown product: new_service_id_permitted
        assertThat(post("/admin/api/active_docs.json", "name", "Lost", "body", "{}", "service_id", "424242").body()
                .get("error").asText()).isEqualTo("Service not found");
    }

    @Test
    void systemNamesFollowPortasFormat() throws IOException {
        // app/lib/system_name.rb: \A\w[\w\-/_]+\z, generated from the name when not given
        Answer generated = post("/admin/api/services.json", "name", "X");
        assertThat(generated.status()).isEqualTo(422);
        assertThat(generated.body().get("errors").get("system_name").get(0).asText()).isEqualTo("is invalid");
        assertThat(post("/admin/api/active_docs.json", "name", "Doc", "system_name", "a b", "body", "{}",
                "skip_swagger_validations", "true").status()).isEqualTo(422);
        assertThat(post("/admin/api/services.json", "name", "XY").status()).isEqualTo(201);
    }

    // ------------------------------------------------------------------------------- plans, accounts, apps

    @Test
    void plansAsTheirRepresentersRenderThem() throws IOException {
        String sid = post("/admin/api/services.json", "name", "Granite").body().get("service").get("id").asText();
        JsonNode sp = get("/admin/api/services/" + sid + "/service_plans.json").body().get("plans").get(0)
                .get("service_plan");
        // service_plan_representer.rb: no system_name, no service_id; the product is in the links
        assertThat(sp.get("name").asText()).isEqualTo("Default");
        assertThat(sp.has("system_name")).isFalse();
        assertThat(sp.has("service_id")).isFalse();
        assertThat(sp.get("links").toString()).contains("/admin/api/services/" + sid);
        JsonNode ap = post("/admin/api/services/" + sid + "/application_plans.json", "name", "Standard").body()
                .get("application_plan");
        // application_plan_representer.rb: system_name and custom, no service_id
        assertThat(ap.get("system_name").asText()).isEqualTo("standard");
        assertThat(ap.get("custom").asBoolean()).isFalse();
        assertThat(ap.has("service_id")).isFalse();
        assertThat(ap.get("state").asText()).isEqualTo("hidden");
    }

    @Test
    void applicationsNeedNoNameAndTakeTheUserKeyGiven() throws IOException {
        String sid = post("/admin/api/services.json", "name", "Granite").body().get("service").get("id").asText();
        String plan = post("/admin/api/services/" + sid + "/application_plans.json", "name", "Standard").body()
                .get("application_plan").get("id").asText();
        long account = sim.store().addDeveloperAccount("ACME").get("id").asLong();
        // buyers_applications_controller.rb#create: fields not required through the API; user_key taken as given
        Answer app = post("/admin/api/accounts/" + account + "/applications.json", "plan_id", plan, "user_key",
                "0123456789abcdef0123456789abcdef");
        assertThat(app.status()).isEqualTo(201);
        JsonNode a = app.body().get("application");
        assertThat(a.has("name")).as("no name given: cinstance_representer.rb renders none").isFalse();
        assertThat(a.get("user_key").asText()).isEqualTo("0123456789abcdef0123456789abcdef");
        assertThat(a.get("org_name").asText()).isEqualTo("ACME");
        assertThat(a.has("end_user_required")).isFalse();
        Answer again = post("/admin/api/accounts/" + account + "/applications.json", "plan_id", plan, "user_key",
                "0123456789abcdef0123456789abcdef");
        assertThat(again.status()).isEqualTo(422);
        assertThat(again.body().get("errors").get("user_key").get(0).asText()).isEqualTo("has already been taken");
        // the service contract made on the way, as_json with its root
        JsonNode contract = get("/admin/api/accounts/" + account + "/service_contracts.json").body()
                .get("service_contracts").get(0).get("service_contract");
        assertThat(contract.get("service_id").asText()).isEqualTo(sid);
        assertThat(contract.get("type").asText()).isEqualTo("ServiceContract");
        // accounts_controller.rb#index: an unknown state filters everything out, it is no error
        Answer none = get("/admin/api/accounts.json?state=nonsense");
        assertThat(none.status()).isEqualTo(200);
        assertThat(none.body().get("accounts")).isEmpty();
    }

    @Test
    void ssoIntegrationsAsPortaMakesThem() throws IOException {
        // authentication_providers_controller.rb: kind required (400), one per kind, the kind's human name
        Answer noKind = post("/admin/api/authentication_providers.json", "client_id", "c");
        assertThat(noKind.status()).isEqualTo(400);
        Answer made = post("/admin/api/authentication_providers.json", "kind", "keycloak", "client_id", "3scale",
                "client_secret", "s3cr3t-value", "site", "https://sso.example.com/realms/maas");
        assertThat(made.status()).isEqualTo(201);
        JsonNode p = made.body().get("authentication_provider");
        assertThat(p.get("name").asText()).isEqualTo("Red Hat Single Sign-On");
        // no system_name and no name given: app/lib/system_name.rb internal_system_name (param_key and 12 hex)
        assertThat(p.get("system_name").asText()).matches("keycloak_[0-9a-f]{12}");
        assertThat(p.get("callback_url").asText()).endsWith("/auth/" + p.get("system_name").asText() + "/callback");
        Answer second = post("/admin/api/authentication_providers.json", "kind", "keycloak", "client_id", "x",
                "client_secret", "y", "site", "https://sso.example.com/realms/other", "system_name", "other");
        assertThat(second.body().get("errors").get("kind").get(0).asText()).isEqualTo("has already been taken");
        Answer badSite = put("/admin/api/authentication_providers/" + p.get("id").asLong() + ".json", "site",
                "sso.example.com");
        assertThat(badSite.body().get("errors").get("site").get(0).asText()).isEqualTo("Invalid URL format");
    }
}
