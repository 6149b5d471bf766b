package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The usage limits of application plans, as porta 3scale-2.15.1-GA serves them:
 * <ul>
 *   <li>routes (config/routes.rb, {@code resources :application_plans} in the admin API):
 *   {@code GET /admin/api/application_plans/{application_plan_id}/limits} (application_plan_limits_controller.rb,
 *   paginated) and {@code GET/POST .../metrics/{metric_id}/limits}, {@code GET/PUT/DELETE
 *   .../metrics/{metric_id}/limits/{id}} (application_plan_metric_limits_controller.rb);</li>
 *   <li>lookups: the plan among the tenant's application plans, the metric among the plan's product's
 *   {@code all_metrics} (its own metrics and methods and those of the backends it uses:
 *   app/lib/backend_api_logic/service_extension.rb), the limit among that metric's limits; each missing one is a
 *   404;</li>
 *   <li>validation (app/models/usage_limit.rb): {@code period} one of ThreeScale::Core::UsageLimit::PERIODS (pisoni
 *   1.30: eternity, year, month, week, day, hour, minute), else {@code "is invalid"}; unique per metric and plan,
 *   else {@code "has already been taken"} (422 {@code {"errors":{"period":[...]}}}); {@code value} is not
 *   validated: blank or negative is saved as 0 (set_value_default_value), text is read as Ruby's
 *   {@code to_i};</li>
 *   <li>rendering (app/representers/usage_limit_representer.rb, usage_limits_representer.rb): {@code {"limit":{id,
 *   period, value, metric_id, plan_id, created_at, updated_at, links: metric, self, plan}}}, lists as
 *   {@code {"limits":[{"limit":...}]}};</li>
 *   <li>a plan's or a metric's limits go with it ({@code has_many :usage_limits, dependent: :destroy} in
 *   app/models/plan.rb and app/models/metric.rb; Plan and Service background deletion).</li>
 * </ul>
 */
final class SimLimits {
    private static final JsonNodeFactory J = JsonNodeFactory.instance;
    static final List<String> PERIODS = List.of("eternity", "year", "month", "week", "day", "hour", "minute");
    private static final String BASE = "/admin/api/application_plans/{application_plan_id}";

    /** What the limits need of the rest of the tenant. */
    interface Tenant {
        long nextId();

        /** The application plan of that id (with its {@code service_id}), or null. */
        ObjectNode applicationPlan(long id);

        /** Whether that metric or method exists. */
        boolean metricExists(long metricId);

        /** Whether that metric or method is one of the product's {@code all_metrics}. */
        boolean metricOfProduct(long serviceId, long metricId);

        /** The admin API path of a metric, or of a method under its parent (MetricLinksRepresenter). */
        String metricPath(long metricId);

        String adminUrl(String path);
    }

    /** Registers a route (SimStore's router). */
    interface Routes {
        void on(String method, String template, Function<SimStore.Req, SimStore.Resp> handler);
    }

    private static final class Refused extends RuntimeException {
        final SimStore.Resp resp;

        Refused(SimStore.Resp resp) {
            super(null, null, false, false);
            this.resp = resp;
        }
    }

    private final Tenant tenant;
    private final Map<Long, ObjectNode> limits = new LinkedHashMap<>();

    SimLimits(Tenant tenant) {
        this.tenant = tenant;
    }

    /** The stored limits by id (live: the simulator's state saves and restores it); those of deleted plans or metrics are gone. */
    Map<Long, ObjectNode> table() {
        prune();
        return limits;
    }

    void routes(Routes r) {
        r.on("GET", BASE + "/limits", handle(this::planIndex));
        String perMetric = BASE + "/metrics/{metric_id}/limits";
        r.on("GET", perMetric, handle(req -> ok(200, list(ofMetric(metric(req))))));
        r.on("POST", perMetric, handle(this::create));
        r.on("GET", perMetric + "/{id}", handle(req -> ok(200, wrap(limit(req)))));
        r.on("PUT", perMetric + "/{id}", handle(this::update));
        r.on("DELETE", perMetric + "/{id}", handle(req -> {
            limits.remove(limit(req).get("id").asLong());
            return new SimStore.Resp(200, null);
        }));
    }

    private Function<SimStore.Req, SimStore.Resp> handle(Function<SimStore.Req, SimStore.Resp> h) {
        return req -> {
            prune();
            try {
                return h.apply(req);
            } catch (Refused e) {
                return e.resp;
            }
        };
    }

    private SimStore.Resp planIndex(SimStore.Req req) {
        long planId = plan(req).get("id").asLong();
        List<ObjectNode> all = limits.values().stream().filter(l -> l.get("plan_id").asLong() == planId).toList();
        // will_paginate as porta's API uses it: page from 1, per_page 1..500, default 500; the collection gets
        // "metadata" only when there is more than one page (app/lib/three_scale/api/collection.rb)
        int perPage = intParam(req, "per_page", 500);
        perPage = perPage < 1 || perPage > 500 ? 500 : perPage;
        int page = Math.max(1, intParam(req, "page", 1));
        ObjectNode body = list(all.stream().skip((long) (page - 1) * perPage).limit(perPage).toList());
        if (perPage < all.size()) {
            body.putObject("metadata").put("per_page", perPage).put("total_entries", all.size())
                    .put("total_pages", (all.size() + perPage - 1) / perPage).put("current_page", page);
        }
        return ok(200, body);
    }

    private SimStore.Resp create(SimStore.Req req) {
        ObjectNode plan = plan(req);
        long metricId = metric(req);
        String period = req.p("period");
        validate(plan.get("id").asLong(), metricId, period, null);
        ObjectNode l = J.objectNode();
        long id = tenant.nextId();
        l.put("id", id);
        l.put("period", period);
        l.put("value", value(req.p("value")));
        l.put("metric_id", metricId);
        l.put("plan_id", plan.get("id").asLong());
        l.put("created_at", now());
        l.put("updated_at", now());
        limits.put(id, l);
        return ok(201, wrap(l));
    }

    /** update(period, value): only the given attributes change; period validated as on create. */
    private SimStore.Resp update(SimStore.Req req) {
        ObjectNode l = limit(req);
        String period = req.has("period") ? req.p("period") : l.get("period").asText();
        validate(l.get("plan_id").asLong(), l.get("metric_id").asLong(), period, l.get("id").asLong());
        l.put("period", period);
        if (req.has("value")) {
            l.put("value", value(req.p("value")));
        }
        l.put("updated_at", now());
        return ok(200, wrap(l));
    }

    private void validate(long planId, long metricId, String period, Long self) {
        String problem = null;
        if (period == null || !PERIODS.contains(period)) {
            problem = "is invalid";
        } else if (limits.values().stream().anyMatch(o -> o.get("plan_id").asLong() == planId
                && o.get("metric_id").asLong() == metricId && o.get("period").asText().equals(period)
                && (self == null || o.get("id").asLong() != self))) {
            problem = "has already been taken";
        }
        if (problem != null) {
            throw new Refused(SimSupport.errors(Map.of("period", List.of(problem))));
        }
    }

    /** The integer column's cast (Ruby's to_i: leading digits, else 0), then blank or negative saved as 0. */
    private static long value(String v) {
        if (v == null) {
            return 0;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\s*([-+]?\\d+)").matcher(v);
        if (!m.find()) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(m.group(1)));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** accessible_application_plans.find(application_plan_id). */
    private ObjectNode plan(SimStore.Req req) {
        ObjectNode p = tenant.applicationPlan(pathId(req, "application_plan_id"));
        if (p == null) {
            throw notFound();
        }
        return p;
    }

    /** application_plan.all_metrics.find(metric_id). */
    private long metric(SimStore.Req req) {
        ObjectNode plan = plan(req);
        long id = pathId(req, "metric_id");
        if (!tenant.metricOfProduct(plan.get("service_id").asLong(), id)) {
            throw notFound();
        }
        return id;
    }

    /** metric.usage_limits.find(id): any plan's limit on that metric (porta does not scope it to the plan). */
    private ObjectNode limit(SimStore.Req req) {
        plan(req);
        long metricId = metric(req);
        ObjectNode l = limits.get(pathId(req, "id"));
        if (l == null || l.get("metric_id").asLong() != metricId) {
            throw notFound();
        }
        return l;
    }

    /** metric.usage_limits: the metric's limits on every plan, as porta's index lists them. */
    private List<ObjectNode> ofMetric(long metricId) {
        return limits.values().stream().filter(l -> l.get("metric_id").asLong() == metricId).toList();
    }

    private void prune() {
        limits.values().removeIf(l -> tenant.applicationPlan(l.get("plan_id").asLong()) == null
                || !tenant.metricExists(l.get("metric_id").asLong()));
    }

    /** UsageLimitRepresenter. */
    private ObjectNode view(ObjectNode l) {
        ObjectNode v = J.objectNode();
        for (String f : List.of("id", "period", "value", "metric_id", "plan_id", "created_at", "updated_at")) {
            v.set(f, l.get(f));
        }
        long planId = l.get("plan_id").asLong();
        long metricId = l.get("metric_id").asLong();
        ObjectNode plan = tenant.applicationPlan(planId);
        ArrayNode links = v.putArray("links");
        links.addObject().put("rel", "metric").put("href", tenant.adminUrl(tenant.metricPath(metricId)));
        links.addObject().put("rel", "self").put("href", tenant.adminUrl("/admin/api/application_plans/" + planId
                + "/metrics/" + metricId + "/limits/" + l.get("id").asLong()));
        links.addObject().put("rel", "plan").put("href", tenant.adminUrl("/admin/api/services/"
                + plan.get("service_id").asLong() + "/application_plans/" + planId));
        return v;
    }

    private ObjectNode wrap(ObjectNode l) {
        ObjectNode o = J.objectNode();
        o.set("limit", view(l));
        return o;
    }

    private ObjectNode list(Collection<ObjectNode> items) {
        ObjectNode o = J.objectNode();
        ArrayNode a = o.putArray("limits");
        items.forEach(l -> a.add(wrap(l)));
        return o;
    }

    private static SimStore.Resp ok(int status, JsonNode body) {
        return new SimStore.Resp(status, body);
    }

    private static Refused notFound() {
        return new Refused(SimSupport.error(404, "Not found"));
    }

    private static long pathId(SimStore.Req req, String name) {
        try {
            return Long.parseLong(req.path().get(name));
        } catch (NumberFormatException | NullPointerException e) {
            throw notFound();
        }
    }

    private static int intParam(SimStore.Req req, String name, int dflt) {
        try {
            return req.has(name) ? Integer.parseInt(req.p(name)) : dflt;
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
