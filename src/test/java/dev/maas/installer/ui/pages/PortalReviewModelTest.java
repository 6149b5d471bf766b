package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.ui.model.ConfigViewModel;
import dev.maas.installer.ui.model.LogViewModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The portal page's SSO summary and content changes without a window. */
class PortalReviewModelTest {
    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-bg"));
    private final ConfigViewModel config = new ConfigViewModel(InstallerConfig.defaults(),
            p -> CompletableFuture.failedFuture(new UnsupportedOperationException()), Runnable::run,
            new LogViewModel());
    private final Queue<String> threads = new ConcurrentLinkedQueue<>();

    @AfterEach
    void stop() { background.shutdownNow(); }

    private PortalReviewModel model(String url, String diff, Exception diffError) {
        return new PortalReviewModel(config, new PortalReviewModel.Lookups() {
            @Override
            public String realmUrl(InstallerConfig c) {
                threads.add(Thread.currentThread().getName() + " realm " + c.sso().realm());
                return url;
            }

            @Override
            public String contentDryRun(InstallerConfig c) throws Exception {
                threads.add(Thread.currentThread().getName() + " content");
                if (diffError != null) {
                    throw diffError;
                }
                return diff;
            }
        }, background, Runnable::run);
    }

    @Test
    void theSsoSummaryNamesKindRealmUrlClientAndRedirectPolicy() throws Exception {
        PortalReviewModel m = model("https://keycloak.apps.example.com/auth/realms/maas", "", null);
        assertThat(m.ssoSummaryProperty().get()).contains("Kind: Red Hat SSO", "Realm: maas", "Client: 3scale",
                "Redirect policy: portal", "(not looked up yet)");
        m.refreshSso().get(10, TimeUnit.SECONDS);
        assertThat(m.ssoSummaryProperty().get())
                .contains("Realm URL: https://keycloak.apps.example.com/auth/realms/maas");
        assertThat(threads).containsExactly("test-bg realm maas");
    }

    @Test
    void aRealmThatCannotBeReadIsSaidPlainly() throws Exception {
        PortalReviewModel m = new PortalReviewModel(config, new PortalReviewModel.Lookups() {
            @Override
            public String realmUrl(InstallerConfig c) throws IOException {
                throw new IOException("Connect first");
            }

            @Override
            public String contentDryRun(InstallerConfig c) { return ""; }
        }, background, Runnable::run);
        m.refreshSso().get(10, TimeUnit.SECONDS);
        assertThat(m.ssoSummaryProperty().get()).contains("Realm URL: (cannot be read: Connect first)");
    }

    @Test
    void theContentDryRunRunsInTheBackgroundAndShowsItsText() throws Exception {
        PortalReviewModel m = model(null, "create page /docs\nupdate file /css/maas.css", null);
        m.showContentChanges().get(10, TimeUnit.SECONDS);
        assertThat(threads).containsExactly("test-bg content");
        assertThat(m.contentDiffProperty().get()).isEqualTo("create page /docs\nupdate file /css/maas.css");
        assertThat(m.contentErrorProperty().get()).isEmpty();
        assertThat(m.computingProperty().get()).isFalse();
    }

    @Test
    void aFailedDryRunShowsItsErrorAndNoText() throws Exception {
        PortalReviewModel m = model(null, null, new IllegalStateException("3scale admin API refused: 403"));
        m.showContentChanges().get(10, TimeUnit.SECONDS);
        assertThat(m.contentDiffProperty().get()).isEmpty();
        assertThat(m.contentErrorProperty().get())
                .isEqualTo("Cannot compute the content changes: 3scale admin API refused: 403");
    }
}
