package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Kubernetes RBAC as the API server evaluates it (kubernetes {@code plugin/pkg/auth/authorizer/rbac/rbac.go} and
 * {@code pkg/registry/rbac/validation/rule.go}), over the Roles, ClusterRoles and bindings stored in the sandbox: a
 * request is allowed when a ClusterRoleBinding, or a RoleBinding in the request's namespace, binds the user (or one of
 * its groups) to a role with a matching rule. A ClusterRole with an {@code aggregationRule} has the rules of every
 * ClusterRole its selectors match, as the aggregation controller writes them (kubernetes
 * {@code pkg/controller/clusterroleaggregation}); that is how {@code admin} gains what OLM aggregates into it.
 */
final class Rbac {
    /** One request's attributes, as in a SubjectAccessReview. {@code namespace} null: cluster-scoped. */
    record Attributes(String verb, String group, String resource, String subresource, String namespace, String name) {
        String resourceWithSubresource() {
            return subresource == null || subresource.isEmpty() ? resource : resource + "/" + subresource;
        }
    }

    private final Function<String, List<JsonNode>> stored;

    /** @param stored the stored objects of an rbac.authorization.k8s.io plural ({@code clusterroles}, ...) */
    Rbac(Function<String, List<JsonNode>> stored) {
        this.stored = stored;
    }

    /** Whether {@code user} in {@code groups} may do what {@code a} describes. */
    boolean allows(String user, List<String> groups, Attributes a) {
        List<JsonNode> clusterRoles = stored.apply("clusterroles");
        for (JsonNode binding : stored.apply("clusterrolebindings")) {
            if (binds(binding, user, groups) && anyRuleAllows(role(binding, clusterRoles, List.of()), a)) {
                return true;
            }
        }
        if (a.namespace() == null) {
            return false;
        }
        List<JsonNode> roles = stored.apply("roles");
        for (JsonNode binding : stored.apply("rolebindings")) {
            if (a.namespace().equals(binding.path("metadata").path("namespace").asText())
                    && binds(binding, user, groups)
                    && anyRuleAllows(role(binding, clusterRoles, roles), a)) {
                return true;
            }
        }
        return false;
    }

    private static boolean binds(JsonNode binding, String user, List<String> groups) {
        for (JsonNode s : binding.path("subjects")) {
            String kind = s.path("kind").asText();
            String name = s.path("name").asText();
            if (("User".equals(kind) && name.equals(user)) || ("Group".equals(kind) && groups.contains(name))) {
                return true;
            }
        }
        return false;
    }

    /** The rules of the binding's role: a Role of its namespace or a ClusterRole (aggregated). */
    private static List<JsonNode> role(JsonNode binding, List<JsonNode> clusterRoles, List<JsonNode> roles) {
        JsonNode ref = binding.path("roleRef");
        String name = ref.path("name").asText();
        if ("Role".equals(ref.path("kind").asText())) {
            String ns = binding.path("metadata").path("namespace").asText();
            for (JsonNode r : roles) {
                if (name.equals(r.path("metadata").path("name").asText())
                        && ns.equals(r.path("metadata").path("namespace").asText())) {
                    return list(r.path("rules"));
                }
            }
            return List.of();
        }
        return clusterRoleRules(name, clusterRoles, new HashSet<>());
    }

    private static List<JsonNode> clusterRoleRules(String name, List<JsonNode> clusterRoles, Set<String> seen) {
        if (!seen.add(name)) {
            return List.of();
        }
        JsonNode role = null;
        for (JsonNode r : clusterRoles) {
            if (name.equals(r.path("metadata").path("name").asText())) {
                role = r;
            }
        }
        if (role == null) {
            return List.of();
        }
        List<JsonNode> rules = new ArrayList<>(list(role.path("rules")));
        for (JsonNode selector : role.path("aggregationRule").path("clusterRoleSelectors")) {
            for (JsonNode candidate : clusterRoles) {
                if (matches(selector.path("matchLabels"), candidate.path("metadata").path("labels"))) {
                    rules.addAll(clusterRoleRules(candidate.path("metadata").path("name").asText(), clusterRoles,
                            seen));
                }
            }
        }
        return rules;
    }

    private static boolean matches(JsonNode matchLabels, JsonNode labels) {
        if (!matchLabels.isObject() || matchLabels.isEmpty()) {
            return false;
        }
        var it = matchLabels.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    /** rule.go {@code RuleAllows}: verb, group, resource (with subresource) and, when listed, the object's name. */
    private static boolean anyRuleAllows(List<JsonNode> rules, Attributes a) {
        for (JsonNode rule : rules) {
            if (has(rule.path("verbs"), a.verb()) && has(rule.path("apiGroups"), a.group())
                    && resourceMatches(rule.path("resources"), a)
                    && (rule.path("resourceNames").isEmpty() || contains(rule.path("resourceNames"), a.name()))) {
                return true;
            }
        }
        return false;
    }

    private static boolean resourceMatches(JsonNode resources, Attributes a) {
        String combined = a.resourceWithSubresource();
        for (JsonNode r : resources) {
            String v = r.asText();
            if (v.equals("*") || v.equals(combined)
                    || (a.subresource() != null && !a.subresource().isEmpty() && v.equals("*/" + a.subresource()))) {
                return true;
            }
        }
        return false;
    }

    private static boolean has(JsonNode values, String value) {
        for (JsonNode v : values) {
            if (v.asText().equals("*") || v.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(JsonNode values, String value) {
        for (JsonNode v : values) {
            if (v.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
