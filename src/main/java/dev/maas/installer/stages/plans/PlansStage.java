package dev.maas.installer.stages.plans;

import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;
import dev.maas.installer.stages.common.BoundedPool;
import dev.maas.installer.stages.common.DesiredCatalog;
import dev.maas.installer.stages.common.SerialProgress;
import dev.maas.installer.stages.common.ThreescaleAccess;
import dev.maas.installer.threescale.Product;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.ApplicationPlan;
import dev.maas.installer.threescale.model.Service;
import dev.maas.installer.threescale.model.ServicePlan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Per product its application plans: one per tier of {@code plans.tiers} that applies to the model (without tiers,
 * one named {@code plans.name}, default "Standard", without limits), published, with the tier's approval setting and
 * usage limits, and the default application plan left unset; the product set to let developers choose the plan
 * when they create an application ({@code buyer_can_select_plan}); the service plan "Default" made the default
 * service plan, so developers can see and subscribe to the product. The token metrics that the token usage policy reports are the
 * products stage's ({@link dev.maas.installer.catalog.TokenMetrics}); their limits are set here. A plan of a model's product that is
 * no tier (any longer) is kept, unless the stage was made with {@code prune}: then it is deleted, but never while an
 * application is on it. With {@code plans.subscribeExistingAccounts}, every approved developer account is subscribed
 * to every product it is not subscribed to yet ({@link AccountSubscriber}), on the model's first tier.
 */
public final class PlansStage implements Stage {
    public static final String DEFAULT_SERVICE_PLAN = "Default";
    static final String APP_PLAN = "application plan";
    static final String SERVICE_PLAN = "service plan";
    static final String PLAN_CHOICE = "plan choice";
    private static final String BUYER_CAN_SELECT_PLAN = "buyer_can_select_plan";
    static final String SUBSCRIPTIONS = "service subscriptions";

    private final SubscriptionMode mode;
    private final boolean prune;

    public PlansStage() { this(null, false); }

    /** {@code prune}: delete the plans of model products that are no tier (the CLI's --prune). */
    public PlansStage(boolean prune) { this(null, prune); }

    /** {@code mode} null: detected from the tenant. */
    public PlansStage(SubscriptionMode mode) { this(mode, false); }

    public PlansStage(SubscriptionMode mode, boolean prune) {
        this.mode = mode;
        this.prune = prune;
    }

    public boolean prune() { return prune; }

    @Override public String id() { return StageIds.PLANS; }

    @Override public String title() { return "Application plans"; }

    @Override public List<String> dependencies() { return List.of(StageIds.PRODUCTS); }

    @Override
    public List<Change> plan(StageContext ctx) {
        return reconcile(ctx, false, Progress.NONE);
    }

    @Override
    public List<Change> apply(StageContext ctx, Progress progress) {
        try {
            return reconcile(ctx, true, new SerialProgress(progress));
        } catch (dev.maas.installer.threescale.ThreescaleApiException e) {
            throw ThreescaleAccess.failure(e, id());
        }
    }

    @Override
    public List<Check> verify(StageContext ctx) {
        List<ModelProduct> models = DesiredCatalog.of(ctx);
        ThreescaleClient client = ThreescaleAccess.client(ctx);
        Map<String, Service> services = services(client);
        List<Check> out = new ArrayList<>();
        for (ModelProduct m : models) {
            ctx.cancellation().throwIfCancelled();
            String name = "plans " + m.systemName();
            Service s = services.get(m.systemName());
            if (s == null) {
                out.add(Check.retryable(name, "product " + m.systemName() + " does not exist",
                        Fix.rerunStage(StageIds.PRODUCTS, "creates it")));
                continue;
            }
            // the same reading as plan and apply, judged: what they would change is what differs
            Product p = client.product(s.id());
            List<TierConfig> tiers = tiersOf(ctx, m);
            TierPlans.Drifts found = plansOf(client, m, s, p, tiers, ctx.config().plans().limitsTokens(), false,
                    false);
            List<String> problems = found.problems();
            if (!problems.isEmpty()) {
                out.add(Check.retryable(name, "product " + m.systemName() + ": " + String.join("; ", problems),
                        Fix.rerunStage(StageIds.PLANS, "creates and publishes the plans and sets their limits")));
                continue;
            }
            ApplicationPlan defaultPlan = p.applicationPlans().stream().filter(x -> Boolean.TRUE.equals(x.isDefault()))
                    .findFirst().orElse(null);
            if (defaultPlan != null) {
                out.add(Check.warn(name, "product " + m.systemName() + ": application plan '" + defaultPlan.name()
                        + "' is the default application plan; MaaS leaves it unset so that developers choose",
                        Fix.manual("unset the default application plan of the product in the admin portal")));
            } else if (!found.extra().isEmpty()) {
                out.add(Check.warn(name, "product " + m.systemName() + ": " + String.join("; ", found.extra()),
                        Fix.manual("apply the plans stage with --prune to delete the plans that are no tier, once"
                                + " their applications are on another plan")));
            } else {
                out.add(Check.ok(name, "product " + m.systemName() + ": " + TierPlans.summary(tiers)
                        + ", service plan '" + DEFAULT_SERVICE_PLAN + "' is the default"));
            }
        }
        if (ctx.config().plans().subscribeExistingAccounts() && out.stream().allMatch(c -> c.status().passes())) {
            AccountSubscriber.Result r = new AccountSubscriber(client, ctx.config().products().concurrency(),
                    ctx.cancellation(), mode).run(targets(ctx, client, models, services), false, Progress.NONE);
            out.add(r.missing() == 0
                    ? Check.ok(SUBSCRIPTIONS, r.accounts() + " developer accounts are subscribed to every product")
                    : Check.retryable(SUBSCRIPTIONS, r.missing() + " subscriptions of " + r.accounts()
                    + " developer accounts are missing", Fix.rerunStage(StageIds.PLANS, "subscribes them")));
        }
        return out;
    }

    /** The tiers of a model's product (without configured tiers: the one plan {@code plans.name}). */
    static List<TierConfig> tiersOf(StageContext ctx, ModelProduct m) {
        return ctx.config().plans().tiersOf(m.modelName(), m.systemName());
    }

    private List<Change> reconcile(StageContext ctx, boolean write, Progress progress) {
        List<ModelProduct> models = DesiredCatalog.of(ctx);
        // a plan before 3scale is applied: as for a new tenant (no client is used: every product is new)
        ThreescaleClient client = write ? ThreescaleAccess.client(ctx)
                : ThreescaleAccess.clientForPlan(ctx).orElse(null);
        boolean subscribe = ctx.config().plans().subscribeExistingAccounts();
        boolean tokens = ctx.config().plans().limitsTokens();
        int steps = subscribe ? 2 : 1;
        progress.step(1, steps, "plans of " + models.size() + " products");
        Map<String, Service> services = client == null ? Map.of() : services(client);
        AtomicInteger done = new AtomicInteger();
        List<List<Change>> perModel = BoundedPool.run("maas-plans", models, ctx.config().products().concurrency(),
                ctx.cancellation(), m -> {
                    List<Change> c = plansOf(client, m, services.get(m.systemName()), tiersOf(ctx, m), tokens,
                            write);
                    progress.detail(done.incrementAndGet() + " of " + models.size() + " products");
                    return c;
                });
        List<Change> out = new ArrayList<>();
        perModel.forEach(out::addAll);
        if (subscribe) {
            ctx.cancellation().throwIfCancelled();
            progress.step(2, steps, "subscribing existing developer accounts");
            boolean allExist = models.stream().allMatch(m -> services.containsKey(m.systemName()));
            if (!write && !allExist) {
                out.add(new Change(Action.CREATE, TargetSystem.THREESCALE, SUBSCRIPTIONS, "existing developer accounts",
                        Map.of("products", FieldChange.of(null, "every approved account to each new product"))));
                return out;
            }
            AccountSubscriber.Result r = new AccountSubscriber(client, ctx.config().products().concurrency(),
                    ctx.cancellation(), mode).run(targets(ctx, client, models, services(client)), write,
                    progress);
            String name = "existing developer accounts (" + r.accounts() + ", "
                    + (r.mode() == null ? "none" : r.mode().label()) + ")";
            out.add(r.missing() == 0 ? Change.noop(TargetSystem.THREESCALE, SUBSCRIPTIONS, name)
                    : new Change(Action.CREATE, TargetSystem.THREESCALE, SUBSCRIPTIONS, name,
                    Map.of("missing", FieldChange.of(r.missing(), 0))));
        }
        return out;
    }

    private List<Change> plansOf(ThreescaleClient client, ModelProduct m, Service s, List<TierConfig> tiers,
                                 boolean tokens, boolean write) {
        String sn = m.systemName();
        List<Change> out = new ArrayList<>();
        if (s == null) {
            if (write) {
                throw new StageException("product " + sn + " does not exist",
                        Fix.rerunStage(StageIds.PRODUCTS, "it creates the model products"));
            }
            out.addAll(TierPlans.forNewProduct(sn, tiers, tokens));
            out.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, PLAN_CHOICE, sn,
                    Map.of(BUYER_CAN_SELECT_PLAN, FieldChange.of(false, true))));
            out.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, SERVICE_PLAN, sn + " " + DEFAULT_SERVICE_PLAN,
                    Map.of("default", FieldChange.of(false, true))));
            return out;
        }
        TierPlans.Drifts drifts = plansOf(client, m, s, client.product(s.id()), tiers, tokens, prune, write);
        if (!drifts.blocked().isEmpty()) { // no service plan to make the default
            throw new StageException("product " + sn + " has no service plan '" + DEFAULT_SERVICE_PLAN + "'",
                    Fix.manual("create a service plan named " + DEFAULT_SERVICE_PLAN + " for the product in the admin"
                            + " portal (3scale creates one with every product), then run the stage again"));
        }
        out.addAll(drifts.changes());
        return out;
    }

    /**
     * The one reading of an existing product's plans that plan, apply ({@code write}) and verify share: its tiers
     * ({@link TierPlans#reconcile}), the product's plan choice and its default service plan.
     */
    private static TierPlans.Drifts plansOf(ThreescaleClient client, ModelProduct m, Service s, Product p,
                                            List<TierConfig> tiers, boolean tokens, boolean prune, boolean write) {
        String sn = m.systemName();
        TierPlans.Drifts out = TierPlans.reconcile(client, p, sn, tiers, tokens, prune, write);
        planChoice(client, s, sn, out, write);
        ServicePlan sp = defaultServicePlan(p.servicePlans());
        String name = sn + " " + DEFAULT_SERVICE_PLAN;
        if (sp == null) {
            out.missing("no service plan '" + DEFAULT_SERVICE_PLAN + "'");
        } else if (Boolean.TRUE.equals(sp.isDefault())) {
            out.ok(Change.noop(TargetSystem.THREESCALE, SERVICE_PLAN, name));
        } else {
            out.differs(new Change(Action.UPDATE, TargetSystem.THREESCALE, SERVICE_PLAN, name,
                    Map.of("default", FieldChange.of(false, true))), "service plan '" + DEFAULT_SERVICE_PLAN
                    + "' is not the default service plan");
            if (write) {
                p.setDefaultServicePlan(sp.id());
            }
        }
        return out;
    }

    /**
     * Developers choose the plan of a new application: the product's {@code buyer_can_select_plan} ("Developers can
     * select a plan when creating a new application", porta's default false). Without it porta gives a new
     * application the product's default application plan and ignores the plan the developer picked
     * (lib/developer_portal/app/controllers/developer_portal/admin/applications_controller.rb new_application,
     * app/lib/logic/plan_changes.rb Service#plan_change_permission with new_contract); as the default plan stays
     * unset here, the developer portal could then create no application at all ("Plan can't be blank").
     */
    private static void planChoice(ThreescaleClient client, Service s, String sn, TierPlans.Drifts out,
                                   boolean write) {
        if (Boolean.TRUE.equals(s.buyerCanSelectPlan())) {
            out.ok(Change.noop(TargetSystem.THREESCALE, PLAN_CHOICE, sn));
            return;
        }
        out.differs(new Change(Action.UPDATE, TargetSystem.THREESCALE, PLAN_CHOICE, sn,
                Map.of(BUYER_CAN_SELECT_PLAN, FieldChange.of(s.buyerCanSelectPlan(), true))),
                "developers cannot choose a plan when they create an application (" + BUYER_CAN_SELECT_PLAN
                        + " is off)");
        if (write) {
            client.services().update(s.id(), Map.of(BUYER_CAN_SELECT_PLAN, "true"));
        }
    }

    /**
     * The product's service plan "Default", which porta creates with every product (app/models/service.rb
     * create_default_service_plan); when it was renamed and it is the product's only service plan, that one. Never
     * by system_name: porta's JSON of a service plan has none (app/representers/service_plan_representer.rb).
     */
    static ServicePlan defaultServicePlan(List<ServicePlan> plans) {
        return plans.stream().filter(x -> DEFAULT_SERVICE_PLAN.equals(x.name())).findFirst()
                .orElseGet(() -> plans.size() == 1 ? plans.get(0) : null);
    }

    /**
     * The subscription targets, on each model's first tier; plan or service plan ids are -1 where they do not exist
     * yet (never written).
     */
    private static List<AccountSubscriber.Target> targets(StageContext ctx, ThreescaleClient client,
                                                          List<ModelProduct> models, Map<String, Service> services) {
        List<AccountSubscriber.Target> out = new ArrayList<>();
        for (ModelProduct m : models) {
            Service s = services.get(m.systemName());
            List<TierConfig> tiers = tiersOf(ctx, m);
            if (s == null || tiers.isEmpty()) {
                continue;
            }
            Product p = client.product(s.id());
            ApplicationPlan plan = p.findApplicationPlan(tiers.get(0).name()).orElse(null);
            ServicePlan sp = defaultServicePlan(p.servicePlans());
            // before the first apply the plans may not exist yet: only counting (plan, verify) then
            out.add(new AccountSubscriber.Target(m.systemName(), s.id(), sp == null ? -1 : sp.id(),
                    plan == null ? -1 : plan.id()));
        }
        return out;
    }

    static Map<String, Service> services(ThreescaleClient client) {
        return client.services().list().stream().filter(s -> s.systemName() != null)
                .collect(Collectors.toMap(Service::systemName, Function.identity(), (a, b) -> a, LinkedHashMap::new));
    }
}
