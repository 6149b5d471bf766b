package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.PortalConfig;
import dev.maas.installer.ui.model.ConfigViewModel;
import dev.maas.installer.ui.model.LogViewModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The portal page's view model without a window: folder, onError, validation and the portal link. */
class PortalPageModelTest {
    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-bg"));
    private final ConfigViewModel config = new ConfigViewModel(InstallerConfig.defaults(),
            p -> CompletableFuture.failedFuture(new UnsupportedOperationException()), Runnable::run,
            new LogViewModel());

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        background.shutdownNow();
    }

    @Test
    void folderAndOnErrorReachTheConfiguration() {
        PortalPageModel m = new PortalPageModel(config, () -> null, background, Runnable::run);
        assertThat(m.contentTextProperty().get()).isEqualTo(PortalPageModel.BUILT_IN);
        assertThat(m.onErrorProperty().get()).isEqualTo(PortalPageModel.OnError.CONTINUE);

        m.contentDirProperty().set(dir.toString());
        m.onErrorProperty().set(PortalPageModel.OnError.STOP);
        assertThat(config.current().portal()).isEqualTo(new PortalConfig(dir.toString(), "stop"));
        assertThat(m.contentTextProperty().get()).isEqualTo(dir.toString());

        m.useBuiltInContent();
        assertThat(config.current().portal()).isEqualTo(new PortalConfig(null, "stop"));
    }

    @Test
    void aMissingFolderIsShownAndStopsThePortalStage() {
        PortalPageModel m = new PortalPageModel(config, () -> null, background, Runnable::run);
        m.contentDirProperty().set(dir.resolve("missing").toString());
        assertThat(m.validProperty().get()).isFalse();
        assertThat(m.errorProperty().get()).startsWith("Content folder: ").contains("folder not found");
        assertThat(config.current().portal().contentDir()).isEqualTo(dir.resolve("missing").toString());
        assertThat(config.problems().get("portal").stages()).containsExactly("portal");
        m.useBuiltInContent();
        assertThat(config.problems()).isEmpty();
    }

    @Test
    void theLinkIsTheTenantOnTheAppsDomainLookedUpInTheBackground() throws Exception {
        AtomicReference<String> ranOn = new AtomicReference<>();
        PortalPageModel m = new PortalPageModel(config, () -> {
            ranOn.set(Thread.currentThread().getName());
            return "apps.cluster.example.com";
        }, background, Runnable::run);
        assertThat(m.portalLinkProperty().get()).isEmpty();
        assertThat(m.succeeded().get(10, TimeUnit.SECONDS)).isEqualTo("https://maas.apps.cluster.example.com");
        assertThat(ranOn.get()).isEqualTo("test-bg");
        m.clearLink();
        assertThat(m.portalLinkProperty().get()).isEmpty();
    }

    @Test
    void theConfiguredDeveloperPortalUrlWins() throws Exception {
        config.use(new InstallerConfig(null, new InstallerConfig.EndpointsConfig(null, null, null,
                "https://portal.example.org"), null, null, null, null, null, null));
        PortalPageModel m = new PortalPageModel(config, () -> {
            throw new AssertionError("not asked");
        }, background, Runnable::run);
        assertThat(m.succeeded().get(10, TimeUnit.SECONDS)).isEqualTo("https://portal.example.org");
    }
}
