package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.config.ConfigValidator;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.SsoConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.ui.model.ConfigViewModel;
import dev.maas.installer.ui.model.LogViewModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The SSO page's form state, validation and read-backs, without a window. */
class SsoPageModelTest {
    private static final String SECRET = "kc-client-secret-7d1e0f3a";

    private final ExecutorService background = Executors.newSingleThreadExecutor();
    private final Queue<String> lookupThreads = new ConcurrentLinkedQueue<>();
    private final AtomicInteger secretReads = new AtomicInteger();
    private final ConfigViewModel config = new ConfigViewModel(InstallerConfig.defaults(),
            p -> CompletableFuture.failedFuture(new IllegalStateException("no files here")), Runnable::run,
            new LogViewModel());
    private final SsoPageModel model = new SsoPageModel(config, new SsoPageModel.Lookup() {
        @Override
        public SsoPageModel.Links links(InstallerConfig c) {
            lookupThreads.add(Thread.currentThread().getName());
            return new SsoPageModel.Links("https://kc.example.com/realms/" + c.sso().realm(),
                    "https://kc.example.com/admin/master/console/#/" + c.sso().realm());
        }

        @Override
        public String clientSecret(InstallerConfig c) {
            lookupThreads.add(Thread.currentThread().getName());
            secretReads.incrementAndGet();
            return SECRET;
        }
    }, background, Runnable::run);

    @AfterEach
    void stop() { background.shutdownNow(); }

    @Test
    void anInvalidRealmShowsTheValidatorsMessageAndStopsTheStagesItFeedsWithNoOlderValueInItsPlace() {
        model.realmProperty().set("my realm!");

        String expected = ConfigValidator.validate(new InstallerConfig(null, null,
                new SsoConfig(null, null, "my realm!", null, null), null, null, null, null, null)).stream()
                .filter(p -> p.path().equals("sso.realm")).findFirst().orElseThrow().message();
        assertThat(model.errorProperty("sso.realm").get()).isEqualTo(expected).contains("not a valid realm name");
        assertThat(model.validProperty().get()).isFalse();
        // the configuration is what the form shows ("my", the last valid prefix typed, is nowhere), and the form's
        // problem names the stages the realm feeds: they do not run until it is fixed
        assertThat(config.current().sso().realm()).isEqualTo("my realm!");
        assertThat(config.problems()).containsOnlyKeys("sso");
        assertThat(config.problems().get("sso").text()).startsWith("Realm (Red Hat SSO page): ");
        assertThat(config.problems().get("sso").stages()).containsExactlyInAnyOrder("preflight", "sso", "portal");
        model.realmProperty().set("my-realm");
        assertThat(config.problems()).isEmpty();
        assertThat(config.current().sso().realm()).isEqualTo("my-realm");
    }

    @Test
    void aValidEditReplacesTheConfigAndClearsTheMessage() {
        model.realmProperty().set("bad realm");
        model.realmProperty().set("models-prod");
        model.namespaceProperty().set("sso-prod");

        assertThat(model.errorProperty("sso.realm").get()).isEmpty();
        assertThat(config.current().sso().realm()).isEqualTo("models-prod");
        assertThat(config.current().sso().namespace()).isEqualTo("sso-prod");
        assertThat(config.current().threescale()).isEqualTo(InstallerConfig.defaults().threescale());
    }

    @Test
    void anOidcProviderNeedsItsIssuerAndAnEnvironmentVariableName() {
        assertThat(model.issuerVisible().get()).isFalse();
        model.idpTypeProperty().set("oidc");
        assertThat(model.issuerVisible().get()).isTrue();
        model.clientIdProperty().set("maas");
        assertThat(model.errorProperty("sso.identityProvider.issuer").get()).contains("issuer URL");
        assertThat(model.errorProperty("sso.identityProvider.clientSecretEnv").get())
                .contains("name of the environment variable");
        assertThat(config.current().sso().identityProvider().type()).isEqualTo("oidc"); // as shown, not usable
        assertThat(config.problems()).containsKey("sso");

        model.issuerProperty().set("https://login.example.com/realms/corp");
        model.clientSecretEnvProperty().set("MAAS_IDP_SECRET");
        assertThat(model.validProperty().get()).isTrue();
        assertThat(config.problems()).isEmpty();
        var idp = config.current().sso().identityProvider();
        assertThat(idp.type()).isEqualTo("oidc");
        assertThat(idp.issuer()).isEqualTo("https://login.example.com/realms/corp");
        assertThat(idp.clientSecretEnv()).isEqualTo("MAAS_IDP_SECRET");
        assertThat(idp.clientSecretFile()).isNull();

        model.idpTypeProperty().set("github");
        assertThat(model.issuerVisible().get()).isFalse();
        assertThat(config.current().sso().identityProvider().issuer()).isNull();
        model.idpTypeProperty().set(SsoPageModel.NO_IDP);
        assertThat(config.current().sso().identityProvider()).isNull();
    }

    @Test
    void theClientSecretIsReadOffTheCallingThreadOnlyOnRequestAndHiddenAgain() throws Exception {
        model.refreshLinks().get(10, TimeUnit.SECONDS);
        assertThat(model.realmUrlProperty().get()).isEqualTo("https://kc.example.com/realms/maas");
        assertThat(model.consoleUrlProperty().get()).endsWith("/console/#/maas");
        assertThat(secretReads).hasValue(0);
        assertThat(model.clientSecretProperty().get()).isEmpty();

        model.showClientSecret().get(10, TimeUnit.SECONDS);
        assertThat(secretReads).hasValue(1);
        assertThat(model.secretShownProperty().get()).isTrue();
        assertThat(model.clientSecretProperty().get()).isEqualTo(SECRET);
        assertThat(SecretRegistry.global().redact("secret " + SECRET)).doesNotContain(SECRET);
        assertThat(lookupThreads).hasSize(2).doesNotContain(Thread.currentThread().getName());

        model.hideClientSecret();
        assertThat(model.secretShownProperty().get()).isFalse();
        assertThat(model.clientSecretProperty().get()).isEmpty();
    }
}
