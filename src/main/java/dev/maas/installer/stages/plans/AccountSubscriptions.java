package dev.maas.installer.stages.plans;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.reconcile.Managed;
import dev.maas.installer.stages.common.BoundedPool;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Application;
import dev.maas.installer.threescale.model.ServiceSubscription;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The subscriptions of the tenant's approved developer accounts to the model products, one {@link Managed} object of
 * the plans stage ({@code plans.subscribeExistingAccounts}), so that its plan, apply and verify come from one reading
 * through the stage's {@link dev.maas.installer.engine.reconcile.Reconciler}:
 * <ul>
 *   <li>desired: every approved account subscribed to each model product ({@link Target}, on the model's first
 *       tier);
 *   <li>fetch: the accounts page by page (500 a page) and each account's subscriptions once, the accounts of a page
 *       on the bounded pool; the live object is what is missing ({@link Live}). Before the model products exist
 *       (a plan before the products stage ran) there is nothing to read: the object is then missing as a whole;
 *   <li>diff: the number of missing subscriptions ({@code missing});
 *   <li>update: subscribes exactly the missing (account, product) pairs, an account's products one after the other,
 *       accounts on the bounded pool; so a rerun reads but writes nothing.
 * </ul>
 * How an account is subscribed depends on the tenant ({@link SubscriptionMode}): detected from the first account
 * unless the stage was made with a mode.
 */
final class AccountSubscriptions implements Managed<List<AccountSubscriptions.Target>, AccountSubscriptions.Live> {
    /** One product to subscribe to: its service plan (2.16+) and application plan (2.15 workaround). */
    record Target(String systemName, long serviceId, long servicePlanId, long applicationPlanId) { }

    /** One account and the products it is not subscribed to. */
    record Gap(long accountId, List<Target> targets) {
        Gap {
            targets = List.copyOf(targets);
        }
    }

    /**
     * The subscriptions as read: how accounts are subscribed on this tenant (null when it has no approved account),
     * how many approved accounts there are, and the accounts that miss a subscription.
     */
    record Live(SubscriptionMode mode, long accounts, List<Gap> gaps) {
        Live {
            gaps = List.copyOf(gaps);
        }

        long missing() { return gaps.stream().mapToLong(g -> g.targets().size()).sum(); }
    }

    static final String APP_NAME_PREFIX = "maas-installer subscription to ";
    static final String MISSING = "missing";
    /** The apply step's text (the plans stage names the step before it reads the accounts). */
    static final String STEP = "subscribing existing developer accounts";
    /** How often (in accounts or subscriptions) progress says how far it got. */
    private static final int EVERY = 50;

    private final ThreescaleClient client;
    private final List<Target> targets;
    private final boolean productsExist;
    private final int concurrency;
    private final SubscriptionMode forcedMode;
    private final Progress progress;

    /**
     * {@code productsExist} false: some model product does not exist yet (a plan before the products stage ran), so
     * there is nothing to read. {@code mode} null: detected from the tenant.
     */
    AccountSubscriptions(ThreescaleClient client, List<Target> targets, boolean productsExist, int concurrency,
                         SubscriptionMode mode, Progress progress) {
        this.client = client;
        this.targets = List.copyOf(targets);
        this.productsExist = productsExist;
        this.concurrency = concurrency;
        this.forcedMode = mode;
        this.progress = progress == null ? Progress.NONE : progress;
    }

    @Override public TargetSystem system() { return TargetSystem.THREESCALE; }

    @Override public String kind() { return PlansStage.SUBSCRIPTIONS; }

    @Override public String name() { return "existing developer accounts"; }

    /** With what was read: how many accounts, and how they are subscribed. */
    @Override
    public String name(Live actual) {
        return name() + " (" + actual.accounts() + ", " + (actual.mode() == null ? "none" : actual.mode().label())
                + ")";
    }

    @Override public String checkName() { return kind(); }

    @Override public String step() { return STEP; }

    @Override public Optional<List<Target>> desired(StageContext ctx) { return Optional.of(targets); }

    @Override
    public Optional<Live> fetch(StageContext ctx) {
        if (!productsExist) {
            return Optional.empty();
        }
        AtomicLong accounts = new AtomicLong();
        AtomicLong missing = new AtomicLong();
        SubscriptionMode[] mode = {forcedMode};
        List<Gap> gaps = new ArrayList<>();
        client.tenant().forEachAccountPage("approved", page -> {
            ctx.cancellation().throwIfCancelled();
            if (mode[0] == null) {
                mode[0] = SubscriptionMode.detect(client, page.get(0).id());
            }
            SubscriptionMode m = mode[0];
            List<Gap> found = BoundedPool.run("maas-subscriptions", page, concurrency, ctx.cancellation(), account -> {
                Gap gap = new Gap(account.id(), missingFor(account.id(), m));
                missing.addAndGet(gap.targets().size());
                long n = accounts.incrementAndGet();
                if (n % EVERY == 0) {
                    progress.detail(n + " accounts checked, " + missing.get() + " subscriptions missing");
                }
                return gap;
            });
            found.stream().filter(g -> g != null && !g.targets().isEmpty()).forEach(gaps::add);
            progress.detail(accounts.get() + " accounts checked, " + missing.get() + " subscriptions missing");
        });
        return Optional.of(new Live(mode[0], accounts.get(), gaps));
    }

    /** The products of {@code targets} the account is not subscribed to; its subscriptions are read once. */
    private List<Target> missingFor(long accountId, SubscriptionMode mode) {
        List<ServiceSubscription> subs = mode == SubscriptionMode.SERVICE_SUBSCRIPTIONS
                ? client.tenant().serviceSubscriptions(accountId)
                : client.tenant().serviceContracts(accountId);
        Set<Long> services = new HashSet<>();
        for (ServiceSubscription s : subs) {
            if (s.serviceId() != null) {
                services.add(s.serviceId());
            }
        }
        return targets.stream().filter(t -> !services.contains(t.serviceId())).toList();
    }

    /** The missing subscriptions; when the products do not exist yet, what a first apply will subscribe. */
    @Override
    public Map<String, FieldChange> diff(List<Target> desired, Optional<Live> actual) {
        if (actual.isEmpty()) {
            return Map.of("products", FieldChange.of(null, "every approved account to each new product"));
        }
        long missing = actual.get().missing();
        Map<String, FieldChange> fields = new LinkedHashMap<>();
        if (missing > 0) {
            fields.put(MISSING, FieldChange.of(missing, 0));
        }
        return fields;
    }

    /** Apply runs after the plans of every model product were made, which needs the products: never reached. */
    @Override
    public Live create(StageContext ctx, List<Target> desired) {
        throw new StageException("the model products do not exist yet, so no account can be subscribed to them",
                Fix.rerunStage(StageIds.PRODUCTS, "it creates the model products"));
    }

    /** Subscribes exactly the missing pairs of {@code actual}; returns the subscriptions with none missing. */
    @Override
    public Live update(StageContext ctx, List<Target> desired, Live actual, Map<String, FieldChange> diff) {
        long total = actual.missing();
        AtomicLong created = new AtomicLong();
        BoundedPool.run("maas-subscribe", actual.gaps(), concurrency, ctx.cancellation(), gap -> {
            for (Target t : gap.targets()) {
                ctx.cancellation().throwIfCancelled();
                subscribe(gap.accountId(), t, actual.mode());
                long n = created.incrementAndGet();
                if (n % EVERY == 0) {
                    progress.detail(n + " of " + total + " subscriptions created");
                }
            }
            return Boolean.TRUE;
        });
        progress.detail(created.get() + " of " + total + " subscriptions created");
        return new Live(actual.mode(), actual.accounts(), List.of());
    }

    private void subscribe(long accountId, Target t, SubscriptionMode mode) {
        if (t.servicePlanId() < 0 || t.applicationPlanId() < 0) {
            throw new IllegalStateException("product " + t.systemName() + " has no plans to subscribe to yet");
        }
        if (mode == SubscriptionMode.SERVICE_SUBSCRIPTIONS) {
            client.tenant().subscribe(accountId, t.servicePlanId());
            return;
        }
        Application app = client.tenant().createApplication(accountId, t.applicationPlanId(),
                APP_NAME_PREFIX + t.systemName(), "created to subscribe the account to the product; deleted at once");
        client.tenant().deleteApplication(accountId, Objects.requireNonNull(app).id());
    }

    @Override
    public String okMessage(List<Target> desired, Live actual) {
        return actual.accounts() + " developer accounts are subscribed to every product";
    }

    @Override
    public String missingMessage() {
        return "the model products do not exist yet, so no account is subscribed to them";
    }

    @Override
    public String driftMessage(List<Target> desired, Live actual, Map<String, FieldChange> diff) {
        return actual.missing() + " subscriptions of " + actual.accounts() + " developer accounts are missing";
    }

    @Override
    public Fix fix(String stageId, Action action) {
        return action == Action.CREATE ? Fix.rerunStage(StageIds.PRODUCTS, "it creates the model products")
                : Fix.rerunStage(StageIds.PLANS, "subscribes them");
    }
}
