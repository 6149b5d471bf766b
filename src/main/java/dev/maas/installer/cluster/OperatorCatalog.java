package dev.maas.installer.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.openshift.api.model.operatorhub.packages.v1.PackageChannel;
import io.fabric8.openshift.api.model.operatorhub.packages.v1.PackageManifest;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** What the cluster's catalogs offer, read from PackageManifests (packages.operators.coreos.com/v1). */
public final class OperatorCatalog {
    private OperatorCatalog() { }

    /** A package as a catalog offers it. */
    public record Entry(String packageName, String catalogSource, String catalogSourceNamespace,
                        String defaultChannel, List<String> channels) {
        public boolean hasChannel(String channel) { return channels.contains(channel); }

        /** The CSV name the channel currently points at, when the catalog says. */
        public String channelsText() { return channels.isEmpty() ? "(none)" : String.join(", ", channels); }
    }

    /** The package in the catalogs listed in {@code catalogNamespace}, or empty when no catalog offers it. */
    public static Optional<Entry> find(KubernetesClient client, String packageName, String catalogNamespace) {
        PackageManifest pm;
        try {
            pm = client.resources(PackageManifest.class).inNamespace(catalogNamespace).withName(packageName).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return Optional.empty();
            }
            throw ClusterErrors.translate(e, "reading PackageManifest " + packageName);
        }
        if (pm == null || pm.getStatus() == null) {
            return Optional.empty();
        }
        List<String> channels = pm.getStatus().getChannels() == null ? List.of()
                : pm.getStatus().getChannels().stream().filter(Objects::nonNull).map(PackageChannel::getName)
                .filter(Objects::nonNull).sorted().toList();
        return Optional.of(new Entry(packageName, pm.getStatus().getCatalogSource(),
                pm.getStatus().getCatalogSourceNamespace(), pm.getStatus().getDefaultChannel(), channels));
    }
}
