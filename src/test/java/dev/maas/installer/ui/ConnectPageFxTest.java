package dev.maas.installer.ui;

import atlantafx.base.theme.PrimerLight;
import dev.maas.installer.cluster.ClusterConnection;
import dev.maas.installer.cluster.ClusterException;
import dev.maas.installer.cluster.KubeContext;
import dev.maas.installer.cluster.Kubeconfigs;
import dev.maas.installer.cluster.ProxySettings;
import dev.maas.installer.cluster.TlsApiServer;
import dev.maas.installer.cluster.TrustStore;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.testing.FxJourney;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.ui.model.ConnectionViewModel;
import dev.maas.installer.ui.model.StageStatus;
import dev.maas.installer.ui.model.WizardViewModel;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Labeled;
import javafx.scene.control.ListView;
import javafx.scene.control.PasswordField;
import javafx.scene.control.TextInputControl;
import okhttp3.tls.HeldCertificate;
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
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Connect page, headless: the context picker, connecting to a mock API server (header, sandbox badge, the client
 * the runs get), the fingerprint trust flow against a self-signed TLS server, and the token kept out of sight.
 */
@StartsJavaFx
@StartsSandbox
@ExtendWith(ApplicationExtension.class)
class ConnectPageFxTest {
    private static final long TIMEOUT_S = 20;
    private static final String TOKEN = "sha256~ui-test-token-4f7c1e9a0b";

    @TempDir
    static Path dir;

    private final Queue<Boolean> connectOnFx = new ConcurrentLinkedQueue<>();
    /** For each kubeconfig read: whether it ran on the FX thread. */
    private final Queue<Boolean> readOnFx = new ConcurrentLinkedQueue<>();
    /** When set, the next kubeconfig read waits for it (to see the page while the file is read). */
    private volatile CountDownLatch readGate;
    private final Queue<String> stageSaw = new ConcurrentLinkedQueue<>();
    private TrustStore trustStore;
    private WizardShell shell;
    private WizardViewModel model;
    private ConnectionViewModel connection;

    /** A stage that reads the kube-public ConfigMaps through the run's client. */
    private final Stage kube = new Stage() {
        @Override public String id() { return "kube"; }

        @Override public String title() { return "Cluster stage"; }

        @Override public List<String> dependencies() { return List.of(); }

        @Override
        public List<Change> plan(StageContext ctx) {
            KubernetesClient client = ctx.service(KubernetesClient.class);
            client.configMaps().inNamespace("kube-public").list().getItems()
                    .forEach(cm -> stageSaw.add(cm.getMetadata().getName()));
            return List.of(Change.noop(TargetSystem.KUBERNETES, "ConfigMap", "seen"));
        }

        @Override public List<Change> apply(StageContext ctx, Progress p) { return plan(ctx); }

        @Override public List<Check> verify(StageContext ctx) { return List.of(); }
    };

    /** A stage that reads the served API groups through the run's client. */
    private final Stage groups = new Stage() {
        @Override public String id() { return "groups"; }

        @Override public String title() { return "API groups stage"; }

        @Override public List<String> dependencies() { return List.of(); }

        @Override
        public List<Change> plan(StageContext ctx) {
            ctx.service(KubernetesClient.class).getApiGroups().getGroups().forEach(g -> stageSaw.add(g.getName()));
            return List.of();
        }

        @Override public List<Change> apply(StageContext ctx, Progress p) { return plan(ctx); }

        @Override public List<Check> verify(StageContext ctx) { return List.of(); }
    };

    @Start
    void start(javafx.stage.Stage window) throws Exception {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        Path home = Files.createTempDirectory(dir, "home");
        trustStore = new TrustStore(home.resolve("config/trusted-clusters.json"));
        shell = WizardShell.builder()
                .stages(List.of(kube, groups))
                .contextFactory(c -> new StageContext(InstallerConfig.defaults(), new SecretRegistry(), c))
                .trustStore(trustStore)
                .proxyDefaults(ProxySettings.NONE)
                .kubeconfig(home.resolve("no-such-kubeconfig"))
                .kubeconfigReader(file -> {
                    readOnFx.add(Platform.isFxApplicationThread());
                    CountDownLatch gate = readGate;
                    readGate = null;
                    if (gate != null) {
                        try {
                            gate.await(TIMEOUT_S, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return Kubeconfigs.contexts(file);
                })
                .connect((settings, trust) -> {
                    connectOnFx.add(Platform.isFxApplicationThread());
                    return ClusterConnection.connect(settings, trust);
                })
                .build();
        model = shell.model();
        connection = shell.connection();
        window.setScene(shell.scene(1280, 800));
        window.show();
    }

    /** The window opens on the welcome page; Next leads to the Connect page these tests are about. */
    @BeforeEach
    void openTheConnectPage(FxRobot robot) {
        FxJourney.toConnectPage(robot);
    }

    @AfterEach
    void tearDown() { shell.close(); }

    @Test
    void theContextPickerListsEachContextAndPreselectsTheCurrentOne(FxRobot robot) throws Exception {
        Path kc = kubeconfig("http://127.0.0.1:1", "http://127.0.0.1:2", "dev");
        assertThat(robot.lookup("#connectPage").tryQuery()).isPresent();
        waitUntil(() -> !connection.readingContextsProperty().get());
        assertThat(label(robot, "#contextsMessage").getText()).contains("no kubeconfig file");

        // while the file is read (off the FX thread) the page says so, and Connect waits for it
        CountDownLatch gate = new CountDownLatch(1);
        readGate = gate;
        setText(robot, "#kubeconfigPath", kc.toString());
        robot.interact(connection::loadContexts);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(label(robot, "#contextsMessage").getText()).isEqualTo("Reading the kubeconfig file…");
        assertThat(robot.lookup("#contextPicker").queryComboBox().getPromptText())
                .isEqualTo("reading the kubeconfig file…");
        assertThat(robot.lookup("#contextPicker").queryComboBox().getItems()).isEmpty();
        assertThat(robot.lookup("#connectButton").query().isDisabled()).isTrue();
        gate.countDown();
        waitUntil(() -> !connection.readingContextsProperty().get());
        assertThat(readOnFx).isNotEmpty().containsOnly(false);
        assertThat(robot.lookup("#connectButton").query().isDisabled()).isFalse();

        ComboBox<KubeContext> picker = robot.lookup("#contextPicker").queryComboBox();
        assertThat(picker.getItems()).extracting(KubeContext::name).containsExactly("admin", "dev");
        assertThat(picker.getValue().name()).isEqualTo("dev");
        assertThat(((Labeled) picker.getButtonCell()).getText())
                .isEqualTo("dev — developer @ http://127.0.0.1:2 (models)  (current)");
        assertThat(label(robot, "#contextsMessage").getText())
                .isEqualTo("Cluster http://127.0.0.1:2  ·  user developer  ·  namespace models  ·  2 contexts in this file");

        robot.clickOn("#contextPicker");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup("admin — kube:admin @ http://127.0.0.1:1 (3scale)").tryQuery()).isPresent();
        robot.clickOn("admin — kube:admin @ http://127.0.0.1:1 (3scale)");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(connection.selectedContextProperty().get().name()).isEqualTo("admin");
        assertThat(connection.settings().context()).isEqualTo("admin");
        assertThat(connection.settings().kubeconfig()).isEqualTo(kc);
    }

    @Test
    void connectingToAMockServerShowsTheClusterAndGivesRunsItsClient(FxRobot robot) throws Exception {
        try (SandboxCluster cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withHttps(false).withOlm(false)
                .withModels(false).withToken("sha256~admin-token-abcdef"))) {
            String url = cluster.url();
            KubernetesClient admin = cluster.adminClient();
            // a cluster that is not the sandbox: no marker, and its kube-public ConfigMap cluster-info
            admin.configMaps().inNamespace(ClusterConnection.SANDBOX_MARKER_NAMESPACE)
                    .withName(ClusterConnection.SANDBOX_MARKER_NAME).delete();
            admin.configMaps().inNamespace("kube-public").resource(new ConfigMapBuilder()
                    .withNewMetadata().withName("cluster-info").endMetadata().build()).create();
            Path kc = kubeconfig(url, "http://127.0.0.1:2", "admin");

            // before connecting, a run that needs the cluster says so
            robot.clickOn("Cluster stage");
            robot.clickOn("#planButton");
            waitUntil(() -> model.stage("kube").status() == StageStatus.FAILED);
            WaitForAsyncUtils.waitForFxEvents();
            assertThat(label(robot, "#stageMessage").getText()).startsWith("Connect first");
            assertThat(label(robot, "#stageFix").getText()).contains("Connect page");

            robot.clickOn("#connectNav");
            setText(robot, "#kubeconfigPath", kc.toString());
            robot.interact(connection::loadContexts);
            waitUntil(() -> !connection.readingContextsProperty().get());
            robot.clickOn("#connectButton");
            waitUntil(() -> connection.state() == ConnectionViewModel.State.CONNECTED);
            WaitForAsyncUtils.waitForFxEvents();
            assertThat(label(robot, "#connection").getText()).isEqualTo("Connected to " + url + " (context admin)");
            assertThat(robot.lookup("#sandboxBadge").query().isVisible()).isFalse();
            assertThat(label(robot, "#connectStatus").getText()).startsWith("Connected to " + url);
            assertThat(label(robot, "#connectNavState").getText()).contains(url);

            robot.clickOn("Cluster stage");
            robot.clickOn("#planButton");
            waitUntil(() -> model.stage("kube").status() == StageStatus.PLANNED && !model.run().isRunning());
            assertThat(stageSaw).containsExactly("cluster-info");

            // the sandbox announces itself; a new connection replaces the old one
            ClusterConnection first = shell.connections().current().orElseThrow();
            admin.configMaps().inNamespace(ClusterConnection.SANDBOX_MARKER_NAMESPACE).resource(new ConfigMapBuilder()
                    .withNewMetadata().withName(ClusterConnection.SANDBOX_MARKER_NAME).endMetadata().build()).create();
            robot.clickOn("#connectNav");
            robot.clickOn("#connectButton");
            waitUntil(() -> connection.state() == ConnectionViewModel.State.CONNECTED
                    && shell.connections().current().orElse(first) != first);
            WaitForAsyncUtils.waitForFxEvents();
            assertThat(robot.lookup("#sandboxBadge").query().isVisible()).isTrue();
            assertThat(label(robot, "#sandboxBadge").getText()).contains("SANDBOX");
            assertThat(label(robot, "#connection").getText()).isEqualTo("Local sandbox: " + url + " (context admin)");
            assertThat(first.client().getHttpClient().isClosed()).isTrue();
            assertThat(connectOnFx).hasSize(2).containsOnly(false);
        }
    }

    @Test
    void anUntrustedCertificateIsShownAndTrustedOnlyWhenTheUserSaysSo(FxRobot robot) throws Exception {
        HeldCertificate cert = TlsApiServer.selfSigned("api.self-signed.test");
        try (TlsApiServer server = new TlsApiServer(cert, TOKEN)) {
            robot.clickOn("#modeToken");
            setText(robot, "#apiUrl", server.url());
            robot.clickOn("#token").write(TOKEN);
            robot.clickOn("#connectButton");
            waitUntil(() -> connection.state() == ConnectionViewModel.State.FAILED);
            WaitForAsyncUtils.waitForFxEvents();

            assertThat(connection.errorKindProperty().get()).isEqualTo(ClusterException.Kind.UNTRUSTED_CERTIFICATE);
            assertThat(label(robot, "#connectStatus").getText()).isEqualTo("The cluster's certificate is not trusted");
            String fingerprint = dev.maas.installer.cluster.CertificateInfo.of(cert.certificate()).sha256Fingerprint();
            assertThat(label(robot, "#certSHA256").getText()).isEqualTo(fingerprint);
            assertThat(label(robot, "#connectError").getText())
                    .isEqualTo("The certificate of " + server.url() + " is not signed by an authority this computer"
                            + " trusts (a self-signed certificate or a private CA).");
            assertThat(label(robot, "#connectFix").getText()).startsWith("What to do: compare the SHA-256 fingerprint")
                    .contains("\"Trust this certificate\"");
            assertThat(label(robot, "#certSubject").getText()).contains("CN=api.self-signed.test");
            assertThat(label(robot, "#certIssuer").getText()).contains("CN=api.self-signed.test").contains("self-signed");
            assertThat(label(robot, "#certValid").getText()).matches("\\d{4}-\\d\\d-\\d\\d .* to \\d{4}-.*");
            assertThat(robot.lookup("#trustButton").queryButton().getText())
                    .isEqualTo("Trust this certificate for " + server.url());
            assertThat(robot.lookup("#trustButton").query().isVisible()).isTrue();
            assertThat(trustStore.get(server.url())).isEmpty();
            assertThat(model.connectionProperty().get()).isNull();

            robot.clickOn("#trustButton");
            waitUntil(() -> connection.state() == ConnectionViewModel.State.CONNECTED);
            WaitForAsyncUtils.waitForFxEvents();
            assertThat(trustStore.get(server.url())).get()
                    .extracting(TrustStore.Entry::sha256).isEqualTo(fingerprint);
            assertThat(Files.readString(trustStore.file())).contains(fingerprint);
            assertThat(label(robot, "#connection").getText()).isEqualTo("Connected to " + server.url());
            assertThat(robot.lookup("#certificateBox").query().isVisible()).isFalse();
            assertThat(connectOnFx).hasSize(2).containsOnly(false);

            // a run's client trusts what the user trusted
            robot.clickOn("API groups stage");
            robot.clickOn("#planButton");
            waitUntil(() -> model.stage("groups").status() == StageStatus.PLANNED && !model.run().isRunning());
            assertThat(stageSaw).containsExactly("route.openshift.io", "operators.coreos.com");

            // the token: a password field, registered as a secret, never in the log pane or any label
            robot.clickOn("#connectNav");
            WaitForAsyncUtils.waitForFxEvents();
            PasswordField field = robot.lookup("#token").query();
            assertThat(field).isInstanceOf(PasswordField.class);
            assertThat(SecretRegistry.global().redact("Bearer " + TOKEN)).isEqualTo("Bearer ******");
            ListView<LogLine> log = robot.lookup("#logList").queryListView();
            assertThat(log.getItems()).extracting(LogLine::message)
                    .anyMatch(m -> m.contains("connecting to " + server.url() + " with a token"))
                    .anyMatch(m -> m.contains("trusted the certificate with SHA-256 " + fingerprint));
            assertThat(log.getItems()).noneMatch(l -> l.message().contains(TOKEN));
            for (Node n : robot.lookup(".label").queryAll()) {
                if (n instanceof Labeled l && l.getText() != null) {
                    assertThat(l.getText()).doesNotContain(TOKEN);
                }
            }
        }
    }

    @Test
    void eachFailureSaysWhatToDo(FxRobot robot) throws Exception {
        HeldCertificate cert = TlsApiServer.selfSigned("api.self-signed.test");
        try (TlsApiServer server = new TlsApiServer(cert, TOKEN)) {
            trustStore.trust(server.url(), dev.maas.installer.cluster.CertificateInfo.of(cert.certificate()));
            robot.clickOn("#modeToken");
            setText(robot, "#apiUrl", server.url());
            robot.clickOn("#token").write("sha256~expired-token-1234");
            robot.clickOn("#connectButton");
            waitUntil(() -> connection.state() == ConnectionViewModel.State.FAILED);
            WaitForAsyncUtils.waitForFxEvents();
            assertThat(connection.errorKindProperty().get()).isEqualTo(ClusterException.Kind.UNAUTHORIZED);
            assertThat(label(robot, "#connectStatus").getText()).contains("401");
            assertThat(label(robot, "#connectFix").getText()).contains("oc login " + server.url());
            assertThat(robot.lookup("#certificateBox").query().isVisible()).isFalse();
        }
        // nothing listens there any more
        String dead = "https://127.0.0.1:" + freePort();
        robot.interact(() -> connection.apiUrlProperty().set(dead));
        robot.clickOn("#connectButton");
        waitUntil(() -> connection.state() == ConnectionViewModel.State.FAILED
                && connection.errorKindProperty().get() == ClusterException.Kind.UNREACHABLE);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(label(robot, "#connectStatus").getText()).isEqualTo("Cannot reach the cluster");
        assertThat(label(robot, "#connectFix").getText()).contains("VPN").contains("proxy");

        robot.interact(() -> connection.tokenProperty().set(""));
        robot.clickOn("#connectButton");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(connection.errorKindProperty().get()).isEqualTo(ClusterException.Kind.BAD_SETTINGS);
        assertThat(label(robot, "#connectError").getText()).contains("paste a token");
        assertThat(label(robot, "#connectFix").getText()).contains("oc whoami -t");
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Path kubeconfig(String adminUrl, String devUrl, String current) throws Exception {
        Path kc = Files.createTempFile(dir, "kubeconfig", ".yaml");
        Files.writeString(kc, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: one
                  cluster:
                    server: %s
                - name: two
                  cluster:
                    server: %s
                users:
                - name: kube:admin/one
                  user:
                    token: sha256~admin-token-abcdef
                - name: developer/two
                  user:
                    token: sha256~dev-token-abcdef
                contexts:
                - name: admin
                  context:
                    cluster: one
                    user: kube:admin/one
                    namespace: 3scale
                - name: dev
                  context:
                    cluster: two
                    user: developer/two
                    namespace: models
                current-context: %s
                """.formatted(adminUrl, devUrl, current));
        return kc;
    }

    private static void setText(FxRobot robot, String query, String text) {
        TextInputControl field = robot.lookup(query).queryTextInputControl();
        robot.interact(() -> field.setText(text));
    }

    private static Label label(FxRobot robot, String query) { return robot.lookup(query).queryAs(Label.class); }

    private void waitUntil(Callable<Boolean> condition) throws Exception {
        FxWait.until(TIMEOUT_S, condition, () -> "the Connect page says " + connection.state() + ": "
                + connection.statusTextProperty().get() + " / " + connection.errorMessageProperty().get());
    }
}
