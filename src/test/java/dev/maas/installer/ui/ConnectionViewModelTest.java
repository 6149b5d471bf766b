package dev.maas.installer.ui;

import dev.maas.installer.cluster.CertificateInfo;
import dev.maas.installer.cluster.ClusterException;
import dev.maas.installer.cluster.ConnectionSettings;
import dev.maas.installer.cluster.KubeContext;
import dev.maas.installer.cluster.Kubeconfigs;
import dev.maas.installer.cluster.ProxySettings;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.ui.model.ConnectionInfo;
import dev.maas.installer.ui.model.ConnectionViewModel;
import dev.maas.installer.ui.model.ConnectionViewModel.Mode;
import dev.maas.installer.ui.model.ConnectionViewModel.State;
import dev.maas.installer.ui.model.LogViewModel;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The Connect page's state without a window: inputs to settings, the connect outcome, errors, the token. */
class ConnectionViewModelTest {
    private static final String TOKEN = "sha256~vm-test-token-8d1f0c2b";

    private final List<ConnectionSettings> asked = new ArrayList<>();
    private final List<CompletableFuture<ConnectionInfo>> pending = new ArrayList<>();
    private int disconnects;
    private final ConnectionViewModel.Connector connector = new ConnectionViewModel.Connector() {
        @Override
        public CompletableFuture<ConnectionInfo> connect(ConnectionSettings settings) {
            asked.add(settings);
            CompletableFuture<ConnectionInfo> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }

        @Override
        public CompletableFuture<Void> trust(String clusterUrl, CertificateInfo certificate) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void disconnect() { disconnects++; }
    };
    private final ObjectProperty<ConnectionInfo> header = new SimpleObjectProperty<>();
    private final LogViewModel log = new LogViewModel();

    private ConnectionViewModel model(Path kubeconfig) {
        return new ConnectionViewModel(connector, Kubeconfigs::contexts, Runnable::run, Runnable::run, header, log,
                new ProxySettings("http://proxy.corp.example:3128", List.of(".corp.example", "10.0.0.1")), kubeconfig);
    }

    @Test
    void aTokenConnectionGoesThroughConnectingToConnected(@TempDir Path dir) {
        ConnectionViewModel vm = model(dir.resolve("missing"));
        assertThat(vm.proxyUrlProperty().get()).isEqualTo("http://proxy.corp.example:3128");
        assertThat(vm.noProxyProperty().get()).isEqualTo(".corp.example,10.0.0.1");
        assertThat(vm.contextsMessageProperty().get()).contains("no kubeconfig file");

        vm.modeProperty().set(Mode.TOKEN);
        vm.apiUrlProperty().set("https://api.c1.example:6443");
        for (int i = 1; i <= TOKEN.length(); i++) {
            vm.tokenProperty().set(TOKEN.substring(0, i)); // typed one key at a time
        }
        vm.noProxyProperty().set("api.c1.example");
        assertThat(vm.connect()).isTrue();
        assertThat(vm.state()).isEqualTo(State.CONNECTING);
        assertThat(vm.connecting().get()).isTrue();
        assertThat(vm.statusTextProperty().get()).isEqualTo("Connecting to https://api.c1.example:6443 …");
        assertThat(vm.connect()).as("one connect at a time").isFalse();
        ConnectionSettings s = asked.get(0);
        assertThat(s.apiUrl()).isEqualTo("https://api.c1.example:6443");
        assertThat(s.token()).isEqualTo(TOKEN);
        assertThat(s.proxy().noProxy()).containsExactly("api.c1.example");

        pending.get(0).complete(new ConnectionInfo("https://api.c1.example:6443", null, false));
        assertThat(vm.state()).isEqualTo(State.CONNECTED);
        assertThat(header.get().cluster()).isEqualTo("https://api.c1.example:6443");
        assertThat(vm.statusTextProperty().get()).isEqualTo("Connected to https://api.c1.example:6443");

        assertThat(SecretRegistry.global().redact(TOKEN)).isEqualTo(SecretRegistry.MASK);
        assertThat(SecretRegistry.global().redact("sha256~vm-t")).as("what was typed on the way is no secret")
                .isEqualTo("sha256~vm-t");
        assertThat(log.lines()).extracting(LogLine::message).noneMatch(m -> m.contains(TOKEN))
                .anyMatch(m -> m.contains("connecting to https://api.c1.example:6443 with a token"));

        vm.disconnect();
        assertThat(disconnects).isEqualTo(1);
        assertThat(header.get()).isNull();
        assertThat(vm.state()).isEqualTo(State.NOT_CONNECTED);
    }

    @Test
    void errorsSayWhatToDoAndAFailedReconnectClearsTheHeader(@TempDir Path dir) throws Exception {
        Path kc = dir.resolve("kubeconfig");
        Files.writeString(kc, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: c
                  cluster: {server: "https://api.c2.example:6443"}
                users:
                - name: u
                  user: {token: sha256~kubeconfig-token-xyz}
                contexts:
                - name: only
                  context: {cluster: c, user: u}
                current-context: only
                """);
        ConnectionViewModel vm = model(kc);
        assertThat(vm.selectedContextProperty().get().name()).isEqualTo("only");
        header.set(new ConnectionInfo("https://old.example:6443", "old", false));

        assertThat(vm.connect()).isTrue();
        assertThat(header.get()).as("a new choice replaces the old connection").isNull();
        assertThat(vm.statusTextProperty().get()).isEqualTo("Connecting to https://api.c2.example:6443 …");
        pending.get(0).completeExceptionally(new ClusterException(ClusterException.Kind.FORBIDDEN,
                "forbidden (403): you may not list namespaces (cluster-wide)",
                Fix.manual("ask a cluster administrator for permission to list namespaces"), null));
        assertThat(vm.state()).isEqualTo(State.FAILED);
        assertThat(vm.errorTitleProperty().get()).isEqualTo("Permission denied (403)");
        assertThat(vm.errorMessageProperty().get()).contains("list namespaces");
        assertThat(vm.errorFixProperty().get()).contains("ask a cluster administrator");
        assertThat(vm.certificateProperty().get()).isNull();
        assertThat(header.get()).isNull();

        vm.kubeconfigPathProperty().set("");
        vm.loadContexts();
        assertThat(vm.connect()).isFalse();
        assertThat(vm.errorKindProperty().get()).isEqualTo(ClusterException.Kind.BAD_SETTINGS);
        assertThat(vm.errorMessageProperty().get()).contains("choose a kubeconfig file");
        assertThat(asked).hasSize(1);
    }

    @Test
    void theKubeconfigIsReadOffTheFxThreadAndTheLatestReadIsListed(@TempDir Path dir) throws Exception {
        Path first = writeKubeconfig(dir.resolve("first"), "a", "b", "b");
        Path second = writeKubeconfig(dir.resolve("second"), "x", "y", "x");
        ExecutorService fxThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-fx"));
        ExecutorService background = Executors.newCachedThreadPool(r -> new Thread(r, "test-reader"));
        Queue<String> readOn = new ConcurrentLinkedQueue<>();
        Map<Path, CountDownLatch> gates = new ConcurrentHashMap<>();
        ConnectionViewModel.KubeconfigReader reader = file -> {
            readOn.add(Thread.currentThread().getName());
            CountDownLatch gate = gates.get(file);
            try {
                if (gate != null && !gate.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never let the read finish");
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return Kubeconfigs.contexts(file);
        };
        try {
            ConnectionViewModel vm = on(fxThread, () -> new ConnectionViewModel(connector, reader, background,
                    fxThread, header, log, ProxySettings.NONE, null));
            gates.put(first, new CountDownLatch(1));
            CompletableFuture<Void> firstShown = on(fxThread, () -> {
                vm.kubeconfigPathProperty().set(first.toString());
                return vm.loadContexts();
            });
            // while it is read: a neutral state, nothing to pick, and Connect says to wait
            assertThat(on(fxThread, () -> List.of(vm.readingContextsProperty().get(), vm.contextsMessageProperty().get(),
                    vm.contexts().size(), vm.connect())))
                    .containsExactly(true, ConnectionViewModel.READING_CONTEXTS, 0, false);
            assertThat(on(fxThread, () -> vm.errorMessageProperty().get())).contains("still being read");
            assertThat(on(fxThread, () -> vm.errorKindProperty().get())).isEqualTo(ClusterException.Kind.BAD_SETTINGS);

            // another file chosen meanwhile: its contexts are listed, the first read's result is dropped
            CompletableFuture<Void> secondShown = on(fxThread, () -> {
                vm.kubeconfigPathProperty().set(second.toString());
                return vm.loadContexts();
            });
            secondShown.get(10, TimeUnit.SECONDS);
            gates.get(first).countDown();
            firstShown.get(10, TimeUnit.SECONDS);
            assertThat(on(fxThread, () -> vm.contexts().stream().map(KubeContext::name).toList()))
                    .containsExactly("x", "y");
            assertThat(on(fxThread, () -> vm.selectedContextProperty().get().name())).isEqualTo("x");
            assertThat(on(fxThread, () -> vm.contextsMessageProperty().get())).isEqualTo("2 contexts in this file");
            assertThat(on(fxThread, () -> vm.readingContextsProperty().get())).isFalse();
            assertThat(readOn).hasSize(2).containsOnly("test-reader");

            // reading the same file again keeps the context the user picked
            on(fxThread, () -> {
                vm.selectedContextProperty().set(vm.contexts().get(1));
                return null;
            });
            on(fxThread, vm::loadContexts).get(10, TimeUnit.SECONDS);
            assertThat(on(fxThread, () -> vm.selectedContextProperty().get().name())).isEqualTo("y");

            // a file that is not there: said plainly, with what to do
            on(fxThread, () -> {
                vm.kubeconfigPathProperty().set(dir.resolve("missing").toString());
                return vm.loadContexts();
            }).get(10, TimeUnit.SECONDS);
            assertThat(on(fxThread, () -> vm.contextsMessageProperty().get()))
                    .contains("no kubeconfig file at " + dir.resolve("missing")).contains("oc login");
            assertThat(on(fxThread, () -> vm.contexts().isEmpty() && vm.selectedContextProperty().get() == null))
                    .isTrue();
        } finally {
            fxThread.shutdownNow();
            background.shutdownNow();
        }
    }

    private static <T> T on(ExecutorService thread, Callable<T> work) throws Exception {
        return thread.submit(work).get(10, TimeUnit.SECONDS);
    }

    private static Path writeKubeconfig(Path file, String one, String two, String current) throws Exception {
        return Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: c
                  cluster: {server: "https://api.c3.example:6443"}
                users:
                - name: u
                  user: {token: not-a-real-token}
                contexts:
                - name: %s
                  context: {cluster: c, user: u}
                - name: %s
                  context: {cluster: c, user: u, namespace: models}
                current-context: %s
                """.formatted(one, two, current));
    }
}
