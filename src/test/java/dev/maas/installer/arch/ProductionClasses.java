package dev.maas.installer.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import java.lang.ref.SoftReference;

/**
 * The installer's production classes as ArchUnit sees them, imported once for every architecture test of a test
 * run. The import (with the library classes it resolves) is large: it is held softly, so the tests that run after
 * the architecture tests in the same JVM get the memory back, and imported again only if it was collected.
 */
public final class ProductionClasses {
    private static SoftReference<JavaClasses> cached = new SoftReference<>(null);

    private ProductionClasses() {
    }

    public static synchronized JavaClasses get() {
        JavaClasses classes = cached.get();
        if (classes == null) {
            classes = new ClassFileImporter()
                    .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                    .importPackages("dev.maas.installer");
            cached = new SoftReference<>(classes);
        }
        return classes;
    }
}
