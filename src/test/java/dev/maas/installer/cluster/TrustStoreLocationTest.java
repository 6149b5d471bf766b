package dev.maas.installer.cluster;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TrustStoreLocationTest {
    private final String saved = System.getProperty(TrustStore.CONFIG_DIR_PROPERTY);

    @AfterEach
    void restore() {
        if (saved == null) {
            System.clearProperty(TrustStore.CONFIG_DIR_PROPERTY);
        } else {
            System.setProperty(TrustStore.CONFIG_DIR_PROPERTY, saved);
        }
    }

    @Test
    void theEnvironmentVariableAndThenThePropertyOverrideTheConfigFolder() {
        System.clearProperty(TrustStore.CONFIG_DIR_PROPERTY);
        Map<String, String> env = Map.of("MAAS_CONFIG_DIR", "/tmp/from-env", "XDG_CONFIG_HOME", "/tmp/xdg");
        assertThat(TrustStore.userDefault(env::get).file())
                .isEqualTo(Path.of("/tmp/from-env", TrustStore.FILE_NAME));

        System.setProperty(TrustStore.CONFIG_DIR_PROPERTY, "/tmp/from-property");
        assertThat(TrustStore.userDefault(env::get).file())
                .isEqualTo(Path.of("/tmp/from-property", TrustStore.FILE_NAME));

        System.clearProperty(TrustStore.CONFIG_DIR_PROPERTY);
        Map<String, String> xdgOnly = Map.of("XDG_CONFIG_HOME", "/tmp/xdg");
        if (!System.getProperty("os.name", "").toLowerCase().contains("win")) {
            assertThat(TrustStore.defaultConfigDir(xdgOnly::get)).isEqualTo(Path.of("/tmp/xdg", "maas-installer"));
            assertThat(TrustStore.defaultConfigDir(Map.<String, String>of()::get))
                    .isEqualTo(Path.of(System.getProperty("user.home"), ".config", "maas-installer"));
        }
    }
}
