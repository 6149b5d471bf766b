package dev.maas.installer.cluster;

/**
 * One context of a kubeconfig, as the connection page's picker shows it.
 *
 * @param current whether it is the kubeconfig's current-context
 */
public record KubeContext(String name, String clusterUrl, String user, String namespace, boolean current) {
    /** "name — user @ url (namespace)" for a list cell. */
    public String label() {
        return name + " — " + (user == null ? "?" : user) + " @ " + (clusterUrl == null ? "?" : clusterUrl)
                + (namespace == null || namespace.isBlank() ? "" : " (" + namespace + ")");
    }
}
