package dev.maas.installer.cli;

import dev.maas.installer.cluster.ClusterConnection;
import dev.maas.installer.cluster.ClusterException;
import dev.maas.installer.cluster.TrustStore;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.function.Consumer;

/**
 * The run's one connection, made the first time something asks for it through
 * {@code ctx.service(KubernetesClient.class)} or {@code ctx.service(ClusterConnection.class)}: a run as it opens
 * ({@link dev.maas.installer.engine.run.RunContext#open}), or the {@code usage} report as it reads. Trusts the
 * {@code --trust-fingerprint} certificate first, then connects through {@link ClusterConnection#connect}, and
 * announces the connection with one line.
 */
final class CliCluster {
    private final ClusterConnectionOptions.Choice choice;
    private final TrustStore trustStore;
    private final Consumer<String> announce;

    CliCluster(ClusterConnectionOptions.Choice choice, TrustStore trustStore, Consumer<String> announce) {
        this.choice = choice;
        this.trustStore = trustStore;
        this.announce = announce;
    }

    /** Registers the lazy connection and its client in the stage context (the context closes them). */
    void install(StageContext ctx) {
        ctx.provide(ClusterConnection.class, this::connect);
        ctx.provide(KubernetesClient.class, () -> ctx.service(ClusterConnection.class).client());
    }

    ClusterConnectionOptions.Choice choice() { return choice; }

    private ClusterConnection connect() {
        if (choice.problem() != null) {
            throw choice.problem();
        }
        if (choice.fingerprint() != null) {
            String url = choice.clusterUrl();
            if (url == null) {
                throw new ClusterException(ClusterException.Kind.BAD_SETTINGS,
                        "--trust-fingerprint: the kubeconfig context names no cluster URL to trust",
                        Fix.manual("choose a context with a cluster (--context), or use --api-url"), null);
            }
            if (!url.toLowerCase(java.util.Locale.ROOT).startsWith("https://")) {
                throw new ClusterException(ClusterException.Kind.BAD_SETTINGS,
                        "--trust-fingerprint: " + url + " is not an https URL, so it has no certificate to trust",
                        Fix.manual("leave --trust-fingerprint out, or use the cluster's https URL"), null);
            }
            trustStore.trustIfFingerprintMatches(url, choice.fingerprint(), choice.settings().proxy());
        }
        ClusterConnection c = ClusterConnection.connect(choice.settings(), trustStore);
        try {
            announce.accept(describe(c, c.isSandbox()));
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** "Connected to URL (context C, user U)", or "Connected to the local SANDBOX at URL (...)". */
    String describe(ClusterConnection c, boolean sandbox) {
        String url = c.apiUrl() == null ? "?" : c.apiUrl().replaceAll("/+$", "");
        String how = choice.tokenVariable() != null
                ? "token from $" + choice.tokenVariable()
                : "context " + orQuestion(c.contextName()) + ", user " + orQuestion(c.user());
        return (sandbox ? "Connected to the local SANDBOX at " : "Connected to ") + url + " (" + how + ")";
    }

    private static String orQuestion(String s) { return s == null || s.isBlank() ? "?" : s; }
}
