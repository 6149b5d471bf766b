package dev.maas.installer.ui;

import dev.maas.installer.cluster.CertificateInfo;
import dev.maas.installer.cluster.ClusterConnection;
import dev.maas.installer.cluster.ConnectionSettings;
import dev.maas.installer.cluster.TrustStore;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.ui.model.ConnectionInfo;
import dev.maas.installer.ui.model.ConnectionViewModel;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The wizard's cluster connection, kept off the FX thread: connects (and trusts certificates) on its own thread,
 * holds the one current {@link ClusterConnection} (a new one for each choice; the previous one is closed) and gives
 * each run a {@link KubernetesClient} made from it. Without a connection, a run that asks for the cluster fails with
 * "Connect first".
 */
public final class ConnectionService implements ConnectionViewModel.Connector, AutoCloseable {
    /** How a connection is made; {@link ClusterConnection#connect} in the app, wrapped in tests. */
    @FunctionalInterface
    public interface Connect {
        ClusterConnection connect(ConnectionSettings settings, TrustStore trustStore);
    }

    private final TrustStore trustStore;
    private final Connect connect;
    private final ExecutorService executor;
    private final AtomicReference<ClusterConnection> current = new AtomicReference<>();

    public ConnectionService(TrustStore trustStore, Connect connect) {
        this.trustStore = Objects.requireNonNull(trustStore, "trustStore");
        this.connect = Objects.requireNonNull(connect, "connect");
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "maas-connect");
            t.setDaemon(true);
            return t;
        });
    }

    public TrustStore trustStore() { return trustStore; }

    /** The current connection, if any. */
    public Optional<ClusterConnection> current() { return Optional.ofNullable(current.get()); }

    /**
     * Closes the current connection, then connects with the settings on this service's thread and checks whether the
     * cluster is the local sandbox. Completes exceptionally with what {@link ClusterConnection#connect} threw.
     */
    @Override
    public CompletableFuture<ConnectionInfo> connect(ConnectionSettings settings) {
        Objects.requireNonNull(settings, "settings");
        return CompletableFuture.supplyAsync(() -> {
            disconnectNow();
            ClusterConnection conn = connect.connect(settings, trustStore);
            boolean sandbox = conn.isSandbox();
            ClusterConnection previous = current.getAndSet(conn);
            if (previous != null && previous != conn) {
                previous.close();
            }
            String url = conn.apiUrl().endsWith("/") ? conn.apiUrl().substring(0, conn.apiUrl().length() - 1)
                    : conn.apiUrl();
            return new ConnectionInfo(url, conn.contextName(), sandbox);
        }, executor);
    }

    /** Remembers the certificate for the URL in the trust store (a file write, so also off the FX thread). */
    @Override
    public CompletableFuture<Void> trust(String clusterUrl, CertificateInfo certificate) {
        return CompletableFuture.runAsync(() -> trustStore.trust(clusterUrl, certificate), executor);
    }

    @Override
    public void disconnect() { executor.execute(this::disconnectNow); }

    private void disconnectNow() {
        ClusterConnection previous = current.getAndSet(null);
        if (previous != null) {
            previous.close();
        }
    }

    /**
     * Gives the run's context a {@link KubernetesClient}: a new client with the current connection's (checked)
     * configuration, closed with the context, so that the connection itself outlives the run. Without a connection,
     * a context that has no client of its own gets one that fails with "Connect first".
     */
    public void provideTo(StageContext ctx) {
        ClusterConnection conn = current.get();
        if (conn != null) {
            io.fabric8.kubernetes.client.Config config = conn.client().getConfiguration();
            ctx.provide(KubernetesClient.class, () -> new KubernetesClientBuilder().withConfig(config)
                    .withHttpClientFactory(new OkHttpClientFactory()).build());
        } else if (!ctx.has(KubernetesClient.class)) {
            ctx.provide(KubernetesClient.class, () -> {
                throw new StageException("Connect first: the wizard is not connected to a cluster",
                        Fix.manual("open the Connect page (top of the left list), choose your kubeconfig context or"
                                + " enter the API URL and a token, and press Connect"));
            });
        }
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        disconnectNow();
    }
}
