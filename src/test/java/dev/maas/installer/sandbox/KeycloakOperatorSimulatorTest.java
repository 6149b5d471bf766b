package dev.maas.installer.sandbox;

import dev.maas.installer.engine.wait.Backoff;
import dev.maas.installer.testing.KeycloakServer;
import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import jakarta.ws.rs.NotFoundException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.representations.idm.RealmRepresentation;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The simulated Keycloak operators against a real Keycloak: what the RHBK operator does with {@code spec.db}, and what
 * a restart of Keycloak keeps; the legacy RH-SSO operator's realm status and finalizer.
 */
@StartsKeycloak
@StartsSandbox
class KeycloakOperatorSimulatorTest {
    private static final String NS = "sso";
    private static final String DOMAIN = "apps.example.com";
    private static final ResourceDefinitionContext RHBK = kind("k8s.keycloak.org", "Keycloak", "keycloaks", "v2alpha1");
    private static final ResourceDefinitionContext RHSSO = kind("keycloak.org", "Keycloak", "keycloaks", "v1alpha1");
    private static final ResourceDefinitionContext REALM = kind("keycloak.org", "KeycloakRealm", "keycloakrealms",
            "v1alpha1");

    private static ResourceDefinitionContext kind(String group, String kind, String plural, String version) {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
                .withPlural(plural).withNamespaced(true).build();
    }

    private KeycloakServer.Endpoint keycloak;
    private Keycloak admin;
    private SandboxCluster cluster;
    private KubernetesClient client;
    private KeycloakOperatorSimulator operator;
    private final String realm = "sim-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void setUp() {
        keycloak = KeycloakServer.get();
        admin = KeycloakBuilder.builder().serverUrl(keycloak.url()).realm("master").clientId("admin-cli")
                .username(keycloak.adminUser()).password(keycloak.adminPassword()).grantType("password").build();
        cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withHttps(false).withOlm(false).withModels(false)
                .withAppsDomain(DOMAIN));
        client = cluster.newClient();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                .create();
        // the sandbox's default StorageClass takes the PostgreSQL's claim
        cluster.addOperator(new StatefulSetSimulator());
        operator = new KeycloakOperatorSimulator(KeycloakOperatorSimulator.Options.of(keycloak.url(),
                keycloak.adminUser(), keycloak.adminPassword()));
        cluster.addOperator(operator);
    }

    @AfterEach
    void tearDown() {
        cluster.close();
        try {
            admin.realm(realm).remove();
        } catch (RuntimeException ignored) {
            // gone already
        }
        admin.close();
    }

    private void makeRealm() {
        RealmRepresentation r = new RealmRepresentation();
        r.setRealm(realm);
        r.setEnabled(true);
        admin.realms().create(r);
    }

    private boolean realmExists() {
        try {
            admin.realm(realm).toRepresentation();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    private void rhbkKeycloak(Map<String, Object> db) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("instances", 1);
        if (db != null) {
            spec.put("db", db);
        }
        GenericKubernetesResource k = new GenericKubernetesResource();
        k.setApiVersion(KeycloakOperatorSimulator.RHBK_API);
        k.setKind("Keycloak");
        k.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("keycloak").withNamespace(NS)
                .build());
        k.setAdditionalProperty("spec", spec);
        client.genericKubernetesResources(RHBK).inNamespace(NS).resource(k).create();
    }

    private GenericKubernetesResource rhbk() {
        return client.genericKubernetesResources(RHBK).inNamespace(NS).withName("keycloak").get();
    }

    @SuppressWarnings("unchecked")
    private static String condition(GenericKubernetesResource k, String type) {
        Object status = k == null ? null : k.getAdditionalProperties().get("status");
        if (!(status instanceof Map<?, ?> s) || !(s.get("conditions") instanceof List<?> list)) {
            return null;
        }
        return list.stream().map(c -> (Map<String, Object>) c).filter(c -> type.equals(c.get("type")))
                .map(c -> c.get("status") + " " + c.get("message")).findFirst().orElse(null);
    }

    private GenericKubernetesResource awaitKeycloak(Predicate<GenericKubernetesResource> test) throws Exception {
        return Backoff.of(Duration.ofSeconds(30)).delays(Duration.ofMillis(50), Duration.ofMillis(300))
                .await("the Keycloak's status", () -> java.util.Optional.ofNullable(rhbk()).filter(test));
    }

    private static Map<String, Object> postgres(String host, String secret) {
        return Map.of("vendor", "postgres", "host", host, "usernameSecret", Map.of("name", secret, "key", "username"),
                "passwordSecret", Map.of("name", secret, "key", "password"));
    }

    private void secret(String name, Map<String, String> data) {
        client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName(name)
                .endMetadata().withStringData(data).build()).createOr(r -> r.update());
    }

    /** A PostgreSQL as the stage makes it: StatefulSet pg (env from Secret pg-creds) and Service pg. */
    private void postgresql() {
        KubernetesClient c = client;
        c.services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName("pg").endMetadata()
                .withNewSpec().addToSelector("app", "pg").addNewPort().withPort(5432).endPort().endSpec().build())
                .create();
        c.apps().statefulSets().inNamespace(NS).resource(new StatefulSetBuilder().withNewMetadata().withName("pg")
                .endMetadata().withNewSpec().withReplicas(1).withServiceName("pg").withNewSelector()
                .addToMatchLabels("app", "pg").endSelector().withNewTemplate().withNewMetadata().addToLabels("app", "pg")
                .endMetadata().withNewSpec().addNewContainer().withName("postgresql").withImage("postgresql")
                .addNewEnv().withName("POSTGRESQL_USER").withNewValueFrom().withNewSecretKeyRef().withName("pg-creds")
                .withKey("username").endSecretKeyRef().endValueFrom().endEnv()
                .addNewEnv().withName("POSTGRESQL_PASSWORD").withNewValueFrom().withNewSecretKeyRef().withName("pg-creds")
                .withKey("password").endSecretKeyRef().endValueFrom().endEnv()
                .addNewEnv().withName("POSTGRESQL_DATABASE").withValue("keycloak").endEnv()
                .endContainer().endSpec().endTemplate()
                .addNewVolumeClaimTemplate().withNewMetadata().withName("data").endMetadata().withNewSpec()
                .withAccessModes("ReadWriteOnce").withNewResources().addToRequests("storage",
                        new io.fabric8.kubernetes.api.model.Quantity("1Gi")).endResources().endSpec()
                .endVolumeClaimTemplate().endSpec().build()).create();
    }

    @Test
    void withoutSpecDbKeycloakRunsOnH2InItsPodAndARestartLosesTheRealms() throws Exception {
        rhbkKeycloak(null);
        GenericKubernetesResource k = awaitKeycloak(r -> "True ".equals(condition(r, "Ready")));
        assertThat(condition(k, "HasErrors")).isEqualTo("False ");
        assertThat(client.pods().inNamespace(NS).withName("keycloak-0").get().getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/managed-by", "keycloak-operator")
                .containsEntry("app.kubernetes.io/instance", "keycloak");
        KeycloakOperatorSimulator.Database db = operator.database(k);
        assertThat(db.durable()).isFalse();
        assertThat(db.identity()).isEqualTo("h2 in pod sso/keycloak-0");
        makeRealm();

        assertThat(operator.restartKeycloak(NS, "keycloak")).as("kept").isFalse();

        assertThat(realmExists()).as("the realm after the restart").isFalse();
        assertThat(admin.realm("master").toRepresentation().getRealm()).isEqualTo("master");
        assertThat(condition(rhbk(), "Ready")).isEqualTo("True ");
    }

    @Test
    void deletingTheKeycloakPodIsARestart() throws Exception {
        rhbkKeycloak(Map.of("vendor", "dev-file"));
        awaitKeycloak(r -> "True ".equals(condition(r, "Ready")));
        makeRealm();
        client.pods().inNamespace(NS).withName("keycloak-0").delete();
        Backoff.of(Duration.ofSeconds(30)).awaitTrue("the realm gone and the pod back", () -> !realmExists()
                && client.pods().inNamespace(NS).withName("keycloak-0").get() != null);
    }

    @Test
    void specDbIsReadAsTheOperatorAndTheKubeletDo() throws Exception {
        rhbkKeycloak(postgres("pg", "kc-db"));
        GenericKubernetesResource k = awaitKeycloak(r -> condition(r, "HasErrors") != null
                && condition(r, "HasErrors").startsWith("True"));
        assertThat(condition(k, "Ready")).isEqualTo("False Waiting for more replicas");
        assertThat(condition(k, "HasErrors")).isEqualTo("True Waiting for sso/keycloak-0 due to"
                + " CreateContainerConfigError: secret \"kc-db\" not found");

        secret("kc-db", Map.of("username", "keycloak"));
        awaitKeycloak(r -> ("True Waiting for sso/keycloak-0 due to CreateContainerConfigError: couldn't find key"
                + " password in Secret sso/kc-db").equals(condition(r, "HasErrors")));

        secret("kc-db", Map.of("username", "keycloak", "password", "right"));
        k = awaitKeycloak(r -> condition(r, "HasErrors") != null && condition(r, "HasErrors")
                .contains("CrashLoopBackOff"));
        assertThat(operator.database(k).log()).contains("UnknownHostException: pg (no such Service)");

        secret("pg-creds", Map.of("username", "keycloak", "password", "other"));
        postgresql();
        k = awaitKeycloak(r -> operator.database(r).log().contains("password authentication failed"));
        assertThat(condition(k, "HasErrors")).contains("CrashLoopBackOff: back-off 10s restarting failed"
                + " container=keycloak pod=keycloak-0_sso(");

        secret("pg-creds", Map.of("username", "keycloak", "password", "right"));
        k = awaitKeycloak(r -> "True ".equals(condition(r, "Ready")));
        assertThat(condition(k, "HasErrors")).isEqualTo("False ");
        assertThat(operator.database(k).identity()).isEqualTo("postgres://pg/keycloak");

        makeRealm();
        assertThat(operator.restartKeycloak(NS, "keycloak")).as("kept").isTrue();
        assertThat(realmExists()).isTrue();
    }

    @Test
    void aHostOutsideTheClusterIsTakenAsReachableAndAJdbcUrlIsRead() throws Exception {
        secret("ext", Map.of("username", "u", "password", "p"));
        Map<String, Object> db = new LinkedHashMap<>(postgres("ignored", "ext"));
        db.put("url", "jdbc:postgresql://db.example.com:5433/kc?ssl=true");
        rhbkKeycloak(db);
        GenericKubernetesResource k = awaitKeycloak(r -> "True ".equals(condition(r, "Ready")));
        assertThat(operator.database(k).identity()).isEqualTo("postgres://db.example.com:5433/kc");
        assertThat(operator.database(k).durable()).isTrue();
    }

    @Test
    void restartingSomethingThatIsNotThereIsAnError() {
        assertThatThrownBy(() -> operator.restartKeycloak(NS, "nope")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no Keycloak sso/nope");
    }

    @SuppressWarnings("unchecked")
    @Test
    void theLegacyRealmIsReconcilingWithTheFinalizerAndItsDeletionDeletesTheRealm() throws Exception {
        KubernetesClient c = client;
        GenericKubernetesResource realmCr = new GenericKubernetesResource();
        realmCr.setApiVersion(KeycloakOperatorSimulator.RHSSO_API);
        realmCr.setKind("KeycloakRealm");
        realmCr.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(realm).withNamespace(NS)
                .build());
        realmCr.setAdditionalProperty("spec", Map.of("realm", Map.of("realm", realm, "id", realm, "enabled", true),
                "instanceSelector", Map.of("matchLabels", Map.of("app", "rh-sso"))));
        GenericKubernetesResource keycloakCr = new GenericKubernetesResource();
        keycloakCr.setApiVersion(KeycloakOperatorSimulator.RHSSO_API);
        keycloakCr.setKind("Keycloak");
        keycloakCr.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("rh-sso")
                .withNamespace(NS).addToLabels("app", "rh-sso").build());
        keycloakCr.setAdditionalProperty("spec", Map.of("externalAccess", Map.of("enabled", true)));
        c.genericKubernetesResources(RHSSO).inNamespace(NS).resource(keycloakCr).create();
        Backoff.of(Duration.ofSeconds(30)).awaitTrue("the Keycloak ready", () -> c.secrets().inNamespace(NS)
                .withName("credential-rh-sso").get() != null && c.genericKubernetesResources(RHSSO).inNamespace(NS)
                .withName("rh-sso").get().getAdditionalProperties().get("status") instanceof Map<?, ?> st
                && Boolean.TRUE.equals(st.get("ready")));
        // without the admin Secret the operator cannot sign in to Keycloak: failing, and again 5 s later
        c.secrets().inNamespace(NS).withName("credential-rh-sso").delete();
        c.genericKubernetesResources(REALM).inNamespace(NS).resource(realmCr).create();
        var realms = c.genericKubernetesResources(REALM).inNamespace(NS).withName(realm);
        Backoff.of(Duration.ofSeconds(30)).awaitTrue("failing", () -> realms.get() != null
                && realms.get().getAdditionalProperties().get("status") instanceof Map<?, ?> st
                && "failing".equals(st.get("phase")));
        assertThat((Map<String, Object>) realms.get().getAdditionalProperties().get("status"))
                .containsEntry("ready", false)
                .containsEntry("message", "failed to get the admin credentials: secrets \"credential-rh-sso\" not found");
        assertThat(realmExists()).isFalse();
        c.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("credential-rh-sso")
                .endMetadata().addToStringData("ADMIN_USERNAME", keycloak.adminUser())
                .addToStringData("ADMIN_PASSWORD", keycloak.adminPassword()).build()).create();
        Backoff.of(Duration.ofSeconds(40)).awaitTrue("reconciling", () -> realms.get()
                .getAdditionalProperties().get("status") instanceof Map<?, ?> st && Boolean.TRUE.equals(st.get("ready"))
                && realms.get().getMetadata().getFinalizers().contains(KeycloakOperatorSimulator.REALM_FINALIZER));
        assertThat((Map<String, Object>) realms.get().getAdditionalProperties().get("status"))
                .containsEntry("phase", "reconciling").containsEntry("message", "").containsEntry("loginURL", "");
        assertThat(realmExists()).isTrue();
        Map<String, Object> kcStatus = (Map<String, Object>) c.genericKubernetesResources(RHSSO).inNamespace(NS)
                .withName("rh-sso").get().getAdditionalProperties().get("status");
        assertThat(kcStatus).containsEntry("phase", "reconciling").containsEntry("ready", true)
                .containsEntry("externalURL", keycloak.url().replaceAll("/auth$", ""))
                .containsEntry("internalURL", "https://keycloak.sso.svc:8443");

        realms.delete();
        Backoff.of(Duration.ofSeconds(30)).awaitTrue("the resource gone", () -> realms.get() == null);
        assertThat(realmExists()).as("the realm deleted with its resource").isFalse();
        assertThat(operator.restartKeycloak(NS, "rh-sso")).as("RH-SSO keeps its data in its PostgreSQL").isTrue();
    }
}
