package dev.maas.installer.ui;

import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunEvent;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.run.StageResult;
import dev.maas.installer.engine.run.StageResult.Outcome;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.ui.model.ConnectionInfo;
import dev.maas.installer.ui.model.StageStatus;
import dev.maas.installer.ui.model.StageViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The wizard's state machine, driven by run events, without a window or an engine. */
class WizardViewModelTest {
    private final List<String> started = new ArrayList<>();
    private int cancels;
    private final WizardViewModel model = new WizardViewModel(
            List.of(new StageViewModel(new TestStage("a", 2), "A"), new StageViewModel(new TestStage("b", 1, "a"), "B")),
            new WizardViewModel.RunLauncher() {
                @Override
                public void start(Operation op, List<String> ids) { started.add(op + " " + ids); }

                @Override
                public void cancel() { cancels++; }
            });

    @Test
    void theDefaultStagesAreListedNotRunYet() {
        WizardShell shell = WizardShell.builder().fxExecutor(Runnable::run).build();
        try {
            assertThat(shell.model().stages()).extracting(StageViewModel::id)
                    .containsExactly("preflight", "sso", "threescale", "backends", "products", "plans", "portal");
            assertThat(shell.model().stages()).allSatisfy(s -> assertThat(s.status()).isEqualTo(StageStatus.NOT_RUN));
            assertThat(shell.model().stages()).allMatch(s -> !s.description().isEmpty());
            assertThat(shell.model().connectionText().get()).isEqualTo("Not connected");
        } finally {
            shell.close();
        }
        assertThat(Stages.all()).hasSize(7);
    }

    @Test
    void commandsStartOneRunAtATimeAndCancelOnce() {
        assertThat(model.selected().id()).isEqualTo("a");
        assertThat(model.canRunSelected().get()).isTrue();
        assertThat(model.plan()).isTrue();
        assertThat(model.run().isRunning()).isTrue();
        assertThat(model.canRunSelected().get()).isFalse();
        assertThat(model.apply()).isFalse();
        model.cancel();
        model.cancel();
        assertThat(cancels).isEqualTo(1);
        model.onEngineEvents(List.of(new RunEvent.RunFinished(new RunReport(Operation.PLAN, List.of()))));
        assertThat(model.run().isRunning()).isFalse();
        model.select("b");
        assertThat(model.rerun()).isTrue();
        assertThat(started).containsExactly("PLAN [a]", "APPLY [b]");
        model.onEngineEvents(List.of(new RunEvent.RunFinished(new RunReport(Operation.APPLY, List.of()))));
        assertThat(model.runAll(Operation.VERIFY)).isTrue();
        assertThat(started).last().isEqualTo("VERIFY [a, b]");
    }

    @Test
    void eventsDriveStatusProgressAndLog() {
        model.runAll(Operation.APPLY);
        model.onEngineEvents(List.of(
                new RunEvent.RunStarted(Operation.APPLY, List.of("a", "b")),
                new RunEvent.StageStarted("a", Operation.APPLY, 1, 2),
                new RunEvent.StepProgress("a", 1, 2, "first"),
                new RunEvent.Log(new LogLine(Instant.now(), "INFO", "a", "x", "hello")),
                new RunEvent.StepDetail("a", "1 of 3 pods ready")));
        StageViewModel a = model.stage("a");
        assertThat(a.status()).isEqualTo(StageStatus.RUNNING);
        assertThat(model.run().overallTextProperty().get()).isEqualTo("Apply: stage 1 of 2, Test stage a");
        assertThat(model.run().overallProgressProperty().get()).isEqualTo(0.0);
        assertThat(model.run().stepTextProperty().get()).isEqualTo("1 of 2: first");
        assertThat(model.run().stepProgressProperty().get()).isEqualTo(0.5);
        assertThat(model.run().stepDetailProperty().get()).isEqualTo("1 of 3 pods ready");
        assertThat(model.log().lines()).extracting(LogLine::message)
                .containsExactly("Apply: starting 2 stages: a, b", "hello");

        StageResult failed = new StageResult("a", Operation.APPLY, Outcome.FAILED, null, null, "boom",
                Fix.manual("do it by hand"), false);
        StageResult skipped = new StageResult("b", Operation.APPLY, Outcome.SKIPPED, null, null,
                "skipped because a did not succeed", Fix.rerunStage("a", "fix it"), false);
        model.onEngineEvents(List.of(new RunEvent.StageFinished(failed),
                new RunEvent.StageStarted("b", Operation.APPLY, 2, 2), new RunEvent.StageFinished(skipped),
                new RunEvent.RunFinished(new RunReport(Operation.APPLY, List.of(failed, skipped)))));
        assertThat(a.status()).isEqualTo(StageStatus.FAILED);
        assertThat(a.messageProperty().get()).isEqualTo("boom");
        assertThat(a.fixProperty().get()).isEqualTo("do it by hand");
        assertThat(model.stage("b").status()).isEqualTo(StageStatus.SKIPPED);
        assertThat(model.run().isRunning()).isFalse();
        assertThat(model.run().overallProgressProperty().get()).isEqualTo(1.0);
        assertThat(model.run().overallTextProperty().get()).isEqualTo("Apply finished: 1 failed, 1 skipped");
        assertThat(model.run().stepTextProperty().get()).isEmpty();
        assertThat(model.run().stepDetailProperty().get()).isEmpty();
        assertThat(model.log().lines()).extracting(LogLine::message).endsWith(
                "b: skipped because a did not succeed", "Apply finished: 1 failed, 1 skipped");
        assertThat(model.log().lines().get(model.log().lines().size() - 2).stageId()).isEqualTo("b");

        model.select("b");
        model.verify();
        StageResult verified = new StageResult("b", Operation.VERIFY, Outcome.OK, null,
                List.of(Check.ok("x", "fine"), Check.retryable("y", "not ready", Fix.rerunStage("b", "again"))),
                null, null, false);
        model.onEngineEvents(List.of(new RunEvent.StageFinished(verified),
                new RunEvent.RunFinished(new RunReport(Operation.VERIFY, List.of(verified)))));
        assertThat(model.stage("b").status()).isEqualTo(StageStatus.FAILED);
        assertThat(model.stage("b").checks()).hasSize(2);
        assertThat(model.stage("b").fixProperty().get()).isEqualTo("rerun stage 'b': again");
    }

    @Test
    void aRunThatCannotStartMarksItsStagesFailed() {
        model.apply();
        model.onRunFailed(Operation.APPLY, List.of("a"), "no cluster is configured");
        assertThat(model.stage("a").status()).isEqualTo(StageStatus.FAILED);
        assertThat(model.stage("a").messageProperty().get()).isEqualTo("no cluster is configured");
        assertThat(model.run().isRunning()).isFalse();
        assertThat(model.run().overallTextProperty().get()).isEqualTo("Run failed: no cluster is configured");
        assertThat(model.log().lines()).extracting(LogLine::level).containsExactly("INFO", "ERROR");
        assertThat(model.log().lines()).extracting(LogLine::message).containsExactly(
                "Apply: starting 1 stage: a", "The run could not start: no cluster is configured");
    }

    @Test
    void theHeaderShowsTheConnectionAndWhetherItIsASandbox() {
        assertThat(model.connectionText().get()).isEqualTo("Not connected");
        assertThat(model.sandbox().get()).isFalse();
        model.connectionProperty().set(new ConnectionInfo("https://api.prod:6443", "admin", false));
        assertThat(model.connectionText().get()).isEqualTo("Connected to https://api.prod:6443 (context admin)");
        assertThat(model.sandbox().get()).isFalse();
        model.connectionProperty().set(new ConnectionInfo("https://127.0.0.1:4000", "", true));
        assertThat(model.connectionText().get()).isEqualTo("Local sandbox: https://127.0.0.1:4000");
        assertThat(model.sandbox().get()).isTrue();
    }
}
