package dev.maas.installer.stages.plans;

import dev.maas.installer.catalog.TokenMetrics;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;
import dev.maas.installer.threescale.Product;
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.ApplicationPlan;
import dev.maas.installer.threescale.model.Metric;
import dev.maas.installer.threescale.model.UsageLimit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The tiers of one product in 3scale: an application plan per tier (published, with the tier's approval setting),
 * its usage limits (one per metric and period, 3scale's rule), and the plans of the product that are no tier.
 * {@code requests} is the product's built-in {@code hits} metric; the token metrics are the products stage's
 * ({@link TokenMetrics}: it creates them with the token usage policy in the chain), read here.
 */
final class TierPlans {
    static final String METRIC = "metric";
    static final String LIMIT = "usage limit";
    static final String HITS = "hits";

    private TierPlans() { }

    /** A product's plans as verify sees them: what differs from the tiers, and plans that are no tier. */
    record Found(List<String> problems, List<String> extra) { }

    /** The 3scale metric of a limit's metric. */
    static String systemName(String metric) {
        return LimitConfig.REQUESTS.equals(metric) ? HITS : metric;
    }

    /** "plan 'Standard' published" or "plans 'Free', 'Premium' published with 3 limits". */
    static String summary(List<TierConfig> tiers) {
        String names = tiers.stream().map(t -> "'" + t.name() + "'").collect(Collectors.joining(", "));
        int limits = tiers.stream().mapToInt(t -> t.limits().size()).sum();
        return (tiers.size() == 1 ? "plan " : "plans ") + names + " published"
                + (limits == 0 ? "" : " with " + limits + (limits == 1 ? " limit" : " limits"));
    }

    // ------------------------------------------------------------------------------------------------- plan

    /** What apply does on a product that does not exist yet (a plan before the products stage ran). */
    static List<Change> forNewProduct(String sn, List<TierConfig> tiers, boolean tokens) {
        List<Change> out = new ArrayList<>();
        for (TierConfig t : tiers) {
            out.add(createPlanChange(sn, t));
            for (LimitConfig l : t.limits()) {
                out.add(limitChange(Action.CREATE, sn, t, l, null, l.value()));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ apply

    /** Plans, metrics and limits of an existing product; writes only when {@code write}. */
    static List<Change> reconcile(ThreescaleClient client, Product p, String sn, List<TierConfig> tiers,
                                  boolean tokens, boolean prune, boolean write) {
        List<Change> out = new ArrayList<>();
        List<Metric> metrics = p.metrics().list();
        Map<String, Long> metricIds = new HashMap<>();
        metrics.stream().filter(x -> x.parentId() == null && x.systemName() != null)
                .forEach(x -> metricIds.putIfAbsent(x.systemName(), x.id()));
        if (tokens && write) {
            // the products stage makes them with the token usage policy; a limit on a missing one is refused below
            for (String k : TokenMetrics.METRICS.keySet()) {
                if (!metricIds.containsKey(k) && tiers.stream().anyMatch(t -> t.limits().stream()
                        .anyMatch(l -> k.equals(l.metric())))) {
                    throw new StageException("product " + sn + " has no metric " + k + " (the token usage policy"
                            + " reports it, a tier limits it)", Fix.rerunStage(
                            dev.maas.installer.engine.StageIds.PRODUCTS, "it creates the token metrics with the"
                                    + " token usage policy"));
                }
            }
        }
        List<ApplicationPlan> plans = p.applicationPlans();
        for (TierConfig t : tiers) {
            ApplicationPlan plan = plans.stream().filter(x -> t.name().equals(x.name())).findFirst().orElse(null);
            if (plan == null) {
                out.add(createPlanChange(sn, t));
                Long planId = null;
                if (write) {
                    Map<String, String> fields = new LinkedHashMap<>();
                    fields.put("state_event", "publish");
                    fields.put("approval_required", String.valueOf(t.approvalRequired()));
                    planId = p.createApplicationPlan(t.name(), fields).id();
                }
                for (LimitConfig l : t.limits()) {
                    out.add(limitChange(Action.CREATE, sn, t, l, null, l.value()));
                    if (write) {
                        p.limits(planId).create(metricId(metricIds, l, sn), l.period(), l.value());
                    }
                }
                continue;
            }
            Map<String, FieldChange> fields = new LinkedHashMap<>();
            Map<String, String> update = new LinkedHashMap<>();
            if (!plan.published()) {
                fields.put("state", FieldChange.of(plan.state(), "published"));
                update.put("state_event", "publish");
            }
            boolean approval = Boolean.TRUE.equals(plan.approvalRequired());
            if (approval != t.approvalRequired()) {
                fields.put("approval_required", FieldChange.of(approval, t.approvalRequired()));
                update.put("approval_required", String.valueOf(t.approvalRequired()));
            }
            if (fields.isEmpty()) {
                out.add(Change.noop(TargetSystem.THREESCALE, PlansStage.APP_PLAN, sn + " " + t.name()));
            } else {
                out.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, PlansStage.APP_PLAN, sn + " " + t.name(),
                        fields));
                if (write) {
                    p.updateApplicationPlan(plan.id(), update);
                }
            }
            out.addAll(limits(p, sn, t, plan.id(), metricIds, metrics, write));
        }
        out.addAll(notTiers(client, p, sn, tiers, plans, prune, write));
        return out;
    }

    private static List<Change> limits(Product p, String sn, TierConfig t, long planId, Map<String, Long> metricIds,
                                       List<Metric> metrics, boolean write) {
        List<Change> out = new ArrayList<>();
        List<UsageLimit> have = p.limits(planId).list();
        Set<Long> kept = new java.util.HashSet<>();
        for (LimitConfig l : t.limits()) {
            Long mid = metricIds.get(systemName(l.metric()));
            UsageLimit now = mid == null ? null : have.stream()
                    .filter(x -> x.metricId() == mid && l.period().equals(x.period())).findFirst().orElse(null);
            if (now == null) {
                out.add(limitChange(Action.CREATE, sn, t, l, null, l.value()));
                if (write) {
                    p.limits(planId).create(metricId(metricIds, l, sn), l.period(), l.value());
                }
                continue;
            }
            kept.add(now.id());
            if (now.value() == l.value()) {
                out.add(Change.noop(TargetSystem.THREESCALE, LIMIT, limitName(sn, t, l.metric(), l.period())));
            } else {
                out.add(limitChange(Action.UPDATE, sn, t, l, now.value(), l.value()));
                if (write) {
                    p.limits(planId).update(now.metricId(), now.id(), now.period(), l.value());
                }
            }
        }
        for (UsageLimit x : have) {
            if (kept.contains(x.id())) {
                continue;
            }
            out.add(new Change(Action.DELETE, TargetSystem.THREESCALE, LIMIT,
                    limitName(sn, t, metricName(metrics, x.metricId()), x.period()),
                    Map.of("value", FieldChange.of(x.value(), null))));
            if (write) {
                p.limits(planId).delete(x.metricId(), x.id());
            }
        }
        return out;
    }

    /**
     * The product's plans that are no tier (customized plans of single applications aside): kept without prune;
     * with prune deleted, unless applications are on them (3scale refuses, app/models/plan.rb can_be_destroyed?).
     */
    private static List<Change> notTiers(ThreescaleClient client, Product p, String sn, List<TierConfig> tiers,
                                         List<ApplicationPlan> plans, boolean prune, boolean write) {
        Set<String> wanted = tiers.stream().map(TierConfig::name).collect(Collectors.toSet());
        List<Change> out = new ArrayList<>();
        for (ApplicationPlan plan : plans) {
            if (wanted.contains(plan.name()) || Boolean.TRUE.equals(plan.custom())) {
                continue;
            }
            if (!prune) {
                out.add(Change.noop(TargetSystem.THREESCALE, PlansStage.APP_PLAN, sn + " " + plan.name()
                        + " (no tier in the configuration; kept, --prune deletes it unless applications use it)"));
                continue;
            }
            int apps = client.tenant().applicationsOnPlan(plan.id());
            if (apps > 0) {
                out.add(Change.noop(TargetSystem.THREESCALE, PlansStage.APP_PLAN, sn + " " + plan.name()
                        + " (no tier in the configuration; kept: " + apps + (apps == 1 ? " application is" :
                        " applications are") + " on it, and 3scale deletes a plan only without applications;"
                        + " move them to another plan first)"));
                continue;
            }
            out.add(new Change(Action.DELETE, TargetSystem.THREESCALE, PlansStage.APP_PLAN, sn + " " + plan.name(),
                    Map.of("state", FieldChange.of(plan.state(), null))));
            if (write) {
                try {
                    p.deleteApplicationPlan(plan.id());
                } catch (ThreescaleApiException e) {
                    if (e.refusedDelete()) {
                        throw new StageException("3scale refuses to delete application plan '" + plan.name()
                                + "' of product " + sn + ": an application is on it now (" + e.getMessage() + ")",
                                Fix.manual("move the plan's applications to another plan in the admin portal, then"
                                        + " apply with --prune again"), false, e);
                    }
                    throw e;
                }
            }
        }
        return out;
    }

    // ----------------------------------------------------------------------------------------------- verify

    static Found verify(ThreescaleClient client, Product p, List<TierConfig> tiers, boolean tokens,
                        List<ApplicationPlan> plans) {
        List<String> problems = new ArrayList<>();
        List<Metric> metrics = p.metrics().list();
        Map<String, Long> metricIds = new HashMap<>();
        metrics.stream().filter(x -> x.parentId() == null && x.systemName() != null)
                .forEach(x -> metricIds.putIfAbsent(x.systemName(), x.id()));
        if (tokens) {
            TokenMetrics.METRICS.keySet().stream().filter(k -> !metricIds.containsKey(k))
                    .forEach(k -> problems.add("metric " + k + " missing (the products stage creates it)"));
        }
        for (TierConfig t : tiers) {
            ApplicationPlan plan = plans.stream().filter(x -> t.name().equals(x.name())).findFirst().orElse(null);
            if (plan == null) {
                problems.add("application plan '" + t.name() + "' missing");
                continue;
            }
            if (!plan.published()) {
                problems.add("application plan '" + t.name() + "' is " + plan.state() + ", not published");
            }
            boolean approval = Boolean.TRUE.equals(plan.approvalRequired());
            if (approval != t.approvalRequired()) {
                problems.add("application plan '" + t.name() + "' " + (approval ? "requires" : "does not require")
                        + " approval, the configuration says it " + (t.approvalRequired() ? "does" : "does not"));
            }
            List<UsageLimit> have = p.limits(plan.id()).list();
            Set<Long> kept = new java.util.HashSet<>();
            for (LimitConfig l : t.limits()) {
                Long mid = metricIds.get(systemName(l.metric()));
                Optional<UsageLimit> now = mid == null ? Optional.empty() : have.stream()
                        .filter(x -> x.metricId() == mid && l.period().equals(x.period())).findFirst();
                if (now.isEmpty()) {
                    problems.add("plan '" + t.name() + "' has no limit on " + l.metric() + " per " + l.period()
                            + " (configured " + l.value() + ")");
                    continue;
                }
                kept.add(now.get().id());
                if (now.get().value() != l.value()) {
                    problems.add("plan '" + t.name() + "' limits " + l.metric() + " per " + l.period() + " to "
                            + now.get().value() + " in 3scale, configured " + l.value());
                }
            }
            have.stream().filter(x -> !kept.contains(x.id())).forEach(x -> problems.add("plan '" + t.name()
                    + "' has a limit on " + metricName(metrics, x.metricId()) + " per " + x.period() + " ("
                    + x.value() + ") that is not configured"));
        }
        Set<String> wanted = tiers.stream().map(TierConfig::name).collect(Collectors.toSet());
        List<String> extra = new ArrayList<>();
        for (ApplicationPlan plan : plans) {
            if (!wanted.contains(plan.name()) && !Boolean.TRUE.equals(plan.custom())) {
                int apps = client.tenant().applicationsOnPlan(plan.id());
                extra.add("application plan '" + plan.name() + "' is no tier in the configuration (" + apps
                        + (apps == 1 ? " application" : " applications") + " on it); kept");
            }
        }
        return new Found(problems, extra);
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private static Change createPlanChange(String sn, TierConfig t) {
        Map<String, FieldChange> fields = new LinkedHashMap<>();
        fields.put("state", FieldChange.of(null, "published"));
        if (t.approvalRequired()) {
            fields.put("approval_required", FieldChange.of(null, true));
        }
        return new Change(Action.CREATE, TargetSystem.THREESCALE, PlansStage.APP_PLAN, sn + " " + t.name(), fields);
    }

    private static Change limitChange(Action action, String sn, TierConfig t, LimitConfig l, Long from, Long to) {
        return new Change(action, TargetSystem.THREESCALE, LIMIT, limitName(sn, t, l.metric(), l.period()),
                Map.of("value", FieldChange.of(from, to)));
    }

    /** "granite Free: requests per minute". */
    static String limitName(String sn, TierConfig t, String metric, String period) {
        return sn + " " + t.name() + ": " + metric + " per " + period;
    }

    /** A limit's metric as the configuration names it ({@code requests} for hits), else its system name or id. */
    private static String metricName(List<Metric> metrics, long id) {
        return metrics.stream().filter(x -> x.id() == id).findFirst()
                .map(x -> HITS.equals(x.systemName()) ? LimitConfig.REQUESTS : x.systemName())
                .orElse("metric " + id);
    }

    private static long metricId(Map<String, Long> ids, LimitConfig l, String sn) {
        Long id = ids.get(systemName(l.metric()));
        if (id == null) {
            throw new StageException("product " + sn + " has no metric " + systemName(l.metric()),
                    Fix.rerunStage(dev.maas.installer.engine.StageIds.PRODUCTS, "it recreates the product's metrics"));
        }
        return id;
    }
}
