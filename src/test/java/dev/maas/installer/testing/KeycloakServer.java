package dev.maas.installer.testing;

import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.engine.wait.Backoff;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A real Keycloak for the tests: started ONCE per test JVM from the keycloak-quarkus-dist the build unpacked into
 * {@code target/keycloak} (pom.xml, execution {@code unpack-keycloak}), shared by every test class, stopped by a
 * shutdown hook. Call {@link #get()} from any test (e.g. in {@code @BeforeAll}); the first call starts the server
 * (about 30-60 s, bounded to 180 s), later calls return at once.
 *
 * <p>To use a Keycloak that already runs instead, pass {@code -Dmaas.keycloak.url=http://host:port}
 * {@code -Dmaas.keycloak.adminUser=admin -Dmaas.keycloak.adminPassword=...} (also as environment variables
 * MAAS_KEYCLOAK_URL / _ADMIN_USER / _ADMIN_PASSWORD).
 *
 * <p>The server: {@code kc.sh start-dev --db=dev-mem} on 127.0.0.1 with free ports, health on the management port,
 * a bootstrap admin with a password generated per run (registered with {@link SecretRegistry#global()}), output in
 * {@code target/keycloak.log}.
 */
public final class KeycloakServer {
    /** Where to reach a running Keycloak and its master-realm admin. */
    public record Endpoint(String url, String adminUser, String adminPassword, boolean startedHere) {
        @Override
        public String toString() { return "Keycloak " + url + " (admin " + adminUser + ")"; }
    }

    private static final Duration START_TIMEOUT = Duration.ofSeconds(
            Long.getLong("maas.keycloak.startTimeoutSeconds", 180));
    private static final String ADMIN_USER = "admin";

    private static Endpoint endpoint;
    private static RuntimeException startFailure;
    private static Process process;

    private KeycloakServer() { }

    /** The shared Keycloak, started on first use. Fails (every time, fast) if it could not be started. */
    public static synchronized Endpoint get() {
        if (endpoint != null) {
            return endpoint;
        }
        if (startFailure != null) {
            throw startFailure;
        }
        try {
            endpoint = existing().orElseGet(KeycloakServer::start);
            SecretRegistry.global().register(endpoint.adminPassword());
            return endpoint;
        } catch (RuntimeException e) {
            startFailure = e;
            throw e;
        }
    }

    private static Optional<Endpoint> existing() {
        String url = setting("maas.keycloak.url", "MAAS_KEYCLOAK_URL");
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        String user = setting("maas.keycloak.adminUser", "MAAS_KEYCLOAK_ADMIN_USER");
        String password = setting("maas.keycloak.adminPassword", "MAAS_KEYCLOAK_ADMIN_PASSWORD");
        if (password == null) {
            throw new IllegalStateException("-Dmaas.keycloak.url is set but -Dmaas.keycloak.adminPassword is not");
        }
        return Optional.of(new Endpoint(stripSlash(url), user == null ? ADMIN_USER : user, password, false));
    }

    private static Endpoint start() {
        Path home = distribution();
        Path log = home.getParent().getParent().resolve("keycloak.log"); // target/keycloak.log
        String password = randomPassword();
        SecretRegistry.global().register(password);
        int httpPort = freePort();
        int managementPort = freePort();
        List<String> command = new ArrayList<>(List.of("bash", home.resolve("bin/kc.sh").toString(), "start-dev",
                "--db=dev-mem", "--http-host=127.0.0.1", "--http-port=" + httpPort,
                "--http-management-port=" + managementPort, "--health-enabled=true",
                "--cache=local", "--log-level=INFO"));
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        Map<String, String> env = builder.environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN_USER);
        env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", password);
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + command + " (bash needed)", e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(KeycloakServer::stop, "keycloak-stop"));

        String url = "http://127.0.0.1:" + httpPort;
        URI ready = URI.create("http://127.0.0.1:" + managementPort + "/health/ready");
        URI discovery = URI.create(url + "/realms/master/.well-known/openid-configuration");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            Backoff.of(START_TIMEOUT).delays(Duration.ofMillis(500), Duration.ofSeconds(3)).awaitTrue(
                    "Keycloak on " + url + " to become ready", () -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("Keycloak exited with code " + process.exitValue()
                                    + "; log tail:\n" + tail(log));
                        }
                        return status(http, ready) == 200 && status(http, discovery) == 200;
                    });
        } catch (TimeoutException e) {
            stop();
            throw new IllegalStateException(e.getMessage() + "; see " + log + ":\n" + tail(log), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new IllegalStateException("interrupted while starting Keycloak", e);
        }
        return new Endpoint(url, ADMIN_USER, password, true);
    }

    /** The unpacked distribution: the directory holding bin/kc.sh under -Dmaas.keycloak.dist (default target/keycloak). */
    static Path distribution() {
        Path root = Paths.get(System.getProperty("maas.keycloak.dist", "target/keycloak")).toAbsolutePath();
        if (Files.isRegularFile(root.resolve("bin/kc.sh"))) {
            return root;
        }
        try (Stream<Path> children = Files.list(root)) {
            return children.filter(p -> Files.isRegularFile(p.resolve("bin/kc.sh"))).sorted().reduce((a, b) -> b)
                    .orElseThrow(() -> new IllegalStateException("no bin/kc.sh under " + root));
        } catch (IOException e) {
            throw new IllegalStateException("Keycloak distribution not found in " + root + ": run the tests through"
                    + " Maven (the unpack-keycloak execution puts it there) or pass -Dmaas.keycloak.url=...", e);
        }
    }

    private static synchronized void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        process = null;
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            for (ProcessHandle child : children) {
                child.onExit().get(10, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            children.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static int status(HttpClient http, URI uri) {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String randomPassword() {
        SecureRandom random = new SecureRandom();
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        StringBuilder sb = new StringBuilder("Kc-");
        for (int i = 0; i < 24; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static String setting(String property, String env) {
        String value = System.getProperty(property);
        return value != null ? value : System.getenv(env);
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
