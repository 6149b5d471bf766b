package dev.maas.installer.sandbox;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.files.PrivateFiles;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The API server's store on disk, so that a stopped or killed sandbox resumes the same objects with the same
 * resourceVersions and uids. Two files in the state folder, both owner-only (0600: Secrets are among the objects):
 * <ul>
 *   <li>{@value #SNAPSHOT}: every object as stored (with the path it was written through), the resourceVersion
 *       counter, the field ownership of server-side apply, and the number of the last change it holds; replaced
 *       atomically ({@link PrivateFiles#replace});</li>
 *   <li>{@value #LOG}: the changes since, one JSON line each ({@code {"seq":..,"rv":..,"id":..,"path":..,"obj":..}},
 *       {@code "obj":null} for a deletion; {@code {"seq":..,"uid":..,"own":..}} for an object's field ownership),
 *       appended before the write is answered, so an answered write survives a killed process.</li>
 * </ul>
 * The log is folded into a new snapshot at start, at stop and when it grows past {@link #COMPACT_LINES} lines; its
 * lines already in the snapshot (by {@code seq}) are skipped when read, so a kill between the two steps loses
 * nothing. A last line cut by a kill (never answered) is ignored.
 */
final class ClusterStateFiles implements AutoCloseable {
    static final String SNAPSHOT = "cluster.json";
    static final String LOG = "cluster.log";
    static final int FORMAT = 1;
    /** The log is folded into the snapshot when it has this many lines. */
    static final int COMPACT_LINES = 4_000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();

    /** One stored object: the path it was last written through and its JSON as stored. */
    record StoredObject(String path, String json) {
    }

    /** What the state folder holds. */
    static final class Saved {
        /** Objects by identity ({@link #identity}), in the order they were first written. */
        final Map<String, StoredObject> objects = new LinkedHashMap<>();
        /** Field ownership by uid ({@link FieldOwnership#toJson(String)}). */
        final Map<String, JsonNode> ownership = new LinkedHashMap<>();
        long resourceVersion;
        long seq;
    }

    private final Path dir;
    /** The objects as on disk once the pending lines are written (guarded by this). */
    private final Saved state;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final Set<String> touchedUids = new LinkedHashSet<>();
    private OutputStream log;
    private int logLines;

    private ClusterStateFiles(Path dir, Saved state) {
        this.dir = dir;
        this.state = state;
    }

    /** Whether {@code dir} holds a saved store. */
    static boolean present(Path dir) {
        return Files.isRegularFile(dir.resolve(SNAPSHOT));
    }

    /**
     * Reads the saved store of {@code dir}: the snapshot, then the log's later lines; null when there is none.
     *
     * @throws IOException when a file cannot be read or is not what the sandbox writes
     */
    static Saved read(Path dir) throws IOException {
        Path snapshot = dir.resolve(SNAPSHOT);
        if (!Files.isRegularFile(snapshot)) {
            return null;
        }
        Saved saved = new Saved();
        JsonNode root;
        try {
            root = JSON.readTree(snapshot.toFile());
        } catch (IOException e) {
            throw new IOException(snapshot + " cannot be read: " + e.getMessage(), e);
        }
        if (root == null || root.path("format").asInt() != FORMAT) {
            throw new IOException(snapshot + " is not a sandbox store of format " + FORMAT);
        }
        saved.resourceVersion = root.path("resourceVersion").asLong();
        saved.seq = root.path("seq").asLong();
        for (JsonNode o : root.path("objects")) {
            JsonNode obj = o.get("obj");
            saved.objects.put(identity(obj), new StoredObject(o.path("path").asText(), obj.toString()));
        }
        root.path("ownership").properties().forEach(e -> saved.ownership.put(e.getKey(), e.getValue()));
        Path logFile = dir.resolve(LOG);
        if (Files.isRegularFile(logFile)) {
            try (BufferedReader in = Files.newBufferedReader(logFile, StandardCharsets.UTF_8)) {
                String line;
                int n = 0;
                String bad = null;
                while ((line = in.readLine()) != null) {
                    n++;
                    if (line.isBlank()) {
                        continue;
                    }
                    if (bad != null) {
                        throw new IOException(logFile + " line " + (n - 1) + " is not a change: " + bad);
                    }
                    JsonNode change;
                    try {
                        change = JSON.readTree(line);
                    } catch (IOException e) {
                        bad = e.getMessage(); // the last line, cut by a kill, is skipped; any other is an error
                        continue;
                    }
                    apply(saved, change);
                }
            }
        }
        return saved;
    }

    private static void apply(Saved saved, JsonNode change) {
        long seq = change.path("seq").asLong();
        if (seq <= saved.seq) {
            return; // already in the snapshot
        }
        saved.seq = seq;
        if (change.has("uid")) {
            JsonNode own = change.get("own");
            if (own == null || own.isNull()) {
                saved.ownership.remove(change.get("uid").asText());
            } else {
                saved.ownership.put(change.get("uid").asText(), own);
            }
            return;
        }
        saved.resourceVersion = Math.max(saved.resourceVersion, change.path("rv").asLong());
        String id = change.path("id").asText();
        JsonNode obj = change.get("obj");
        saved.objects.remove(id);
        if (obj != null && !obj.isNull()) {
            saved.objects.put(identity(obj), new StoredObject(change.path("path").asText(), obj.toString()));
        }
    }

    /** Opens the state folder for writing, holding {@code state} (what the store now has, as restored or seeded). */
    static ClusterStateFiles open(Path dir, Saved state) throws IOException {
        PrivateFiles.directory(dir);
        return new ClusterStateFiles(dir, state);
    }

    /** Deletes the saved store of {@code dir} (its snapshot and log), if any. */
    static void delete(Path dir) {
        for (String name : new String[] {SNAPSHOT, LOG}) {
            try {
                Files.deleteIfExists(dir.resolve(name));
            } catch (IOException e) {
                // left behind; the next start reads or replaces it
            }
        }
    }

    /** An object's identity in the store: apiVersion, kind, namespace and name. */
    static String identity(JsonNode obj) {
        JsonNode meta = obj.path("metadata");
        return obj.path("apiVersion").asText() + "|" + obj.path("kind").asText() + "|"
                + meta.path("namespace").asText("") + "|" + meta.path("name").asText();
    }

    /**
     * A change of the store (under its write lock): {@code before} replaced by {@code after} (either null), written
     * through {@code path}, at resourceVersion {@code rv}. Kept until {@link #flush}.
     */
    synchronized void changed(String path, String before, String after, long rv) {
        try {
            JsonNode old = before == null ? null : JSON.readTree(before);
            JsonNode now = after == null ? null : JSON.readTree(after);
            String oldId = old == null ? null : identity(old);
            String newId = now == null ? null : identity(now);
            if (oldId != null && !oldId.equals(newId)) {
                line(oldId, path, null, rv);
            }
            if (newId != null) {
                line(newId, path, after, rv);
            }
            for (JsonNode n : new JsonNode[] {old, now}) {
                String uid = n == null ? "" : n.path("metadata").path("uid").asText("");
                if (!uid.isEmpty()) {
                    touchedUids.add(uid);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("a stored object is not JSON", e);
        }
    }

    private void line(String id, String path, String json, long rv) throws IOException {
        long seq = ++state.seq;
        state.resourceVersion = Math.max(state.resourceVersion, rv);
        state.objects.remove(id);
        if (json != null) {
            state.objects.put(id, new StoredObject(path, json));
        }
        try (JsonGenerator g = FACTORY.createGenerator(pending)) {
            g.writeStartObject();
            g.writeNumberField("seq", seq);
            g.writeNumberField("rv", rv);
            g.writeStringField("id", id);
            g.writeStringField("path", path);
            g.writeFieldName("obj");
            if (json == null) {
                g.writeNull();
            } else {
                g.writeRawValue(json);
            }
            g.writeEndObject();
        }
        pending.write('\n');
        logLines++;
    }

    /**
     * Appends the pending changes, with the field ownership of the objects they touched, to the log (one write);
     * folds the log into a new snapshot when it is long. Called under the store's write lock, before a write is
     * answered.
     */
    synchronized void flush(FieldOwnership ownership, long resourceVersion) throws IOException {
        state.resourceVersion = Math.max(state.resourceVersion, resourceVersion);
        for (String uid : touchedUids) {
            JsonNode own = ownership.toJson(uid);
            if (own == null && !state.ownership.containsKey(uid)) {
                continue;
            }
            if (own == null) {
                state.ownership.remove(uid);
            } else {
                state.ownership.put(uid, own);
            }
            try (JsonGenerator g = FACTORY.createGenerator(pending)) {
                g.writeStartObject();
                g.writeNumberField("seq", ++state.seq);
                g.writeStringField("uid", uid);
                g.writeFieldName("own");
                if (own == null) {
                    g.writeNull();
                } else {
                    JSON.writeTree(g, own);
                }
                g.writeEndObject();
            }
            pending.write('\n');
            logLines++;
        }
        touchedUids.clear();
        if (pending.size() == 0) {
            return;
        }
        if (logLines >= COMPACT_LINES) {
            pending.reset();
            snapshot();
            return;
        }
        if (log == null) {
            log = PrivateFiles.open(dir.resolve(LOG), true);
        }
        pending.writeTo(log);
        log.flush();
        pending.reset();
    }

    /** Writes every object into a new snapshot, then empties the log. */
    synchronized void snapshot() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("format", FORMAT);
            g.writeNumberField("seq", state.seq);
            g.writeNumberField("resourceVersion", state.resourceVersion);
            g.writeArrayFieldStart("objects");
            for (StoredObject o : state.objects.values()) {
                g.writeStartObject();
                g.writeStringField("path", o.path());
                g.writeFieldName("obj");
                g.writeRawValue(o.json());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("ownership");
            for (Map.Entry<String, JsonNode> e : state.ownership.entrySet()) {
                g.writeFieldName(e.getKey());
                JSON.writeTree(g, e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        out.write('\n');
        PrivateFiles.replace(dir.resolve(SNAPSHOT), out.toByteArray());
        if (log != null) {
            log.close();
        }
        log = PrivateFiles.open(dir.resolve(LOG), false); // truncated: its lines are in the snapshot
        logLines = 0;
    }

    /** The number of stored objects. */
    synchronized int objectCount() {
        return state.objects.size();
    }

    @Override
    public synchronized void close() throws IOException {
        if (log != null) {
            log.close();
            log = null;
        }
    }

    /** The objects of a saved store, in order: CustomResourceDefinitions first (the others' kinds need them). */
    static List<StoredObject> restoreOrder(Saved saved) {
        List<StoredObject> crds = new ArrayList<>();
        List<StoredObject> rest = new ArrayList<>();
        saved.objects.forEach((id, o) -> (id.startsWith("apiextensions.k8s.io/") ? crds : rest).add(o));
        crds.addAll(rest);
        return crds;
    }
}
