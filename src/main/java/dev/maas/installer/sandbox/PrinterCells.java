package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/** The cells of the printers of {@link TableConverter}: ages, labels, selectors, counts as kubectl prints them. */
final class PrinterCells {
    private PrinterCells() {
    }

    static List<Object> cells(Object... values) {
        List<Object> out = new ArrayList<>();
        for (Object v : values) {
            out.add(v);
        }
        return out;
    }

    static String meta(JsonNode o, String field) {
        return o.path("metadata").path(field).asText("");
    }

    /** printers.go translateTimestampSince. */
    static String age(JsonNode o) {
        return since(o.path("metadata").path("creationTimestamp"));
    }

    static String since(JsonNode timestamp) {
        if (timestamp == null || !timestamp.isTextual() || timestamp.asText().isEmpty()) {
            return "<unknown>";
        }
        try {
            return humanDuration(Duration.between(Instant.parse(timestamp.asText()), Instant.now()));
        } catch (DateTimeParseException e) {
            return "<unknown>";
        }
    }

    /** apimachinery pkg/util/duration/duration.go HumanDuration. */
    static String humanDuration(Duration d) {
        long seconds = d.getSeconds();
        if (seconds < -1) {
            return "<invalid>";
        } else if (seconds < 0) {
            return "0s";
        } else if (seconds < 60 * 2) {
            return seconds + "s";
        }
        long minutes = d.toMinutes();
        if (minutes < 10) {
            long s = seconds % 60;
            return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
        } else if (minutes < 60 * 3) {
            return minutes + "m";
        }
        long hours = d.toHours();
        if (hours < 8) {
            long m = minutes % 60;
            return m == 0 ? hours + "h" : hours + "h" + m + "m";
        } else if (hours < 48) {
            return hours + "h";
        } else if (hours < 24 * 8) {
            long h = hours % 24;
            return h == 0 ? (hours / 24) + "d" : (hours / 24) + "d" + h + "h";
        } else if (hours < 24 * 365 * 2) {
            return (hours / 24) + "d";
        } else if (hours < 24 * 365 * 8) {
            long dy = (hours / 24) % 365;
            return dy == 0 ? (hours / 24 / 365) + "y" : (hours / 24 / 365) + "y" + dy + "d";
        }
        return (hours / 24 / 365) + "y";
    }

    /** apimachinery labels.FormatLabels: sorted k=v, or {@code <none>}. */
    static String formatLabels(JsonNode labels) {
        if (labels == null || !labels.isObject() || labels.isEmpty()) {
            return "<none>";
        }
        TreeMap<String, String> sorted = new TreeMap<>();
        labels.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue().asText()));
        List<String> parts = new ArrayList<>();
        sorted.forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(",", parts);
    }

    /** metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key; empty when nothing selects. */
    static String selector(JsonNode selector) {
        if (selector == null || !selector.isObject()) {
            return "";
        }
        TreeMap<String, List<String>> byKey = new TreeMap<>();
        selector.path("matchLabels").fields().forEachRemaining(e -> byKey.computeIfAbsent(e.getKey(),
                k -> new ArrayList<>()).add(e.getKey() + "=" + e.getValue().asText()));
        for (JsonNode r : selector.path("matchExpressions")) {
            String key = r.path("key").asText();
            TreeSet<String> values = new TreeSet<>();
            r.path("values").forEach(v -> values.add(v.asText()));
            String text = switch (r.path("operator").asText()) {
                case "In" -> key + " in (" + String.join(",", values) + ")";
                case "NotIn" -> key + " notin (" + String.join(",", values) + ")";
                case "Exists" -> key;
                case "DoesNotExist" -> "!" + key;
                default -> key;
            };
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(text);
        }
        List<String> parts = new ArrayList<>();
        byKey.values().forEach(parts::addAll);
        return String.join(",", parts);
    }

    /** metav1.FormatLabelSelector: like {@link #selector} but {@code <none>} when empty or absent. */
    static String formatLabelSelector(JsonNode selector) {
        String s = selector(selector);
        return s.isEmpty() ? "<none>" : s;
    }

    /** printers.go layoutContainerCells: names and images, comma-separated. */
    static String[] containers(JsonNode podSpec) {
        List<String> names = new ArrayList<>();
        List<String> images = new ArrayList<>();
        for (JsonNode c : podSpec.path("containers")) {
            names.add(c.path("name").asText(""));
            images.add(c.path("image").asText(""));
        }
        return new String[] {String.join(",", names), String.join(",", images)};
    }

    static long count(JsonNode n) {
        return n != null && (n.isObject() || n.isArray()) ? n.size() : 0;
    }

    static long num(JsonNode n) {
        return n == null ? 0 : n.asLong(0);
    }

    static String accessModes(JsonNode modes) {
        // core/helper GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order
        List<String> out = new ArrayList<>();
        List<String> present = new ArrayList<>();
        modes.forEach(m -> present.add(m.asText()));
        if (present.contains("ReadWriteOnce")) {
            out.add("RWO");
        }
        if (present.contains("ReadOnlyMany")) {
            out.add("ROX");
        }
        if (present.contains("ReadWriteMany")) {
            out.add("RWX");
        }
        if (present.contains("ReadWriteOncePod")) {
            out.add("RWOP");
        }
        return String.join(",", out);
    }
}
