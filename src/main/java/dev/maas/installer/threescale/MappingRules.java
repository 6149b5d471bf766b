package dev.maas.installer.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.threescale.model.MappingRule;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Mapping rules of a product ({@code /admin/api/services/{id}/proxy/mapping_rules}, updated with PATCH, not
 * paginated in the spec) or of a backend ({@code /admin/api/backend_apis/{id}/mapping_rules}, updated with PUT,
 * paginated).
 */
public final class MappingRules {
    private final ThreescaleHttp http;
    private final String base;
    private final String updateMethod;
    private final boolean paginated;

    MappingRules(ThreescaleHttp http, String base, String updateMethod, boolean paginated) {
        this.http = http;
        this.base = base;
        this.updateMethod = updateMethod;
        this.paginated = paginated;
    }

    public List<MappingRule> list() {
        List<JsonNode> items = paginated
                ? http.getAllPages(base + ".json", Map.of(), 500, r -> Json.items(r, "mapping_rules", "mapping_rule"))
                : Json.items(http.get(base + ".json", Map.of()), "mapping_rules", "mapping_rule");
        return Json.convert(http.mapper(), items, MappingRule.class);
    }

    public Optional<MappingRule> find(String httpMethod, String pattern, long metricId) {
        return list().stream().filter(r -> httpMethod.equalsIgnoreCase(r.httpMethod()) && pattern.equals(r.pattern())
                && Long.valueOf(metricId).equals(r.metricId())).findFirst();
    }

    public MappingRule create(String httpMethod, String pattern, long metricId, int delta, Integer position,
                              Boolean last) {
        Map<String, String> p = Json.params("http_method", httpMethod, "pattern", pattern, "delta", delta,
                "metric_id", metricId, "position", position, "last", last);
        return http.writeVerified("create mapping rule " + httpMethod + " " + pattern,
                () -> Json.entity(http.mapper(), http.writeOnce("POST", base + ".json", p), "mapping_rule",
                        MappingRule.class),
                () -> find(httpMethod, pattern, metricId));
    }

    public MappingRule update(long id, Map<String, String> fields) {
        String path = base + "/" + id + ".json";
        return http.writeVerified("update mapping rule " + id,
                () -> Json.entity(http.mapper(), http.writeOnce(updateMethod, path, fields), "mapping_rule",
                        MappingRule.class),
                () -> {
                    JsonNode e = Json.unwrap(http.get(path, Map.of()), "mapping_rule");
                    return Json.hasValues(e, fields) ? Optional.of(http.mapper().convertValue(e, MappingRule.class))
                            : Optional.empty();
                });
    }

    public void delete(long id) {
        String path = base + "/" + id + ".json";
        http.writeVerified("delete mapping rule " + id, () -> {
            http.writeOnce("DELETE", path, Map.of());
            return Boolean.TRUE;
        }, () -> http.find(path, Map.of()).isPresent() ? Optional.empty() : Optional.of(Boolean.TRUE));
    }
}
