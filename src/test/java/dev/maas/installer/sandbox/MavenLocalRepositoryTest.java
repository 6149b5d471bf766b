package dev.maas.installer.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Where the Keycloak zip is looked for in a local Maven repository: Maven's rule, in the home {@code $HOME} names. */
class MavenLocalRepositoryTest {
    @TempDir
    Path tmp;

    private final Map<String, String> properties = new HashMap<>(Map.of("user.home", "/home/from-passwd"));
    private final Map<String, String> env = new HashMap<>();

    private Path repository() {
        return MavenLocalRepository.of(properties::get, env::get);
    }

    @Test
    void homeComesFromTheHomeVariableBeforeTheJvmsUserHome() {
        assertThat(repository()).isEqualTo(Path.of("/home/from-passwd/.m2/repository"));
        env.put("HOME", tmp.toString());
        assertThat(repository()).isEqualTo(tmp.resolve(".m2/repository"));
        env.put("HOME", "relative/home");
        assertThat(repository()).as("a HOME that is no absolute path is not used")
                .isEqualTo(Path.of("/home/from-passwd/.m2/repository"));
    }

    @Test
    void theSettingsLocalRepositoryOfThatHomeIsFollowedWithMavensExpressions() throws Exception {
        env.put("HOME", tmp.toString());
        env.put("M2_CACHE", "/srv/cache");
        Files.createDirectories(tmp.resolve(".m2"));
        Files.writeString(tmp.resolve(".m2/settings.xml"), """
                <settings>
                  <!-- the template's example, commented out:
                  <localRepository>/path/to/local/repo</localRepository>
                  -->
                  <localRepository>
                    ${user.home}/maven-repo
                  </localRepository>
                </settings>
                """);
        assertThat(repository()).isEqualTo(tmp.resolve("maven-repo"));

        Files.writeString(tmp.resolve(".m2/settings.xml"),
                "<settings><localRepository>${env.M2_CACHE}/m2</localRepository></settings>");
        assertThat(repository()).isEqualTo(Path.of("/srv/cache/m2"));

        Files.writeString(tmp.resolve(".m2/settings.xml"), "<settings><!-- <localRepository>/x</localRepository> -->"
                + "<offline>true</offline></settings>");
        assertThat(repository()).as("no localRepository: the default").isEqualTo(tmp.resolve(".m2/repository"));
    }

    @Test
    void theMavenRepoLocalPropertyComesFirst() throws Exception {
        env.put("HOME", tmp.toString());
        Files.createDirectories(tmp.resolve(".m2"));
        Files.writeString(tmp.resolve(".m2/settings.xml"), "<settings><localRepository>/a</localRepository></settings>");
        properties.put("maven.repo.local", tmp.resolve("given").toString());
        assertThat(repository()).isEqualTo(tmp.resolve("given"));
    }
}
