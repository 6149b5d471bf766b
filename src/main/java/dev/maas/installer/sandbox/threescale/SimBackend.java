package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The tenant's 3scale backend (apisonator) as APIcast and porta's analytics use it: authorizations with usage,
 * reports, the counters of each application per metric, and the usage limits of the application's plan.
 * <ul>
 *   <li>usage: metric system names of the product (apisonator Metric.load_id(service_id, name)); a name the product
 *   does not have is 404 {@code metric_invalid} "metric \"x\" is invalid" (lib/3scale/backend/metric/collection.rb
 *   parse_usage, lib/3scale/backend/errors.rb MetricInvalid &lt; NotFound); a method's usage also counts for its
 *   parent, normally {@code hits} (collection.rb process_parents);</li>
 *   <li>authorization: the user key must name an application of the product (403 {@code user_key_invalid},
 *   errors.rb UserKeyInvalid) that is live (409 {@code application_not_active}); then the limits: for each usage
 *   limit of the application's plan on a metric of the request's usage, the period's counter plus the usage must not
 *   be over the limit's value (lib/3scale/backend/validators/limits.rb, usage_limit.rb validate: {@code <=}), else
 *   409 {@code limits_exceeded} "usage limits are exceeded"; limits on metrics the request does not use are not
 *   checked (limits.rb filter_metrics);</li>
 *   <li>authrep: an authorized request's usage is added to the counters; a refused one adds nothing
 *   (transactor.rb do_authrep reports only when authorized);</li>
 *   <li>report: answered at once (202, transactor.rb report enqueues the transactions); a transaction whose usage
 *   names a metric the product does not have is dropped when processed (the job's MetricInvalid, stored as a service
 *   error), a usage of 0 is not counted (filter_usages_with_0);</li>
 *   <li>periods: UTC boundaries (lib/3scale/backend/period/boundary.rb): minute, hour, day, week from Monday, month,
 *   year, eternity (since 1970); the counters of a period start again at its end.</li>
 * </ul>
 * The clock is injectable ({@link #useClock(Clock)}) so that tests move through periods without waiting. The
 * counters are kept per minute, which is also the finest granularity of the analytics ({@link #series}).
 */
public final class SimBackend {
    /**
     * The outcome of an authorization: apisonator's status code, error code and message; 200 when authorized.
     * {@code retryAfterSeconds}: for limits_exceeded, the seconds until the exceeded period ends (apisonator's
     * 3scale-limit-reset, which APIcast sends as Retry-After); -1 when it never ends.
     */
    public record Authorization(int status, String code, String message, long retryAfterSeconds) {
        public boolean authorized() { return status == 200; }
    }

    private final SimState st;
    private volatile Clock clock = Clock.systemUTC();
    /** application id → metric id → minute (epoch seconds) → count. */
    private final Map<Long, Map<Long, NavigableMap<Long, Long>>> counters = new HashMap<>();
    /** The metric ids of each application's traffic, for the analytics of deleted applications (service id). */
    private final Map<Long, Long> serviceOfApplication = new HashMap<>();
    private final List<String> errors = new ArrayList<>();

    SimBackend(SimState st) {
        this.st = st;
    }

    void useClock(Clock c) {
        this.clock = c;
    }

    Instant now() {
        return clock.instant();
    }

    /** The service errors of dropped reports (apisonator's ErrorStorage), oldest first. */
    List<String> errors() {
        return List.copyOf(errors);
    }

    /** authrep.xml with a user key: authorizes against the plan's limits, and counts the usage when authorized. */
    Authorization authrep(long serviceId, String userKey, Map<String, Long> usage) {
        ObjectNode app = application(serviceId, userKey);
        if (app == null) {
            return new Authorization(403, "user_key_invalid", "user key \"" + userKey + "\" is invalid", 0);
        }
        if (!"live".equals(app.path("state").asText())) {
            return new Authorization(409, "application_not_active", "application is not active", 0);
        }
        Map<Long, Long> byId;
        try {
            byId = processUsage(serviceId, usage);
        } catch (MetricInvalid e) {
            return new Authorization(404, "metric_invalid", "metric \"" + e.name + "\" is invalid", 0);
        }
        long appId = app.get("id").asLong();
        Instant at = now();
        long planId = app.path("plan_id").asLong();
        for (ObjectNode limit : st.limits.table().values()) {
            if (limit.get("plan_id").asLong() != planId) {
                continue;
            }
            Long used = byId.get(limit.get("metric_id").asLong());
            if (used == null) {
                continue; // limits.rb filter_metrics: only the metrics of the request's usage
            }
            String period = limit.get("period").asText();
            long current = sum(appId, limit.get("metric_id").asLong(), start(period, at), end(period, at));
            if (current + used > limit.get("value").asLong()) {
                long reset = period.equals("eternity") ? -1
                        : Math.max(1, ChronoUnit.SECONDS.between(at, end(period, at)));
                return new Authorization(409, "limits_exceeded", "usage limits are exceeded", reset);
            }
        }
        count(serviceId, appId, byId, at);
        return new Authorization(200, null, null, 0);
    }

    /** transactions.xml: 202; the usage is counted for the application of the user key, or dropped. */
    void report(long serviceId, String userKey, Map<String, Long> usage) {
        ObjectNode app = application(serviceId, userKey);
        if (app == null) {
            errors.add("user key \"" + userKey + "\" is invalid");
            return;
        }
        Map<String, Long> nonZero = new LinkedHashMap<>(usage);
        nonZero.values().removeIf(v -> v == null || v == 0);
        if (nonZero.isEmpty()) {
            return;
        }
        try {
            count(serviceId, app.get("id").asLong(), processUsage(serviceId, nonZero), now());
        } catch (MetricInvalid e) {
            errors.add("metric \"" + e.name + "\" is invalid");
        }
    }

    /**
     * The counts of a metric per step of {@code granularity} (minute, hour, day, month) from {@code since} (its
     * start at that granularity) up to {@code until}: of one application, or of the whole product when
     * {@code applicationId} is null.
     */
    List<Long> series(long serviceId, Long applicationId, long metricId, Instant since, Instant until,
                      String granularity) {
        List<Long> out = new ArrayList<>();
        Instant from = start(granularity, since);
        while (from.isBefore(until)) {
            Instant to = end(granularity, from);
            long total = 0;
            for (Map.Entry<Long, Long> e : serviceOfApplication.entrySet()) {
                if (e.getValue() == serviceId && (applicationId == null || applicationId.equals(e.getKey()))) {
                    total += sum(e.getKey(), metricId, from, to);
                }
            }
            out.add(total);
            from = to;
        }
        return out;
    }

    /**
     * The count of a metric for one application from {@code from} (inclusive) to {@code to} (exclusive); null when
     * the application had no traffic on that metric then (the backend has no counter for it: a blank value).
     */
    Long total(long appId, long metricId, Instant from, Instant to) {
        NavigableMap<Long, Long> minutes = counters.getOrDefault(appId, Map.of()).get(metricId);
        if (minutes == null) {
            return null;
        }
        NavigableMap<Long, Long> in = minutes.subMap(from.getEpochSecond(), true, to.getEpochSecond(), false);
        return in.isEmpty() ? null : in.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The ids of the applications with traffic on a product. */
    List<Long> applicationsWithTraffic(long serviceId) {
        return serviceOfApplication.entrySet().stream().filter(e -> e.getValue() == serviceId).map(Map.Entry::getKey)
                .sorted().toList();
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private static final class MetricInvalid extends Exception {
        final String name;

        MetricInvalid(String name) {
            super(null, null, false, false);
            this.name = name;
        }
    }

    private ObjectNode application(long serviceId, String userKey) {
        if (userKey == null || userKey.isEmpty()) {
            return null;
        }
        return st.applications.values().stream().filter(a -> a.path("service_id").asLong() == serviceId
                && userKey.equals(a.path("user_key").asText(null))).findFirst().orElse(null);
    }

    /** Metric ids with their usage, parents included (collection.rb process_usage). */
    private Map<Long, Long> processUsage(long serviceId, Map<String, Long> usage) throws MetricInvalid {
        Map<Long, Long> parsed = new LinkedHashMap<>();
        for (Map.Entry<String, Long> u : usage.entrySet()) {
            parsed.put(metricId(serviceId, u.getKey().strip()), u.getValue());
        }
        Map<Long, Long> out = new LinkedHashMap<>(parsed);
        for (Map.Entry<Long, Long> u : parsed.entrySet()) {
            long id = u.getKey();
            ObjectNode m = st.metrics.get(id);
            while (m != null && m.has("parent_id") && !m.get("parent_id").isNull()) {
                id = m.get("parent_id").asLong();
                out.merge(id, u.getValue(), Long::sum);
                m = st.metrics.get(id);
            }
        }
        return out;
    }

    /** The product's metric or method of that system name (porta syncs them to the backend by system name). */
    private long metricId(long serviceId, String name) throws MetricInvalid {
        for (Map.Entry<Long, ObjectNode> m : st.metrics.entrySet()) {
            if (("Service:" + serviceId).equals(st.metricOwner.get(m.getKey()))
                    && name.equals(m.getValue().path("system_name").asText())) {
                return m.getKey();
            }
        }
        throw new MetricInvalid(name);
    }

    private void count(long serviceId, long appId, Map<Long, Long> usage, Instant at) {
        st.workDone = true; // saved with the tenant: apisonator keeps its counters (in Redis) across restarts
        serviceOfApplication.put(appId, serviceId);
        long minute = at.truncatedTo(ChronoUnit.MINUTES).getEpochSecond();
        Map<Long, NavigableMap<Long, Long>> perMetric = counters.computeIfAbsent(appId, k -> new HashMap<>());
        usage.forEach((metric, value) -> perMetric.computeIfAbsent(metric, k -> new TreeMap<>())
                .merge(minute, value, Long::sum));
    }

    private long sum(long appId, long metricId, Instant from, Instant to) {
        NavigableMap<Long, Long> minutes = counters.getOrDefault(appId, Map.of()).get(metricId);
        if (minutes == null) {
            return 0;
        }
        return minutes.subMap(from.getEpochSecond(), true, to.getEpochSecond(), false).values().stream()
                .mapToLong(Long::longValue).sum();
    }

    /**
     * The counters, each application's product and the dropped reports' errors, for the tenant's state file: the
     * real backend keeps them in its Redis, so a sandbox that is stopped and resumed keeps its usage and its limits'
     * counts.
     */
    ObjectNode state() {
        ObjectNode s = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        ObjectNode c = s.putObject("counters");
        counters.forEach((app, perMetric) -> {
            ObjectNode a = c.putObject(String.valueOf(app));
            perMetric.forEach((metric, minutes) -> {
                ObjectNode m = a.putObject(String.valueOf(metric));
                minutes.forEach((minute, n) -> m.put(String.valueOf(minute), n));
            });
        });
        ObjectNode services = s.putObject("serviceOfApplication");
        serviceOfApplication.forEach((app, service) -> services.put(String.valueOf(app), service));
        com.fasterxml.jackson.databind.node.ArrayNode e = s.putArray("errors");
        errors.forEach(e::add);
        return s;
    }

    /** Replaces the counters with a {@link #state()}; an empty or missing one (an older state file) clears them. */
    void restore(com.fasterxml.jackson.databind.JsonNode s) {
        counters.clear();
        serviceOfApplication.clear();
        errors.clear();
        s.path("counters").properties().forEach(a -> {
            Map<Long, NavigableMap<Long, Long>> perMetric = new HashMap<>();
            a.getValue().properties().forEach(m -> {
                NavigableMap<Long, Long> minutes = new TreeMap<>();
                m.getValue().properties().forEach(x -> minutes.put(Long.parseLong(x.getKey()), x.getValue().asLong()));
                perMetric.put(Long.parseLong(m.getKey()), minutes);
            });
            counters.put(Long.parseLong(a.getKey()), perMetric);
        });
        s.path("serviceOfApplication").properties()
                .forEach(x -> serviceOfApplication.put(Long.parseLong(x.getKey()), x.getValue().asLong()));
        s.path("errors").forEach(x -> errors.add(x.asText()));
    }

    /** boundary.rb start_of, in UTC. */
    static Instant start(String period, Instant at) {
        ZonedDateTime t = at.atZone(ZoneOffset.UTC);
        return switch (period) {
            case "minute" -> t.truncatedTo(ChronoUnit.MINUTES).toInstant();
            case "hour" -> t.truncatedTo(ChronoUnit.HOURS).toInstant();
            case "day" -> t.truncatedTo(ChronoUnit.DAYS).toInstant();
            case "week" -> t.toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY))
                    .atStartOfDay(ZoneOffset.UTC).toInstant();
            case "month" -> LocalDate.of(t.getYear(), t.getMonth(), 1).atStartOfDay(ZoneOffset.UTC).toInstant();
            case "year" -> LocalDate.of(t.getYear(), 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant();
            case "eternity" -> Instant.EPOCH;
            default -> throw new IllegalArgumentException("unknown period " + period);
        };
    }

    /** boundary.rb end_of, in UTC (eternity ends on 9999-12-31). */
    static Instant end(String period, Instant at) {
        ZonedDateTime s = start(period, at).atZone(ZoneOffset.UTC);
        return switch (period) {
            case "minute" -> s.plusMinutes(1).toInstant();
            case "hour" -> s.plusHours(1).toInstant();
            case "day" -> s.plusDays(1).toInstant();
            case "week" -> s.plusWeeks(1).toInstant();
            case "month" -> s.plusMonths(1).toInstant();
            case "year" -> s.plusYears(1).toInstant();
            case "eternity" -> LocalDate.of(9999, 12, 31).atStartOfDay(ZoneOffset.UTC).toInstant();
            default -> throw new IllegalArgumentException("unknown period " + period);
        };
    }
}
