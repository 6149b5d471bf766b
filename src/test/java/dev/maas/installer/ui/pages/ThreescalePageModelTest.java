package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.ui.model.ConfigViewModel;
import dev.maas.installer.ui.model.LogViewModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The 3scale page's form state, validation and read-backs, without a window. */
class ThreescalePageModelTest {
    private static final String PASSWORD = "tenant-admin-pw-93b1c2";

    @TempDir
    Path dir;

    private final ExecutorService background = Executors.newSingleThreadExecutor();
    private final Queue<String> lookupThreads = new ConcurrentLinkedQueue<>();
    private final ConfigViewModel config = new ConfigViewModel(InstallerConfig.defaults(),
            p -> CompletableFuture.failedFuture(new IllegalStateException("no files here")), Runnable::run,
            new LogViewModel());
    private final ThreescalePageModel model = new ThreescalePageModel(config, new ThreescalePageModel.Lookup() {
        @Override
        public String adminUrl(InstallerConfig c) {
            lookupThreads.add(Thread.currentThread().getName());
            return "https://" + c.threescale().tenantName() + "-admin.apps.example.com";
        }

        @Override
        public ThreescalePageModel.Credentials credentials(InstallerConfig c) {
            lookupThreads.add(Thread.currentThread().getName());
            return new ThreescalePageModel.Credentials("admin", PASSWORD);
        }
    }, background, Runnable::run);

    @AfterEach
    void stop() { background.shutdownNow(); }

    @Test
    void invalidFieldsShowTheirMessagesAndStopEveryStage() {
        model.tenantNameProperty().set("My Tenant");
        assertThat(model.errorProperty("threescale.tenantName").get()).contains("'My Tenant' is not a valid name");
        model.tenantNameProperty().set("maas");
        model.channelProperty().set("stable");
        assertThat(model.errorProperty("threescale.tenantName").get()).isEmpty();
        assertThat(model.errorProperty("threescale.channel").get()).contains("threescale-2.15");
        model.channelProperty().set("threescale-2.15");
        model.storageTypeProperty().set("s3");
        assertThat(model.s3().get()).isTrue();
        assertThat(model.errorProperty("threescale.storage.s3SecretName").get()).contains("required");
        model.policiesProperty().set(dir.resolve("missing").toString());
        assertThat(model.errorProperty("threescale.policies").get()).contains("folder not found");
        // the configuration is what the form shows; every stage reads the 3scale section, so none runs
        assertThat(config.current().threescale().storage().type()).isEqualTo("s3");
        assertThat(config.problems().get("threescale").stages()).containsExactlyInAnyOrderElementsOf(
                dev.maas.installer.engine.StageIds.ALL);
    }

    @Test
    void validEditsReplaceTheConfig() throws Exception {
        Path policy = Files.createDirectories(dir.resolve("policy-a"));
        model.tenantNameProperty().set("models");
        model.organizationNameProperty().set("ACME AI");
        model.storageTypeProperty().set("s3");
        model.s3SecretNameProperty().set("s3-creds");
        model.policiesProperty().set(policy + "\n\n");

        var t = config.current().threescale();
        assertThat(t.tenantName()).isEqualTo("models");
        assertThat(t.organizationName()).isEqualTo("ACME AI");
        assertThat(t.storage().type()).isEqualTo("s3");
        assertThat(t.storage().s3SecretName()).isEqualTo("s3-creds");
        assertThat(t.storage().storageClass()).isNull();
        assertThat(t.policies()).isEqualTo(List.of(policy.toString()));
        assertThat(config.current().sso()).isEqualTo(InstallerConfig.defaults().sso());
    }

    @Test
    void theAdminCredentialsAreReadOffTheCallingThreadOnlyOnRequest() throws Exception {
        model.refreshLinks().get(10, TimeUnit.SECONDS);
        assertThat(model.adminUrlProperty().get()).isEqualTo("https://maas-admin.apps.example.com");
        assertThat(model.credentialsShownProperty().get()).isFalse();
        assertThat(model.adminPasswordProperty().get()).isEmpty();
        assertThat(lookupThreads).hasSize(1);

        model.showCredentials().get(10, TimeUnit.SECONDS);
        assertThat(model.credentialsShownProperty().get()).isTrue();
        assertThat(model.adminUserProperty().get()).isEqualTo("admin");
        assertThat(model.adminPasswordProperty().get()).isEqualTo(PASSWORD);
        assertThat(SecretRegistry.global().redact(PASSWORD)).doesNotContain(PASSWORD);
        assertThat(lookupThreads).hasSize(2).doesNotContain(Thread.currentThread().getName());
        assertThat(new ThreescalePageModel.Credentials("admin", PASSWORD).toString()).doesNotContain(PASSWORD);

        model.hideCredentials();
        assertThat(model.adminPasswordProperty().get()).isEmpty();
        assertThat(model.credentialsShownProperty().get()).isFalse();
    }
}
