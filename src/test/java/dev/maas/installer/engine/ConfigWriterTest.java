package dev.maas.installer.engine;

import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.ConfigWriter;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigWriterTest {
    @TempDir
    Path dir;

    private InstallerConfig example() throws Exception {
        String text = Files.readString(Path.of("docs/maas-installer.example.yaml"));
        Path file = dir.resolve("example/maas-installer.yaml");
        Files.createDirectories(file.getParent().resolve("api_definitions"));
        Files.writeString(file.getParent().resolve("api_definitions/granite-3-8b-instruct.json"), "{}");
        Files.writeString(file, text);
        return ConfigLoader.load(file);
    }

    @Test
    void theExampleAndTheDefaultsRoundTripThroughTheFile() throws Exception {
        for (InstallerConfig c : List.of(example(), InstallerConfig.defaults(),
                ConfigLoader.parse("", "empty", dir))) {
            Path out = dir.resolve("out/exported.yaml");
            ConfigWriter.write(c, out);
            assertThat(ConfigLoader.load(out)).isEqualTo(c);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-------");
            // written atomically: no temporary file is left next to it
            try (var files = Files.list(out.getParent())) {
                assertThat(files).containsExactly(out);
            }
        }
    }

    @Test
    void anExistingFileReadableByOthersIsReplacedOwnerOnlyAndAMissingFolderIsCreatedPrivate() throws Exception {
        Path old = Files.writeString(dir.resolve("old.yaml"), "old content readable by others");
        Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rw-r--r--"));
        ConfigWriter.write(InstallerConfig.defaults(), old);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(old))).isEqualTo("rw-------");
        assertThat(ConfigLoader.load(old)).isEqualTo(InstallerConfig.defaults());
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(old);
        }
        Path deep = dir.resolve("new/folder/exported.yaml");
        ConfigWriter.write(InstallerConfig.defaults(), deep);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(deep))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(deep.getParent())))
                .isEqualTo("rwx------");
    }

    @Test
    void onlySetValuesAreWrittenAndNumbersStayText() throws Exception {
        InstallerConfig c = example();
        String yaml = ConfigWriter.toYaml(c, new SecretRegistry());
        assertThat(yaml).doesNotContain("null").contains("realm: maas").contains("clientSecretEnv: MAAS_IDP_CLIENT_SECRET")
                .doesNotContain("clientSecretFile").doesNotContain("endpoints");
        assertThat(ConfigWriter.toYaml(InstallerConfig.defaults(), new SecretRegistry())).doesNotContain("null");
        // a text that looks like a number or a boolean is read back as text
        InstallerConfig odd = new InstallerConfig(null, null, new InstallerConfig.SsoConfig(null, null, "1234", null,
                null), new InstallerConfig.ThreescaleConfig(null, null, "true", "08", null, null), null, null,
                null, null);
        assertThat(ConfigLoader.parse(ConfigWriter.toYaml(odd, new SecretRegistry()), "odd", dir)).isEqualTo(odd);
    }

    @Test
    void aSecretTypedIntoAFieldIsMasked() {
        SecretRegistry secrets = new SecretRegistry();
        secrets.register("s3cr3t-value-42");
        InstallerConfig c = new InstallerConfig(null, null, null,
                new InstallerConfig.ThreescaleConfig(null, null, null, "org s3cr3t-value-42", null, null), null, null,
                null, null);
        String yaml = ConfigWriter.toYaml(c, secrets);
        assertThat(yaml).doesNotContain("s3cr3t-value-42").contains(SecretRegistry.MASK);
    }
}
