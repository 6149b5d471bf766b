package dev.maas.installer.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.maas.installer.engine.FieldChange;

import java.math.BigDecimal;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Field-level comparison of a desired 3scale object with the live one, both as attribute → value maps under
 * 3scale's field names. Only the desired attributes are compared (the live object has more: id, state,
 * timestamps, links). Values are normalised first, so that differences in form only are not changes:
 * <ul>
 *   <li>absent, {@code null} and the empty string are the same;</li>
 *   <li>text is compared without surrounding blanks and with {@code \n} line endings;</li>
 *   <li>numbers compare by value whatever their type or form: {@code 1}, {@code 1.0} and {@code "1"} (3scale
 *       returns some numbers, such as {@code backend_version}, as strings);</li>
 *   <li>booleans compare with their text form, case-insensitively: {@code true} and {@code "true"};</li>
 *   <li>URLs (fields named {@code *endpoint}, {@code *url}): scheme and host case-insensitive, default ports
 *       (80 for http, 443 for https) and trailing slashes ignored;</li>
 *   <li>{@code http_method}: case-insensitive;</li>
 *   <li>lists compare element by element in order, objects field by field whatever the order.</li>
 * </ul>
 * A change is reported as {@code FieldChange(live, desired)} with the values as they are, not normalised.
 */
public final class FieldDiff {
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");
    private static final ObjectMapper JSON = new ObjectMapper().configure(
            SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private FieldDiff() { }

    /** Desired attributes that differ from the live ones, in the desired map's order; empty when none. */
    public static Map<String, FieldChange> compare(Map<String, ?> desired, Map<String, ?> live) {
        Map<String, FieldChange> changes = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : desired.entrySet()) {
            Object have = live == null ? null : live.get(e.getKey());
            if (!sameValue(e.getKey(), have, e.getValue())) {
                changes.put(e.getKey(), new FieldChange(display(have), display(e.getValue())));
            }
        }
        return changes;
    }

    /** Whether two values of the named field are the same after normalisation. */
    public static boolean sameValue(String field, Object live, Object desired) {
        return normalise(field, live).equals(normalise(field, desired));
    }

    /** The normalised text form of a value, as compared. */
    public static String normalise(String field, Object value) {
        Object v = plain(value);
        if (v == null) {
            return "";
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, String> sorted = new TreeMap<>();
            m.forEach((k, x) -> {
                String n = normalise(String.valueOf(k), x);
                if (!n.isEmpty()) {
                    sorted.put(String.valueOf(k), n);
                }
            });
            return sorted.toString();
        }
        if (v instanceof Collection<?> c) {
            List<String> items = new ArrayList<>();
            c.forEach(x -> items.add(normalise(field, x)));
            return items.toString();
        }
        if (v instanceof Boolean b) {
            return b.toString();
        }
        if (v instanceof Number n) {
            return number(n.toString());
        }
        String s = v.toString().replace("\r\n", "\n").strip();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.equals("true") || lower.equals("false")) {
            return lower;
        }
        if (NUMBER.matcher(s).matches()) {
            return number(s);
        }
        String f = field == null ? "" : field.toLowerCase(Locale.ROOT);
        if (f.endsWith("endpoint") || f.endsWith("url")) {
            return url(s);
        }
        if (f.equals("http_method")) {
            return s.toUpperCase(Locale.ROOT);
        }
        return s;
    }

    /**
     * Compares two lists of objects matched by a natural key: which desired objects are missing live, which live
     * objects are not desired, and the field changes of those on both sides.
     */
    public static KeyedDiff compareByKey(List<? extends Map<String, ?>> desired, List<? extends Map<String, ?>> live,
                                         Function<Map<String, ?>, String> key) {
        Map<String, Map<String, ?>> liveByKey = new LinkedHashMap<>();
        for (Map<String, ?> l : live) {
            liveByKey.putIfAbsent(key.apply(l), l);
        }
        List<Map<String, ?>> missing = new ArrayList<>();
        Map<String, Map<String, FieldChange>> changed = new LinkedHashMap<>();
        Map<String, Map<String, ?>> matched = new LinkedHashMap<>();
        for (Map<String, ?> d : desired) {
            String k = key.apply(d);
            Map<String, ?> l = liveByKey.get(k);
            if (l == null) {
                missing.add(d);
                continue;
            }
            matched.put(k, l);
            Map<String, FieldChange> c = compare(d, l);
            if (!c.isEmpty()) {
                changed.put(k, c);
            }
        }
        List<Map<String, ?>> extra = new ArrayList<>();
        for (Map<String, ?> l : live) {
            if (!matched.containsKey(key.apply(l)) || matched.get(key.apply(l)) != l) {
                extra.add(l);
            }
        }
        return new KeyedDiff(missing, extra, changed);
    }

    /** The result of {@link #compareByKey}. */
    public record KeyedDiff(List<Map<String, ?>> missing, List<Map<String, ?>> extra,
                            Map<String, Map<String, FieldChange>> changed) {
        public KeyedDiff {
            missing = List.copyOf(missing);
            extra = List.copyOf(extra);
            changed = Map.copyOf(changed);
        }

        public boolean isEmpty() { return missing.isEmpty() && extra.isEmpty() && changed.isEmpty(); }
    }

    private static Object plain(Object value) {
        if (value instanceof JsonNode n) {
            if (n.isNull() || n.isMissingNode()) {
                return null;
            }
            if (n.isValueNode()) {
                return n.isNumber() ? n.numberValue() : n.isBoolean() ? (Object) n.booleanValue() : n.asText();
            }
            return JSON.convertValue(n, Object.class);
        }
        return value;
    }

    private static String number(String s) {
        try {
            BigDecimal d = new BigDecimal(s).stripTrailingZeros();
            return d.toPlainString();
        } catch (NumberFormatException e) {
            return s;
        }
    }

    private static String url(String s) {
        try {
            URI u = URI.create(s);
            if (u.getScheme() == null || u.getHost() == null) {
                return s.replaceAll("/+$", "");
            }
            String scheme = u.getScheme().toLowerCase(Locale.ROOT);
            int port = u.getPort();
            if ((scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443)) {
                port = -1;
            }
            String path = u.getRawPath() == null ? "" : u.getRawPath().replaceAll("/+$", "");
            return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + (port < 0 ? "" : ":" + port) + path
                    + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        } catch (IllegalArgumentException e) {
            return s.replaceAll("/+$", "");
        }
    }

    private static String display(Object value) {
        Object v = plain(value);
        if (v == null) {
            return null;
        }
        if (v instanceof Map<?, ?> || v instanceof Collection<?>) {
            try {
                return JSON.writeValueAsString(v);
            } catch (JsonProcessingException e) {
                return v.toString();
            }
        }
        return v.toString();
    }
}
