package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import dev.maas.installer.sandbox.threescale.SimStore.Req;
import dev.maas.installer.sandbox.threescale.SimStore.Resp;

import static dev.maas.installer.sandbox.threescale.SimSupport.*;

/** Metrics and methods of products and backends, and their mapping rules. */
final class MetricsApi extends SimPart {
    MetricsApi(SimState st) {
        super(st);
    }

    private void metricRoutes(String ownerBase, boolean backend) {
        Function<Req, String> owner = backend ? this::backendOwner : this::serviceOwner;
        // index: every metric of the owner, methods included, by id (service.metrics / backend_api.metrics;
        // app/controllers/admin/api/metrics_controller.rb, backend_apis/metrics_controller.rb, which paginates)
        on("GET", ownerBase + "/metrics", r -> {
            List<ObjectNode> all = metricsOf(owner.apply(r)).stream().map(this::metricJson).toList();
            return ok(backend ? pageWithMetadata(r, all, "metrics", "metric") : list(all, "metrics", "metric"));
        });
        on("POST", ownerBase + "/metrics", r -> createMetric(r, owner.apply(r), null));
        on("GET", ownerBase + "/metrics/{id}", r -> ok(wrap("metric", metricJson(anyMetric(r, owner.apply(r), "id")))));
        on("PUT", ownerBase + "/metrics/{id}", r -> {
            ObjectNode m = anyMetric(r, owner.apply(r), "id");
            updateMetric(r, owner.apply(r), m);
            return ok(wrap("metric", metricJson(m)));
        });
        on("DELETE", ownerBase + "/metrics/{id}", r -> destroyMetric(anyMetric(r, owner.apply(r), "id")));
        // methods: the children of one of the owner's metrics (metric.children), shown by MethodRepresenter
        String methods = ownerBase + "/metrics/{metric_id}/methods";
        on("GET", methods, r -> {
            long parent = anyMetric(r, owner.apply(r), "metric_id").get("id").asLong();
            List<ObjectNode> ms = metricsOf(owner.apply(r)).stream()
                    .filter(m -> m.has("parent_id") && m.get("parent_id").asLong() == parent).map(this::methodJson)
                    .toList();
            return ok(backend ? pageWithMetadata(r, ms, "methods", "method") : list(ms, "methods", "method"));
        });
        on("POST", methods, r -> createMetric(r, owner.apply(r), anyMetric(r, owner.apply(r), "metric_id")));
        on("GET", methods + "/{id}", r -> ok(wrap("method", methodJson(method(r, owner.apply(r))))));
        on("PUT", methods + "/{id}", r -> {
            ObjectNode m = method(r, owner.apply(r));
            updateMetric(r, owner.apply(r), m);
            return ok(wrap("method", methodJson(m)));
        });
        on("DELETE", methods + "/{id}", r -> destroyMetric(method(r, owner.apply(r))));
    }

    /**
     * Metric and method create (app/concerns/metric_params.rb: friendly_name, unit, description, system_name), with the
     * validations of app/models/metric.rb: friendly_name present and unique per owner, unit present (not for a method,
     * whose unit is its parent's), system_name generated from friendly_name when blank, in porta's format and unique
     * per owner; a backend's metric is stored as {@code name.<backend id>} and unique in that form
     * (app/lib/backend_api_logic/metric_extension.rb); methods only under hits (only_hits_has_children).
     */
    private Resp createMetric(Req r, String owner, ObjectNode parent) {
        boolean child = parent != null;
        Map<String, List<String>> errs = new LinkedHashMap<>();
        String friendly = r.p("friendly_name");
        String unit = child ? parent.get("unit").asText() : r.p("unit");
        if (!child && (unit == null || unit.isBlank())) {
            errs.put("unit", List.of("can't be blank"));
        }
        friendlyNameValid(friendly, owner, null, errs);
        String sn = systemName(r, friendly, "metric");
        String suffix = owner.startsWith("BackendApi:") ? "." + owner.substring("BackendApi:".length()) : null;
        if (suffix != null && sn.endsWith(suffix)) {
            sn = sn.substring(0, sn.length() - suffix.length()); // reset_extended_system_name
        }
        String stored = suffix == null ? sn : sn + suffix;
        if (!SYSTEM_NAME.matcher(sn).matches()) {
            errs.put("system_name", List.of("is invalid"));
        } else if (metricsOf(owner).stream().anyMatch(m -> m.get("system_name").asText().equals(stored))) {
            errs.put("system_name", List.of("has already been taken"));
        }
        if (child && !isHits(parent)) {
            errs.put("parent_id", List.of("You can only create methods under 'hits'"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        ObjectNode m = newMetric(owner, stored, friendly, unit, r.p("description"),
                child ? parent.get("id").asLong() : null);
        touchOwner(owner);
        return created(child ? wrap("method", methodJson(m)) : wrap("metric", metricJson(m)));
    }

    /** update_params: friendly_name, unit, description (app/concerns/metric_params.rb). */
    private void updateMetric(Req r, String owner, ObjectNode m) {
        Map<String, List<String>> errs = new LinkedHashMap<>();
        if (r.has("friendly_name")) {
            friendlyNameValid(r.p("friendly_name"), owner, m, errs);
        }
        boolean child = m.has("parent_id");
        if (!child && r.has("unit") && r.p("unit").isBlank()) {
            errs.put("unit", List.of("can't be blank"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        copy(r, m, "friendly_name", "description");
        if (!child) { // Metric#unit= ignores the unit of a method
            copy(r, m, "unit");
        }
        touch(m);
        touchOwner(owner);
    }

    private void friendlyNameValid(String friendly, String owner, ObjectNode self, Map<String, List<String>> errs) {
        if (friendly == null || friendly.isBlank()) {
            errs.put("friendly_name", List.of("can't be blank"));
        } else if (metricsOf(owner).stream().anyMatch(m -> m != self
                && m.get("friendly_name").asText().equals(friendly))) {
            errs.put("friendly_name", List.of("has already been taken"));
        }
    }

    /**
     * Metric#destroy (app/models/metric.rb, before_destroy avoid_destruction): refused while the latest staging or
     * production configuration of a product using it has a mapping rule on it (belongs_to_latest_config?, through
     * Proxy#metric_in_latest_configs? and ProxyConfig#contains_metric?), and for the product's hits; a refused delete
     * is answered 403 {@code {"errors":{"base":[...]}}} (app/lib/three_scale/api/responder.rb). Its methods and its
     * mapping rules go with it.
     */
    private Resp destroyMetric(ObjectNode m) {
        long id = m.get("id").asLong();
        String owner = metricOwner.get(id);
        List<String> refused = new ArrayList<>();
        if (inLatestConfig(id, owner)) {
            refused.add((m.has("parent_id") ? "Method" : "Metric")
                    + " is used by the latest gateway configuration and cannot be deleted");
        }
        if (m.get("system_name").asText().equals("hits")) {
            refused.add("The Hits metric cannot be deleted");
        }
        if (!refused.isEmpty()) {
            throw refusedDelete(refused.toArray(String[]::new));
        }
        deleteMetric(id);
        touchOwner(owner);
        return okEmpty();
    }

    private boolean inLatestConfig(long metricId, String owner) {
        List<Long> products = owner.startsWith("Service:") ? List.of(Long.parseLong(owner.substring(8)))
                : usages.values().stream().filter(u -> ("BackendApi:" + u.get("backend_id").asLong()).equals(owner))
                .map(u -> u.get("service_id").asLong()).toList();
        for (long sid : products) {
            for (List<ObjectNode> versions : proxyConfigs.getOrDefault(sid, Map.of()).values()) {
                Optional<ObjectNode> latest = versions.stream().max(Comparator.comparingInt(c -> c.get("version").asInt()));
                if (latest.isPresent()) {
                    for (JsonNode rule : latest.get().path("content").path("proxy").path("proxy_rules")) {
                        if (rule.path("metric_id").asLong() == metricId) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    private static boolean isHits(ObjectNode metric) {
        return !metric.has("parent_id") && metric.get("system_name").asText().matches("hits(\\.\\d+)?");
    }

    ObjectNode newMetric(String owner, String systemName, String friendlyName, String unit, String description,
                                 Long parentId) {
        ObjectNode m = J.objectNode();
        long id = id();
        m.put("id", id);
        m.put("name", systemName);
        m.put("system_name", systemName);
        m.put("friendly_name", friendlyName);
        m.put("description", description);
        m.put("unit", unit);
        if (parentId != null) {
            m.put("parent_id", parentId);
        }
        m.put("created_at", now());
        m.put("updated_at", now());
        metrics.put(id, m);
        metricOwner.put(id, owner);
        return m;
    }

    private void deleteMetric(long id) {
        metrics.remove(id);
        metricOwner.remove(id);
        List<Long> children = metrics.values().stream().filter(m -> m.has("parent_id") && m.get("parent_id").asLong() == id)
                .map(m -> m.get("id").asLong()).toList();
        children.forEach(this::deleteMetric);
        rules.values().removeIf(x -> x.get("metric_id").asLong() == id);
    }

    private List<ObjectNode> metricsOf(String owner) {
        return metrics.entrySet().stream().filter(e -> owner.equals(metricOwner.get(e.getKey())))
                .map(Map.Entry::getValue).toList();
    }

    /** One of the owner's metrics, methods included ({@code service.metrics.find}, {@code backend_api.metrics.find}). */
    private ObjectNode anyMetric(Req r, String owner, String param) {
        long id = pathId(r, param);
        ObjectNode m = metrics.get(id);
        if (m == null || !owner.equals(metricOwner.get(id))) {
            throw notFound();
        }
        return m;
    }

    ObjectNode method(Req r, String owner) {
        long parent = anyMetric(r, owner, "metric_id").get("id").asLong();
        long id = pathId(r, "id");
        ObjectNode m = metrics.get(id);
        if (m == null || !owner.equals(metricOwner.get(id)) || !m.has("parent_id") || m.get("parent_id").asLong() != parent) {
            throw notFound();
        }
        return m;
    }

    /** The URL path of a metric's owner: {@code /admin/api/services/1} or {@code /admin/api/backend_apis/2}. */
    static String ownerPath(String owner) {
        String[] o = owner.split(":");
        return (o[0].equals("Service") ? "/admin/api/services/" : "/admin/api/backend_apis/") + o[1];
    }

    /**
     * MetricRepresenter (app/representers/metric_representer.rb): no {@code name} for a backend's metric, a method's
     * unit is its parent's, {@code parent_id} only for a method; nil properties left out; links to the owner and self.
     */
    private ObjectNode metricJson(ObjectNode m) {
        String owner = metricOwner.get(m.get("id").asLong());
        boolean backend = owner.startsWith("BackendApi:");
        ObjectNode o = J.objectNode();
        copyPresent(m, o, "id");
        if (!backend) {
            copyPresent(m, o, "name");
        }
        copyPresent(m, o, "system_name", "friendly_name", "description", "unit", "parent_id", "created_at", "updated_at");
        links(o, backend ? "backend_api" : "service", adminUrl(ownerPath(owner)),
                "self", adminUrl(ownerPath(owner) + "/metrics/" + m.get("id").asLong()));
        return o;
    }

    /** MethodRepresenter (app/representers/method_representer.rb): no unit; links to the parent and self. */
    private ObjectNode methodJson(ObjectNode m) {
        String owner = metricOwner.get(m.get("id").asLong());
        ObjectNode o = J.objectNode();
        copyPresent(m, o, "id");
        if (!owner.startsWith("BackendApi:")) {
            copyPresent(m, o, "name");
        }
        copyPresent(m, o, "system_name", "friendly_name", "description", "parent_id", "created_at", "updated_at");
        String parent = ownerPath(owner) + "/metrics/" + m.get("parent_id").asLong();
        links(o, "parent", adminUrl(parent), "self", adminUrl(parent + "/methods/" + m.get("id").asLong()));
        return o;
    }

    /** Metric belongs_to :owner, touch: true (app/models/metric.rb): a metric change touches its product or backend. */
    private void touchOwner(String owner) {
        String[] o = owner.split(":");
        ObjectNode target = o[0].equals("Service") ? services.get(Long.parseLong(o[1])) : backends.get(Long.parseLong(o[1]));
        if (target != null) {
            touch(target);
        }
    }

    // =================================================================================================== mapping rules

    private String backendOwner(Req r) { return "BackendApi:" + backend(r, "backend_api_id").get("id").asLong(); }

    private String serviceOwner(Req r) { return "Service:" + sid(r); }

    static String ruleOwner(ObjectNode x) {
        return x.get("owner_type").asText() + ":" + x.get("owner_id").asLong();
    }

    /** A product's rules by position (proxy.proxy_rules); a backend's by id (backend_api.mapping_rules.order(:id)). */
    List<ObjectNode> rulesOf(String owner) {
        Comparator<ObjectNode> order = owner.startsWith("Service:")
                ? Comparator.comparingInt((ObjectNode x) -> x.get("position").asInt())
                .thenComparingLong(x -> x.get("id").asLong())
                : Comparator.comparingLong(x -> x.get("id").asLong());
        return rules.values().stream().filter(x -> ruleOwner(x).equals(owner)).sorted(order).toList();
    }

    ObjectNode rule(Req r, String owner) {
        long id = pathId(r, "id");
        return rulesOf(owner).stream().filter(x -> x.get("id").asLong() == id).findFirst().orElseThrow(SimSupport::notFound);
    }

    /**
     * ProxyRuleRepresenter (app/representers/proxy_rule_representer.rb): id, metric_id, pattern, http_method, delta,
     * position, last, timestamps and links; the owner is not shown.
     */
    private ObjectNode ruleJson(ObjectNode x) {
        ObjectNode o = J.objectNode();
        copyPresent(x, o, "id", "metric_id", "pattern", "http_method", "delta", "position", "last", "created_at",
                "updated_at");
        long id = x.get("id").asLong();
        long ownerId = x.get("owner_id").asLong();
        if (x.get("owner_type").asText().equals("BackendApi")) {
            links(o, "self", "/admin/api/backend_apis/" + ownerId + "/mapping_rules/" + id,
                    "backend_api", adminUrl("/admin/api/backend_apis/" + ownerId));
        } else {
            links(o, "self", "/admin/api/services/" + ownerId + "/proxy/mapping_rules/" + id,
                    "service", "/admin/api/services/" + ownerId, "proxy", "/admin/api/services/" + ownerId + "/proxy");
        }
        return o;
    }

    /**
     * Mapping rule create (app/controllers/admin/api/services/mapping_rules_controller.rb,
     * backend_apis/mapping_rules_controller.rb): http_method, pattern, delta, last, position, and metric_id looked up
     * among the owner's metrics ({@code service.metrics.find}: an unknown id is a 404); validations of
     * app/models/proxy_rule.rb.
     */
    private Resp createRule(Req r, String owner) {
        ObjectNode metric = r.has("metric_id") ? ruleMetric(r, owner) : null;
        Map<String, List<String>> errs = new LinkedHashMap<>();
        for (String f : List.of("http_method", "pattern")) {
            if (!r.has(f) || r.p(f).isBlank()) {
                errs.put(f, List.of(f.equals("pattern") ? PATTERN_BLANK : "can't be blank"));
            }
        }
        if (metric == null) {
            errs.put("metric_id", List.of("can't be blank"));
        }
        validateRule(r, errs, true);
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        String[] o = owner.split(":");
        ObjectNode x = J.objectNode();
        long id = id();
        x.put("id", id);
        x.put("metric_id", metric.get("id").asLong());
        x.put("pattern", r.p("pattern"));
        x.put("http_method", r.p("http_method"));
        x.put("delta", Integer.parseInt(r.p("delta").trim()));
        int max = rulesOf(owner).stream().mapToInt(y -> y.get("position").asInt()).max().orElse(0);
        Integer position = intOrNull(r.p("position"));
        x.put("position", position != null ? position : max + 1); // acts_as_list add_new_at: :bottom
        x.put("last", r.has("last") && bool(r.p("last")));
        x.put("owner_id", Long.parseLong(o[1]));
        x.put("owner_type", o[0]);
        x.put("created_at", now());
        x.put("updated_at", now());
        rules.put(id, x);
        return created(wrap("mapping_rule", ruleJson(x)));
    }

    private ObjectNode ruleMetric(Req r, String owner) {
        try {
            ObjectNode m = metrics.get(Long.parseLong(r.p("metric_id").trim()));
            if (m != null && owner.equals(metricOwner.get(m.get("id").asLong()))) {
                return m;
            }
        } catch (NumberFormatException e) {
            // ActiveRecord::RecordNotFound as well
        }
        throw notFound();
    }

    /** ProxyRule's message for a blank pattern (config/locales/en.yml proxy_rule.attributes.pattern.blank). */
    private static final String PATTERN_BLANK = "a Mapping Rule can't be empty, has to start with '/' and can only "
            + "contain valid URL characters and\n'wildcards' - words inside curly brackets ('{}')\n";
    /** ... and for an invalid one (proxy_rule.attributes.pattern.invalid). */
    private static final String PATTERN_INVALID = "a Mapping Rule has to start with '/' and can only contain valid "
            + "URL characters and\n'wildcards' - words inside curly brackets ('{}')\n";
    /** ProxyRule::ALLOWED_HTTP_METHODS. */
    private static final Set<String> RULE_METHODS = Set.of("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS");
    /** ProxyRule::PatternParser::ABSOLUTE_PATH: a path of URI characters and {variables}, maybe $, maybe a query. */
    private static final java.util.regex.Pattern RULE_PATTERN;

    static {
        String unreserved = "A-Za-z0-9\\-_.!~*'()";
        String variable = "\\{[_\\w]+\\}";
        String param = "(?:[" + unreserved + ":@&=+,]|%[0-9A-Fa-f]{2}|" + variable + ")*";
        String segment = param + "(?:;" + param + ")*";
        String path = "/" + segment + "(?:/" + segment + ")*";
        String query = "(?:[" + unreserved + ";/?:@&=+$,\\[\\]]|%[0-9A-Fa-f]{2}|[_\\w]+=" + variable + ")*";
        RULE_PATTERN = java.util.regex.Pattern.compile(path + "\\$?(?:\\?" + query + ")?");
    }

    private void validateRule(Req r, Map<String, List<String>> errs, boolean create) {
        if (r.has("http_method") && !r.p("http_method").isBlank() && !RULE_METHODS.contains(r.p("http_method"))) {
            errs.put("http_method", List.of("is not included in the list"));
        }
        if (r.has("pattern") && !r.p("pattern").isBlank()) {
            String pattern = r.p("pattern");
            if (!RULE_PATTERN.matcher(pattern).matches()) {
                errs.put("pattern", List.of(PATTERN_INVALID));
            } else if (pattern.length() > 255) {
                errs.put("pattern", List.of("is too long (maximum is 255 characters)"));
            } else if (repeatedVariables(pattern)) {
                errs.put("pattern", List.of("Can't have repeated variable names"));
            }
        } else if (!create && r.has("pattern")) {
            errs.put("pattern", List.of(PATTERN_BLANK));
        }
        if (r.has("delta") || create) {
            String delta = r.p("delta");
            // numericality: { only_integer: true, greater_than: 0 }
            if (delta == null || !delta.trim().matches("[+-]?\\d+(\\.\\d+)?")) {
                errs.put("delta", List.of("is not a number"));
            } else if (!delta.trim().matches("[+-]?\\d+")) {
                errs.put("delta", List.of("must be an integer"));
            } else if (Long.parseLong(delta.trim()) <= 0) {
                errs.put("delta", List.of("must be greater than 0"));
            }
        }
    }

    private static boolean repeatedVariables(String pattern) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{([_\\w]+)\\}").matcher(pattern);
        Set<String> seen = new java.util.HashSet<>();
        while (m.find()) {
            if (!seen.add(m.group(1))) {
                return true;
            }
        }
        return false;
    }

    private Resp updateRule(Req r, String owner) {
        ObjectNode x = rule(r, owner);
        ObjectNode metric = r.has("metric_id") ? ruleMetric(r, owner) : null;
        Map<String, List<String>> errs = new LinkedHashMap<>();
        if (r.has("http_method") && r.p("http_method").isBlank()) {
            errs.put("http_method", List.of("can't be blank"));
        }
        validateRule(r, errs, false);
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        copy(r, x, "http_method", "pattern");
        if (r.has("delta")) {
            x.put("delta", Integer.parseInt(r.p("delta").trim()));
        }
        if (metric != null) {
            x.put("metric_id", metric.get("id").asLong());
        }
        Integer position = intOrNull(r.p("position"));
        if (position != null) {
            x.put("position", position);
        }
        if (r.has("last")) {
            x.put("last", bool(r.p("last")));
        }
        touch(x);
        return ok(wrap("mapping_rule", ruleJson(x)));
    }

    private Resp deleteRule(Req r, String owner) {
        rules.remove(rule(r, owner).get("id").asLong());
        return okEmpty();
    }

    private static Integer intOrNull(String v) {
        try {
            return v == null || v.isBlank() ? null : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The routes of metrics, methods and mapping rules of backends and products (controllers named at each handler). */
    void routes(String api) {
        metricRoutes(api + "/backend_apis/{backend_api_id}", true);
        // app/controllers/admin/api/backend_apis/mapping_rules_controller.rb: by id, paginated, updated with PUT
        on("GET", api + "/backend_apis/{backend_api_id}/mapping_rules", r -> ok(page(r,
                rulesOf(backendOwner(r)).stream().map(this::ruleJson).toList(), "mapping_rules", "mapping_rule")));
        on("POST", api + "/backend_apis/{backend_api_id}/mapping_rules", r -> createRule(r, backendOwner(r)));
        on("GET", api + "/backend_apis/{backend_api_id}/mapping_rules/{id}",
                r -> ok(wrap("mapping_rule", ruleJson(rule(r, backendOwner(r))))));
        on("PUT", api + "/backend_apis/{backend_api_id}/mapping_rules/{id}", r -> updateRule(r, backendOwner(r)));
        on("DELETE", api + "/backend_apis/{backend_api_id}/mapping_rules/{id}", r -> deleteRule(r, backendOwner(r)));

        metricRoutes(api + "/services/{service_id}", false);
        // app/controllers/admin/api/services/mapping_rules_controller.rb: by position, not paginated, PATCH
        on("GET", api + "/services/{service_id}/proxy/mapping_rules",
                r -> ok(list(rulesOf(serviceOwner(r)).stream().map(this::ruleJson).toList(), "mapping_rules",
                        "mapping_rule")));
        on("POST", api + "/services/{service_id}/proxy/mapping_rules", r -> createRule(r, serviceOwner(r)));
        on("GET", api + "/services/{service_id}/proxy/mapping_rules/{id}",
                r -> ok(wrap("mapping_rule", ruleJson(rule(r, serviceOwner(r))))));
        on("PATCH", api + "/services/{service_id}/proxy/mapping_rules/{id}", r -> updateRule(r, serviceOwner(r)));
        on("DELETE", api + "/services/{service_id}/proxy/mapping_rules/{id}", r -> deleteRule(r, serviceOwner(r)));
    }
}
