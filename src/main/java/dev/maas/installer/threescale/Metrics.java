package dev.maas.installer.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.threescale.model.Metric;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Metrics of a product ({@code /admin/api/services/{service_id}/metrics}) or of a backend
 * ({@code /admin/api/backend_apis/{backend_api_id}/metrics}), and their methods. Backend lists are paginated in the
 * spec, product lists are not.
 */
public final class Metrics {
    private final ThreescaleHttp http;
    private final String base;
    private final boolean paginated;
    private final String suffix;

    /** {@code suffix}: porta stores a backend's metric system names as {@code name.<backend id>}; null for products. */
    Metrics(ThreescaleHttp http, String base, boolean paginated, String suffix) {
        this.http = http;
        this.base = base;
        this.paginated = paginated;
        this.suffix = suffix;
    }

    /**
     * True when a metric's system_name is the given one; for a backend, porta answers {@code hits.42} for
     * {@code hits} (app/lib/backend_api_logic/metric_extension.rb), so both forms match.
     */
    public boolean sameSystemName(String wanted, String actual) {
        if (wanted == null || actual == null) {
            return false;
        }
        return wanted.equals(actual) || (suffix != null && (wanted + suffix).equals(actual))
                || (suffix != null && wanted.equals(actual + suffix));
    }

    /** Every metric of the product or backend, its methods included (porta lists them with their parent_id). */
    public List<Metric> list() { return listAt(base + ".json", "metrics", "metric"); }

    public Optional<Metric> findBySystemName(String systemName) {
        return list().stream().filter(m -> sameSystemName(systemName, m.systemName())).findFirst();
    }

    public Metric read(long id) {
        return Json.entity(http.mapper(), http.get(base + "/" + id + ".json", Map.of()), "metric", Metric.class);
    }

    /** Creates a metric; {@code unit} e.g. "hit". */
    public Metric create(String friendlyName, String systemName, String unit, String description) {
        Map<String, String> p = Json.params("friendly_name", friendlyName, "system_name", systemName, "unit", unit,
                "description", description);
        return http.writeVerified("create metric " + (systemName == null ? friendlyName : systemName) + " at " + base,
                () -> Json.entity(http.mapper(), http.writeOnce("POST", base + ".json", p), "metric", Metric.class),
                () -> list().stream().filter(m -> systemName != null ? sameSystemName(systemName, m.systemName())
                        : friendlyName.equals(m.friendlyName())).findFirst());
    }

    /** Updates friendly_name, unit or description (system_name is immutable). */
    public Metric update(long id, Map<String, String> fields) {
        String path = base + "/" + id + ".json";
        return http.writeVerified("update metric " + id,
                () -> Json.entity(http.mapper(), http.writeOnce("PUT", path, fields), "metric", Metric.class),
                () -> verify(path, "metric", fields));
    }

    // ----------------------------------------------------------------------------------------- methods

    public List<Metric> methods(long metricId) {
        return listAt(base + "/" + metricId + "/methods.json", "methods", "method");
    }

    public Optional<Metric> findMethod(long metricId, String systemName) {
        return methods(metricId).stream().filter(m -> sameSystemName(systemName, m.systemName())).findFirst();
    }

    public Metric createMethod(long metricId, String friendlyName, String systemName, String description) {
        String path = base + "/" + metricId + "/methods.json";
        Map<String, String> p = Json.params("friendly_name", friendlyName, "system_name", systemName,
                "description", description);
        return http.writeVerified("create method " + (systemName == null ? friendlyName : systemName),
                () -> Json.entity(http.mapper(), http.writeOnce("POST", path, p), "method", Metric.class),
                () -> methods(metricId).stream().filter(m -> systemName != null ? sameSystemName(systemName, m.systemName())
                        : friendlyName.equals(m.friendlyName())).findFirst());
    }

    public Metric updateMethod(long metricId, long methodId, Map<String, String> fields) {
        String path = base + "/" + metricId + "/methods/" + methodId + ".json";
        return http.writeVerified("update method " + methodId,
                () -> Json.entity(http.mapper(), http.writeOnce("PUT", path, fields), "method", Metric.class),
                () -> verify(path, "method", fields));
    }

    /** Deletes a metric (porta deletes its methods, limits and analytics with it). */
    public void delete(long metricId) {
        String path = base + "/" + metricId + ".json";
        http.writeVerified("delete metric " + metricId, () -> {
            http.writeOnce("DELETE", path, Map.of());
            return Boolean.TRUE;
        }, () -> http.find(path, Map.of()).isPresent() ? Optional.empty() : Optional.of(Boolean.TRUE));
    }

    public void deleteMethod(long metricId, long methodId) {
        String path = base + "/" + metricId + "/methods/" + methodId + ".json";
        http.writeVerified("delete method " + methodId, () -> {
            http.writeOnce("DELETE", path, Map.of());
            return Boolean.TRUE;
        }, () -> http.find(path, Map.of()).isPresent() ? Optional.empty() : Optional.of(Boolean.TRUE));
    }

    private Optional<Metric> verify(String path, String wrapper, Map<String, String> fields) {
        JsonNode e = Json.unwrap(http.get(path, Map.of()), wrapper);
        return Json.hasValues(e, fields) ? Optional.of(http.mapper().convertValue(e, Metric.class)) : Optional.empty();
    }

    private List<Metric> listAt(String path, String listKey, String itemKey) {
        List<JsonNode> items = paginated
                ? http.getAllPages(path, Map.of(), 500, root -> Json.items(root, listKey, itemKey))
                : Json.items(http.get(path, Map.of()), listKey, itemKey);
        return Json.convert(http.mapper(), items, Metric.class);
    }
}
