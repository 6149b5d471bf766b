package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static dev.maas.installer.sandbox.threescale.SimSupport.*;

/**
 * The Analytics API of the tenant (porta 3scale-2.15.1-GA: config/routes.rb {@code namespace :stats},
 * app/controllers/stats/api/base_controller.rb render_usage, app/lib/stats/views/usage.rb, app/lib/stats/base.rb
 * detail and period_detail), served from the counters of the simulated backend ({@link SimBackend}):
 * <ul>
 *   <li>{@code GET /stats/services/{service_id}/usage} and {@code /stats/applications/{application_id}/usage}
 *   with {@code metric_name} (required) and either {@code period} (year, month, week, day; granularity month, day,
 *   21600, hour; from {@code since}, default the period's length ago) or {@code since}, {@code until} and
 *   {@code granularity} (month, day, hour, 21600); a missing or wrong parameter is 400 {@code {"error": ...}}
 *   (Stats::InvalidParameterError, render_error);</li>
 *   <li>the range is widened to whole steps of the granularity (range.round(granularity)); one value per step;</li>
 *   <li>the answer: {@code {"metric":{id,name,system_name,unit},"period":{name,since,until,timezone,granularity},
 *   "total":n,"values":[...]}}, and for an application {@code "application":{id,name,state,link,description,
 *   plan:{id,name},account:{id,name,link},service:{id}}}; times in UTC (the tenant's time zone, Etc/UTC);</li>
 *   <li>{@code GET /stats/services/{service_id}/top_applications} ({@link #topApplications}).</li>
 * </ul>
 */
final class SimStats extends SimPart {
    private static final DateTimeFormatter RAILS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Map<String, String> PERIOD_GRANULARITY = Map.of("year", "month", "month", "day",
            "week", "21600", "day", "hour");

    SimStats(SimState st) {
        super(st);
    }

    void routes() {
        on("GET", "/stats/services/{service_id}/usage", r -> usage(r, service(r), null));
        on("GET", "/stats/applications/{application_id}/usage", r -> {
            ObjectNode app = applications.get(pathLong(r, "application_id"));
            if (app == null) {
                throw notFound();
            }
            return usage(r, services.get(app.get("service_id").asLong()), app);
        });
        on("GET", "/stats/services/{service_id}/top_applications", this::topApplications);
    }

    private ObjectNode service(SimStore.Req r) {
        ObjectNode s = services.get(pathLong(r, "service_id"));
        if (s == null) {
            throw notFound();
        }
        return s;
    }

    private static long pathLong(SimStore.Req r, String name) {
        try {
            return Long.parseLong(r.path().get(name));
        } catch (NumberFormatException e) {
            throw notFound();
        }
    }

    private static SimError notFound() {
        return new SimError(error(404, "Not found"));
    }

    private static SimError invalid(String message) {
        ObjectNode o = J.objectNode().put("error", message);
        return new SimError(new SimStore.Resp(400, o));
    }

    private SimStore.Resp usage(SimStore.Req r, ObjectNode service, ObjectNode app) {
        String metricName = r.p("metric_name");
        if (metricName == null || metricName.isBlank()) {
            throw invalid("Missing key(s): metric_name");
        }
        long serviceId = service.get("id").asLong();
        Map.Entry<Long, ObjectNode> metric = metrics.entrySet().stream()
                .filter(e -> ("Service:" + serviceId).equals(metricOwner.get(e.getKey()))
                        && metricName.equals(e.getValue().path("system_name").asText()))
                // porta app/lib/stats/base.rb extract_metric: InvalidParameterError, which
                // app/controllers/stats/data/base_controller.rb renders as 400
                .findFirst().orElseThrow(() -> invalid("metric " + metricName + " not found"));
        String period = r.p("period");
        String granularity;
        Instant since;
        Instant until;
        if (period != null && !period.isBlank()) {
            if (!PERIOD_GRANULARITY.containsKey(period)) {
                throw invalid("Period must be one of [\"year\", \"month\", \"week\", \"day\"] not \"" + period + "\"");
            }
            granularity = r.has("granularity") ? r.p("granularity") : PERIOD_GRANULARITY.get(period);
            Instant now = st.backend.now();
            since = r.has("since") ? time(r.p("since")) : minus(now, period);
            until = plus(since, period).minusSeconds(1).truncatedTo(ChronoUnit.MINUTES).plusSeconds(59);
        } else {
            granularity = r.p("granularity");
            if (granularity == null) {
                throw invalid("Missing parameter :granularity");
            }
            if (!List.of("month", "day", "hour", "21600").contains(granularity)) {
                throw invalid("Granularity must be one of [:month, :day, 21600, :hour], not " + granularity);
            }
            if (!r.has("since") || !r.has("until")) {
                throw invalid("You need to specify either 'range' or 'since' and 'until'");
            }
            since = time(r.p("since"));
            until = time(r.p("until"));
        }
        String step = granularity.equals("21600") ? "hour" : granularity;
        Instant from = SimBackend.start(step, since);
        Instant to = SimBackend.end(step, until.minusNanos(1).isBefore(from) ? from : until.minusNanos(1));
        List<Long> values = st.backend.series(serviceId, app == null ? null : app.get("id").asLong(),
                metric.getKey(), from, to, step);
        if (granularity.equals("21600")) {
            values = sixHours(values);
        }
        ObjectNode body = J.objectNode();
        ObjectNode m = body.putObject("metric");
        m.put("id", metric.getKey());
        m.set("name", metric.getValue().get("friendly_name"));
        m.put("system_name", metricName);
        m.set("unit", metric.getValue().get("unit"));
        ObjectNode p = body.putObject("period");
        if (period == null || period.isBlank()) {
            p.putNull("name");
        } else {
            p.put("name", period);
        }
        p.put("since", RAILS.format(from));
        p.put("until", RAILS.format(to.minusSeconds(1)));
        p.put("timezone", "Etc/UTC");
        if (granularity.equals("21600")) {
            p.put("granularity", 21600);
        } else {
            p.put("granularity", granularity);
        }
        body.put("total", values.stream().mapToLong(Long::longValue).sum());
        ArrayNode v = body.putArray("values");
        values.forEach(v::add);
        if (app != null) {
            ObjectNode a = body.putObject("application");
            long appId = app.get("id").asLong();
            a.put("id", appId);
            a.set("name", app.get("name"));
            a.set("state", app.get("state"));
            a.put("link", "/apiconfig/services/" + serviceId + "/applications/" + appId);
            a.set("description", app.get("description"));
            ObjectNode plan = appPlans.get(app.path("plan_id").asLong());
            a.putObject("plan").put("id", app.path("plan_id").asLong())
                    .put("name", plan == null ? null : plan.path("name").asText(null));
            long accountId = app.path("user_account_id").asLong(app.path("account_id").asLong());
            ObjectNode account = accounts.get(accountId);
            a.putObject("account").put("id", accountId)
                    .put("name", account == null ? null : account.path("org_name").asText(null))
                    .put("link", "/buyers/accounts/" + accountId);
            a.putObject("service").put("id", serviceId);
        }
        return new SimStore.Resp(200, body);
    }

    /**
     * The product's applications with the most traffic on a metric in one period, as porta answers it
     * (app/controllers/stats/api/services_controller.rb#top_applications, app/lib/stats/service.rb#top_clients,
     * app/lib/stats/views/top.rb#top, app/lib/stats/storage.rb#ordered_hash; the answer's shape as
     * test/integration/stats/services_test.rb 'top_clients as json' asserts it):
     * <ul>
     *   <li>parameters: {@code period} (year, month, week, day; required: "Period must be one of ..."),
     *   {@code since} (default now), {@code metric_name} (required: "Missing key(s): metric_name"; a name the
     *   product does not have: "metric NAME not found"), each error 400 {@code {"error": ...}}; {@code since} is
     *   moved to the start of its period (Stats::Base#extract_since, {@code since.beginning_of(period)}), so the
     *   answer covers exactly one calendar period (a week from Monday);</li>
     *   <li>the value of an application is the backend's counter of that period for it (the ordered hash sorts
     *   the product's applications with traffic by the key {@code .../metric:ID/PERIOD:SINCE}); applications
     *   without traffic in that period are left out (their value is blank), so are deleted ones (find_cinstance
     *   finds none); at most 10, the largest first; equal values in the order of Redis' SORT, which compares the
     *   members then (the simulator: the larger application id first);</li>
     *   <li>the answer: {@code {"applications":[{name,id,value,account:{id,name},plan:{id,name},service:{id}}],
     *   "metric":{id,name,system_name,unit},"period":{name,since,until}}}, {@code value} a string as Redis gives
     *   it ("2"), {@code until} the last second of the period.</li>
     * </ul>
     * porta fails (500) on a {@code since} it cannot parse; the simulator answers 400 as for the usage.
     */
    private SimStore.Resp topApplications(SimStore.Req r) {
        ObjectNode service = services.get(pathLongOr(r, "service_id", -1));
        if (service == null) {
            throw new SimError(new SimStore.Resp(404, J.objectNode().put("error", "Service not found")));
        }
        String period = r.p("period");
        if (period == null || !PERIOD_GRANULARITY.containsKey(period)) {
            throw invalid("Period must be one of [\"year\", \"month\", \"week\", \"day\"] not "
                    + (period == null ? "nil" : "\"" + period + "\""));
        }
        Instant since = SimBackend.start(period, r.has("since") ? time(r.p("since")) : st.backend.now());
        Instant until = SimBackend.end(period, since);
        String metricName = r.p("metric_name");
        if (metricName == null) {
            throw invalid("Missing key(s): metric_name");
        }
        long serviceId = service.get("id").asLong();
        Map.Entry<Long, ObjectNode> metric = metrics.entrySet().stream()
                .filter(e -> ("Service:" + serviceId).equals(metricOwner.get(e.getKey()))
                        && metricName.equals(e.getValue().path("system_name").asText()))
                .findFirst().orElseThrow(() -> invalid("metric " + metricName + " not found"));
        record Top(ObjectNode app, long value) { }
        List<Top> top = new java.util.ArrayList<>();
        for (long appId : st.backend.applicationsWithTraffic(serviceId)) {
            ObjectNode app = applications.get(appId);
            Long value = st.backend.total(appId, metric.getKey(), since, until);
            if (app != null && value != null) {
                top.add(new Top(app, value));
            }
        }
        top.sort(java.util.Comparator.comparingLong(Top::value)
                .thenComparingLong(t -> t.app().get("id").asLong()).reversed());
        ObjectNode body = J.objectNode();
        ArrayNode list = body.putArray("applications");
        for (Top t : top.subList(0, Math.min(10, top.size()))) {
            ObjectNode a = list.addObject();
            a.set("name", t.app().get("name"));
            a.set("id", t.app().get("id"));
            a.put("value", String.valueOf(t.value()));
            long accountId = t.app().path("user_account_id").asLong(t.app().path("account_id").asLong());
            ObjectNode account = accounts.get(accountId);
            a.putObject("account").put("id", accountId)
                    .put("name", account == null ? null : account.path("org_name").asText(null));
            ObjectNode plan = appPlans.get(t.app().path("plan_id").asLong());
            a.putObject("plan").put("id", t.app().path("plan_id").asLong())
                    .put("name", plan == null ? null : plan.path("name").asText(null));
            a.putObject("service").put("id", serviceId);
        }
        ObjectNode m = body.putObject("metric");
        m.put("id", metric.getKey());
        m.set("name", metric.getValue().get("friendly_name"));
        m.put("system_name", metricName);
        m.set("unit", metric.getValue().get("unit"));
        ObjectNode p = body.putObject("period");
        p.put("name", period);
        p.put("since", RAILS.format(since));
        p.put("until", RAILS.format(until.minusSeconds(1)));
        return new SimStore.Resp(200, body);
    }

    private static long pathLongOr(SimStore.Req r, String name, long otherwise) {
        try {
            return Long.parseLong(r.path().get(name));
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    private static List<Long> sixHours(List<Long> hourly) {
        List<Long> out = new java.util.ArrayList<>();
        for (int i = 0; i < hourly.size(); i += 6) {
            out.add(hourly.subList(i, Math.min(hourly.size(), i + 6)).stream().mapToLong(Long::longValue).sum());
        }
        return out;
    }

    /** Times as porta parses them in the (UTC) time zone: a date, a date and time, or ISO 8601. */
    private static Instant time(String text) {
        String s = text.trim();
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            // not an instant with a zone
        }
        try {
            return LocalDateTime.parse(s.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            // not a date and time
        }
        try {
            return java.time.LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException e) {
            throw invalid("Date parameters should have valid date/time format.");
        }
    }

    private static Instant minus(Instant t, String period) {
        var z = t.atZone(ZoneOffset.UTC);
        return switch (period) {
            case "year" -> z.minusYears(1).toInstant();
            case "month" -> z.minusMonths(1).toInstant();
            case "week" -> z.minusWeeks(1).toInstant();
            default -> z.minusDays(1).toInstant();
        };
    }

    private static Instant plus(Instant t, String period) {
        var z = t.atZone(ZoneOffset.UTC);
        return switch (period) {
            case "year" -> z.plusYears(1).toInstant();
            case "month" -> z.plusMonths(1).toInstant();
            case "week" -> z.plusWeeks(1).toInstant();
            default -> z.plusDays(1).toInstant();
        };
    }
}
