package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operations of 3scale's OpenAPI specs (porta doc/active_docs): method, path template and the names of every
 * parameter the operation defines (path, query and request body properties). Paths are indexed without their
 * {@code .xml}/{@code .json} suffix, since 3scale serves both formats on the same routes.
 */
public final class OpenApiIndex {
    /** One operation of a spec. {@code template} has no suffix, e.g. {@code /admin/api/backend_apis/{id}}. */
    public record Operation(String method, String template, String specTemplate, Pattern regex,
                            List<String> pathParams, Set<String> params, Set<String> required, String source) {
        /** Literal characters of the template: more specific templates win when several match. */
        int literalLength() { return template.replaceAll("\\{[^}]+}", "").length(); }
    }

    /** An operation matched against a concrete request path, with the path parameter values. */
    public record Match(Operation operation, Map<String, String> pathValues) {
    }

    /**
     * In {@link Operation#params()} of a Master API operation whose request body allows additional properties
     * (porta's account fields, e.g. {@code org_name} on Tenant Update): the store checks the names itself. The
     * tenant APIs stay strict (a fresh tenant defines no extra fields the installer would send).
     */
    public static final String ANY_PARAM = "*";

    private static final Pattern PARAM = Pattern.compile("\\{([^}]+)}");
    private final List<Operation> operations;

    private OpenApiIndex(List<Operation> operations) {
        this.operations = List.copyOf(operations);
    }

    public List<Operation> operations() { return operations; }

    /**
     * Loads the bundled specs of a version ("2.15" or "2.16"): account management, CMS, policy registry, master and
     * analytics.
     */
    public static OpenApiIndex bundled(String version) {
        String v = version.startsWith("2.16") ? "2.16" : "2.15";
        List<Operation> ops = new ArrayList<>();
        ObjectMapper m = new ObjectMapper();
        for (String api : List.of("account_management_api", "cms_api", "policy_registry_api", "master_api",
                "analytics_api")) {
            String name = "spec/" + api + "." + v + "-stable.json";
            try (InputStream in = OpenApiIndex.class.getResourceAsStream(name)) {
                if (in == null) {
                    throw new IllegalStateException("bundled spec missing: " + name);
                }
                ops.addAll(parse(m.readTree(in), api + "." + v));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new OpenApiIndex(withControllerParams(ops));
    }

    /**
     * Parameters porta's controllers take that the bundled specs do not list. The controller decides, not the
     * spec: app/controllers/admin/api/cms/templates_controller.rb has {@code content_type} in AVAILABLE_PARAMS and
     * ALLOWED_PARAMS[:page] (a page's media type; the 2.15 and 2.16 CMS specs omit it).
     */
    private static List<Operation> withControllerParams(List<Operation> ops) {
        List<Operation> out = new ArrayList<>(ops.size());
        for (Operation o : ops) {
            boolean templateWrite = o.template().equals("/admin/api/cms/templates") && o.method().equals("POST")
                    || o.template().equals("/admin/api/cms/templates/{id}") && o.method().equals("PUT");
            if (templateWrite && !o.params().contains("content_type")) {
                Set<String> params = new LinkedHashSet<>(o.params());
                params.add("content_type");
                o = new Operation(o.method(), o.template(), o.specTemplate(), o.regex(), o.pathParams(), params,
                        o.required(), o.source() + " + templates_controller.rb");
            }
            out.add(o);
        }
        return out;
    }

    /** Loads spec files from disk (the conformance test reads the reference copies). */
    public static OpenApiIndex of(List<Path> files) {
        List<Operation> ops = new ArrayList<>();
        ObjectMapper m = new ObjectMapper();
        for (Path f : files) {
            try {
                ops.addAll(parse(m.readTree(Files.readString(f)), f.getFileName().toString()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new OpenApiIndex(ops);
    }

    static List<Operation> parse(JsonNode spec, String source) {
        List<Operation> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = spec.path("paths").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            String specTemplate = path.getKey();
            // the Analytics API writes the suffix as a parameter: /stats/services/{service_id}/usage.{format}
            String template = specTemplate.replaceAll("\\.(xml|json|\\{format\\})$", "");
            List<String> pathParams = new ArrayList<>();
            Matcher pm = PARAM.matcher(template);
            StringBuilder regex = new StringBuilder();
            int last = 0;
            while (pm.find()) {
                regex.append(Pattern.quote(template.substring(last, pm.start()))).append("([^/]+?)");
                pathParams.add(pm.group(1));
                last = pm.end();
            }
            regex.append(Pattern.quote(template.substring(last)));
            Pattern compiled = Pattern.compile(regex + "\\.(json|xml)");
            JsonNode common = path.getValue().path("parameters");
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (op.getKey().equals("parameters") || !op.getValue().isObject()) {
                    continue;
                }
                Set<String> params = new LinkedHashSet<>();
                Set<String> required = new LinkedHashSet<>();
                for (JsonNode list : List.of(common, op.getValue().path("parameters"))) {
                    for (JsonNode p : list) {
                        JsonNode param = resolve(spec, p);
                        if (!"path".equals(param.path("in").asText())) {
                            params.add(param.path("name").asText());
                            if (param.path("required").asBoolean(false)) {
                                required.add(param.path("name").asText());
                            }
                        }
                    }
                }
                JsonNode body = resolve(spec, op.getValue().path("requestBody"));
                for (JsonNode content : body.path("content")) {
                    JsonNode schema = resolve(spec, content.path("schema"));
                    schema.path("properties").fieldNames().forEachRemaining(params::add);
                    JsonNode extra = schema.path("additionalProperties");
                    if (source.startsWith("master_api") && (extra.isObject() || extra.asBoolean(false))) {
                        params.add(ANY_PARAM);
                    }
                    schema.path("required").forEach(r -> required.add(r.asText()));
                }
                out.add(new Operation(op.getKey().toUpperCase(), template, specTemplate, compiled,
                        List.copyOf(pathParams), params, required, source));
            }
        }
        return out;
    }

    private static JsonNode resolve(JsonNode spec, JsonNode node) {
        JsonNode n = node;
        for (int i = 0; i < 10 && n.has("$ref"); i++) {
            String ref = n.get("$ref").asText();
            n = spec.at(ref.substring(1));
        }
        return n;
    }

    /** The operation for a request, the most specific template first. */
    public Optional<Match> match(String method, String path) {
        return operations.stream().filter(o -> o.method().equals(method))
                .map(o -> {
                    Matcher m = o.regex().matcher(path);
                    if (!m.matches()) {
                        return null;
                    }
                    Map<String, String> values = new java.util.LinkedHashMap<>();
                    for (int i = 0; i < o.pathParams().size(); i++) {
                        values.put(o.pathParams().get(i), m.group(i + 1));
                    }
                    return new Match(o, values);
                })
                .filter(java.util.Objects::nonNull)
                .max(Comparator.comparingInt((Match x) -> x.operation().literalLength()));
    }

    /** True when any method is defined for the path. */
    public boolean knowsPath(String path) {
        return operations.stream().anyMatch(o -> o.regex().matcher(path).matches());
    }

    /** The operation with this method and template (without suffix). */
    public Optional<Operation> operation(String method, String template) {
        return operations.stream().filter(o -> o.method().equals(method) && o.template().equals(template)).findFirst();
    }
}
