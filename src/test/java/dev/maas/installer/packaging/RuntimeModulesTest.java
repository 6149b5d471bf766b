package dev.maas.installer.packaging;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ResolvedModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged runtime's module list ({@code jpackage/runtime-modules.txt}) runs the sandbox's Keycloak: it holds
 * the modules Keycloak 26 was seen to need on a runtime linked from it ({@code kc.sh build} and {@code kc.sh start},
 * docs/packaging.md "Keycloak on the packaged runtime"), and every listed module resolves on this JDK, so jlink can
 * link it.
 */
class RuntimeModulesTest {
    /** What Keycloak 26 (keycloak-quarkus-dist) needs beyond the installer's own modules. */
    static final List<String> KEYCLOAK_NEEDS = List.of("jdk.jfr", "java.rmi", "java.xml.crypto", "java.scripting",
            "java.instrument", "java.transaction.xa", "java.sql.rowset", "java.prefs", "java.logging", "jdk.net",
            "jdk.security.auth", "jdk.xml.dom", "jdk.dynalink", "jdk.unsupported", "jdk.crypto.ec", "jdk.naming.dns",
            "java.naming", "java.management", "jdk.management", "java.security.jgss", "java.net.http");

    static List<String> listed() throws IOException {
        return Files.readAllLines(Path.of("jpackage/runtime-modules.txt")).stream().map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    @Test
    void everyListedModuleResolvesOnThisJdk() throws IOException {
        List<String> listed = listed();
        assertThat(listed).doesNotHaveDuplicates();
        for (String m : listed) {
            assertThat(ModuleFinder.ofSystem().find(m)).as("module %s", m).isPresent();
        }
    }

    @Test
    void theRuntimeHoldsWhatTheSandboxKeycloakNeeds() throws IOException {
        Configuration resolved = Configuration.empty().resolve(ModuleFinder.ofSystem(), ModuleFinder.of(),
                listed());
        Set<String> runtime = resolved.modules().stream().map(ResolvedModule::name).collect(Collectors.toSet());
        assertThat(runtime).containsAll(KEYCLOAK_NEEDS);
        // the build leaves jdk.compiler out on purpose (build-linux.sh EXCLUDED_MODULES); nothing listed needs it
        assertThat(runtime).doesNotContain("jdk.compiler");
    }
}
