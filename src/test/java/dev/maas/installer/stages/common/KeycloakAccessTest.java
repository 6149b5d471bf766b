package dev.maas.installer.stages.common;

import dev.maas.installer.cluster.TestCluster;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeycloakAccessTest {
    private TestCluster cluster;
    private final SecretRegistry secrets = new SecretRegistry();

    @BeforeEach
    void setUp() { cluster = new TestCluster(); }

    @AfterEach
    void tearDown() { cluster.close(); }

    private StageContext ctx(String keycloakUrl, String ssoNamespace) {
        InstallerConfig d = InstallerConfig.defaults();
        InstallerConfig c = new InstallerConfig(d.cluster(),
                new InstallerConfig.EndpointsConfig(keycloakUrl, null, null, null),
                new InstallerConfig.SsoConfig(null, ssoNamespace, null, null, null), d.threescale(), d.models(),
                d.products(), d.plans(), d.portal());
        KubernetesClient k = cluster.client();
        return new StageContext(c, secrets, new Cancellation()).provide(KubernetesClient.class, () -> k);
    }

    private void secret(String ns, String name, Map<String, String> data) {
        cluster.client().secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(name)
                .withNamespace(ns).endMetadata().withStringData(data).build()).create();
    }

    private void route(String ns, String name, String host) {
        GenericKubernetesResource r = new GenericKubernetesResource();
        r.setApiVersion("route.openshift.io/v1");
        r.setKind("Route");
        r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        r.setAdditionalProperty("spec", Map.of("host", host));
        cluster.client().genericKubernetesResources(KeycloakAccess.ROUTES).inNamespace(ns).resource(r).create();
    }

    @Test
    void rhssoRouteAndCredentialSecret() {
        secret("rh-sso", "credential-rh-sso", Map.of("ADMIN_USERNAME", "admin", "ADMIN_PASSWORD", "s3cret-pass"));
        route("rh-sso", "keycloak", "keycloak-rh-sso.apps.example.com");
        KeycloakAccess.Target t = KeycloakAccess.target(ctx(null, null));
        assertThat(t.url()).isEqualTo("https://keycloak-rh-sso.apps.example.com");
        assertThat(t.publicUrl()).isEqualTo(t.url());
        assertThat(t.credentials().username()).isEqualTo("admin");
        assertThat(t.credentials().password()).isEqualTo("s3cret-pass");
        assertThat(t.credentials().source()).isEqualTo("Secret credential-rh-sso");
        assertThat(secrets.redact("pw s3cret-pass")).isEqualTo("pw ******");
        assertThat(t.toString()).doesNotContain("s3cret-pass");
    }

    @Test
    void theOverrideWinsAndTheRouteStaysThePublicUrl() {
        secret("sso", "credential-rh-sso", Map.of("ADMIN_USERNAME", "admin", "ADMIN_PASSWORD", "pw-1234"));
        route("sso", "keycloak", "sso.apps.example.com");
        KeycloakAccess.Target t = KeycloakAccess.target(ctx("http://127.0.0.1:8180", "sso"));
        assertThat(t.url()).isEqualTo("http://127.0.0.1:8180");
        assertThat(t.publicUrl()).isEqualTo("https://sso.apps.example.com");
    }

    @Test
    void rhbkInitialAdminSecretIsTheFallback() {
        secret("rh-sso", "keycloak-initial-admin", Map.of("username", "temp-admin", "password", "pw-5678"));
        KeycloakAccess.Target t = KeycloakAccess.target(ctx("https://kc.example.com", null));
        assertThat(t.publicUrl()).isEqualTo("https://kc.example.com");
        assertThat(t.credentials().username()).isEqualTo("temp-admin");
        assertThat(t.credentials().source()).isEqualTo("Secret keycloak-initial-admin");
    }

    @Test
    void rhbkWithoutOverrideIsReachedAtTheHostnameTheSsoStageGivesIt() {
        secret("rh-sso", "keycloak-initial-admin", Map.of("username", "temp-admin", "password", "pw-5678"));
        dev.maas.installer.cluster.Fixtures.appsDomain(cluster.client(), "apps.example.com");
        KeycloakAccess.Target t = KeycloakAccess.target(ctx(null, null));
        assertThat(t.url()).isEqualTo("https://keycloak-rh-sso.apps.example.com");
        assertThat(t.publicUrl()).isEqualTo(t.url());
    }

    @Test
    void missingRouteOrSecretSaysWhatToDo() {
        assertThatThrownBy(() -> KeycloakAccess.target(ctx(null, null)))
                .isInstanceOf(StageException.class).hasMessageContaining("no Route 'keycloak'")
                .satisfies(e -> assertThat(((StageException) e).fix().kind()).isEqualTo(Fix.Kind.STAGE));
        assertThatThrownBy(() -> KeycloakAccess.target(ctx("https://kc.example.com", null)))
                .isInstanceOf(StageException.class)
                .hasMessageContaining("neither Secret credential-rh-sso nor Secret keycloak-initial-admin")
                .hasMessageContaining("rh-sso");
        secret("rh-sso", "credential-rh-sso", Map.of("ADMIN_USERNAME", "admin"));
        assertThatThrownBy(() -> KeycloakAccess.target(ctx("https://kc.example.com", null)))
                .hasMessageContaining("has no ADMIN_USERNAME/ADMIN_PASSWORD");
    }
}
