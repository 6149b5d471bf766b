package dev.maas.installer.cluster;

/**
 * A served model found on the cluster (a KServe InferenceService).
 *
 * @param name        the InferenceService name
 * @param displayName the {@code openshift.io/display-name} annotation, else the name
 * @param ready       whether its {@code Ready} condition is True
 * @param url         the in-cluster URL ({@code status.address.url}, else {@code status.url}); null when not yet known
 */
public record DiscoveredModel(String name, String displayName, String namespace, boolean ready, String url) { }
