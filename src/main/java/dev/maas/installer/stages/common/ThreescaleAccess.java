package dev.maas.installer.stages.common;

import dev.maas.installer.cluster.Resources;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.WaitingForStageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.threescale.RetryPolicy;
import dev.maas.installer.threescale.ThreescaleClient;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.util.Map;
import java.util.Optional;

/**
 * Finds the 3scale tenant's Admin API from the live cluster, every time (so any stage can run alone): the admin URL
 * from the tenant's admin Route ({@code <tenant>-admin.<wildcard domain>}, the host the 3scale operator gives it)
 * or the config's {@code endpoints.threescaleAdminUrl} override, and the token {@code ADMIN_ACCESS_TOKEN} from
 * Secret {@code system-seed}. Tokens are registered as secrets. The client is created once per run and shared.
 */
public final class ThreescaleAccess {
    public static final String SEED_SECRET = "system-seed";
    public static final String ADMIN_TOKEN_KEY = "ADMIN_ACCESS_TOKEN";
    public static final String MASTER_TOKEN_KEY = "MASTER_ACCESS_TOKEN";
    public static final String APIMANAGER_NAME = "apimanager";

    static final ResourceDefinitionContext ROUTES = new ResourceDefinitionContext.Builder()
            .withGroup("route.openshift.io").withVersion("v1").withPlural("routes").withKind("Route")
            .withNamespaced(true).build();
    static final ResourceDefinitionContext APIMANAGERS = new ResourceDefinitionContext.Builder()
            .withGroup("apps.3scale.net").withVersion("v1alpha1").withPlural("apimanagers").withKind("APIManager")
            .withNamespaced(true).build();

    private ThreescaleAccess() { }

    /** The tenant Admin API client for this run, created on first use and shared by the stages of the run. */
    public static ThreescaleClient client(StageContext ctx) {
        if (!ctx.has(ThreescaleClient.class)) {
            ctx.provide(ThreescaleClient.class, () -> {
                String url = adminUrl(ctx);
                String token = adminToken(ctx);
                ThreescaleClient.Builder b = ThreescaleClient.builder(url, token).secrets(ctx.secrets()).cancellation(ctx.cancellation())
                        .okHttp(EndpointTrust.forRun(ctx, url).okHttp(null));
                if (ctx.has(RetryPolicy.class)) {
                    b.retry(ctx.service(RetryPolicy.class)); // a run may give its own (tests: short waits)
                }
                return b.build();
            });
        }
        return ctx.service(ThreescaleClient.class);
    }

    /**
     * For a plan: the tenant Admin API client, or empty when 3scale is not applied yet; then the plan is made as if
     * it were, against a new, empty tenant, and says so ({@link StageContext#assume}).
     */
    public static Optional<ThreescaleClient> clientForPlan(StageContext ctx) {
        try {
            return Optional.of(client(ctx));
        } catch (WaitingForStageException e) {
            ctx.assume(ASSUMES_TENANT);
            return Optional.empty();
        }
    }

    /** What a plan made without the tenant takes for granted. */
    public static final String ASSUMES_TENANT = "assumes stage threescale is applied: planned for a new, empty tenant";

    /**
     * A 3scale failure as the stage's error: when it is transient (no answer, 429, 5xx, after the client's bounded
     * retries), a retryable error that names the Admin API and says to check 3scale and rerun the stage; otherwise
     * the same, for the user to act on the message. Nothing is half made either way: every write is looked up before
     * it is sent again, so a rerun continues where this one stopped.
     */
    public static StageException failure(dev.maas.installer.threescale.ThreescaleApiException e, String stageId) {
        String hint = e.transientFailure()
                ? "check that 3scale's system-app pods are running and ready (`oc get pods` in the 3scale namespace)"
                + " and that the admin route answers, then rerun `maas-installer apply --stage " + stageId + "`"
                : "fix what the message names, then rerun `maas-installer apply --stage " + stageId + "`";
        String msg = e.getMessage();
        if (e.transientFailure()) {
            msg = msg + " (the 3scale Admin API kept failing after the retries; nothing was left half made)";
        }
        // no answer at all: the endpoint (or the override the user set) is the likely cause; 401/403: the token
        Fix own = e.status() == 0 || e.status() == 401 || (e.status() == 403 && !e.refusedDelete()) ? e.fix() : null;
        return new StageException(msg, own != null ? own : Fix.rerunStage(stageId, hint), false, e);
    }

    /** The tenant admin URL: the override, else {@code https://} + the host of the tenant's admin Route. */
    public static String adminUrl(StageContext ctx) {
        InstallerConfig c = ctx.config();
        String override = c.endpoints().threescaleAdminUrl();
        if (override != null && !override.isBlank()) {
            return override;
        }
        String host = c.threescale().tenantName() + "-admin.";
        return routeHost(ctx, host).map(h -> "https://" + h).orElseThrow(() -> new WaitingForStageException(
                StageIds.THREESCALE,
                "no Route for the 3scale tenant admin portal (" + host + "<wildcard domain>) in namespace "
                        + c.threescale().namespace(),
                Fix.rerunStage(StageIds.THREESCALE, "install 3scale first, or set endpoints.threescaleAdminUrl")));
    }

    /** The tenant's admin access token from Secret system-seed, registered as a secret. */
    public static String adminToken(StageContext ctx) {
        return seedValue(ctx, ADMIN_TOKEN_KEY);
    }

    /** The master access token from Secret system-seed, registered as a secret. */
    public static String masterToken(StageContext ctx) {
        return seedValue(ctx, MASTER_TOKEN_KEY);
    }

    /** The host of the first Route in the 3scale namespace whose host starts with {@code prefix}. */
    public static Optional<String> routeHost(StageContext ctx, String prefix) {
        KubernetesClient k = ctx.service(KubernetesClient.class);
        String ns = ctx.config().threescale().namespace();
        GenericKubernetesResourceList routes = k.genericKubernetesResources(ROUTES).inNamespace(ns).list();
        if (routes == null || routes.getItems() == null) {
            return Optional.empty();
        }
        return routes.getItems().stream()
                .map(ThreescaleAccess::host)
                .filter(h -> h != null && h.startsWith(prefix))
                .sorted()
                .findFirst();
    }

    @SuppressWarnings("unchecked")
    private static String host(GenericKubernetesResource route) {
        Object spec = route.getAdditionalProperties().get("spec");
        if (spec instanceof Map<?, ?> m && m.get("host") instanceof String h) {
            return h;
        }
        return null;
    }

    private static String seedValue(StageContext ctx, String key) {
        String ns = ctx.config().threescale().namespace();
        Resources resources = new Resources(ctx.service(KubernetesClient.class));
        Map<String, String> data = resources.readSecret(ns, SEED_SECRET).orElseThrow(() ->
                new WaitingForStageException(StageIds.THREESCALE, "Secret " + SEED_SECRET
                        + " not found in namespace " + ns, Fix.rerunStage(StageIds.THREESCALE, "install 3scale first; the operator creates this Secret")));
        String value = data.get(key);
        if (value == null || value.isBlank()) {
            throw new StageException("Secret " + SEED_SECRET + " in namespace " + ns + " has no " + key,
                    Fix.rerunStage(StageIds.THREESCALE, "check the APIManager; the operator fills this key"));
        }
        return ctx.secrets().register(value);
    }
}
