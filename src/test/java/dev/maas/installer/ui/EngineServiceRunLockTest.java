package dev.maas.installer.ui;

import dev.maas.installer.cluster.RunLock;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunEvent;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.run.StageResult.Outcome;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The wizard's apply holds the same run lock as the CLI's: a held lock fails the run, naming the holder. */
@StartsSandbox
class EngineServiceRunLockTest {
    private static SandboxCluster cluster;
    private static KubernetesClient client;

    private final Queue<RunEvent> events = new ConcurrentLinkedQueue<>();
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void start() {
        cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withOlm(false));
        client = cluster.newClient();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private EngineService engine(TestStage stage) {
        return new EngineService(List.of(stage), c -> WizardShell.defaultContext(c)
                .provide(KubernetesClient.class, cluster::newClient), events::add, (op, ids, m) -> failures.add(m));
    }

    private String holder() {
        return client.leases().inNamespace(RunLock.NAMESPACE).withName(RunLock.NAME).get().getSpec()
                .getHolderIdentity();
    }

    @Test
    void applyIsRefusedWhileAnotherRunHoldsTheLockAndHoldsItItselfOtherwise() throws Exception {
        TestStage stage = new TestStage("a", 2);
        try (EngineService engine = engine(stage)) {
            try (RunLock.Held other = new RunLock(client).acquire("anna@laptop pid 7 (cli) 0badcafe", null)) {
                assertThat(engine.start(Operation.APPLY, List.of("a")).get(30, TimeUnit.SECONDS)).isNull();
                assertThat(failures).singleElement().asString()
                        .startsWith("Another maas-installer run holds the lock: anna@laptop pid 7 (cli) 0badcafe")
                        .contains("delete Lease maas-installer/maas-installer-run");
                assertThat(stage.stepsRun).as("no stage ran").isEmpty();

                // plan and verify take no lock
                RunReport plan = engine.start(Operation.PLAN, List.of("a")).get(30, TimeUnit.SECONDS);
                assertThat(plan.stages().get(0).outcome()).isEqualTo(Outcome.OK);
                assertThat(holder()).isEqualTo("anna@laptop pid 7 (cli) 0badcafe");
            }

            stage.pauseAfterStep = 1;
            var run = engine.start(Operation.APPLY, List.of("a"));
            assertThat(stage.paused.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(holder()).as("held during the run").contains(" pid " + ProcessHandle.current().pid()
                    + " (wizard) ");
            stage.gate.countDown();
            RunReport report = run.get(30, TimeUnit.SECONDS);
            assertThat(report.stages().get(0).outcome()).isEqualTo(Outcome.OK);
            assertThat(holder()).as("released after the run").isNull();
            assertThat(failures).hasSize(1);
        }
    }
}
