package dev.maas.installer.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.catalog.policy.PolicyBundle;
import dev.maas.installer.engine.FieldChange;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A product's APIcast policy chain, in the shape of 3scale's {@code policies_config}: an array of
 * {@code {"name", "version", "configuration", "enabled"}}, built-in policies with version {@code "builtin"}.
 */
public final class PolicyChain {
    public static final String BUILTIN = "builtin";
    public static final String CORS = "cors";
    public static final String APICAST = "apicast";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One entry of the chain; {@code configuration} is a JSON object. */
    public record Policy(String name, String version, ObjectNode configuration, boolean enabled) {
        public Policy {
            configuration = configuration == null ? JsonNodeFactory.instance.objectNode() : configuration.deepCopy();
        }

        @Override
        public ObjectNode configuration() { return configuration.deepCopy(); }

        /** "cors" for built-in policies, "remove-bearer 0.1.0" for the others. */
        public String label() { return BUILTIN.equals(version) ? name : name + " " + version; }

        ObjectNode toJson() {
            ObjectNode n = JsonNodeFactory.instance.objectNode();
            n.put("name", name);
            n.put("version", version);
            n.set("configuration", configuration.deepCopy());
            n.put("enabled", enabled);
            return n;
        }
    }

    private final List<Policy> policies;

    public PolicyChain(List<Policy> policies) {
        this.policies = List.copyOf(policies);
    }

    /**
     * The MaaS chain: CORS for browsers (allow_headers Authorization, Content-type, Accept; allow_origin *;
     * allow_credentials true), then the custom policies in the given order, then the 3scale APIcast policy; all
     * enabled, custom policies with an empty configuration.
     */
    public static PolicyChain maas(List<PolicyBundle> customPolicies) {
        return maas(customPolicies, false);
    }

    /** The token usage policy (installer-assets/policies/llm-token-usage) a product gets when a tier limits tokens. */
    public static final String TOKEN_USAGE = "llm-token-usage";
    public static final String TOKEN_USAGE_VERSION = "0.1.0";

    /**
     * {@link #maas(List)}, and with {@code tokenUsage} the token usage policy ({@link #TOKEN_USAGE}, configuration
     * {@code {}}) right after remove-bearer (before the other custom policies and apicast): it reports each
     * response's prompt, completion and total tokens to 3scale, whose plan limits then apply to them.
     */
    public static PolicyChain maas(List<PolicyBundle> customPolicies, boolean tokenUsage) {
        List<Policy> list = new ArrayList<>();
        ObjectNode cors = JsonNodeFactory.instance.objectNode();
        ArrayNode headers = cors.putArray("allow_headers");
        headers.add("Authorization").add("Content-type").add("Accept");
        cors.put("allow_origin", "*");
        cors.put("allow_credentials", true);
        list.add(new Policy(CORS, BUILTIN, cors, true));
        boolean tokensAdded = !tokenUsage;
        // the version the installation ships (a user folder named llm-token-usage may replace the bundled one)
        String tokenVersion = customPolicies.stream().filter(b -> b.name().equals(TOKEN_USAGE)).findFirst()
                .map(PolicyBundle::version).orElse(TOKEN_USAGE_VERSION);
        for (PolicyBundle b : customPolicies) {
            if (b.name().equals(TOKEN_USAGE)) {
                continue; // the token usage policy is in the chain only when a tier limits tokens
            }
            list.add(new Policy(b.name(), b.version(), null, true));
            if (!tokensAdded && b.name().equals(PolicyBundle.REMOVE_BEARER)) {
                list.add(new Policy(TOKEN_USAGE, tokenVersion, null, true));
                tokensAdded = true;
            }
        }
        if (!tokensAdded) {
            list.add(new Policy(TOKEN_USAGE, tokenVersion, null, true));
        }
        list.add(new Policy(APICAST, BUILTIN, null, true));
        return new PolicyChain(list);
    }

    /**
     * Reads a live chain: the body of {@code GET .../proxy/policies.json} ({@code {"policies_config": [...]}})
     * or the bare array.
     */
    public static PolicyChain fromJson(JsonNode node) {
        JsonNode array = node != null && node.isObject() ? node.get("policies_config") : node;
        if (array != null && array.isTextual()) {
            try {
                array = JSON.readTree(array.asText());
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("policies_config is not valid JSON: " + e.getOriginalMessage(), e);
            }
        }
        if (array == null || !array.isArray()) {
            throw new IllegalArgumentException("expected a policies_config array, got " + node);
        }
        List<Policy> list = new ArrayList<>();
        for (JsonNode p : array) {
            JsonNode conf = p.get("configuration");
            list.add(new Policy(p.path("name").asText(""), p.path("version").asText(""),
                    conf != null && conf.isObject() ? (ObjectNode) conf : null,
                    !p.has("enabled") || p.path("enabled").asBoolean(false)
                            || "true".equals(p.path("enabled").asText())));
        }
        return new PolicyChain(list);
    }

    public List<Policy> policies() { return policies; }

    /** The chain as 3scale's JSON array (the value of the {@code policies_config} parameter). */
    public ArrayNode toJson() {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        policies.forEach(p -> a.add(p.toJson()));
        return a;
    }

    /** {@link #toJson()} as compact text, ready to send as {@code policies_config}. */
    public String toJsonString() {
        try {
            return JSON.writeValueAsString(toJson());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** "cors, remove-bearer 0.1.0, apicast". */
    public String summary() {
        return policies.stream().map(p -> p.enabled() ? p.label() : p.label() + " (disabled)")
                .collect(Collectors.joining(", "));
    }

    /**
     * What would change when this (desired) chain replaced {@code live}. When the order, names, versions or
     * enabled flags differ, one change {@code policy_chain} shows both chains in short; otherwise one change per
     * configuration field that differs, e.g. {@code policy_chain.cors.allow_origin}. Empty when equal.
     */
    public Map<String, FieldChange> differences(PolicyChain live) {
        Map<String, FieldChange> changes = new LinkedHashMap<>();
        if (!summary().equals(live.summary())) {
            changes.put("policy_chain", new FieldChange(live.summary(), summary()));
            return changes;
        }
        for (int i = 0; i < policies.size(); i++) {
            Policy want = policies.get(i);
            Policy have = live.policies.get(i);
            compareConfig("policy_chain." + want.name(), want.configuration, have.configuration, changes);
        }
        return changes;
    }

    private static void compareConfig(String prefix, JsonNode want, JsonNode have, Map<String, FieldChange> out) {
        TreeSet<String> fields = new TreeSet<>();
        want.fieldNames().forEachRemaining(fields::add);
        have.fieldNames().forEachRemaining(fields::add);
        for (String f : fields) {
            JsonNode w = want.get(f);
            JsonNode h = have.get(f);
            if (!FieldDiff.sameValue(f, toPlain(h), toPlain(w))) {
                out.put(prefix + "." + f, new FieldChange(text(h), text(w)));
            }
        }
    }

    private static Object toPlain(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isNumber()) {
            return n.numberValue();
        }
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(e -> l.add(toPlain(e)));
            return l;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            m.put(e.getKey(), toPlain(e.getValue()));
        }
        return m;
    }

    private static String text(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        return n.isTextual() ? n.asText() : n.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PolicyChain other && toJson().equals(other.toJson());
    }

    @Override
    public int hashCode() { return toJson().hashCode(); }

    @Override
    public String toString() { return toJsonString(); }
}
