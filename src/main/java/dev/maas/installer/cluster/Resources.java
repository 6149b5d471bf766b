package dev.maas.installer.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.secrets.SecretRegistry;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Create-or-update that leaves other owners' fields alone: the live object is read, only the fields we set are
 * compared, and when one differs a JSON merge patch carrying only our fields is sent (a read-modify-write of our
 * fields; fields that other controllers or people set stay as they are). Nothing is written when every field we
 * own already has our value, so a second run makes no request that changes anything. Everything we create gets the
 * label {@value #MANAGED_BY_LABEL}={@value #MANAGER}.
 */
public final class Resources {
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String MANAGER = "maas-installer";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;

    public Resources(KubernetesClient client) { this.client = client; }

    public KubernetesClient client() { return client; }

    /** The result of one create-or-update: what it did and the object as it is now (desired, when planning). */
    public record Outcome<T>(Change change, T object) { }

    /** Creates the namespace when it is missing (labelled as ours). */
    public Change ensureNamespace(String name, boolean dryRun) {
        Namespace live = client.namespaces().withName(name).get();
        if (live != null) {
            return Change.noop(TargetSystem.KUBERNETES, "Namespace", name);
        }
        if (!dryRun) {
            try {
                client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
                        .addToLabels(MANAGED_BY_LABEL, MANAGER).endMetadata().build()).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw ClusterErrors.translate(e, "creating namespace " + name);
                }
            }
        }
        return new Change(Action.CREATE, TargetSystem.KUBERNETES, "Namespace", name, Map.of());
    }

    /**
     * Brings the fields set in {@code desired} (labels, annotations and everything outside metadata and status)
     * to their values. Creates the object when it is missing.
     *
     * @param dryRun when true, only computes the change
     */
    public <T extends HasMetadata> Outcome<T> createOrUpdate(T desired, boolean dryRun) {
        String kind = desired.getKind();
        String display = displayName(desired);
        T live = read(desired);
        Map<String, FieldChange> diff = diff(desired, live);
        if (live == null) {
            return new Outcome<>(new Change(Action.CREATE, TargetSystem.KUBERNETES, kind, display, diff),
                    dryRun ? desired : create(desired));
        }
        if (diff.isEmpty()) {
            return new Outcome<>(Change.noop(TargetSystem.KUBERNETES, kind, display), live);
        }
        return new Outcome<>(new Change(Action.UPDATE, TargetSystem.KUBERNETES, kind, display, diff),
                dryRun ? live : update(desired, live));
    }

    /** "namespace/name" of an object, or its name when it is not namespaced. */
    public static String displayName(HasMetadata o) {
        return o.getMetadata().getNamespace() == null ? o.getMetadata().getName()
                : o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    /** The live object of {@code desired}'s kind, namespace and name; null when there is none. */
    public <T extends HasMetadata> T read(T desired) {
        try {
            return client.resource(desired).get();
        } catch (KubernetesClientException e) {
            throw ClusterErrors.translate(e, "reading " + desired.getKind() + " " + displayName(desired));
        }
    }

    /**
     * The fields we set that {@code live} does not hold, as "path: from -> to" (a Secret's data only as set or not);
     * when {@code live} is null, every field a create sets.
     */
    public <T extends HasMetadata> Map<String, FieldChange> diff(T desired, T live) {
        boolean secret = desired instanceof Secret;
        JsonNode want = ours(toNode(desired));
        Map<String, FieldChange> fields = new LinkedHashMap<>();
        if (live == null) {
            flatten(want, "", (p, v) -> fields.put(display(p), secret && isSecretPath(p)
                    ? FieldChange.secret(false, true) : FieldChange.of(null, text(v))));
            return fields;
        }
        JsonNode have = toNode(live);
        flatten(want, "", (p, v) -> {
            JsonNode current = at(have, p);
            if (!covers(v, current)) {
                fields.put(display(p), secret && isSecretPath(p)
                        ? FieldChange.secret(current != null && !current.isNull(), true)
                        : FieldChange.of(current == null || current.isMissingNode() ? null : text(current), text(v)));
            }
        });
        return fields;
    }

    /** Creates {@code desired}, labelled as ours. */
    public <T extends HasMetadata> T create(T desired) {
        desired.getMetadata().setLabels(withManagedBy(desired.getMetadata().getLabels()));
        desired.getMetadata().setResourceVersion(null);
        try {
            return client.resource(desired).create();
        } catch (KubernetesClientException e) {
            throw ClusterErrors.translate(e, "creating " + desired.getKind() + " " + displayName(desired));
        }
    }

    /** Sends a JSON merge patch of the fields we set in {@code desired} to the live object. */
    public <T extends HasMetadata> T update(T desired, T live) {
        return patch(live, ours(toNode(desired)).toString());
    }

    /** Sends a JSON merge patch to the live object. */
    public <T extends HasMetadata> T patch(T live, String mergePatch) {
        try {
            return client.resource(live).patch(PatchContext.of(PatchType.JSON_MERGE), mergePatch);
        } catch (KubernetesClientException e) {
            throw ClusterErrors.translate(e, "updating " + live.getKind() + " " + displayName(live));
        }
    }

    /** Waits (informer, timeout, cancellation) until {@code done} holds for the object. */
    public <T extends HasMetadata> T waitFor(Resource<T> resource, Waits.Condition<T> done, Duration timeout,
                                             Cancellation cancellation, Progress progress,
                                             Function<T, String> describe, String what) {
        return Waits.until(resource, done, timeout, cancellation, progress, describe, what);
    }

    /**
     * The decoded data of a Secret (data and stringData), each value registered with the global
     * {@link SecretRegistry}; empty when the Secret does not exist.
     */
    public Optional<Map<String, String>> readSecret(String namespace, String name) {
        Secret s;
        try {
            s = client.secrets().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            throw ClusterErrors.translate(e, "reading Secret " + namespace + "/" + name);
        }
        if (s == null) {
            return Optional.empty();
        }
        Map<String, String> out = new HashMap<>();
        if (s.getData() != null) {
            s.getData().forEach((k, v) -> out.put(k, v == null ? null
                    : new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (s.getStringData() != null) {
            out.putAll(s.getStringData());
        }
        out.forEach((key, value) -> {
            if (!NOT_SECRET_KEY.matcher(key).matches()) {
                SecretRegistry.global().register(value);
            }
        });
        return Optional.of(out);
    }

    /**
     * Secret keys whose values are names, not secrets (3scale's system-seed holds TENANT_NAME, ADMIN_USER,
     * MASTER_DOMAIN ...). Masking those would hide "maas" or "admin" in every log line and plan, so they are the only
     * values of a Secret that are not registered for redaction.
     */
    static final java.util.regex.Pattern NOT_SECRET_KEY = java.util.regex.Pattern.compile(
            "(?i).*(user|username|user_name|name|domain|host|hostname|url|email|login)");

    static Map<String, String> withManagedBy(Map<String, String> labels) {
        Map<String, String> l = labels == null ? new LinkedHashMap<>() : new LinkedHashMap<>(labels);
        l.putIfAbsent(MANAGED_BY_LABEL, MANAGER);
        return l;
    }

    private JsonNode toNode(Object o) {
        try {
            return JSON.readTree(client.getKubernetesSerialization().asJson(o));
        } catch (Exception e) {
            throw new IllegalStateException("cannot serialise " + o.getClass().getSimpleName(), e);
        }
    }

    /** The fields we own: labels and annotations in metadata, and every top-level field but metadata and status. */
    private static JsonNode ours(JsonNode full) {
        ObjectNode out = JSON.createObjectNode();
        for (Map.Entry<String, JsonNode> e : full.properties()) {
            switch (e.getKey()) {
                case "apiVersion", "kind", "status" -> { }
                case "metadata" -> {
                    ObjectNode meta = JSON.createObjectNode();
                    if (e.getValue().has("labels") && !e.getValue().get("labels").isEmpty()) {
                        meta.set("labels", e.getValue().get("labels"));
                    }
                    if (e.getValue().has("annotations") && !e.getValue().get("annotations").isEmpty()) {
                        meta.set("annotations", e.getValue().get("annotations"));
                    }
                    if (!meta.isEmpty()) {
                        out.set("metadata", meta);
                    }
                }
                default -> {
                    if (!e.getValue().isNull()) {
                        out.set(e.getKey(), e.getValue());
                    }
                }
            }
        }
        return out;
    }

    /** Calls {@code sink} for each leaf (scalar or array) of the object tree, with a dotted path. */
    static void flatten(JsonNode node, String prefix, java.util.function.BiConsumer<String, JsonNode> sink) {
        if (node.isObject() && !node.isEmpty()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                flatten(e.getValue(), prefix.isEmpty() ? escape(e.getKey()) : prefix + "." + escape(e.getKey()), sink);
            }
        } else if (!node.isNull()) {
            sink.accept(prefix, node);
        }
    }

    /**
     * Whether the live value holds what we want: equal scalars; for objects, every field we set (the API server adds
     * defaults to the elements of lists, e.g. a container's {@code terminationMessagePath} or a port's
     * {@code protocol}); for lists, the same length with each element covered in order.
     */
    static boolean covers(JsonNode want, JsonNode have) {
        if (have == null || have.isMissingNode()) {
            return false;
        }
        if (want.isObject()) {
            if (!have.isObject()) {
                return false;
            }
            for (Map.Entry<String, JsonNode> e : want.properties()) {
                if (!e.getValue().isNull() && !covers(e.getValue(), have.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (want.isArray()) {
            if (!have.isArray() || have.size() != want.size()) {
                return false;
            }
            for (int i = 0; i < want.size(); i++) {
                if (!covers(want.get(i), have.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return want.equals(have);
    }

    private static String escape(String key) { return key.replace("~", "~0").replace(".", "~1"); }

    private static String unescape(String key) { return key.replace("~1", ".").replace("~0", "~"); }

    private static JsonNode at(JsonNode root, String path) {
        JsonNode n = root;
        for (String part : path.split("\\.")) {
            if (n == null) {
                return null;
            }
            n = n.get(unescape(part));
        }
        return n;
    }

    /** A field path for people: the keys as they are, joined with dots. */
    private static String display(String path) {
        StringBuilder b = new StringBuilder();
        for (String part : path.split("\\.")) {
            b.append(b.isEmpty() ? "" : ".").append(unescape(part));
        }
        return b.toString();
    }

    private static boolean isSecretPath(String p) { return p.startsWith("data.") || p.startsWith("stringData."); }

    private static String text(JsonNode v) { return v.isTextual() ? v.asText() : v.toString(); }
}
