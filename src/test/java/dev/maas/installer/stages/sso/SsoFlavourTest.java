package dev.maas.installer.stages.sso;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.SsoConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which operator the sso stage installs, from sso.flavour and the catalog (no Keycloak needed). */
@StartsSandbox
class SsoFlavourTest {
    private SsoSandbox cluster;

    @BeforeEach
    void setUp() {
        cluster = SsoSandbox.start("apps.example.com");
    }

    @AfterEach
    void tearDown() { cluster.close(); }

    private SsoStage.Target target(String flavour) {
        KubernetesClient client = cluster.client;
        StageContext ctx = new StageContext(new InstallerConfig(null, null, new SsoConfig(flavour, "sso-ns", null,
                null, null), null, null, null, null, null), SecretRegistry.global(), new Cancellation())
                .provide(KubernetesClient.class, () -> client);
        return new SsoStage(Duration.ofSeconds(5), Duration.ofSeconds(5), n -> null, List.of()).target(ctx);
    }

    @Test
    void autoPrefersRhssoOnChannelStableWhenBothAreOffered() {
        cluster.offer("rhsso-operator", "stable", "stable");
        cluster.offer("rhbk-operator", "stable-v26", "stable-v24", "stable-v26");
        SsoStage.Target t = target("auto");
        assertThat(t.flavour()).isEqualTo(SsoFlavour.RHSSO);
        assertThat(t.operator().packageName()).isEqualTo("rhsso-operator");
        assertThat(t.operator().channel()).isEqualTo("stable");
        assertThat(t.operator().namespace()).isEqualTo("sso-ns");
        assertThat(t.crName()).isEqualTo("rh-sso");
        assertThat(KeycloakEndpoints.credentialSecret(t.flavour(), null)).isEqualTo("credential-rh-sso");
        assertThat(t.portalHost()).isEqualTo("maas.apps.example.com");
    }

    @Test
    void rhbkWhenChosenOrWhenRhssoIsNotOffered() {
        cluster.offer("rhbk-operator", "stable-v26", "stable-v24", "stable-v26");
        SsoStage.Target auto = target("auto");
        assertThat(auto.flavour()).isEqualTo(SsoFlavour.RHBK);
        assertThat(auto.operator().channel()).isEqualTo("stable-v26");
        assertThat(auto.hostname()).isEqualTo("keycloak-sso-ns.apps.example.com");
        assertThat(KeycloakEndpoints.credentialSecret(auto.flavour(), null)).isEqualTo("keycloak-initial-admin");

        cluster.offer("rhsso-operator", "stable", "stable");
        assertThat(target("RHBK").flavour()).isEqualTo(SsoFlavour.RHBK);
        assertThat(target("auto").flavour()).isEqualTo(SsoFlavour.RHSSO);
    }

    @Test
    void rhssoWithoutChannelStableIsAnInputError() {
        cluster.offer("rhsso-operator", "alpha", "alpha");
        cluster.offer("rhbk-operator", "stable-v26", "stable-v26");
        assertThatThrownBy(() -> target("rhsso")).isInstanceOfSatisfying(StageException.class, e -> {
            assertThat(e.invalidInput()).isTrue();
            assertThat(e.getMessage()).contains("has no channel 'stable'").contains("alpha");
            assertThat(e.fix().target()).isEqualTo("sso.flavour");
        });
        assertThat(target("auto").flavour()).isEqualTo(SsoFlavour.RHBK);
    }

    @Test
    void unknownFlavourIsAnInputError() {
        assertThatThrownBy(() -> target("okta")).isInstanceOfSatisfying(StageException.class, e -> {
            assertThat(e.invalidInput()).isTrue();
            assertThat(e.fix().target()).isEqualTo("sso.flavour");
        });
    }

    @Test
    void missingAppsDomainIsAClearError() {
        cluster.client.resources(io.fabric8.openshift.api.model.config.v1.Ingress.class).withName("cluster")
                .delete();
        cluster.offer("rhsso-operator", "stable", "stable");
        assertThatThrownBy(() -> target("auto")).isInstanceOf(StageException.class)
                .hasMessageContaining("apps domain");
    }
}
