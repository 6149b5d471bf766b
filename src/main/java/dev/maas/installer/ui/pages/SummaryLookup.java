package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.keycloak.KeycloakAdmin;
import dev.maas.installer.stages.common.ThreescaleAccess;
import dev.maas.installer.stages.sso.KeycloakEndpoints;
import dev.maas.installer.threescale.model.Account;
import dev.maas.installer.ui.model.SummaryViewModel;
import dev.maas.installer.ui.model.TierText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Function;

/**
 * The summary page's look-ups in the real wizard, through a stage context of the shell's factory (connected like a
 * run's) and the stages' own access code: the 3scale admin portal (as the 3scale page finds it), the developer
 * portal (the provider account's domain, else {@code endpoints.developerPortalUrl}), the Keycloak console (as the
 * SSO page finds it); the credentials from Secret system-seed and Keycloak's admin Secret. Never on the FX thread.
 */
public final class SummaryLookup {
    private static final Logger LOG = LoggerFactory.getLogger(SummaryLookup.class);

    private SummaryLookup() { }

    public static SummaryViewModel.Lookup engine(Function<Cancellation, StageContext> contexts) {
        ThreescalePageModel.Lookup threescale = ThreescalePage.engineLookup(contexts);
        SsoPageModel.Lookup sso = SsoPage.engineLookup(contexts);
        return new SummaryViewModel.Lookup() {
            @Override
            public SummaryViewModel.Links links(InstallerConfig config) {
                SsoPage.assertOffFx();
                String admin = quietly("3scale admin portal", () -> threescale.adminUrl(config));
                String portal = quietly("developer portal", () -> developerPortal(contexts, config));
                String console = quietly("Keycloak console", () -> sso.links(config).consoleUrl());
                return new SummaryViewModel.Links(admin, portal, console);
            }

            @Override
            public SummaryViewModel.Credentials credentials(InstallerConfig config) throws Exception {
                SsoPage.assertOffFx();
                ThreescalePageModel.Credentials t = threescale.credentials(config);
                try (StageContext ctx = contexts.apply(new Cancellation())) {
                    KeycloakAdmin.Credentials k = KeycloakEndpoints.resolve(ctx).credentials();
                    return new SummaryViewModel.Credentials(t.user(), t.password(), k.username(),
                            ctx.secrets().register(k.password()));
                }
            }

            @Override
            public java.util.List<String> tiers(InstallerConfig config) {
                SsoPage.assertOffFx();
                return SummaryLookup.tiers(contexts);
            }
        };
    }

    /** Each model's plans and limits, read back from 3scale by the engine, one line per model. */
    static java.util.List<String> tiers(Function<Cancellation, StageContext> contexts) {
        try (StageContext ctx = contexts.apply(new Cancellation())) {
            return dev.maas.installer.stages.plans.TiersInThreescale.read(ctx).stream().map(m -> m.modelName() + ": "
                    + (!m.product() ? "no product in 3scale yet" : m.plans().isEmpty() ? "no application plans"
                    : m.plans().stream().map(p -> p.name() + " (" + (p.published() ? "" : "not published; ")
                            + (p.approvalRequired() ? "approval required; " : "")
                            + TierText.limits(p.limits()) + ")").collect(java.util.stream.Collectors.joining("; "))))
                    .toList();
        }
    }

    static String developerPortal(Function<Cancellation, StageContext> contexts, InstallerConfig config) {
        String override = config.endpoints().developerPortalUrl();
        if (override != null && !override.isBlank()) {
            return override.trim();
        }
        try (StageContext ctx = contexts.apply(new Cancellation())) {
            Account provider = ThreescaleAccess.client(ctx).tenant().provider();
            return provider.domain() == null || provider.domain().isBlank() ? "" : "https://" + provider.domain();
        }
    }

    private interface Read {
        String read() throws Exception;
    }

    private static String quietly(String what, Read read) {
        try {
            String v = read.read();
            return v == null ? "" : v;
        } catch (Exception e) {
            LOG.info("the {} link is not known yet: {}", what, e.getMessage());
            return "";
        }
    }
}
