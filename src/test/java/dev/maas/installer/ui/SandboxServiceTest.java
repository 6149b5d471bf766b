package dev.maas.installer.ui;

import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.ui.model.ConfigViewModel;
import dev.maas.installer.ui.model.ConnectionViewModel;
import dev.maas.installer.ui.model.LogViewModel;
import dev.maas.installer.ui.model.SandboxViewModel;
import javafx.beans.property.SimpleObjectProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The "is a cluster given" decision, the sandbox folder, and the sandbox's life cycle, without a window. */
class SandboxServiceTest {
    @TempDir
    Path home;

    @Test
    void aClusterIsGivenByAnExplicitKubeconfigTheVariableOrTheHomeFile() throws Exception {
        assertThat(WizardShell.isClusterGiven(null, Map.<String, String>of()::get, home)).isFalse();
        assertThat(WizardShell.isClusterGiven(" ", Map.of("KUBECONFIG", "")::get, home)).isFalse();
        assertThat(WizardShell.isClusterGiven("/some/kubeconfig", Map.<String, String>of()::get, home)).isTrue();
        assertThat(WizardShell.isClusterGiven(null, Map.of("KUBECONFIG", "/x/kc")::get, home)).isTrue();
        Files.createDirectories(home.resolve(".kube"));
        assertThat(WizardShell.isClusterGiven(null, Map.<String, String>of()::get, home)).isFalse();
        Files.writeString(home.resolve(".kube/config"), "apiVersion: v1\n");
        assertThat(WizardShell.isClusterGiven(null, Map.<String, String>of()::get, home)).isTrue();
    }

    @Test
    void theSandboxLivesInThePerUserDataFolder() {
        assertThat(WizardShell.sandboxDir(Map.<String, String>of()::get, home))
                .isEqualTo(home.resolve(".local/share/maas-installer/sandbox"));
        assertThat(WizardShell.sandboxDir(Map.of("XDG_DATA_HOME", "/data/me")::get, home))
                .isEqualTo(Path.of("/data/me/maas-installer/sandbox"));
        assertThat(WizardShell.sandboxDir(Map.of("XDG_DATA_HOME", "relative")::get, home))
                .isEqualTo(home.resolve(".local/share/maas-installer/sandbox"));
        assertThat(WizardShell.homeDir(Map.of("HOME", home.toString())::get)).isEqualTo(home);
        assertThat(WizardShell.defaultKubeconfig(Map.of("KUBECONFIG", "/a/one:/b/two")::get, home))
                .isEqualTo(Path.of("/a/one"));
        assertThat(WizardShell.defaultKubeconfig(Map.<String, String>of()::get, home))
                .isEqualTo(home.resolve(".kube/config"));
    }

    @Test
    void oneSandboxPerWizardStoppedOnCloseEvenWhenItWasStillStarting() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger starts = new AtomicInteger();
        AtomicInteger stops = new AtomicInteger();
        SandboxLauncher slow = dir -> {
            starts.incrementAndGet();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new SandboxLauncher.Started(dir.resolve("kubeconfig"), dir.resolve("maas-installer.yaml"),
                    stops::incrementAndGet);
        };
        SandboxService service = new SandboxService(slow, home);
        CompletableFuture<SandboxLauncher.Started> first = service.start();
        assertThat(service.start()).isSameAs(first);
        service.close();
        release.countDown();
        assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("closed while the sandbox was starting");
        assertThat(starts).hasValue(1);
        assertThat(stops).hasValue(1);
        assertThat(service.start()).isCompletedExceptionally();

        SandboxService quick = new SandboxService(dir -> new SandboxLauncher.Started(dir.resolve("kubeconfig"),
                dir.resolve("maas-installer.yaml"), stops::incrementAndGet), home);
        SandboxLauncher.Started started = quick.start().get(10, TimeUnit.SECONDS);
        assertThat(quick.start().get(10, TimeUnit.SECONDS)).isSameAs(started);
        quick.close();
        quick.close();
        assertThat(stops).hasValue(2);
    }

    @Test
    void aSandboxThatDoesNotStartSaysWhyAndCanBeTriedAgain() {
        LogViewModel log = new LogViewModel();
        ConnectionViewModel connection = new ConnectionViewModel(new ConnectionViewModel.Connector() {
            @Override
            public CompletableFuture<dev.maas.installer.ui.model.ConnectionInfo> connect(
                    dev.maas.installer.cluster.ConnectionSettings settings) {
                return new CompletableFuture<>();
            }

            @Override
            public CompletableFuture<Void> trust(String url, dev.maas.installer.cluster.CertificateInfo c) {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public void disconnect() { }
        }, dev.maas.installer.cluster.Kubeconfigs::contexts, Runnable::run, Runnable::run, new SimpleObjectProperty<>(),
                log, null, null);
        ConfigViewModel config = new ConfigViewModel(InstallerConfig.defaults(),
                p -> CompletableFuture.completedFuture(InstallerConfig.defaults()), Runnable::run, log);
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<SandboxViewModel.SandboxFiles> pending = new CompletableFuture<>();
        SandboxViewModel sandbox = new SandboxViewModel(() -> attempts.incrementAndGet() == 1
                ? CompletableFuture.failedFuture(new IllegalStateException("port 6443 is in use"))
                : pending, Runnable::run, connection, config, log);

        sandbox.useSandbox();
        assertThat(sandbox.state()).isEqualTo(SandboxViewModel.State.FAILED);
        assertThat(sandbox.statusTextProperty().get()).isEqualTo("The local sandbox did not start: port 6443 is in use");
        assertThat(log.lines()).anyMatch(l -> l.level().equals("ERROR") && l.message().contains("port 6443"));

        sandbox.useSandbox();
        assertThat(sandbox.state()).isEqualTo(SandboxViewModel.State.STARTING);
        assertThat(sandbox.starting().get()).isTrue();
        assertThat(sandbox.statusTextProperty().get()).isEqualTo("Starting the local sandbox…");
        assertThat(sandbox.useSandbox().getNow(null)).isFalse(); // already starting
        assertThat(attempts).hasValue(2);
    }
}
