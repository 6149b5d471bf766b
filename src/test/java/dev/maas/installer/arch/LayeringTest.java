package dev.maas.installer.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The layering rules of docs/adr/0001 and ARCHITECTURE.md: engine and stages are UI-free; the UI and CLI only call the
 * engine; the clients stay below the stages; view models have no scene graph.
 */
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
    void clientsAndPureLogicStayBelowTheStages() {
        noClasses().that().resideInAnyPackage("dev.maas.installer.keycloak..", "dev.maas.installer.threescale..",
                        "dev.maas.installer.portal..", "dev.maas.installer.catalog..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.maas.installer.stages..",
                        "dev.maas.installer.cluster..", "dev.maas.installer.sandbox..", "dev.maas.installer.ui..",
                        "dev.maas.installer.cli..", "javafx..", "com.sun.javafx..", "atlantafx..")
                .because("the Keycloak and 3scale clients, the portal content and the model catalog are used by the"
                        + " stages, and know nothing of them or of the cluster (ARCHITECTURE.md)")
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
    void viewModelsHaveNoSceneGraphAndKnowNoViews() {
        noClasses().that().resideInAPackage("dev.maas.installer.ui.model..")
                .should().dependOnClassesThat().resideInAnyPackage("javafx.scene..", "javafx.stage..",
                        "dev.maas.installer.ui.view..", "dev.maas.installer.ui.pages..")
                .because("view models hold state as properties and are tested without a window (ARCHITECTURE.md)")
                .check(classes);
        noClasses().that().resideInAPackage("dev.maas.installer.ui.view..")
                .should().dependOnClassesThat().resideInAPackage("dev.maas.installer.ui.pages..")
                .because("the shell's views know the stage pages only through ui.StagePage")
                .check(classes);
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
