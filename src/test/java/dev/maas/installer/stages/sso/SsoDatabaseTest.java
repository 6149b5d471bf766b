package dev.maas.installer.stages.sso;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.DatabaseConfig;
import dev.maas.installer.engine.config.InstallerConfig.EndpointsConfig;
import dev.maas.installer.engine.config.InstallerConfig.IdentityProviderConfig;
import dev.maas.installer.engine.config.InstallerConfig.SsoConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.sandbox.KeycloakOperatorSimulator;
import dev.maas.installer.stages.sso.KeycloakCrs.RhbkKeycloak;
import dev.maas.installer.testing.KeycloakServer;
import dev.maas.installer.testing.LogCapture;
import dev.maas.installer.testing.RequestRecorder;
import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.representations.idm.ClientRepresentation;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Red Hat build of Keycloak's database: the sso stage runs a PostgreSQL for it (or uses the configured one), and
 * with it the realm survives a restart of Keycloak, which the simulated operator, like the real one, makes lose it
 * when Keycloak runs on the H2 file in its pod.
 */
@StartsKeycloak
@StartsSandbox
class SsoDatabaseTest {
    private static final String DOMAIN = "apps.cluster.example.com";
    private static final String IDP_SECRET_ENV = "MAAS_TEST_IDP_SECRET";
    private static final String NS = "rh-sso";

    private KeycloakServer.Endpoint keycloak;
    private Keycloak harnessAdmin;
    private SsoSandbox cluster;
    private KeycloakOperatorSimulator operator;
    private final RequestRecorder recorder = new RequestRecorder();
    private final String idpSecret = "idp-secret-" + UUID.randomUUID();
    private final String realm = "maas-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void setUp() {
        keycloak = KeycloakServer.get();
        harnessAdmin = KeycloakBuilder.builder().serverUrl(keycloak.url()).realm("master").clientId("admin-cli")
                .username(keycloak.adminUser()).password(keycloak.adminPassword()).grantType("password").build();
        cluster = SsoSandbox.start(DOMAIN).offer("rhbk-operator", "stable-v26", "stable-v26");
        operator = cluster.startKeycloakOperator(KeycloakOperatorSimulator.Options.of(keycloak.url(),
                keycloak.adminUser(), keycloak.adminPassword()));
    }

    @AfterEach
    void tearDown() {
        cluster.close();
        try {
            harnessAdmin.realm(realm).remove();
        } catch (RuntimeException ignored) {
            // the test may not have made it, or a restart took it
        }
        harnessAdmin.close();
    }

    private SsoStage stage(Duration readyTimeout) {
        return new SsoStage(Duration.ofSeconds(30), readyTimeout,
                name -> IDP_SECRET_ENV.equals(name) ? idpSecret : null, List.of(recorder));
    }

    private InstallerConfig config(DatabaseConfig database) {
        IdentityProviderConfig idp = new IdentityProviderConfig("oidc", "corp-sso", "Corporate SSO", "maas-portal",
                IDP_SECRET_ENV, keycloak.url() + "/realms/master");
        return new InstallerConfig(null, new EndpointsConfig(keycloak.url(), null, null, null),
                new SsoConfig("rhbk", null, realm, null, idp, database), null, null, null, null, null);
    }

    private StageContext ctx(InstallerConfig config) {
        KubernetesClient client = cluster.client;
        return new StageContext(config, SecretRegistry.global(), new Cancellation())
                .provide(KubernetesClient.class, () -> client);
    }

    private static DatabaseConfig managed() {
        return DatabaseConfig.defaults();
    }

    private static DatabaseConfig external(String host, Integer port, String secret) {
        return new DatabaseConfig("external", null, null, null, "postgres", host, port, "kc", secret);
    }

    private List<RequestRecorder.Request> keycloakWrites() {
        return recorder.writes().stream().filter(r -> !r.path().endsWith("/protocol/openid-connect/logout")).toList();
    }

    private String clientSecret() {
        ClientRepresentation client = harnessAdmin.realm(realm).clients().findByClientId("3scale").get(0);
        return harnessAdmin.realm(realm).clients().get(client.getId()).getSecret().getValue();
    }

    private static List<Check> failing(List<Check> checks) {
        return checks.stream().filter(c -> c.status() != CheckStatus.OK).toList();
    }

    private GenericKubernetesResource liveKeycloak() {
        return cluster.client.genericKubernetesResources(new io.fabric8.kubernetes.client.dsl.base
                .ResourceDefinitionContext.Builder().withGroup("k8s.keycloak.org").withVersion("v2alpha1")
                .withKind("Keycloak").withPlural("keycloaks").withNamespaced(true).build())
                .inNamespace(NS).withName("keycloak").get();
    }

    private static String decoded(Secret s, String key) {
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }

    @Test
    void keycloakRunsOnAPostgresqlTheStageMakesAndASecondApplyChangesNothing() {
        StageContext ctx = ctx(config(managed()));
        SsoStage stage = stage(Duration.ofSeconds(60));

        List<Change> plan = stage.plan(ctx);
        assertThat(plan).filteredOn(c -> List.of("Secret", "Service", "StatefulSet").contains(c.kind()))
                .extracting(Change::kind, Change::name, Change::action).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("Secret", NS + "/keycloak-db-secret", Action.CREATE),
                        org.assertj.core.groups.Tuple.tuple("Service", NS + "/keycloak-postgresql", Action.CREATE),
                        org.assertj.core.groups.Tuple.tuple("StatefulSet", NS + "/keycloak-postgresql",
                                Action.CREATE));
        Change keycloakPlan = plan.stream().filter(c -> c.kind().equals("Keycloak")).findFirst().orElseThrow();
        assertThat(keycloakPlan.fields()).containsKeys("spec.db.vendor", "spec.db.host",
                "spec.db.usernameSecret.name", "spec.db.passwordSecret.key");
        assertThat(plan.stream().filter(c -> c.kind().equals("Secret")).findFirst().orElseThrow().fields()
                .get("data.password").to()).isEqualTo(dev.maas.installer.engine.FieldChange.MASK);

        List<String> details = new CopyOnWriteArrayList<>();
        List<Change> applied;
        try (LogCapture logs = new LogCapture("dev.maas.installer")) {
            applied = stage.apply(ctx, new dev.maas.installer.engine.Progress() {
                @Override public void step(int n, int of, String message) { details.add(message); }

                @Override public void detail(String message) { details.add(message); }
            });
            Secret db = cluster.client.secrets().inNamespace(NS).withName("keycloak-db-secret").get();
            String password = decoded(db, "password");
            assertThat(password).hasSize(32);
            assertThat(decoded(db, "username")).isEqualTo("keycloak");
            assertThat(logs.lines()).noneMatch(l -> l.contains(password));
            assertThat(String.join("\n", details)).doesNotContain(password);
            assertThat(SecretRegistry.global().redact("x " + password)).isEqualTo("x ******");
        }
        assertThat(details).anyMatch(d -> d.startsWith("Keycloak database: PostgreSQL rh-sso/keycloak-postgresql"));
        assertThat(applied).filteredOn(c -> c.kind().equals("StatefulSet")).singleElement()
                .extracting(Change::action).isEqualTo(Action.CREATE);

        StatefulSet sts = cluster.client.apps().statefulSets().inNamespace(NS).withName("keycloak-postgresql").get();
        var container = sts.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("registry.redhat.io/rhel9/postgresql-16");
        assertThat(container.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("POSTGRESQL_PASSWORD");
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("keycloak-db-secret");
        });
        assertThat(sts.getSpec().getVolumeClaimTemplates().get(0).getSpec().getResources().getRequests()
                .get("storage").toString()).isEqualTo("1Gi");
        assertThat(cluster.client.persistentVolumeClaims().inNamespace(NS).withName("data-keycloak-postgresql-0")
                .get().getStatus().getPhase()).isEqualTo("Bound");
        RhbkKeycloak kc = cluster.client.resources(RhbkKeycloak.class).inNamespace(NS).withName("keycloak").get();
        assertThat(kc.specValue("db")).isEqualTo(Map.of("vendor", "postgres", "host", "keycloak-postgresql",
                "database", "keycloak", "usernameSecret", Map.of("name", "keycloak-db-secret", "key", "username"),
                "passwordSecret", Map.of("name", "keycloak-db-secret", "key", "password")));
        KeycloakOperatorSimulator.Database db = operator.database(liveKeycloak());
        assertThat(db.runs()).isTrue();
        assertThat(db.durable()).isTrue();
        assertThat(db.identity()).isEqualTo("postgres://keycloak-postgresql/keycloak");

        List<Check> checks = stage.verify(ctx);
        assertThat(failing(checks)).as("verify: %s", checks).isEmpty();
        assertThat(checks).filteredOn(c -> c.name().equals("Keycloak database")).singleElement()
                .satisfies(c -> assertThat(c.message()).contains("is ready"));

        cluster.clearRequests();
        recorder.clear();
        assertThat(stage.apply(ctx, null)).allMatch(Change::isNoop);
        assertThat(cluster.writes()).as("no write to the cluster").isEmpty();
        assertThat(keycloakWrites()).as("no write to Keycloak").isEmpty();
        assertThat(stage.plan(ctx)).allMatch(Change::isNoop);
    }

    @Test
    void theRealmItsClientSecretAndTheIdentityProviderSurviveARestartOfKeycloak() {
        StageContext ctx = ctx(config(managed()));
        SsoStage stage = stage(Duration.ofSeconds(60));
        stage.apply(ctx, null);
        String secretBefore = clientSecret();

        assertThat(operator.restartKeycloak(NS, "keycloak")).as("kept").isTrue();

        assertThat(harnessAdmin.realm(realm).toRepresentation().getRealm()).isEqualTo(realm);
        assertThat(clientSecret()).isEqualTo(secretBefore);
        assertThat(harnessAdmin.realm(realm).identityProviders().get("corp-sso").toRepresentation().getAlias())
                .isEqualTo("corp-sso");
        assertThat(failing(stage.verify(ctx))).isEmpty();
    }

    @Test
    void anExternalDatabaseNeedsItsSecretBeforeAnythingIsMade() {
        StageContext ctx = ctx(config(external("db.example.com", 5433, "corp-db")));
        SsoStage stage = stage(Duration.ofSeconds(60));
        cluster.clearRequests();

        assertThatThrownBy(() -> stage.apply(ctx, null)).isInstanceOfSatisfying(StageException.class, e -> {
            assertThat(e.invalidInput()).isTrue();
            assertThat(e.getMessage()).contains("Secret rh-sso/corp-db").contains("does not exist")
                    .contains("nor does namespace rh-sso");
            assertThat(e.fix().kind()).isEqualTo(Fix.Kind.CONFIG);
            assertThat(e.fix().target()).isEqualTo("sso.database.credentialsSecret");
            assertThat(e.fix().hint()).contains("oc create namespace rh-sso")
                    .contains("oc create secret generic corp-db -n rh-sso");
        });
        assertThat(cluster.writes()).as("nothing made").isEmpty();

        cluster.client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata()
                .build()).create();
        cluster.client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("corp-db")
                .endMetadata().addToStringData("username", "kc").build()).create();
        assertThatThrownBy(() -> stage.apply(ctx, null)).isInstanceOf(StageException.class)
                .hasMessageContaining("lacks the key(s) password");
        cluster.client.secrets().inNamespace(NS).withName("corp-db").edit(s -> {
            s.getData().put("password", Base64.getEncoder().encodeToString("pw".getBytes(StandardCharsets.UTF_8)));
            return s;
        });

        stage.apply(ctx, null);
        RhbkKeycloak kc = cluster.client.resources(RhbkKeycloak.class).inNamespace(NS).withName("keycloak").get();
        assertThat(kc.specValue("db")).isEqualTo(Map.of("vendor", "postgres", "host", "db.example.com",
                "port", 5433, "database", "kc", "usernameSecret", Map.of("name", "corp-db", "key", "username"),
                "passwordSecret", Map.of("name", "corp-db", "key", "password")));
        assertThat(cluster.client.apps().statefulSets().inNamespace(NS).list().getItems()).as("no PostgreSQL of ours")
                .isEmpty();
        List<Check> checks = stage.verify(ctx);
        assertThat(failing(checks)).as("verify: %s", checks).isEmpty();
        assertThat(operator.restartKeycloak(NS, "keycloak")).isTrue();
        assertThat(harnessAdmin.realm(realm).toRepresentation().getRealm()).isEqualTo(realm);
    }

    @Test
    void withoutAStorageClassTheDatabaseWaitNamesThePendingClaimAndTheSetting() {
        // this cluster has no default StorageClass, and sso.database.storageClass is not set
        cluster.client.storage().v1().storageClasses().withName("standard").delete();
        StageContext ctx = ctx(config(managed()));
        assertThatThrownBy(() -> stage(Duration.ofSeconds(3)).apply(ctx, null))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.getMessage()).contains("the Keycloak database rh-sso/keycloak-postgresql did not"
                            + " become ready within 3 s").contains("0 of 1 replicas ready")
                            .contains("claim data-keycloak-postgresql-0 Pending")
                            .contains("pod keycloak-postgresql-0 Pending (Unschedulable: 0/3 nodes are available: pod"
                                    + " has unbound immediate PersistentVolumeClaims");
                    assertThat(e.fix().hint()).contains("sso.database.storageClass");
                });
        assertThat(cluster.client.resources(RhbkKeycloak.class).inNamespace(NS).withName("keycloak").get())
                .as("no Keycloak on a database that is not there").isNull();
        List<Check> checks = stage(Duration.ofSeconds(3)).verify(ctx);
        assertThat(checks).filteredOn(c -> c.name().equals("Keycloak database")).singleElement()
                .matches(c -> c.status() == CheckStatus.FAILED_RETRYABLE && c.message().contains("Pending"));

        // the StorageClass named in the configuration binds it, and the install goes on
        cluster.client.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata()
                .withName("gp3-csi").endMetadata().withProvisioner("ebs.csi.aws.com").build()).create();
        StageContext withClass = ctx(config(new DatabaseConfig(null, null, "gp3-csi", null, null, null, null, null,
                null)));
        assertThatThrownBy(() -> stage(Duration.ofSeconds(30)).apply(withClass, null))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.invalidInput()).isTrue();
                    assertThat(e.getMessage()).contains("a StatefulSet's storage cannot change");
                    assertThat(e.fix().target()).isEqualTo("sso.database.storageSize");
                });
        cluster.client.apps().statefulSets().inNamespace(NS).withName("keycloak-postgresql").delete();
        cluster.client.persistentVolumeClaims().inNamespace(NS).withName("data-keycloak-postgresql-0").delete();
        stage(Duration.ofSeconds(60)).apply(withClass, null);
        assertThat(cluster.client.persistentVolumeClaims().inNamespace(NS).withName("data-keycloak-postgresql-0")
                .get().getSpec().getStorageClassName()).isEqualTo("gp3-csi");
        assertThat(failing(stage(Duration.ofSeconds(3)).verify(withClass))).isEmpty();
    }

    @Test
    void takingTheDatabaseAwayMovesKeycloakOntoAnEmptyH2AndVerifySaysSo() throws Exception {
        StageContext ctx = ctx(config(managed()));
        SsoStage stage = stage(Duration.ofSeconds(60));
        stage.apply(ctx, null);
        cluster.client.resources(RhbkKeycloak.class).inNamespace(NS).withName("keycloak").edit(k -> {
            k.getSpec().remove("db");
            return k;
        });
        // the operator rolls the pod onto the H2 file in it: the realm is not there
        dev.maas.installer.engine.wait.Backoff.of(Duration.ofSeconds(30)).awaitTrue("the realm gone", () ->
                harnessAdmin.realms().findAll().stream().noneMatch(r -> r.getRealm().equals(realm)));
        List<Check> broken = failing(stage.verify(ctx));
        assertThat(broken).extracting(Check::name).contains("Keycloak resource rh-sso/keycloak",
                "realm " + realm + " discovery document");
        assertThat(broken).anySatisfy(c -> assertThat(c.message()).contains("spec.db.vendor: null -> postgres"));
        assertThat(stage.plan(ctx)).filteredOn(c -> c.kind().equals("Keycloak")).singleElement()
                .extracting(Change::action).isEqualTo(Action.UPDATE);
    }

    @Test
    void aReadyOfAnEarlierGenerationOrDuringARollingUpdateIsNotReady() {
        RhbkKeycloak k = new RhbkKeycloak();
        k.getMetadata().setGeneration(3L);
        k.setStatus(new java.util.LinkedHashMap<>(Map.of("observedGeneration", 2, "conditions", List.of(
                Map.of("type", "Ready", "status", "True"), Map.of("type", "RollingUpdate", "status", "False")))));
        assertThat(SsoStage.keycloakReady(SsoFlavour.RHBK, k)).as("the old spec's pod").isFalse();
        k.getStatus().put("observedGeneration", 3);
        assertThat(SsoStage.keycloakReady(SsoFlavour.RHBK, k)).isTrue();
        k.getStatus().put("conditions", List.of(Map.of("type", "Ready", "status", "True"),
                Map.of("type", "RollingUpdate", "status", "True")));
        assertThat(SsoStage.keycloakReady(SsoFlavour.RHBK, k)).as("rolling to the new spec").isFalse();
    }
}
