package dev.maas.installer.sandbox;

import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * KeycloakProcess without a real Keycloak: where the distribution is found, the unpack from the local Maven
 * repository, and what happens when the server exits or never gets ready (fake {@code bin/kc.sh} scripts). The real
 * start is tested by CliSandboxKeycloakTest and every test that uses the KeycloakServer harness.
 */
@StartsKeycloak
@StartsSandbox
class KeycloakProcessTest {
    @TempDir
    Path tmp;

    private String savedDist;
    private String savedLegacyDist;
    private String savedRepo;

    @BeforeEach
    void clearProperties() {
        savedDist = System.clearProperty(KeycloakProcess.DIST_PROPERTY);
        savedLegacyDist = System.clearProperty(KeycloakProcess.LEGACY_DIST_PROPERTY);
        savedRepo = System.getProperty("maven.repo.local");
        System.setProperty("maven.repo.local", tmp.resolve("m2").toString());
    }

    @AfterEach
    void restoreProperties() {
        restore(KeycloakProcess.DIST_PROPERTY, savedDist);
        restore(KeycloakProcess.LEGACY_DIST_PROPERTY, savedLegacyDist);
        restore("maven.repo.local", savedRepo);
    }

    private static void restore(String name, String value) {
        if (value == null) {
            System.clearProperty(name);
        } else {
            System.setProperty(name, value);
        }
    }

    private static Path fakeDistribution(Path dir, String script) throws IOException {
        Files.createDirectories(dir.resolve("bin"));
        Files.writeString(dir.resolve("bin/kc.sh"), "#!/bin/bash\n" + script + "\n");
        return dir;
    }

    /** A fake distribution that counts as built already (the marker of `kc.sh build` with our options). */
    private static Path builtFakeDistribution(Path dir, String script) throws IOException {
        fakeDistribution(dir, script);
        Files.writeString(dir.resolve(KeycloakProcess.BUILD_MARKER), KeycloakProcess.BUILD_OPTIONS + "\n");
        return dir;
    }

    @Test
    void theVersionIsThePomProperty() throws IOException {
        Matcher m = Pattern.compile("<keycloak\\.server\\.version>([^<]+)</keycloak\\.server\\.version>")
                .matcher(Files.readString(Path.of("pom.xml")));
        assertThat(m.find()).isTrue();
        assertThat(KeycloakProcess.distributionVersion()).isEqualTo(m.group(1));
    }

    @Test
    void findsTheDistributionInOrder() throws IOException {
        Path explicit = fakeDistribution(tmp.resolve("explicit/keycloak-1.0"), "exit 0");
        Path byProperty = fakeDistribution(tmp.resolve("prop/keycloak-2.0"), "exit 0");
        Path work = tmp.resolve("work");
        Path built = fakeDistribution(work.resolve("target/keycloak/keycloak-3.0"), "exit 0");
        KeycloakProcess.Options options = KeycloakProcess.Options.defaults().withWorkingDir(work);

        assertThat(KeycloakProcess.locateDistribution(options.withDistribution(tmp.resolve("explicit"))))
                .isEqualTo(explicit);
        assertThat(KeycloakProcess.locateDistribution(options.withDistribution(explicit))).isEqualTo(explicit);
        assertThatThrownBy(() -> KeycloakProcess.locateDistribution(options.withDistribution(tmp.resolve("none"))))
                .hasMessageContaining("no Keycloak distribution (bin/kc.sh) in");

        System.setProperty(KeycloakProcess.DIST_PROPERTY, tmp.resolve("prop").toString());
        assertThat(KeycloakProcess.locateDistribution(options)).isEqualTo(byProperty);
        System.setProperty(KeycloakProcess.DIST_PROPERTY, tmp.resolve("nothing-here").toString());
        assertThat(KeycloakProcess.locateDistribution(options)).isEqualTo(built);
        System.clearProperty(KeycloakProcess.DIST_PROPERTY);
        assertThat(KeycloakProcess.locateDistribution(options)).isEqualTo(built);

        assertThatThrownBy(() -> KeycloakProcess.locateDistribution(options.withWorkingDir(tmp.resolve("empty"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no Keycloak distribution found")
                .hasMessageContaining(tmp.resolve("empty/target/keycloak").toString())
                .hasMessageContaining("keycloak-quarkus-dist-" + KeycloakProcess.distributionVersion() + ".zip");
    }

    private Path zipInMavenRepository(String... entries) throws IOException {
        String v = KeycloakProcess.distributionVersion();
        Path zip = tmp.resolve("m2/org/keycloak/keycloak-quarkus-dist/" + v + "/keycloak-quarkus-dist-" + v + ".zip");
        Files.createDirectories(zip.getParent());
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            for (String e : entries) {
                out.putNextEntry(new ZipEntry(e));
                if (!e.endsWith("/")) {
                    out.write(("content of " + e).getBytes(StandardCharsets.UTF_8));
                }
                out.closeEntry();
            }
        }
        return zip;
    }

    @Test
    void unpacksTheZipFromTheLocalMavenRepositoryOnce() throws IOException {
        String v = KeycloakProcess.distributionVersion();
        zipInMavenRepository("keycloak-" + v + "/", "keycloak-" + v + "/bin/kc.sh", "keycloak-" + v + "/lib/x.jar");
        Path sandboxDir = tmp.resolve("sandbox");
        KeycloakProcess.Options options = KeycloakProcess.Options.defaults().withWorkingDir(tmp.resolve("w"))
                .withUnpackDir(sandboxDir);

        Path home = KeycloakProcess.locateDistribution(options);
        assertThat(home).isEqualTo(sandboxDir.resolve("keycloak/keycloak-" + v));
        assertThat(home.resolve("lib/x.jar")).hasContent("content of keycloak-" + v + "/lib/x.jar");
        assertThat(Files.isExecutable(home.resolve("bin/kc.sh"))).isTrue();

        Files.writeString(home.resolve("lib/x.jar"), "changed");
        assertThat(KeycloakProcess.locateDistribution(options)).isEqualTo(home);
        assertThat(home.resolve("lib/x.jar")).as("not unpacked again").hasContent("changed");

        assertThatThrownBy(() -> KeycloakProcess.locateDistribution(options.withUnpackDir(null)))
                .hasMessageContaining("(not unpacked here)");
    }

    @Test
    void refusesZipEntriesOutsideTheTarget() throws IOException {
        Path zip = zipInMavenRepository("../evil.sh");
        assertThatThrownBy(() -> KeycloakProcess.unpack(zip, tmp.resolve("into")))
                .isInstanceOf(UncheckedIOException.class)
                .hasRootCauseMessage("zip entry outside the target folder: ../evil.sh");
        assertThat(tmp.resolve("evil.sh")).doesNotExist();
    }

    @Test
    void aServerThatExitsIsReportedAtOnceWithItsLog() throws IOException {
        Path dist = builtFakeDistribution(tmp.resolve("kc"), "echo \"ERROR: port taken ($1 $2)\"; exit 3");
        long start = System.nanoTime();
        assertThatThrownBy(() -> KeycloakProcess.start(KeycloakProcess.Options.defaults().withDistribution(dist)
                .withStartTimeout(Duration.ofSeconds(120)).withLogFile(tmp.resolve("logs/kc.log"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Keycloak exited with code 3 while starting")
                .hasMessageContaining("ERROR: port taken (start --optimized)");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
    }

    @Test
    void aServerThatNeverGetsReadyIsStoppedWithItsChildren() throws Exception {
        Path pids = tmp.resolve("pids");
        Path dist = builtFakeDistribution(tmp.resolve("kc"), "echo $$ > '" + pids + "'; sleep 600 & echo $! >> '" + pids
                + "'; wait");
        assertThatThrownBy(() -> KeycloakProcess.start(KeycloakProcess.Options.defaults().withDistribution(dist)
                .withStartTimeout(Duration.ofSeconds(3))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("gave up waiting for Keycloak on http://127.0.0.1:");
        assertThat(dist.getParent().resolve("keycloak.log")).as("default log next to the distribution").exists();
        for (String pid : Files.readAllLines(pids)) {
            ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(p -> {
                try {
                    p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError("process " + pid + " still runs", e);
                }
            });
        }
    }

    @Test
    void keycloak26IsBuiltOnceThenStartedOptimizedOnItsDataFolder() throws IOException {
        Path calls = tmp.resolve("calls");
        Path dist = fakeDistribution(tmp.resolve("kc"), "echo \"$*\" >> '" + calls + "'; [ \"$1\" = build ] && exit 0;"
                + " exit 3");
        Path data = tmp.resolve("sandbox/keycloak-data");
        KeycloakProcess.Options options = KeycloakProcess.Options.defaults().withDistribution(dist)
                .withDataDir(data).withLogFile(tmp.resolve("kc.log"));

        assertThatThrownBy(() -> KeycloakProcess.start(options)).hasMessageContaining("exited with code 3");
        assertThatThrownBy(() -> KeycloakProcess.start(options)).hasMessageContaining("exited with code 3");

        List<String> lines = Files.readAllLines(calls);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("build " + KeycloakProcess.BUILD_OPTIONS);
        assertThat(lines.subList(1, 3)).allSatisfy(l -> assertThat(l).startsWith("start --optimized --cache=local")
                .contains("--http-host=127.0.0.1").contains("--hostname-strict=false")
                .contains("--db-url=jdbc:h2:file:" + data.toAbsolutePath().resolve("keycloakdb") + ";"));
        assertThat(dist.resolve(KeycloakProcess.BUILD_MARKER)).hasContent(KeycloakProcess.BUILD_OPTIONS);
        // its two ports: below the kernel's ephemeral ports (32768 and up), distinct, and kept for the next start
        List<List<Integer>> ports = lines.subList(1, 3).stream().map(l -> List.of(
                port(l, "--http-port="), port(l, "--http-management-port="))).toList();
        assertThat(ports.get(0)).doesNotHaveDuplicates().allSatisfy(p -> assertThat(p).isBetween(10_000, 32_767));
        assertThat(ports.get(1)).isEqualTo(ports.get(0));
        // the kept data folder holds the admin's password (owner only), the same for every start
        Path passwordFile = data.resolve(KeycloakProcess.ADMIN_PASSWORD_FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
        assertThat(Files.readString(passwordFile).trim()).startsWith("Kc-").hasSize(27);
    }

    private static int port(String commandLine, String option) {
        Matcher m = Pattern.compile(Pattern.quote(option) + "(\\d+)").matcher(commandLine);
        assertThat(m.find()).as(option + " in " + commandLine).isTrue();
        return Integer.parseInt(m.group(1));
    }

    @Test
    void aFailedBuildIsReportedWithItsLogAndBuiltAgainNextTime() throws IOException {
        Path dist = fakeDistribution(tmp.resolve("kc"), "echo \"ERROR: cannot augment ($1)\"; exit 4");
        KeycloakProcess.Options options = KeycloakProcess.Options.defaults().withDistribution(dist)
                .withLogFile(tmp.resolve("kc.log"));
        assertThatThrownBy(() -> KeycloakProcess.start(options)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("building Keycloak (kc.sh build " + KeycloakProcess.BUILD_OPTIONS
                        + ") failed with code 4").hasMessageContaining("ERROR: cannot augment (build)");
        assertThat(dist.resolve(KeycloakProcess.BUILD_MARKER)).doesNotExist();
        try (var left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("the run's data folder is removed")
                    .noneMatch(n -> n.startsWith("keycloak-data-"));
        }
    }

    @Test
    void legacyAdminIsAPbkdf2HashAsAddUserKeycloakWritesIt() throws Exception {
        String json = KeycloakProcess.addUserJson("maas-kc-admin", "s3cret-Pw");
        assertThat(json).doesNotContain("s3cret-Pw");
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode user = mapper.readTree(json).get(0).path("users").get(0);
        assertThat(mapper.readTree(json).get(0).path("realm").asText()).isEqualTo("master");
        assertThat(user.path("username").asText()).isEqualTo("maas-kc-admin");
        assertThat(user.path("realmRoles").get(0).asText()).isEqualTo("admin");
        com.fasterxml.jackson.databind.JsonNode credential = user.path("credentials").get(0);
        com.fasterxml.jackson.databind.JsonNode secret = mapper.readTree(credential.path("secretData").asText());
        com.fasterxml.jackson.databind.JsonNode data = mapper.readTree(credential.path("credentialData").asText());
        assertThat(data.path("algorithm").asText()).isEqualTo("pbkdf2-sha256");
        byte[] salt = java.util.Base64.getDecoder().decode(secret.path("salt").asText());
        byte[] expected = javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(
                new javax.crypto.spec.PBEKeySpec("s3cret-Pw".toCharArray(), salt, data.path("hashIterations").asInt(),
                        512)).getEncoded();
        assertThat(java.util.Base64.getDecoder().decode(secret.path("value").asText())).isEqualTo(expected);
    }

    @Test
    void legacyServerFolderIsACopyOfStandaloneWithTheAdminOnlyWhileItsDatabaseIsNew() throws IOException {
        Path home = tmp.resolve("keycloak-18.0.2");
        Files.createDirectories(home.resolve("standalone/configuration"));
        Files.writeString(home.resolve("standalone/configuration/standalone.xml"), "<server/>");
        Path data = tmp.resolve("data");

        Path base = KeycloakProcess.legacyServerFolder(home, data, "pw-1");
        assertThat(base).isEqualTo(data.resolve("standalone"));
        assertThat(base.resolve("configuration/standalone.xml")).hasContent("<server/>");
        Path addUser = base.resolve("configuration/keycloak-add-user.json");
        assertThat(addUser).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(addUser))).isEqualTo("rw-------");

        // Keycloak imported (and deleted) it and made its database: a second start adds no admin
        Files.delete(addUser);
        Files.createDirectories(base.resolve("data"));
        Files.writeString(base.resolve("data/keycloak.mv.db"), "db");
        KeycloakProcess.legacyServerFolder(home, data, "pw-1");
        assertThat(addUser).doesNotExist();
        assertThat(home.resolve("standalone/configuration/keycloak-add-user.json")).as("the distribution is untouched")
                .doesNotExist();
    }

    @Test
    void findsTheLegacyDistributionInItsOwnFolder() throws IOException {
        Path work = tmp.resolve("work");
        Files.createDirectories(work.resolve("target/keycloak-legacy/keycloak-18.0.2/bin"));
        Files.writeString(work.resolve("target/keycloak-legacy/keycloak-18.0.2/bin/standalone.sh"), "exit 0");
        fakeDistribution(work.resolve("target/keycloak/keycloak-26.0"), "exit 0");
        KeycloakProcess.Options legacy = KeycloakProcess.Options.defaults().withWorkingDir(work)
                .withGeneration(KeycloakProcess.Generation.WILDFLY);
        assertThat(KeycloakProcess.locateDistribution(legacy))
                .isEqualTo(work.resolve("target/keycloak-legacy/keycloak-18.0.2").toAbsolutePath());
        assertThat(KeycloakProcess.distributionVersion(KeycloakProcess.Generation.WILDFLY)).isEqualTo("18.0.2");
        assertThatThrownBy(() -> KeycloakProcess.locateDistribution(legacy.withWorkingDir(tmp.resolve("none"))))
                .hasMessageContaining("keycloak-server-dist-18.0.2.zip")
                .hasMessageContaining("target/keycloak-legacy");
    }
}
