package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The JSONPath of Kubernetes (client-go util/jsonpath, as CRD printer columns use it, e.g.
 * {@code .status.conditions[?(@.type=='Ready')].status}): field steps ({@code .a}, {@code ['a']}), indexes
 * (negative too), slices, {@code [*]}, recursive descent ({@code ..a}) and filters comparing a field with a string,
 * number or boolean ({@code ==}, {@code !=}, {@code <}, {@code >}, {@code <=}, {@code >=}) or testing it exists.
 * Missing keys give no result (the table convertor allows them).
 */
final class KubeJsonPath {
    private sealed interface Step permits Field, Index, Slice, Wildcard, Recursive, Filter { }

    private record Field(String name) implements Step { }

    private record Index(int index) implements Step { }

    private record Slice(Integer start, Integer end) implements Step { }

    private record Wildcard() implements Step { }

    private record Recursive(String name) implements Step { }

    private record Filter(KubeJsonPath path, String op, JsonNode value) implements Step { }

    private final List<Step> steps;

    private KubeJsonPath(List<Step> steps) {
        this.steps = steps;
    }

    /** Parses a path such as {@code .spec.versions[0].name}; surrounding braces are allowed. */
    static KubeJsonPath parse(String expression) {
        String e = expression.trim();
        if (e.startsWith("{") && e.endsWith("}")) {
            e = e.substring(1, e.length() - 1).trim();
        }
        if (e.startsWith("$")) {
            e = e.substring(1);
        }
        List<Step> steps = new ArrayList<>();
        int i = 0;
        while (i < e.length()) {
            char c = e.charAt(i);
            if (c == '.' && i + 1 < e.length() && e.charAt(i + 1) == '.') {
                int end = fieldEnd(e, i + 2);
                steps.add(new Recursive(e.substring(i + 2, end)));
                i = end;
            } else if (c == '.') {
                int end = fieldEnd(e, i + 1);
                String name = e.substring(i + 1, end);
                if (!name.isEmpty()) {
                    steps.add(name.equals("*") ? new Wildcard() : new Field(name));
                }
                i = end;
            } else if (c == '[') {
                int end = closing(e, i);
                steps.add(bracket(e.substring(i + 1, end).trim()));
                i = end + 1;
            } else if (c == '@') {
                i++;
            } else {
                int end = fieldEnd(e, i);
                if (end == i) {
                    throw new IllegalArgumentException("unrecognized character in JSONPath " + expression + " at " + i);
                }
                steps.add(new Field(e.substring(i, end)));
                i = end;
            }
        }
        return new KubeJsonPath(steps);
    }

    private static int fieldEnd(String e, int from) {
        int i = from;
        while (i < e.length() && e.charAt(i) != '.' && e.charAt(i) != '[') {
            i++;
        }
        return i;
    }

    private static int closing(String e, int open) {
        int depth = 0;
        char quote = 0;
        for (int i = open; i < e.length(); i++) {
            char c = e.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '[') {
                depth++;
            } else if (c == ']' && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("unclosed [ in JSONPath " + e);
    }

    private static Step bracket(String inner) {
        if (inner.equals("*")) {
            return new Wildcard();
        }
        if (inner.startsWith("?(") && inner.endsWith(")")) {
            return filter(inner.substring(2, inner.length() - 1).trim());
        }
        if ((inner.startsWith("'") && inner.endsWith("'")) || (inner.startsWith("\"") && inner.endsWith("\""))) {
            return new Field(inner.substring(1, inner.length() - 1));
        }
        if (inner.contains(":")) {
            String[] parts = inner.split(":", -1);
            return new Slice(parts[0].isBlank() ? null : Integer.parseInt(parts[0].trim()),
                    parts[1].isBlank() ? null : Integer.parseInt(parts[1].trim()));
        }
        return new Index(Integer.parseInt(inner));
    }

    private static Step filter(String condition) {
        for (String op : List.of("==", "!=", "<=", ">=", "<", ">")) {
            int at = indexOutsideQuotes(condition, op);
            if (at > 0) {
                String left = condition.substring(0, at).trim();
                String right = condition.substring(at + op.length()).trim();
                return new Filter(parse(left), op, literal(right));
            }
        }
        return new Filter(parse(condition), "exists", null);
    }

    private static int indexOutsideQuotes(String s, String op) {
        char quote = 0;
        for (int i = 0; i + op.length() <= s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (s.startsWith(op, i)) {
                return i;
            }
        }
        return -1;
    }

    private static JsonNode literal(String text) {
        com.fasterxml.jackson.databind.node.JsonNodeFactory f = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
        if ((text.startsWith("'") && text.endsWith("'")) || (text.startsWith("\"") && text.endsWith("\""))) {
            return f.textNode(text.substring(1, text.length() - 1));
        }
        if (text.equals("true") || text.equals("false")) {
            return f.booleanNode(Boolean.parseBoolean(text));
        }
        try {
            return f.numberNode(new java.math.BigDecimal(text));
        } catch (NumberFormatException e) {
            return f.textNode(text);
        }
    }

    /** The values the path selects in {@code root}, in document order. */
    List<JsonNode> evaluate(JsonNode root) {
        List<JsonNode> current = List.of(root);
        for (Step step : steps) {
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode node : current) {
                apply(step, node, next);
            }
            current = next;
        }
        return current;
    }

    private static void apply(Step step, JsonNode node, List<JsonNode> out) {
        if (node == null || node.isMissingNode()) {
            return;
        }
        if (step instanceof Field f) {
            JsonNode v = node.isObject() ? node.get(f.name()) : null;
            if (v != null) {
                out.add(v);
            }
        } else if (step instanceof Index ix) {
            if (node.isArray() && node.size() > 0) {
                int i = ix.index() < 0 ? node.size() + ix.index() : ix.index();
                if (i >= 0 && i < node.size()) {
                    out.add(node.get(i));
                }
            }
        } else if (step instanceof Slice s) {
            if (node.isArray()) {
                int size = node.size();
                int start = s.start() == null ? 0 : (s.start() < 0 ? size + s.start() : s.start());
                int end = s.end() == null ? size : (s.end() < 0 ? size + s.end() : s.end());
                for (int i = Math.max(0, start); i < Math.min(size, end); i++) {
                    out.add(node.get(i));
                }
            }
        } else if (step instanceof Wildcard) {
            if (node.isArray() || node.isObject()) {
                node.forEach(out::add);
            }
        } else if (step instanceof Recursive r) {
            recurse(node, r.name(), out);
        } else if (step instanceof Filter f) {
            if (node.isArray()) {
                node.forEach(item -> {
                    if (test(f, item)) {
                        out.add(item);
                    }
                });
            } else if (node.isObject() && test(f, node)) {
                out.add(node);
            }
        }
    }

    private static void recurse(JsonNode node, String name, List<JsonNode> out) {
        if (node.isObject()) {
            if (name.isEmpty() || name.equals("*")) {
                out.add(node);
            } else if (node.has(name)) {
                out.add(node.get(name));
            }
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                recurse(fields.next().getValue(), name, out);
            }
        } else if (node.isArray()) {
            node.forEach(n -> recurse(n, name, out));
        }
    }

    private static boolean test(Filter f, JsonNode item) {
        List<JsonNode> values = f.path().evaluate(item);
        if (f.op().equals("exists")) {
            return !values.isEmpty();
        }
        if (values.isEmpty()) {
            return false;
        }
        JsonNode v = values.get(0);
        JsonNode expected = f.value();
        int cmp;
        if (v.isNumber() && expected.isNumber()) {
            cmp = v.decimalValue().compareTo(expected.decimalValue());
        } else if (v.isBoolean() && expected.isBoolean()) {
            cmp = v.asBoolean() == expected.asBoolean() ? 0 : 1;
        } else {
            cmp = v.asText().compareTo(expected.asText());
            if (!v.isValueNode()) {
                cmp = 1;
            }
        }
        return switch (f.op()) {
            case "==" -> cmp == 0;
            case "!=" -> cmp != 0;
            case "<" -> cmp < 0;
            case ">" -> cmp > 0;
            case "<=" -> cmp <= 0;
            default -> cmp >= 0;
        };
    }

    /** A value as the JSONPath printer writes it (Go's fmt.Print of the decoded JSON value). */
    static String text(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "<nil>";
        }
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isValueNode()) {
            return v.isNumber() && v.isFloatingPointNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0
                    ? v.decimalValue().toBigInteger().toString() : v.asText();
        }
        if (v.isArray()) {
            List<String> parts = new ArrayList<>();
            v.forEach(e -> parts.add(text(e)));
            return "[" + String.join(" ", parts) + "]";
        }
        List<String> keys = new ArrayList<>();
        v.fieldNames().forEachRemaining(keys::add);
        java.util.Collections.sort(keys);
        List<String> parts = new ArrayList<>();
        for (String k : keys) {
            parts.add(k + ":" + text(v.get(k)));
        }
        return "map[" + String.join(" ", parts) + "]";
    }
}
