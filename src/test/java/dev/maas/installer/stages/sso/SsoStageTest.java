package dev.maas.installer.stages.sso;

import dev.maas.installer.cluster.Resources;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.EndpointsConfig;
import dev.maas.installer.engine.config.InstallerConfig.IdentityProviderConfig;
import dev.maas.installer.engine.config.InstallerConfig.SsoConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.sandbox.KeycloakOperatorSimulator;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.stages.sso.KeycloakCrs.LegacyKeycloak;
import dev.maas.installer.stages.sso.KeycloakCrs.LegacyKeycloakRealm;
import dev.maas.installer.stages.sso.KeycloakCrs.RhbkKeycloak;
import dev.maas.installer.testing.KeycloakServer;
import dev.maas.installer.testing.LogCapture;
import dev.maas.installer.testing.RequestRecorder;
import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.openshift.api.model.operatorhub.v1.OperatorGroup;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.Subscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.IdentityProviderRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sso stage end to end: the sandbox's API server with its simulated OLM and its simulated Keycloak operator
 * pointing at a REAL Keycloak (KeycloakServer), so the stage really configures a realm.
 */
@StartsKeycloak
@StartsSandbox
class SsoStageTest {
    private static final String DOMAIN = "apps.cluster.example.com";
    private static final String IDP_SECRET_ENV = "MAAS_TEST_IDP_SECRET";

    private KeycloakServer.Endpoint keycloak;
    private Keycloak harnessAdmin;

    private SsoSandbox cluster;
    private final RequestRecorder recorder = new RequestRecorder();
    private final String idpSecret = "idp-secret-" + UUID.randomUUID();
    private final String realm = "maas-" + UUID.randomUUID().toString().substring(0, 8);

    /** The Keycloak these tests run against: Keycloak 26 here, Keycloak 18 (RH-SSO's generation) in a subclass. */
    KeycloakServer.Endpoint server() {
        return KeycloakServer.get();
    }

    @BeforeEach
    void setUp() {
        keycloak = server();
        harnessAdmin = KeycloakBuilder.builder().serverUrl(keycloak.url()).realm("master").clientId("admin-cli")
                .username(keycloak.adminUser()).password(keycloak.adminPassword()).grantType("password").build();
        cluster = SsoSandbox.start(DOMAIN);
    }

    @AfterEach
    void tearDown() {
        cluster.close();
        try {
            harnessAdmin.realm(realm).remove();
        } catch (RuntimeException ignored) {
            // the test may not have made it
        }
        harnessAdmin.close();
    }

    /**
     * The sandbox's simulated RH-SSO / RHBK operator on this test's cluster, pointing at the real Keycloak, and its
     * StatefulSet controller (which runs the PostgreSQL the stage makes for RHBK on the default StorageClass).
     */
    private void startOperator(String secretPassword, KeycloakOperatorSimulator.Mode mode) {
        cluster.startKeycloakOperator(KeycloakOperatorSimulator.Options.of(keycloak.url(), keycloak.adminUser(),
                keycloak.adminPassword()).withSecretPassword(secretPassword).withMode(mode));
    }

    private SsoStage stage(Duration readyTimeout) {
        return new SsoStage(Duration.ofSeconds(30), readyTimeout,
                name -> IDP_SECRET_ENV.equals(name) ? idpSecret : null, List.of(recorder));
    }

    private SsoStage stage() { return stage(Duration.ofSeconds(60)); }

    private InstallerConfig config(String flavour, String keycloakUrl) {
        IdentityProviderConfig idp = new IdentityProviderConfig("oidc", "corp-sso", "Corporate SSO", "maas-portal",
                IDP_SECRET_ENV, keycloak.url() + "/realms/master");
        return new InstallerConfig(null, new EndpointsConfig(keycloakUrl, null, null, null),
                new SsoConfig(flavour, null, realm, null, idp), null, null, null, null, null);
    }

    private StageContext ctx(InstallerConfig config) {
        KubernetesClient client = cluster.client;
        return new StageContext(config, SecretRegistry.global(), new Cancellation())
                .provide(KubernetesClient.class, () -> client);
    }

    /**
     * Requests that change Keycloak. The admin client's logout on close (POST .../openid-connect/logout) ends our own
     * admin session and changes no configuration, so it does not count.
     */
    private List<RequestRecorder.Request> keycloakWrites() {
        return recorder.writes().stream().filter(r -> !r.path().endsWith("/protocol/openid-connect/logout")).toList();
    }

    private static List<Check> failing(List<Check> checks) {
        return checks.stream().filter(c -> c.status() != CheckStatus.OK).toList();
    }

    @Test
    void isWiredIntoTheStageList() {
        assertThat(Stages.all()).filteredOn(s -> s.id().equals(StageIds.SSO)).singleElement()
                .isInstanceOf(SsoStage.class);
    }

    @Test
    void rhssoApplyInstallsTheOperatorAndConfiguresTheRealKeycloak() {
        cluster.offer("rhsso-operator", "stable", "stable");
        cluster.offer("rhbk-operator", "stable-v26", "stable-v26");
        startOperator(keycloak.adminPassword(), KeycloakOperatorSimulator.Mode.READY);
        StageContext ctx = ctx(config("auto", null));
        SsoStage stage = stage();
        cluster.clearRequests();

        List<Change> plan = stage.plan(ctx);
        assertThat(cluster.writes()).as("plan writes nothing").isEmpty();
        assertThat(plan).extracting(Change::action).containsOnly(Action.CREATE);
        assertThat(plan).extracting(Change::kind).containsExactly("Namespace", "OperatorGroup", "Subscription",
                "Keycloak", "KeycloakRealm", "realm", "client", "protocol mapper", "protocol mapper",
                "identity provider");
        assertThat(plan.get(5).system()).isEqualTo(TargetSystem.KEYCLOAK);
        assertThat(plan.get(6).fields().get("redirectUris").to()).isEqualTo("[https://maas." + DOMAIN
                + "/auth/keycloak/callback]");

        List<String> steps = new CopyOnWriteArrayList<>();
        List<String> details = new CopyOnWriteArrayList<>();
        List<Change> applied;
        try (LogCapture logs = new LogCapture("dev.maas.installer")) {
            applied = stage.apply(ctx, new dev.maas.installer.engine.Progress() {
                @Override public void step(int n, int of, String message) { steps.add(n + " of " + of + ": " + message); }

                @Override public void detail(String message) { details.add(message); }
            });
            String secret = clientSecret();
            assertThat(logs.lines()).isNotEmpty().noneMatch(l -> l.contains(keycloak.adminPassword())
                    || l.contains(secret) || l.contains(idpSecret));
            assertThat(String.join("\n", details)).doesNotContain(keycloak.adminPassword()).doesNotContain(secret);
            assertThat(SecretRegistry.global().redact("x " + secret + " " + keycloak.adminPassword()))
                    .isEqualTo("x ****** ******");
        }

        assertThat(steps).hasSize(6).allMatch(s -> s.matches("\\d of 6: .*"));
        assertThat(steps.get(0)).contains("rhsso-operator").contains("stable").contains("rh-sso");
        assertThat(details).anyMatch(d -> d.contains("CSV " + SsoSandbox.csv("rhsso-operator", "stable") + ": Succeeded"))
                .anyMatch(d -> d.startsWith("realm " + realm + " at " + keycloak.url() + "/realms/" + realm));
        assertThat(applied).filteredOn(c -> c.system() == TargetSystem.KUBERNETES).extracting(Change::kind)
                .containsExactly("Namespace", "OperatorGroup", "Subscription", "Keycloak", "KeycloakRealm");
        assertThat(applied).filteredOn(c -> c.kind().equals("client")).singleElement()
                .extracting(Change::action).isEqualTo(Action.CREATE);
        // the realm itself was made by the (simulated) RH-SSO operator from the KeycloakRealm CR
        assertThat(applied).filteredOn(c -> c.kind().equals("realm")).singleElement()
                .extracting(Change::action).isEqualTo(Action.NOOP);

        KubernetesClient c = cluster.client;
        Namespace ns = c.namespaces().withName("rh-sso").get();
        assertThat(ns.getMetadata().getLabels()).containsEntry(Resources.MANAGED_BY_LABEL, Resources.MANAGER);
        assertThat(c.resources(OperatorGroup.class).inNamespace("rh-sso").withName("rh-sso").get().getSpec()
                .getTargetNamespaces()).containsExactly("rh-sso");
        Subscription sub = c.resources(Subscription.class).inNamespace("rh-sso").withName("rhsso-operator").get();
        assertThat(sub.getSpec().getChannel()).isEqualTo("stable");
        LegacyKeycloak kc = c.resources(LegacyKeycloak.class).inNamespace("rh-sso").withName("rh-sso").get();
        assertThat(kc.getMetadata().getLabels()).containsEntry("app", "rh-sso")
                .containsEntry(Resources.MANAGED_BY_LABEL, Resources.MANAGER);
        assertThat(kc.specValue("externalAccess.enabled")).isEqualTo(true);
        assertThat(kc.specValue("instances")).isEqualTo(1);
        LegacyKeycloakRealm realmCr = c.resources(LegacyKeycloakRealm.class).inNamespace("rh-sso").withName(realm)
                .get();
        assertThat(realmCr.specValue("realm.realm")).isEqualTo(realm);
        assertThat(realmCr.specValue("realm.id")).isEqualTo(realm);
        assertThat(realmCr.specValue("realm.displayName")).isEqualTo("MaaS on RHOAI");
        assertThat(realmCr.specValue("instanceSelector.matchLabels")).isEqualTo(Map.of("app", "rh-sso"));

        RealmRepresentation live = harnessAdmin.realm(realm).toRepresentation();
        assertThat(live.getDisplayName()).isEqualTo("MaaS on RHOAI");
        ClientRepresentation client = harnessAdmin.realm(realm).clients().findByClientId("3scale").get(0);
        assertThat(client.getRedirectUris()).containsExactly("https://maas." + DOMAIN + "/auth/keycloak/callback");
        assertThat(client.isDirectAccessGrantsEnabled()).isFalse();
        assertThat(client.isPublicClient()).isFalse();
        IdentityProviderRepresentation idp = harnessAdmin.realm(realm).identityProviders().get("corp-sso")
                .toRepresentation();
        assertThat(idp.isTrustEmail()).isTrue();
        assertThat(idp.getConfig()).containsEntry("syncMode", "IMPORT");

        List<Check> checks = stage.verify(ctx);
        assertThat(failing(checks)).as("verify: %s", checks).isEmpty();
        assertThat(checks).extracting(Check::name).contains("operator rhsso-operator", "Keycloak ready",
                "realm " + realm + " discovery document", "client " + realm + "/3scale");
    }

    private String clientSecret() {
        ClientRepresentation client = harnessAdmin.realm(realm).clients().findByClientId("3scale").get(0);
        return harnessAdmin.realm(realm).clients().get(client.getId()).getSecret().getValue();
    }

    @Test
    void secondApplyWritesNothingToTheClusterOrKeycloak() {
        cluster.offer("rhsso-operator", "stable", "stable");
        startOperator(keycloak.adminPassword(), KeycloakOperatorSimulator.Mode.READY);
        StageContext ctx = ctx(config("rhsso", null));
        SsoStage stage = stage();
        stage.apply(ctx, null);
        cluster.clearRequests();
        recorder.clear();

        List<Change> again = stage.apply(ctx, null);

        assertThat(again).allMatch(Change::isNoop, "all NOOP: " + again);
        assertThat(cluster.requests()).as("it did read").isNotEmpty();
        assertThat(cluster.writes()).as("no write to the cluster").isEmpty();
        assertThat(recorder.all()).as("it did read Keycloak").isNotEmpty();
        assertThat(keycloakWrites()).as("no write to Keycloak").isEmpty();
        assertThat(stage.plan(ctx)).allMatch(Change::isNoop);
        assertThat(cluster.writes()).isEmpty();
        assertThat(keycloakWrites()).isEmpty();
    }

    @Test
    void driftIsReportedByVerifyAndPlanAndRepairedByApply() {
        cluster.offer("rhsso-operator", "stable", "stable");
        startOperator(keycloak.adminPassword(), KeycloakOperatorSimulator.Mode.READY);
        StageContext ctx = ctx(config("auto", null));
        SsoStage stage = stage();
        stage.apply(ctx, null);

        ClientRepresentation byHand = harnessAdmin.realm(realm).clients().findByClientId("3scale").get(0);
        byHand.setDirectAccessGrantsEnabled(true);
        harnessAdmin.realm(realm).clients().get(byHand.getId()).update(byHand);
        // and someone scaled the Keycloak CR by hand
        cluster.client.resources(LegacyKeycloak.class).inNamespace("rh-sso").withName("rh-sso")
                .edit(k -> {
                    k.getSpec().put("instances", 3);
                    return k;
                });

        List<Check> failed = failing(stage.verify(ctx));
        assertThat(failed).extracting(Check::name)
                .containsExactlyInAnyOrder("client " + realm + "/3scale", "Keycloak resource rh-sso/rh-sso");
        assertThat(failed).allSatisfy(c -> assertThat(c.fix().kind()).isEqualTo(Fix.Kind.STAGE));
        assertThat(failed).anySatisfy(c -> assertThat(c.message()).contains("directAccessGrantsEnabled"));
        assertThat(failed).anySatisfy(c -> assertThat(c.message()).contains("spec.instances: 3 -> 1"));
        List<Change> plan = stage.plan(ctx);
        assertThat(plan).filteredOn(c -> !c.isNoop()).extracting(Change::kind)
                .containsExactlyInAnyOrder("client", "Keycloak");

        recorder.clear();
        List<Change> repaired = stage.apply(ctx, null);
        assertThat(repaired).filteredOn(c -> !c.isNoop()).extracting(Change::kind, Change::action)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("client", Action.UPDATE),
                        org.assertj.core.groups.Tuple.tuple("Keycloak", Action.UPDATE));
        assertThat(keycloakWrites()).extracting(RequestRecorder.Request::method).containsExactly("PUT");
        assertThat(harnessAdmin.realm(realm).clients().findByClientId("3scale").get(0).isDirectAccessGrantsEnabled())
                .isFalse();
        assertThat(failing(stage.verify(ctx))).isEmpty();
    }

    @Test
    void rhbkApplyCreatesTheKeycloakAndTheRealmThroughTheAdminApi() {
        cluster.offer("rhbk-operator", "stable-v26", "stable-v24", "stable-v26");
        startOperator(keycloak.adminPassword(), KeycloakOperatorSimulator.Mode.READY);
        StageContext ctx = ctx(config("auto", keycloak.url()));
        SsoStage stage = stage();

        List<Change> plan = stage.plan(ctx);
        assertThat(plan).extracting(Change::kind).containsExactly("Namespace", "OperatorGroup", "Subscription",
                "Secret", "Service", "StatefulSet", "Keycloak", "realm", "client", "protocol mapper",
                "protocol mapper", "identity provider");
        List<String> steps = new CopyOnWriteArrayList<>();
        List<Change> applied = stage.apply(ctx, (n, of, m) -> steps.add(n + " of " + of));

        assertThat(steps).containsExactly("1 of 6", "2 of 6", "3 of 6", "4 of 6", "5 of 6", "6 of 6");
        assertThat(applied).filteredOn(c -> c.kind().equals("realm")).singleElement()
                .extracting(Change::action).isEqualTo(Action.CREATE);
        KubernetesClient c = cluster.client;
        Subscription sub = c.resources(Subscription.class).inNamespace("rh-sso").withName("rhbk-operator").get();
        assertThat(sub.getSpec().getChannel()).isEqualTo("stable-v26");
        RhbkKeycloak kc = c.resources(RhbkKeycloak.class).inNamespace("rh-sso").withName("keycloak").get();
        assertThat(kc.specValue("hostname.hostname")).isEqualTo("keycloak-rh-sso." + DOMAIN);
        assertThat(kc.specValue("instances")).isEqualTo(1);
        assertThat(kc.specValue("http.httpEnabled")).isEqualTo(true);
        assertThat(kc.specValue("db.vendor")).isEqualTo("postgres");
        assertThat(kc.specValue("db.host")).isEqualTo("keycloak-postgresql");
        assertThat(c.resources(LegacyKeycloakRealm.class).inAnyNamespace().list().getItems()).isEmpty();
        assertThat(harnessAdmin.realm(realm).toRepresentation().getDisplayName()).isEqualTo("MaaS on RHOAI");
        assertThat(harnessAdmin.realm(realm).clients().findByClientId("3scale")).hasSize(1);

        List<Check> checks = stage.verify(ctx);
        assertThat(failing(checks)).as("verify: %s", checks).isEmpty();
        cluster.clearRequests();
        recorder.clear();
        assertThat(stage.apply(ctx, null)).allMatch(Change::isNoop);
        assertThat(cluster.writes()).isEmpty();
        assertThat(keycloakWrites()).isEmpty();
    }

    @Test
    void wrongAdminPasswordInTheSecretIsAClearError() {
        cluster.offer("rhsso-operator", "stable", "stable");
        String wrong = "wrong-" + UUID.randomUUID();
        startOperator(wrong, KeycloakOperatorSimulator.Mode.READY);
        StageContext ctx = ctx(config("auto", null));

        assertThatThrownBy(() -> stage().apply(ctx, null))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.getMessage()).contains("admin password in Secret rh-sso/credential-rh-sso")
                            .contains("not accepted").doesNotContain(wrong).doesNotContain(keycloak.adminPassword());
                    assertThat(e.fix()).isNotNull();
                    assertThat(e.fix().hint()).contains("Secret rh-sso/credential-rh-sso");
                });
        assertThat(harnessAdmin.realm(realm).clients().findByClientId("3scale")).as("nothing configured").isEmpty();
        List<Check> checks = stage().verify(ctx);
        assertThat(checks).filteredOn(c -> c.name().equals("Keycloak admin login")).singleElement()
                .matches(c -> c.status() == CheckStatus.FAILED_RETRYABLE && c.message().contains("not accepted"));
    }

    @Test
    void keycloakNeverReadyTimesOutNamingTheResourceItsStatusAndThePods() {
        cluster.offer("rhsso-operator", "stable", "stable");
        startOperator(keycloak.adminPassword(), KeycloakOperatorSimulator.Mode.NEVER_READY);
        StageContext ctx = ctx(config("auto", null));
        long start = System.nanoTime();

        assertThatThrownBy(() -> stage(Duration.ofSeconds(2)).apply(ctx, null))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.getMessage())
                            .contains("Keycloak (keycloak.org/v1alpha1) rh-sso/rh-sso did not become ready within 2 s")
                            .contains("ready false, phase initialising")
                            .contains("keycloak-0 Pending not ready (Unschedulable: 0/3 nodes are available");
                    assertThat(e.fix().hint()).contains("oc describe keycloak rh-sso -n rh-sso");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        List<Check> checks = stage().verify(ctx);
        assertThat(checks).filteredOn(c -> c.name().equals("Keycloak ready")).singleElement()
                .matches(c -> c.status() == CheckStatus.FAILED_RETRYABLE);
        assertThat(stage().plan(ctx)).filteredOn(c -> c.system() == TargetSystem.KEYCLOAK)
                .extracting(Change::action).containsOnly(Action.CREATE);
    }

    @Test
    void rhbkNeverReadyTimesOutNamingTheV2Resource() {
        cluster.offer("rhbk-operator", "stable-v26", "stable-v26");
        startOperator(keycloak.adminPassword(), KeycloakOperatorSimulator.Mode.NEVER_READY);
        StageContext ctx = ctx(config("rhbk", null));

        assertThatThrownBy(() -> stage(Duration.ofSeconds(5)).apply(ctx, null))
                // an operator that never gives the resource a status does not act on it: the watchdog stops the
                // wait before its timeout, naming the resource and the operator
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.getMessage())
                        .contains("Keycloak (k8s.keycloak.org/v2alpha1) rh-sso/keycloak has no status")
                        .contains("rhbk-operator operator: the operator does not act on it"));
        assertThat(cluster.client.resources(RhbkKeycloak.class).inNamespace("rh-sso").withName("keycloak").get())
                .as("the CR was made before the wait").isNotNull();
    }

    @Test
    void cancellingWhileWaitingForKeycloakStopsPromptly() {
        cluster.offer("rhsso-operator", "stable", "stable");
        startOperator(keycloak.adminPassword(), KeycloakOperatorSimulator.Mode.NEVER_READY);
        StageContext ctx = ctx(config("auto", null));
        long start = System.nanoTime();

        assertThatThrownBy(() -> stage(Duration.ofMinutes(5)).apply(ctx, (n, of, message) -> {
            if (message.startsWith("Waiting for Keycloak")) {
                ctx.cancellation().cancel();
            }
        })).isInstanceOf(dev.maas.installer.engine.CancelledException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void unreachableKeycloakIsAClearError() throws Exception {
        cluster.offer("rhsso-operator", "stable", "stable");
        startOperator(keycloak.adminPassword(), KeycloakOperatorSimulator.Mode.READY);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        StageContext ctx = ctx(config("auto", "http://127.0.0.1:" + port));

        assertThatThrownBy(() -> stage().apply(ctx, null))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.getMessage()).contains("not reachable").contains("127.0.0.1:" + port);
                    assertThat(e.fix().target()).isEqualTo("endpoints.keycloakUrl");
                });
    }

    @Test
    void noSsoOperatorInTheCatalogIsAClearError() {
        StageContext ctx = ctx(config("rhsso", null));
        cluster.clearRequests();
        assertThatThrownBy(() -> stage().plan(ctx)).isInstanceOf(StageException.class)
                .hasMessageContaining("no catalog offers rhsso-operator");
        assertThat(cluster.writes()).isEmpty();
    }
}
