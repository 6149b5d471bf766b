package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.engine.config.InstallerConfig.PlansConfig;
import dev.maas.installer.engine.config.InstallerConfig.ProductsConfig;
import dev.maas.installer.ui.model.ConfigViewModel;
import dev.maas.installer.ui.model.LogViewModel;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The products and plans settings without a window. */
class ModelSettingsPageModelTest {
    private final ConfigViewModel config = new ConfigViewModel(InstallerConfig.defaults(),
            p -> CompletableFuture.failedFuture(new UnsupportedOperationException()), Runnable::run,
            new LogViewModel());

    @Test
    void settingsReachTheConfigurationWhenValid() {
        ModelSettingsPageModel m = new ModelSettingsPageModel(config);
        assertThat(m.credentialsLocationProperty().get()).isEqualTo("headers");
        assertThat(m.concurrencyProperty().get()).isEqualTo(4);
        assertThat(m.planNameProperty().get()).isEqualTo("Standard");

        m.credentialsLocationProperty().set("query");
        m.concurrencyProperty().set(8);
        m.planNameProperty().set("Gold");
        m.subscribeExistingProperty().set(true);
        assertThat(config.current().products()).isEqualTo(new ProductsConfig("query", 8, true));
        assertThat(config.current().plans()).isEqualTo(new PlansConfig("Gold", true));

        m.concurrencyProperty().set(64);
        assertThat(m.errorProperty().get()).startsWith("Products set up at the same time: ").contains("between 1 and 32");
        // as shown, with the stages it stops
        assertThat(config.current().products().concurrency()).isEqualTo(64);
        assertThat(config.problems().get("model settings").stages()).containsExactlyInAnyOrder("backends",
                "products", "plans");
        m.concurrencyProperty().set(2);
        assertThat(m.errorProperty().get()).isEmpty();
        assertThat(config.problems()).isEmpty();
        assertThat(config.current().products().concurrency()).isEqualTo(2);
        m.planNameProperty().set("  ");
        assertThat(m.errorProperty().get()).startsWith("Application plan name: ");
        assertThat(config.problems().get("model settings").stages()).containsExactly("plans");
    }

    @Test
    void summaryNamesTheModelsOrSaysTheyAreDiscovered() {
        ModelSettingsPageModel m = new ModelSettingsPageModel(config);
        assertThat(m.summaryProperty().get()).startsWith("No models listed: the ready served models found");
        config.use(new InstallerConfig(null, null, null, null, List.of(
                new ModelConfig("Granite", "granite", "http://g:80", null, null),
                new ModelConfig("Llama", "llama", "http://l:80", null, null)), null, null, null));
        m.refreshSummary();
        assertThat(m.summaryProperty().get()).isEqualTo("2 models: Granite, Llama.");
    }
}
