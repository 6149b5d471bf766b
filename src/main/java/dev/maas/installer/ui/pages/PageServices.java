package dev.maas.installer.ui.pages;

import dev.maas.installer.cluster.ClusterConnection;
import dev.maas.installer.cluster.DiscoveredModel;
import dev.maas.installer.cluster.ModelDiscovery;
import dev.maas.installer.stages.common.ClusterFacts;
import dev.maas.installer.ui.model.ConfigViewModel;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * What the stage pages need from the wizard they are shown in: the configuration the runs use, the model discovery
 * and the cluster's apps domain (blocking calls, run by the pages off the FX thread; the domain is null when
 * unknown), the executor that runs them, the FX executor, the products page's prune choice (which the shell
 * reads when it starts a run) and how a link opens. The shell makes one and attaches every {@link ConfigPage} to it.
 */
public record PageServices(ConfigViewModel config, Supplier<List<DiscoveredModel>> discovery,
                           Supplier<String> appsDomain, Executor background, Executor fx, PruneChoice prune,
                           java.util.function.Consumer<String> openLink) {
    public PageServices {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(discovery, "discovery");
        Objects.requireNonNull(appsDomain, "appsDomain");
        Objects.requireNonNull(background, "background");
        Objects.requireNonNull(fx, "fx");
        Objects.requireNonNull(prune, "prune");
        Objects.requireNonNull(openLink, "openLink");
    }

    /** Services whose links are copied to the clipboard instead of opened (no browser at hand). */
    public PageServices(ConfigViewModel config, Supplier<List<DiscoveredModel>> discovery,
                        Supplier<String> appsDomain, Executor background, Executor fx, PruneChoice prune) {
        this(config, discovery, appsDomain, background, fx, prune, PageSupport.COPY_ONLY);
    }

    /** The same services, with links opened by {@code opener} (the app: the desktop's web browser). */
    public PageServices withLinks(java.util.function.Consumer<String> opener) {
        return new PageServices(config, discovery, appsDomain, background, fx, prune, opener);
    }

    /** Services with a prune choice of their own (off). */
    public PageServices(ConfigViewModel config, Supplier<List<DiscoveredModel>> discovery,
                        Supplier<String> appsDomain, Executor background, Executor fx) {
        this(config, discovery, appsDomain, background, fx, new PruneChoice());
    }

    /**
     * The services of the real wizard: discovery and the apps domain read through the wizard's current cluster
     * connection (read-only calls), on the pages' daemon look-up threads so that they never wait behind a run.
     */
    public static PageServices of(ConfigViewModel config, Supplier<Optional<ClusterConnection>> connection,
                                  Executor fx) {
        Executor background = PageSupport.BACKGROUND;
        Supplier<ClusterConnection> conn = () -> connection.get().orElseThrow(() -> new IllegalStateException(
                "Connect first: the wizard is not connected to a cluster (open the Connect page)"));
        return new PageServices(config, () -> new ModelDiscovery(conn.get().client()).discover(),
                () -> connection.get().flatMap(c -> ClusterFacts.appsDomain(c.client())).orElse(null),
                background, fx);
    }
}
