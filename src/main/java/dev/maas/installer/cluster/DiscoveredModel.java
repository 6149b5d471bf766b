package dev.maas.installer.cluster;

/**
 * A served model found on the cluster (a KServe InferenceService).
 *
 * @param name        the InferenceService name
 * @param displayName the {@code openshift.io/display-name} annotation, else the name
 * @param ready       whether its {@code Ready} condition is True
 * @param url         the URL APIcast can call it at, in the cluster ({@link ModelDiscovery}); null when there is
 *                    none (not known yet, or {@code problem} says why)
 * @param mode        how KServe serves it: {@code RawDeployment}, {@code Serverless}, {@code ModelMesh} (null: not
 *                    known)
 * @param problem     why APIcast cannot use it as it is, e.g. token authentication; null when it can
 * @param fix         what to do about {@code problem}; null when there is none
 */
public record DiscoveredModel(String name, String displayName, String namespace, boolean ready, String url,
                              String mode, String problem, String fix) {
    public DiscoveredModel(String name, String displayName, String namespace, boolean ready, String url) {
        this(name, displayName, namespace, ready, url, null, null, null);
    }

    /** Whether the model can be published as it is: ready, with a URL APIcast can reach. */
    public boolean usable() {
        return ready && problem == null && url != null && !url.isBlank();
    }

    /** "namespace/name". */
    public String qualifiedName() {
        return namespace + "/" + name;
    }
}
