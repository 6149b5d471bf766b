package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The watch cache of the sandbox's API server: every change to a stored object, in resourceVersion order, kept for a
 * while so that a watch can start from the resourceVersion of an earlier list, and the streams of the watches that
 * are open. Like kubernetes v1.29 (staging/src/k8s.io/apiserver/pkg/storage/cacher/watch_cache.go): a watch from a
 * resourceVersion older than what is kept ends with an ERROR event {@code 410 Gone, Expired}; a watch without
 * resourceVersion (or "0") first gets the current objects as ADDED events.
 */
final class WatchHub {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** How many changes are kept (a real watch cache keeps a window of a few minutes). */
    static final int HISTORY = 20_000;

    /** One change: {@code type} ADDED, MODIFIED or DELETED; {@code object} the object after (or, deleted, before). */
    record Change(long resourceVersion, String type, String group, String plural, ObjectNode object) {
        String namespace() {
            return object.path("metadata").path("namespace").asText(null);
        }

        String name() {
            return object.path("metadata").path("name").asText(null);
        }
    }

    /** Where the events of one watch go. Implementations must not block. */
    interface Sink {
        /** One event line (a JSON WatchEvent and a newline). */
        void send(String line);

        /** Ends the stream. */
        void end();
    }

    /** A watch request's HTTP stream, as the server's front gives it to the dispatcher. */
    interface Stream extends Sink {
        /** Answers with an ordinary response instead of a stream (the watch was refused). */
        void reject(io.fabric8.mockwebserver.http.MockResponse response);

        /** Starts the stream: 200 with this Content-Type, chunked. */
        void open(String contentType);

        /** Runs when the client goes away or the stream ends. */
        void onClose(Runnable action);

        /** Ends the stream after this many seconds. */
        void endAfter(long seconds);
    }

    /** What one watch follows. {@code namespace}/{@code name} null: all; selectors may be null. */
    record Filter(String group, String plural, String namespace, String name, String labelSelector,
                  String fieldSelector) {
        boolean matches(Change c) {
            if (!c.group().equals(group) || !c.plural().equals(plural)) {
                return false;
            }
            if (namespace != null && !namespace.equals(c.namespace())) {
                return false;
            }
            if (name != null && !name.equals(c.name())) {
                return false;
            }
            return Selectors.labelsMatch(labelSelector, c.object().path("metadata").path("labels"))
                    && Selectors.fieldsMatch(fieldSelector, c.object());
        }
    }

    private final class Subscription {
        final Filter filter;
        final Sink sink;
        final Function<ObjectNode, JsonNode> transform;
        final long after;

        Subscription(Filter filter, Sink sink, Function<ObjectNode, JsonNode> transform, long after) {
            this.filter = filter;
            this.sink = sink;
            this.transform = transform;
            this.after = after;
        }

        void deliver(String type, ObjectNode object) {
            ObjectNode event = NODES.objectNode().put("type", type);
            event.set("object", transform.apply(object));
            sink.send(event + "\n");
        }
    }

    private final ArrayDeque<Change> history = new ArrayDeque<>();
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    /** The resourceVersion of the oldest change that may have been dropped from {@link #history}; 0: none dropped. */
    private long dropped;
    private long lastPublished;

    /** Records a change and sends it to the matching watches. */
    void publish(Change change) {
        synchronized (this) {
            if (history.size() >= HISTORY) {
                dropped = history.removeFirst().resourceVersion();
            }
            history.addLast(change);
            lastPublished = Math.max(lastPublished, change.resourceVersion());
            for (Subscription s : subscriptions) {
                if (change.resourceVersion() > s.after && s.filter.matches(change)) {
                    s.deliver(change.type(), change.object());
                }
            }
        }
    }

    /**
     * Starts a watch. {@code resourceVersion} empty or "0": the current objects ({@code current}, read while no change
     * is published) first come as ADDED events; else the recorded changes after it, or an ERROR 410 when they are no
     * longer kept. Returns a handle that stops the watch.
     */
    Runnable subscribe(Filter filter, String resourceVersion, java.util.function.Supplier<List<ObjectNode>> current,
                       Function<ObjectNode, JsonNode> transform, Sink sink) {
        synchronized (this) {
            Subscription s;
            if (resourceVersion == null || resourceVersion.isEmpty() || resourceVersion.equals("0")) {
                s = new Subscription(filter, sink, transform, lastPublished);
                for (ObjectNode o : current.get()) {
                    s.deliver("ADDED", o);
                }
            } else {
                long from;
                try {
                    from = Long.parseLong(resourceVersion);
                } catch (NumberFormatException e) {
                    sink.send(error(400, "BadRequest", "invalid resource version: " + resourceVersion) + "\n");
                    sink.end();
                    return () -> { };
                }
                if (dropped > 0 && from < dropped) {
                    // apiserver pkg/storage/cacher/watch_cache.go: errors.NewResourceExpired("too old resource version: %d (%d)")
                    sink.send(error(410, "Expired", "too old resource version: " + from + " (" + dropped + ")") + "\n");
                    sink.end();
                    return () -> { };
                }
                s = new Subscription(filter, sink, transform, from);
                for (Change c : history) {
                    if (c.resourceVersion() > from && filter.matches(c)) {
                        s.deliver(c.type(), c.object());
                    }
                }
                s = new Subscription(filter, sink, transform, Math.max(from, lastPublished));
            }
            Subscription added = s;
            subscriptions.add(added);
            return () -> subscriptions.remove(added);
        }
    }

    /**
     * Starts the cache afresh at {@code resourceVersion} (a store restored from disk): no change is kept, and a watch
     * from an earlier resourceVersion is answered 410 Gone, as by an API server whose watch cache starts there.
     */
    synchronized void restart(long resourceVersion) {
        history.clear();
        dropped = resourceVersion;
        lastPublished = resourceVersion;
    }

    /** Ends every open watch (the server is stopping). */
    void closeAll() {
        for (Subscription s : subscriptions) {
            s.sink.end();
        }
        subscriptions.clear();
    }

    private static ObjectNode error(int code, String reason, String message) {
        ObjectNode status = NODES.objectNode().put("kind", "Status").put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
        ObjectNode event = NODES.objectNode().put("type", "ERROR");
        event.set("object", status);
        return event;
    }

    /** The label and field selectors of list and watch requests (apimachinery pkg/labels/selector.go, pkg/fields). */
    static final class Selectors {
        private Selectors() { }

        static boolean labelsMatch(String selector, JsonNode labels) {
            if (selector == null || selector.isBlank()) {
                return true;
            }
            for (String requirement : splitRequirements(selector)) {
                if (!labelRequirement(requirement.trim(), labels)) {
                    return false;
                }
            }
            return true;
        }

        private static boolean labelRequirement(String r, JsonNode labels) {
            java.util.regex.Matcher set = java.util.regex.Pattern
                    .compile("^(\\S+)\\s+(in|notin)\\s*\\((.*)\\)$").matcher(r);
            if (set.matches()) {
                List<String> values = new ArrayList<>();
                for (String v : set.group(3).split(",")) {
                    values.add(v.trim());
                }
                JsonNode value = labels.get(set.group(1));
                boolean in = value != null && values.contains(value.asText());
                return set.group(2).equals("in") ? in : !in;
            }
            if (r.startsWith("!")) {
                return !labels.has(r.substring(1).trim());
            }
            int ne = r.indexOf("!=");
            if (ne > 0) {
                JsonNode value = labels.get(r.substring(0, ne).trim());
                return value == null || !value.asText().equals(r.substring(ne + 2).trim());
            }
            int eq = r.indexOf('=');
            if (eq > 0) {
                String key = r.substring(0, eq).trim();
                String expected = r.substring(eq + (r.startsWith("==", eq) ? 2 : 1)).trim();
                JsonNode value = labels.get(key);
                return value != null && value.asText().equals(expected);
            }
            return labels.has(r);
        }

        /** Splits on commas outside parentheses. */
        private static List<String> splitRequirements(String selector) {
            List<String> out = new ArrayList<>();
            int depth = 0;
            int start = 0;
            for (int i = 0; i < selector.length(); i++) {
                char c = selector.charAt(i);
                if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                } else if (c == ',' && depth == 0) {
                    out.add(selector.substring(start, i));
                    start = i + 1;
                }
            }
            out.add(selector.substring(start));
            return out;
        }

        static boolean fieldsMatch(String selector, JsonNode object) {
            if (selector == null || selector.isBlank()) {
                return true;
            }
            for (String requirement : selector.split(",")) {
                String r = requirement.trim();
                boolean negate = r.contains("!=");
                String[] kv = r.split(negate ? "!=" : "==?", 2);
                if (kv.length != 2) {
                    continue;
                }
                JsonNode value = object;
                for (String part : kv[0].trim().split("\\.")) {
                    value = value.path(part);
                }
                boolean equal = value.asText("").equals(kv[1].trim());
                if (equal == negate) {
                    return false;
                }
            }
            return true;
        }
    }

    /** For tests: the recorded changes. */
    synchronized List<Change> history() {
        return List.copyOf(history);
    }
}
