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
 * Per product an application plan ({@code plans.name}, default "Standard"), published, with the default
 * application plan left unset; the service plan "Default" made the default service plan, so developers can see
 * and subscribe to the product. With {@code plans.subscribeExistingAccounts}, every approved developer account is
 * subscribed to every product it is not subscribed to yet ({@link AccountSubscriber}).
 */
public final class PlansStage implements Stage {
    public static final String DEFAULT_SERVICE_PLAN = "Default";
    static final String APP_PLAN = "application plan";
    static final String SERVICE_PLAN = "service plan";
    static final String SUBSCRIPTIONS = "service subscriptions";

    private final SubscriptionMode mode;

    public PlansStage() { this(null); }

    /** {@code mode} null: detected from the tenant. */
    public PlansStage(SubscriptionMode mode) { this.mode = mode; }

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
        String planName = ctx.config().plans().name();
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
            Product p = client.product(s.id());
            List<ApplicationPlan> plans = p.applicationPlans();
            List<String> problems = new ArrayList<>();
            ApplicationPlan plan = plans.stream().filter(x -> planName.equals(x.name())).findFirst().orElse(null);
            if (plan == null) {
                problems.add("application plan '" + planName + "' missing");
            } else if (!plan.published()) {
                problems.add("application plan '" + planName + "' is " + plan.state() + ", not published");
            }
            ServicePlan sp = defaultServicePlan(p.servicePlans());
            if (sp == null) {
                problems.add("no service plan '" + DEFAULT_SERVICE_PLAN + "'");
            } else if (!Boolean.TRUE.equals(sp.isDefault())) {
                problems.add("service plan '" + DEFAULT_SERVICE_PLAN + "' is not the default service plan");
            }
            if (!problems.isEmpty()) {
                out.add(Check.retryable(name, "product " + m.systemName() + ": " + String.join("; ", problems),
                        Fix.rerunStage(StageIds.PLANS, "creates and publishes the plans")));
                continue;
            }
            ApplicationPlan defaultPlan = plans.stream().filter(x -> Boolean.TRUE.equals(x.isDefault())).findFirst()
                    .orElse(null);
            if (defaultPlan != null) {
                out.add(Check.warn(name, "product " + m.systemName() + ": application plan '" + defaultPlan.name()
                        + "' is the default application plan; MaaS leaves it unset so that developers choose",
                        Fix.manual("unset the default application plan of the product in the admin portal")));
            } else {
                out.add(Check.ok(name, "product " + m.systemName() + ": plan '" + planName
                        + "' published, service plan '" + DEFAULT_SERVICE_PLAN + "' is the default"));
            }
        }
        if (ctx.config().plans().subscribeExistingAccounts() && out.stream().allMatch(c -> c.status().passes())) {
            AccountSubscriber.Result r = new AccountSubscriber(client, ctx.config().products().concurrency(),
                    ctx.cancellation(), mode).run(targets(client, models, services, planName), false, Progress.NONE);
            out.add(r.missing() == 0
                    ? Check.ok(SUBSCRIPTIONS, r.accounts() + " developer accounts are subscribed to every product")
                    : Check.retryable(SUBSCRIPTIONS, r.missing() + " subscriptions of " + r.accounts()
                    + " developer accounts are missing", Fix.rerunStage(StageIds.PLANS, "subscribes them")));
        }
        return out;
    }

    private List<Change> reconcile(StageContext ctx, boolean write, Progress progress) {
        List<ModelProduct> models = DesiredCatalog.of(ctx);
        // a plan before 3scale is applied: as for a new tenant (no client is used: every product is new)
        ThreescaleClient client = write ? ThreescaleAccess.client(ctx)
                : ThreescaleAccess.clientForPlan(ctx).orElse(null);
        String planName = ctx.config().plans().name();
        boolean subscribe = ctx.config().plans().subscribeExistingAccounts();
        int steps = subscribe ? 2 : 1;
        progress.step(1, steps, "plans of " + models.size() + " products");
        Map<String, Service> services = client == null ? Map.of() : services(client);
        AtomicInteger done = new AtomicInteger();
        List<List<Change>> perModel = BoundedPool.run("maas-plans", models, ctx.config().products().concurrency(),
                ctx.cancellation(), m -> {
                    List<Change> c = plansOf(client, m, services.get(m.systemName()), planName, write);
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
                    ctx.cancellation(), mode).run(targets(client, models, services(client), planName), write,
                    progress);
            String name = "existing developer accounts (" + r.accounts() + ", "
                    + (r.mode() == null ? "none" : r.mode().label()) + ")";
            out.add(r.missing() == 0 ? Change.noop(TargetSystem.THREESCALE, SUBSCRIPTIONS, name)
                    : new Change(Action.CREATE, TargetSystem.THREESCALE, SUBSCRIPTIONS, name,
                    Map.of("missing", FieldChange.of(r.missing(), 0))));
        }
        return out;
    }

    private static List<Change> plansOf(ThreescaleClient client, ModelProduct m, Service s, String planName,
                                        boolean write) {
        String sn = m.systemName();
        List<Change> out = new ArrayList<>();
        if (s == null) {
            if (write) {
                throw new StageException("product " + sn + " does not exist",
                        Fix.rerunStage(StageIds.PRODUCTS, "it creates the model products"));
            }
            out.add(new Change(Action.CREATE, TargetSystem.THREESCALE, APP_PLAN, sn + " " + planName,
                    Map.of("state", FieldChange.of(null, "published"))));
            out.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, SERVICE_PLAN, sn + " " + DEFAULT_SERVICE_PLAN,
                    Map.of("default", FieldChange.of(false, true))));
            return out;
        }
        Product p = client.product(s.id());
        ApplicationPlan plan = p.findApplicationPlan(planName).orElse(null);
        if (plan == null) {
            out.add(new Change(Action.CREATE, TargetSystem.THREESCALE, APP_PLAN, sn + " " + planName,
                    Map.of("state", FieldChange.of(null, "published"))));
            if (write) {
                p.createApplicationPlan(planName, Map.of("state_event", "publish"));
            }
        } else if (!plan.published()) {
            out.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, APP_PLAN, sn + " " + planName,
                    Map.of("state", FieldChange.of(plan.state(), "published"))));
            if (write) {
                p.publishApplicationPlan(plan.id());
            }
        } else {
            out.add(Change.noop(TargetSystem.THREESCALE, APP_PLAN, sn + " " + planName));
        }
        ServicePlan sp = defaultServicePlan(p.servicePlans());
        if (sp == null) {
            throw new StageException("product " + sn + " has no service plan '" + DEFAULT_SERVICE_PLAN + "'",
                    Fix.manual("create a service plan named " + DEFAULT_SERVICE_PLAN + " for the product in the admin"
                            + " portal (3scale creates one with every product), then run the stage again"));
        }
        if (Boolean.TRUE.equals(sp.isDefault())) {
            out.add(Change.noop(TargetSystem.THREESCALE, SERVICE_PLAN, sn + " " + DEFAULT_SERVICE_PLAN));
        } else {
            out.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, SERVICE_PLAN, sn + " " + DEFAULT_SERVICE_PLAN,
                    Map.of("default", FieldChange.of(false, true))));
            if (write) {
                p.setDefaultServicePlan(sp.id());
            }
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

    /** The subscription targets; plan or service plan ids are -1 where they do not exist yet (never written). */
    private static List<AccountSubscriber.Target> targets(ThreescaleClient client, List<ModelProduct> models,
                                                          Map<String, Service> services, String planName) {
        List<AccountSubscriber.Target> out = new ArrayList<>();
        for (ModelProduct m : models) {
            Service s = services.get(m.systemName());
            if (s == null) {
                continue;
            }
            Product p = client.product(s.id());
            ApplicationPlan plan = p.findApplicationPlan(planName).orElse(null);
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
