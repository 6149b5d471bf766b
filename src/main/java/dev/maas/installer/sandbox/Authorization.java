package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static dev.maas.installer.sandbox.ApiStatus.*;

/**
 * Who may do what on the API server: the sandbox's access rules (denials), and, when switched on, the RBAC of the
 * stored objects; the answers to SelfSubjectAccessReview.
 */
final class Authorization {
    /** The groups of an OpenShift user who logged in through OAuth. */
    static final List<String> USER_GROUPS = List.of("system:authenticated", "system:authenticated:oauth");

    private final String userName;
    private final List<AccessRule> denied = new CopyOnWriteArrayList<>();
    /** The user's rights from the stored RBAC objects; null: the user is a cluster admin (only {@link #denied}). */
    private volatile Rbac rbac;
    /** Parsed rbac.authorization.k8s.io objects by plural; emptied by every write to that group. */
    private final Map<String, List<JsonNode>> rbacObjects = new ConcurrentHashMap<>();
    private final Function<String, List<JsonNode>> storedRbacObjects;

    /** {@code storedRbacObjects}: the stored objects of an rbac.authorization.k8s.io plural, parsed. */
    Authorization(String userName, Function<String, List<JsonNode>> storedRbacObjects) {
        this.userName = userName;
        this.storedRbacObjects = storedRbacObjects;
    }

    /** Evaluates the user's requests against the stored RBAC objects (true), or lets the user do everything. */
    void rbac(boolean enabled) {
        this.rbac = enabled ? new Rbac(this::rbacObjects) : null;
    }

    /** The stored objects of an rbac.authorization.k8s.io plural, parsed once per change. */
    private List<JsonNode> rbacObjects(String plural) {
        return rbacObjects.computeIfAbsent(plural, storedRbacObjects);
    }

    /** Forgets the parsed RBAC objects (a write changed them). */
    void forgetRbacObjects() {
        rbacObjects.clear();
    }

    void deny(AccessRule rule) {
        denied.add(rule);
    }

    void allowAll() {
        denied.clear();
    }

    boolean isDenied(String verb, String group, String resource, String subresource, String namespace,
                             String name) {
        for (AccessRule rule : denied) {
            if (rule.matches(verb, group, resource, namespace)) {
                return true;
            }
        }
        Rbac r = rbac;
        return r != null && !r.allows(userName, USER_GROUPS,
                new Rbac.Attributes(verb, group == null ? "" : group, resource, subresource, namespace, name));
    }

    String forbiddenMessage(String verb, ApiTarget t, String ns) {
        String res = t.group().isEmpty() ? t.plural() : t.plural() + "." + t.group();
        String what = (t.name() != null ? res + " \"" + t.name() + "\"" : res) + " is forbidden: User \"" + userName
                + "\" cannot " + verb + " resource \"" + t.plural() + "\" in API group \"" + t.group() + "\"";
        return ns != null && t.namespace() != null ? what + " in the namespace \"" + ns + "\"" : what + " at the cluster scope";
    }

    MockResponse accessReview(ObjectNode review) {
        JsonNode attrs = review.path("spec").path("resourceAttributes");
        String verb = attrs.path("verb").asText("");
        String group = attrs.path("group").asText("");
        String resource = attrs.path("resource").asText("");
        String ns = attrs.path("namespace").asText(null);
        if (ns != null && ns.isEmpty()) {
            ns = null;
        }
        boolean deny = isDenied(verb, group, resource, attrs.path("subresource").asText(null), ns,
                attrs.path("name").asText(null));
        review.put("apiVersion", "authorization.k8s.io/v1").put("kind", "SelfSubjectAccessReview");
        review.withObjectProperty("metadata").put("creationTimestamp", (String) null);
        ObjectNode status = review.putObject("status").put("allowed", !deny);
        if (deny) {
            status.put("denied", true).put("reason", "denied by the sandbox's access rules");
        } else {
            status.put("reason", rbac == null ? "the sandbox user may do everything" : "allowed by the sandbox's RBAC");
        }
        return json(201, review);
    }
}
