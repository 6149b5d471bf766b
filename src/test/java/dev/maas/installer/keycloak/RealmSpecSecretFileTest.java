package dev.maas.installer.keycloak;

import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig.IdentityProviderConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** sso.identityProvider.clientSecretFile: the secret read from a file the owner alone may read. */
class RealmSpecSecretFileTest {
    @TempDir
    Path dir;

    private Path secretFile(String content, String mode) throws Exception {
        Path f = dir.resolve("secret");
        Files.writeString(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    private static RealmSpec.IdentityProvider idp(Path file) {
        return RealmSpec.IdentityProvider.from(new IdentityProviderConfig("oidc", "corp", null, "maas", null,
                "https://idp.example.com/realms/x", file.toString()), name -> "from-env");
    }

    @Test
    void readsTheSecretWithoutTheLineBreak() throws Exception {
        RealmSpec.IdentityProvider idp = idp(secretFile("s3cret-value\n", "rw-------"));
        assertThat(idp.requireSecret()).isEqualTo("s3cret-value");
        assertThat(idp.secretSource()).isEqualTo("file " + dir.resolve("secret"));
    }

    @Test
    void refusesAFileOthersCanRead() throws Exception {
        RealmSpec.IdentityProvider idp = idp(secretFile("s3cret-value", "rw-r--r--"));
        assertThatThrownBy(idp::requireSecret).isInstanceOfSatisfying(StageException.class, e -> {
            assertThat(e.invalidInput()).isTrue();
            assertThat(e.getMessage()).contains("can be read or changed by other users").doesNotContain("s3cret");
            assertThat(e.fix().target()).isEqualTo("sso.identityProvider.clientSecretFile");
            assertThat(e.fix().hint()).contains("chmod 600");
        });
    }

    @Test
    void anEmptyOrMissingFileIsInvalidInput() throws Exception {
        RealmSpec.IdentityProvider empty = idp(secretFile("\n", "rw-------"));
        assertThatThrownBy(empty::requireSecret).isInstanceOfSatisfying(StageException.class, e -> {
            assertThat(e.getMessage()).contains("is empty: file " + dir.resolve("secret") + " is empty");
            assertThat(e.fix().target()).isEqualTo("sso.identityProvider.clientSecretFile");
        });
        RealmSpec.IdentityProvider missing = idp(dir.resolve("gone"));
        assertThatThrownBy(missing::requireSecret).isInstanceOfSatisfying(StageException.class,
                e -> assertThat(e.getMessage()).contains("does not exist"));
    }
}
