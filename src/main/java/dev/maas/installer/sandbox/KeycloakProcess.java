package dev.maas.installer.sandbox;

import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.engine.wait.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A real Keycloak server run as a child process from the {@code org.keycloak:keycloak-quarkus-dist} distribution:
 * {@code bin/kc.sh start-dev --db=dev-mem} on 127.0.0.1 with free ports, health on the management port, a bootstrap
 * admin {@value #ADMIN_USER} with a random password (registered with {@link SecretRegistry#global()}), its output in
 * a log file. {@link #start(Options)} returns once Keycloak is ready (bounded backoff on {@code /health/ready} and the
 * master realm's discovery document); {@link #close()} stops it and its child processes.
 *
 * <p>Where the distribution comes from ({@link #locateDistribution(Options)}), first match wins:
 * <ol>
 *   <li>{@link Options#distribution()}, an explicit path;</li>
 *   <li>the system property {@value #DIST_PROPERTY};</li>
 *   <li>{@code <working dir>/target/keycloak/keycloak-*} (the build unpacks it there, see pom.xml
 *       {@code unpack-keycloak});</li>
 *   <li>the zip in the local Maven repository
 *       ({@code ~/.m2/repository/org/keycloak/keycloak-quarkus-dist/<version>/keycloak-quarkus-dist-<version>.zip},
 *       {@link #distributionVersion()}), unpacked into {@link Options#unpackDir()}.</li>
 * </ol>
 * A path may name the folder holding {@code bin/kc.sh} or a folder containing one {@code keycloak-*} folder.
 */
public final class KeycloakProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KeycloakProcess.class);

    public static final String DIST_PROPERTY = "maas.keycloak.dist";
    /**
     * The bootstrap admin. Not plain "admin": the sso stage registers every value of the credentials Secret as a
     * secret, and a common word would then be masked in every message of the process.
     */
    public static final String ADMIN_USER = "maas-kc-admin";
    /** Kept in sync with the pom property {@code keycloak.server.version} through a filtered resource. */
    private static final String VERSION_RESOURCE = "dev/maas/installer/sandbox/keycloak-dist.properties";
    private static final String FALLBACK_VERSION = "26.5.6";
    private static final String UNPACKED_MARKER = ".maas-unpacked";

    /** One start at a time in this JVM: a first start writes the distribution's build files (augmentation). */
    private static final ReentrantLock START_LOCK = new ReentrantLock();

    /**
     * How to start Keycloak.
     *
     * @param distribution an explicit distribution folder, or null to search ({@link #locateDistribution})
     * @param unpackDir    where to unpack the zip from the local Maven repository when nothing else is found; null:
     *                     never unpack
     * @param logFile      where Keycloak's output goes; null: {@code keycloak.log} next to the distribution folder
     * @param startTimeout how long to wait for Keycloak to become ready
     * @param workingDir   the folder searched for {@code target/keycloak}; null: the JVM's working directory
     */
    public record Options(Path distribution, Path unpackDir, Path logFile, Duration startTimeout, Path workingDir) {
        public Options {
            startTimeout = startTimeout == null ? Duration.ofSeconds(300) : startTimeout;
        }

        public static Options defaults() {
            return new Options(null, null, null, null, null);
        }

        public Options withDistribution(Path v) {
            return new Options(v, unpackDir, logFile, startTimeout, workingDir);
        }

        public Options withUnpackDir(Path v) {
            return new Options(distribution, v, logFile, startTimeout, workingDir);
        }

        public Options withLogFile(Path v) {
            return new Options(distribution, unpackDir, v, startTimeout, workingDir);
        }

        public Options withStartTimeout(Duration v) {
            return new Options(distribution, unpackDir, logFile, v, workingDir);
        }

        public Options withWorkingDir(Path v) {
            return new Options(distribution, unpackDir, logFile, startTimeout, v);
        }
    }

    private final Process process;
    private final String url;
    private final int httpPort;
    private final int managementPort;
    private final String adminPassword;
    private final Path logFile;
    private final Path home;

    private KeycloakProcess(Process process, Path home, String url, int httpPort, int managementPort,
                            String adminPassword, Path logFile) {
        this.process = process;
        this.home = home;
        this.url = url;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
        this.adminPassword = adminPassword;
        this.logFile = logFile;
    }

    /** Starts Keycloak and returns when it is ready; on failure nothing is left running. */
    public static KeycloakProcess start(Options options) {
        Path home = locateDistribution(options);
        Path log = options.logFile() != null ? options.logFile()
                : home.toAbsolutePath().getParent().resolve("keycloak.log");
        String password = randomPassword();
        SecretRegistry.global().register(password);
        START_LOCK.lock();
        try (FileChannel lockFile = FileChannel.open(home.resolve(".maas-start.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock ignored = lockFile.lock()) {
            // the lock keeps a second JVM from augmenting the same distribution at the same time
            return startLocked(home, log, password, options.startTimeout());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock the Keycloak distribution " + home, e);
        } finally {
            START_LOCK.unlock();
        }
    }

    private static KeycloakProcess startLocked(Path home, Path log, String password, Duration timeout) {
        int httpPort = freePort();
        int managementPort = freePort();
        while (managementPort == httpPort) {
            managementPort = freePort();
        }
        List<String> command = List.of("bash", home.resolve("bin/kc.sh").toString(), "start-dev",
                "--db=dev-mem", "--http-host=127.0.0.1", "--http-port=" + httpPort,
                "--http-management-port=" + managementPort, "--health-enabled=true",
                "--cache=local", "--log-level=INFO",
                // behind the sandbox's router front, as the sso stage's Keycloak CR (spec.proxy.headers) and the
                // legacy operator (PROXY_ADDRESS_FORWARDING, keycloak-operator pkg/model/keycloak_deployment.go)
                // have it behind the router
                "--proxy-headers=xforwarded");
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the folder of " + log, e);
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        Map<String, String> env = builder.environment();
        env.put("JAVA_HOME", javaHomeForKeycloak(System::getProperty, System::getenv).toString());
        env.put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN_USER);
        env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", password);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Keycloak: " + command.get(0) + " " + command.get(1)
                    + " (bash is needed)", e);
        }
        String url = "http://127.0.0.1:" + httpPort;
        KeycloakProcess kc = new KeycloakProcess(process, home, url, httpPort, managementPort, password, log);
        LOG.info("starting Keycloak from {} on {} (management port {}, log {})", home, url, managementPort, log);
        URI ready = URI.create("http://127.0.0.1:" + managementPort + "/health/ready");
        URI discovery = URI.create(url + "/realms/master/.well-known/openid-configuration");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Cancellation exited = new Cancellation();
        process.onExit().thenRun(exited::cancel);
        long t0 = System.nanoTime();
        try {
            Backoff.of(timeout).delays(Duration.ofMillis(500), Duration.ofSeconds(3)).cancellation(exited)
                    .awaitTrue("Keycloak on " + url + " to become ready",
                            () -> status(http, ready) == 200 && status(http, discovery) == 200);
        } catch (CancelledException e) {
            kc.close();
            throw new IllegalStateException("Keycloak exited with code " + process.exitValue() + " while starting;"
                    + " log " + log + ":\n" + tail(log));
        } catch (TimeoutException e) {
            kc.close();
            throw new IllegalStateException(e.getMessage() + "; see " + log + ":\n" + tail(log), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kc.close();
            throw new IllegalStateException("interrupted while starting Keycloak", e);
        } catch (RuntimeException e) {
            kc.close();
            throw e;
        }
        LOG.info("Keycloak ready on {} after {} s", url, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
        return kc;
    }

    // ------------------------------------------------------------------ where the distribution is

    /** {@code -Dmaas.keycloak.java.home=DIR}: the Java that runs Keycloak (its {@code JAVA_HOME}). */
    public static final String JAVA_HOME_PROPERTY = "maas.keycloak.java.home";

    /**
     * The Java that runs Keycloak: {@code -Dmaas.keycloak.java.home}, else this JVM's own when it has the JDK's
     * {@code jdk.jfr} module (a full JDK: what Keycloak's Quarkus needs), else {@code $JAVA_HOME} when set (the
     * packaged app's runtime is cut down to the installer's own modules, without {@code jdk.jfr}), else this JVM's.
     */
    static Path javaHomeForKeycloak(java.util.function.Function<String, String> properties,
                                    java.util.function.Function<String, String> env) {
        String chosen = properties.apply(JAVA_HOME_PROPERTY);
        if (chosen != null && !chosen.isBlank()) {
            return Path.of(chosen.trim());
        }
        Path own = Path.of(properties.apply("java.home"));
        if (java.lang.module.ModuleFinder.ofSystem().find("jdk.jfr").isPresent()) {
            return own;
        }
        String javaHome = env.apply("JAVA_HOME");
        return javaHome != null && !javaHome.isBlank() && Files.isExecutable(Path.of(javaHome, "bin", "java"))
                ? Path.of(javaHome) : own;
    }

    /** The distribution folder (holding {@code bin/kc.sh}) for these options; see the class comment. */
    public static Path locateDistribution(Options options) {
        List<String> tried = new ArrayList<>();
        if (options.distribution() != null) {
            return home(options.distribution()).orElseThrow(() -> new IllegalStateException(
                    "no Keycloak distribution (bin/kc.sh) in " + options.distribution()));
        }
        String property = System.getProperty(DIST_PROPERTY);
        if (property != null && !property.isBlank()) {
            Optional<Path> p = home(Path.of(property));
            if (p.isPresent()) {
                return p.get();
            }
            tried.add(property + " (-D" + DIST_PROPERTY + ")");
        }
        Path workingDir = options.workingDir() != null ? options.workingDir()
                : Path.of(System.getProperty("user.dir"));
        Path target = workingDir.resolve("target/keycloak").toAbsolutePath().normalize();
        Optional<Path> built = home(target);
        if (built.isPresent()) {
            return built.get();
        }
        tried.add(target.toString());
        String version = distributionVersion();
        Path zip = mavenRepository().resolve("org/keycloak/keycloak-quarkus-dist/" + version
                + "/keycloak-quarkus-dist-" + version + ".zip");
        if (options.unpackDir() != null && Files.isRegularFile(zip)) {
            return unpack(zip, options.unpackDir().resolve("keycloak"));
        }
        tried.add(zip + (options.unpackDir() == null ? " (not unpacked here)" : ""));
        throw new IllegalStateException("no Keycloak distribution found; looked in " + String.join(", ", tried)
                + ". Build the project (`./mvnw -q -B package -DskipTests` puts it into target/keycloak), pass -D"
                + DIST_PROPERTY + "=FOLDER, or give an existing Keycloak's URL and admin credentials");
    }

    /** The folder holding bin/kc.sh: {@code dir} itself or its one (newest-named) {@code keycloak-*} child. */
    static Optional<Path> home(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.isRegularFile(abs.resolve("bin/kc.sh"))) {
            return Optional.of(abs);
        }
        if (!Files.isDirectory(abs)) {
            return Optional.empty();
        }
        try (Stream<Path> children = Files.list(abs)) {
            return children.filter(p -> p.getFileName().toString().startsWith("keycloak-"))
                    .filter(p -> Files.isRegularFile(p.resolve("bin/kc.sh"))).max(Path::compareTo);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The keycloak-quarkus-dist version the build was made with (pom property keycloak.server.version). */
    public static String distributionVersion() {
        try (InputStream in = KeycloakProcess.class.getClassLoader().getResourceAsStream(VERSION_RESOURCE)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version", "").trim();
                if (!v.isEmpty() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // fall back
        }
        return FALLBACK_VERSION;
    }

    private static Path mavenRepository() {
        String local = System.getProperty("maven.repo.local");
        if (local != null && !local.isBlank()) {
            return Path.of(local);
        }
        return Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    /** Unpacks the zip into {@code into} once (a marker file says it is complete); returns the distribution. */
    static Path unpack(Path zip, Path into) {
        Optional<Path> done = home(into).filter(h -> Files.exists(into.resolve(UNPACKED_MARKER)));
        if (done.isPresent()) {
            return done.get();
        }
        long t0 = System.nanoTime();
        LOG.info("unpacking {} into {}", zip, into);
        Path root = into.toAbsolutePath().normalize();
        try {
            Files.createDirectories(root);
            try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
                for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    Path out = root.resolve(e.getName()).normalize();
                    if (!out.startsWith(root)) {
                        throw new IOException("zip entry outside the target folder: " + e.getName());
                    }
                    if (e.isDirectory()) {
                        Files.createDirectories(out);
                    } else {
                        Files.createDirectories(out.getParent());
                        Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                        if (out.getFileName().toString().endsWith(".sh")) {
                            out.toFile().setExecutable(true, true);
                        }
                    }
                }
            }
            Files.writeString(root.resolve(UNPACKED_MARKER), zip.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack " + zip + " into " + root, e);
        }
        LOG.info("unpacked Keycloak in {} s", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
        return home(root).orElseThrow(() -> new IllegalStateException("no bin/kc.sh in " + zip));
    }

    // ------------------------------------------------------------------ the running server

    /** The base URL, e.g. {@code http://127.0.0.1:41234} (Keycloak 17+: no {@code /auth}). */
    public String url() {
        return url;
    }

    public String adminUser() {
        return ADMIN_USER;
    }

    /** The master-realm admin's password. A credential: never log it. */
    public String adminPassword() {
        return adminPassword;
    }

    public int httpPort() {
        return httpPort;
    }

    public int managementPort() {
        return managementPort;
    }

    public Path logFile() {
        return logFile;
    }

    public Path distribution() {
        return home;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Stops Keycloak and every process it started (SIGTERM, then SIGKILL after 20 s); waits for them to exit. */
    @Override
    public synchronized void close() {
        List<ProcessHandle> children = process.descendants().toList();
        if (!process.isAlive() && children.stream().noneMatch(ProcessHandle::isAlive)) {
            return;
        }
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            for (ProcessHandle child : children) {
                try {
                    child.onExit().get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    child.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
        }
        LOG.info("Keycloak on {} stopped", url);
    }

    @Override
    public String toString() {
        return "Keycloak " + url + " (admin " + ADMIN_USER + ", from " + home + ")";
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
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
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
}
