package dev.maas.installer.stages.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.stages.e2e.EndToEndReport.Check;
import dev.maas.installer.threescale.Product;
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Application;
import dev.maas.installer.threescale.model.ApplicationPlan;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The tiers of one model through its gateway: per tier, an application of the temporary developer account on the
 * tier's plan, then requests until the gateway refuses one. A tier whose smallest request limit is small
 * ({@link #MAX_EXERCISED}) gets that many requests and one more, which the gateway must refuse with the promoted
 * configuration's "limits exceeded" answer (429 by default, APIcast configuration.lua); a tier without a request
 * limit gets as many requests as the largest limit exercised, plus one, which must all be answered. Token limits
 * are not exercised (they take many tokens); a tier needing approval is skipped (its key works only once an admin
 * approves it). Each tier is one check named {@code tier <name>}.
 */
final class TierCheck {
    /** Request limits above this are not exercised: the test stays short. */
    static final long MAX_EXERCISED = 50;

    /** One call with a key: its HTTP status (0: no answer) and, when there was none, why. */
    record Outcome(int code, String failure) { }

    private final ThreescaleClient threescale;
    private final SecretRegistry secrets;
    private final Cancellation cancellation;
    /** Sends {@code GET /v1/models} with a key (the gateway check's call, through the same endpoint). */
    private final BiFunction<String, Boolean, Outcome> call;

    /**
     * @param call sends one request with the key; the boolean is true for the first request of a new key, which
     *             waits while 3scale's backend does not know the key yet
     */
    TierCheck(ThreescaleClient threescale, SecretRegistry secrets, Cancellation cancellation,
              BiFunction<String, Boolean, Outcome> call) {
        this.threescale = threescale;
        this.secrets = secrets;
        this.cancellation = cancellation;
        this.call = call;
    }

    /** The smallest request limit of a tier, or empty when it limits no requests. */
    static Optional<LimitConfig> requestLimit(TierConfig t) {
        return t.limits().stream().filter(l -> l != null && LimitConfig.REQUESTS.equals(l.metric())
                && l.value() != null).min(Comparator.comparingLong(LimitConfig::value));
    }

    List<Check> run(long serviceId, List<TierConfig> tiers, JsonNode promotedProxy, long accountId) {
        int limitStatus = promotedProxy.path("error_status_limits_exceeded").asInt(429);
        long unlimitedCalls = tiers.stream().map(TierCheck::requestLimit).flatMap(Optional::stream)
                .mapToLong(LimitConfig::value).filter(v -> v <= MAX_EXERCISED).max().orElse(10) + 1;
        Product product = threescale.product(serviceId);
        List<Check> out = new java.util.ArrayList<>();
        for (TierConfig t : tiers) {
            cancellation.throwIfCancelled();
            out.add(tier(product, t, limitStatus, unlimitedCalls, accountId));
        }
        return out;
    }

    private Check tier(Product product, TierConfig t, int limitStatus, long unlimitedCalls, long accountId) {
        String name = "tier " + t.name();
        Optional<LimitConfig> limit = requestLimit(t);
        if (limit.isPresent() && limit.get().value() > MAX_EXERCISED) {
            return Check.skipped(name, t.name() + ": limit " + limit.get().value() + "/" + limit.get().period()
                    + " not exercised (over " + MAX_EXERCISED + " requests; the test stays short)");
        }
        if (t.approvalRequired()) {
            return Check.skipped(name, t.name() + ": needs approval, so a new key works only once an admin approves"
                    + " it; not exercised");
        }
        Optional<ApplicationPlan> plan = product.findApplicationPlan(t.name());
        if (plan.isEmpty()) {
            return Check.fail(name, null, null, t.name() + ": the product has no application plan '" + t.name() + "'",
                    "rerun `maas-installer apply --stage " + StageIds.PLANS + "` (it creates the tiers' plans)");
        }
        long start = System.nanoTime();
        Application app;
        try {
            app = threescale.tenant().createApplication(accountId, plan.get().id(), GatewayCheck.APPLICATION_NAME
                    + " (" + t.name() + ")", "Temporary application of `maas-installer test`; removed when the test"
                    + " ends");
        } catch (ThreescaleApiException e) {
            return Check.fail(name, e.status() == 0 ? null : e.status(), SignInCheck.ms(start), t.name()
                    + ": cannot create an application on plan '" + t.name() + "': " + secrets.redact(e.getMessage()),
                    "rerun `maas-installer apply --stage " + StageIds.PLANS + "`, then run the test again");
        }
        String key = secrets.register(app.userKey());
        if (limit.isEmpty()) {
            for (int i = 1; i <= unlimitedCalls; i++) {
                cancellation.throwIfCancelled();
                Outcome o = call.apply(key, i == 1);
                if (o.failure() != null) {
                    return Check.unreachable(name, SignInCheck.ms(start), o.failure());
                }
                if (o.code() != 200) {
                    return Check.fail(name, o.code(), SignInCheck.ms(start), t.name() + ": request " + i + " of "
                                    + unlimitedCalls + " got HTTP " + o.code() + " though the tier limits no requests",
                            "check the plan's limits in the 3scale admin portal, or rerun `maas-installer apply"
                                    + " --stage " + StageIds.PLANS + "`");
                }
            }
            return Check.pass(name, 200, SignInCheck.ms(start), t.name() + ": not limited (" + unlimitedCalls
                    + " requests answered)");
        }
        long value = limit.get().value();
        String period = limit.get().period();
        // a period may end while the requests are sent: then the count starts again, so up to twice as many
        long most = 2 * (value + 1);
        for (int i = 1; i <= most; i++) {
            cancellation.throwIfCancelled();
            Outcome o = call.apply(key, i == 1);
            if (o.failure() != null) {
                return Check.unreachable(name, SignInCheck.ms(start), o.failure());
            }
            if (o.code() == limitStatus) {
                int answered = i - 1;
                return Check.pass(name, o.code(), SignInCheck.ms(start), t.name() + ": " + o.code() + " after "
                        + answered + " requests (limit " + value + "/" + period + ")");
            }
            if (o.code() != 200) {
                return Check.fail(name, o.code(), SignInCheck.ms(start), t.name() + ": request " + i + " got HTTP "
                        + o.code() + " before the limit of " + value + "/" + period + " was reached",
                        "check the model and the product with the checks above");
            }
        }
        return Check.fail(name, 200, SignInCheck.ms(start), t.name() + ": " + most + " requests answered, none"
                        + " refused, though the tier allows " + value + "/" + period,
                "check the plan's limits in the 3scale admin portal (Applications, Application Plans, " + t.name()
                        + ", Limits), or rerun `maas-installer apply --stage " + StageIds.PLANS + "`");
    }
}
