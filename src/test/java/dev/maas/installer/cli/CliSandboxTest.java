package dev.maas.installer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.StringWriter;
import java.io.Writer;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * End to end: {@code maas-installer sandbox} runs the local sandbox, and {@code verify --stage preflight} against
 * it passes through the same CLI a user runs; once in-process, once with the sandbox as a real child process that
 * is stopped with SIGTERM. These run without Keycloak (--no-keycloak: the preflight stage needs none, and a Keycloak
 * start costs a minute or two); the sandbox with its Keycloak is tested in CliSandboxKeycloakTest.
 */
@StartsKeycloak
@StartsSandbox
class CliSandboxTest {
    private static final long READY_TIMEOUT_S = 120;
    private static final long STOP_TIMEOUT_S = 30;

    @TempDir
    Path tmp;

    /** verify --stage preflight through the CLI, as a user would in a second terminal. */
    private CliHarness.Result verifyPreflight(Path config) {
        CliHarness cli = new CliHarness(tmp.resolve("client"), Stages.all().toArray(Stage[]::new));
        return cli.run("verify", "--stage", "preflight", "--config", config.toString(), "--output", "json");
    }

    private static void assertPreflightAllOk(CliHarness.Result r) {
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode stages = r.json().path("stages");
        assertThat(stages).hasSize(1);
        JsonNode preflight = stages.get(0);
        assertThat(preflight.path("id").asText()).isEqualTo("preflight");
        assertThat(preflight.path("result").asText()).as(r.toString()).isEqualTo("OK");
        List<String> names = new ArrayList<>();
        for (JsonNode check : preflight.path("checks")) {
            assertThat(check.path("status").asText()).as("check %s: %s", check.path("name"), check.path("message"))
                    .isEqualTo("OK");
            names.add(check.path("name").asText());
        }
        assertThat(names).containsExactly("openshift", "olm", "catalog: sso operator", "catalog: 3scale-operator",
                "permissions", "storage", "apps domain", "models");
        assertThat(r.err()).contains("Connected to the local SANDBOX at https://127.0.0.1:");
    }

    private static int portOf(Path kubeconfig) throws IOException {
        String server = Files.readAllLines(kubeconfig).stream().map(String::trim)
                .filter(l -> l.startsWith("server:")).findFirst().orElseThrow()
                .substring("server:".length()).trim();
        URI uri = URI.create(server);
        assertThat(uri.getHost()).isEqualTo("127.0.0.1");
        return uri.getPort();
    }

    private static void assertPortClosed(int port) {
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
    }

    /** The sandbox's port answers on 127.0.0.1 and on none of this machine's other addresses. */
    private static void assertLoopbackOnly(int port) throws IOException {
        new Socket("127.0.0.1", port).close();
        List<InetAddress> others = NetworkInterface.networkInterfaces()
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .toList();
        for (InetAddress other : others) {
            assertThatThrownBy(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(other, port), 5_000);
                }
            }).as("port %d on %s", port, other).isInstanceOf(IOException.class);
        }
    }

    private static void assertOwnerOnly(Path file) throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(file.toString())
                .isEqualTo("rw-------");
    }

    private static String readyLine(Path dir) {
        return "SANDBOX READY kubeconfig=" + dir.resolve("kubeconfig") + " config=" + dir.resolve("maas-installer.yaml");
    }

    @Test
    void asANamespaceAdminApplyStopsAtPreflightBeforeAnyChangeAndSaysWhatAClusterAdminMustDo() throws Exception {
        Path dir = tmp.resolve("sb");
        CliHarness sandboxCli = new CliHarness(tmp);
        LineWriter out = new LineWriter();
        LineWriter err = new LineWriter();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> sandboxCli.run(out, err, "sandbox",
                "--dir", dir.toString(), "--no-keycloak", "--namespace-admin"));
        try {
            String ready = CompletableFuture.anyOf(out.firstLine, exit.thenApply(code -> "exited " + code + ": " + err))
                    .get(READY_TIMEOUT_S, TimeUnit.SECONDS).toString();
            assertThat(ready).isEqualTo(readyLine(dir));
            assertThat(err.toString()).contains("Its user is a namespace admin");

            CliHarness cli = new CliHarness(tmp.resolve("client"), Stages.all().toArray(Stage[]::new));
            CliHarness.Result r = cli.run("apply", "--yes", "--config", dir.resolve("maas-installer.yaml").toString(),
                    "--output", "json");

            assertThat(r.code()).as(r.toString()).isEqualTo(1);
            JsonNode stages = r.json().path("stages");
            assertThat(stages.get(0).path("id").asText()).isEqualTo("preflight");
            assertThat(stages.get(0).path("result").asText()).isEqualTo("FAILED");
            for (int i = 1; i < stages.size(); i++) {
                assertThat(stages.get(i).path("result").asText()).as(stages.get(i).toString()).isEqualTo("SKIPPED");
            }
            assertThat(r.toString()).contains("permissions: you may not:",
                    "create operatorgroups.operators.coreos.com in namespace 3scale",
                    "get ingresses.config.openshift.io (cluster-wide)", "oc adm policy add-cluster-role-to-user");
            // nothing was installed: the user may look, and finds no OperatorGroup or Subscription
            CliHarness.Result after = verifyPreflight(dir.resolve("maas-installer.yaml"));
            assertThat(after.toString()).contains("create operatorgroups.operators.coreos.com in namespace rh-sso");
        } finally {
            if (sandboxCli.interrupt.installed != null) {
                sandboxCli.interrupt.fire().join(TimeUnit.SECONDS.toMillis(STOP_TIMEOUT_S));
            }
        }
        assertThat(exit.get(STOP_TIMEOUT_S, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void verifyPreflightPassesAgainstTheSandboxCommandInProcess() throws Exception {
        Path dir = tmp.resolve("sb");
        CliHarness sandboxCli = new CliHarness(tmp);
        LineWriter out = new LineWriter();
        LineWriter err = new LineWriter();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
                () -> sandboxCli.run(out, err, "sandbox", "--dir", dir.toString(), "--no-keycloak"));
        try {
            String ready = CompletableFuture.anyOf(out.firstLine, exit.thenApply(code -> "exited " + code + ": " + err))
                    .get(READY_TIMEOUT_S, TimeUnit.SECONDS).toString();
            assertThat(ready).isEqualTo(readyLine(dir));

            assertLoopbackOnly(portOf(dir.resolve("kubeconfig")));

            CliHarness.Result r = verifyPreflight(dir.resolve("maas-installer.yaml"));
            assertPreflightAllOk(r);
        } finally {
            if (sandboxCli.interrupt.installed != null) {
                sandboxCli.interrupt.fire().join(TimeUnit.SECONDS.toMillis(STOP_TIMEOUT_S));
            }
        }
        assertThat(exit.get(STOP_TIMEOUT_S, TimeUnit.SECONDS)).isZero();
        assertThat(sandboxCli.interrupt.exitCode).isZero();
        assertThat(sandboxCli.interrupt.removals).isEqualTo(1);
        assertThat(out.toString()).isEqualTo(readyLine(dir) + System.lineSeparator());
        assertThat(err.toString()).contains("Sandbox running at https://127.0.0.1:", "Sandbox stopped.")
                .doesNotContain(tokenOf(dir.resolve("kubeconfig")));
        assertPortClosed(portOf(dir.resolve("kubeconfig")));
    }

    @Test
    void realProcessStopsOnSigtermAndClosesItsPort() throws Exception {
        Path dir = tmp.resolve("sandbox dir"); // a space in the path, as in a user's home folder
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "dev.maas.installer.Main", "sandbox", "--dir", dir.toString(), "--no-keycloak");
        pb.directory(tmp.toFile());
        Process process = pb.start();
        StreamReader stdout = new StreamReader(process.getInputStream(), "sandbox-stdout");
        StreamReader stderr = new StreamReader(process.getErrorStream(), "sandbox-stderr");
        try {
            String ready = CompletableFuture.anyOf(stdout.firstLine,
                            process.onExit().thenApply(p -> "exited " + p.exitValue() + ": " + stderr.text()))
                    .get(READY_TIMEOUT_S, TimeUnit.SECONDS).toString();
            assertThat(ready).isEqualTo(readyLine(dir));
            assertOwnerOnly(dir.resolve("sandbox.json"));
            assertOwnerOnly(dir.resolve("kubeconfig"));
            int port = portOf(dir.resolve("kubeconfig"));

            assertPreflightAllOk(verifyPreflight(dir.resolve("maas-installer.yaml")));

            // SIGTERM, as Process.destroy() sends it; through the handle, because Process.destroy() also closes
            // our ends of the child's stdout/stderr, and we want to read its last lines
            assertThat(process.toHandle().destroy()).isTrue();
            assertThat(process.waitFor(STOP_TIMEOUT_S, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
            assertThat(process.exitValue()).as(stderr.text()).isZero();
            stdout.done.join();
            stderr.done.join();
            assertThat(stdout.text()).isEqualTo(readyLine(dir) + System.lineSeparator());
            assertThat(stderr.text()).contains("Sandbox stopped.").doesNotContain(tokenOf(dir.resolve("kubeconfig")));
            assertPortClosed(port);
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT_S, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aPortInUseIsInvalidInput() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CliHarness cli = new CliHarness(tmp);
            CliHarness.Result r = cli.run("sandbox", "--dir", tmp.resolve("sb").toString(), "--port",
                    String.valueOf(taken.getLocalPort()));
            assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.INVALID_INPUT);
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).contains("port " + taken.getLocalPort() + " on 127.0.0.1 is in use", "--port");
            assertThat(cli.interrupt.installs).isZero();
        }
    }

    @Test
    void badKeycloakOptionsAreInvalidInput() throws Exception {
        CliHarness cli = new CliHarness(tmp);
        CliHarness.Result r = cli.run("sandbox", "--dir", tmp.resolve("sb").toString(), "--keycloak-url",
                "http://127.0.0.1:1");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.INVALID_INPUT);
        // (the word "admin" may be redacted when another test of this JVM registered it as a secret)
        assertThat(r.err()).contains("--keycloak-url needs the ").contains(" password in the environment variable"
                + " MAAS_SANDBOX_KEYCLOAK_PASSWORD");

        r = cli.run("sandbox", "--dir", tmp.resolve("sb").toString(), "--keycloak-url", "ftp://x", "--no-keycloak");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("--no-keycloak and --keycloak-url exclude each other");

        r = cli.run("sandbox", "--dir", tmp.resolve("sb").toString(), "--keycloak-url", "not a url");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("is not an http(s) URL");

        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        String password = "pw-" + System.nanoTime();
        cli.env("MAAS_SANDBOX_KEYCLOAK_PASSWORD", password);
        r = cli.run("sandbox", "--dir", tmp.resolve("sb").toString(), "--keycloak-url",
                "http://127.0.0.1:" + closed);
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.out()).as("no READY line").isEmpty();
        assertThat(r.err()).contains("the Keycloak at http://127.0.0.1:" + closed + " is not reachable")
                .doesNotContain(password);
        assertThat(cli.interrupt.installs).isZero();
    }

    @Test
    void aDirThatCannotBeCreatedIsInvalidInput() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "not a folder");
        CliHarness cli = new CliHarness(tmp);
        CliHarness.Result r = cli.run("sandbox", "--dir", file.resolve("sb").toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("cannot create the sandbox folder " + file.resolve("sb"), "--dir");

        r = cli.run("sandbox", "--dir", file.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("cannot create the sandbox folder " + file);
    }

    @Test
    void helpShowsTheCommandAndItsDefaults() {
        CliHarness cli = new CliHarness(tmp);
        CliHarness.Result root = cli.run("--help");
        assertThat(root.code()).isZero();
        assertThat(root.out()).contains("sandbox", "plan | apply | verify | sandbox");
        CliHarness.Result help = cli.run("sandbox", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--dir=DIR", "Default: ./sandbox", "--port=PORT", "127.0.0.1",
                "--keycloak-url=URL", "MAAS_SANDBOX_KEYCLOAK_PASSWORD", "--keycloak-admin-user=USER", "--no-keycloak",
                "--namespace-admin",
                "SANDBOX READY", "kubeconfig=DIR/kubeconfig config=DIR/maas-installer.yaml", "Ctrl-C");
    }

    private static String tokenOf(Path kubeconfig) throws IOException {
        return Files.readAllLines(kubeconfig).stream().map(String::trim).filter(l -> l.startsWith("token:"))
                .findFirst().orElseThrow().substring("token:".length()).trim();
    }

    /** A thread-safe writer that completes {@link #firstLine} with the first full line written. */
    static final class LineWriter extends Writer {
        final CompletableFuture<String> firstLine = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();

        @Override
        public synchronized void write(char[] buf, int off, int len) {
            text.append(buf, off, len);
            int nl = text.indexOf("\n");
            if (nl >= 0 && !firstLine.isDone()) {
                firstLine.complete(text.substring(0, nl).stripTrailing());
            }
        }

        @Override public void flush() { }

        @Override public void close() { }

        @Override
        public synchronized String toString() {
            return text.toString();
        }
    }

    /** Reads a child's stream on its own thread: the first line, all text, and when the stream ended. */
    static final class StreamReader {
        final CompletableFuture<String> firstLine = new CompletableFuture<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final StringWriter text = new StringWriter();

        StreamReader(InputStream in, String name) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        synchronized (text) {
                            text.append(line).append(System.lineSeparator());
                        }
                        firstLine.complete(line);
                    }
                } catch (IOException e) {
                    synchronized (text) {
                        text.append("[read failed: ").append(e.getMessage()).append("]");
                    }
                } finally {
                    firstLine.complete("[no line: the stream ended]");
                    done.complete(null);
                }
            }, name);
            t.setDaemon(true);
            t.start();
        }

        String text() {
            synchronized (text) {
                return text.toString();
            }
        }
    }
}
