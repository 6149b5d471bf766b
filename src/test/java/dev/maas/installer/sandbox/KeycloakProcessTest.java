package dev.maas.installer.sandbox;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
class KeycloakProcessTest {
    @TempDir
    Path tmp;

    private String savedDist;
    private String savedRepo;

    @BeforeEach
    void clearProperties() {
        savedDist = System.clearProperty(KeycloakProcess.DIST_PROPERTY);
        savedRepo = System.getProperty("maven.repo.local");
        System.setProperty("maven.repo.local", tmp.resolve("m2").toString());
    }

    @AfterEach
    void restoreProperties() {
        restore(KeycloakProcess.DIST_PROPERTY, savedDist);
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
        Path dist = fakeDistribution(tmp.resolve("kc"), "echo \"ERROR: port taken ($1 $2)\"; exit 3");
        long start = System.nanoTime();
        assertThatThrownBy(() -> KeycloakProcess.start(KeycloakProcess.Options.defaults().withDistribution(dist)
                .withStartTimeout(Duration.ofSeconds(120)).withLogFile(tmp.resolve("logs/kc.log"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Keycloak exited with code 3 while starting")
                .hasMessageContaining("ERROR: port taken (start-dev --db=dev-mem)");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
    }

    @Test
    void aServerThatNeverGetsReadyIsStoppedWithItsChildren() throws Exception {
        Path pids = tmp.resolve("pids");
        Path dist = fakeDistribution(tmp.resolve("kc"), "echo $$ > '" + pids + "'; sleep 600 & echo $! >> '" + pids
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
}
