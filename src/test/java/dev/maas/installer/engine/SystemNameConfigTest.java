package dev.maas.installer.engine;

import dev.maas.installer.engine.config.ConfigException;
import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.ConfigProblem;
import dev.maas.installer.engine.config.InstallerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every system name the configuration sets follows porta's format, {@code \A\w[\w\-/_]+\z} (app/lib/system_name.rb):
 * two characters at least. 3scale would refuse a shorter one with 422 "system_name is invalid" half-way through
 * the backends stage; the configuration refuses it first, naming the field and the fix.
 */
class SystemNameConfigTest {
    @TempDir
    Path dir;

    private List<ConfigProblem> problems(String yaml) {
        try {
            ConfigLoader.parse(yaml, "test.yaml", dir);
        } catch (ConfigException e) {
            return e.problems();
        }
        return List.of();
    }

    @Test
    void aOneCharacterSystemNameIsRefusedNamingTheFieldAndTheFix() {
        assertThat(problems("models:\n  - name: Granite\n    systemName: g\n    url: http://g.svc\n"))
                .singleElement().satisfies(p -> {
                    assertThat(p.path()).isEqualTo("models[0].systemName");
                    assertThat(p.message()).contains("System name 'g' is too short").contains("at least 2")
                            .contains("e.g. 'g-model'");
                });
    }

    @Test
    void aOneCharacterNameWhoseSystemNameIsDerivedSaysWhereItCameFrom() {
        assertThat(problems("models:\n  - name: X\n    url: http://x.svc\n")).singleElement().satisfies(p -> {
            assertThat(p.path()).isEqualTo("models[0].systemName");
            assertThat(p.message()).contains("'x'").contains("made from the name 'X'");
        });
    }

    @Test
    void twoCharactersAndTheUsualNamesAreFine() {
        assertThat(problems("models:\n  - name: G2\n    url: http://g.svc\n  - name: Granite 3.1 8B\n"
                + "    url: http://h.svc\n  - name: Other\n    systemName: ab\n    url: http://i.svc\n")).isEmpty();
    }

    @Test
    void anApplicationPlanNameWhoseSystemNameWouldBeOneCharacterIsRefused() {
        assertThat(problems("plans:\n  name: S\n")).singleElement().satisfies(p -> {
            assertThat(p.path()).isEqualTo("plans.name");
            assertThat(p.message()).contains("Application plan name 'S'").contains("system name 's'")
                    .contains("e.g. Standard");
        });
        assertThat(problems("plans:\n  name: \"S!\"\n")).singleElement()
                .satisfies(p -> assertThat(p.path()).isEqualTo("plans.name"));
        // porta generates an internal name when the name gives no ASCII at all: accepted
        assertThat(problems("plans:\n  name: 標準\n")).isEmpty();
        assertThat(problems("plans:\n  name: Gold plan\n")).isEmpty();
        InstallerConfig ok = ConfigLoader.parse("plans:\n  name: S2\n", "test.yaml", dir);
        assertThat(ok.plans().name()).isEqualTo("S2");
    }
}
