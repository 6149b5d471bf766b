package dev.maas.installer.stages.common;

import dev.maas.installer.cluster.OperatorInstaller;
import dev.maas.installer.cluster.OperatorSpec;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.sandbox.OlmSimulator;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The one operator check of the sso and threescale stages, against the sandbox's simulated OLM. */
@StartsSandbox
class OperatorReadinessTest {
    private static final String CSV = "3scale-operator.v0.12.4";

    private SandboxCluster cluster;
    private KubernetesClient client;

    @BeforeEach
    void setUp() {
        cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withModels(false)
                .withOlmBehaviour(OlmSimulator.Behaviour.succeed(Duration.ofMillis(300))));
        client = cluster.newClient();
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private Check check() {
        return OperatorReadiness.check(client, "operator", "3scale", "3scale-operator", "threescale");
    }

    private void install() {
        new OperatorInstaller(client, new Cancellation()).install(OperatorSpec.of("3scale-operator",
                "threescale-2.15", "3scale").withTimeout(Duration.ofSeconds(60)), Progress.NONE);
    }

    @Test
    void notInstalledIsForTheStageToRepair() {
        assertThat(check()).satisfies(c -> {
            assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
            assertThat(c.message()).isEqualTo("the operator is not installed: no Subscription 3scale-operator in"
                    + " 3scale");
            assertThat(c.fix().kind()).isEqualTo(Fix.Kind.STAGE);
            assertThat(c.fix().target()).isEqualTo("threescale");
        });
    }

    @Test
    void aSucceededCsvIsOk() {
        install();
        assertThat(check()).isEqualTo(Check.ok("operator", "CSV " + CSV + " Succeeded"));
    }

    @Test
    void aFailedCsvGivesItsReasonAndWhereToLook() {
        cluster.olm().behaviour("3scale-operator", OlmSimulator.Behaviour.fail("InstallComponentFailedNoRetry",
                "install strategy failed"));
        assertThat(catchThrowableOfType(StageException.class, this::install)).isNotNull();
        assertThat(check()).satisfies(c -> {
            assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
            assertThat(c.message()).isEqualTo("CSV " + CSV + " is Failed (InstallComponentFailedNoRetry: install"
                    + " strategy failed)");
            assertThat(c.fix().kind()).isEqualTo(Fix.Kind.MANUAL);
            assertThat(c.fix().hint()).contains("oc describe csv " + CSV + " -n 3scale", "rerun the threescale stage");
        });
    }
}
