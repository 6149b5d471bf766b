package dev.maas.installer.stages.plans;

import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;
import dev.maas.installer.engine.reconcile.Managed;
import dev.maas.installer.engine.reconcile.Reconciler;
import dev.maas.installer.stages.common.BoundedPool;
import dev.maas.installer.stages.common.DesiredCatalog;
import dev.maas.installer.stages.common.SerialProgress;
import dev.maas.installer.stages.common.StageGuards;
import dev.maas.installer.stages.common.ThreescaleAccess;
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
 * to every product it is not subscribed to yet, on the model's first tier.
 *
 * <p>Each plan, limit, plan choice and default service plan is a {@link Managed} object ({@link PlanObjects}) read
 * from what the stage read of its product once ({@link LivePlans}), and so are the subscriptions of the existing
 * accounts ({@link AccountSubscriptions}), so plan, apply and verify of each come from one definition through the
 * stage's {@link Reconciler}; verify folds a product's objects into one check.
 */
public final class PlansStage implements Stage {
    public static final String DEFAULT_SERVICE_PLAN = "Default";
    static final String APP_PLAN = "application plan";
    static final String SERVICE_PLAN = "service plan";
    static final String PLAN_CHOICE = "plan choice";
    static final String SUBSCRIPTIONS = "service subscriptions";
    /** Plans, applies and verifies the plans stage's objects. */
    private static final Reconciler RECONCILER = StageGuards.reconciler(StageIds.PLANS);

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

    /**
     * One check per product ({@code plans <sn>}), folding the checks the {@link Reconciler} derives from its objects
     * ({@link PlanObjects}): the failures when any differ, else the warnings (a kept plan, a default application
     * plan), else OK; then, with {@code plans.subscribeExistingAccounts} and every product's check passing, the
     * subscriptions' check ({@link AccountSubscriptions}).
     */
    @Override
    public List<Check> verify(StageContext ctx) {
        List<ModelProduct> models = DesiredCatalog.of(ctx);
        ThreescaleClient client = ThreescaleAccess.client(ctx);
        Map<String, Service> services = services(client);
        Map<String, LivePlans> read = new java.util.concurrent.ConcurrentHashMap<>();
        List<Check> out = new ArrayList<>(BoundedPool.run("maas-verify-plans", models,
                ctx.config().products().concurrency(), ctx.cancellation(), m -> {
                    String name = "plans " + m.systemName();
                    return RECONCILER.check(name, () -> {
                        Service s = services.get(m.systemName());
                        if (s == null) {
                            return Check.retryable(name, "product " + m.systemName() + " does not exist",
                                    Fix.rerunStage(StageIds.PRODUCTS, "creates it"));
                        }
                        LivePlans live = LivePlans.read(client, s);
                        read.put(m.systemName(), live);
                        List<TierConfig> tiers = tiersOf(ctx, m);
                        List<Managed<?, ?>> objects = PlanObjects.of(client, live, tiers, prune, false);
                        Check c = RECONCILER.verifyAs(ctx, name, () -> objects, TierPlans.summary(tiers)
                                + ", service plan '" + DEFAULT_SERVICE_PLAN + "' is the default");
                        return new Check(c.status(), name, "product " + m.systemName() + ": " + c.message(),
                                c.fix());
                    });
                }));
        if (ctx.config().plans().subscribeExistingAccounts() && out.stream().allMatch(c -> c.status().passes())) {
            out.addAll(RECONCILER.verify(ctx, subscriptions(ctx, client, models, services, read, Progress.NONE)));
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
        int steps = subscribe ? 2 : 1;
        progress.step(1, steps, "plans of " + models.size() + " products");
        Map<String, Service> services = client == null ? Map.of() : services(client);
        Map<String, LivePlans> read = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicInteger done = new AtomicInteger();
        List<List<Change>> perModel = BoundedPool.run("maas-plans", models, ctx.config().products().concurrency(),
                ctx.cancellation(), m -> {
                    List<Change> c = plansOf(ctx, client, m, services.get(m.systemName()), write, read);
                    progress.detail(done.incrementAndGet() + " of " + models.size() + " products");
                    return c;
                });
        List<Change> out = new ArrayList<>();
        perModel.forEach(out::addAll);
        if (subscribe) {
            ctx.cancellation().throwIfCancelled();
            progress.step(2, steps, AccountSubscriptions.STEP);
            AccountSubscriptions subscriptions = subscriptions(ctx, client, models, services, read, progress);
            out.add(write ? RECONCILER.apply(ctx, subscriptions) : RECONCILER.plan(ctx, subscriptions));
        }
        return out;
    }

    /**
     * One product's objects ({@link PlanObjects}), read once ({@link LivePlans}) and planned or, with {@code write},
     * applied one by one through the {@link Reconciler}. A product that does not exist yet is planned as porta will
     * make it; apply needs it.
     */
    private List<Change> plansOf(StageContext ctx, ThreescaleClient client, ModelProduct m, Service s, boolean write,
                                 Map<String, LivePlans> read) {
        String sn = m.systemName();
        if (s == null && write) {
            throw new StageException("product " + sn + " does not exist",
                    Fix.rerunStage(StageIds.PRODUCTS, "it creates the model products"));
        }
        LivePlans live = s == null ? LivePlans.none(sn) : LivePlans.read(client, s);
        List<Managed<?, ?>> objects = PlanObjects.of(client, live, tiersOf(ctx, m), prune, write);
        List<Change> out = new ArrayList<>();
        for (Managed<?, ?> o : objects) {
            ctx.cancellation().throwIfCancelled();
            out.add(write ? RECONCILER.apply(ctx, o) : RECONCILER.plan(ctx, o));
        }
        if (live.exists()) {
            read.put(sn, live);
        }
        return out;
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
     * The subscriptions of the existing developer accounts ({@link AccountSubscriptions}), to each model's product on
     * the model's first tier, from the plans as this run read and made them ({@code read}); plan or service plan ids
     * are -1 where they do not exist yet (a plan before the first apply only counts).
     */
    private AccountSubscriptions subscriptions(StageContext ctx, ThreescaleClient client, List<ModelProduct> models,
                                               Map<String, Service> services, Map<String, LivePlans> read,
                                               Progress progress) {
        List<AccountSubscriptions.Target> targets = new ArrayList<>();
        for (ModelProduct m : models) {
            Service s = services.get(m.systemName());
            LivePlans live = read.get(m.systemName());
            List<TierConfig> tiers = tiersOf(ctx, m);
            if (s == null || live == null || tiers.isEmpty()) {
                continue;
            }
            ApplicationPlan plan = live.plan(tiers.get(0).name()).orElse(null);
            ServicePlan sp = defaultServicePlan(live.servicePlans());
            targets.add(new AccountSubscriptions.Target(m.systemName(), s.id(), sp == null ? -1 : sp.id(),
                    plan == null ? -1 : plan.id()));
        }
        boolean productsExist = client != null && models.stream().allMatch(m -> services.containsKey(m.systemName()));
        return new AccountSubscriptions(client, targets, productsExist, ctx.config().products().concurrency(), mode,
                progress);
    }

    static Map<String, Service> services(ThreescaleClient client) {
        return client.services().list().stream().filter(s -> s.systemName() != null)
                .collect(Collectors.toMap(Service::systemName, Function.identity(), (a, b) -> a, LinkedHashMap::new));
    }
}
