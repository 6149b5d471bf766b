package dev.maas.installer.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.openshift.api.model.operatorhub.packages.v1.PackageChannel;
import io.fabric8.openshift.api.model.operatorhub.packages.v1.PackageManifest;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What the cluster's catalogs offer, read from PackageManifests (packages.operators.coreos.com/v1).
 *
 * <p>Several catalogs may offer a package under the same name (e.g. {@code redhat-operators} and
 * {@code community-operators}); OLM's package server then holds one PackageManifest per catalog, and a GET by name
 * returns whichever comes first in an unordered list (OLM {@code pkg/package-server/provider/registry.go}, {@code Get}).
 * So the catalogs are read with a LIST filtered on {@code metadata.name} (which the package server supports,
 * {@code pkg/package-server/storage/reststorage.go}, {@code nameFor}) and the source is chosen explicitly:
 * the one asked for, else {@value #RED_HAT_CATALOG}, else the only one, else one published by Red Hat, then by name.
 */
public final class OperatorCatalog {
    /** Red Hat's catalog on OpenShift. */
    public static final String RED_HAT_CATALOG = "redhat-operators";

    private OperatorCatalog() { }

    /**
     * A package as a catalog offers it.
     *
     * @param publisher the CatalogSource's publisher (e.g. {@code Red Hat}); null when not given
     */
    public record Entry(String packageName, String catalogSource, String catalogSourceNamespace,
                        String defaultChannel, List<String> channels, String publisher) {
        public Entry(String packageName, String catalogSource, String catalogSourceNamespace, String defaultChannel,
                     List<String> channels) {
            this(packageName, catalogSource, catalogSourceNamespace, defaultChannel, channels, null);
        }

        public boolean hasChannel(String channel) { return channels.contains(channel); }

        /** The channels, comma-separated; {@code (none)} when empty. */
        public String channelsText() { return channels.isEmpty() ? "(none)" : String.join(", ", channels); }
    }

    /** The package in the catalogs listed in {@code catalogNamespace}, or empty when no catalog offers it. */
    public static Optional<Entry> find(KubernetesClient client, String packageName, String catalogNamespace) {
        return find(client, packageName, catalogNamespace, null);
    }

    /**
     * The package as the chosen catalog offers it (see the class comment); with {@code source} set, only that
     * catalog counts. Empty when no (such) catalog offers it.
     */
    public static Optional<Entry> find(KubernetesClient client, String packageName, String catalogNamespace,
                                       String source) {
        return choose(offers(client, packageName, catalogNamespace), source);
    }

    /** Every catalog's offer of the package, in the order {@link #choose} prefers them. */
    public static List<Entry> offers(KubernetesClient client, String packageName, String catalogNamespace) {
        List<PackageManifest> manifests;
        try {
            manifests = client.resources(PackageManifest.class).inNamespace(catalogNamespace)
                    .withField("metadata.name", packageName).list().getItems();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return List.of();
            }
            throw ClusterErrors.translate(e, "listing the PackageManifests of " + packageName);
        }
        return manifests.stream()
                .filter(pm -> pm != null && pm.getStatus() != null && packageName.equals(pm.getMetadata().getName()))
                .map(pm -> entry(packageName, pm))
                .sorted(PREFERENCE)
                .toList();
    }

    /** The entry of {@code source} when given (empty when that catalog does not offer it), else the preferred one. */
    public static Optional<Entry> choose(List<Entry> offers, String source) {
        if (source != null && !source.isBlank()) {
            return offers.stream().filter(e -> source.equals(e.catalogSource())).findFirst();
        }
        return offers.stream().min(PREFERENCE);
    }

    /** "redhat-operators, community-operators": the catalogs that offer it. */
    public static String sourcesText(List<Entry> offers) {
        return offers.isEmpty() ? "none"
                : offers.stream().map(Entry::catalogSource).collect(Collectors.joining(", "));
    }

    private static final Comparator<Entry> PREFERENCE = Comparator
            .comparing((Entry e) -> !RED_HAT_CATALOG.equals(e.catalogSource()))
            .thenComparing(e -> !"Red Hat".equalsIgnoreCase(Objects.requireNonNullElse(e.publisher(), "")))
            .thenComparing(e -> Objects.requireNonNullElse(e.catalogSource(), ""));

    private static Entry entry(String packageName, PackageManifest pm) {
        List<String> channels = pm.getStatus().getChannels() == null ? List.of()
                : pm.getStatus().getChannels().stream().filter(Objects::nonNull).map(PackageChannel::getName)
                .filter(Objects::nonNull).sorted().toList();
        return new Entry(packageName, pm.getStatus().getCatalogSource(), pm.getStatus().getCatalogSourceNamespace(),
                pm.getStatus().getDefaultChannel(), channels, pm.getStatus().getCatalogSourcePublisher());
    }
}
