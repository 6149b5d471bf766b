package dev.maas.installer.engine.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** Reads {@code maas-installer.yaml} into an {@link InstallerConfig}, strictly: unknown keys are errors. */
public final class ConfigLoader {
    private static final ObjectMapper YAML = JsonMapper.builder(new YAMLFactory()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private ConfigLoader() { }

    /** Loads, resolves relative paths against the file's folder, fills defaults, validates. */
    public static InstallerConfig load(Path file) {
        String source = file.toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(null, List.of(new ConfigProblem("--config",
                    "file not found: " + file + " (give the path of an existing maas-installer.yaml)")));
        } catch (IOException e) {
            throw new ConfigException(null, List.of(new ConfigProblem("--config",
                    "cannot read " + file + ": " + e.getMessage())));
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(text, source, base);
    }

    /** Parses YAML text; relative paths resolve against {@code baseDir}. */
    public static InstallerConfig parse(String yaml, String source, Path baseDir) {
        InstallerConfig raw;
        try {
            raw = yaml == null || yaml.isBlank() ? InstallerConfig.defaults() : YAML.readValue(yaml, InstallerConfig.class);
            if (raw == null) {
                raw = InstallerConfig.defaults();
            }
        } catch (JsonProcessingException e) {
            throw new ConfigException(source, List.of(describe(e, yaml)));
        }
        InstallerConfig resolved = ConfigDefaults.resolve(raw, baseDir);
        List<ConfigProblem> problems = ConfigValidator.validate(resolved);
        if (!problems.isEmpty()) {
            throw new ConfigException(source, problems);
        }
        return resolved;
    }

    /** Writes a configuration back as YAML (the wizard's Export); it holds no secret by construction. */
    public static String toYaml(InstallerConfig config) {
        try {
            return YAML.copy().setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY)
                    .writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the configuration as YAML", e);
        }
    }

    static ConfigProblem describe(JsonProcessingException e, String yaml) {
        String path = e instanceof JsonMappingException m ? path(m.getPath()) : "";
        String where = e instanceof JsonMappingException m && !m.getPath().isEmpty()
                ? YamlLines.lineOf(yaml, m.getPath()).map(l -> " (line " + l + ")").orElse(where(e.getLocation()))
                : where(e.getLocation());
        if (e instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds() == null ? "" : u.getKnownPropertyIds().stream()
                    .map(String::valueOf).sorted().collect(Collectors.joining(", "));
            return new ConfigProblem(path, "unknown key" + where + "; remove it or use one of: " + known);
        }
        if (e instanceof InvalidFormatException f) {
            return new ConfigProblem(path, "'" + f.getValue() + "' is not a valid " + simpleType(f.getTargetType())
                    + where + ": " + hint(f.getTargetType()));
        }
        if (e instanceof MismatchedInputException m) {
            return new ConfigProblem(path, "expected " + article(simpleType(m.getTargetType())) + where + ": "
                    + hint(m.getTargetType()));
        }
        String msg = e.getOriginalMessage() == null ? e.getMessage() : e.getOriginalMessage();
        String duplicate = "Duplicate field '";
        if (msg != null && msg.startsWith(duplicate)) {
            int end = msg.indexOf('\'', duplicate.length());
            String key = end < 0 ? msg.substring(duplicate.length()) : msg.substring(duplicate.length(), end);
            List<Object> steps = e.getProcessor() instanceof com.fasterxml.jackson.core.JsonParser p
                    ? steps(p.getParsingContext()) : List.of(key);
            String at = dotted(steps);
            String line = YamlLines.lineOfRepeatedKey(yaml, steps).map(l -> " (line " + l + ")").orElse("");
            return new ConfigProblem(at.isEmpty() ? key : at, "duplicate key '" + key + "'" + line
                    + ": keep only one of them (a second one would silently replace the first)");
        }
        // SnakeYAML's problem mark ("in 'reader', line L, column C", the last one in its message) is where the
        // problem is; the parser's location is the token before it
        java.util.regex.Matcher mark = java.util.regex.Pattern.compile("line (\\d+), column (\\d+)")
                .matcher(e.getMessage() == null ? "" : e.getMessage());
        while (mark.find()) {
            where = " (line " + mark.group(1) + ", column " + mark.group(2) + ")";
        }
        return new ConfigProblem(path, "not valid YAML" + where + ": " + problem(msg) + "; fix the YAML syntax"
                + " there: `key: value` pairs, indented with spaces (no tabs), values with ': ', '#' or a leading"
                + " '[', '{', '*', '&' or '!' in quotes");
    }

    /** How to write a value of that type, for messages. */
    private static String hint(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class) {
            return "write a whole number without quotes, e.g. 4";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "write true or false, without quotes";
        }
        if (type == String.class) {
            return "write a single value (in quotes if it contains ': ' or '#')";
        }
        if (type != null && List.class.isAssignableFrom(type)) {
            return "write a list, one '- item' per line";
        }
        return "write it as indented `key: value` lines under it (see "
                + dev.maas.installer.engine.Docs.file("maas-installer.example.yaml") + ")";
    }

    /** The keys (String) and list indexes (Integer) of a parser position, from the top. */
    private static List<Object> steps(com.fasterxml.jackson.core.JsonStreamContext ctx) {
        java.util.Deque<Object> parts = new java.util.ArrayDeque<>();
        for (com.fasterxml.jackson.core.JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.addFirst(Math.max(c.getCurrentIndex(), 0));
            } else if (c.getCurrentName() != null) {
                parts.addFirst(c.getCurrentName());
            }
        }
        return List.copyOf(parts);
    }

    /** Steps as a config path, e.g. {@code models[1].name}. */
    private static String dotted(List<Object> steps) {
        StringBuilder sb = new StringBuilder();
        for (Object s : steps) {
            if (s instanceof Integer i) {
                sb.append('[').append(i).append(']');
            } else {
                sb.append(sb.length() == 0 ? "" : ".").append(s);
            }
        }
        return sb.toString();
    }

    private static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : refs) {
            if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            } else if (ref.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            }
        }
        return sb.toString();
    }

    private static String where(JsonLocation location) {
        if (location == null || location.getLineNr() < 0) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static String simpleType(Class<?> type) {
        if (type == null) {
            return "value";
        }
        if (type == String.class) {
            return "text";
        }
        if (type == Integer.class || type == int.class || type == Long.class) {
            return "whole number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (List.class.isAssignableFrom(type)) {
            return "list";
        }
        if (type.isRecord()) {
            return "section (key: value pairs)";
        }
        return type.getSimpleName();
    }

    private static String article(String what) {
        return what.startsWith("true") ? what : (what.matches("^[aeiou].*") ? "an " : "a ") + what;
    }

    /**
     * The parser's explanation without the excerpt it quotes: SnakeYAML says what it was doing, then what it found
     * (e.g. "while scanning for the next token: found character '\t(TAB)' that cannot start any token"), then
     * " in 'reader', line ..." and the quoted line, which is left out (the line number is already given).
     */
    private static String problem(String s) {
        if (s == null) {
            return "";
        }
        List<String> parts = new java.util.ArrayList<>();
        for (String line : s.split("\n")) {
            if (line.isBlank() || line.startsWith(" ") || line.startsWith("\t")) {
                break;
            }
            parts.add(line.strip());
        }
        return parts.isEmpty() ? firstLine(s) : String.join(": ", parts);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
