package dev.maas.installer.ui;

import atlantafx.base.theme.PrimerLight;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.ui.model.ConnectionInfo;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.application.Application;
import javafx.scene.Node;
import javafx.scene.control.ButtonType;
import javafx.scene.control.DialogPane;
import javafx.scene.control.Label;
import javafx.stage.WindowEvent;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Closing and coming back (issue 17, rule 10): closing the window with the sandbox running asks whether to keep it
 * or discard it, and coming back opens on an overview of what is installed, read-only.
 */
@StartsSandbox
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class ClosingAndComingBackFxTest {
    @TempDir
    Path dir;

    private final AtomicInteger stopped = new AtomicInteger();
    private WizardShell shell;
    private javafx.stage.Stage window;

    @Start
    void start(javafx.stage.Stage primary) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
    }

    @AfterEach
    void tearDown(FxRobot robot) {
        robot.interact(() -> {
            if (window != null) {
                window.hide();
            }
        });
        if (shell != null) {
            shell.close();
        }
    }

    private static Stage stage(String id, List<Check> verify) {
        return new Stage() {
            @Override public String id() { return id; }

            @Override public String title() { return "Stage " + id; }

            @Override public List<String> dependencies() { return List.of(); }


            @Override public List<Change> plan(StageContext ctx) { return List.of(); }

            @Override public List<Change> apply(StageContext ctx, Progress p) { return List.of(); }

            @Override public List<Check> verify(StageContext ctx) { return verify; }
        };
    }

    private void show(FxRobot robot, WizardShell.Builder builder) {
        shell = builder.env(Map.of("PATH", "/usr/bin")::get).home(dir).build();
        robot.interact(() -> {
            window = new javafx.stage.Stage();
            window.setScene(shell.scene(1280, 768));
            shell.confirmCloseOf(window);
            window.show();
        });
    }

    private WizardShell.Builder withSandbox() {
        return WizardShell.builder().stages(List.of(stage("only", List.of(Check.ok("exists", "there")))))
                .sandboxDir(dir.resolve("sandbox"))
                .sandboxLauncher(d -> {
                    try {
                        Files.createDirectories(d.resolve("keycloak-data"));
                        Files.writeString(d.resolve("kubeconfig"), "kubeconfig of the sandbox");
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return new SandboxLauncher.Started(d.resolve("kubeconfig"), d.resolve("maas-installer.yaml"),
                            stopped::incrementAndGet);
                });
    }

    private DialogPane closeAndAsk(FxRobot robot) {
        robot.interact(() -> window.fireEvent(new WindowEvent(window, WindowEvent.WINDOW_CLOSE_REQUEST)));
        WaitForAsyncUtils.waitForFxEvents();
        return robot.lookup("#closeSandboxDialog").queryAs(DialogPane.class);
    }

    @Test
    void closingWithTheSandboxRunningAsksAndDiscardUsesTheSandboxsOwnDiscard(FxRobot robot) throws Exception {
        show(robot, withSandbox());
        shell.sandboxes().start().get(10, TimeUnit.SECONDS);
        Path sandbox = dir.resolve("sandbox");

        DialogPane ask = closeAndAsk(robot);
        assertThat(ask.getHeaderText()).isEqualTo("The local sandbox is running. Keep it or discard it?");
        assertThat(ask.getScene().getWindow()).isInstanceOf(javafx.stage.Stage.class);
        assertThat(((javafx.stage.Stage) ask.getScene().getWindow()).getOwner()).as("owned by the window")
                .isSameAs(window);
        robot.clickOn(ask.lookupButton(ButtonType.CANCEL));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(window.isShowing()).as("Cancel: the window stays").isTrue();
        assertThat(stopped).hasValue(0);

        ask = closeAndAsk(robot);
        robot.clickOn(button(ask, WizardShell.DISCARD_SANDBOX));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(window.isShowing()).isFalse();
        shell.close();   // what the app does once its window closed
        assertThat(stopped).hasValue(1);
        // Sandbox.discard: what the sandbox kept (here Keycloak's data) is gone; the files a start writes again
        // (its kubeconfig) are left for that start
        assertThat(sandbox.resolve("keycloak-data")).doesNotExist();
        assertThat(sandbox.resolve("kubeconfig")).exists();
    }

    @Test
    void keepStopsTheSandboxAndKeepsItsFiles(FxRobot robot) throws Exception {
        show(robot, withSandbox());
        shell.sandboxes().start().get(10, TimeUnit.SECONDS);
        robot.clickOn(button(closeAndAsk(robot), WizardShell.KEEP_SANDBOX));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(window.isShowing()).isFalse();
        shell.close();
        assertThat(stopped).hasValue(1);
        assertThat(dir.resolve("sandbox/kubeconfig")).hasContent("kubeconfig of the sandbox");
        assertThat(dir.resolve("sandbox/keycloak-data")).isDirectory();
    }

    @Test
    void withoutASandboxTheWindowClosesWithoutAQuestion(FxRobot robot) {
        show(robot, withSandbox());
        robot.interact(() -> window.fireEvent(new WindowEvent(window, WindowEvent.WINDOW_CLOSE_REQUEST)));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup("#closeSandboxDialog").tryQuery()).isEmpty();
    }

    @Test
    void comingBackOpensOnAnOverviewOfWhatIsInstalled(FxRobot robot) throws Exception {
        show(robot, WizardShell.builder().stages(List.of(
                stage("sso", List.of(Check.ok("realm", "there"))),
                stage("threescale", List.of(Check.ok("apimanager", "there"),
                        Check.retryable("tenant", "renamed by hand", Fix.rerunStage("threescale", "apply it")))),
                stage("portal", List.of(Check.retryable("content", "missing", Fix.rerunStage("portal", "x")))))));
        WizardViewModel model = shell.model();
        assertThat(model.page()).isEqualTo(WizardViewModel.Page.WELCOME);
        robot.clickOn("#welcomeComeBack");
        assertThat(model.page()).as("not connected yet").isEqualTo(WizardViewModel.Page.CONNECT);
        robot.interact(() -> model.connectionProperty().set(new ConnectionInfo("https://api.example:6443", "admin",
                false)));
        FxWait.until(15, () -> model.page() == WizardViewModel.Page.OVERVIEW && !model.run().isRunning());

        assertThat(label(robot, "#overviewSummary").getText())
                .isEqualTo("2 of 3 stages installed (1 of them drifted: changed since they were applied),"
                        + " 1 not installed yet.");
        assertThat(label(robot, "#overview-state-sso").getText()).isEqualTo("● Installed");
        assertThat(label(robot, "#overview-state-threescale").getText()).isEqualTo("● Drifted");
        assertThat(label(robot, "#overview-detail-threescale").getText()).isEqualTo("tenant: renamed by hand");
        assertThat(label(robot, "#overview-state-portal").getText()).isEqualTo("● Not installed yet");
        assertThat(label(robot, "#journeyStep").getText()).isEqualTo("What is installed");
        // read-only: only verifies ran
        assertThat(model.lastReportProperty().get().operation())
                .isEqualTo(dev.maas.installer.engine.run.Operation.VERIFY);
        // Next: the review of what Apply all would still change; Back: the welcome page
        robot.clickOn("#journeyNext");
        FxWait.until(15, () -> model.page() == WizardViewModel.Page.REVIEW && !model.run().isRunning());
        robot.interact(() -> shell.journey().showOverview());
        robot.clickOn("#journeyBack");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.page()).isEqualTo(WizardViewModel.Page.WELCOME);
    }

    @Test
    void aWizardThatConnectsByItselfToAnInstalledClusterOpensOnTheOverview(FxRobot robot) throws Exception {
        show(robot, WizardShell.builder().stages(List.of(stage("sso", List.of(Check.ok("realm", "there"))),
                stage("portal", List.of(Check.retryable("content", "missing", Fix.rerunStage("portal", "x")))))));
        WizardViewModel model = shell.model();
        robot.interact(() -> model.connectionProperty().set(new ConnectionInfo("https://127.0.0.1:40123", "sandbox",
                true)));
        FxWait.until(15, () -> model.page() == WizardViewModel.Page.OVERVIEW && !model.run().isRunning());
        assertThat(label(robot, "#overviewSummary").getText()).startsWith("1 of 2 stages installed");
    }

    private static Node button(DialogPane pane, String text) {
        return pane.getButtonTypes().stream().filter(b -> b.getText().equals(text)).findFirst()
                .map(pane::lookupButton).orElseThrow();
    }

    private static Label label(FxRobot robot, String query) { return robot.lookup(query).queryAs(Label.class); }
}
