package dev.maas.installer.ui;

import dev.maas.installer.engine.config.ConfigException;
import dev.maas.installer.engine.config.ConfigProblem;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunEvent;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.run.StageResult.Outcome;
import dev.maas.installer.engine.secrets.SecretRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class EngineServiceTest {
    private final Queue<RunEvent> events = new ConcurrentLinkedQueue<>();
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();

    @Test
    void runsOnItsOwnThreadAndCancelsAtTheNextStep() throws Exception {
        TestStage a = new TestStage("a", 3);
        a.pauseAfterStep = 1;
        Queue<String> threads = new ConcurrentLinkedQueue<>();
        try (EngineService engine = new EngineService(List.of(a), c -> {
            threads.add(Thread.currentThread().getName());
            return WizardShell.defaultContext(c);
        }, events::add, (op, ids, m) -> failures.add(m))) {
            var future = engine.start(Operation.APPLY, List.of("a"));
            assertThat(a.paused.await(10, TimeUnit.SECONDS)).isTrue();
            engine.cancel();
            a.gate.countDown();
            RunReport report = future.get(10, TimeUnit.SECONDS);
            assertThat(report.stages().get(0).outcome()).isEqualTo(Outcome.CANCELLED);
            assertThat(a.stepsRun).containsExactly(1);
            assertThat(threads).containsExactly("maas-engine");
            assertThat(events).last().isInstanceOf(RunEvent.RunFinished.class);
        }
    }

    @Test
    void aContextThatCannotBeBuiltIsReportedRedacted() throws Exception {
        SecretRegistry.global().register("s3cr3t-token");
        try (EngineService engine = new EngineService(List.of(new TestStage("a", 1)), c -> {
            throw new IllegalStateException("login with s3cr3t-token refused");
        }, events::add, (op, ids, m) -> failures.add(op + " " + ids + " " + m))) {
            assertThat(engine.start(Operation.PLAN, List.of()).get(10, TimeUnit.SECONDS)).isNull();
            assertThat(failures).containsExactly("PLAN [] IllegalStateException: login with ****** refused");
            assertThat(events).isEmpty();

            try (EngineService bad = new EngineService(List.of(new TestStage("a", 1)), c -> {
                throw new ConfigException(null, List.of(new ConfigProblem("cluster.context", "must not be empty")));
            }, events::add, (op, ids, m) -> failures.add(m))) {
                assertThat(bad.start(Operation.APPLY, List.of("a")).get(10, TimeUnit.SECONDS)).isNull();
                assertThat(failures).last().asString().contains("cluster.context");
            }
        }
    }
}
