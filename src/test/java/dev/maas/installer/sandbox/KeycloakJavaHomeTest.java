package dev.maas.installer.sandbox;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class KeycloakJavaHomeTest {

    @Test
    void thePropertyChoosesTheJavaThatRunsKeycloak() {
        Map<String, String> props = Map.of(KeycloakProcess.JAVA_HOME_PROPERTY, " /opt/jdk-21 ", "java.home", "/x");
        assertThat(KeycloakProcess.javaHomeForKeycloak(props::get, k -> "/usr/lib/jvm/other"))
                .isEqualTo(Path.of("/opt/jdk-21"));
    }

    @Test
    void aFullJdkRunsKeycloakItself() {
        // the test JVM is a full JDK (it has jdk.jfr): its own java.home, whatever JAVA_HOME says
        String own = System.getProperty("java.home");
        Map<String, String> props = Map.of("java.home", own);
        assertThat(KeycloakProcess.javaHomeForKeycloak(props::get, k -> "/usr/lib/jvm/other"))
                .isEqualTo(Path.of(own));
    }
}
