package dev.maas.installer.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.threescale.model.UsageLimit;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The usage limits of one application plan ({@code /admin/api/application_plans/{id}/limits}, and per metric
 * {@code .../metrics/{metric_id}/limits}). 3scale keeps one limit per metric and period on a plan (422 for a second
 * one). The per-metric list holds that metric's limits on every plan, so limits are listed through the plan's own
 * (paginated) list.
 */
public final class UsageLimits {
    private final ThreescaleHttp http;
    private final long planId;
    private final String base;

    UsageLimits(ThreescaleHttp http, long planId) {
        this.http = http;
        this.planId = planId;
        this.base = "/admin/api/application_plans/" + planId;
    }

    public long planId() { return planId; }

    /** Every limit of the plan, on every metric. */
    public List<UsageLimit> list() {
        List<JsonNode> items = http.getAllPages(base + "/limits.json", Map.of(), 500,
                root -> Json.items(root, "limits", "limit"));
        return Json.convert(http.mapper(), items, UsageLimit.class);
    }

    public Optional<UsageLimit> find(long metricId, String period) {
        return list().stream().filter(l -> l.metricId() == metricId && period.equals(l.period())).findFirst();
    }

    public UsageLimit create(long metricId, String period, long value) {
        Map<String, String> p = Json.params("period", period, "value", value);
        return http.writeVerified("create limit " + period + " on metric " + metricId + " of plan " + planId,
                () -> Json.entity(http.mapper(), http.writeOnce("POST", perMetric(metricId) + ".json", p), "limit",
                        UsageLimit.class),
                () -> find(metricId, period).filter(l -> l.value() == value));
    }

    /** Sets a limit's value; its period is sent too (the spec requires it) and stays the same. */
    public UsageLimit update(long metricId, long limitId, String period, long value) {
        String path = perMetric(metricId) + "/" + limitId + ".json";
        Map<String, String> p = Json.params("period", period, "value", value);
        return http.writeVerified("update limit " + limitId + " of plan " + planId,
                () -> Json.entity(http.mapper(), http.writeOnce("PUT", path, p), "limit", UsageLimit.class),
                () -> http.find(path, Map.of()).map(n -> Json.entity(http.mapper(), n, "limit", UsageLimit.class))
                        .filter(l -> l.value() == value));
    }

    public void delete(long metricId, long limitId) {
        String path = perMetric(metricId) + "/" + limitId + ".json";
        http.writeVerified("delete limit " + limitId + " of plan " + planId, () -> {
            http.writeOnce("DELETE", path, Map.of());
            return Boolean.TRUE;
        }, () -> http.find(path, Map.of()).isPresent() ? Optional.empty() : Optional.of(Boolean.TRUE));
    }

    private String perMetric(long metricId) {
        return base + "/metrics/" + metricId + "/limits";
    }
}
