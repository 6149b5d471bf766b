package dev.maas.installer.ui;

import atlantafx.base.theme.PrimerLight;
import dev.maas.installer.cluster.ProxySettings;
import dev.maas.installer.cluster.TrustStore;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.testing.FxJourney;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.ui.model.ConnectionInfo;
import dev.maas.installer.ui.model.ConnectionViewModel;
import dev.maas.installer.ui.model.SandboxViewModel;
import dev.maas.installer.ui.model.StageStatus;
import javafx.application.Application;
import javafx.scene.control.Label;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The wizard with no cluster given starts the local sandbox in the background, uses its configuration, connects to it
 * through the Connect page and runs the real preflight stage against it over HTTP; "Use the local sandbox" does the
 * same on demand; the sandbox stops with the shell. Headless, against the real sandbox.
 */
@StartsSandbox
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class SandboxWizardFxTest {
    /** The sandbox starts in a few seconds; a busy machine gets more. */
    // the wizard's sandbox starts a real Keycloak too: a minute or more on a busy 2-core machine
    private static final long TIMEOUT_S = 240;

    @TempDir
    static Path dir;

    private javafx.stage.Stage window;
    private WizardShell shell;

    @Start
    void start(javafx.stage.Stage window) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        this.window = window;
    }

    @AfterEach
    void tearDown() {
        if (shell != null) {
            shell.close();
        }
    }

    /** A shell as the app builds it, with a fake home and environment. */
    private WizardShell show(FxRobot robot, Path home, Map<String, String> env) {
        WizardShell s = WizardShell.builder()
                .env(env::get)
                .home(home)
                .trustStore(new TrustStore(home.resolve("config/trusted-clusters.json")))
                .proxyDefaults(ProxySettings.NONE)
                .sandboxWhenNoCluster(true)
                .deferKubeconfigRead(true)
                .build();
        robot.interact(() -> {
            window.setScene(s.scene(1280, 768));
            window.show();
        });
        shell = s;
        FxJourney.toConnectPage(robot);   // the window opens on the welcome page; Next leads to the Connect page
        return s;
    }

    @Test
    void withNoClusterTheSandboxStartsAndThePreflightStagePassesAgainstIt(FxRobot robot) throws Exception {
        Path home = Files.createTempDirectory(dir, "home");
        WizardShell s = show(robot, home, Map.of("PATH", "/usr/bin"));
        assertThat(s.clusterGiven()).isFalse();

        // the window is up first; then the sandbox starts in the background with a spinner on the Connect page
        String[] firstStatus = new String[1];
        boolean[] spinner = new boolean[1];
        boolean[] started = new boolean[1];
        java.util.Queue<String> waits = new java.util.concurrent.ConcurrentLinkedQueue<>();
        robot.interact(() -> {
            s.model().waits().textProperty().addListener((o, a, b) -> waits.add(b));
            s.windowShown();
            started[0] = s.sandbox().state() == SandboxViewModel.State.STARTING;
            s.view().applyCss();
            firstStatus[0] = label(robot, "#sandboxStatus").getText();
            spinner[0] = robot.lookup("#sandboxSpinner").query().isVisible();
        });
        assertThat(started[0]).isTrue();
        assertThat(firstStatus[0]).isEqualTo("Starting the local sandbox…");
        assertThat(spinner[0]).isTrue();

        waitUntil(() -> s.connection().state() == ConnectionViewModel.State.CONNECTED, s);
        WaitForAsyncUtils.waitForFxEvents();
        // the progress said what the sandbox was starting, from its own log lines, then the connection
        assertThat(waits).as("waits shown").contains("Starting the local sandbox: Keycloak…")
                .anyMatch(w -> w.startsWith("Connecting to https://127.0.0.1:"));
        Path sandboxDir = home.resolve(".local/share/maas-installer/sandbox");
        assertThat(robot.lookup("#sandboxBadge").query().isVisible()).isTrue();
        assertThat(label(robot, "#connection").getText()).startsWith("Local sandbox: https://127.0.0.1:")
                .endsWith("(context sandbox)");
        assertThat(robot.lookup("#sandboxSpinner").query().isVisible()).isFalse();
        assertThat(s.sandbox().state()).isEqualTo(SandboxViewModel.State.READY);
        assertThat(robot.lookup("#kubeconfigPath").queryTextInputControl().getText())
                .isEqualTo(sandboxDir.resolve("kubeconfig").toString());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sandboxDir.resolve("kubeconfig"))))
                .isEqualTo("rw-------");
        // the wizard's configuration is the sandbox's maas-installer.yaml
        assertThat(label(robot, "#configFile").getText()).isEqualTo(sandboxDir.resolve("maas-installer.yaml").toString());
        assertThat(s.config().current().cluster().kubeconfig()).isEqualTo(sandboxDir.resolve("kubeconfig").toString());

        // Verify of the real preflight stage, from the UI, against the sandbox
        robot.interact(() -> s.model().select(StageIds.PREFLIGHT));
        robot.clickOn("#verifyButton");
        waitUntil(() -> !s.model().run().isRunning()
                && s.model().stage(StageIds.PREFLIGHT).status() != StageStatus.NOT_RUN, s);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(s.model().stage(StageIds.PREFLIGHT).checks())
                .as("preflight checks: %s", s.model().stage(StageIds.PREFLIGHT).checks())
                .isNotEmpty().extracting(Check::status).containsOnly(CheckStatus.OK);
        assertThat(s.model().stage(StageIds.PREFLIGHT).status()).isEqualTo(StageStatus.OK);
        assertThat(label(robot, "#stageStatus").getText()).isEqualTo("OK");
        javafx.scene.layout.VBox checks = robot.lookup("#checksTable").queryAs(javafx.scene.layout.VBox.class);
        assertThat(checks.getChildren()).hasSameSizeAs(s.model().stage(StageIds.PREFLIGHT).checks());

        // closing the shell stops the sandbox: its port refuses connections
        URI api = URI.create(s.model().connectionProperty().get().cluster());
        assertThat(reachable(api)).isTrue();
        s.close();
        assertThatThrownBy(() -> reachable(api)).isInstanceOf(ConnectException.class);
    }

    @Test
    void useTheLocalSandboxWorksWhenAKubeconfigIsPresent(FxRobot robot) throws Exception {
        Path home = Files.createTempDirectory(dir, "home");
        Path kube = Files.createDirectories(home.resolve(".kube")).resolve("config");
        Files.writeString(kube, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: real
                  cluster: {server: 'https://127.0.0.1:1'}
                users:
                - name: me
                  user: {token: not-a-real-token}
                contexts:
                - name: real
                  context: {cluster: real, user: me, namespace: default}
                current-context: real
                """);
        WizardShell s = show(robot, home, Map.of());
        assertThat(s.clusterGiven()).isTrue();
        // the kubeconfig is read (with fabric8) only once the window is shown; no sandbox then
        assertThat(s.connection().contexts()).isEmpty();
        robot.interact(s::windowShown);
        waitUntil(() -> !s.connection().readingContextsProperty().get(), s);
        assertThat(s.connection().contexts()).extracting(c -> c.name()).containsExactly("real");
        boolean[] started = new boolean[1];
        robot.interact(() -> started[0] = s.startSandboxIfNoCluster());
        assertThat(started[0]).isFalse();
        assertThat(s.sandbox().state()).isEqualTo(SandboxViewModel.State.IDLE);
        assertThat(robot.lookup("#kubeconfigPath").queryTextInputControl().getText()).isEqualTo(kube.toString());
        assertThat(label(robot, "#configFile").getText()).isEqualTo(
                dev.maas.installer.ui.model.ConfigViewModel.DEFAULTS);

        robot.clickOn("#useSandboxButton");
        waitUntil(() -> s.connection().state() == ConnectionViewModel.State.CONNECTED, s);
        WaitForAsyncUtils.waitForFxEvents();
        ConnectionInfo info = s.model().connectionProperty().get();
        assertThat(info.sandbox()).isTrue();
        assertThat(info.context()).isEqualTo("sandbox");
        assertThat(robot.lookup("#sandboxBadge").query().isVisible()).isTrue();
        Path sandboxDir = home.resolve(".local/share/maas-installer/sandbox");
        assertThat(robot.lookup("#kubeconfigPath").queryTextInputControl().getText())
                .isEqualTo(sandboxDir.resolve("kubeconfig").toString());
        assertThat(label(robot, "#configFile").getText()).isEqualTo(sandboxDir.resolve("maas-installer.yaml").toString());

        // asked again, the running sandbox is reused (same URL)
        robot.clickOn("#useSandboxButton");
        waitUntil(() -> s.sandbox().state() == SandboxViewModel.State.READY
                && s.connection().state() == ConnectionViewModel.State.CONNECTED, s);
        assertThat(s.model().connectionProperty().get().cluster()).isEqualTo(info.cluster());

        URI api = URI.create(info.cluster());
        s.close();
        assertThatThrownBy(() -> reachable(api)).isInstanceOf(ConnectException.class);
    }

    @Test
    void loadConfigShowsTheFieldPathsOfABadFileAndUsesAGoodOne(FxRobot robot) throws Exception {
        Path home = Files.createTempDirectory(dir, "home");
        WizardShell s = show(robot, home, Map.of("KUBECONFIG", home.resolve("kc").toString()));
        assertThat(s.clusterGiven()).isTrue();
        Path bad = Files.writeString(home.resolve("bad.yaml"), "cluster:\n  kubeconfigg: /x\n");
        WaitForAsyncUtils.asyncFx(() -> s.config().load(bad)).get(TIMEOUT_S, TimeUnit.SECONDS)
                .get(TIMEOUT_S, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup("#configErrors").query().isVisible()).isTrue();
        assertThat(label(robot, "#configErrors").getText()).startsWith("This file cannot be used:")
                .contains("cluster.kubeconfigg");
        assertThat(label(robot, "#configFile").getText()).isEqualTo(dev.maas.installer.ui.model.ConfigViewModel.DEFAULTS);

        Path good = Files.writeString(home.resolve("good.yaml"), "cluster:\n  context: admin\n");
        boolean loaded = WaitForAsyncUtils.asyncFx(() -> s.config().load(good)).get(TIMEOUT_S, TimeUnit.SECONDS)
                .get(TIMEOUT_S, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(loaded).isTrue();
        assertThat(robot.lookup("#configErrors").query().isVisible()).isFalse();
        assertThat(label(robot, "#configFile").getText()).isEqualTo(good.toString());
        assertThat(s.config().current().cluster().context()).isEqualTo("admin");
    }

    private static boolean reachable(URI api) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(api.getHost(), api.getPort()), 5_000);
            return true;
        }
    }

    private static Label label(FxRobot robot, String query) { return robot.lookup(query).queryAs(Label.class); }

    private static void waitUntil(Callable<Boolean> condition, WizardShell s) throws Exception {
        FxWait.until(TIMEOUT_S, condition, () -> "the wizard says sandbox " + s.sandbox().state() + ": "
                + s.sandbox().statusTextProperty().get() + " / connection " + s.connection().state() + ": "
                + s.connection().statusTextProperty().get() + " " + s.connection().errorMessageProperty().get());
    }
}
