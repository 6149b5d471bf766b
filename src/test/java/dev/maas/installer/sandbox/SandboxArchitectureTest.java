package dev.maas.installer.sandbox;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.maas.installer.arch.ProductionClasses;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

class SandboxArchitectureTest {
    private JavaClasses classes;

    @BeforeEach
    void importClasses() {
        classes = ProductionClasses.get();
    }

    @Test
    void stagesEngineAndClusterCodeNeverUseTheSandbox() {
        noClasses().that().resideInAnyPackage("dev.maas.installer.stages..", "dev.maas.installer.engine..",
                        "dev.maas.installer.cluster..")
                .should().dependOnClassesThat().resideInAPackage("dev.maas.installer.sandbox..")
                .because("stages reach the sandbox only through the same network protocols as a real cluster")
                .allowEmptyShould(true)
                .check(classes);
    }

    @Test
    void theSandboxNeitherPrintsNorUsesJavaFx() {
        noClasses().that().resideInAPackage("dev.maas.installer.sandbox..")
                .should().dependOnClassesThat().resideInAPackage("javafx..")
                .check(classes);
        noClasses().that().resideInAPackage("dev.maas.installer.sandbox..")
                .should().accessField(System.class, "out")
                .orShould().accessField(System.class, "err")
                .check(classes);
    }
}
