package dev.maas.installer.cli;

import dev.maas.installer.cli.CliHarness.Result;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.testing.StartsSandbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@StartsSandbox
class CliConfigTest {
    @TempDir
    Path dir;

    /** A stage whose plan shows which realm the configuration asked for. */
    static TestStage realmStage() {
        return new TestStage("alpha").plan(ctx -> List.of(
                Change.noop(TargetSystem.KEYCLOAK, "Realm", ctx.config().sso().realm())));
    }

    @Test
    void unknownKeyIsExit2AndNamesTheKeyPath() throws Exception {
        Path config = Files.writeString(dir.resolve("bad.yaml"), "sso:\n  realm: maas\n  realmm: typo\n");
        TestStage alpha = realmStage();
        Result r = new CliHarness(dir, alpha).run("plan", "--config", config.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("sso.realmm").contains("unknown key").contains(config.toString());
        assertThat(r.out()).isEmpty();
    }

    @Test
    void invalidValueIsExit2AndNamesTheField() throws Exception {
        Path config = Files.writeString(dir.resolve("bad.yaml"), "models:\n  - name: Granite\n    url: ftp://x\n");
        Result r = new CliHarness(dir, realmStage()).run("verify", "--config", config.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("models[0].url");
    }

    @Test
    void missingConfigFileIsExit2() {
        Result r = new CliHarness(dir, realmStage()).run("plan", "--config", dir.resolve("nope.yaml").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--config").contains("file not found");
    }

    @Test
    void theGivenConfigIsWhatStagesSee() throws Exception {
        Path config = Files.writeString(dir.resolve("c.yaml"), "sso:\n  realm: from-flag\n");
        Result r = new CliHarness(dir, realmStage()).run("plan", "--config", config.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("NOOP keycloak Realm from-flag");
    }

    @Test
    void maasInstallerYamlInTheWorkingFolderIsTheDefault() throws Exception {
        Files.writeString(dir.resolve("maas-installer.yaml"), "sso:\n  realm: from-default-file\n");
        Result r = new CliHarness(dir, realmStage()).run("plan");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("NOOP keycloak Realm from-default-file");
    }

    @Test
    void withoutAnyConfigTheBuiltInDefaultsApply() {
        Result r = new CliHarness(dir, realmStage()).run("plan");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("NOOP keycloak Realm maas");
    }
}
