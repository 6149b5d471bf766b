package dev.maas.installer.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The layering rules of docs/adr/0001: engine and stages are UI-free; the UI and CLI only call the engine. */
class LayeringTest {
    private JavaClasses classes;

    @BeforeEach
    void importClasses() {
        classes = ProductionClasses.get();
    }

    @Test
    void engineAndStagesNeverImportJavaFx() {
        ArchRule rule = noClasses().that().resideInAnyPackage("dev.maas.installer.engine..",
                        "dev.maas.installer.stages..", "dev.maas.installer.cluster..")
                .should().dependOnClassesThat().resideInAnyPackage("javafx..", "com.sun.javafx..", "atlantafx..");
        rule.check(classes);
    }

    @Test
    void engineAndStagesDoNotDependOnUiOrCli() {
        noClasses().that().resideInAnyPackage("dev.maas.installer.engine..", "dev.maas.installer.stages..",
                        "dev.maas.installer.cluster..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.maas.installer.ui..",
                        "dev.maas.installer.cli..")
                .check(classes);
    }

    @Test
    void engineDoesNotDependOnStages() {
        noClasses().that().resideInAPackage("dev.maas.installer.engine..")
                .should().dependOnClassesThat().resideInAPackage("dev.maas.installer.stages..")
                .check(classes);
    }

    @Test
    void uiAndCliDoNotDependOnEachOther() {
        noClasses().that().resideInAPackage("dev.maas.installer.ui..")
                .should().dependOnClassesThat().resideInAPackage("dev.maas.installer.cli..")
                .check(classes);
        noClasses().that().resideInAPackage("dev.maas.installer.cli..")
                .should().dependOnClassesThat().resideInAPackage("dev.maas.installer.ui..")
                .check(classes);
    }

    @Test
    void noStageImportsTheSandbox() {
        noClasses().that().resideInAnyPackage("dev.maas.installer.stages..", "dev.maas.installer.engine..",
                        "dev.maas.installer.cluster..")
                .should().dependOnClassesThat().resideInAPackage("dev.maas.installer.sandbox..")
                .check(classes);
    }

    @Test
    void theWizardReachesTheSandboxOnlyThroughLocalSandbox() {
        noClasses().that().resideInAPackage("dev.maas.installer.ui..")
                .and().doNotHaveFullyQualifiedName("dev.maas.installer.ui.LocalSandbox")
                .should().dependOnClassesThat().resideInAPackage("dev.maas.installer.sandbox..")
                .because("the sandbox (and fabric8's mock server) must load only when a sandbox starts, never"
                        + " before the wizard's first frame")
                .check(classes);
    }

    @Test
    void clientLibrariesStayBelowTheStages() {
        // keycloak, threescale, catalog, portal and cluster speak to one system each (or read bundled content); the
        // stages combine them. They may use the engine's shared types (secrets, cancellation, waits), nothing above.
        noClasses().that().resideInAnyPackage("dev.maas.installer.keycloak..", "dev.maas.installer.threescale..",
                        "dev.maas.installer.catalog..", "dev.maas.installer.portal..", "dev.maas.installer.cluster..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.maas.installer.stages..",
                        "dev.maas.installer.ui..", "dev.maas.installer.cli..", "dev.maas.installer.sandbox..",
                        "javafx..", "com.sun.javafx..", "atlantafx..")
                .because("a client library is used by stages, the sandbox's checks and the CLI alike; it must not"
                        + " pull in what uses it")
                .check(classes);
    }

    @Test
    void clientLibrariesDoNotDependOnEachOther() {
        String[] clients = {"keycloak", "threescale", "catalog", "portal", "cluster"};
        for (String a : clients) {
            for (String b : clients) {
                if (a.equals(b)) {
                    continue;
                }
                noClasses().that().resideInAPackage("dev.maas.installer." + a + "..")
                        .should().dependOnClassesThat().resideInAPackage("dev.maas.installer." + b + "..")
                        .because("each client speaks to one system; the stages combine them")
                        .check(classes);
            }
        }
    }

    @Test
    void onlyTheCliWritesToStandardOutput() {
        noClasses().that().resideOutsideOfPackage("dev.maas.installer.cli..")
                .should().accessField(System.class, "out")
                .because("stdout belongs to the CLI's text and JSON output; everything else logs through SLF4J")
                .check(classes);
    }

    @Test
    void nobodyCallsPrintStackTrace() {
        noClasses().should().callMethod(Throwable.class, "printStackTrace")
                .because("stack traces must go through the redacting logger")
                .check(classes);
    }
}
