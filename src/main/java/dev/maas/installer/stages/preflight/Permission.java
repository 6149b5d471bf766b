package dev.maas.installer.stages.preflight;

/**
 * One thing the install does on the cluster, checked with a SelfSubjectAccessReview.
 *
 * @param group     API group ("" for the core group)
 * @param namespace null for a cluster-wide check
 * @param name      the object, when the right is about one ({@code get namespace 3scale}); null otherwise
 */
public record Permission(String verb, String group, String resource, String namespace, String name) {
    public Permission(String verb, String group, String resource, String namespace) {
        this(verb, group, resource, namespace, null);
    }

    /** "create subscriptions.operators.coreos.com in namespace 3scale"; "get namespace 3scale". */
    public String describe() {
        if (name != null && resource.equals("namespaces") && group.isEmpty()) {
            return verb + " namespace " + name;
        }
        return verb + " " + qualified() + (name == null ? "" : " " + name)
                + (namespace == null ? " (cluster-wide)" : " in namespace " + namespace);
    }

    /** "subscriptions.operators.coreos.com", "secrets". */
    public String qualified() {
        return resource + (group.isEmpty() ? "" : "." + group);
    }
}
