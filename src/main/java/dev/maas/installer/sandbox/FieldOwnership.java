package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which field manager owns which fields of each object, like the API server's managed fields, so that server-side
 * apply behaves as it does on a real cluster: applying a field another manager owns with a different value is a
 * conflict (409) unless forced; fields a manager applied before and no longer applies are removed unless someone
 * else owns them; ordinary updates take ownership of the fields they change. Fields are leaves (lists are atomic);
 * of {@code metadata} only labels and annotations are tracked, and {@code status} not at all.
 */
final class FieldOwnership {
    /** uid -> manager -> owned field paths (each a list of keys). */
    private final Map<String, Map<String, Set<List<String>>>> owners = new ConcurrentHashMap<>();
    /** uid -> manager -> "apiVersion at time" of its last ordinary write (absent when its last write was an apply). */
    private final Map<String, Map<String, String>> updates = new ConcurrentHashMap<>();

    /**
     * A field applied with another value than its owner's. {@code update}: how the owner last wrote, for a manager
     * whose last write was an ordinary update ({@code apps/v1 at 2024-01-01T00:00:00Z}), else null.
     */
    record Conflict(String manager, List<String> field, String update) {
        Conflict(String manager, List<String> field) {
            this(manager, field, null);
        }

        String fieldPath() {
            return "." + String.join(".", field);
        }

        /** managedfields/internal/conflict.go printManager: the quoted name, "using" the version of an update. */
        String describeManager() {
            return "\"" + manager + "\"" + (update == null ? "" : " using " + update);
        }
    }

    /** The fields an object sets, as ownership sees them. */
    static Set<List<String>> fields(JsonNode object) {
        Set<List<String>> out = new LinkedHashSet<>();
        object.properties().forEach(e -> {
            String key = e.getKey();
            if (key.equals("apiVersion") || key.equals("kind") || key.equals("status")) {
                return;
            }
            if (key.equals("metadata")) {
                for (String sub : List.of("labels", "annotations")) {
                    JsonNode m = e.getValue().get(sub);
                    if (m != null && m.isObject()) {
                        m.properties().forEach(l -> out.add(List.of("metadata", sub, l.getKey())));
                    }
                }
                return;
            }
            collect(e.getValue(), new ArrayList<>(List.of(key)), out);
        });
        return out;
    }

    private static void collect(JsonNode node, List<String> path, Set<List<String>> out) {
        if (node.isObject() && !node.isEmpty()) {
            node.properties().forEach(e -> {
                List<String> p = new ArrayList<>(path);
                p.add(e.getKey());
                collect(e.getValue(), p, out);
            });
        } else {
            out.add(List.copyOf(path));
        }
    }

    static JsonNode at(JsonNode object, List<String> path) {
        JsonNode n = object;
        for (String key : path) {
            if (n == null) {
                return null;
            }
            n = n.get(key);
        }
        return n;
    }

    /** The conflicts an apply by {@code manager} would cause on {@code current}. */
    List<Conflict> conflicts(String uid, String manager, JsonNode current, JsonNode applied) {
        List<Conflict> out = new ArrayList<>();
        Map<String, Set<List<String>>> byManager = owners.getOrDefault(uid, Map.of());
        for (List<String> field : fields(applied)) {
            JsonNode now = at(current, field);
            if (now == null || Objects.equals(now, at(applied, field))) {
                continue;
            }
            for (Map.Entry<String, Set<List<String>>> e : byManager.entrySet()) {
                if (!e.getKey().equals(manager) && e.getValue().contains(field)) {
                    out.add(new Conflict(e.getKey(), field, updates.getOrDefault(uid, Map.of()).get(e.getKey())));
                }
            }
        }
        return out;
    }

    /**
     * The fields to remove from the merged object when {@code manager} applies {@code applied}: those it applied
     * before, no longer applies, and nobody else owns. Read-only; {@link #recordApply} records the apply.
     */
    List<List<String>> removedByApply(String uid, String manager, JsonNode applied) {
        Map<String, Set<List<String>>> byManager = owners.getOrDefault(uid, Map.of());
        synchronized (byManager) {
            Set<List<String>> now = fields(applied);
            List<List<String>> removed = new ArrayList<>();
            for (List<String> field : byManager.getOrDefault(manager, Set.of())) {
                if (!now.contains(field) && byManager.entrySet().stream()
                        .noneMatch(e -> !e.getKey().equals(manager) && e.getValue().contains(field))) {
                    removed.add(field);
                }
            }
            return removed;
        }
    }

    /** Records a successful apply: the manager owns exactly the applied fields; forced, it takes them from others. */
    void recordApply(String uid, String manager, JsonNode applied, boolean force) {
        Map<String, Set<List<String>>> byManager = owners.computeIfAbsent(uid, k -> new LinkedHashMap<>());
        synchronized (byManager) {
            Set<List<String>> now = fields(applied);
            if (force) {
                byManager.forEach((m, owned) -> {
                    if (!m.equals(manager)) {
                        owned.removeAll(now);
                    }
                });
            }
            byManager.put(manager, new LinkedHashSet<>(now));
            Map<String, String> u = updates.get(uid);
            if (u != null) {
                u.remove(manager);
            }
        }
    }

    /** Records an ordinary write by {@code manager}: it owns what it changed; removed fields have no owner. */
    void update(String uid, String manager, JsonNode before, JsonNode after) {
        Map<String, Set<List<String>>> byManager = owners.computeIfAbsent(uid, k -> new LinkedHashMap<>());
        synchronized (byManager) {
            Set<List<String>> afterFields = fields(after);
            Set<List<String>> changed = new LinkedHashSet<>();
            for (List<String> f : afterFields) {
                if (before == null || !Objects.equals(at(before, f), at(after, f))) {
                    changed.add(f);
                }
            }
            Map<String, Set<List<String>>> copy = new HashMap<>(byManager);
            copy.forEach((m, owned) -> {
                owned.retainAll(afterFields);
                if (!m.equals(manager)) {
                    owned.removeAll(changed);
                }
            });
            byManager.computeIfAbsent(manager, k -> new LinkedHashSet<>()).addAll(changed);
            if (!changed.isEmpty()) {
                updates.computeIfAbsent(uid, k -> new ConcurrentHashMap<>()).put(manager,
                        after.path("apiVersion").asText() + " at "
                                + java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
            }
        }
    }

    void forget(String uid) {
        owners.remove(uid);
        updates.remove(uid);
    }

    /** Removes a field, and the maps that become empty because of it. */
    static void remove(ObjectNode object, List<String> field) {
        List<ObjectNode> parents = new ArrayList<>();
        JsonNode n = object;
        for (int i = 0; i < field.size() - 1; i++) {
            if (!(n instanceof ObjectNode o)) {
                return;
            }
            parents.add(o);
            n = o.get(field.get(i));
        }
        if (!(n instanceof ObjectNode last)) {
            return;
        }
        last.remove(field.get(field.size() - 1));
        JsonNode child = last;
        for (int i = parents.size() - 1; i >= 0 && child.isEmpty(); i--) {
            if (i == 0 && field.get(0).equals("metadata")) {
                break;
            }
            parents.get(i).remove(field.get(i));
            child = parents.get(i);
        }
    }

    // ---- on disk (ClusterStateFiles) ----

    /** Uids with recorded ownership. */
    Set<String> uids() {
        Set<String> out = new LinkedHashSet<>(owners.keySet());
        out.addAll(updates.keySet());
        return out;
    }

    /**
     * One object's ownership as JSON, {@code {"owners":{manager:[[field keys]]},"updates":{manager:"v1 at ..."}}};
     * null when nothing is recorded for it.
     */
    ObjectNode toJson(String uid) {
        Map<String, Set<List<String>>> byManager = owners.get(uid);
        Map<String, String> u = updates.get(uid);
        if (byManager == null && u == null) {
            return null;
        }
        ObjectNode out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        ObjectNode o = out.putObject("owners");
        if (byManager != null) {
            synchronized (byManager) {
                byManager.forEach((m, fields) -> {
                    var list = o.putArray(m);
                    fields.forEach(f -> {
                        var path = list.addArray();
                        f.forEach(path::add);
                    });
                });
            }
        }
        ObjectNode up = out.putObject("updates");
        if (u != null) {
            u.forEach(up::put);
        }
        return out;
    }

    /** Sets one object's ownership from {@link #toJson(String)}; null forgets it. */
    void load(String uid, JsonNode json) {
        forget(uid);
        if (json == null || json.isNull()) {
            return;
        }
        Map<String, Set<List<String>>> byManager = new LinkedHashMap<>();
        json.path("owners").properties().forEach(e -> {
            Set<List<String>> fields = new LinkedHashSet<>();
            for (JsonNode path : e.getValue()) {
                List<String> f = new ArrayList<>();
                path.forEach(k -> f.add(k.asText()));
                fields.add(List.copyOf(f));
            }
            byManager.put(e.getKey(), fields);
        });
        owners.put(uid, byManager);
        if (!json.path("updates").isEmpty()) {
            Map<String, String> u = new ConcurrentHashMap<>();
            json.path("updates").properties().forEach(e -> u.put(e.getKey(), e.getValue().asText()));
            updates.put(uid, u);
        }
    }

    /** Forgets every object's ownership. */
    void clear() {
        owners.clear();
        updates.clear();
    }
}
