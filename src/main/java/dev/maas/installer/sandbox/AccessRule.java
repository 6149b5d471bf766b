package dev.maas.installer.sandbox;

/**
 * A permission the test cluster's user does NOT have: requests matching it are answered 403 and
 * SelfSubjectAccessReviews for it say {@code allowed: false}. {@code "*"} matches anything; {@code namespace}
 * {@code "*"} also matches cluster-scoped requests.
 *
 * @param verb      get, list, watch, create, update, patch, delete, deletecollection or *
 * @param group     API group ("" for core) or *
 * @param resource  plural resource name or *
 * @param namespace namespace or *
 */
public record AccessRule(String verb, String group, String resource, String namespace) {
    public static AccessRule deny(String verb, String group, String resource) {
        return new AccessRule(verb, group, resource, "*");
    }

    boolean matches(String v, String g, String r, String ns) {
        return m(verb, v) && m(group, g == null ? "" : g) && m(resource, r)
                && ("*".equals(namespace) || namespace.equals(ns == null ? "" : ns));
    }

    private static boolean m(String pattern, String value) {
        return "*".equals(pattern) || pattern.equals(value);
    }
}
