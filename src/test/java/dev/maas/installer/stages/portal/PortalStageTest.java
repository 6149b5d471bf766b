package dev.maas.installer.stages.portal;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.keycloak.KeycloakAdmin;
import dev.maas.installer.keycloak.RealmConfigurator;
import dev.maas.installer.keycloak.RealmSpec;
import dev.maas.installer.portal.DesiredFile;
import dev.maas.installer.portal.DesiredPortal;
import dev.maas.installer.portal.DesiredTemplate;
import dev.maas.installer.portal.PortalPlan;
import dev.maas.installer.portal.PortalTree;
import dev.maas.installer.portal.TemplateKind;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.sandbox.threescale.RequestJournal;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.stages.sso.KeycloakEndpoints;
import dev.maas.installer.testing.KeycloakServer;
import dev.maas.installer.testing.LogCapture;
import dev.maas.installer.testing.RequestRecorder;
import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Account;
import dev.maas.installer.threescale.model.AuthenticationProvider;
import dev.maas.installer.threescale.model.CmsFile;
import dev.maas.installer.threescale.model.CmsTemplate;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.keycloak.representations.idm.ClientRepresentation;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The portal stage end to end against the 3scale simulator and the real Keycloak of {@link KeycloakServer}: the
 * realm and its client {@code 3scale} are made by {@link RealmConfigurator} (as the sso stage does), the Keycloak
 * admin comes from Secret credential-rh-sso in the mock cluster, the URLs from the endpoints overrides.
 */
@StartsKeycloak
@StartsSandbox
class PortalStageTest {
    private static final String TENANT = "maas";
    private static final String DOMAIN = "apps.portal.test";
    private static final String PORTAL_HOST = TENANT + "." + DOMAIN;

    @TempDir
    Path tmp;

    private ThreescaleSimulator sim;
    private SandboxCluster cluster;
    private KubernetesClient client;
    private RequestRecorder recorder;
    private String realm;
    private final List<StageContext> contexts = new ArrayList<>();

    /** The Keycloak these tests run against: Keycloak 26 here, Keycloak 18 (RH-SSO's generation) in a subclass. */
    KeycloakServer.Endpoint server() {
        return KeycloakServer.get();
    }

    @BeforeEach
    void setUp() {
        KeycloakServer.Endpoint kc = server();
        sim = ThreescaleSimulator.start(SimulatorOptions.defaults().withDomain(TENANT, DOMAIN)
                .withJournal(tmp.resolve("3scale-requests.jsonl")));
        cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withHttps(false).withOlm(false).withModels(false)
                .withAppsDomain(DOMAIN));
        client = cluster.newClient();
        for (String ns : List.of("rh-sso", "3scale")) {
            client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                    .withName(ns).endMetadata().build()).create();
        }
        recorder = new RequestRecorder();
        realm = "portal-" + UUID.randomUUID().toString().substring(0, 8);
        // what the sso stage leaves behind: the realm with its confidential client 3scale, whose only redirect URI is
        // the portal's sign-in callback
        try (KeycloakAdmin admin = KeycloakAdmin.connect(kc.url(), new KeycloakAdmin.Credentials(kc.adminUser(),
                kc.adminPassword(), "test"))) {
            new RealmConfigurator(admin, new RealmSpec(realm, null, PORTAL_HOST, "portal", null))
                    .apply(keycloakRun(), Progress.NONE);
        }
        KubernetesClient k = client;
        k.secrets().inNamespace("rh-sso").resource(new SecretBuilder().withNewMetadata()
                .withName(KeycloakEndpoints.RHSSO_SECRET).withNamespace("rh-sso").endMetadata()
                .addToStringData("ADMIN_USERNAME", kc.adminUser())
                .addToStringData("ADMIN_PASSWORD", kc.adminPassword()).build()).create();
        k.secrets().inNamespace("3scale").resource(new SecretBuilder().withNewMetadata().withName("system-seed")
                .withNamespace("3scale").endMetadata().addToStringData("ADMIN_ACCESS_TOKEN", sim.accessToken())
                .build()).create();
    }

    @AfterEach
    void tearDown() {
        contexts.forEach(StageContext::close);
        sim.close();
        cluster.close();
    }

    private InstallerConfig config(String contentDir, String onError) {
        InstallerConfig d = InstallerConfig.defaults();
        return new InstallerConfig(d.cluster(),
                new InstallerConfig.EndpointsConfig(server().url(), sim.url(), null, null),
                new InstallerConfig.SsoConfig(null, null, realm, null, null), d.threescale(), d.models(),
                d.products(), d.plans(), new InstallerConfig.PortalConfig(contentDir, onError));
    }

    /** A new context per call, as a new process would have. */
    private StageContext ctx(InstallerConfig config) {
        StageContext ctx = new StageContext(config, SecretRegistry.global(), new Cancellation())
                .provide(KubernetesClient.class, () -> client);
        // the run's admin client, made as KeycloakEndpoints.admin makes it, with the request recorder on it
        ctx.provide(KeycloakAdmin.class, () -> KeycloakEndpoints.connect(ctx, KeycloakEndpoints.resolve(ctx),
                List.of(recorder)));
        contexts.add(ctx);
        return ctx;
    }

    private ThreescaleClient threescale() {
        return ThreescaleClient.builder(sim.url(), sim.accessToken()).build();
    }

    private ClientRepresentation keycloakClient() {
        KeycloakServer.Endpoint kc = server();
        try (KeycloakAdmin admin = KeycloakAdmin.connect(kc.url(), new KeycloakAdmin.Credentials(kc.adminUser(),
                kc.adminPassword(), "test"))) {
            return admin.realm(realm).clients().findByClientId(RealmSpec.CLIENT_ID).get(0);
        }
    }

    /** A run for the sso stage's configurator, as the sso stage would give it. */
    private static StageContext keycloakRun() {
        return new StageContext(InstallerConfig.defaults(), SecretRegistry.global(), new Cancellation());
    }

    private String keycloakSecret() {
        KeycloakServer.Endpoint kc = server();
        try (KeycloakAdmin admin = KeycloakAdmin.connect(kc.url(), new KeycloakAdmin.Credentials(kc.adminUser(),
                kc.adminPassword(), "test"))) {
            return new RealmConfigurator(admin, new RealmSpec(realm, null, PORTAL_HOST, "portal", null))
                    .clientSecret();
        }
    }

    /** Every template and file of {@code desired} is published in the simulator with the same content. */
    private void assertPublished(DesiredPortal desired) {
        ThreescaleClient c = threescale();
        List<CmsTemplate> templates = c.cms().templates(true);
        for (DesiredTemplate t : desired.templates()) {
            Optional<CmsTemplate> live = templates.stream().filter(x -> x.type().equals(t.kind().cmsType())
                    && (t.kind() == TemplateKind.PAGE ? t.path().equals(x.path()) : t.systemName().equals(x.systemName())))
                    .findFirst();
            assertThat(live).as(t.file()).isPresent();
            assertThat(live.get().published()).as("published " + t.file()).isEqualTo(t.content());
            assertThat(live.get().draft() == null || live.get().draft().equals(t.content())).as("draft " + t.file())
                    .isTrue();
        }
        List<CmsFile> files = c.cms().files();
        for (DesiredFile f : desired.files()) {
            CmsFile live = files.stream().filter(x -> x.path().equals(f.path())).findFirst().orElseThrow();
            assertThat(c.cms().fileContent(live)).as(f.file()).isEqualTo(f.bytes());
        }
    }

    private static long writes(ThreescaleSimulator sim) {
        return sim.journal().entries().stream().filter(e -> !e.method().equals("GET")).count();
    }

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    void isWiredIntoTheStageList() {
        assertThat(Stages.all()).filteredOn(s -> s.id().equals("portal")).singleElement()
                .isInstanceOf(PortalStage.class);
    }

    @Test
    void appliesEndToEndThenASecondApplySendsNoWriteAndVerifyPasses() throws IOException {
        List<String> progress = new CopyOnWriteArrayList<>();
        Progress p = new Progress() {
            @Override public void step(int n, int of, String message) { progress.add(n + "/" + of + " " + message); }

            @Override public void detail(String message) { progress.add(message); }
        };
        List<Change> first;
        try (LogCapture logs = new LogCapture("dev.maas")) {
            first = new PortalStage().apply(ctx(config(null, null)), p);
            String secret = keycloakSecret();
            assertThat(logs.text()).doesNotContain(secret).doesNotContain(sim.accessToken())
                    .doesNotContain(server().adminPassword());
            assertThat(first.toString()).doesNotContain(secret);
        }
        assertThat(first).anySatisfy(c -> {
            assertThat(c.kind()).isEqualTo("authentication provider");
            assertThat(c.action()).isEqualTo(Action.CREATE);
        });
        assertThat(first).anySatisfy(c -> {
            assertThat(c.kind()).isEqualTo("provider account");
            assertThat(c.action()).isEqualTo(Action.UPDATE);
        });
        DesiredPortal desired = DefaultPortalContent.read();
        int items = (int) first.stream().filter(c -> c.kind().startsWith("cms ")).count();
        assertThat(progress).contains("Uploading 1 of " + items + ": l_main_layout.html.liquid")
                .anyMatch(s -> s.startsWith("Uploading " + items + " of " + items + ": "))
                .anyMatch(s -> s.startsWith("3/3 Portal content"));

        // end state, through the APIs
        ThreescaleClient c = threescale();
        Account provider = c.tenant().provider();
        assertThat(provider.siteAccessCode()).isNullOrEmpty();
        AuthenticationProvider sso = c.tenant().findAuthenticationProvider("keycloak").orElseThrow();
        assertThat(c.tenant().authenticationProviders()).hasSize(1);
        assertThat(sso.clientId()).isEqualTo("3scale");
        assertThat(sso.clientSecret()).isEqualTo(keycloakSecret());
        assertThat(sso.site()).isEqualTo(server().url().replaceAll("/+$", "") + "/realms/" + realm);
        assertThat(sso.published()).isTrue();
        assertThat(sso.automaticallyApproveAccounts()).isTrue();
        assertThat(sso.skipSslCertificateVerification()).isFalse();
        assertThat(keycloakClient().getRedirectUris()).containsExactly(sso.callbackUrl())
                .containsExactly("https://" + PORTAL_HOST + "/auth/keycloak/callback");
        assertPublished(desired);

        // secrets are not in the journal
        String journal = Files.readString(sim.journal().file());
        assertThat(journal).doesNotContain(keycloakSecret()).doesNotContain(sim.accessToken())
                .contains("\"client_secret\":\"" + RequestJournal.MASK + "\"");

        List<Check> checks = new PortalStage().verify(ctx(config(null, null)));
        assertThat(checks).allSatisfy(ch -> assertThat(ch.status()).as(ch.name() + ": " + ch.message())
                .isEqualTo(CheckStatus.OK));
        assertThat(checks).extracting(Check::name).contains("portal access code", "SSO integration",
                "redirect URIs", "portal content");

        // the second apply, as a new process: only reads
        sim.journal().clear();
        recorder.clear();
        List<Change> second = new PortalStage().apply(ctx(config(null, null)), Progress.NONE);
        assertThat(second).allSatisfy(ch -> assertThat(ch.action()).as(ch.toString()).isEqualTo(Action.NOOP));
        assertThat(writes(sim)).as("writes to 3scale: " + sim.journal().entries()).isZero();
        assertThat(recorder.writes()).as("writes to Keycloak").isEmpty();
        assertThat(recorder.all()).as("Keycloak was read").isNotEmpty();
        assertThat(new PortalStage().plan(ctx(config(null, null))))
                .allSatisfy(ch -> assertThat(ch.action()).isEqualTo(Action.NOOP));
    }

    @Test
    void planIsADryRunListingWhatWouldChange() {
        sim.journal().clear();
        PortalStage stage = new PortalStage();
        List<Change> plan = stage.plan(ctx(config(null, null)));
        assertThat(plan).anySatisfy(c -> assertThat(c.toString()).contains("site_access_code").contains("UPDATE"));
        assertThat(plan).anySatisfy(c -> {
            assertThat(c.kind()).isEqualTo("authentication provider");
            assertThat(c.action()).isEqualTo(Action.CREATE);
            assertThat(c.fields().get("client_secret").to()).isEqualTo("******");
            assertThat(c.fields().get("automatically_approve_accounts").to()).isEqualTo("true");
        });
        // the client's redirect URIs are the sso stage's: the portal stage never plans to change them
        assertThat(plan).noneSatisfy(c -> assertThat(c.kind()).isEqualTo("client"));
        assertThat(plan).anySatisfy(c -> {
            assertThat(c.kind()).isEqualTo("cms builtin page");
            assertThat(c.name()).isEqualTo("login/new");
            assertThat(c.action()).isEqualTo(Action.UPDATE);
        });
        assertThat(plan).anySatisfy(c -> {
            assertThat(c.kind()).isEqualTo("cms file");
            assertThat(c.name()).isEqualTo("/images/maas-logo.svg");
            assertThat(c.action()).isEqualTo(Action.CREATE);
        });
        PortalPlan content = stage.contentPlan(ctx(config(null, null)));
        assertThat(content.dryRun()).contains("+ create page /models from models.html.liquid")
                .contains("~ update builtin_page login/new");
        assertThat(writes(sim)).isZero();
        assertThat(recorder.writes()).isEmpty();
        assertThat(threescale().tenant().authenticationProviders()).isEmpty();
    }

    @Test
    void theRedirectUrisAreOnlyReadAHandEditIsForTheSsoStageToRepair() {
        new PortalStage().apply(ctx(config(null, null)), Progress.NONE);
        String callback = "https://" + PORTAL_HOST + "/auth/keycloak/callback";
        KeycloakServer.Endpoint kc = server();
        try (KeycloakAdmin admin = KeycloakAdmin.connect(kc.url(), new KeycloakAdmin.Credentials(kc.adminUser(),
                kc.adminPassword(), "test"))) {
            ClientRepresentation client = keycloakClient();
            client.setRedirectUris(List.of("https://evil.example.com/*"));
            admin.realm(realm).clients().get(client.getId()).update(client);

            List<Check> checks = new PortalStage().verify(ctx(config(null, null)));
            assertThat(checks).filteredOn(c -> c.name().equals("redirect URIs")).singleElement().satisfies(c -> {
                assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
                assertThat(c.message()).contains("evil.example.com").contains(callback);
                assertThat(c.fix().kind()).isEqualTo(dev.maas.installer.engine.Fix.Kind.STAGE);
                assertThat(c.fix().target()).isEqualTo("sso");
            });
            // the portal stage leaves them alone: its apply writes nothing to Keycloak
            recorder.clear();
            new PortalStage().apply(ctx(config(null, null)), Progress.NONE);
            assertThat(recorder.writes()).as("writes to Keycloak").isEmpty();
            assertThat(keycloakClient().getRedirectUris()).containsExactly("https://evil.example.com/*");

            // the sso stage's configurator repairs them to exactly the portal's callback: the portal verifies again
            new RealmConfigurator(admin, new RealmSpec(realm, null, PORTAL_HOST, "portal", null))
                    .apply(keycloakRun(), Progress.NONE);
        }
        assertThat(keycloakClient().getRedirectUris()).containsExactly(callback);
        assertThat(new PortalStage().verify(ctx(config(null, null))))
                .allSatisfy(ch -> assertThat(ch.status()).as(ch.name() + ": " + ch.message())
                        .isEqualTo(CheckStatus.OK));
    }

    @Test
    void beforeThreescaleIsInstalledThePlanIsForANewTenantAndVerifyWaits() {
        client.secrets().inNamespace("3scale").withName("system-seed").delete();
        StageContext ctx = ctx(config(null, null));
        List<Change> plan = new PortalStage().plan(ctx);
        assertThat(ctx.takeAssumptions()).singleElement().asString().contains("threescale is applied");
        assertThat(plan).anySatisfy(c -> {
            assertThat(c.kind()).isEqualTo("provider account");
            assertThat(c.action()).isEqualTo(Action.UPDATE);
        });
        assertThat(plan).anySatisfy(c -> {
            assertThat(c.kind()).isEqualTo("authentication provider");
            assertThat(c.action()).isEqualTo(Action.CREATE);
            assertThat(c.fields().get("client_secret").to()).isEqualTo("******");
        });
        // our content against the new tenant's CMS: its builtins and layout updated, our own pages and files new
        assertThat(plan).anySatisfy(c -> {
            assertThat(c.kind()).isEqualTo("cms builtin page");
            assertThat(c.name()).isEqualTo("login/new");
            assertThat(c.action()).isEqualTo(Action.UPDATE);
        });
        assertThat(plan).anySatisfy(c -> {
            assertThat(c.kind()).isEqualTo("cms file");
            assertThat(c.action()).isEqualTo(Action.CREATE);
        });
        // the new tenant has every builtin our content updates: no content problem in that plan
        assertThat(PortalStage.diff(DefaultPortalContent.read(), NewTenantCms.state()).problems()).isEmpty();
        assertThatThrownBy(() -> new PortalStage().verify(ctx(config(null, null))))
                .isInstanceOfSatisfying(dev.maas.installer.engine.WaitingForStageException.class,
                        e -> assertThat(e.stageId()).isEqualTo("threescale"));
        assertThat(writes(sim)).isZero();
    }

    @Test
    void contentIsComparedByContentNotTimestamps() {
        new PortalStage().apply(ctx(config(null, null)), Progress.NONE);
        ThreescaleClient c = threescale();
        // someone edits the home page in the CMS and leaves it as a draft; someone else replaces the logo
        CmsTemplate home = c.cms().templates(true).stream().filter(t -> "/".equals(t.path())).findFirst().orElseThrow();
        c.cms().updateTemplate(home.id(), Map.of("draft", "<h1>edited</h1>"));
        CmsFile logo = c.cms().files().stream().filter(f -> f.path().equals("/images/maas-logo.svg")).findFirst()
                .orElseThrow();
        c.cms().updateFile(logo.id(), null, null, null, "maas-logo.svg", "<svg/>".getBytes(StandardCharsets.UTF_8),
                "image/svg+xml");
        // a template republished with the same content changes its timestamps only
        CmsTemplate css = c.cms().templates(true).stream().filter(t -> "/css/maas.css".equals(t.path())).findFirst()
                .orElseThrow();
        c.cms().publish(css.id());

        PortalPlan content = new PortalStage().contentPlan(ctx(config(null, null)));
        assertThat(content.actions()).extracting(a -> a.describe()).containsExactlyInAnyOrder(
                "~ update page / (content) from index.html.liquid", "^ publish page /",
                "~ replace file /images/maas-logo.svg from images/maas-logo.svg ("
                        + DefaultPortalContent.read().fileFromFile("images/maas-logo.svg").orElseThrow().size()
                        + " bytes)");
        // count what the client sends (the simulator journals a request just after answering it)
        List<String> sent = new CopyOnWriteArrayList<>();
        ThreescaleClient counted = threescale();
        counted.onRequest(r -> {
            if (!r.method().equals("GET")) {
                sent.add(r.method() + " " + r.path());
            }
        });
        new PortalStage().apply(ctx(config(null, null)).provide(ThreescaleClient.class, () -> counted),
                Progress.NONE);
        assertThat(sent).containsExactlyInAnyOrder("PUT /admin/api/cms/templates/" + home.id() + ".json",
                "PUT /admin/api/cms/templates/" + home.id() + "/publish.json",
                "PUT /admin/api/cms/files/" + logo.id() + ".json");
        assertPublished(DefaultPortalContent.read());
    }

    @Test
    void cssAndJsPagesAreStoredAndServedWithTheirContentTypes() throws IOException {
        new PortalStage().apply(ctx(config(null, null)), Progress.NONE);
        // read back through the Admin API: the pages carry the content type of their file
        List<CmsTemplate> pages = threescale().cms().templates(false).stream()
                .filter(t -> "page".equals(t.type())).toList();
        assertThat(pages).filteredOn(t -> "/css/maas.css".equals(t.path())).singleElement()
                .satisfies(t -> assertThat(t.contentType()).isEqualTo("text/css"));
        assertThat(pages).filteredOn(t -> "/javascripts/maas.js".equals(t.path())).singleElement()
                .satisfies(t -> assertThat(t.contentType()).isEqualTo("text/javascript"));
        assertThat(pages).filteredOn(t -> "/models".equals(t.path())).singleElement()
                .satisfies(t -> assertThat(t.contentType()).isEqualTo("text/html"));
        // and the developer portal serves them so, with nosniff: a browser takes them as a stylesheet and a script
        DesiredPortal desired = DefaultPortalContent.read();
        assertServed("/css/maas.css", "text/css; charset=utf-8",
                desired.templateFromFile("css/maas.css").orElseThrow().content());
        assertServed("/javascripts/maas.js", "text/javascript; charset=utf-8",
                desired.templateFromFile("javascripts/maas.js").orElseThrow().content());
    }

    private void assertServed(String path, String contentType, String body) throws IOException {
        try (okhttp3.Response r = new okhttp3.OkHttpClient().newCall(new okhttp3.Request.Builder()
                .url(sim.developerPortalUrl() + path).build()).execute()) {
            assertThat(r.code()).as(path).isEqualTo(200);
            assertThat(r.header("Content-Type")).as(path).isEqualTo(contentType);
            assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(r.body().string()).isEqualTo(body);
        }
    }

    @Test
    void aPageLeftAsTextHtmlGetsItsContentTypeAndNothingElse() {
        new PortalStage().apply(ctx(config(null, null)), Progress.NONE);
        ThreescaleClient c = threescale();
        // as an installer that did not send content_type left it: porta's default, text/html
        CmsTemplate css = c.cms().templates(false).stream().filter(t -> "/css/maas.css".equals(t.path()))
                .findFirst().orElseThrow();
        c.cms().updateTemplate(css.id(), Map.of("content_type", "text/html"));

        assertThat(new PortalStage().contentPlan(ctx(config(null, null))).actions()).extracting(a -> a.describe())
                .containsExactly("~ update page /css/maas.css (content_type) from css/maas.css");
        sim.journal().clear();
        new PortalStage().apply(ctx(config(null, null)), Progress.NONE);
        assertThat(sim.journal().entries()).filteredOn(e -> !e.method().equals("GET")).singleElement()
                .satisfies(e -> {
                    assertThat(e.method() + " " + e.path()).isEqualTo("PUT /admin/api/cms/templates/" + css.id()
                            + ".json");
                    assertThat(e.params()).containsEntry("content_type", "text/css").doesNotContainKey("draft");
                });
        assertThat(c.cms().template(css.id()).orElseThrow().contentType()).isEqualTo("text/css");
        sim.journal().clear();
        new PortalStage().apply(ctx(config(null, null)), Progress.NONE);
        assertThat(writes(sim)).isZero();
    }

    @Test
    void aTreeShapedLikeTheRunbookPortalUploadsAndIsThenUpToDate() throws IOException {
        Path tree = writeRunbookTree(tmp.resolve("runbook-portal"));
        DesiredPortal desired = PortalTree.read(tree);
        assertThat(desired.problems()).isEmpty();
        List<Change> changes = new PortalStage().apply(ctx(config(tree.toString(), null)), Progress.NONE);
        assertThat(changes).anySatisfy(c -> assertThat(c.name()).isEqualTo("accounts/invitee_signups/show"));
        assertThat(changes).anySatisfy(c -> assertThat(c.name()).isEqualTo("/favicon.ico"));
        assertPublished(desired);
        sim.journal().clear();
        new PortalStage().apply(ctx(config(tree.toString(), null)), Progress.NONE);
        assertThat(writes(sim)).isZero();
        assertThat(new PortalStage().verify(ctx(config(tree.toString(), null))))
                .allSatisfy(ch -> assertThat(ch.status()).as(ch.message()).isEqualTo(CheckStatus.OK));
    }

    /** Our content plus an unknown builtin page, an unreadable file, and a page the CMS rejects (422). */
    private Path badContent() throws IOException {
        Path dir = tmp.resolve("bad-portal");
        Files.createDirectories(dir);
        DefaultPortalContent.copyTo(dir);
        Files.writeString(dir.resolve("login/other.html.liquid"), "<p>not a builtin</p>");
        Files.createSymbolicLink(dir.resolve("images/broken.png"), dir.resolve("does-not-exist.png"));
        sim.store().rejectTemplate("/models", "Liquid syntax error: 'for' tag was never closed");
        return dir;
    }

    @Test
    void badItemsAreNamedAndTheOthersStillUploadedByDefault() throws IOException {
        Path dir = badContent();
        StageContext ctx = ctx(config(dir.toString(), null));
        assertThatThrownBy(() -> new PortalStage().apply(ctx, Progress.NONE))
                .isInstanceOf(StageException.class)
                .hasMessageContaining("3 portal content items failed")
                .hasMessageContaining("login/other.html.liquid")
                .hasMessageContaining("images/broken.png")
                .hasMessageContaining("models.html.liquid: was rejected by 3scale")
                .hasMessageContaining("Liquid syntax error")
                .satisfies(e -> assertThat(((StageException) e).fix().target()).isEqualTo("portal.contentDir"));
        // everything else is there
        DesiredPortal desired = PortalTree.read(dir);
        DesiredPortal good = new DesiredPortal(desired.root(), desired.sections(), desired.templates().stream()
                .filter(t -> !t.file().equals("models.html.liquid")).toList(), desired.files(), List.of());
        assertPublished(good);
        assertThat(threescale().cms().templates(false)).noneMatch(t -> "/models".equals(t.path()));
        assertThat(threescale().tenant().findAuthenticationProvider("keycloak")).isPresent();
        // verify names them too
        List<Check> checks = new PortalStage().verify(ctx(config(dir.toString(), null)));
        assertThat(checks).anySatisfy(ch -> {
            assertThat(ch.status()).isEqualTo(CheckStatus.INVALID_INPUT);
            assertThat(ch.name()).contains("login/other.html.liquid");
        });
        assertThat(checks).anySatisfy(ch -> assertThat(ch.message()).contains("models.html.liquid"));
    }

    @Test
    void onErrorStopStopsBeforeAnyWriteWhenTheFolderHasProblems() throws IOException {
        Path dir = badContent();
        sim.journal().clear();
        assertThatThrownBy(() -> new PortalStage().apply(ctx(config(dir.toString(), "stop")), Progress.NONE))
                .isInstanceOf(StageException.class)
                .hasMessageContaining("nothing uploaded")
                .hasMessageContaining("login/other.html.liquid")
                .hasMessageContaining("images/broken.png")
                .satisfies(e -> assertThat(((StageException) e).invalidInput()).isTrue());
        assertThat(writes(sim)).isZero();
        assertThat(recorder.writes()).isEmpty();
    }

    @Test
    void onErrorStopStopsCleanlyAtATemplateTheCmsRejects() {
        sim.store().rejectTemplate("main_layout", "Liquid syntax error: Unknown tag 'contnet'");
        assertThatThrownBy(() -> new PortalStage(PortalStage.OnError.STOP).apply(ctx(config(null, null)),
                Progress.NONE))
                .isInstanceOf(StageException.class)
                .hasMessageContaining("1 portal content item failed")
                .hasMessageContaining("l_main_layout.html.liquid: was rejected by 3scale")
                .hasMessageContaining("Unknown tag 'contnet'");
        // the items after the layout were not sent
        ThreescaleClient c = threescale();
        assertThat(c.cms().templates(false)).noneMatch(t -> "/models".equals(t.path()));
        assertThat(c.cms().files()).noneMatch(f -> f.path().equals("/images/maas-logo.svg"));
        // the same with the default (continue): the others are uploaded
        assertThatThrownBy(() -> new PortalStage().apply(ctx(config(null, null)), Progress.NONE))
                .hasMessageContaining("l_main_layout.html.liquid");
        assertThat(c.cms().templates(false)).anyMatch(t -> "/models".equals(t.path()));
        assertThat(c.cms().files()).anyMatch(f -> f.path().equals("/images/maas-logo.svg"));
    }

    @Test
    void theDefaultContentComesFromTheClassPathWithoutProblems() {
        DesiredPortal d = DefaultPortalContent.read();
        assertThat(d.problems()).isEmpty();
        assertThat(d.templateFromFile("l_main_layout.html.liquid")).isPresent();
        assertThat(d.templateFromFile("login/new.html.liquid")).get()
                .satisfies(t -> assertThat(t.kind()).isEqualTo(TemplateKind.BUILTIN_PAGE));
        assertThat(d.fileFromFile("images/maas-logo.svg")).isPresent();
        assertThat(d.templates()).hasSizeGreaterThanOrEqualTo(8);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Every file of the runbook's portal (names from runbook-portal-tree.txt), with content that differs per file. */
    static Path writeRunbookTree(Path root) throws IOException {
        List<String> names;
        try (InputStream in = PortalStageTest.class.getResourceAsStream("/portal/runbook-portal-tree.txt")) {
            names = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        }
        for (String name : names) {
            Path p = root.resolve(name);
            Files.createDirectories(p.getParent());
            if (name.matches(".*\\.(jpg|png|ico)$")) {
                byte[] bytes = new byte[48];
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = (byte) (i * 7 + name.hashCode());
                }
                Files.write(p, bytes);
            } else {
                Files.writeString(p, "<!-- " + name + " -->\n{% comment %}runbook-shaped{% endcomment %}\n");
            }
        }
        return root;
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------- Keycloak's certificate at sign-in

    private static final okhttp3.tls.HeldCertificate INGRESS_CA = new okhttp3.tls.HeldCertificate.Builder()
            .certificateAuthority(0).commonName("ingress-operator@1700000000").build();

    /**
     * The cluster as a fresh OpenShift has it: apps domain, Route keycloak of RH-SSO under it, and the default
     * ingress certificate (a wildcard signed by the self-signed ingress CA) published in
     * openshift-config-managed/default-ingress-cert.
     */
    private void freshOpenShiftIngress() {
        okhttp3.tls.HeldCertificate wildcard = new okhttp3.tls.HeldCertificate.Builder().signedBy(INGRESS_CA)
                .commonName("*." + DOMAIN).addSubjectAlternativeName("*." + DOMAIN).build();
        KubernetesClient k = client;
        k.resources(io.fabric8.openshift.api.model.Route.class).inNamespace("rh-sso").resource(
                new io.fabric8.openshift.api.model.RouteBuilder().withNewMetadata().withName("keycloak")
                        .withNamespace("rh-sso").endMetadata().withNewSpec().withHost("keycloak-rh-sso." + DOMAIN)
                        .withNewTo().withKind("Service").withName("keycloak").endTo().withNewTls()
                        .withTermination("reencrypt").endTls().endSpec().build()).create();
        k.configMaps().inNamespace("openshift-config-managed").resource(new io.fabric8.kubernetes.api.model
                .ConfigMapBuilder().withNewMetadata().withName("default-ingress-cert")
                .withNamespace("openshift-config-managed").endMetadata()
                .addToData("ca-bundle.crt", wildcard.certificatePem() + INGRESS_CA.certificatePem()).build())
                .createOr(x -> x.update());
    }

    private InstallerConfig config(boolean skipVerification) {
        InstallerConfig c = config(null, null);
        return new InstallerConfig(c.cluster(), c.endpoints(), c.sso(), c.threescale(), c.models(), c.products(),
                c.plans(), new InstallerConfig.PortalConfig(null, null, skipVerification));
    }

    private static Check check(List<Check> checks, String name) {
        return checks.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + name + " in " + checks));
    }

    @Test
    void aKeycloakUnderTheClustersIngressCaIsShownInThePlanAndVerifyWarnsThatSignInWillFail() {
        freshOpenShiftIngress();
        Change planned = new PortalStage().plan(ctx(config(false))).stream()
                .filter(c -> c.kind().equals("authentication provider")).findFirst().orElseThrow();
        assertThat(planned.fields().get("skip_ssl_certificate_verification").to()).isEqualTo("false");
        assertThat(planned.fields().get("Keycloak certificate").to()).contains("ingress-operator@1700000000")
                .contains("developer sign-in fails").contains("portal.skipKeycloakCertificateVerification");

        new PortalStage().apply(ctx(config(false)), Progress.NONE);

        AuthenticationProvider sso = threescale().tenant().findAuthenticationProvider("keycloak").orElseThrow();
        // the Route's host with Keycloak's own path (/auth on the legacy generation)
        String path = java.net.URI.create(server().url()).getPath().replaceAll("/+$", "");
        assertThat(sso.site()).isEqualTo("https://keycloak-rh-sso." + DOMAIN + path + "/realms/" + realm);
        assertThat(sso.skipSslCertificateVerification()).isFalse();
        List<Check> checks = new PortalStage().verify(ctx(config(false)));
        Check cert = check(checks, "sign-in certificate");
        assertThat(cert.status()).isEqualTo(CheckStatus.WARN);
        assertThat(cert.message()).contains("developer sign-in will fail").contains("trusts only public CAs")
                .contains("ingress-operator@1700000000").contains("A publicly trusted certificate for Keycloak makes"
                        + " sign-in work");
        assertThat(cert.fix().hint()).contains("certificate from a public CA")
                .contains("portal.skipKeycloakCertificateVerification: true");
        assertThat(checks).filteredOn(c -> !c.name().equals("sign-in certificate"))
                .allSatisfy(c -> assertThat(c.status()).as(c.name()).isEqualTo(CheckStatus.OK));
    }

    @Test
    void skippingVerificationIsSetIn3scaleAndVerifySaysWhatItCosts() {
        freshOpenShiftIngress();
        new PortalStage().apply(ctx(config(true)), Progress.NONE);

        assertThat(threescale().tenant().findAuthenticationProvider("keycloak").orElseThrow()
                .skipSslCertificateVerification()).isTrue();
        Check cert = check(new PortalStage().verify(ctx(config(true))), "sign-in certificate");
        assertThat(cert.status()).isEqualTo(CheckStatus.WARN);
        assertThat(cert.message()).contains("does not verify").contains("client secret");
        sim.journal().clear();
        assertThat(new PortalStage().apply(ctx(config(true)), Progress.NONE))
                .allSatisfy(ch -> assertThat(ch.action()).isEqualTo(Action.NOOP));
        assertThat(writes(sim)).isZero();

        // back to verification: an UPDATE of the one field
        Change back = new PortalStage().plan(ctx(config(false))).stream()
                .filter(c -> c.kind().equals("authentication provider")).findFirst().orElseThrow();
        assertThat(back.action()).isEqualTo(Action.UPDATE);
        assertThat(back.fields().get("skip_ssl_certificate_verification").to()).isEqualTo("false");
    }

    @Test
    void aPubliclyTrustedKeycloakCertificatePasses() {
        freshOpenShiftIngress();
        java.util.function.Supplier<StageContext> trusted = () -> ctx(config(false)).provide(
                dev.maas.installer.stages.common.PublicCas.class,
                () -> new dev.maas.installer.stages.common.PublicCas(List.of(INGRESS_CA.certificate())));
        new PortalStage().apply(trusted.get(), Progress.NONE);

        Check cert = check(new PortalStage().verify(trusted.get()), "sign-in certificate");
        assertThat(cert.status()).isEqualTo(CheckStatus.OK);
        assertThat(cert.message()).contains("publicly trusted").contains("3scale verifies it");
    }
}
