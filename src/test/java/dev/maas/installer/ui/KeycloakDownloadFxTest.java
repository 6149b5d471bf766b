package dev.maas.installer.ui;

import atlantafx.base.theme.PrimerLight;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.maas.installer.cluster.ProxySettings;
import dev.maas.installer.cluster.TrustStore;
import dev.maas.installer.sandbox.KeycloakDownload;
import dev.maas.installer.sandbox.Sandbox;
import dev.maas.installer.sandbox.SandboxKeycloak;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.ui.model.KeycloakDownloadViewModel;
import dev.maas.installer.ui.model.SandboxViewModel;
import javafx.application.Application;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.stage.Window;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wizard's Keycloak download dialog, on the wizard's own sandbox start path (the shell's sandbox service, the
 * download of {@link LocalSandbox#keycloakChoice}, the real sandbox) against a local Maven repository (the JDK's HTTP
 * server laid out as Maven Central, named by {@code MAAS_KEYCLOAK_REPOSITORY} in the shell's environment, the cache
 * under its {@code XDG_DATA_HOME}). "No Keycloak at hand" is given (this build machine has one in its Maven
 * repository).
 *
 * <p>The zip served is a small fake one: this test is about the dialog (offer, size, progress, Cancel, the message)
 * and what the sandbox is told to start with, not about Keycloak's start, which needs a real distribution and minutes
 * ({@code SandboxKeycloakTest} and {@code jpackage/linux/smoke-test.sh} start a real one). So when the download is
 * accepted, the test checks that the sandbox is handed the verified zip from the cache and then starts the sandbox
 * without Keycloak; declined and offline runs start the real sandbox with the choice the wizard made.
 */
@StartsSandbox
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class KeycloakDownloadFxTest {
    private static final long TIMEOUT_S = 120;
    private static final long SANDBOX_TIMEOUT_S = 300;
    /** How long the server holds the zip's second half back at most. */
    private static final long HOLD_S = 300;
    private static final String VERSION = "99.0.1";
    private static final String PATH = "/maven2/org/keycloak/keycloak-quarkus-dist/" + VERSION
            + "/keycloak-quarkus-dist-" + VERSION + ".zip";

    @TempDir
    Path tmp;

    private javafx.stage.Stage window;
    private WizardShell shell;
    private HttpServer server;
    private final byte[] zip = new byte[3 * 1024 * 1024];
    private String sha1;
    /** The zip's body stops after its first half until this opens (the test looks at the progress meanwhile). */
    private final CountDownLatch secondHalf = new CountDownLatch(1);
    private final AtomicReference<SandboxKeycloak> handedToSandbox = new AtomicReference<>();

    @Start
    void start(javafx.stage.Stage window) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        this.window = window;
    }

    @BeforeEach
    void serve() throws Exception {
        new Random(19).nextBytes(zip);
        sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(zip));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(PATH + ".sha1", ex -> send(ex, (sha1 + "\n").getBytes(StandardCharsets.US_ASCII)));
        server.createContext(PATH, this::zip);
        server.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        secondHalf.countDown();
        if (shell != null) {
            // a connection to the sandbox starts the journey's verify of every stage: both end before the shell closes
            FxWait.until(SANDBOX_TIMEOUT_S, () -> shell.sandbox().state() != SandboxViewModel.State.STARTING
                    && !shell.connection().connecting().get() && !shell.model().run().isRunning());
            shell.close();
        }
        server.stop(0);
    }

    private void zip(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().add("Content-Length", String.valueOf(zip.length));
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(200, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(200, zip.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(zip, 0, zip.length / 2);
            out.flush();
            try {
                secondHalf.await(HOLD_S, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write(zip, zip.length / 2, zip.length - zip.length / 2);
        }
    }

    private static void send(HttpExchange ex, byte[] body) throws IOException {
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private String repository() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/maven2";
    }

    /** The wizard as the app builds it, with no Keycloak at hand, a fake home and the local repository. */
    private WizardShell show(FxRobot robot, String repository) throws IOException {
        return show(robot, repository, Map.of());
    }

    private WizardShell show(FxRobot robot, String repository, Map<String, String> moreEnv) throws IOException {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Map<String, String> env = new java.util.HashMap<>(moreEnv);
        env.putAll(Map.of("HOME", home.toString(), "XDG_DATA_HOME", home.resolve("data").toString(),
                KeycloakDownload.REPOSITORY_ENV, repository));
        KeycloakDownload download = KeycloakDownload.of(env::get, VERSION);
        SandboxLauncher launcher = new SandboxLauncher() {
            @Override
            public Started start(Path dir) {
                throw new AssertionError("the wizard starts its sandbox with the Keycloak offer");
            }

            @Override
            public Started start(Path dir, java.util.function.Consumer<String> phase, KeycloakOffer offer) {
                return LocalSandbox.start(dir, phase, offer, download, () -> false, choice -> {
                    handedToSandbox.set(choice);
                    // the fake zip is no Keycloak: an accepted download starts the sandbox without one (see above)
                    SandboxKeycloak k = choice.enabled() ? SandboxKeycloak.none("the test's zip is no Keycloak")
                            : choice;
                    return Sandbox.run(dir, SandboxCluster.Options.defaults(), k);
                });
            }
        };
        WizardShell s = WizardShell.builder()
                .env(env::get)
                .home(home)
                .trustStore(new TrustStore(home.resolve("config/trusted-clusters.json")))
                .proxyDefaults(ProxySettings.NONE)
                .sandboxLauncher(launcher)
                .sandboxWhenNoCluster(true)
                .build();
        robot.interact(() -> {
            window.setScene(s.scene(1366, 768));
            window.show();
        });
        shell = s;
        return s;
    }

    private Window dialog() {
        return Window.getWindows().stream().filter(w -> w != window && w.isShowing()
                && w.getScene() != null && w.getScene().lookup("#keycloakDownloadDialog") != null)
                .findFirst().orElse(null);
    }

    private Node inDialog(String id) {
        Window d = dialog();
        return d == null ? null : d.getScene().lookup(id);
    }

    private String text(String id) {
        Node n = inDialog(id);
        return n instanceof Label l ? l.getText() : null;
    }

    private boolean visible(String id) {
        Node n = inDialog(id);
        return n != null && n.isVisible();
    }

    private void click(FxRobot robot, String id) {
        robot.interact(() -> ((javafx.scene.control.Button) inDialog(id)).fire());
    }

    private void waitUntil(java.util.concurrent.Callable<Boolean> condition) throws Exception {
        waitUntil(TIMEOUT_S, condition);
    }

    /** The sandbox's first start in a test JVM loads its cluster and simulators: minutes on a busy 2-core machine. */
    private void waitForSandbox(WizardShell s) throws Exception {
        waitUntil(SANDBOX_TIMEOUT_S, () -> s.sandbox().state() == SandboxViewModel.State.READY);
    }

    private void waitUntil(long timeoutS, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        FxWait.until(timeoutS, condition, () -> "sandbox: " + shell.sandbox().statusTextProperty().get()
                + "; dialog: " + shell.keycloakDownload().state() + " " + shell.keycloakDownload().headingProperty()
                .get() + " / " + shell.keycloakDownload().textProperty().get());
    }

    @Test
    void acceptedTheDialogShowsTheSizeThenTheProgressAndTheSandboxGetsTheVerifiedZip(FxRobot robot) throws Exception {
        WizardShell s = show(robot, repository());
        robot.interact(s::windowShown);

        // the offer: what, why, the size from the repository's HEAD; the sandbox waits for the answer
        waitUntil(() -> visible("#keycloakDownloadButton"));
        assertThat(text("#keycloakDownloadHeading")).isEqualTo("Download Keycloak " + VERSION
                + " for the local sandbox?");
        assertThat(text("#keycloakDownloadText")).contains("sso and portal stages").contains("about 3.0 MiB")
                .contains("from 127.0.0.1").contains("checksum is verified");
        assertThat(visible("#keycloakDeclineButton")).isTrue();
        assertThat(visible("#keycloakDownloadProgress")).isFalse();
        assertThat(s.sandbox().state()).isEqualTo(SandboxViewModel.State.STARTING);

        // Download: the progress bar and its bytes (the server holds the second half back), and Cancel
        click(robot, "#keycloakDownloadButton");
        waitUntil(() -> String.valueOf(text("#keycloakDownloadBytes")).matches(
                "[01]\\.\\d MiB of 3\\.0 MiB \\(([1-9]|[1-4]\\d|50) %\\)"));
        assertThat(visible("#keycloakDownloadProgress")).isTrue();
        assertThat(visible("#keycloakCancelButton")).isTrue();
        assertThat(visible("#keycloakDownloadButton")).isFalse();
        double[] bar = new double[1];
        robot.interact(() -> bar[0] = ((ProgressBar) inDialog("#keycloakDownloadProgress")).getProgress());
        assertThat(bar[0]).isGreaterThan(0).isLessThanOrEqualTo(0.5);
        assertThat(s.sandbox().statusTextProperty().get()).isEqualTo("Starting the local sandbox: downloading"
                + " Keycloak (once)…");

        secondHalf.countDown();
        waitForSandbox(s);
        assertThat(dialog()).as("the dialog closes once Keycloak is downloaded").isNull();
        Path cached = tmp.resolve("home/data/maas-installer/keycloak/" + VERSION + "/keycloak-quarkus-dist-" + VERSION
                + ".zip");
        assertThat(Files.readAllBytes(cached)).isEqualTo(zip);
        assertThat(handedToSandbox.get().enabled()).isTrue();
        assertThat(handedToSandbox.get().downloadedZip()).contains(cached);
    }

    @Test
    void declinedTheSandboxRunsWithoutSsoAndSaysWhy(FxRobot robot) throws Exception {
        WizardShell s = show(robot, repository());
        robot.interact(s::windowShown);
        waitUntil(() -> visible("#keycloakDeclineButton"));
        click(robot, "#keycloakDeclineButton");

        waitForSandbox(s);
        assertThat(dialog()).isNull();
        assertThat(handedToSandbox.get().enabled()).isFalse();
        String json = Files.readString(s.sandboxes().dir().resolve("sandbox.json"));
        assertThat(json).contains("keycloakAbsent").contains("the Keycloak download was declined");
        assertThat(s.model().log().lines()).anyMatch(l -> l.message().contains("the Keycloak download was declined"));
    }

    @Test
    void withoutNetworkTheDialogSaysSoAndTheSandboxRunsWithoutSso(FxRobot robot) throws Exception {
        // a repository nobody answers on: the port of a server that has stopped
        String gone = repository();
        server.stop(0);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        long t0 = System.nanoTime();
        WizardShell s = show(robot, gone);
        robot.interact(s::windowShown);

        waitUntil(() -> visible("#keycloakCloseButton"));
        assertThat(text("#keycloakDownloadHeading")).isEqualTo("SSO is not available in the local sandbox");
        assertThat(text("#keycloakDownloadText")).startsWith("Keycloak could not be downloaded: cannot download"
                + " Keycloak: http://127.0.0.1:").contains("cannot be reached")
                .contains("The sandbox starts without it: the sso and portal stages cannot be tried in it");
        assertThat(visible("#keycloakDownloadButton")).isFalse();
        waitForSandbox(s);
        assertThat(System.nanoTime() - t0).as("no long wait").isLessThan(TimeUnit.SECONDS.toNanos(60));
        assertThat(Files.readString(s.sandboxes().dir().resolve("sandbox.json")))
                .contains("Keycloak could not be downloaded");
        click(robot, "#keycloakCloseButton");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(dialog()).isNull();
    }

    @Test
    void anUntrustedCertificateOfTheRepositoryIsSaidWithTheFix(FxRobot robot) throws Exception {
        // an HTTPS repository whose CA is in no store this download trusts (SSL_CERT_FILE names another CA's bundle)
        okhttp3.tls.HeldCertificate ca = new okhttp3.tls.HeldCertificate.Builder().certificateAuthority(0)
                .commonName("an untrusted proxy CA").build();
        okhttp3.tls.HeldCertificate leaf = new okhttp3.tls.HeldCertificate.Builder().signedBy(ca)
                .addSubjectAlternativeName("127.0.0.1").build();
        com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(new okhttp3.tls.HandshakeCertificates
                .Builder().heldCertificate(leaf, ca.certificate()).build().sslContext()));
        https.createContext(PATH, this::zip);
        https.start();
        try {
            Path otherCa = tmp.resolve("other-ca.pem");
            Files.writeString(otherCa, new okhttp3.tls.HeldCertificate.Builder().certificateAuthority(0).build()
                    .certificatePem());
            WizardShell s = show(robot, "https://127.0.0.1:" + https.getAddress().getPort() + "/maven2",
                    Map.of("SSL_CERT_FILE", otherCa.toString()));
            robot.interact(s::windowShown);

            waitUntil(() -> visible("#keycloakCloseButton"));
            assertThat(text("#keycloakDownloadHeading")).isEqualTo("SSO is not available in the local sandbox");
            assertThat(text("#keycloakDownloadText")).startsWith("Keycloak could not be downloaded: cannot download"
                    + " Keycloak: the certificate of https://127.0.0.1:" + https.getAddress().getPort()
                    + " is not trusted").contains("SSL_CERT_FILE").contains(KeycloakDownload.REPOSITORY_ENV)
                    .contains("The sandbox starts without it");
            waitForSandbox(s);
            click(robot, "#keycloakCloseButton");
            WaitForAsyncUtils.waitForFxEvents();
        } finally {
            https.stop(0);
        }
    }
}
