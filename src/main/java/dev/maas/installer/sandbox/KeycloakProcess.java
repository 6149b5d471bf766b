package dev.maas.installer.sandbox;

import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.files.PrivateFiles;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.engine.wait.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
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
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
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
 * A real Keycloak server run as a child process, of one of two {@link Generation generations}:
 * <ul>
 *   <li>{@link Generation#QUARKUS}: Keycloak 26 from {@code org.keycloak:keycloak-quarkus-dist}, what the Red Hat
 *       build of Keycloak runs (no context root). Built once ({@code bin/kc.sh build} {@value #BUILD_OPTIONS}, a
 *       marker file in the distribution remembers it), then started {@code --optimized} in production mode with
 *       a local cache, HTTP on 127.0.0.1 and its H2 database file in the data folder;</li>
 *   <li>{@link Generation#WILDFLY}: the legacy, WildFly-based Keycloak 18 from
 *       {@code org.keycloak:keycloak-server-dist}, what RH-SSO 7.6 is built on (everything under {@code /auth}):
 *       {@code bin/standalone.sh} bound to 127.0.0.1, every port shifted by a free
 *       {@code jboss.socket.binding.port-offset}, its server folder ({@code jboss.server.base.dir}: configuration,
 *       the H2 database in {@code data/}, logs) in the data folder.</li>
 * </ul>
 * Both run with {@value #QUICK_START_JVM} ({@code JAVA_OPTS_APPEND}, {@code JBOSS_JAVA_SIZING}) and get a master-realm
 * admin {@value #ADMIN_USER} with a random password (registered with
 * {@link SecretRegistry#global()}; Keycloak 26 through {@code KC_BOOTSTRAP_ADMIN_*}, Keycloak 18 through the
 * {@code keycloak-add-user.json} file that {@code add-user-keycloak.sh} would write, holding only a PBKDF2 hash).
 * {@link #start(Options)} returns once Keycloak is ready (bounded backoff on the master realm's discovery document,
 * and on Keycloak 26 also {@code /health/ready} on the management port); {@link #close()} stops it and its child
 * processes.
 *
 * <p>The data folder ({@link Options#dataDir()}): given, it is kept, so the next start resumes the same realms, and
 * it also holds the admin password ({@value #ADMIN_PASSWORD_FILE}, mode 0600) so that the admin made at the first
 * start still signs in, and the ports it listened on ({@value #PORTS_FILE}), taken again when they are free so that
 * its URL (and the issuer URLs of its realms) stay the same; not given, a fresh folder next to the distribution is
 * used and deleted on close.
 *
 * <p>Where the distribution comes from ({@link #locateDistribution(Options)}), first match wins:
 * <ol>
 *   <li>{@link Options#distribution()}, an explicit path;</li>
 *   <li>the system property {@value #DIST_PROPERTY} ({@value #LEGACY_DIST_PROPERTY} for the legacy generation);</li>
 *   <li>{@code <working dir>/target/keycloak/keycloak-*} ({@code target/keycloak-legacy} for the legacy
 *       generation; the build unpacks them there, see pom.xml {@code unpack-keycloak}, {@code unpack-keycloak-legacy});
 *   </li>
 *   <li>the zip in the local Maven repository ({@link MavenLocalRepository}: {@code -Dmaven.repo.local}, the
 *       {@code localRepository} of {@code $HOME/.m2/settings.xml}, else
 *       {@code $HOME/.m2/repository/org/keycloak/<artifact>/<version>/<artifact>-<version>.zip},
 *       {@link #distributionVersion(Generation)}), unpacked into {@link Options#unpackDir()};</li>
 *   <li>for Keycloak 26, the zip {@link KeycloakDownload} fetched into the user's data folder, unpacked the same
 *       way.</li>
 * </ol>
 * A path may name the folder holding the start script or a folder containing one {@code keycloak-*} folder.
 */
public final class KeycloakProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KeycloakProcess.class);

    public static final String DIST_PROPERTY = "maas.keycloak.dist";
    public static final String LEGACY_DIST_PROPERTY = "maas.keycloak.legacy.dist";
    /**
     * The bootstrap admin. Not plain "admin": the sso stage registers every value of the credentials Secret as a
     * secret, and a common word would then be masked in every message of the process.
     */
    public static final String ADMIN_USER = "maas-kc-admin";
    /** In a kept data folder: the admin's password (mode 0600), so that a resumed Keycloak keeps its admin. */
    public static final String ADMIN_PASSWORD_FILE = "admin-password";
    /** In a kept data folder: the ports Keycloak listened on (see {@link #keptPorts}). */
    static final String PORTS_FILE = "ports";
    /** The build-time options of Keycloak 26's {@code kc.sh build}, remembered in {@value #BUILD_MARKER}. */
    static final String BUILD_OPTIONS = "--db=dev-file --health-enabled=true";
    static final String BUILD_MARKER = ".maas-build";
    /** Kept in sync with the pom properties {@code keycloak.server.version}, {@code keycloak.legacy.server.version}. */
    private static final String VERSION_RESOURCE = "dev/maas/installer/sandbox/keycloak-dist.properties";
    private static final String UNPACKED_MARKER = ".maas-unpacked";
    /**
     * The JIT compiles with C1 only: Keycloak starts about twice as fast on two busy cores (the C2 compiler threads
     * no longer compete with the start), and the sandbox and the tests need no peak throughput.
     */
    static final String QUICK_START_JVM = "-XX:TieredStopAtLevel=1";
    /** Keycloak 18's socket bindings (standalone.xml) that {@code jboss.socket.binding.port-offset} shifts. */
    private static final int[] LEGACY_PORTS = {8080, 8443, 9990, 9993, 8009, 4712, 4713};

    /** One start at a time in this JVM: a first start of Keycloak 26 builds the distribution (augmentation). */
    private static final ReentrantLock START_LOCK = new ReentrantLock();

    /** Which Keycloak. */
    public enum Generation {
        /** Keycloak 26 on Quarkus ({@code keycloak-quarkus-dist}): the Red Hat build of Keycloak's generation. */
        QUARKUS("keycloak-quarkus-dist", "version", "26.5.6", "target/keycloak", "bin/kc.sh", DIST_PROPERTY, ""),
        /**
         * Keycloak 18 on WildFly ({@code keycloak-server-dist}), the "legacy" distribution RH-SSO 7.6 is built on:
         * served under {@code /auth}.
         */
        WILDFLY("keycloak-server-dist", "legacyVersion", "18.0.2", "target/keycloak-legacy", "bin/standalone.sh",
                LEGACY_DIST_PROPERTY, "/auth");

        private final String artifact;
        private final String versionKey;
        private final String fallbackVersion;
        private final String buildFolder;
        private final String script;
        private final String property;
        private final String contextRoot;

        Generation(String artifact, String versionKey, String fallbackVersion, String buildFolder, String script,
                   String property, String contextRoot) {
            this.artifact = artifact;
            this.versionKey = versionKey;
            this.fallbackVersion = fallbackVersion;
            this.buildFolder = buildFolder;
            this.script = script;
            this.property = property;
            this.contextRoot = contextRoot;
        }

        /** The Maven artifact id of its distribution (group {@code org.keycloak}, type zip). */
        public String artifact() { return artifact; }

        /** The start script, relative to the distribution folder. */
        public String script() { return script; }

        /** {@code "/auth"} for Keycloak 18, {@code ""} for Keycloak 26. */
        public String contextRoot() { return contextRoot; }

        /** The folder under the working directory the build unpacks it into. */
        public String buildFolder() { return buildFolder; }

        /** The system property that names its distribution folder. */
        public String distProperty() { return property; }
    }

    /**
     * How to start Keycloak.
     *
     * @param distribution  an explicit distribution folder, or null to search ({@link #locateDistribution})
     * @param unpackDir     where to unpack the zip from the local Maven repository when nothing else is found; null:
     *                      never unpack
     * @param logFile       where Keycloak's output goes; null: {@code keycloak.log} next to the distribution folder
     * @param startTimeout  how long to wait for Keycloak to become ready (and, once, for its build)
     * @param workingDir    the folder searched for {@code target/keycloak}; null: the JVM's working directory
     * @param generation    which Keycloak; null: {@link Generation#QUARKUS}
     * @param dataDir       the folder of its data, kept between starts; null: a fresh one, deleted on close
     */
    public record Options(Path distribution, Path unpackDir, Path logFile, Duration startTimeout, Path workingDir,
                          Generation generation, Path dataDir) {
        public Options {
            startTimeout = startTimeout == null ? Duration.ofSeconds(300) : startTimeout;
            generation = generation == null ? Generation.QUARKUS : generation;
        }

        public Options(Path distribution, Path unpackDir, Path logFile, Duration startTimeout, Path workingDir) {
            this(distribution, unpackDir, logFile, startTimeout, workingDir, null, null);
        }

        public static Options defaults() {
            return new Options(null, null, null, null, null, null, null);
        }

        public Options withDistribution(Path v) {
            return new Options(v, unpackDir, logFile, startTimeout, workingDir, generation, dataDir);
        }

        public Options withUnpackDir(Path v) {
            return new Options(distribution, v, logFile, startTimeout, workingDir, generation, dataDir);
        }

        public Options withLogFile(Path v) {
            return new Options(distribution, unpackDir, v, startTimeout, workingDir, generation, dataDir);
        }

        public Options withStartTimeout(Duration v) {
            return new Options(distribution, unpackDir, logFile, v, workingDir, generation, dataDir);
        }

        public Options withWorkingDir(Path v) {
            return new Options(distribution, unpackDir, logFile, startTimeout, v, generation, dataDir);
        }

        public Options withGeneration(Generation v) {
            return new Options(distribution, unpackDir, logFile, startTimeout, workingDir, v, dataDir);
        }

        public Options withDataDir(Path v) {
            return new Options(distribution, unpackDir, logFile, startTimeout, workingDir, generation, v);
        }
    }

    private final Process process;
    private final Generation generation;
    private final String url;
    private final int httpPort;
    private final int managementPort;
    private final String adminPassword;
    private final Path logFile;
    private final Path home;
    private final Path dataDir;
    private final boolean ephemeralData;
    private final Thread stopOnExit;

    private KeycloakProcess(Process process, Generation generation, Path home, String url, int httpPort,
                            int managementPort, String adminPassword, Path logFile, Path dataDir,
                            boolean ephemeralData) {
        this.process = process;
        this.generation = generation;
        this.home = home;
        this.url = url;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
        this.adminPassword = adminPassword;
        this.logFile = logFile;
        this.dataDir = dataDir;
        this.ephemeralData = ephemeralData;
        this.stopOnExit = ChildProcesses.endWithThisJvm(process, "keycloak");
    }

    /** Starts Keycloak and returns when it is ready; on failure nothing is left running. */
    public static KeycloakProcess start(Options options) {
        Path home = locateDistribution(options);
        Path log = options.logFile() != null ? options.logFile()
                : home.toAbsolutePath().getParent().resolve("keycloak.log");
        boolean ephemeral = options.dataDir() == null;
        START_LOCK.lock();
        try (FileChannel lockFile = FileChannel.open(home.resolve(".maas-start.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock ignored = lockFile.lock()) {
            // the lock keeps a second JVM from building the same distribution at the same time
            Path data = ephemeral ? Files.createTempDirectory(home.toAbsolutePath().getParent(), "keycloak-data-")
                    : PrivateFiles.directory(options.dataDir().toAbsolutePath().normalize());
            String password = adminPassword(data, ephemeral);
            SecretRegistry.global().register(password);
            try {
                return startLocked(options.generation(), home, log, data, ephemeral, password,
                        options.startTimeout());
            } catch (RuntimeException e) {
                if (ephemeral) {
                    deleteTree(data);
                }
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the Keycloak distribution " + home + " or its data folder", e);
        } finally {
            START_LOCK.unlock();
        }
    }

    /** A kept data folder's admin password (made at its first start), or a new random one. */
    private static String adminPassword(Path data, boolean ephemeral) throws IOException {
        if (ephemeral) {
            return randomPassword();
        }
        Path file = data.resolve(ADMIN_PASSWORD_FILE);
        if (Files.isRegularFile(file)) {
            String kept = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (!kept.isEmpty()) {
                return kept;
            }
        }
        String password = randomPassword();
        PrivateFiles.replace(file, (password + "\n").getBytes(StandardCharsets.UTF_8));
        return password;
    }

    private static KeycloakProcess startLocked(Generation generation, Path home, Path log, Path data, boolean ephemeral,
                                               String password, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the folder of " + log, e);
        }
        Map<String, String> env = new java.util.HashMap<>();
        env.put("JAVA_HOME", javaHomeForKeycloak(System::getProperty, System::getenv).toString());
        List<String> command;
        int httpPort;
        int managementPort;
        if (generation == Generation.QUARKUS) {
            build(home, log, env, deadline);
            deadline = System.nanoTime() + timeout.toNanos(); // a first build does not eat into the start's time
            int[] kept = ephemeral ? null : keptPorts(data);
            if (kept != null && kept.length == 2 && kept[0] != kept[1] && portFree(kept[0]) && portFree(kept[1])) {
                httpPort = kept[0];
                managementPort = kept[1];
            } else {
                httpPort = freeStablePort(-1);
                managementPort = freeStablePort(httpPort);
            }
            if (!ephemeral) {
                keepPorts(data, httpPort, managementPort);
            }
            command = List.of("bash", home.resolve(generation.script()).toString(), "start", "--optimized",
                    "--cache=local", "--http-enabled=true", "--hostname-strict=false", "--http-host=127.0.0.1",
                    "--http-port=" + httpPort, "--http-management-port=" + managementPort,
                    "--db-url=" + h2Url(data), "--log-level=INFO",
                    // behind the sandbox's router front, as the sso stage's Keycloak CR has it behind the router
                    // (spec.proxy.headers: xforwarded)
                    "--proxy-headers=xforwarded");
            env.put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN_USER);
            env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", password);
            // kc.sh appends JAVA_OPTS_APPEND to its JVM options
            String append = System.getenv("JAVA_OPTS_APPEND");
            env.put("JAVA_OPTS_APPEND", (append == null || append.isBlank() ? "" : append + " ") + QUICK_START_JVM);
        } else {
            Path base = legacyServerFolder(home, data, password);
            int[] kept = ephemeral ? null : keptPorts(data);
            int offset = kept != null && kept.length == 1 && legacyOffsetFree(kept[0]) ? kept[0] : freeLegacyOffset();
            if (!ephemeral) {
                keepPorts(data, offset);
            }
            httpPort = 8080 + offset;
            managementPort = 9990 + offset;
            command = List.of("bash", home.resolve(generation.script()).toString(), "-b", "127.0.0.1",
                    "-bmanagement", "127.0.0.1", "-Djboss.socket.binding.port-offset=" + offset,
                    "-Djboss.server.base.dir=" + base);
            // standalone.conf's default JBOSS_JAVA_SIZING, and the quick start
            env.put("JBOSS_JAVA_SIZING", "-Xms64m -Xmx512m -XX:MetaspaceSize=96M -XX:MaxMetaspaceSize=256m "
                    + QUICK_START_JVM);
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Keycloak: " + command.get(0) + " " + command.get(1)
                    + " (bash is needed)", e);
        }
        String root = "http://127.0.0.1:" + httpPort;
        String url = root + generation.contextRoot();
        KeycloakProcess kc = new KeycloakProcess(process, generation, home, url, httpPort, managementPort, password,
                log, data, ephemeral);
        LOG.info("starting Keycloak from {} on {} (management port {}, data {}, log {})", home, url, managementPort,
                data, log);
        URI discovery = URI.create(url + "/realms/master/.well-known/openid-configuration");
        URI ready = generation == Generation.QUARKUS
                ? URI.create("http://127.0.0.1:" + managementPort + "/health/ready") : discovery;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Cancellation exited = new Cancellation();
        process.onExit().thenRun(exited::cancel);
        long t0 = System.nanoTime();
        try {
            Backoff.of(Duration.ofNanos(Math.max(0, deadline - t0))).delays(Duration.ofMillis(200),
                            Duration.ofMillis(500)).cancellation(exited)
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
        LOG.info("Keycloak ready on {} after {} ms", url, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return kc;
    }

    // ------------------------------------------------------------------ Keycloak 26: build once

    /**
     * Runs {@code kc.sh build} with {@value #BUILD_OPTIONS} unless the distribution was built with them already
     * (marker {@value #BUILD_MARKER}); its output goes to the log.
     */
    static void build(Path home, Path log, Map<String, String> env, long deadline) {
        Path marker = home.resolve(BUILD_MARKER);
        try {
            if (Files.isRegularFile(marker) && Files.readString(marker, StandardCharsets.UTF_8).trim()
                    .equals(BUILD_OPTIONS)) {
                return;
            }
        } catch (IOException e) {
            // build again
        }
        List<String> command = new ArrayList<>(List.of("bash", home.resolve(Generation.QUARKUS.script()).toString(),
                "build"));
        command.addAll(List.of(BUILD_OPTIONS.split(" ")));
        LOG.info("building Keycloak in {} ({}), once", home, BUILD_OPTIONS);
        long t0 = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        Process p;
        try {
            p = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not build Keycloak: " + String.join(" ", command), e);
        }
        Thread stopOnExit = ChildProcesses.endWithThisJvm(p, "keycloak-build");
        try {
            if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IllegalStateException("building Keycloak (kc.sh build) did not finish in time; see " + log
                        + ":\n" + tail(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IllegalStateException("interrupted while building Keycloak", e);
        } finally {
            ChildProcesses.forget(stopOnExit);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("building Keycloak (kc.sh build " + BUILD_OPTIONS + ") failed with code "
                    + p.exitValue() + "; see " + log + ":\n" + tail(log));
        }
        try {
            Files.writeString(marker, BUILD_OPTIONS + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + marker, e);
        }
        LOG.info("built Keycloak in {} s", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
    }

    /** The H2 database file of Keycloak 26 in the data folder. */
    static String h2Url(Path data) {
        String path = data.resolve("keycloakdb").toString();
        if (path.contains(";")) {
            throw new IllegalArgumentException("the Keycloak data folder " + data + " contains ';', which a JDBC URL"
                    + " cannot hold: choose a folder without it");
        }
        return "jdbc:h2:file:" + path + ";NON_KEYWORDS=VALUE;DB_CLOSE_ON_EXIT=FALSE";
    }

    // ------------------------------------------------------------------ Keycloak 18 (WildFly)

    /**
     * The server folder ({@code jboss.server.base.dir}) of a legacy Keycloak in the data folder: a copy of the
     * distribution's {@code standalone/} on first use, with the admin to import at the first boot
     * ({@code configuration/keycloak-add-user.json}, the file {@code add-user-keycloak.sh} writes; Keycloak reads and
     * deletes it).
     */
    static Path legacyServerFolder(Path home, Path data, String password) {
        Path base = data.resolve("standalone");
        try {
            if (!Files.isRegularFile(base.resolve("configuration/standalone.xml"))) {
                copyTree(home.resolve("standalone"), base);
            }
            forwardProxyAddress(base.resolve("configuration/standalone.xml"));
            boolean fresh;
            try (Stream<Path> db = Files.exists(base.resolve("data")) ? Files.list(base.resolve("data"))
                    : Stream.empty()) {
                fresh = db.noneMatch(p -> p.getFileName().toString().startsWith("keycloak."));
            }
            if (fresh) {
                PrivateFiles.replace(base.resolve("configuration/keycloak-add-user.json"),
                        addUserJson(ADMIN_USER, password).getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the Keycloak server folder " + base, e);
        }
        return base;
    }

    /**
     * Makes Undertow's default HTTP listener trust the router's forwarded headers ({@code proxy-address-forwarding}),
     * as the legacy operator's Keycloak has it behind the router (keycloak-operator
     * pkg/model/keycloak_deployment.go sets {@code PROXY_ADDRESS_FORWARDING=true}, which the image writes on that
     * listener).
     */
    static void forwardProxyAddress(Path standaloneXml) throws IOException {
        if (!Files.isRegularFile(standaloneXml)) {
            return;
        }
        String xml = Files.readString(standaloneXml, StandardCharsets.UTF_8);
        if (xml.contains("proxy-address-forwarding=")) {
            return;
        }
        String changed = xml.replaceFirst("<http-listener name=\"default\"",
                "<http-listener name=\"default\" proxy-address-forwarding=\"true\"");
        if (!changed.equals(xml)) {
            Files.writeString(standaloneXml, changed, StandardCharsets.UTF_8);
        }
    }

    /**
     * The master-realm admin as {@code add-user-keycloak.sh -r master -u USER} writes it (keycloak 18.0.2,
     * {@code org.keycloak.wildfly.adduser.AddUser}): a pbkdf2-sha256 hash (27,500 iterations, Keycloak's default for
     * that algorithm, 512-bit key, 16-byte salt) and the realm role {@code admin}. The password itself is never
     * written.
     */
    static String addUserJson(String user, String password) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        int iterations = 27_500;
        byte[] hash;
        try {
            hash = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 512)).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
        }
        Base64.Encoder b64 = Base64.getEncoder();
        String secretData = "{\\\"value\\\":\\\"" + b64.encodeToString(hash) + "\\\",\\\"salt\\\":\\\""
                + b64.encodeToString(salt) + "\\\",\\\"additionalParameters\\\":{}}";
        String credentialData = "{\\\"hashIterations\\\":" + iterations
                + ",\\\"algorithm\\\":\\\"pbkdf2-sha256\\\",\\\"additionalParameters\\\":{}}";
        return "[ {\n  \"realm\" : \"master\",\n  \"users\" : [ {\n    \"username\" : \"" + user + "\",\n"
                + "    \"enabled\" : true,\n    \"credentials\" : [ {\n      \"type\" : \"password\",\n"
                + "      \"secretData\" : \"" + secretData + "\",\n      \"credentialData\" : \"" + credentialData
                + "\"\n    } ],\n    \"realmRoles\" : [ \"admin\" ]\n  } ]\n} ]\n";
    }

    /**
     * A port offset that leaves every socket binding of Keycloak 18 on a free port of 127.0.0.1, all of them below
     * Linux's default range of ephemeral ports (32768 and up, {@code net.ipv4.ip_local_port_range}): the kernel hands
     * those to outgoing connections, so a kept offset there could find one of its ports taken when the sandbox
     * resumes, and Keycloak would have to move (and with it the issuer URLs a configuration names).
     */
    static int freeLegacyOffset() {
        int highest = java.util.Arrays.stream(LEGACY_PORTS).max().orElseThrow();
        return belowEphemeral(highest, KeycloakProcess::legacyOffsetFree, "no free range of ports on 127.0.0.1 for"
                + " Keycloak 18");
    }

    /**
     * A random number from 10,000 such that it plus {@code reach} stays below Linux's ephemeral ports (32768), for
     * which {@code free} holds; 200 tries.
     */
    private static int belowEphemeral(int reach, java.util.function.IntPredicate free, String none) {
        SecureRandom random = new SecureRandom();
        for (int attempt = 0; attempt < 200; attempt++) {
            int n = 10_000 + random.nextInt(32_768 - 10_000 - reach);
            if (free.test(n)) {
                return n;
            }
        }
        throw new IllegalStateException(none);
    }

    /**
     * A free port of 127.0.0.1 (not {@code other}) below Linux's default range of ephemeral ports, for Keycloak 26's
     * HTTP and management ports, which a sandbox keeps: for the reason of {@link #freeLegacyOffset()}.
     */
    static int freeStablePort(int other) {
        return belowEphemeral(0, port -> port != other && portFree(port), "no free port on 127.0.0.1 for Keycloak");
    }

    private static boolean legacyOffsetFree(int offset) {
        for (int p : LEGACY_PORTS) {
            if (!portFree(p + offset)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The ports a kept data folder's Keycloak listened on ({@value #PORTS_FILE}: its HTTP and management ports, or
     * Keycloak 18's port offset), so that a resumed Keycloak keeps its URL, and with it the issuer URLs of its
     * realms that a configuration names; null when there are none.
     */
    private static int[] keptPorts(Path data) {
        Path file = data.resolve(PORTS_FILE);
        try {
            if (!Files.isRegularFile(file)) {
                return null;
            }
            String[] parts = Files.readString(file, StandardCharsets.UTF_8).trim().split("\\s+");
            int[] ports = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                ports[i] = Integer.parseInt(parts[i]);
            }
            return ports;
        } catch (IOException | NumberFormatException e) {
            return null; // new ports
        }
    }

    private static void keepPorts(Path data, int... ports) {
        StringBuilder b = new StringBuilder();
        for (int p : ports) {
            b.append(b.length() == 0 ? "" : " ").append(p);
        }
        try {
            PrivateFiles.replace(data.resolve(PORTS_FILE), (b + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.warn("cannot keep Keycloak's ports in {}: {}", data, e.toString());
        }
    }

    private static boolean portFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort() == port;
        } catch (IOException e) {
            return false;
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.debug("cannot delete {}: {}", p, e.toString());
                }
            });
        } catch (IOException e) {
            LOG.debug("cannot delete {}: {}", dir, e.toString());
        }
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

    /** The distribution folder (holding the generation's start script) for these options; see the class comment. */
    public static Path locateDistribution(Options options) {
        Generation g = options.generation();
        List<String> tried = new ArrayList<>();
        if (options.distribution() != null) {
            return home(options.distribution(), g).orElseThrow(() -> new IllegalStateException(
                    "no Keycloak distribution (" + g.script() + ") in " + options.distribution()));
        }
        String property = System.getProperty(g.distProperty());
        if (property != null && !property.isBlank()) {
            Optional<Path> p = home(Path.of(property), g);
            if (p.isPresent()) {
                return p.get();
            }
            tried.add(property + " (-D" + g.distProperty() + ")");
        }
        Path workingDir = options.workingDir() != null ? options.workingDir()
                : Path.of(System.getProperty("user.dir"));
        Path target = workingDir.resolve(g.buildFolder()).toAbsolutePath().normalize();
        Optional<Path> built = home(target, g);
        if (built.isPresent()) {
            return built.get();
        }
        tried.add(target.toString());
        String version = distributionVersion(g);
        Path zip = mavenRepository().resolve("org/keycloak/" + g.artifact() + "/" + version + "/" + g.artifact()
                + "-" + version + ".zip");
        if (options.unpackDir() != null && Files.isRegularFile(zip)) {
            return unpack(zip, options.unpackDir().resolve(g == Generation.QUARKUS ? "keycloak" : "keycloak-legacy"),
                    g);
        }
        tried.add(zip + (options.unpackDir() == null ? " (not unpacked here)" : ""));
        if (g == Generation.QUARKUS) {
            Optional<Path> downloaded = KeycloakDownload.cachedZip();
            if (options.unpackDir() != null && downloaded.isPresent()) {
                return unpack(downloaded.get(), options.unpackDir().resolve("keycloak"), g);
            }
            tried.add(KeycloakDownload.cacheRoot(System::getenv).resolve(version) + " (the download cache)");
        }
        throw new IllegalStateException("no Keycloak distribution found (" + g.artifact() + " " + version + "); looked in "
                + String.join(", ", tried) + ". Download it once with `maas-installer sandbox --download-keycloak`"
                + " (the wizard offers the same), pass -D" + g.distProperty() + "=FOLDER, or give an existing"
                + " Keycloak's URL and admin credentials");
    }

    /**
     * Whether a distribution of that generation is at hand without a download: what
     * {@link #locateDistribution(Options)} would find (an unpacked folder, the Maven repository's zip, the download
     * cache), nothing unpacked or started.
     */
    public static boolean distributionAtHand(Generation generation, Path workingDir) {
        Generation g = generation == null ? Generation.QUARKUS : generation;
        String property = System.getProperty(g.distProperty());
        if (property != null && !property.isBlank() && home(Path.of(property), g).isPresent()) {
            return true;
        }
        Path wd = workingDir != null ? workingDir : Path.of(System.getProperty("user.dir"));
        if (home(wd.resolve(g.buildFolder()), g).isPresent()) {
            return true;
        }
        String version = distributionVersion(g);
        if (Files.isRegularFile(mavenRepository().resolve("org/keycloak/" + g.artifact() + "/" + version + "/"
                + g.artifact() + "-" + version + ".zip"))) {
            return true;
        }
        return g == Generation.QUARKUS && KeycloakDownload.cachedZip().isPresent();
    }

    /** The folder holding bin/kc.sh: {@code dir} itself or its one (newest-named) {@code keycloak-*} child. */
    static Optional<Path> home(Path dir) {
        return home(dir, Generation.QUARKUS);
    }

    /** The folder holding the generation's start script: {@code dir} or its (newest-named) {@code keycloak-*} child. */
    static Optional<Path> home(Path dir, Generation g) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.isRegularFile(abs.resolve(g.script()))) {
            return Optional.of(abs);
        }
        if (!Files.isDirectory(abs)) {
            return Optional.empty();
        }
        try (Stream<Path> children = Files.list(abs)) {
            return children.filter(p -> p.getFileName().toString().startsWith("keycloak-"))
                    .filter(p -> Files.isRegularFile(p.resolve(g.script()))).max(Path::compareTo);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The keycloak-quarkus-dist version the build was made with (pom property keycloak.server.version). */
    public static String distributionVersion() {
        return distributionVersion(Generation.QUARKUS);
    }

    /** The distribution version of that generation the build was made with (pom properties). */
    public static String distributionVersion(Generation g) {
        try (InputStream in = KeycloakProcess.class.getClassLoader().getResourceAsStream(VERSION_RESOURCE)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty(g.versionKey, "").trim();
                if (!v.isEmpty() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // fall back
        }
        return g.fallbackVersion;
    }

    /** The local Maven repository by Maven's rule, in the home {@code $HOME} names ({@link MavenLocalRepository}). */
    private static Path mavenRepository() {
        return MavenLocalRepository.ofThisProcess();
    }

    /** Unpacks the zip into {@code into} once (a marker file says it is complete); returns the distribution. */
    static Path unpack(Path zip, Path into) {
        return unpack(zip, into, Generation.QUARKUS);
    }

    static Path unpack(Path zip, Path into, Generation g) {
        Optional<Path> done = home(into, g).filter(h -> Files.exists(into.resolve(UNPACKED_MARKER)));
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
        return home(root, g).orElseThrow(() -> new IllegalStateException("no " + g.script() + " in " + zip));
    }

    // ------------------------------------------------------------------ the running server

    /**
     * The server URL clients use, e.g. {@code http://127.0.0.1:41234} (Keycloak 26) or
     * {@code http://127.0.0.1:41234/auth} (Keycloak 18).
     */
    public String url() {
        return url;
    }

    /** The server's root, without the context root: {@code http://127.0.0.1:41234}. */
    public String rootUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public Generation generation() {
        return generation;
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

    /** The folder of its data (kept unless it was made for this run). */
    public Path dataDir() {
        return dataDir;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Stops Keycloak and every process it started (SIGTERM, then SIGKILL after 20 s); waits for them to exit. A
     * data folder made for this run is deleted.
     */
    @Override
    public synchronized void close() {
        List<ProcessHandle> children = process.descendants().toList();
        if (process.isAlive() || children.stream().anyMatch(ProcessHandle::isAlive)) {
            process.destroy();
            children.forEach(ProcessHandle::destroy);
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
                for (ProcessHandle child : children) {
                    try {
                        child.onExit().get(20, TimeUnit.SECONDS);
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
        ChildProcesses.forget(stopOnExit);
        if (ephemeralData) {
            deleteTree(dataDir);
        }
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
