package dev.maas.installer.engine;

import dev.maas.installer.engine.config.ConfigException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunEvent;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.run.StageResult.Outcome;
import dev.maas.installer.engine.run.StageRunner;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.stages.Stages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StageRunnerTest {
    private final List<String> calls = new CopyOnWriteArrayList<>();

    @AfterEach
    void clearSecrets() { SecretRegistry.global().clear(); }

    private StageContext ctx() {
        return new StageContext(InstallerConfig.defaults(), SecretRegistry.global(), new Cancellation());
    }

    private Stage stage(String id, List<String> deps, Function<Progress, List<Change>> apply) {
        return new Stage() {
            @Override public String id() { return id; }
            @Override public String title() { return "Stage " + id; }
            @Override public List<String> dependencies() { return deps; }
            @Override public List<Change> plan(StageContext c) {
                calls.add("plan " + id);
                return List.of(new Change(Action.CREATE, TargetSystem.KUBERNETES, "Namespace", id,
                        Map.of("labels", FieldChange.of(null, "managed"))));
            }
            @Override public List<Change> apply(StageContext c, Progress p) {
                calls.add("apply " + id);
                return apply.apply(p);
            }
            @Override public List<Check> verify(StageContext c) {
                calls.add("verify " + id);
                return List.of(Check.ok(id, "fine"));
            }
        };
    }

    @Test
    void runsAllInOrderAndReportsProgress() {
        StageRunner runner = new StageRunner(List.of(
                stage("a", List.of(), p -> { p.step(1, 2, "first"); p.step(2, 2, "second"); return List.of(); }),
                stage("b", List.of("a"), p -> List.of())));
        List<RunEvent> events = new ArrayList<>();
        RunReport report = runner.run(Operation.APPLY, List.of(), ctx(), events::add);
        assertThat(report.allOk()).isTrue();
        assertThat(calls).containsExactly("apply a", "apply b");
        assertThat(events).filteredOn(e -> e instanceof RunEvent.StepProgress)
                .extracting(e -> ((RunEvent.StepProgress) e).message()).containsExactly("first", "second");
        assertThat(events.get(0)).isInstanceOf(RunEvent.RunStarted.class);
        assertThat(events.get(events.size() - 1)).isInstanceOf(RunEvent.RunFinished.class);
    }

    /** A stage that cannot be tried here (as sso in a sandbox without Keycloak): it says why. */
    private Stage notHere(String id, List<String> deps) {
        Stage inner = stage(id, deps, p -> {
            throw new StageException(id + " cannot be tried here: no Keycloak", Fix.manual("get a Keycloak"));
        });
        return new Stage() {
            @Override public String id() { return id; }
            @Override public String title() { return inner.title(); }
            @Override public List<String> dependencies() { return deps; }
            @Override public java.util.Optional<StageException> notAvailableHere(StageContext c) {
                return java.util.Optional.of(new StageException(id + " cannot be tried here: no Keycloak",
                        Fix.manual("get a Keycloak")));
            }
            @Override public List<Change> plan(StageContext c) { return inner.plan(c); }
            @Override public List<Change> apply(StageContext c, Progress p) { return inner.apply(c, p); }
            @Override public List<Check> verify(StageContext c) { return inner.verify(c); }
        };
    }

    @Test
    void aRunOfSeveralStagesLeavesOutWhatCannotBeTriedHereWithItsReasonAndRunsTheRest() {
        StageRunner runner = new StageRunner(List.of(stage("a", List.of(), p -> List.of()),
                notHere("sso", List.of("a")), stage("c", List.of("a"), p -> List.of())));
        RunReport report = runner.run(Operation.APPLY, List.of(), ctx(), null);
        assertThat(calls).containsExactly("apply a", "apply c");
        assertThat(report.stages()).extracting(r -> r.outcome())
                .containsExactly(Outcome.OK, Outcome.NOT_AVAILABLE, Outcome.OK);
        var sso = report.stages().get(1);
        assertThat(sso.state()).isEqualTo(dev.maas.installer.engine.run.StageState.NOT_AVAILABLE);
        assertThat(sso.state().neutral()).isTrue();
        assertThat(sso.state().notRun()).isFalse();
        assertThat(sso.problem()).isEqualTo("left out: sso cannot be tried here: no Keycloak");
        assertThat(sso.problemFix().hint()).isEqualTo("get a Keycloak");
        assertThat(report.summary()).isEqualTo("Apply finished: 2 ok, 1 not available here");

        calls.clear();
        RunReport verify = runner.run(Operation.VERIFY, List.of("sso"), ctx(), null);
        assertThat(calls).isEmpty();
        assertThat(verify.stages().get(0).outcome()).isEqualTo(Outcome.NOT_AVAILABLE);
    }

    @Test
    void appliedAloneAStageThatCannotBeTriedHereRunsAndStopsWithItsOwnError() {
        StageRunner runner = new StageRunner(List.of(stage("a", List.of(), p -> List.of()),
                notHere("sso", List.of("a"))));
        RunReport report = runner.run(Operation.APPLY, List.of("sso"), ctx(), null);
        assertThat(calls).containsExactly("apply sso");
        assertThat(report.stages().get(0).outcome()).isEqualTo(Outcome.FAILED);
        assertThat(report.stages().get(0).error()).isEqualTo("sso cannot be tried here: no Keycloak");
    }

    @Test
    void chosenStagesRunInInstallOrderWithoutTheirDependencies() {
        StageRunner runner = new StageRunner(List.of(stage("a", List.of(), p -> List.of()),
                stage("b", List.of("a"), p -> List.of()), stage("c", List.of("b"), p -> List.of())));
        runner.run(Operation.VERIFY, List.of("c", "a"), ctx(), null);
        assertThat(calls).containsExactly("verify a", "verify c");
    }

    @Test
    void aFailedDependencySkipsItsDependentsButNotIndependentStages() {
        StageRunner runner = new StageRunner(List.of(
                stage("a", List.of(), p -> { throw new StageException("boom", Fix.manual("fix a")); }),
                stage("b", List.of("a"), p -> List.of()),
                stage("c", List.of(), p -> List.of())));
        RunReport report = runner.run(Operation.APPLY, List.of(), ctx(), null);
        assertThat(report.stages()).extracting(s -> s.outcome())
                .containsExactly(Outcome.FAILED, Outcome.SKIPPED, Outcome.OK);
        assertThat(report.stages().get(0).error()).isEqualTo("boom");
        assertThat(report.stages().get(1).error()).contains("a did not succeed");
        assertThat(calls).containsExactly("apply a", "apply c");
    }

    @Test
    void cancellationStopsAtTheNextStepAndLaterStagesAreNotRun() {
        StageContext ctx = ctx();
        StageRunner runner = new StageRunner(List.of(
                stage("a", List.of(), p -> {
                    p.step(1, 3, "one");
                    ctx.cancellation().cancel();
                    p.step(2, 3, "two");
                    calls.add("after cancel");
                    return List.of();
                }),
                stage("b", List.of(), p -> List.of())));
        RunReport report = runner.run(Operation.APPLY, List.of(), ctx, null);
        assertThat(report.stages()).extracting(s -> s.outcome()).containsExactly(Outcome.CANCELLED, Outcome.CANCELLED);
        assertThat(calls).containsExactly("apply a");
    }

    @Test
    void errorsAreRedactedAndUnexpectedFailuresSayWhatToDo() {
        String token = SecretRegistry.global().register("tok-123456789");
        StageRunner runner = new StageRunner(List.of(
                stage("a", List.of(), p -> { throw new IllegalStateException("server said " + token); })));
        RunReport report = runner.run(Operation.APPLY, List.of(), ctx(), null);
        assertThat(report.stages().get(0).error()).contains("******").doesNotContain(token);
        assertThat(report.stages().get(0).fix().kind()).isEqualTo(Fix.Kind.STAGE);
    }

    @Test
    void unknownStageIdIsAnInputErrorListingTheIds() {
        StageRunner runner = new StageRunner(Stages.all());
        assertThatThrownBy(() -> runner.select(List.of("ssso")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown stage 'ssso'")
                .hasMessageContaining("preflight, sso, threescale, backends, products, plans, portal");
    }

    @Test
    void theProductStagesAreListedInOrderWithValidDependencies() {
        StageRunner runner = new StageRunner(Stages.all());
        assertThat(runner.stages()).extracting(Stage::id).containsExactlyElementsOf(StageIds.ALL);
    }

    @Test
    void dependenciesMustBeListedFirst() {
        assertThatThrownBy(() -> new StageRunner(List.of(stage("b", List.of("a"), p -> List.of()))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void logLinesOfAStageCarryItsId() {
        StageRunner runner = new StageRunner(List.of(stage("a", List.of(), p -> {
            org.slf4j.LoggerFactory.getLogger("dev.maas.installer.x").info("hello from a");
            return List.of();
        })));
        List<RunEvent> events = new CopyOnWriteArrayList<>();
        runner.run(Operation.APPLY, List.of(), ctx(), events::add);
        assertThat(events).filteredOn(e -> e instanceof RunEvent.Log l && l.line().message().equals("hello from a"))
                .singleElement().satisfies(e -> assertThat(((RunEvent.Log) e).line().stageId()).isEqualTo("a"));
    }
}
