package dev.maas.installer.stages.plans;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;
import dev.maas.installer.engine.reconcile.Managed;
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.ApplicationPlan;
import dev.maas.installer.threescale.model.ServicePlan;
import dev.maas.installer.threescale.model.UsageLimit;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.maas.installer.stages.plans.TierPlans.limitName;
import static dev.maas.installer.stages.plans.TierPlans.systemName;

/**
 * The objects of one product the plans stage manages, each a {@link Managed} object read from what the stage read
 * once ({@link LivePlans}), so plan, apply and verify of each come from one definition
 * ({@link dev.maas.installer.engine.reconcile.Reconciler}). In order, per tier: its application plan (published, with
 * the tier's approval setting), its configured usage limits (one per metric and period, 3scale's rule), the limits
 * of the plan that are not configured (deleted); then the product's plans that are no tier (kept, or deleted with
 * prune while no application is on them); the product's plan choice ({@code buyer_can_select_plan}, with the default
 * application plan left unset); its default service plan.
 */
final class PlanObjects {
    private PlanObjects() { }

    /**
     * The objects of one product. {@code write}: the objects are applied; a tier's limit on a metric the product does
     * not have then stops the product before any write. A product with no service plan to make the default stops
     * plan and apply alike: 3scale makes it with every product, only a person can bring it back.
     */
    static List<Managed<?, ?>> of(ThreescaleClient client, LivePlans live, List<TierConfig> tiers, boolean prune,
                                  boolean write) {
        String sn = live.systemName;
        ServicePlan servicePlan = PlansStage.defaultServicePlan(live.servicePlans());
        if (servicePlan == null) {
            throw new StageException("product " + sn + " has no service plan '" + PlansStage.DEFAULT_SERVICE_PLAN
                    + "'", Fix.manual("create a service plan named " + PlansStage.DEFAULT_SERVICE_PLAN + " for the"
                    + " product in the admin portal (3scale creates one with every product), then run the stage"
                    + " again"));
        }
        if (write) {
            // the products stage makes the token metrics with the token usage policy (catalog.TokenMetrics)
            for (TierConfig t : tiers) {
                for (LimitConfig l : t.limits()) {
                    if (live.metricId(systemName(l.metric())) == null) {
                        throw noMetric(sn, l);
                    }
                }
            }
        }
        List<Managed<?, ?>> out = new ArrayList<>();
        for (TierConfig t : tiers) {
            out.add(new TierPlan(live, t));
            Set<Long> configured = new HashSet<>();
            for (LimitConfig l : t.limits()) {
                TierLimit limit = new TierLimit(live, t, l);
                limit.current().ifPresent(x -> configured.add(x.id()));
                out.add(limit);
            }
            Optional<ApplicationPlan> plan = live.plan(t.name());
            if (plan.isPresent()) {
                for (UsageLimit x : live.limits(plan.get().id())) {
                    if (!configured.contains(x.id())) {
                        out.add(new ExtraLimit(live, t, plan.get().id(), x));
                    }
                }
            }
        }
        Set<String> wanted = tiers.stream().map(TierConfig::name).collect(Collectors.toSet());
        for (ApplicationPlan plan : live.plans()) {
            // customized plans of single applications are the applications' own
            if (!wanted.contains(plan.name()) && !Boolean.TRUE.equals(plan.custom())) {
                out.add(new UntieredPlan(live, plan, live.exists() ? live.applicationsOn(plan.id()) : 0, prune));
            }
        }
        out.add(new PlanChoice(client, live));
        out.add(new DefaultServicePlan(live, servicePlan));
        return out;
    }

    private static StageException noMetric(String sn, LimitConfig l) {
        String metric = systemName(l.metric());
        return new StageException("product " + sn + " has no metric " + metric + " (a tier limits it"
                + (LimitConfig.TOKEN_METRICS.contains(l.metric()) ? "; the token usage policy reports it" : "") + ")",
                Fix.rerunStage(StageIds.PRODUCTS, "it creates the product's metrics, and the token metrics with"
                        + " the token usage policy"));
    }

    /** A 3scale object of the plans stage; its fix is applying the stage. */
    abstract static class PlansObject<D, A> implements Managed<D, A> {
        final LivePlans live;

        PlansObject(LivePlans live) { this.live = live; }

        @Override public TargetSystem system() { return TargetSystem.THREESCALE; }

        @Override
        public Fix fix(String stageId, Action action) {
            return Fix.rerunStage(StageIds.PLANS, "creates and publishes the plans and sets their limits");
        }

        @Override
        public A create(StageContext ctx, D desired) { throw new IllegalStateException(kind() + " is never made"); }

        @Override
        public A update(StageContext ctx, D desired, A actual, Map<String, FieldChange> diff) {
            throw new IllegalStateException(kind() + " is never updated");
        }
    }

    // --------------------------------------------------------------------------------------- application plan

    /** A tier's application plan: published, with the tier's approval setting. */
    static final class TierPlan extends PlansObject<TierConfig, ApplicationPlan> {
        private final TierConfig tier;

        TierPlan(LivePlans live, TierConfig tier) {
            super(live);
            this.tier = tier;
        }

        @Override public String kind() { return PlansStage.APP_PLAN; }

        @Override public String name() { return live.systemName + " " + tier.name(); }

        @Override public Optional<TierConfig> desired(StageContext ctx) { return Optional.of(tier); }

        @Override public Optional<ApplicationPlan> fetch(StageContext ctx) { return live.plan(tier.name()); }

        @Override
        public Map<String, FieldChange> diff(TierConfig t, Optional<ApplicationPlan> actual) {
            Map<String, FieldChange> fields = new LinkedHashMap<>();
            if (actual.isEmpty()) {
                fields.put("state", FieldChange.of(null, "published"));
                if (t.approvalRequired()) {
                    fields.put("approval_required", FieldChange.of(null, true));
                }
                return fields;
            }
            ApplicationPlan plan = actual.get();
            if (!plan.published()) {
                fields.put("state", FieldChange.of(plan.state(), "published"));
            }
            boolean approval = Boolean.TRUE.equals(plan.approvalRequired());
            if (approval != t.approvalRequired()) {
                fields.put("approval_required", FieldChange.of(approval, t.approvalRequired()));
            }
            return fields;
        }

        @Override
        public ApplicationPlan create(StageContext ctx, TierConfig t) {
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("state_event", "publish");
            fields.put("approval_required", String.valueOf(t.approvalRequired()));
            ApplicationPlan made = live.product.createApplicationPlan(t.name(), fields);
            live.put(made, true);
            return made;
        }

        @Override
        public ApplicationPlan update(StageContext ctx, TierConfig t, ApplicationPlan actual,
                                      Map<String, FieldChange> diff) {
            Map<String, String> update = new LinkedHashMap<>();
            if (diff.containsKey("state")) {
                update.put("state_event", "publish");
            }
            if (diff.containsKey("approval_required")) {
                update.put("approval_required", String.valueOf(t.approvalRequired()));
            }
            ApplicationPlan updated = live.product.updateApplicationPlan(actual.id(), update);
            live.put(updated, false);
            return updated;
        }

        @Override
        public String missingMessage(TierConfig t) { return "application plan '" + t.name() + "' missing"; }

        @Override
        public String driftMessage(TierConfig t, ApplicationPlan actual, Map<String, FieldChange> diff) {
            List<String> problems = new ArrayList<>();
            if (diff.containsKey("state")) {
                problems.add("application plan '" + t.name() + "' is " + actual.state() + ", not published");
            }
            if (diff.containsKey("approval_required")) {
                problems.add("application plan '" + t.name() + "' " + (t.approvalRequired() ? "does not require"
                        : "requires") + " approval, the configuration says it " + (t.approvalRequired() ? "does"
                        : "does not"));
            }
            return String.join("; ", problems);
        }
    }

    // ------------------------------------------------------------------------------------------- usage limits

    /** A configured usage limit of a tier's plan: at most {@code value} of the metric per period. */
    static final class TierLimit extends PlansObject<Long, UsageLimit> {
        private final TierConfig tier;
        private final LimitConfig limit;

        TierLimit(LivePlans live, TierConfig tier, LimitConfig limit) {
            super(live);
            this.tier = tier;
            this.limit = limit;
        }

        @Override public String kind() { return TierPlans.LIMIT; }

        @Override public String name() { return limitName(live.systemName, tier, limit.metric(), limit.period()); }

        @Override public Optional<Long> desired(StageContext ctx) { return Optional.of(limit.value()); }

        @Override public Optional<UsageLimit> fetch(StageContext ctx) { return current(); }

        /** The plan's limit on the metric and period; none while the plan or the metric does not exist. */
        Optional<UsageLimit> current() {
            Long metric = live.metricId(systemName(limit.metric()));
            Optional<ApplicationPlan> plan = live.plan(tier.name());
            if (metric == null || plan.isEmpty()) {
                return Optional.empty();
            }
            return live.limits(plan.get().id()).stream()
                    .filter(x -> x.metricId() == metric && limit.period().equals(x.period())).findFirst();
        }

        @Override
        public Map<String, FieldChange> diff(Long value, Optional<UsageLimit> actual) {
            if (actual.isPresent() && actual.get().value() == value) {
                return Map.of();
            }
            return Map.of("value", FieldChange.of(actual.map(UsageLimit::value).orElse(null), value));
        }

        @Override
        public UsageLimit create(StageContext ctx, Long value) {
            Long metric = live.metricId(systemName(limit.metric()));
            if (metric == null) {
                throw noMetric(live.systemName, limit);
            }
            long planId = live.plan(tier.name()).orElseThrow().id();
            UsageLimit made = live.product.limits(planId).create(metric, limit.period(), value);
            live.put(planId, made);
            return made;
        }

        @Override
        public UsageLimit update(StageContext ctx, Long value, UsageLimit actual, Map<String, FieldChange> diff) {
            long planId = live.plan(tier.name()).orElseThrow().id();
            UsageLimit updated = live.product.limits(planId).update(actual.metricId(), actual.id(), actual.period(),
                    value);
            live.put(planId, updated);
            return updated;
        }

        @Override
        public String missingMessage(Long value) {
            return "plan '" + tier.name() + "' has no limit on " + limit.metric() + " per " + limit.period()
                    + " (configured " + value + ")" + (live.exists() && live.metricId(systemName(limit.metric()))
                    == null ? "; the product has no metric " + systemName(limit.metric())
                    + " (the products stage creates it)" : "");
        }

        @Override
        public String driftMessage(Long value, UsageLimit actual, Map<String, FieldChange> diff) {
            return "plan '" + tier.name() + "' limits " + limit.metric() + " per " + limit.period() + " to "
                    + actual.value() + " in 3scale, configured " + value;
        }

        @Override
        public Fix fix(String stageId, Action action) {
            return live.metricId(systemName(limit.metric())) == null ? noMetric(live.systemName, limit).fix()
                    : super.fix(stageId, action);
        }
    }

    /** A limit of a tier's plan that the tier does not configure: deleted. */
    static final class ExtraLimit extends PlansObject<Long, UsageLimit> {
        private final TierConfig tier;
        private final long planId;
        private final UsageLimit limit;

        ExtraLimit(LivePlans live, TierConfig tier, long planId, UsageLimit limit) {
            super(live);
            this.tier = tier;
            this.planId = planId;
            this.limit = limit;
        }

        @Override public String kind() { return TierPlans.LIMIT; }

        @Override
        public String name() {
            return limitName(live.systemName, tier, live.metricName(limit.metricId()), limit.period());
        }

        @Override public Optional<Long> desired(StageContext ctx) { return Optional.empty(); }

        @Override public Optional<UsageLimit> fetch(StageContext ctx) { return Optional.of(limit); }

        @Override public Map<String, FieldChange> diff(Long desired, Optional<UsageLimit> actual) { return Map.of(); }

        @Override
        public Map<String, FieldChange> deleted(UsageLimit actual) {
            return Map.of("value", FieldChange.of(actual.value(), null));
        }

        @Override
        public void delete(StageContext ctx, UsageLimit actual) {
            live.product.limits(planId).delete(actual.metricId(), actual.id());
            live.removed(planId, actual);
        }

        @Override
        public String extraMessage(UsageLimit actual) {
            return "plan '" + tier.name() + "' has a limit on " + live.metricName(actual.metricId()) + " per "
                    + actual.period() + " (" + actual.value() + ") that is not configured";
        }
    }

    // ------------------------------------------------------------------------------------- plans that are no tier

    /**
     * A plan of the product that is no tier (any longer): kept as it is, or with prune deleted, unless applications
     * are on it (3scale refuses, app/models/plan.rb can_be_destroyed?).
     */
    static final class UntieredPlan extends PlansObject<ApplicationPlan, ApplicationPlan> {
        private final ApplicationPlan plan;
        private final int applications;
        private final boolean prune;

        UntieredPlan(LivePlans live, ApplicationPlan plan, int applications, boolean prune) {
            super(live);
            this.plan = plan;
            this.applications = applications;
            this.prune = prune;
        }

        @Override public String kind() { return PlansStage.APP_PLAN; }

        @Override
        public String name() {
            String sn = live.systemName + " " + plan.name();
            if (!prune) {
                return sn + " (no tier in the configuration; kept, --prune deletes it unless applications use it)";
            }
            if (applications > 0) {
                return sn + " (no tier in the configuration; kept: " + applications + (applications == 1
                        ? " application is" : " applications are") + " on it, and 3scale deletes a plan only without"
                        + " applications; move them to another plan first)";
            }
            return sn;
        }

        @Override public String checkName() { return PlansStage.APP_PLAN + " " + live.systemName + " " + plan.name(); }

        @Override public boolean kept() { return !prune || applications > 0; }

        /** Kept: the plan as it is; pruned: none. */
        @Override
        public Optional<ApplicationPlan> desired(StageContext ctx) {
            return kept() ? Optional.of(plan) : Optional.empty();
        }

        @Override public Optional<ApplicationPlan> fetch(StageContext ctx) { return Optional.of(plan); }

        @Override
        public Map<String, FieldChange> diff(ApplicationPlan desired, Optional<ApplicationPlan> actual) {
            return Map.of();
        }

        @Override
        public Map<String, FieldChange> deleted(ApplicationPlan actual) {
            return Map.of("state", FieldChange.of(actual.state(), null));
        }

        @Override
        public void delete(StageContext ctx, ApplicationPlan actual) {
            try {
                live.product.deleteApplicationPlan(actual.id());
                live.removed(actual);
            } catch (ThreescaleApiException e) {
                if (e.refusedDelete()) {
                    throw new StageException("3scale refuses to delete application plan '" + actual.name()
                            + "' of product " + live.systemName + ": an application is on it now (" + e.getMessage()
                            + ")", Fix.manual("move the plan's applications to another plan in the admin portal,"
                            + " then apply with --prune again"), false, e);
                }
                throw e;
            }
        }

        /** A kept plan does no harm, but it is not what the configuration says: a warning. */
        @Override
        public Optional<Check> readiness(StageContext ctx, ApplicationPlan desired, ApplicationPlan actual) {
            return Optional.of(Check.warn(checkName(), "application plan '" + plan.name() + "' is no tier in the"
                    + " configuration (" + applications + (applications == 1 ? " application" : " applications")
                    + " on it); kept", Fix.manual("apply the plans stage with --prune to delete the plans that are"
                    + " no tier, once their applications are on another plan")));
        }

        @Override
        public String extraMessage(ApplicationPlan actual) {
            return "application plan '" + plan.name() + "' is no tier in the configuration and is still there"
                    + " (pruning deletes it)";
        }
    }

    // ------------------------------------------------------------------------------------------- plan choice

    /**
     * Developers choose the plan of a new application: the product's {@code buyer_can_select_plan} ("Developers can
     * select a plan when creating a new application", porta's default false). Without it porta gives a new
     * application the product's default application plan and ignores the plan the developer picked
     * (lib/developer_portal/app/controllers/developer_portal/admin/applications_controller.rb new_application,
     * app/lib/logic/plan_changes.rb Service#plan_change_permission with new_contract); as the default application
     * plan stays unset here, the developer portal could then create no application at all ("Plan can't be blank").
     */
    static final class PlanChoice extends PlansObject<Boolean, Boolean> {
        static final String BUYER_CAN_SELECT_PLAN = "buyer_can_select_plan";
        private final ThreescaleClient client;

        PlanChoice(ThreescaleClient client, LivePlans live) {
            super(live);
            this.client = client;
        }

        @Override public String kind() { return PlansStage.PLAN_CHOICE; }

        @Override public String name() { return live.systemName; }

        @Override public Optional<Boolean> desired(StageContext ctx) { return Optional.of(true); }

        @Override public Optional<Boolean> fetch(StageContext ctx) { return Optional.of(live.buyerCanSelectPlan()); }

        @Override
        public Map<String, FieldChange> diff(Boolean desired, Optional<Boolean> actual) {
            return actual.orElse(false).equals(desired) ? Map.of()
                    : Map.of(BUYER_CAN_SELECT_PLAN, FieldChange.of(actual.orElse(false), desired));
        }

        @Override
        public Boolean update(StageContext ctx, Boolean desired, Boolean actual, Map<String, FieldChange> diff) {
            client.services().update(live.serviceId(), Map.of(BUYER_CAN_SELECT_PLAN, String.valueOf(desired)));
            live.buyerCanSelectPlan(desired);
            return desired;
        }

        @Override
        public String driftMessage(Boolean desired, Boolean actual, Map<String, FieldChange> diff) {
            return "developers cannot choose a plan when they create an application (" + BUYER_CAN_SELECT_PLAN
                    + " is off)";
        }

        /** The choice is theirs only while no application plan is the default one, which the stage never sets. */
        @Override
        public Optional<Check> readiness(StageContext ctx, Boolean desired, Boolean actual) {
            return live.plans().stream().filter(x -> Boolean.TRUE.equals(x.isDefault())).findFirst()
                    .map(p -> Check.warn(checkName(), "application plan '" + p.name() + "' is the default"
                            + " application plan; MaaS leaves it unset so that developers choose",
                            Fix.manual("unset the default application plan of the product in the admin portal")));
        }
    }

    // ----------------------------------------------------------------------------------------- service plan

    /** The product's service plan "Default" made the default service plan, so developers can subscribe. */
    static final class DefaultServicePlan extends PlansObject<Boolean, ServicePlan> {
        private final ServicePlan plan;

        DefaultServicePlan(LivePlans live, ServicePlan plan) {
            super(live);
            this.plan = plan;
        }

        @Override public String kind() { return PlansStage.SERVICE_PLAN; }

        @Override public String name() { return live.systemName + " " + PlansStage.DEFAULT_SERVICE_PLAN; }

        @Override public Optional<Boolean> desired(StageContext ctx) { return Optional.of(true); }

        @Override
        public Optional<ServicePlan> fetch(StageContext ctx) {
            return live.servicePlans().stream().filter(x -> x.id() == plan.id()).findFirst();
        }

        @Override
        public Map<String, FieldChange> diff(Boolean desired, Optional<ServicePlan> actual) {
            boolean isDefault = actual.map(x -> Boolean.TRUE.equals(x.isDefault())).orElse(false);
            return isDefault ? Map.of() : Map.of("default", FieldChange.of(false, true));
        }

        @Override
        public ServicePlan update(StageContext ctx, Boolean desired, ServicePlan actual,
                                  Map<String, FieldChange> diff) {
            ServicePlan updated = live.product.setDefaultServicePlan(actual.id());
            live.put(updated);
            return updated;
        }

        @Override
        public String driftMessage(Boolean desired, ServicePlan actual, Map<String, FieldChange> diff) {
            return "service plan '" + actual.name() + "' is not the default service plan";
        }
    }
}
