package dev.maas.installer.stages.preflight;

/**
 * One thing the install does on the cluster, checked with a SelfSubjectAccessReview.
 *
 * @param group     API group ("" for the core group)
 * @param namespace null for a cluster-wide check
 */
public record Permission(String verb, String group, String resource, String namespace) {
    /** "create subscriptions.operators.coreos.com in namespace 3scale". */
    public String describe() {
        return verb + " " + resource + (group.isEmpty() ? "" : "." + group)
                + (namespace == null ? " (cluster-wide)" : " in namespace " + namespace);
    }
}
