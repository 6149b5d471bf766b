package dev.maas.installer.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.sandbox.Sandbox;
import dev.maas.installer.sandbox.threescale.SimStore;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.IdentityProviderMapperRepresentation;
import org.keycloak.representations.idm.IdentityProviderRepresentation;
import org.keycloak.representations.idm.ProtocolMapperRepresentation;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The end state of an apply against the sandbox, normalised so that two runs that made the same things compare
 * equal: every object the installer (or the simulated operators for it) made in 3scale, in the Keycloak realm and
 * in the cluster, keyed by its natural key (system name, name, path, clientId, alias...) instead of its id, with ids,
 * timestamps, update counters and generated random values left out, and references (service_id, metric_id, ...)
 * replaced by the natural key of what they point to. Two objects with the same natural key are a duplicate: both
 * are kept (the second as {@code key#2}) and listed in {@link #duplicates()}.
 *
 * <p>What is compared, per system:
 * <ul>
 *   <li>3scale (the simulator's store): backends, products, metrics and methods, mapping rules, backend usages,
 *       application and service plans, accounts, applications, service subscriptions, SSO integrations, CMS
 *       sections, templates and files, ActiveDocs, proxies; per product its policy chain and the latest APIcast
 *       configuration of each environment (the number of configuration versions is history, not state);</li>
 *   <li>Keycloak: the realm, its clients (protocol mappers separately) and identity providers (and their
 *       mappers);</li>
 *   <li>the cluster: namespaces, OLM objects, the Keycloak and 3scale custom resources, Secrets (keys and value
 *       hashes), ConfigMaps, Routes, Deployments, PersistentVolumeClaims.</li>
 * </ul>
 */
public final class EndState {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    /** 3scale collections, in the order their natural keys can be resolved. */
    private static final List<String> THREESCALE = List.of("accounts", "backend_apis", "services", "metrics",
            "mapping_rules", "backend_usages", "application_plans", "service_plans", "applications",
            "service_subscriptions", "authentication_providers", "cms_sections", "cms_templates", "cms_files",
            "active_docs", "proxies");
    /** Fields that identify an object among its siblings, first present wins. */
    private static final List<String> IDENTITY = List.of("system_name", "path", "org_name", "friendly_name", "name",
            "title", "kind", "client_id");
    /** Fields that name an object's owner, first present wins. */
    private static final List<String> OWNER = List.of("service_id", "backend_api_id", "owner_id", "account_id",
            "user_account_id", "parent_id", "section_id", "plan_id");
    /**
     * Values that differ between two clean runs: generated secrets and keys, update counters, timestamps.
     * (Ids and timestamps go in {@link #normalise}.)
     */
    /** Generated secrets: only whether they are set is compared (the tests check them otherwise). */
    private static final Set<String> MASKED = Set.of("client_secret", "maas.clientSecretFingerprint",
            "client.secret.creation.time");
    /**
     * Secrets the simulated operators fill with random values, and the ConfigMap of the cluster's own (freshly made)
     * ingress certificate: only their keys are compared.
     */
    private static final Set<String> RANDOM_SECRETS = Set.of("3scale/system-seed",
            "openshift-config-managed/default-ingress-cert");
    private static final Set<String> VOLATILE = Set.of("lock_version", "secret_token", "user_key", "application_id",
            "backend_authentication_value",
            "provider_verification_key", "site_access_code", "first_traffic_at", "first_daily_traffic_at",
            "resourceVersion", "uid", "creationTimestamp", "generation", "managedFields");

    private final Map<String, String> objects;
    private final List<String> duplicates;

    private EndState(Map<String, String> objects, List<String> duplicates) {
        this.objects = objects;
        this.duplicates = duplicates;
    }

    /** Natural key to normalised JSON of every object. */
    public Map<String, String> objects() { return objects; }

    /** Natural keys seen more than once. */
    public List<String> duplicates() { return duplicates; }

    /** Reads the end state of the sandbox's 3scale and cluster, and of {@code realm} in Keycloak. */
    public static EndState of(Sandbox sandbox, KubernetesClient client, Keycloak keycloak, String realm) {
        Builder b = new Builder();
        threescale(b, sandbox.threescale().store());
        keycloak(b, keycloak.realm(realm));
        cluster(b, client);
        return new EndState(b.objects, b.duplicates);
    }

    private static class Builder {
        final Map<String, String> objects = new TreeMap<>();
        final List<String> duplicates = new ArrayList<>();

        void put(String key, JsonNode value) {
            String json;
            try {
                json = JSON.writeValueAsString(JSON.treeToValue(value, Object.class));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            if (objects.containsKey(key)) {
                duplicates.add(key);
                int n = 2;
                while (objects.containsKey(key + "#" + n)) {
                    n++;
                }
                key = key + "#" + n;
            }
            objects.put(key, json);
        }
    }

    // ------------------------------------------------------------------------------------------------ 3scale

    private static void threescale(Builder b, SimStore store) {
        Map<Long, String> collectionOf = new HashMap<>();
        Map<Long, ObjectNode> byId = new HashMap<>();
        Map<String, List<ObjectNode>> all = new TreeMap<>();
        store.completePendingWork(); // the tenant once porta's background work is done (purges, sample data)
        for (String c : THREESCALE) {
            List<ObjectNode> items = store.snapshot(c);
            all.put(c, items);
            if (c.equals("proxies")) {
                continue; // keyed by their product
            }
            for (ObjectNode o : items) {
                long id = o.path("id").asLong();
                if (c.equals("metrics")) { // the owner is not a field of the metric in 3scale's answers
                    String owner = store.metricOwner(id);
                    if (owner != null) {
                        long ownerId = Long.parseLong(owner.substring(owner.indexOf(':') + 1));
                        o.put("owner_id", ownerId);
                        for (String f : List.of("name", "system_name")) { // a backend's: "hits.<backend id>"
                            if (o.path(f).asText().endsWith("." + ownerId)) {
                                String v = o.path(f).asText();
                                o.put(f, v.substring(0, v.length() - String.valueOf(ownerId).length()) + "<owner>");
                            }
                        }
                    }
                }
                if (c.equals("cms_files") && o.hasNonNull("url")) { // the URL holds the id: compare the content
                    o.put("url", contentHash(o.path("url").asText()));
                }
                collectionOf.put(id, c);
                byId.put(id, o);
            }
        }
        Map<Long, String> keys = new HashMap<>();
        Function<Long, String> key = new Function<>() {
            @Override
            public String apply(Long id) {
                String k = keys.get(id);
                if (k != null) {
                    return k;
                }
                ObjectNode o = byId.get(id);
                if (o == null) {
                    return "?";
                }
                String ident = null;
                if (o.hasNonNull("pattern")) {
                    ident = o.path("http_method").asText() + " " + o.path("pattern").asText();
                } else {
                    for (String f : IDENTITY) {
                        if (o.hasNonNull(f) && !o.path(f).asText().isEmpty()) {
                            ident = o.path(f).asText();
                            break;
                        }
                    }
                }
                String owner = "";
                for (String f : OWNER) {
                    if (o.hasNonNull(f) && o.path(f).canConvertToLong() && byId.containsKey(o.path(f).asLong())
                            && o.path(f).asLong() != id) {
                        owner = " @ " + apply(o.path(f).asLong());
                        break;
                    }
                }
                if (o.hasNonNull("metric_id") && collectionOf.get(id).equals("mapping_rules")) {
                    owner += " -> " + apply(o.path("metric_id").asLong());
                }
                k = collectionOf.get(id) + ":" + ident + owner;
                keys.put(id, k);
                return k;
            }
        };
        Function<Long, String> ref = id -> byId.containsKey(id) ? key.apply(id) : "(not ours: " + "?" + ")";
        for (Map.Entry<String, List<ObjectNode>> e : all.entrySet()) {
            for (ObjectNode o : e.getValue()) {
                if (e.getKey().equals("proxies")) {
                    long sid = o.path("service_id").asLong();
                    b.put("3scale/proxy " + key.apply(sid), normalise(o, ref));
                    b.put("3scale/policies " + key.apply(sid), normalise(store.policyChain(sid), ref));
                    for (String env : List.of("sandbox", "production")) {
                        List<ObjectNode> configs = store.configsOf(sid, env);
                        JsonNode latest = configs.isEmpty() ? JSON.nullNode() : configs.get(configs.size() - 1);
                        if (latest instanceof ObjectNode config) {
                            config.remove("version"); // how many versions there were is history, not state
                        }
                        b.put("3scale/apicast " + env + " " + key.apply(sid), normalise(latest, ref));
                    }
                } else {
                    b.put("3scale/" + key.apply(o.path("id").asLong()), normalise(o, ref));
                }
            }
        }
    }

    /**
     * A copy without ids, timestamps and {@link #VOLATILE} values, with {@code *_id} references replaced by what
     * they point to.
     */
    static JsonNode normalise(JsonNode node, Function<Long, String> ref) {
        JsonNode copy = node.deepCopy();
        strip(copy, ref);
        return copy;
    }

    private static void strip(JsonNode node, Function<Long, String> ref) {
        if (node instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String f : names) {
                JsonNode v = o.get(f);
                if (f.equals("id") || f.equals("internalId") || f.endsWith("_at") || VOLATILE.contains(f)) {
                    o.remove(f);
                } else if (MASKED.contains(f)) {
                    o.put(f, v.isNull() ? "(none)" : "(set)");
                } else if (f.endsWith("_id") && v.canConvertToLong() && v.isNumber()) {
                    o.put(f, ref.apply(v.asLong()));
                } else if (f.endsWith("_id") && v.isTextual() && v.asText().matches("\\d+")) {
                    o.put(f, ref.apply(Long.parseLong(v.asText())));
                } else {
                    strip(v, ref);
                }
            }
        } else if (node instanceof ArrayNode a) {
            for (Iterator<JsonNode> it = a.elements(); it.hasNext(); ) {
                strip(it.next(), ref);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ Keycloak

    /** Keycloak's lists of names are sets (client scopes, redirect URIs...): their order is not compared. */
    private static JsonNode sortNameLists(JsonNode node) {
        if (node instanceof ObjectNode o) {
            o.fields().forEachRemaining(f -> f.setValue(sortNameLists(f.getValue())));
        } else if (node instanceof ArrayNode a) {
            boolean names = true;
            for (JsonNode e : a) {
                names &= e.isTextual();
                sortNameLists(e);
            }
            if (names && a.size() > 1) {
                List<String> sorted = new ArrayList<>();
                a.forEach(e -> sorted.add(e.asText()));
                java.util.Collections.sort(sorted);
                a.removeAll();
                sorted.forEach(a::add);
            }
        }
        return node;
    }

    private static void keycloak(Builder b, RealmResource realm) {
        Function<Long, String> noRefs = id -> String.valueOf(id);
        keycloakObjects(new Builder() {
            @Override
            void put(String key, JsonNode value) {
                b.put(key, sortNameLists(value));
            }
        }, realm, noRefs);
    }

    private static void keycloakObjects(Builder b, RealmResource realm, Function<Long, String> noRefs) {
        b.put("keycloak/realm", normalise(JSON.valueToTree(realm.toRepresentation()), noRefs));
        for (ClientRepresentation c : realm.clients().findAll()) {
            List<ProtocolMapperRepresentation> mappers = c.getProtocolMappers() == null ? List.of()
                    : c.getProtocolMappers();
            c.setProtocolMappers(null);
            c.setSecret(c.getSecret() == null ? null : "(set)");
            c.setRegistrationAccessToken(null);
            ObjectNode json = JSON.valueToTree(c);
            b.put("keycloak/client " + c.getClientId(), normalise(json, noRefs));
            for (ProtocolMapperRepresentation m : mappers) {
                b.put("keycloak/client " + c.getClientId() + " mapper " + m.getName(),
                        normalise(JSON.valueToTree(m), noRefs));
            }
        }
        for (IdentityProviderRepresentation idp : realm.identityProviders().findAll()) {
            b.put("keycloak/idp " + idp.getAlias(), normalise(JSON.valueToTree(idp), noRefs));
            for (IdentityProviderMapperRepresentation m : realm.identityProviders().get(idp.getAlias())
                    .getMappers()) {
                b.put("keycloak/idp " + idp.getAlias() + " mapper " + m.getName(),
                        normalise(JSON.valueToTree(m), noRefs));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ cluster

    private static final List<String[]> KINDS = List.of(
            new String[] {"v1", "Namespace"}, new String[] {"v1", "Secret"}, new String[] {"v1", "ConfigMap"},
            new String[] {"v1", "PersistentVolumeClaim"}, new String[] {"apps/v1", "Deployment"},
            new String[] {"route.openshift.io/v1", "Route"},
            new String[] {"operators.coreos.com/v1", "OperatorGroup"},
            new String[] {"operators.coreos.com/v1alpha1", "Subscription"},
            new String[] {"operators.coreos.com/v1alpha1", "InstallPlan"},
            new String[] {"operators.coreos.com/v1alpha1", "ClusterServiceVersion"},
            new String[] {"keycloak.org/v1alpha1", "Keycloak"}, new String[] {"keycloak.org/v1alpha1", "KeycloakRealm"},
            new String[] {"apps.3scale.net/v1alpha1", "APIManager"},
            new String[] {"capabilities.3scale.net/v1beta1", "CustomPolicyDefinition"});

    private static void cluster(Builder b, KubernetesClient client) {
        Function<Long, String> noRefs = id -> String.valueOf(id);
        for (String[] kind : KINDS) {
            List<? extends HasMetadata> items = kind[1].equals("Namespace")
                    ? client.namespaces().list().getItems()
                    : client.genericKubernetesResources(kind[0], kind[1]).inAnyNamespace().list().getItems();
            for (HasMetadata item : items) {
                ObjectNode json = JSON.valueToTree(item);
                ObjectNode out = JSON.createObjectNode();
                String name = item.getMetadata().getName();
                if (kind[1].equals("InstallPlan")) {
                    name = "install-*"; // OLM names them randomly
                }
                JsonNode labels = json.path("metadata").path("labels");
                out.set("labels", labels.isMissingNode() ? JSON.nullNode() : labels);
                out.set("ownerReferences", ownerKinds(json.path("metadata").path("ownerReferences")));
                if (json.has("spec")) {
                    out.set("spec", json.get("spec"));
                }
                String ns = item.getMetadata().getNamespace();
                if (kind[1].equals("Secret") || kind[1].equals("ConfigMap")) {
                    ObjectNode data = out.putObject("data");
                    boolean random = RANDOM_SECRETS.contains(ns + "/" + name);
                    json.path("data").fields().forEachRemaining(f -> data.put(f.getKey(),
                            random ? "(random)" : sha(f.getValue().asText())));
                }
                b.put("k8s/" + kind[1] + " " + (ns == null ? "" : ns + "/") + name, normalise(out, noRefs));
            }
        }
    }

    private static JsonNode ownerKinds(JsonNode refs) {
        ArrayNode out = JSON.createArrayNode();
        refs.forEach(r -> out.add(r.path("kind").asText() + "/" + r.path("name").asText()));
        return out;
    }

    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

    /** The SHA-256 of what a URL serves (a CMS file's content). */
    static String contentHash(String url) {
        try {
            java.net.http.HttpResponse<byte[]> r = HTTP.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(url)).build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            return "status " + r.statusCode() + " sha256 " + HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(r.body())).substring(0, 16);
        } catch (Exception e) {
            return "unreadable: " + e;
        }
    }

    static String sha(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Keys whose values differ from {@code other}'s, with both values; keys only one has. For messages. */
    public Map<String, String> differences(EndState other) {
        Map<String, String> d = new TreeMap<>();
        for (Map.Entry<String, String> e : objects.entrySet()) {
            String theirs = other.objects.get(e.getKey());
            if (!e.getValue().equals(theirs)) {
                d.put(e.getKey(), "\n    this:  " + e.getValue() + "\n    other: " + theirs);
            }
        }
        for (String k : other.objects.keySet()) {
            if (!objects.containsKey(k)) {
                d.put(k, "\n    this:  (none)\n    other: " + other.objects.get(k));
            }
        }
        return d;
    }
}
