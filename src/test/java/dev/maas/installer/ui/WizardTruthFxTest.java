package dev.maas.installer.ui;

import atlantafx.base.theme.PrimerLight;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.WaitingForStageException;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.ui.model.ConnectionInfo;
import dev.maas.installer.ui.model.LiveState;
import dev.maas.installer.ui.model.StageStatus;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.application.Application;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wizard never misreports, headless, with stages that record the configuration each run gave them: an invalid
 * field stops the stages it feeds (and no earlier value of it is used), every Apply all goes through the review page
 * and one confirmation naming the cluster, a stage's result is its worst check in the list, the overall line and the
 * run journal, "not installed yet" and "waiting" are no errors, and the review shows a first install in full with its
 * deletions marked.
 */
@StartsSandbox
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class WizardTruthFxTest {
    private static final long TIMEOUT_S = 20;
    private static final ConnectionInfo SANDBOX = new ConnectionInfo("https://127.0.0.1:40123", "sandbox", true);

    @TempDir
    Path home;

    /** What every stage was run with: "OPERATION stage realm". */
    private final Queue<String> runs = new ConcurrentLinkedQueue<>();
    private final Recording preflight = new Recording(StageIds.PREFLIGHT);
    private final Recording sso = new Recording(StageIds.SSO, StageIds.PREFLIGHT);
    private final Recording threescale = new Recording(StageIds.THREESCALE, StageIds.PREFLIGHT);
    private final Recording backends = new Recording(StageIds.BACKENDS, StageIds.THREESCALE);
    private WizardShell shell;
    private WizardViewModel model;

    /** A stage that records the realm of the configuration it ran with, and verifies and plans as told. */
    private final class Recording implements Stage {
        private final String id;
        private final List<String> deps;
        volatile Function<StageContext, List<Check>> verify = ctx -> List.of(Check.ok("exists", "there"));
        volatile Function<StageContext, List<Change>> plan = ctx -> List.of(
                new Change(Action.CREATE, TargetSystem.KUBERNETES, "ConfigMap", "cm", Map.of()));
        volatile boolean fail;

        Recording(String id, String... deps) {
            this.id = id;
            this.deps = List.of(deps);
        }

        @Override public String id() { return id; }

        @Override public String title() { return "Stage " + id; }

        @Override public List<String> dependencies() { return deps; }


        private void record(String op, StageContext ctx) {
            runs.add(op + " " + id + " " + ctx.config().sso().realm());
        }

        @Override
        public List<Change> plan(StageContext ctx) {
            record("PLAN", ctx);
            return plan.apply(ctx);
        }

        @Override
        public List<Change> apply(StageContext ctx, Progress progress) {
            record("APPLY", ctx);
            if (fail) {
                throw new dev.maas.installer.engine.StageException("it broke", Fix.rerunStage(id, "again"));
            }
            return List.of(new Change(Action.CREATE, TargetSystem.KUBERNETES, "ConfigMap", "cm", Map.of()));
        }

        @Override
        public List<Check> verify(StageContext ctx) {
            record("VERIFY", ctx);
            return verify.apply(ctx);
        }
    }

    @Start
    void start(javafx.stage.Stage window) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        shell = WizardShell.builder()
                .stages(List.of(preflight, sso, threescale, backends))
                .env(Map.of("PATH", "/usr/bin")::get)
                .home(home)
                .build();
        model = shell.model();
        window.setScene(shell.scene(1366, 768));
        window.show();
    }

    @AfterEach
    void tearDown() {
        shell.close();
    }

    private void connect(FxRobot robot, ConnectionInfo c) throws Exception {
        robot.interact(() -> model.connectionProperty().set(c));
        FxWait.until(TIMEOUT_S, () -> model.lastVerifyReportProperty().get() != null && !model.run().isRunning());
        runs.clear();
    }

    @Test
    void anInvalidFieldStopsEveryRunOfTheStagesItFeedsAndNoEarlierValueIsEverUsed(FxRobot robot) throws Exception {
        connect(robot, SANDBOX);
        robot.interact(() -> model.select(StageIds.SSO));
        WaitForAsyncUtils.waitForFxEvents();
        // typed as a user types: "demo" (valid) on the way to "demo realm" (not valid)
        TextField realm = robot.lookup("#sso-realm").queryAs(TextField.class);
        robot.clickOn(realm);
        robot.interact(realm::clear);
        robot.write("demo realm");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(realm.getText()).isEqualTo("demo realm");
        assertThat(label(robot, "#sso-realm-error").getText()).contains("not a valid realm name");

        // the sidebar's Apply all (and Plan all, Verify all) are off, and say why
        assertThat(button(robot, "#applyAllButton").isDisabled()).isTrue();
        assertThat(button(robot, "#planAllButton").isDisabled()).isTrue();
        assertThat(button(robot, "#verifyAllButton").isDisabled()).isTrue();
        assertThat(label(robot, "#allBlockedReason").isVisible()).isTrue();
        assertThat(label(robot, "#allBlockedReason").getText()).startsWith(WizardViewModel.BLOCKED_PREFIX)
                .contains("Realm (Red Hat SSO page): ").contains("demo realm").doesNotContain("sso.realm");
        // the stage's own Plan and Apply too
        assertThat(button(robot, "#planButton").isDisabled()).isTrue();
        assertThat(button(robot, "#applyButton").isDisabled()).isTrue();
        assertThat(label(robot, "#runBlockedReason").getText()).contains("Realm (Red Hat SSO page): ");

        // every way to Apply all does nothing: a click, its Alt key, F5 for verify, the command itself
        robot.clickOn("#applyAllButton");
        robot.push(KeyCode.ALT, KeyCode.L);
        robot.push(KeyCode.F5);
        robot.interact(() -> {
            assertThat(model.runAll(Operation.APPLY)).isFalse();
            assertThat(model.runAll(Operation.PLAN)).isFalse();
            assertThat(model.plan()).isFalse();
            assertThat(shell.journey().refresh()).isFalse();
        });
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.run().isRunning()).isFalse();
        assertThat(runs).as("nothing ran, with neither 'demo realm' nor the earlier 'demo'").isEmpty();
        assertThat(model.page()).isEqualTo(WizardViewModel.Page.STAGE);

        // Plan with "my realm!": no plan starts, neither with "my realm!" nor with its valid prefix "my"
        robot.interact(realm::clear);
        robot.write("my realm!");
        WaitForAsyncUtils.waitForFxEvents();
        robot.push(KeyCode.CONTROL, KeyCode.SHIFT, KeyCode.P);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(runs).isEmpty();

        // a stage the realm does not feed still runs
        robot.interact(() -> model.select(StageIds.THREESCALE));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(button(robot, "#planButton").isDisabled()).isFalse();
        assertThat(label(robot, "#runBlockedReason").isVisible()).isFalse();
        robot.interact(() -> assertThat(model.plan()).isTrue());
        FxWait.until(TIMEOUT_S, () -> !model.run().isRunning());
        assertThat(runs).containsExactly("PLAN threescale my realm!");

        // the realm corrected: everything runs again, with the value shown
        runs.clear();
        robot.interact(() -> model.select(StageIds.SSO));
        robot.interact(() -> robot.lookup("#sso-realm").queryAs(TextField.class).setText("demo-realm"));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(button(robot, "#applyAllButton").isDisabled()).isFalse();
        assertThat(label(robot, "#allBlockedReason").isVisible()).isFalse();
        robot.clickOn("#applyAllButton");
        FxWait.until(TIMEOUT_S, () -> model.page() == WizardViewModel.Page.REVIEW && !model.run().isRunning());
        robot.clickOn("#reviewApplyAll");
        robot.clickOn("#reviewConfirmApply");
        FxWait.until(TIMEOUT_S, () -> model.page() == WizardViewModel.Page.APPLY && !model.run().isRunning());
        assertThat(runs).contains("APPLY preflight demo-realm", "APPLY sso demo-realm", "APPLY threescale demo-realm",
                "APPLY backends demo-realm").allMatch(r -> r.endsWith(" demo-realm"));
    }

    @Test
    void everyApplyAllGoesThroughTheReviewAndOneConfirmationThatNamesTheCluster(FxRobot robot) throws Exception {
        connect(robot, SANDBOX);
        robot.interact(() -> model.select(StageIds.SSO));

        // the sidebar's Apply all: the review page (its plan), nothing applied
        robot.clickOn("#applyAllButton");
        FxWait.until(TIMEOUT_S, () -> model.page() == WizardViewModel.Page.REVIEW && !model.run().isRunning());
        assertThat(runs).allMatch(r -> r.startsWith("PLAN ")).hasSize(4);
        // its keyboard shortcut, from a stage page, does the same
        robot.interact(() -> model.select(StageIds.THREESCALE));
        robot.push(KeyCode.ALT, KeyCode.L);
        FxWait.until(TIMEOUT_S, () -> model.page() == WizardViewModel.Page.REVIEW && !model.run().isRunning());
        assertThat(runs).noneMatch(r -> r.startsWith("APPLY "));

        // the review page's Apply all asks once, naming the cluster, the context and SANDBOX
        Node confirm = robot.lookup("#reviewConfirm").query();
        assertThat(confirm.isVisible()).isFalse();
        robot.clickOn("#reviewApplyAll");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(confirm.isVisible()).isTrue();
        assertThat(label(robot, "#reviewConfirmText").getText()).contains("SANDBOX")
                .contains("https://127.0.0.1:40123").contains("context sandbox");
        assertThat(button(robot, "#reviewApplyAll").isDisabled()).as("asked once, not twice").isTrue();
        robot.clickOn("#reviewCancelApply");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(confirm.isVisible()).isFalse();
        assertThat(runs).noneMatch(r -> r.startsWith("APPLY "));

        robot.clickOn("#reviewApplyAll");
        robot.clickOn("#reviewConfirmApply");
        FxWait.until(TIMEOUT_S, () -> model.page() == WizardViewModel.Page.APPLY && !model.run().isRunning());
        assertThat(runs).filteredOn(r -> r.startsWith("APPLY ")).hasSize(4);

        // Retry after a failure goes through the review again
        runs.clear();
        threescale.fail = true;
        robot.interact(() -> model.showPage(WizardViewModel.Page.REVIEW));
        FxWait.until(TIMEOUT_S, () -> !model.run().isRunning());
        robot.clickOn("#reviewApplyAll");
        robot.clickOn("#reviewConfirmApply");
        FxWait.until(TIMEOUT_S, () -> model.page() == WizardViewModel.Page.APPLY && !model.run().isRunning()
                && shell.journey().applyFailedProperty().get());
        threescale.fail = false;
        runs.clear();
        robot.clickOn("#applyRetry");
        FxWait.until(TIMEOUT_S, () -> model.page() == WizardViewModel.Page.REVIEW && !model.run().isRunning());
        assertThat(runs).noneMatch(r -> r.startsWith("APPLY "));

        // a real cluster: named as such, no SANDBOX
        robot.interact(() -> model.connectionProperty().set(new ConnectionInfo("https://api.prod.example:6443",
                "admin", false)));
        FxWait.until(TIMEOUT_S, () -> !model.run().isRunning());
        robot.interact(() -> model.showPage(WizardViewModel.Page.REVIEW));
        FxWait.until(TIMEOUT_S, () -> !model.run().isRunning());
        robot.clickOn("#reviewApplyAll");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(label(robot, "#reviewConfirmText").getText()).contains("the cluster https://api.prod.example:6443")
                .contains("context admin").doesNotContain("SANDBOX");
    }

    @Test
    void aStageIsItsWorstCheckInTheListTheOverallLineAndTheJournal(FxRobot robot) throws Exception {
        connect(robot, SANDBOX);
        sso.verify = ctx -> List.of(Check.ok("realm", "there"),
                Check.retryable("client maas/3scale", "differs: redirectUris", Fix.rerunStage("sso", "repair it")));
        robot.push(KeyCode.F5);
        FxWait.until(TIMEOUT_S, () -> !model.run().isRunning() && model.stage(StageIds.SSO).liveState() == LiveState.DRIFTED);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(label(robot, "#overallText").getText()).isEqualTo("Verify finished: 3 ok, 1 drifted");
        assertThat(robot.lookup(".stage-status").queryAllAs(Label.class)).extracting(Label::getText)
                .contains("● failed · drifted");
        assertThat(model.stage(StageIds.SSO).status()).isEqualTo(StageStatus.FAILED);
        JsonNode finished = runFinished(shell.engine().lastJournal());
        assertThat(finished.path("allOk").asBoolean(true)).isFalse();
        assertThat(finished.path("outcomes").path("sso").asText()).isEqualTo("DRIFTED");
        assertThat(finished.path("outcomes").path("threescale").asText()).isEqualTo("OK");
        assertThat(model.log().lines()).anyMatch(l -> l.level().equals("WARN")
                && l.message().equals("Verify finished: 3 ok, 1 drifted"));
    }

    @Test
    void notInstalledYetAndWaitingAreNeutralNotErrors(FxRobot robot) throws Exception {
        sso.verify = ctx -> List.of(Check.retryable("operator rhsso-operator", "no Subscription",
                Fix.rerunStage("sso", "apply the sso stage")), Check.retryable("Keycloak resource", "missing",
                Fix.rerunStage("sso", "apply the sso stage")));
        backends.verify = ctx -> {
            throw new WaitingForStageException(StageIds.THREESCALE, "Secret system-seed not found in namespace 3scale",
                    Fix.rerunStage(StageIds.THREESCALE, "install 3scale first"));
        };
        connect(robot, SANDBOX);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(label(robot, "#overallText").getText())
                .isEqualTo("Verify finished: 2 ok, 1 waiting, 1 not installed yet");
        assertThat(robot.lookup(".stage-status").queryAllAs(Label.class)).extracting(Label::getText)
                .contains("● not installed yet · pending", "● waiting for threescale · pending")
                .noneMatch(t -> t.contains("failed"));
        assertThat(model.log().lines()).as("no ERROR line, no warning for a fresh cluster")
                .noneMatch(l -> l.level().equals("ERROR") || l.level().equals("WARN"));
        JsonNode finished = runFinished(shell.engine().lastJournal());
        assertThat(finished.path("outcomes").path("backends").asText()).isEqualTo("WAITING");
        assertThat(finished.path("outcomes").path("sso").asText()).isEqualTo("NOT_INSTALLED");

        robot.interact(() -> model.select(StageIds.SSO));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(label(robot, "#stageStatus").getText()).isEqualTo("not installed yet");
        assertThat(label(robot, "#stageStatus").getStyleClass()).doesNotContain(StageStatus.FAILED.styleClass());
        assertThat(label(robot, "#stageMessage").getText()).isEqualTo("Not installed yet: Apply installs it.");
        assertThat(robot.lookup("#stageFix").query().isVisible()).as("no 'rerun stage' for a stage never run")
                .isFalse();
        robot.interact(() -> model.select(StageIds.BACKENDS));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(label(robot, "#stageStatus").getText()).isEqualTo("waiting for threescale");
        assertThat(label(robot, "#stageMessage").getText()).startsWith("Waiting for stage 'threescale'")
                .contains("Nothing is wrong with this stage");
    }

    @Test
    void theReviewShowsAFirstInstallInFullWithItsDeletionsMarked(FxRobot robot) throws Exception {
        threescale.plan = ctx -> List.of(
                new Change(Action.CREATE, TargetSystem.KUBERNETES, "APIManager", "3scale/apimanager", Map.of()),
                new Change(Action.DELETE, TargetSystem.THREESCALE, "Backend", "API Backend", Map.of()));
        backends.plan = ctx -> {
            ctx.assume("assumes stage threescale is applied: planned for a new, empty tenant");
            return List.of(new Change(Action.CREATE, TargetSystem.THREESCALE, "backend", "granite",
                    Map.of("private_endpoint", FieldChange.of(null, "http://granite:8080"))));
        };
        connect(robot, SANDBOX);
        robot.interact(() -> model.showPage(WizardViewModel.Page.REVIEW));
        FxWait.until(TIMEOUT_S, () -> !shell.review().planningProperty().get() && !model.run().isRunning());
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(shell.review().groups()).allSatisfy(g -> assertThat(g.problem()).isEmpty());
        assertThat(label(robot, "#reviewStatus").getText()).startsWith("5 changes to make, 1 of them a DELETE")
                .contains("1 stage is planned as if the stages before it were applied");
        assertThat(label(robot, "#review-summary-threescale").getText()).startsWith("2 changes (1 DELETE)");
        assertThat(label(robot, "#review-summary-backends").getText())
                .contains("assumes stage threescale is applied: planned for a new, empty tenant");
        List<Label> deletes = robot.lookup(".review-delete").queryAllAs(Label.class).stream().toList();
        assertThat(deletes).singleElement().extracting(Label::getText)
                .isEqualTo("• DELETE 3scale Backend 'API Backend'");
    }

    private static JsonNode runFinished(Path journal) throws Exception {
        assertThat(journal).as("the run's journal").isNotNull();
        ObjectMapper json = new ObjectMapper();
        JsonNode last = null;
        for (String line : Files.readAllLines(journal)) {
            JsonNode n = json.readTree(line);
            if (n.path("event").asText().equals("run-finished")) {
                last = n;
            }
        }
        assertThat(last).as("run-finished in " + journal).isNotNull();
        return last;
    }

    private static Button button(FxRobot robot, String query) { return robot.lookup(query).queryAs(Button.class); }

    private static Label label(FxRobot robot, String query) { return robot.lookup(query).queryAs(Label.class); }
}
