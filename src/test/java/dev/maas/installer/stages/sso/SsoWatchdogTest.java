package dev.maas.installer.stages.sso;

import dev.maas.installer.cluster.ClusterConnection;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.IdentityProviderConfig;
import dev.maas.installer.engine.config.InstallerConfig.SsoConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.ClusterServiceVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sso stage never waits for a Keycloak that cannot come: on a cluster whose SSO operator does not act on the
 * Keycloak resource it stops after the grace period with the cause (operator not running, or running but idle), and
 * in the local sandbox that runs without Keycloak it stops at once, with a fix that fits a sandbox.
 */
@StartsSandbox
class SsoWatchdogTest {
    private static final String DOMAIN = "apps.cluster.example.com";
    private static final String IDP_SECRET_ENV = "MAAS_TEST_IDP_SECRET";

    private SsoSandbox cluster;

    @BeforeEach
    void setUp() {
        cluster = SsoSandbox.start(DOMAIN).offer("rhsso-operator", "stable", "stable");
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private SsoStage stage(Duration grace) {
        // a 10-minute ready timeout: only the watchdog can end these waits in seconds
        return new SsoStage(Duration.ofSeconds(30), Duration.ofMinutes(10), grace,
                name -> IDP_SECRET_ENV.equals(name) ? "idp-secret-for-the-watchdog-test" : null, List.of());
    }

    private StageContext ctx() {
        IdentityProviderConfig idp = new IdentityProviderConfig("oidc", "corp-sso", "Corporate SSO", "maas-portal",
                IDP_SECRET_ENV, "https://idp.example.com/realms/corp");
        InstallerConfig config = new InstallerConfig(null, null, new SsoConfig("rhsso", null, "maas", null, idp),
                null, null, null, null, null);
        KubernetesClient client = cluster.client;
        return new StageContext(config, SecretRegistry.global(), new Cancellation())
                .provide(KubernetesClient.class, () -> client);
    }

    @Test
    void anOperatorThatNeverActsOnTheKeycloakResourceStopsTheStageAfterTheGracePeriod() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> stage(Duration.ofSeconds(2)).apply(ctx(), null))
                .isInstanceOf(StageException.class)
                .hasMessageContaining("Keycloak (keycloak.org/v1alpha1) rh-sso/rh-sso has no status 2 s after it was"
                        + " made")
                .hasMessageContaining("the operator does not act on it")
                .satisfies(e -> assertThat(((StageException) e).fix().hint()).contains("operator's log"));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(60));
    }

    @Test
    void anOperatorWhoseDeploymentIsNotAvailableIsNamedAsTheCause() {
        // a first apply installs the operator through OLM and makes the Keycloak resource
        assertThatThrownBy(() -> stage(Duration.ofSeconds(1)).apply(ctx(), null)).isInstanceOf(StageException.class);
        KubernetesClient c = cluster.client;
        ClusterServiceVersion csv = c.resources(ClusterServiceVersion.class).inNamespace("rh-sso").list().getItems()
                .get(0);
        // what the operator's CSV says: its deployment (OLM makes it from install.spec.deployments)
        String deploymentSpec = """
                {"replicas": 1, "selector": {"matchLabels": {"name": "rhsso-operator"}},
                 "template": {"metadata": {"labels": {"name": "rhsso-operator"}},
                              "spec": {"containers": [{"name": "rhsso-operator",
                                                       "image": "registry.redhat.io/rh-sso-7/sso7-rhel8-operator"}]}}}""";
        c.resources(ClusterServiceVersion.class).inNamespace("rh-sso").withName(csv.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": {\"install\": {\"strategy\": \"deployment\","
                        + " \"spec\": {\"deployments\": [{\"name\": \"rhsso-operator\", \"spec\": " + deploymentSpec
                        + "}]}}}}");
        c.apps().deployments().inNamespace("rh-sso").resource(new DeploymentBuilder().withNewMetadata()
                .withName("rhsso-operator").withNamespace("rh-sso").endMetadata().withNewSpec().withReplicas(1)
                .withNewSelector().addToMatchLabels("name", "rhsso-operator").endSelector().withNewTemplate()
                .withNewMetadata().addToLabels("name", "rhsso-operator").endMetadata().withNewSpec().addNewContainer()
                .withName("rhsso-operator").withImage("registry.redhat.io/rh-sso-7/sso7-rhel8-operator")
                .endContainer().endSpec().endTemplate().endSpec().build()).create();
        // its pods came up, then stopped being ready (as the cluster's deployment controller reports it)
        c.apps().deployments().inNamespace("rh-sso").withName("rhsso-operator")
                .waitUntilCondition(d -> d.getStatus() != null && d.getStatus().getConditions() != null
                        && d.getStatus().getConditions().stream().anyMatch(x -> x.getType().equals("Available")
                        && x.getStatus().equals("True")), 30, TimeUnit.SECONDS);
        c.apps().deployments().inNamespace("rh-sso").withName("rhsso-operator").subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), """
                        {"status": {"availableReplicas": null, "readyReplicas": null, "unavailableReplicas": 1,
                          "conditions": [{"type": "Available", "status": "False",
                            "reason": "MinimumReplicasUnavailable",
                            "message": "Deployment does not have minimum availability."}]}}""");

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> stage(Duration.ofSeconds(2)).apply(ctx(), null))
                .isInstanceOf(StageException.class)
                .hasMessageContaining("the rhsso-operator operator is not running (deployment rhsso-operator is not"
                        + " available (MinimumReplicasUnavailable: Deployment does not have minimum availability.))")
                .satisfies(e -> assertThat(((StageException) e).fix().hint())
                        .contains("oc logs deployment/rhsso-operator -n rh-sso"));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(60));
    }

    @Test
    void aSandboxWithoutKeycloakStopsTheStageAtOnceWithTheReasonAndASandboxFix() {
        KubernetesClient c = cluster.client;
        // the sandbox records in its marker that it runs without Keycloak
        c.configMaps().inNamespace(ClusterConnection.SANDBOX_MARKER_NAMESPACE).resource(new ConfigMapBuilder()
                .withNewMetadata().withName(ClusterConnection.SANDBOX_MARKER_NAME).endMetadata()
                .addToData("sandbox", "true")
                .addToData("keycloakAbsent", "no Keycloak distribution on this machine").build())
                .createOr(x -> x.update());

        SsoStage stage = stage(Duration.ofMinutes(5));
        assertThat(stage.notAvailableHere(ctx())).get().extracting(Throwable::getMessage).asString()
                .startsWith("SSO cannot be tried in this sandbox: it runs without Keycloak (no Keycloak distribution"
                        + " on this machine)");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> stage.apply(ctx(), null))
                .isInstanceOf(StageException.class)
                .hasMessageContaining("SSO cannot be tried in this sandbox")
                .satisfies(e -> assertThat(((StageException) e).fix().hint())
                        .contains("--download-keycloak").doesNotContain("oc describe").doesNotContain("mvnw"));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        // nothing was made: it stopped before the operator install
        assertThat(c.namespaces().withName("rh-sso").get()).isNull();
    }
}
