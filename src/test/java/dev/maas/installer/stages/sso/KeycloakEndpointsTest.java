package dev.maas.installer.stages.sso;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.WaitingForStageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.stages.sso.KeycloakCrs.LegacyKeycloak;
import dev.maas.installer.stages.sso.KeycloakEndpoints.KeycloakEndpoint;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.openshift.api.model.RouteBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one Keycloak resolver, on the strict test cluster: flavour, URL and admin credentials as the cluster says. */
class KeycloakEndpointsTest {
    private static SandboxCluster cluster;
    private static KubernetesClient client;
    private final SecretRegistry secrets = new SecretRegistry();
    private String ns;

    @BeforeAll
    static void start() {
        cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withOlm(false).withModels(false));
        client = cluster.newClient();
    }

    @AfterAll
    static void stop() {
        client.close();
        cluster.close();
    }

    @BeforeEach
    void namespace() {
        ns = "sso-" + UUID.randomUUID().toString().substring(0, 8);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                .create();
    }

    private StageContext ctx(String keycloakUrl) {
        InstallerConfig d = InstallerConfig.defaults();
        InstallerConfig c = new InstallerConfig(d.cluster(),
                new InstallerConfig.EndpointsConfig(keycloakUrl, null, null, null),
                new InstallerConfig.SsoConfig(null, ns, null, null, null), d.threescale(), d.models(),
                d.products(), d.plans(), d.portal());
        return new StageContext(c, secrets, new Cancellation()).provide(KubernetesClient.class, () -> client);
    }

    private void secret(String name, Map<String, String> data) {
        client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(name)
                .withNamespace(ns).endMetadata().withStringData(data).build()).create();
    }

    private void route(String host, boolean tls) {
        RouteBuilder r = new RouteBuilder().withNewMetadata().withName(SsoStage.RHSSO_ROUTE).withNamespace(ns)
                .endMetadata().withNewSpec().withHost(host).withNewTo().withKind("Service").withName("keycloak")
                .endTo().endSpec();
        client.resource(tls ? r.editSpec().withNewTls().withTermination("reencrypt").endTls().endSpec().build()
                : r.build()).create();
    }

    @Test
    void rhssoCrStatusNamesTheUrlAndTheCredentialSecret() {
        LegacyKeycloak k = new LegacyKeycloak();
        k.getMetadata().setName(SsoStage.RHSSO_NAME);
        k.getMetadata().setNamespace(ns);
        k.setSpec(KeycloakCrs.map("externalAccess", KeycloakCrs.map("enabled", true)));
        client.resources(LegacyKeycloak.class).inNamespace(ns).resource(k).create();
        LegacyKeycloak live = client.resources(LegacyKeycloak.class).inNamespace(ns).withName(SsoStage.RHSSO_NAME)
                .get();
        // the fields the v1alpha1 CRD requires in status, as the RH-SSO operator fills them
        live.setStatus(KeycloakCrs.map("phase", "reconciling", "message", "", "ready", true, "version", "7.6",
                "internalURL", "https://keycloak." + ns + ".svc:8443", "externalURL", "https://sso.apps.example.com",
                "credentialSecret", "credential-custom"));
        client.resources(LegacyKeycloak.class).inNamespace(ns).resource(live).updateStatus();
        secret("credential-custom", Map.of("ADMIN_USERNAME", "admin", "ADMIN_PASSWORD", "s3cret-pass"));

        KeycloakEndpoint e = KeycloakEndpoints.resolve(ctx(null));
        assertThat(e.legacy()).isTrue();
        assertThat(e.url()).isEqualTo("https://sso.apps.example.com");
        assertThat(e.publicUrl()).isEqualTo(e.url());
        assertThat(e.credentials().username()).isEqualTo("admin");
        assertThat(e.credentials().password()).isEqualTo("s3cret-pass");
        assertThat(e.credentials().source()).isEqualTo("Secret " + ns + "/credential-custom");
        assertThat(secrets.redact("pw s3cret-pass")).isEqualTo("pw ******");
        assertThat(e.toString()).doesNotContain("s3cret-pass");
    }

    @Test
    void rhssoIsReachedAtItsStatusUrlAndKnownToTheClusterByItsRoute() {
        LegacyKeycloak k = new LegacyKeycloak();
        k.getMetadata().setName(SsoStage.RHSSO_NAME);
        k.getMetadata().setNamespace(ns);
        client.resources(LegacyKeycloak.class).inNamespace(ns).resource(k).create();
        LegacyKeycloak live = client.resources(LegacyKeycloak.class).inNamespace(ns).withName(SsoStage.RHSSO_NAME)
                .get();
        live.setStatus(KeycloakCrs.map("phase", "reconciling", "message", "", "ready", true, "version", "7.6",
                "internalURL", "https://keycloak." + ns + ".svc:8443", "externalURL", "http://127.0.0.1:8180",
                "credentialSecret", KeycloakEndpoints.RHSSO_SECRET));
        client.resources(LegacyKeycloak.class).inNamespace(ns).resource(live).updateStatus();
        secret(KeycloakEndpoints.RHSSO_SECRET, Map.of("ADMIN_USERNAME", "admin", "ADMIN_PASSWORD", "pw-1234"));
        route("keycloak-" + ns + ".apps.example.com", true);

        KeycloakEndpoint e = KeycloakEndpoints.resolve(ctx(null));
        assertThat(e.url()).isEqualTo("http://127.0.0.1:8180");
        assertThat(e.publicUrl()).isEqualTo("https://keycloak-" + ns + ".apps.example.com");
    }

    @Test
    void rhssoRouteGivesHttpsWithTlsAndHttpWithout() {
        secret(KeycloakEndpoints.RHSSO_SECRET, Map.of("ADMIN_USERNAME", "admin", "ADMIN_PASSWORD", "pw-1234"));
        route("keycloak-" + ns + ".apps.example.com", true);
        assertThat(KeycloakEndpoints.resolve(ctx(null)).url()).isEqualTo("https://keycloak-" + ns + ".apps.example.com");
        client.resources(io.fabric8.openshift.api.model.Route.class).inNamespace(ns).withName(SsoStage.RHSSO_ROUTE).delete();
        route("plain-" + ns + ".apps.example.com", false);
        assertThat(KeycloakEndpoints.resolve(ctx(null)).url()).isEqualTo("http://plain-" + ns + ".apps.example.com");
    }

    @Test
    void theOverrideWinsAndTheRouteStaysThePublicUrl() {
        secret(KeycloakEndpoints.RHSSO_SECRET, Map.of("ADMIN_USERNAME", "admin", "ADMIN_PASSWORD", "pw-1234"));
        route("sso.apps.example.com", true);
        KeycloakEndpoint e = KeycloakEndpoints.resolve(ctx("http://127.0.0.1:8180 "));
        assertThat(e.url()).isEqualTo("http://127.0.0.1:8180");
        assertThat(e.publicUrl()).isEqualTo("https://sso.apps.example.com");
    }

    @Test
    void rhbkIsReachedAtTheHostnameTheSsoStageGivesIt() {
        secret(KeycloakEndpoints.RHBK_SECRET, Map.of("username", "temp-admin", "password", "pw-5678"));
        KeycloakEndpoint e = KeycloakEndpoints.resolve(ctx(null));
        assertThat(e.legacy()).isFalse();
        String domain = cluster.appsDomain();
        assertThat(e.url()).isEqualTo("https://" + KeycloakEndpoints.rhbkHostname(ns, domain))
                .isEqualTo("https://keycloak-" + ns + "." + domain);
        assertThat(e.credentials().username()).isEqualTo("temp-admin");
        assertThat(e.credentials().source()).isEqualTo("Secret " + ns + "/keycloak-initial-admin");
    }

    @Test
    void noKeycloakWaitsForTheSsoStageAndABadSecretNamesItsKey() {
        assertThatThrownBy(() -> KeycloakEndpoints.resolve(ctx(null)))
                .isInstanceOf(WaitingForStageException.class).hasMessageContaining("no Keycloak in namespace " + ns)
                .satisfies(e -> assertThat(((StageException) e).fix().kind()).isEqualTo(Fix.Kind.STAGE));
        secret(KeycloakEndpoints.RHSSO_SECRET, Map.of("ADMIN_USERNAME", "admin"));
        assertThatThrownBy(() -> KeycloakEndpoints.resolve(ctx("https://kc.example.com")))
                .isInstanceOf(StageException.class).hasMessageContaining("lacks ADMIN_PASSWORD");
    }
}
