package dev.maas.installer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.cli.CliHarness.Result;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.testing.StartsSandbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

@StartsSandbox
class CliApplyTest {
    @TempDir
    Path dir;

    @Test
    void withoutYesAndWithoutAConsoleItRefusesWithExit2() {
        TestStage alpha = new TestStage("alpha").apply((ctx, p) -> List.of(CliCommandsTest.createNamespace()));
        CliHarness cli = new CliHarness(dir, alpha);
        cli.terminal.interactive = false;
        Result r = cli.run("apply");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("add --yes");
        assertThat(r.out()).isEmpty();
        assertThat(alpha.applyCalls).hasValue(0);
        assertThat(cli.terminal.prompts).isEmpty();
    }

    @Test
    void yesAppliesWithoutAsking() {
        TestStage alpha = new TestStage("alpha").apply((ctx, p) -> {
            p.step(1, 1, "creating namespace");
            return List.of(CliCommandsTest.createNamespace());
        });
        CliHarness cli = new CliHarness(dir, alpha);
        cli.terminal.interactive = true;
        Result r = cli.run("apply", "--yes");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(cli.terminal.prompts).isEmpty();
        assertThat(alpha.applyCalls).hasValue(1);
        assertThat(r.err()).contains("[alpha] Test stage alpha: starting (stage 1 of 1)")
                .contains("[alpha] 1/1 creating namespace");
        assertThat(r.out()).contains("[alpha] Test stage alpha: OK").contains("CREATE kubernetes Namespace rh-sso")
                .contains("Apply: 1 created");
        assertThat(cli.interrupt.installs).isEqualTo(1);
        assertThat(cli.interrupt.removals).isEqualTo(1);
    }

    @Test
    void onAConsoleItShowsThePlanThenAsks() {
        TestStage alpha = new TestStage("alpha")
                .plan(ctx -> List.of(CliCommandsTest.createNamespace()))
                .apply((ctx, p) -> List.of(CliCommandsTest.createNamespace()));
        CliHarness cli = new CliHarness(dir, alpha);
        cli.terminal.interactive = true;
        cli.terminal.answers.add("y");
        Result r = cli.run("apply");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(cli.terminal.prompts).containsExactly("Apply these changes? [y/N] ");
        assertThat(alpha.applyCalls).hasValue(1);
        int planAt = r.out().indexOf("Plan:");
        int applyAt = r.out().indexOf("Apply: 1 created");
        assertThat(planAt).isGreaterThanOrEqualTo(0);
        assertThat(applyAt).isGreaterThan(planAt);
        assertThat(r.out().substring(planAt, applyAt)).contains("CREATE kubernetes Namespace rh-sso");
    }

    @Test
    void answeringNoOrNothingAppliesNothing() {
        for (String answer : new String[] {"n", "", null, "maybe"}) {
            TestStage alpha = new TestStage("alpha").plan(ctx -> List.of(CliCommandsTest.createNamespace()));
            CliHarness cli = new CliHarness(dir, alpha);
            cli.terminal.interactive = true;
            if (answer != null) {
                cli.terminal.answers.add(answer);
            }
            Result r = cli.run("apply");
            assertThat(r.code()).as("answer %s: %s", answer, r).isEqualTo(1);
            assertThat(r.err()).contains("Nothing was applied.");
            assertThat(alpha.applyCalls).hasValue(0);
        }
    }

    @Test
    void aFailingPlanIsNotOfferedForApply() {
        TestStage alpha = new TestStage("alpha").plan(ctx -> {
            throw StageException.invalidInput("sso.realm: taken", Fix.configField("sso.realm", null));
        });
        CliHarness cli = new CliHarness(dir, alpha);
        cli.terminal.interactive = true;
        cli.terminal.answers.add("y");
        Result r = cli.run("apply");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(cli.terminal.prompts).isEmpty();
        assertThat(alpha.applyCalls).hasValue(0);
        assertThat(r.err()).contains("The plan failed for: alpha");
    }

    @Test
    void withJsonOutputTheConfirmationPlanGoesToStderr() {
        TestStage alpha = new TestStage("alpha")
                .plan(ctx -> List.of(CliCommandsTest.createNamespace()))
                .apply((ctx, p) -> List.of(CliCommandsTest.createNamespace()));
        CliHarness cli = new CliHarness(dir, alpha);
        cli.terminal.interactive = true;
        cli.terminal.answers.add("yes");
        Result r = cli.run("apply", "--output", "json");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).contains("Plan:").contains("CREATE kubernetes Namespace rh-sso");
        assertThat(r.json().get("stages").get(0).get("result").asText()).isEqualTo("OK");
    }

    @Test
    void applyJsonReportsOkFailedAndSkipped() {
        TestStage alpha = new TestStage("alpha").apply((ctx, p) -> List.of(CliCommandsTest.createNamespace()));
        TestStage beta = new TestStage("beta").apply((ctx, p) -> {
            throw new StageException("3scale operator did not become ready", Fix.rerunStage("beta", null));
        });
        TestStage gamma = new TestStage("gamma", "beta");
        Result r = new CliHarness(dir, alpha, beta, gamma).run("apply", "--yes", "--output", "json");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        JsonNode stages = r.json().get("stages");
        assertThat(stages).extracting(s -> s.get("result").asText()).containsExactly("OK", "FAILED", "SKIPPED");
        JsonNode a = stages.get(0);
        assertThat(CliCommandsTest.fieldNames(a)).containsExactly("id", "title", "result", "changes", "error", "fix");
        assertThat(a.get("error").isNull()).isTrue();
        assertThat(a.get("changes").get(0).get("action").asText()).isEqualTo("CREATE");
        assertThat(stages.get(1).get("error").asText()).isEqualTo("3scale operator did not become ready");
        assertThat(stages.get(2).get("error").asText()).contains("beta did not succeed");
        assertThat(gamma.applyCalls).hasValue(0);
    }

    @Test
    void ctrlCCancelsTheRunningStageAtItsNextStep() throws Exception {
        AtomicReference<CliHarness> harness = new AtomicReference<>();
        AtomicReference<Thread> hookThread = new AtomicReference<>();
        TestStage alpha = new TestStage("alpha").apply((ctx, p) -> {
            p.step(1, 3, "creating namespace");
            hookThread.set(harness.get().interrupt.fire());
            awaitTrue(() -> ctx.cancellation().isCancelled(), Duration.ofSeconds(10));
            p.step(2, 3, "installing operator");
            return List.of(Change.noop(TargetSystem.KUBERNETES, "Namespace", "never reached"));
        });
        TestStage beta = new TestStage("beta");
        CliHarness cli = new CliHarness(dir, alpha, beta);
        harness.set(cli);
        Result r = cli.run("apply", "--yes", "--output", "json");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        JsonNode stages = r.json().get("stages");
        assertThat(stages).extracting(s -> s.get("result").asText()).containsExactly("FAILED", "FAILED");
        assertThat(stages.get(0).get("error").asText()).contains("cancelled");
        assertThat(stages.get(1).get("error").asText()).contains("cancelled");
        assertThat(beta.applyCalls).hasValue(0);
        assertThat(r.err()).contains("[alpha] 1/3 creating namespace").doesNotContain("2/3")
                .contains("Cancelling").contains("Apply was cancelled");
        // the hook waits until the report is out, then lets the JVM exit
        Thread t = hookThread.get();
        t.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(t.isAlive()).isFalse();
        assertThat(cli.interrupt.exitCode).isEqualTo(1);
        assertThat(cli.interrupt.removals).isEqualTo(1);
    }

    /** Bounded wait with back-off for a condition another thread sets. */
    static void awaitTrue(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = TimeUnit.MILLISECONDS.toNanos(1);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(50));
        }
    }
}
