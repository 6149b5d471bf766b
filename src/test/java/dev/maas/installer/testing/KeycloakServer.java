package dev.maas.installer.testing;

import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.sandbox.KeycloakProcess;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A real Keycloak for the tests: started ONCE per test JVM from the keycloak-quarkus-dist the build unpacked into
 * {@code target/keycloak} (pom.xml, execution {@code unpack-keycloak}), shared by every test class, stopped by a
 * shutdown hook. The process itself is run by the main code's {@link KeycloakProcess} (which the sandbox uses too). Call {@link #get()} from any test (e.g. in {@code @BeforeAll}); the first call starts the server
 * (about 30-60 s, bounded to 180 s), later calls return at once.
 *
 * <p>To use a Keycloak that already runs instead, pass {@code -Dmaas.keycloak.url=http://host:port}
 * {@code -Dmaas.keycloak.adminUser=admin -Dmaas.keycloak.adminPassword=...} (also as environment variables
 * MAAS_KEYCLOAK_URL / _ADMIN_USER / _ADMIN_PASSWORD).
 *
 * <p>The server: {@code kc.sh start-dev --db=dev-mem} on 127.0.0.1 with free ports, health on the management port,
 * a bootstrap admin with a password generated per run (registered with {@link SecretRegistry#global()}), output in
 * {@code target/keycloak.log}; the distribution from -Dmaas.keycloak.dist (set by the pom), see
 * {@link KeycloakProcess#locateDistribution}.
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
    private static KeycloakProcess process;

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
        Path dist = KeycloakProcess.locateDistribution(KeycloakProcess.Options.defaults());
        process = KeycloakProcess.start(KeycloakProcess.Options.defaults().withDistribution(dist)
                .withStartTimeout(START_TIMEOUT)
                .withLogFile(dist.getParent().getParent().resolve("keycloak.log"))); // target/keycloak.log
        Runtime.getRuntime().addShutdownHook(new Thread(KeycloakServer::stop, "keycloak-stop"));
        return new Endpoint(process.url(), process.adminUser(), process.adminPassword(), true);
    }

    private static synchronized void stop() {
        KeycloakProcess p = process;
        process = null;
        if (p != null) {
            p.close();
        }
    }

    private static String setting(String property, String env) {
        String value = System.getProperty(property);
        return value != null ? value : System.getenv(env);
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
