package dev.maas.installer.threescale;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * 3scale's Analytics API (porta 3scale-2.15.1-GA doc/active_docs/analytics_api.json, config/routes.rb
 * {@code namespace :stats}, app/controllers/stats/api/base_controller.rb): the usage of a metric of a product or of
 * an application over a time range, in steps of a granularity ({@code hour}, {@code day}, {@code month}).
 */
public final class Analytics {
    /** Granularities porta accepts with since and until (app/lib/stats/views/usage.rb ALLOWED_GRANULARITIES). */
    public static final List<String> GRANULARITIES = List.of("month", "day", "hour");
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    /** The usage of one metric: its total over the range and the value of each step. */
    public record Series(String metric, long total, List<Long> values) { }

    /** An application of a product, as the analytics report names it. */
    public record App(long id, String name, String plan, String account) { }

    private final ThreescaleHttp http;

    Analytics(ThreescaleHttp http) {
        this.http = http;
    }

    /** {@code GET /stats/services/{id}/usage.json}. */
    public Series productUsage(long serviceId, String metric, Instant since, Instant until, String granularity) {
        return series("/stats/services/" + serviceId + "/usage.json", metric, since, until, granularity);
    }

    /** {@code GET /stats/applications/{id}/usage.json}. */
    public Series applicationUsage(long applicationId, String metric, Instant since, Instant until,
                                   String granularity) {
        return series("/stats/applications/" + applicationId + "/usage.json", metric, since, until, granularity);
    }

    /** The applications of a product ({@code GET /admin/api/applications.json?service_id=}), without their keys. */
    public List<App> applications(long serviceId) {
        List<JsonNode> items = http.getAllPages("/admin/api/applications.json", Json.params("service_id", serviceId),
                500, root -> Json.items(root, "applications", "application"));
        List<App> out = new ArrayList<>();
        for (JsonNode a : items) {
            out.add(new App(a.path("id").asLong(), a.path("name").asText(null), a.path("plan_name").asText(null),
                    a.path("org_name").asText(null)));
        }
        return out;
    }

    private Series series(String path, String metric, Instant since, Instant until, String granularity) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("metric_name", metric);
        q.put("since", UTC.format(since));
        q.put("until", UTC.format(until));
        q.put("granularity", granularity);
        q.put("timezone", "UTC");
        q.put("skip_change", "true");
        JsonNode n = http.get(path, q);
        List<Long> values = new ArrayList<>();
        n.path("values").forEach(v -> values.add(v.asLong()));
        return new Series(metric, n.path("total").asLong(), List.copyOf(values));
    }
}
