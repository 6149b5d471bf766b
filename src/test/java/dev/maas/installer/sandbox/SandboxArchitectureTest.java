package dev.maas.installer.sandbox;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

class SandboxArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.maas.installer");

    @Test
    void stagesEngineAndClusterCodeNeverUseTheTestCluster() {
        noClasses().that().resideInAnyPackage("dev.maas.installer.stages..", "dev.maas.installer.engine..",
                        "dev.maas.installer.cluster..")
                .should().dependOnClassesThat().resideInAPackage("dev.maas.installer.sandbox..")
                .because("stages reach the sandbox only through the same network protocols as a real cluster")
                .allowEmptyShould(true)
                .check(CLASSES);
    }

    @Test
    void theSandboxNeitherPrintsNorUsesJavaFx() {
        noClasses().that().resideInAPackage("dev.maas.installer.sandbox..")
                .should().dependOnClassesThat().resideInAPackage("javafx..")
                .check(CLASSES);
        noClasses().that().resideInAPackage("dev.maas.installer.sandbox..")
                .should().accessField(System.class, "out")
                .orShould().accessField(System.class, "err")
                .check(CLASSES);
    }
}
