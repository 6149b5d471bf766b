package dev.maas.installer.ui;

import atlantafx.base.theme.PrimerLight;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.ui.model.ConnectionInfo;
import dev.maas.installer.ui.model.LiveState;
import dev.maas.installer.ui.model.StageStatus;
import dev.maas.installer.ui.model.SummaryViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.application.Application;
import javafx.scene.control.Button;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.input.Clipboard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Feedback for every wait (issue 17, rule 8): the sandbox's start as progress in words, the global buttons enabled
 * only when they can work (with the reason), a per-stage timeline during apply, a verify right after apply whose
 * result is what the list shows, and summary links that open the browser and say so.
 */
@StartsSandbox
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class WizardFeedbackFxTest {
    private static final long TIMEOUT_S = 20;
    private static final ConnectionInfo SANDBOX = new ConnectionInfo("https://127.0.0.1:40123", "sandbox", true);

    @TempDir
    Path home;

    private final Queue<String> runs = new ConcurrentLinkedQueue<>();
    private final Recording first = new Recording("first");
    private final Recording second = new Recording("second", "first");
    private final CountDownLatch keycloakStarting = new CountDownLatch(1);
    private final CountDownLatch releaseSandbox = new CountDownLatch(1);
    private final Queue<String> opened = new ConcurrentLinkedQueue<>();
    /** Set: the opener fails as the app's does on a desktop without a web browser. */
    private volatile String noBrowser;
    private WizardShell shell;
    private WizardViewModel model;

    /** A stage that records what ran, and verifies as told. */
    private final class Recording implements Stage {
        private final String id;
        private final List<String> deps;
        volatile boolean drifted;

        Recording(String id, String... deps) {
            this.id = id;
            this.deps = List.of(deps);
        }

        @Override public String id() { return id; }

        @Override public String title() { return "Stage " + id; }

        @Override public List<String> dependencies() { return deps; }


        @Override
        public List<Change> plan(StageContext ctx) {
            runs.add("PLAN " + id);
            return List.of(new Change(Action.CREATE, TargetSystem.KUBERNETES, "ConfigMap", id, Map.of()));
        }

        @Override
        public List<Change> apply(StageContext ctx, Progress progress) {
            runs.add("APPLY " + id);
            return List.of(new Change(Action.CREATE, TargetSystem.KUBERNETES, "ConfigMap", id, Map.of()));
        }

        @Override
        public List<Check> verify(StageContext ctx) {
            runs.add("VERIFY " + id);
            return drifted ? List.of(Check.ok("exists", "there"),
                    Check.retryable("data", "changed by hand", Fix.rerunStage(id, "apply it again")))
                    : List.of(Check.ok("exists", "there"));
        }
    }

    @Start
    void start(javafx.stage.Stage window) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        shell = WizardShell.builder()
                .stages(List.of(first, second))
                .env(Map.of("PATH", "/usr/bin")::get)
                .home(home)
                .sandboxDir(home.resolve("sandbox"))
                .sandboxWhenNoCluster(true)
                .sandboxLauncher(new SandboxLauncher() {
                    @Override
                    public Started start(Path dir) { return start(dir, p -> { }); }

                    @Override
                    public Started start(Path dir, java.util.function.Consumer<String> phase) {
                        phase.accept("the simulated cluster and 3scale");
                        phase.accept("Keycloak");
                        keycloakStarting.countDown();
                        try {
                            releaseSandbox.await(TIMEOUT_S, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        throw new IllegalStateException("no Keycloak distribution");
                    }
                })
                .linkOpener(url -> {
                    if (noBrowser != null) {
                        throw new IllegalStateException(noBrowser);
                    }
                    opened.add(url);
                })
                .summaryLookup(new SummaryViewModel.Lookup() {
                    @Override
                    public SummaryViewModel.Links links(dev.maas.installer.engine.config.InstallerConfig c) {
                        return new SummaryViewModel.Links("https://admin.example", "https://portal.example",
                                "https://keycloak.example");
                    }

                    @Override
                    public SummaryViewModel.Credentials credentials(dev.maas.installer.engine.config.InstallerConfig c) {
                        throw new UnsupportedOperationException();
                    }
                })
                .build();
        model = shell.model();
        window.setScene(shell.scene(1366, 768));
        window.show();
    }

    @AfterEach
    void tearDown() {
        releaseSandbox.countDown();
        shell.close();
    }

    @Test
    void theSandboxStartIsShownAsProgressAndTheGlobalButtonsWaitForAConnection(FxRobot robot) throws Exception {
        robot.interact(() -> shell.windowShown());
        assertThat(keycloakStarting.await(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();
        FxWait.until(TIMEOUT_S, () -> label(robot, "#overallText").getText().startsWith("Starting the local sandbox: Keycloak…"));
        // an indeterminate bar with the words, a spinner by the connection, and the seconds so far
        assertThat(robot.lookup("#overallProgress").queryAs(ProgressBar.class).getProgress())
                .isEqualTo(ProgressBar.INDETERMINATE_PROGRESS);
        assertThat(label(robot, "#overallText").getText()).matches("Starting the local sandbox: Keycloak… \\(\\d+ s\\)");
        assertThat(robot.lookup("#waitIndicator").query().isVisible()).isTrue();
        for (String id : List.of("#planAllButton", "#applyAllButton", "#verifyAllButton")) {
            Button b = button(robot, id);
            assertThat(b.isDisabled()).as(id).isTrue();
            assertThat(b.getTooltip().getText()).as(id).startsWith("Starting the local sandbox: Keycloak…");
        }
        assertThat(label(robot, "#allUnavailableReason").isVisible()).isTrue();

        // the sandbox fails: the wait ends, the buttons say what to do instead
        releaseSandbox.countDown();
        FxWait.until(TIMEOUT_S, () -> !model.waits().isActive());
        assertThat(robot.lookup("#overallProgress").queryAs(ProgressBar.class).getProgress()).isNotNegative();
        assertThat(robot.lookup("#waitIndicator").query().isVisible()).isFalse();
        assertThat(button(robot, "#verifyAllButton").isDisabled()).isTrue();
        assertThat(button(robot, "#verifyAllButton").getTooltip().getText()).isEqualTo(WizardViewModel.CONNECT_FIRST);

        // connected: they work, and their tooltips say what they do
        robot.interact(() -> model.connectionProperty().set(SANDBOX));
        FxWait.until(TIMEOUT_S, () -> !model.run().isRunning());
        assertThat(button(robot, "#verifyAllButton").isDisabled()).isFalse();
        assertThat(button(robot, "#verifyAllButton").getTooltip().getText()).startsWith("Verify every stage");
        assertThat(label(robot, "#allUnavailableReason").isVisible()).isFalse();
    }

    @Test
    void applyShowsATimelineAndTheVerifyAfterItIsWhatTheListShows(FxRobot robot) throws Exception {
        robot.interact(() -> model.connectionProperty().set(SANDBOX));
        FxWait.until(TIMEOUT_S, () -> !model.run().isRunning());
        second.drifted = true;   // applied, but the live system does not hold what was applied
        applyAll(robot);
        FxWait.until(TIMEOUT_S, () -> !model.run().isRunning() && !shell.journey().verifyingApplyProperty().get());

        // the verify ran right after the apply, and its result is what the list and the apply page show
        List<String> order = List.copyOf(runs);
        int lastApply = order.lastIndexOf("APPLY second");
        assertThat(order.subList(lastApply, order.size())).containsSubsequence("VERIFY first", "VERIFY second");
        assertThat(model.stage("second").status()).isEqualTo(StageStatus.FAILED);
        assertThat(model.stage("second").liveState()).isEqualTo(LiveState.DRIFTED);
        assertThat(model.stage("first").liveState()).isEqualTo(LiveState.DONE);
        assertThat(label(robot, "#apply-status-second").getText()).contains("failed");
        assertThat(shell.journey().appliedProperty().get()).isFalse();
        assertThat(shell.journey().applyFailedProperty().get()).isTrue();
        assertThat(robot.lookup("#applyRetry").query().isVisible()).isTrue();
        // each stage's time in the run
        for (String id : List.of("first", "second")) {
            assertThat(label(robot, "#apply-timing-" + id).getText()).as(id)
                    .matches("started at 0:\\d\\d, took \\d+(\\.\\d)? s");
        }
    }

    @Test
    void summaryLinksOpenTheBrowserAndSaySoAndCanBeCopied(FxRobot robot) throws Exception {
        robot.interact(() -> model.connectionProperty().set(SANDBOX));
        FxWait.until(TIMEOUT_S, () -> !model.run().isRunning());
        applyAll(robot);
        FxWait.until(TIMEOUT_S, () -> !model.run().isRunning() && shell.journey().appliedProperty().get());
        assertThat(label(robot, "#applyDone").isVisible()).isTrue();
        robot.interact(() -> model.showPage(WizardViewModel.Page.SUMMARY));
        FxWait.until(TIMEOUT_S, () -> !robot.lookup("#summaryPortalLink").queryAs(Hyperlink.class).isDisabled());

        robot.clickOn("#summaryPortalLink");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(opened).containsExactly("https://portal.example");
        assertThat(label(robot, "#summaryOpenStatus").getText())
                .startsWith("Opened https://portal.example in your browser.");

        robot.clickOn("#summaryAdminLinkCopy");
        WaitForAsyncUtils.waitForFxEvents();
        String[] clip = new String[1];
        robot.interact(() -> clip[0] = Clipboard.getSystemClipboard().getString());
        assertThat(clip[0]).isEqualTo("https://admin.example");
        assertThat(label(robot, "#summaryOpenStatus").getText())
                .isEqualTo("Copied https://admin.example to the clipboard.");
        assertThat(opened).hasSize(1);

        // no browser on this desktop: it says so and puts the link on the clipboard instead
        noBrowser = "no web browser was found (looked for xdg-open)";
        robot.clickOn("#summaryPortalLink");
        WaitForAsyncUtils.waitForFxEvents();
        robot.interact(() -> clip[0] = Clipboard.getSystemClipboard().getString());
        assertThat(clip[0]).isEqualTo("https://portal.example");
        assertThat(label(robot, "#summaryOpenStatus").getText()).isEqualTo("Could not open a browser (no web browser"
                + " was found (looked for xdg-open)). Copied https://portal.example to the clipboard: paste it into"
                + " your browser's address bar.");
        assertThat(opened).hasSize(1);
    }

    private void applyAll(FxRobot robot) throws Exception {
        robot.clickOn("#applyAllButton");
        FxWait.until(TIMEOUT_S, () -> model.page() == WizardViewModel.Page.REVIEW && !model.run().isRunning());
        robot.clickOn("#reviewApplyAll");
        robot.clickOn("#reviewConfirmApply");
        FxWait.until(TIMEOUT_S, () -> model.page() == WizardViewModel.Page.APPLY);
    }

    private static Button button(FxRobot robot, String query) { return robot.lookup(query).queryAs(Button.class); }

    private static Label label(FxRobot robot, String query) { return robot.lookup(query).queryAs(Label.class); }
}
