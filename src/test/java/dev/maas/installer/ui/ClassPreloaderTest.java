package dev.maas.installer.ui;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The wizard's page and view classes are found in its own code source, and every listed class loads. */
class ClassPreloaderTest {
    @Test
    void findsThePageAndViewClassesAndLoadsThemAll() {
        List<String> names = ClassPreloader.wizardClasses();
        assertThat(names).contains("dev.maas.installer.ui.view.MainView", "dev.maas.installer.ui.pages.SsoPage",
                "dev.maas.installer.ui.model.WizardViewModel");
        assertThat(names).as("only the listed packages, not their sub-packages")
                .allMatch(n -> n.startsWith("dev.maas.installer.ui.view.") || n.startsWith("dev.maas.installer.ui.pages.")
                        || n.startsWith("dev.maas.installer.ui.model."))
                .noneMatch(n -> n.substring("dev.maas.installer.ui.".length()).chars().filter(c -> c == '.').count() > 1);
        int loaded = ClassPreloader.loadAll();
        assertThat(loaded).as("every wizard class and every listed JavaFX class loads (a renamed one would be skipped)")
                .isEqualTo(names.size() + ClassPreloader.JAVAFX.size());
    }

    @Test
    void theKubeconfigWarmUpReallyParses() {
        assertThat(dev.maas.installer.cluster.Kubeconfigs.warmUp()).as("the in-memory kubeconfig parses").isTrue();
    }
}
