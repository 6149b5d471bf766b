package dev.maas.installer.ui.view;

import javafx.css.CssParser;
import javafx.css.Stylesheet;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * wizard.css ships with its binary form, wizard.bss (made by the build, see pom.xml), which JavaFX loads in its
 * place: the two must hold the same rules, or the wizard would look different from its stylesheet's source.
 */
class WizardStylesheetTest {

    @Test
    void theBinaryStylesheetHoldsTheSameRulesAsTheSource() throws Exception {
        URL css = MainView.class.getResource("/dev/maas/installer/ui/wizard.css");
        URL bss = MainView.class.getResource("/dev/maas/installer/ui/wizard.bss");
        assertThat(css).isNotNull();
        assertThat(bss).as("wizard.bss beside wizard.css (exec-maven-plugin, process-classes)").isNotNull();
        List<String> source = rules(new CssParser().parse(css));
        List<String> binary = rules(Stylesheet.loadBinary(bss));
        assertThat(source).hasSizeGreaterThan(10).anyMatch(r -> r.contains("-fx-background-color"));
        assertThat(binary).containsExactlyElementsOf(source);
    }

    @Test
    void javaFxLoadsTheBinaryFormForTheSourcesUrl() throws Exception {
        // what StyleManager does for a stylesheet URL ending in .css: look for the .bss beside it first
        String css = MainView.STYLESHEET;
        assertThat(css).endsWith("/wizard.css");
        URL bss = new URL(css.substring(0, css.length() - ".css".length()) + ".bss");
        assertThat(Stylesheet.loadBinary(bss)).isNotNull();
    }

    private static List<String> rules(Stylesheet s) {
        // a binary rule reads its declarations on first use (its toString shows none before): ask for them
        return s.getRules().stream().map(r -> r.getSelectors() + " " + r.getDeclarations()).toList();
    }
}
