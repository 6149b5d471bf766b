package dev.maas.installer.ui;

import atlantafx.base.theme.PrimerLight;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.testing.FxJourney;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.ui.model.ConnectionInfo;
import dev.maas.installer.ui.model.LogViewModel;
import dev.maas.installer.ui.model.StageStatus;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.input.Clipboard;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The wizard window, headless: navigation, runs end to end, cancel, failures, the log, and threading. */
@StartsSandbox
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class WizardShellFxTest {
    private static final long TIMEOUT_S = 15;

    private final TestStage alpha = new TestStage("alpha", 3);
    private final TestStage beta = new TestStage("beta", 2, "alpha");
    private final TestStage gamma = new TestStage("gamma", 1);
    private final TestStage delta = new TestStage("delta", 1, "gamma");
    private final Stage later = new Stage() {
        @Override public String id() { return "later"; }

        @Override public String title() { return "Later stage"; }

        @Override public List<String> dependencies() { return List.of(); }

        @Override public java.util.Optional<StageException> notAvailableHere(StageContext ctx) {
            return java.util.Optional.of(new StageException("Later stage cannot be tried here: no Keycloak",
                    Fix.manual("connect to a cluster with Keycloak")));
        }

        @Override public List<Change> plan(StageContext ctx) { throw new UnsupportedOperationException(); }

        @Override public List<Change> apply(StageContext ctx, Progress p) { throw new UnsupportedOperationException(); }

        @Override public List<Check> verify(StageContext ctx) { throw new UnsupportedOperationException(); }
    };
    private final Queue<Boolean> contextBuiltOnFx = new ConcurrentLinkedQueue<>();
    private WizardShell shell;
    private WizardViewModel model;

    @Start
    void start(javafx.stage.Stage window) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        shell = WizardShell.builder()
                .stages(List.of(alpha, beta, gamma, delta, later))
                .contextFactory(c -> {
                    contextBuiltOnFx.add(Platform.isFxApplicationThread());
                    return new StageContext(InstallerConfig.defaults(), new SecretRegistry(), c);
                })
                .page("alpha", StagePage.describedAs("Alpha sets up the first test objects."))
                .page("gamma", new StagePage() {
                    @Override
                    public String description() { return "Gamma has inputs."; }

                    @Override
                    public javafx.scene.Node inputs(dev.maas.installer.ui.model.StageViewModel stage,
                                                    WizardViewModel wizard) {
                        javafx.scene.control.TextField realm = new javafx.scene.control.TextField("maas");
                        realm.setId("gammaRealm");
                        return realm;
                    }
                })
                .build();
        model = shell.model();
        window.setScene(shell.scene(1280, 768));
        window.show();
    }

    /** The window opens on the welcome page: the tests start on the first stage's page, as a user gets there. */
    @BeforeEach
    void openTheFirstStage(FxRobot robot) {
        FxJourney.toFirstStagePage(robot);
    }

    /** A long step message (the portal's content uploads) shortens the step text, never the Cancel button. */
    @Test
    void aLongStepMessageDoesNotCutTheCancelButton(FxRobot robot) throws Exception {
        String longText = "Portal content (3 sections, 1 layout, 2 partials, 4 pages, 3 builtin pages, 11 files)"
                + " with every template checked against the CMS";
        javafx.stage.Window window = shell.view().getScene().getWindow();
        double width = window.getWidth();
        robot.interact(() -> window.setWidth(1000));
        try {
            alpha.pauseAfterStep = 2;
            robot.clickOn("#applyButton");
            assertThat(alpha.paused.await(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();
            FxWait.until(TIMEOUT_S, () -> robot.lookup("#cancelButton").query().isVisible());
            // what the portal stage reports while it uploads (the run's own events, on the FX thread)
            robot.interact(() -> model.onEngineEvents(List.of(
                    new dev.maas.installer.engine.run.RunEvent.StepProgress("alpha", 2, 3, longText),
                    new dev.maas.installer.engine.run.RunEvent.StepDetail("alpha", "Uploading 11 of 11: " + longText))));
            WaitForAsyncUtils.waitForFxEvents();
            Button cancel = button(robot, "#cancelButton");
            assertThat(label(robot, "#stepText").getText()).endsWith("against the CMS");
            assertThat(cancel.getWidth()).as("Cancel's width").isGreaterThanOrEqualTo(cancel.prefWidth(-1) - 0.5);
            alpha.gate.countDown();
            FxWait.until(TIMEOUT_S, () -> !model.run().isRunning());
        } finally {
            // TestFX keeps one window for every test class: leave it as wide as it was
            robot.interact(() -> window.setWidth(width));
        }
    }

    /** Where the welcome page's title label sits in the scene. */
    private static javafx.geometry.Point2D welcomeTitle(javafx.scene.Scene scene) {
        return scene.getRoot().lookupAll(".title-2").stream()
                .filter(n -> n instanceof Label l && dev.maas.installer.ui.view.WelcomeContent.TITLE.equals(l.getText()))
                .findFirst().orElseThrow(() -> new AssertionError("no welcome title"))
                .localToScene(0, 0);
    }

    @AfterEach
    void tearDown() {
        for (TestStage s : List.of(alpha, beta, gamma, delta)) {
            s.gate.countDown();
        }
        shell.close();
    }

    /**
     * The app's startup path (WizardApp): the first frame is the opening view (the header, the welcome page's text
     * and buttons; no stage list, Back/Next bar or log); then {@code attach} puts the main view in the same scene,
     * with the welcome page's title where the opening view had it, the stage list, the bar and the progress and log
     * panes (every line logged before is there); the stage and Connect pages come on their first show, with their
     * usual ids.
     */
    @Test
    void theAppOpensOnTheOpeningViewAndTheMainViewTakesItsPlace() throws Exception {
        WizardShell app = WizardShell.builder().stages(List.of(alpha, gamma)).build();
        javafx.stage.Stage[] window = new javafx.stage.Stage[1];
        try {
            javafx.scene.Scene scene = WaitForAsyncUtils.asyncFx(() -> {
                window[0] = new javafx.stage.Stage();
                window[0].setScene(new javafx.scene.Scene(new dev.maas.installer.ui.view.OpeningView(false), 1366,
                        768));
                window[0].show();
                return window[0].getScene();
            }).get(TIMEOUT_S, TimeUnit.SECONDS);
            WaitForAsyncUtils.waitForFxEvents();
            List<javafx.scene.Node> first = WaitForAsyncUtils.asyncFx(() -> java.util.Arrays.asList(
                    scene.lookup("#welcomeStart"), scene.lookup("#welcomeComeBack"), scene.lookup("#journeyNext"),
                    scene.lookup("#stageList"), scene.lookup("#logPane"), scene.lookup("#welcomeStages")))
                    .get(TIMEOUT_S, TimeUnit.SECONDS);
            assertThat(first.subList(0, 2)).doesNotContainNull();
            assertThat(first.subList(2, 6)).containsOnlyNulls();
            javafx.geometry.Point2D openingTitle = WaitForAsyncUtils.asyncFx(() -> welcomeTitle(scene))
                    .get(TIMEOUT_S, TimeUnit.SECONDS);

            WaitForAsyncUtils.asyncFx(() -> {
                app.model().log().add(new LogLine(java.time.Instant.now(), "INFO", null, "test",
                        "logged before the window was shown"));
                app.attach(scene);
                app.windowShown();
            }).get(TIMEOUT_S, TimeUnit.SECONDS);
            WaitForAsyncUtils.waitForFxEvents();
            assertThat(scene.getRoot()).isSameAs(app.view());
            // no Alt mnemonic of the opening view's buttons is left behind (St_art would shadow Alt+A elsewhere)
            List<javafx.scene.Node> mnemonicTargets = WaitForAsyncUtils.asyncFx(() -> scene.getMnemonics().values()
                    .stream().flatMap(List::stream).map(javafx.scene.input.Mnemonic::getNode).toList())
                    .get(TIMEOUT_S, TimeUnit.SECONDS);
            assertThat(mnemonicTargets).isNotEmpty().allSatisfy(n -> assertThat(n.getScene()).as("%s", n).isSameAs(scene));
            List<javafx.scene.Node> after = WaitForAsyncUtils.asyncFx(() -> java.util.Arrays.asList(
                    scene.lookup("#welcomePage"), scene.lookup("#welcomeStages"), scene.lookup("#journeyNext"),
                    scene.lookup("#stageList"), scene.lookup("#logPane"), scene.lookup("#cancelButton"),
                    scene.lookup("#overallProgress"), scene.lookup("#logStageFilter"), scene.lookup("#stagePage"),
                    scene.lookup("#connectPage"))).get(TIMEOUT_S, TimeUnit.SECONDS);
            assertThat(after.subList(0, 8)).doesNotContainNull();
            assertThat(after.subList(8, 10)).containsOnlyNulls();
            javafx.geometry.Point2D mainTitle = WaitForAsyncUtils.asyncFx(() -> welcomeTitle(scene))
                    .get(TIMEOUT_S, TimeUnit.SECONDS);
            assertThat(mainTitle.distance(openingTitle)).as("the welcome title moved from %s to %s", openingTitle,
                    mainTitle).isLessThanOrEqualTo(2.0);
            ListView<?> log = (ListView<?>) WaitForAsyncUtils.asyncFx(() -> scene.lookup("#logList"))
                    .get(TIMEOUT_S, TimeUnit.SECONDS);
            assertThat(log.getItems()).anySatisfy(l ->
                    assertThat(((LogLine) l).message()).isEqualTo("logged before the window was shown"));

            // the stage page on its first show, with its buttons; then the Connect page
            WaitForAsyncUtils.asyncFx(() -> {
                app.model().selectedProperty().set(app.model().stages().get(1));
                app.model().showStagePage();
            }).get(TIMEOUT_S, TimeUnit.SECONDS);
            WaitForAsyncUtils.waitForFxEvents();
            Label title = (Label) WaitForAsyncUtils.asyncFx(() -> scene.lookup("#stageTitle"))
                    .get(TIMEOUT_S, TimeUnit.SECONDS);
            assertThat(title.getText()).isEqualTo(gamma.title());
            assertThat(WaitForAsyncUtils.asyncFx(() -> scene.lookup("#planButton")).get(TIMEOUT_S, TimeUnit.SECONDS))
                    .isNotNull();
            WaitForAsyncUtils.asyncFx(() -> app.model().showConnectPage()).get(TIMEOUT_S, TimeUnit.SECONDS);
            WaitForAsyncUtils.waitForFxEvents();
            assertThat(WaitForAsyncUtils.asyncFx(() -> scene.lookup("#stagePage")).get(TIMEOUT_S, TimeUnit.SECONDS))
                    .isNull();
            assertThat(WaitForAsyncUtils.asyncFx(() -> scene.lookup("#connectPage")).get(TIMEOUT_S, TimeUnit.SECONDS))
                    .isNotNull();
        } finally {
            WaitForAsyncUtils.asyncFx(() -> {
                if (window[0] != null) {
                    window[0].close();
                }
            }).get(TIMEOUT_S, TimeUnit.SECONDS);
            app.close();
        }
    }

    @Test
    void navigatesBetweenStagesAndShowsTheConnection(FxRobot robot) {
        assertThat(label(robot, "#connection").getText()).isEqualTo("Not connected");
        assertThat(robot.lookup("#sandboxBadge").query().isVisible()).isFalse();
        assertThat(label(robot, "#stageTitle").getText()).isEqualTo("Test stage alpha");
        assertThat(label(robot, "#stageDescription").getText()).isEqualTo("Alpha sets up the first test objects.");
        assertThat(label(robot, "#stageStatus").getText()).isEqualTo("not run");

        robot.clickOn("Test stage gamma");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(label(robot, "#stageTitle").getText()).isEqualTo("Test stage gamma");
        assertThat(model.selected().id()).isEqualTo("gamma");
        assertThat(label(robot, "#stageDescription").getText()).isEqualTo("Gamma has inputs.");
        assertThat(robot.lookup("#gammaRealm").queryTextInputControl().getText()).isEqualTo("maas");
        robot.clickOn("Test stage beta");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup("#gammaRealm").tryQuery()).isEmpty();
        assertThat(robot.lookup("#stageDescription").query().isVisible()).isFalse();
        robot.clickOn("Test stage gamma");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup("#gammaRealm").tryQuery()).isPresent();

        robot.clickOn("Later stage");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(label(robot, "#stageStatus").getText()).isEqualTo("not run");

        robot.interact(() -> model.connectionProperty().set(new ConnectionInfo("https://127.0.0.1:40123", "sandbox", true)));
        assertThat(label(robot, "#connection").getText())
                .isEqualTo("Local sandbox: https://127.0.0.1:40123 (context sandbox)");
        assertThat(robot.lookup("#sandboxBadge").query().isVisible()).isTrue();
    }

    @Test
    void runsAStageEndToEndShowingItsProgressAndLog(FxRobot robot) throws Exception {
        alpha.pauseAfterStep = 2;
        robot.clickOn("#applyButton");
        assertThat(alpha.paused.await(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();

        FxWait.until(TIMEOUT_S, () -> label(robot, "#stepText").getText().equals("2 of 3: doing step 2 of alpha"));
        FxWait.until(TIMEOUT_S, () -> label(robot, "#stepDetail").getText().equals("detail of step 2"));
        assertThat(label(robot, "#stageStatus").getText()).isEqualTo("running");
        assertThat(label(robot, "#overallText").getText()).isEqualTo("Apply: stage 1 of 1, Test stage alpha");
        assertThat(robot.lookup("#cancelButton").query().isVisible()).isTrue();
        assertThat(button(robot, "#planButton").isDisabled()).isTrue();
        FxWait.until(TIMEOUT_S, () -> logShows(robot, "alpha finished step 2"));

        alpha.gate.countDown();
        FxWait.until(TIMEOUT_S, () -> model.stage("alpha").status() == StageStatus.OK);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(alpha.stepsRun).containsExactly(1, 2, 3);
        assertThat(label(robot, "#stageStatus").getText()).isEqualTo("OK");
        assertThat(robot.lookup(".stage-status").queryAllAs(Label.class)).extracting(Label::getText)
                .contains("● OK");
        assertThat(label(robot, "#overallText").getText()).isEqualTo("Apply finished: 1 ok");
        // the run is over: no "current step" is left standing
        assertThat(label(robot, "#stepText").getText()).isEmpty();
        assertThat(label(robot, "#stepDetail").getText()).isEmpty();
        assertThat(robot.lookup("#cancelButton").query().isVisible()).isFalse();
        assertThat(logShows(robot, "alpha finished step 3")).isTrue();
        assertThat(model.stage("alpha").changes()).hasSize(1);
        assertThat(rows(robot, "#planTable")).hasSize(1);
        assertThat(button(robot, "#rerunButton").isDisabled()).isFalse();

        robot.clickOn("#rerunButton");
        FxWait.until(TIMEOUT_S, () -> alpha.stepsRun.size() == 6 && !model.run().isRunning());
    }

    @Test
    void cancelStopsTheRunAtTheNextStep(FxRobot robot) throws Exception {
        alpha.pauseAfterStep = 1;
        robot.clickOn("#applyButton");
        assertThat(alpha.paused.await(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();
        FxWait.until(TIMEOUT_S, () -> robot.lookup("#cancelButton").query().isVisible());

        robot.clickOn("#cancelButton");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(button(robot, "#cancelButton").isDisabled()).isTrue();
        assertThat(label(robot, "#overallText").getText()).contains("cancelling");
        alpha.gate.countDown();

        FxWait.until(TIMEOUT_S, () -> model.stage("alpha").status() == StageStatus.CANCELLED && !model.run().isRunning());
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(alpha.stepsRun).containsExactly(1);
        assertThat(label(robot, "#stageStatus").getText()).isEqualTo("cancelled");
        assertThat(label(robot, "#stageMessage").getText()).isEqualTo("cancelled by the user");
        assertThat(label(robot, "#stageFix").getText()).contains("rerun stage 'alpha'");
        assertThat(label(robot, "#overallText").getText()).isEqualTo("Apply finished: 1 cancelled");
    }

    @Test
    void aFailedStageShowsItsErrorAndFixAndItsDependentIsSkipped(FxRobot robot) throws Exception {
        gamma.fail = true;
        connect(robot);   // the global buttons work only when connected
        applyAll(robot);
        FxWait.until(TIMEOUT_S, () -> model.stage("delta").status() == StageStatus.SKIPPED && !model.run().isRunning());
        WaitForAsyncUtils.waitForFxEvents();

        assertThat(model.stage("alpha").status()).isEqualTo(StageStatus.OK);
        assertThat(model.stage("beta").status()).isEqualTo(StageStatus.OK);
        assertThat(model.stage("gamma").status()).isEqualTo(StageStatus.FAILED);
        assertThat(model.stage("later").status()).as("left out of the run").isEqualTo(StageStatus.NOT_HERE);
        assertThat(model.stage("later").messageProperty().get()).isEqualTo("left out: Later stage cannot be tried here: no Keycloak");

        robot.clickOn("Test stage gamma");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(label(robot, "#stageStatus").getText()).isEqualTo("failed");
        assertThat(label(robot, "#stageMessage").getText()).isEqualTo("the route of gamma did not answer");
        assertThat(label(robot, "#stageFix").getText())
                .isEqualTo("What to do: fix config field 'endpoints.keycloakUrl': "
                        + "set the Keycloak URL your desktop can reach");

        robot.clickOn("Test stage delta");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(label(robot, "#stageStatus").getText()).isEqualTo("skipped");
        assertThat(label(robot, "#stageMessage").getText()).isEqualTo("skipped because gamma did not succeed");
        assertThat(delta.stepsRun).isEmpty();
        List<String> statuses = robot.lookup(".stage-status").queryAllAs(Label.class).stream()
                .map(Label::getText).toList();
        assertThat(statuses).contains("● failed", "● skipped", "● not available here");
        assertThat(label(robot, "#overallText").getText())
                .isEqualTo("Apply finished: 2 ok, 1 failed, 1 skipped, 1 not available here");
    }

    @Test
    void theLogFiltersByStageAndLevelAndCopiesAndSavesTheShownLines(FxRobot robot, @TempDir Path dir)
            throws Exception {
        gamma.fail = true;
        connect(robot);   // the global buttons work only when connected
        applyAll(robot);
        FxWait.until(TIMEOUT_S, () -> !model.run().isRunning() && model.stage("delta").status() == StageStatus.SKIPPED);
        WaitForAsyncUtils.waitForFxEvents();
        ListView<LogLine> list = robot.lookup("#logList").queryListView();
        int all = list.getItems().size();
        assertThat(all).isGreaterThan(6);

        robot.clickOn("#logStageFilter").clickOn("beta");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(list.getItems()).isNotEmpty().allMatch(l -> l.stageId().equals("beta"));
        assertThat(list.getItems()).extracting(LogLine::message).contains("beta finished step 2");

        robot.clickOn("#logStageFilter").clickOn("gamma");
        robot.clickOn("#logLevelFilter").clickOn("Warnings and errors");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(list.getItems()).extracting(LogLine::message)
                .containsExactly("gamma is about to fail", "gamma failed: the route of gamma did not answer");
        assertThat(label(robot, "#logStatus").getText()).startsWith("2 of " + all + " lines shown");

        robot.clickOn("#logCopy");
        WaitForAsyncUtils.waitForFxEvents();
        String copied = WaitForAsyncUtils.asyncFx(() -> Clipboard.getSystemClipboard().getString())
                .get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(copied.lines().toList()).hasSize(2);
        assertThat(copied).contains("WARN  [gamma] gamma is about to fail")
                .contains("ERROR [gamma] gamma failed: the route of gamma did not answer");

        Path file = dir.resolve("saved.log");
        WaitForAsyncUtils.asyncFx(() -> {
            model.log().save(file);
            return null;
        }).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(Files.readString(file)).isEqualTo(copied);

        robot.interact(() -> {
            model.log().stageFilterProperty().set(LogViewModel.ALL_STAGES);
            model.log().levelFilterProperty().set(LogViewModel.LevelFilter.ALL);
        });
        assertThat(list.getItems()).hasSize(all);
    }

    @Test
    void plansAndVerifiesShowingThePreviewAndChecks(FxRobot robot) throws Exception {
        robot.clickOn("#planButton");
        FxWait.until(TIMEOUT_S, () -> model.stage("alpha").status() == StageStatus.PLANNED);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.stage("alpha").changes()).extracting(Change::name)
                .containsExactly("alpha-settings", "alpha-client", "alpha-product");
        assertThat(model.stage("alpha").changes().get(1).fields().get("secret").to()).isEqualTo("******");
        assertThat(rows(robot, "#planTable")).hasSize(3);
        assertThat(robot.lookup("secret: ****** → ******").tryQuery()).as("the field, masked, in its row").isPresent();
        assertThat(label(robot, "#changesCaption").getText())
                .isEqualTo("Plan preview: 2 changes to make, 1 already right");
        assertThat(robot.lookup("alpha-client").tryQuery()).isPresent();

        alpha.warnOnVerify = true;
        robot.clickOn("#verifyButton");
        FxWait.until(TIMEOUT_S, () -> model.stage("alpha").status() == StageStatus.WARNING);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.stage("alpha").checks()).extracting(Check::name).containsExactly("exists", "tls");
        // the rows: the warning first, in words
        assertThat(rows(robot, "#checksTable")).hasSize(2);
        assertThat(robot.lookup("#checksTable .check-status").queryAllAs(Label.class)).extracting(Label::getText)
                .containsExactly("Warning", "OK");
        assertThat(robot.lookup("install a trusted one").tryQuery()).isPresent();
        assertThat(label(robot, "#stageStatus").getText()).isEqualTo("warning");
    }

    @Test
    void keyboardShortcutsStartPlanAndApply(FxRobot robot) throws Exception {
        robot.clickOn("Test stage beta");
        robot.press(KeyCode.CONTROL, KeyCode.SHIFT, KeyCode.P).release(KeyCode.P, KeyCode.SHIFT, KeyCode.CONTROL);
        FxWait.until(TIMEOUT_S, () -> model.stage("beta").status() == StageStatus.PLANNED);
        robot.press(KeyCode.CONTROL, KeyCode.SHIFT, KeyCode.A).release(KeyCode.A, KeyCode.SHIFT, KeyCode.CONTROL);
        FxWait.until(TIMEOUT_S, () -> model.stage("beta").status() == StageStatus.OK);
        assertThat(beta.stepsRun).containsExactly(1, 2);
    }

    @Test
    void engineCallsNeverRunOnTheFxThreadAndUiUpdatesAlwaysDo(FxRobot robot) throws Exception {
        List<Boolean> uiUpdatesOnFx = new ArrayList<>();
        robot.interact(() -> model.run().runningProperty()
                .addListener((o, a, b) -> uiUpdatesOnFx.add(Platform.isFxApplicationThread())));
        robot.interact(() -> model.stage("alpha").statusProperty()
                .addListener((o, a, b) -> uiUpdatesOnFx.add(Platform.isFxApplicationThread())));

        robot.clickOn("#planButton");
        FxWait.until(TIMEOUT_S, () -> model.stage("alpha").status() == StageStatus.PLANNED && !model.run().isRunning());
        robot.clickOn("#applyButton");
        FxWait.until(TIMEOUT_S, () -> model.stage("alpha").status() == StageStatus.OK && !model.run().isRunning());
        robot.clickOn("#verifyButton");
        FxWait.until(TIMEOUT_S, () -> alpha.onFxThread.size() == 3 && !model.run().isRunning());
        WaitForAsyncUtils.waitForFxEvents();

        assertThat(alpha.onFxThread).hasSize(3).containsOnly(false);
        assertThat(contextBuiltOnFx).hasSize(3).containsOnly(false);
        List<Boolean> seen = WaitForAsyncUtils.asyncFx(() -> List.copyOf(uiUpdatesOnFx)).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(seen).hasSizeGreaterThanOrEqualTo(6).containsOnly(true);
        assertThat(shell.bridge().drainCount()).isPositive();
    }

    private static Label label(FxRobot robot, String query) { return robot.lookup(query).queryAs(Label.class); }

    private static Button button(FxRobot robot, String query) { return robot.lookup(query).queryButton(); }

    @SuppressWarnings("unchecked")
    private static List<javafx.scene.Node> rows(FxRobot robot, String query) {
        return robot.lookup(query).queryAs(javafx.scene.layout.VBox.class).getChildren();
    }

    private static boolean logShows(FxRobot robot, String message) {
        ListView<LogLine> list = robot.lookup("#logList").queryListView();
        return List.copyOf(list.getItems()).stream().anyMatch(l -> l.message().equals(message));
    }

    /** Connects; the journey then verifies every stage, and that run ends before the test goes on. */
    private void connect(FxRobot robot) throws Exception {
        robot.interact(() -> model.connectionProperty().set(new ConnectionInfo("https://127.0.0.1:40123", "sandbox",
                true)));
        FxWait.until(TIMEOUT_S, () -> model.lastVerifyReportProperty().get() != null && !model.run().isRunning());
    }

    /** Apply all as the journey has it: the review page plans every stage, then its one confirmation. */
    private static void applyAll(FxRobot robot) throws Exception {
        robot.clickOn("#applyAllButton");
        FxWait.until(TIMEOUT_S, () -> !button(robot, "#reviewApplyAll").isDisabled());
        robot.clickOn("#reviewApplyAll");
        robot.clickOn("#reviewConfirmApply");
    }
}
