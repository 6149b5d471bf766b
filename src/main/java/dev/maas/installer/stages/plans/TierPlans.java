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
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The tiers of one product in 3scale: an application plan per tier (published, with the tier's approval setting),
 * its usage limits (one per metric and period, 3scale's rule), and the plans of the product that are no tier.
 * {@code requests} is the product's built-in {@code hits} metric; the token metrics are the products stage's
 * ({@link TokenMetrics}: it creates them with the token usage policy in the chain), read here.
 */
final class TierPlans {
    static final String LIMIT = "usage limit";
    static final String HITS = "hits";

    private TierPlans() { }

    /**
     * What one reading of a product's plans found, from the one code path that plans, applies and verifies them:
     * per object the change (NOOP when it is as configured), and for verify, in words, what differs from the tiers
     * ({@link #problems()}) and the plans that are no tier and are kept ({@link #extra()}).
     */
    static final class Drifts {
        private final List<Change> changes = new ArrayList<>();
        private final List<String> problems = new ArrayList<>();
        private final List<String> extra = new ArrayList<>();
        private final List<String> blocked = new ArrayList<>();

        /** An object as configured. */
        void ok(Change noop) { changes.add(noop); }

        /** An object that differs: the change that repairs it, and what verify says about it. */
        void differs(Change change, String problem) {
            changes.add(change);
            problems.add(problem);
        }

        /** Something that differs and that apply cannot repair (3scale made it; the user must bring it back). */
        void missing(String problem) {
            problems.add(problem);
            blocked.add(problem);
        }

        /** Something another stage owns that differs: verify says so, plan and apply leave it to that stage. */
        void elsewhere(String problem) { problems.add(problem); }

        /** A plan that is no tier, kept. */
        void kept(Change noop, String why) {
            changes.add(noop);
            extra.add(why);
        }

        void addAll(Drifts other) {
            changes.addAll(other.changes);
            problems.addAll(other.problems);
            extra.addAll(other.extra);
            blocked.addAll(other.blocked);
        }

        List<Change> changes() { return List.copyOf(changes); }

        List<String> problems() { return List.copyOf(problems); }

        List<String> extra() { return List.copyOf(extra); }

        List<String> blocked() { return List.copyOf(blocked); }
    }

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
    static Drifts reconcile(ThreescaleClient client, Product p, String sn, List<TierConfig> tiers,
                            boolean tokens, boolean prune, boolean write) {
        Drifts out = new Drifts();
        List<Metric> metrics = p.metrics().list();
        Map<String, Long> metricIds = new HashMap<>();
        metrics.stream().filter(x -> x.parentId() == null && x.systemName() != null)
                .forEach(x -> metricIds.putIfAbsent(x.systemName(), x.id()));
        if (tokens) {
            // the products stage makes them with the token usage policy (catalog.TokenMetrics); a limit needs its metric
            for (String k : TokenMetrics.METRICS.keySet()) {
                if (!metricIds.containsKey(k)) {
                    if (write && tiers.stream().anyMatch(t -> t.limits().stream()
                            .anyMatch(l -> k.equals(l.metric())))) {
                        throw new StageException("product " + sn + " has no metric " + k + " (the token usage policy"
                                + " reports it, a tier limits it)", Fix.rerunStage(
                                dev.maas.installer.engine.StageIds.PRODUCTS, "it creates the token metrics with the"
                                        + " token usage policy"));
                    }
                    out.elsewhere("metric " + k + " missing (the products stage creates it)");
                }
            }
        }
        List<ApplicationPlan> plans = p.applicationPlans();
        for (TierConfig t : tiers) {
            ApplicationPlan plan = plans.stream().filter(x -> t.name().equals(x.name())).findFirst().orElse(null);
            if (plan == null) {
                out.differs(createPlanChange(sn, t), "application plan '" + t.name() + "' missing");
                Long planId = null;
                if (write) {
                    Map<String, String> fields = new LinkedHashMap<>();
                    fields.put("state_event", "publish");
                    fields.put("approval_required", String.valueOf(t.approvalRequired()));
                    planId = p.createApplicationPlan(t.name(), fields).id();
                }
                for (LimitConfig l : t.limits()) {
                    out.differs(limitChange(Action.CREATE, sn, t, l, null, l.value()), noLimit(t, l));
                    if (write) {
                        p.limits(planId).create(metricId(metricIds, l, sn), l.period(), l.value());
                    }
                }
                continue;
            }
            Map<String, FieldChange> fields = new LinkedHashMap<>();
            Map<String, String> update = new LinkedHashMap<>();
            List<String> problems = new ArrayList<>();
            if (!plan.published()) {
                fields.put("state", FieldChange.of(plan.state(), "published"));
                update.put("state_event", "publish");
                problems.add("application plan '" + t.name() + "' is " + plan.state() + ", not published");
            }
            boolean approval = Boolean.TRUE.equals(plan.approvalRequired());
            if (approval != t.approvalRequired()) {
                fields.put("approval_required", FieldChange.of(approval, t.approvalRequired()));
                update.put("approval_required", String.valueOf(t.approvalRequired()));
                problems.add("application plan '" + t.name() + "' " + (approval ? "requires" : "does not require")
                        + " approval, the configuration says it " + (t.approvalRequired() ? "does" : "does not"));
            }
            if (fields.isEmpty()) {
                out.ok(Change.noop(TargetSystem.THREESCALE, PlansStage.APP_PLAN, sn + " " + t.name()));
            } else {
                out.differs(new Change(Action.UPDATE, TargetSystem.THREESCALE, PlansStage.APP_PLAN,
                        sn + " " + t.name(), fields), String.join("; ", problems));
                if (write) {
                    p.updateApplicationPlan(plan.id(), update);
                }
            }
            out.addAll(limits(p, sn, t, plan.id(), metricIds, metrics, write));
        }
        out.addAll(notTiers(client, p, sn, tiers, plans, prune, write));
        return out;
    }

    private static Drifts limits(Product p, String sn, TierConfig t, long planId, Map<String, Long> metricIds,
                                 List<Metric> metrics, boolean write) {
        Drifts out = new Drifts();
        List<UsageLimit> have = p.limits(planId).list();
        Set<Long> kept = new java.util.HashSet<>();
        for (LimitConfig l : t.limits()) {
            Long mid = metricIds.get(systemName(l.metric()));
            UsageLimit now = mid == null ? null : have.stream()
                    .filter(x -> x.metricId() == mid && l.period().equals(x.period())).findFirst().orElse(null);
            if (now == null) {
                out.differs(limitChange(Action.CREATE, sn, t, l, null, l.value()), noLimit(t, l));
                if (write) {
                    p.limits(planId).create(metricId(metricIds, l, sn), l.period(), l.value());
                }
                continue;
            }
            kept.add(now.id());
            if (now.value() == l.value()) {
                out.ok(Change.noop(TargetSystem.THREESCALE, LIMIT, limitName(sn, t, l.metric(), l.period())));
            } else {
                out.differs(limitChange(Action.UPDATE, sn, t, l, now.value(), l.value()), "plan '" + t.name()
                        + "' limits " + l.metric() + " per " + l.period() + " to " + now.value() + " in 3scale,"
                        + " configured " + l.value());
                if (write) {
                    p.limits(planId).update(now.metricId(), now.id(), now.period(), l.value());
                }
            }
        }
        for (UsageLimit x : have) {
            if (kept.contains(x.id())) {
                continue;
            }
            String metric = metricName(metrics, x.metricId());
            out.differs(new Change(Action.DELETE, TargetSystem.THREESCALE, LIMIT, limitName(sn, t, metric, x.period()),
                    Map.of("value", FieldChange.of(x.value(), null))), "plan '" + t.name() + "' has a limit on "
                    + metric + " per " + x.period() + " (" + x.value() + ") that is not configured");
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
    private static Drifts notTiers(ThreescaleClient client, Product p, String sn, List<TierConfig> tiers,
                                   List<ApplicationPlan> plans, boolean prune, boolean write) {
        Set<String> wanted = tiers.stream().map(TierConfig::name).collect(Collectors.toSet());
        Drifts out = new Drifts();
        for (ApplicationPlan plan : plans) {
            if (wanted.contains(plan.name()) || Boolean.TRUE.equals(plan.custom())) {
                continue;
            }
            int apps = client.tenant().applicationsOnPlan(plan.id());
            String kept = "application plan '" + plan.name() + "' is no tier in the configuration (" + apps
                    + (apps == 1 ? " application" : " applications") + " on it); kept";
            if (!prune) {
                out.kept(Change.kept(TargetSystem.THREESCALE, PlansStage.APP_PLAN, sn + " " + plan.name()
                        + " (no tier in the configuration; kept, --prune deletes it unless applications use it)"), kept);
                continue;
            }
            if (apps > 0) {
                out.kept(Change.kept(TargetSystem.THREESCALE, PlansStage.APP_PLAN, sn + " " + plan.name()
                        + " (no tier in the configuration; kept: " + apps + (apps == 1 ? " application is" :
                        " applications are") + " on it, and 3scale deletes a plan only without applications;"
                        + " move them to another plan first)"), kept);
                continue;
            }
            out.differs(new Change(Action.DELETE, TargetSystem.THREESCALE, PlansStage.APP_PLAN, sn + " " + plan.name(),
                    Map.of("state", FieldChange.of(plan.state(), null))), "application plan '" + plan.name()
                    + "' is no tier in the configuration; it is deleted");
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

    // ---------------------------------------------------------------------------------------------- helpers

    /** Verify's words for a configured limit that 3scale does not have. */
    private static String noLimit(TierConfig t, LimitConfig l) {
        return "plan '" + t.name() + "' has no limit on " + l.metric() + " per " + l.period() + " (configured "
                + l.value() + ")";
    }

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
