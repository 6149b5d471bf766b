package dev.maas.installer.stages.e2e;

import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.keycloak.KeycloakAdmin;
import dev.maas.installer.keycloak.RealmConfigurator;
import dev.maas.installer.keycloak.RealmSpec;
import dev.maas.installer.stages.common.DesiredCatalog;
import dev.maas.installer.stages.common.EndpointTrust;
import dev.maas.installer.stages.common.ThreescaleAccess;
import dev.maas.installer.stages.e2e.EndToEndReport.Check;
import dev.maas.installer.stages.e2e.EndToEndReport.ModelResult;
import dev.maas.installer.stages.e2e.EndToEndReport.SignInResult;
import dev.maas.installer.stages.e2e.EndToEndReport.Status;
import dev.maas.installer.stages.portal.PortalStage;
import dev.maas.installer.stages.sso.KeycloakEndpoints;
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Account;
import dev.maas.installer.threescale.model.AuthenticationProvider;
import dev.maas.installer.threescale.model.Service;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Proves the finished MaaS works for the people it is for: a developer signs in through Red Hat SSO
 * ({@link SignInCheck}), and a key on each model's plan gets an answer from the model through 3scale's production
 * gateway ({@link GatewayCheck}). Everything it makes is temporary and marked ({@link Marker}): a Keycloak user, a
 * developer account with one application per model; all are removed when it ends, also after a failure or a
 * cancellation, and a run first removes what an earlier run could not. It changes nothing else.
 */
public final class EndToEnd {
    private static final Logger LOG = LoggerFactory.getLogger(EndToEnd.class);

    /**
     * What to test.
     *
     * @param models    the system names of the models to call; empty: every model of the configuration
     * @param inference also send a one-token chat completion or embedding to each model
     * @param keyWait   how long a new key may take to reach the gateway before a refusal counts
     * @param signIn    whether to test the sign-in (the wizard's per-model "Try it" skips it)
     */
    public record Options(List<String> models, boolean inference, Duration keyWait, boolean signIn) {
        public Options {
            models = List.copyOf(models);
        }

        public static Options all() {
            return new Options(List.of(), false, Duration.ofSeconds(30), true);
        }

        public Options withModels(List<String> m) { return new Options(m, inference, keyWait, signIn); }

        public Options withInference(boolean i) { return new Options(models, i, keyWait, signIn); }

        public Options withKeyWait(Duration d) { return new Options(models, inference, d, signIn); }

        public Options withSignIn(boolean s) { return new Options(models, inference, keyWait, s); }
    }

    private EndToEnd() { }

    /**
     * Runs the test. Throws a {@link StageException} when it cannot run at all (no cluster, no 3scale, an unknown
     * model: invalid input naming {@code --model}); every check's own failure is in the report.
     *
     * @param progress one line per step, for the user to follow
     */
    public static EndToEndReport run(StageContext ctx, Options options, Consumer<String> progress) {
        return run(ctx, options, progress, (model, key) -> { });
    }

    /**
     * {@link #run(StageContext, Options, Consumer)}, telling {@code keys} each model's temporary key (system name,
     * key; registered as a secret) as soon as it is made. The key stops working when the test ends.
     */
    public static EndToEndReport run(StageContext ctx, Options options, Consumer<String> progress,
                                     java.util.function.BiConsumer<String, String> keys) {
        List<ModelProduct> models = chosen(DesiredCatalog.of(ctx), options.models());
        ThreescaleClient threescale = ThreescaleAccess.client(ctx);
        Map<String, Long> services = new LinkedHashMap<>();
        for (Service s : threescale.services().list()) {
            services.put(s.systemName(), s.id());
        }
        List<String> leftovers = new ArrayList<>();

        progress.accept("Removing what an earlier test left behind");
        Marker.sweepAccounts(threescale).forEach(r -> progress.accept("  removed " + r));

        SignInResult signIn = new SignInResult(Status.SKIPPED, List.of());
        if (options.signIn()) {
            signIn = signIn(ctx, threescale, progress, leftovers);
        }

        List<ModelResult> results = new ArrayList<>();
        if (!models.isEmpty()) {
            results = gateway(ctx, options, threescale, models, services, progress, leftovers, keys);
        }
        String unreachable = null;
        if (results.stream().anyMatch(m -> m.status() == Status.UNREACHABLE)) {
            unreachable = "This machine cannot reach the gateway's routes (" + String.join("; ", results.stream()
                    .flatMap(m -> m.checks().stream()).filter(c -> c.status() == Status.UNREACHABLE)
                    .map(Check::message).distinct().toList()) + "). The MaaS may well work: run these commands"
                    + " from a machine that reaches the cluster's routes, with KEY set to a key from the developer"
                    + " portal (each should answer HTTP 200 with the model list; a wrong key 403):";
        }
        return new EndToEndReport(signIn, results, unreachable, leftovers);
    }

    /**
     * The configured models, or the chosen ones by system name (each must be one of them: else invalid input naming
     * {@code --model}).
     */
    public static List<ModelProduct> chosenModels(List<ModelProduct> all, List<String> wanted) {
        return chosen(all, wanted);
    }

    /** The configured models, or the chosen ones (each must be one of them). */
    static List<ModelProduct> chosen(List<ModelProduct> all, List<String> wanted) {
        if (wanted.isEmpty()) {
            return all;
        }
        Map<String, ModelProduct> bySystemName = new LinkedHashMap<>();
        all.forEach(m -> bySystemName.put(m.systemName(), m));
        Set<String> seen = new LinkedHashSet<>();
        List<ModelProduct> out = new ArrayList<>();
        for (String w : wanted) {
            String sn = w.trim();
            ModelProduct m = bySystemName.get(sn);
            if (m == null) {
                throw StageException.invalidInput("--model: no model '" + sn + "' in the configuration; its models"
                        + " are " + String.join(", ", bySystemName.keySet()), Fix.manual("give the system name of"
                        + " a configured model (" + String.join(", ", bySystemName.keySet()) + ")"));
            }
            if (seen.add(sn)) {
                out.add(m);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------- sign-in

    private static SignInResult signIn(StageContext ctx, ThreescaleClient threescale, Consumer<String> progress,
                                       List<String> leftovers) {
        InstallerConfig.SsoConfig sso = ctx.config().sso();
        SignInCheck.Target target;
        try {
            KeycloakAdmin admin = KeycloakEndpoints.admin(ctx);
            Marker.sweepUsers(admin, sso.realm()).forEach(r -> progress.accept("  removed " + r));
            Account provider = threescale.tenant().provider();
            String portalHost = portalHost(ctx, provider);
            Optional<AuthenticationProvider> integration = threescale.tenant()
                    .findAuthenticationProvider(PortalStage.SSO_KIND);
            String callback = PortalStage.callback(portalHost, integration);
            String secret = ctx.secrets().register(new RealmConfigurator(admin, new RealmSpec(sso.realm(), null,
                    portalHost, sso.redirectPolicy(), null)).clientSecret());
            OkHttpClient http = EndpointTrust.forRun(ctx, admin.serverUrl()).okHttp(null).newBuilder()
                    .connectTimeout(Duration.ofSeconds(10)).readTimeout(Duration.ofSeconds(30)).build();
            target = new SignInCheck.Target(admin, sso.realm(), admin.realmUrl(sso.realm()), callback, secret, http);
        } catch (StageException | ThreescaleApiException e) {
            Fix fix = e instanceof StageException se ? se.fix() : null;
            return new SignInResult(Status.FAIL, List.of(Check.fail("sign-in setup", null, null,
                    "cannot prepare the sign-in: " + ctx.secrets().redact(String.valueOf(e.getMessage())),
                    fix == null ? "rerun `maas-installer apply --stage " + StageIds.SSO + "`" : describe(fix))));
        }
        progress.accept("Signing in through Red Hat SSO (realm " + sso.realm() + ", client " + RealmSpec.CLIENT_ID
                + ")");
        return new SignInCheck(target, ctx.secrets(), ctx.cancellation()).run(leftovers);
    }

    /** The developer portal host: the provider account's domain, else the host of endpoints.developerPortalUrl. */
    private static String portalHost(StageContext ctx, Account provider) {
        if (provider.domain() != null && !provider.domain().isBlank()) {
            return provider.domain();
        }
        String override = ctx.config().endpoints().developerPortalUrl();
        if (override != null && !override.isBlank() && URI.create(override.trim()).getHost() != null) {
            return URI.create(override.trim()).getHost();
        }
        throw new StageException("the 3scale provider account has no developer portal domain",
                Fix.configField("endpoints.developerPortalUrl", "give the developer portal URL"));
    }

    static String describe(Fix fix) {
        return switch (fix.kind()) {
            case STAGE -> "rerun `maas-installer apply --stage " + fix.target() + "`"
                    + (fix.hint() == null || fix.hint().isBlank() ? "" : " (" + fix.hint() + ")");
            case CONFIG -> "set " + fix.target() + " in the configuration: " + fix.hint();
            default -> fix.hint();
        };
    }

    // ------------------------------------------------------------------------------------------- gateway

    /** The plan of the test's key: the model's first tier that needs no approval, else its first tier. */
    static String keyPlan(StageContext ctx, List<InstallerConfig.TierConfig> tiers) {
        return tiers.stream().filter(t -> !t.approvalRequired()).findFirst().or(() -> tiers.stream().findFirst())
                .map(InstallerConfig.TierConfig::name).orElse(ctx.config().plans().name());
    }

    private static List<ModelResult> gateway(StageContext ctx, Options options, ThreescaleClient threescale,
                                             List<ModelProduct> models, Map<String, Long> services,
                                             Consumer<String> progress, List<String> leftovers,
                                             java.util.function.BiConsumer<String, String> keys) {
        String override = ctx.config().endpoints().apicastProductionUrl();
        override = override == null || override.isBlank() ? null : override.trim().replaceAll("/+$", "");
        OkHttpClient http = EndpointTrust.forRun(ctx, override).okHttp(null).newBuilder()
                .followRedirects(false).followSslRedirects(false)
                .connectTimeout(Duration.ofSeconds(10)).readTimeout(Duration.ofSeconds(60)).build();
        GatewayCheck check = new GatewayCheck(new GatewayCheck.Target(threescale, http, override,
                ctx.config().plans().name(), options.keyWait(), options.inference(), keys), ctx.secrets(),
                ctx.cancellation());

        String org = Marker.newName();
        progress.accept("Creating the temporary developer account " + org);
        Account account;
        try {
            account = threescale.tenant().signup(org, org, org + "@" + Marker.EMAIL_DOMAIN,
                    ctx.secrets().register(Marker.newPassword()));
        } catch (ThreescaleApiException e) {
            List<ModelResult> out = new ArrayList<>();
            for (ModelProduct m : models) {
                out.add(new ModelResult(m.modelName(), m.systemName(), null, Status.FAIL, List.of(Check.fail(
                        "developer account", e.status() == 0 ? null : e.status(), null, "cannot create a developer"
                                + " account: " + ctx.secrets().redact(e.getMessage()), "check the 3scale admin"
                                + " portal's account plans (a default account plan is needed), then run the test"
                                + " again")), null, null));
            }
            return out;
        }
        List<ModelResult> out = new ArrayList<>();
        try {
            for (ModelProduct m : models) {
                ctx.cancellation().throwIfCancelled();
                progress.accept("Calling " + m.modelName() + " (" + m.systemName() + ") through its gateway");
                List<InstallerConfig.TierConfig> tiers = ctx.config().plans().tiersOf(m.modelName(), m.systemName());
                out.add(check.run(m, services.get(m.systemName()), account.id(), keyPlan(ctx, tiers),
                        ctx.config().plans().tiers().isEmpty() ? List.of() : tiers));
            }
        } finally {
            try {
                threescale.tenant().deleteAccount(account.id());
                progress.accept("Removed the temporary developer account " + org + " and its applications");
            } catch (RuntimeException e) {
                LOG.warn("could not remove the temporary developer account {}: {}", org, e.getMessage());
                leftovers.add("developer account " + org + " (" + ctx.secrets().redact(String.valueOf(
                        e.getMessage())) + "): the next `maas-installer test` removes it, or delete it in the 3scale"
                        + " admin portal (Audience, Accounts)");
            }
        }
        return out;
    }
}
