package dev.maas.installer.testing;

import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.sandbox.KeycloakProcess;
import dev.maas.installer.sandbox.KeycloakProcess.Generation;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Real Keycloaks for the tests, each generation started ONCE per test JVM and shared by every test class, stopped by
 * a shutdown hook. The processes are run by the main code's {@link KeycloakProcess} (which the sandbox uses too):
 * <ul>
 *   <li>{@link #get()}: Keycloak 26 (the Red Hat build of Keycloak's generation) from the keycloak-quarkus-dist the
 *       build unpacked into {@code target/keycloak} (pom.xml, execution {@code unpack-keycloak}); built once
 *       ({@code kc.sh build}), then started {@code --optimized}, about 10-40 s;</li>
 *   <li>{@link #legacy()}: the legacy Keycloak 18 on WildFly that RH-SSO 7.6 is built on, under {@code /auth}, from
 *       the keycloak-server-dist in {@code target/keycloak-legacy} (execution {@code unpack-keycloak-legacy}), about
 *       15-40 s.</li>
 * </ul>
 * Each first call starts its server (bounded to 180 s), later calls return at once. A server's data is fresh for
 * every test JVM (a folder next to the distribution, deleted on exit).
 *
 * <p>To use a Keycloak 26 that already runs instead, pass {@code -Dmaas.keycloak.url=http://host:port}
 * {@code -Dmaas.keycloak.adminUser=admin -Dmaas.keycloak.adminPassword=...} (also as environment variables
 * MAAS_KEYCLOAK_URL / _ADMIN_USER / _ADMIN_PASSWORD); for the legacy one {@code -Dmaas.keycloak.legacy.url=...}
 * ({@code http://host:port/auth}), {@code -Dmaas.keycloak.legacy.adminUser}, {@code -Dmaas.keycloak.legacy.adminPassword}.
 *
 * <p>Each server: 127.0.0.1 with free ports, a bootstrap admin with a password generated per run (registered with
 * {@link SecretRegistry#global()}), output in {@code target/keycloak-N.log} or {@code target/keycloak-legacy-N.log}
 * (N: the surefire fork); the distributions from -Dmaas.keycloak.dist and -Dmaas.keycloak.legacy.dist (set by the pom), see
 * {@link KeycloakProcess#locateDistribution}.
 */
public final class KeycloakServer {
    /** Where to reach a running Keycloak and its master-realm admin. */
    public record Endpoint(String url, String adminUser, String adminPassword, boolean startedHere,
                           Generation generation) {
        public Endpoint(String url, String adminUser, String adminPassword, boolean startedHere) {
            this(url, adminUser, adminPassword, startedHere, Generation.QUARKUS);
        }

        /** {@code "/auth"} on the legacy generation, {@code ""} on Keycloak 26. */
        public String contextRoot() { return generation.contextRoot(); }

        @Override
        public String toString() { return "Keycloak " + url + " (admin " + adminUser + ")"; }
    }

    private static final Duration START_TIMEOUT = Duration.ofSeconds(
            Long.getLong("maas.keycloak.startTimeoutSeconds", 180));
    private static final String ADMIN_USER = "admin";

    private static final Map<Generation, Endpoint> ENDPOINTS = new EnumMap<>(Generation.class);
    private static final Map<Generation, RuntimeException> FAILURES = new EnumMap<>(Generation.class);
    private static final Map<Generation, KeycloakProcess> PROCESSES = new EnumMap<>(Generation.class);
    private static boolean hooked;

    private KeycloakServer() { }

    /** The shared Keycloak 26, started on first use. Fails (every time, fast) if it could not be started. */
    public static Endpoint get() {
        return get(Generation.QUARKUS);
    }

    /** The shared legacy Keycloak 18 (RH-SSO 7.6's generation, under /auth), started on first use. */
    public static Endpoint legacy() {
        return get(Generation.WILDFLY);
    }

    /** The shared Keycloak of that generation, started on first use. */
    public static synchronized Endpoint get(Generation generation) {
        Endpoint endpoint = ENDPOINTS.get(generation);
        if (endpoint != null) {
            return endpoint;
        }
        RuntimeException failed = FAILURES.get(generation);
        if (failed != null) {
            throw failed;
        }
        try {
            endpoint = existing(generation).orElseGet(() -> start(generation));
            SecretRegistry.global().register(endpoint.adminPassword());
            ENDPOINTS.put(generation, endpoint);
            return endpoint;
        } catch (RuntimeException e) {
            FAILURES.put(generation, e);
            throw e;
        }
    }

    private static Optional<Endpoint> existing(Generation generation) {
        String prefix = generation == Generation.QUARKUS ? "maas.keycloak." : "maas.keycloak.legacy.";
        String envPrefix = generation == Generation.QUARKUS ? "MAAS_KEYCLOAK_" : "MAAS_KEYCLOAK_LEGACY_";
        String url = setting(prefix + "url", envPrefix + "URL");
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        String user = setting(prefix + "adminUser", envPrefix + "ADMIN_USER");
        String password = setting(prefix + "adminPassword", envPrefix + "ADMIN_PASSWORD");
        if (password == null) {
            throw new IllegalStateException("-D" + prefix + "url is set but -D" + prefix + "adminPassword is not");
        }
        return Optional.of(new Endpoint(stripSlash(url), user == null ? ADMIN_USER : user, password, false,
                generation));
    }

    private static Endpoint start(Generation generation) {
        KeycloakProcess.Options options = KeycloakProcess.Options.defaults().withGeneration(generation);
        Path dist = KeycloakProcess.locateDistribution(options);
        // one log per surefire fork (pom.xml: maas.test.fork), as forks run side by side
        String fork = System.getProperty("maas.test.fork", "");
        String log = (generation == Generation.QUARKUS ? "keycloak" : "keycloak-legacy")
                + (fork.isEmpty() ? "" : "-" + fork) + ".log";
        KeycloakProcess process = KeycloakProcess.start(options.withDistribution(dist)
                .withStartTimeout(START_TIMEOUT)
                .withLogFile(dist.getParent().getParent().resolve(log))); // target/keycloak*.log
        PROCESSES.put(generation, process);
        if (!hooked) {
            Runtime.getRuntime().addShutdownHook(new Thread(KeycloakServer::stop, "keycloak-stop"));
            hooked = true;
        }
        return new Endpoint(process.url(), process.adminUser(), process.adminPassword(), true, generation);
    }

    private static void stop() {
        Map<Generation, KeycloakProcess> running;
        synchronized (KeycloakServer.class) {
            running = new EnumMap<>(PROCESSES);
            PROCESSES.clear();
        }
        running.values().parallelStream().forEach(KeycloakProcess::close);
    }

    private static String setting(String property, String env) {
        String value = System.getProperty(property);
        return value != null ? value : System.getenv(env);
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
