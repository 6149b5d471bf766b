package dev.maas.installer.stages.plans;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.stages.common.BoundedPool;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Account;
import dev.maas.installer.threescale.model.Application;
import dev.maas.installer.threescale.model.ServiceSubscription;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Subscribes every approved developer account to every product it is not subscribed to yet. Accounts are read
 * page by page (500 a page); each account's subscriptions are read once, and only the missing ones are created,
 * on a bounded pool; so a rerun reads but writes nothing.
 */
public final class AccountSubscriber {
    /** One product to subscribe to: its service plan (2.16+) and application plan (2.15 workaround). */
    public record Target(String systemName, long serviceId, long servicePlanId, long applicationPlanId) { }

    /** What a run found and did. */
    public record Result(SubscriptionMode mode, long accounts, long missing, long created) { }

    static final String APP_NAME_PREFIX = "maas-installer subscription to ";

    private final ThreescaleClient client;
    private final int concurrency;
    private final Cancellation cancellation;
    private final SubscriptionMode forcedMode;

    public AccountSubscriber(ThreescaleClient client, int concurrency, Cancellation cancellation,
                             SubscriptionMode mode) {
        this.client = client;
        this.concurrency = concurrency;
        this.cancellation = cancellation;
        this.forcedMode = mode;
    }

    /** {@code write} false only counts the missing subscriptions. */
    public Result run(List<Target> targets, boolean write, Progress progress) {
        AtomicLong accounts = new AtomicLong();
        AtomicLong missing = new AtomicLong();
        AtomicLong created = new AtomicLong();
        SubscriptionMode[] mode = {forcedMode};
        AtomicInteger pages = new AtomicInteger();
        client.tenant().forEachAccountPage("approved", page -> {
            cancellation.throwIfCancelled();
            if (mode[0] == null) {
                mode[0] = SubscriptionMode.detect(client, page.get(0).id());
            }
            SubscriptionMode m = mode[0];
            pages.incrementAndGet();
            BoundedPool.run("maas-subscribe", page, concurrency, cancellation, account -> {
                List<Target> todo = missingFor(account, targets, m);
                missing.addAndGet(todo.size());
                if (write) {
                    for (Target t : todo) {
                        cancellation.throwIfCancelled();
                        subscribe(account, t, m);
                        created.incrementAndGet();
                    }
                }
                long n = accounts.incrementAndGet();
                if (n % 50 == 0) {
                    progress.detail(n + " accounts checked, " + created.get() + " subscriptions created");
                }
                return Boolean.TRUE;
            });
            progress.detail(accounts.get() + " accounts checked, " + created.get() + " subscriptions created");
        });
        return new Result(mode[0], accounts.get(), missing.get(), created.get());
    }

    private List<Target> missingFor(Account account, List<Target> targets, SubscriptionMode mode) {
        List<ServiceSubscription> subs = mode == SubscriptionMode.SERVICE_SUBSCRIPTIONS
                ? client.tenant().serviceSubscriptions(account.id())
                : client.tenant().serviceContracts(account.id());
        Set<Long> services = new HashSet<>();
        for (ServiceSubscription s : subs) {
            if (s.serviceId() != null) {
                services.add(s.serviceId());
            }
        }
        List<Target> out = new ArrayList<>();
        for (Target t : targets) {
            if (!services.contains(t.serviceId())) {
                out.add(t);
            }
        }
        return out;
    }

    private void subscribe(Account account, Target t, SubscriptionMode mode) {
        if (t.servicePlanId() < 0 || t.applicationPlanId() < 0) {
            throw new IllegalStateException("product " + t.systemName() + " has no plans to subscribe to yet");
        }
        if (mode == SubscriptionMode.SERVICE_SUBSCRIPTIONS) {
            client.tenant().subscribe(account.id(), t.servicePlanId());
            return;
        }
        Application app = client.tenant().createApplication(account.id(), t.applicationPlanId(),
                APP_NAME_PREFIX + t.systemName(), "created to subscribe the account to the product; deleted at once");
        client.tenant().deleteApplication(account.id(), Objects.requireNonNull(app).id());
    }
}
