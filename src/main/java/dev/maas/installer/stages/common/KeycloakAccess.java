package dev.maas.installer.stages.common;

import dev.maas.installer.cluster.Resources;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.WaitingForStageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.keycloak.KeycloakAdmin;
import dev.maas.installer.keycloak.KeycloakRetry;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import jakarta.ws.rs.client.ClientRequestFilter;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the Keycloak (RH-SSO) the MaaS realm lives in, from the live cluster, every time (so a stage can run alone):
 * the URL from the config's {@code endpoints.keycloakUrl} override, else {@code https://} + the host of Route
 * {@code keycloak} in {@code sso.namespace} (the RH-SSO operator's route); the master admin from Secret
 * {@code credential-rh-sso} (keys {@code ADMIN_USERNAME}/{@code ADMIN_PASSWORD}, RH-SSO operator), else Secret
 * {@code keycloak-initial-admin} (keys {@code username}/{@code password}, Red Hat build of Keycloak operator).
 * The password is registered as a secret. To be reconciled with the sso stage's own lookup.
 */
public final class KeycloakAccess {
    public static final String RHSSO_SECRET = "credential-rh-sso";
    public static final String RHBK_SECRET = "keycloak-initial-admin";
    public static final String ROUTE = "keycloak";

    static final ResourceDefinitionContext ROUTES = new ResourceDefinitionContext.Builder()
            .withGroup("route.openshift.io").withVersion("v1").withPlural("routes").withKind("Route")
            .withNamespaced(true).build();

    /**
     * Where Keycloak is and how to sign in to it.
     *
     * @param url       the URL this machine connects to (the override, else the Route)
     * @param publicUrl the URL the cluster's users and pods know it by (the Route when there is one, else {@code url});
     *                  used for the realm URL given to 3scale
     */
    public record Target(String url, String publicUrl, KeycloakAdmin.Credentials credentials) {
        @Override
        public String toString() { return "Keycloak " + url + " (" + credentials + ")"; }
    }

    /** Extra JAX-RS request filters for the admin client, when a run provides them (tests count requests). */
    public record ClientFilters(List<ClientRequestFilter> filters) {
        public ClientFilters {
            filters = List.copyOf(filters);
        }
    }

    private KeycloakAccess() { }

    /** URL and admin credentials, read from the config override and the cluster. */
    public static Target target(StageContext ctx) {
        InstallerConfig c = ctx.config();
        String ns = c.sso().namespace();
        String override = c.endpoints().keycloakUrl();
        Optional<String> route = routeHost(ctx, ns).map(h -> "https://" + h);
        String url;
        if (route.isEmpty()) {
            route = rhbkUrl(ctx, ns);
        }
        if (override != null && !override.isBlank()) {
            url = override.trim();
        } else {
            url = route.orElseThrow(() -> new WaitingForStageException(StageIds.SSO, "no Route '" + ROUTE
                    + "' for Keycloak in namespace " + ns, Fix.rerunStage(StageIds.SSO, "install RH-SSO first, or set endpoints.keycloakUrl")));
        }
        return new Target(url, route.orElse(url), credentials(ctx, ns));
    }

    /** The admin client for this run, created on first use (through {@link #target}) and closed with the context. */
    public static KeycloakAdmin admin(StageContext ctx) {
        if (!ctx.has(KeycloakAdmin.class)) {
            ctx.provide(KeycloakAdmin.class, () -> {
                Target t = target(ctx);
                List<ClientRequestFilter> filters = ctx.has(ClientFilters.class)
                        ? ctx.service(ClientFilters.class).filters() : List.of();
                return KeycloakAdmin.connect(t.url(), t.credentials(), options(ctx, t.url(), filters));
            });
        }
        return ctx.service(KeycloakAdmin.class);
    }

    /**
     * How to connect to Keycloak at {@code url} in this run: the run's TLS trust ({@link EndpointTrust}, the same
     * CAs as the cluster connection), these request filters, and the retry policy the run provides (tests: short
     * waits), else {@link KeycloakRetry#defaults()}.
     */
    public static KeycloakAdmin.Options options(StageContext ctx, String url, List<ClientRequestFilter> filters) {
        KeycloakRetry retry = ctx.has(KeycloakRetry.class) ? ctx.service(KeycloakRetry.class) : null;
        return new KeycloakAdmin.Options(EndpointTrust.forRun(ctx, url).sslContext(), filters, retry);
    }

    /**
     * The host the sso stage gives a Red Hat build of Keycloak ({@code spec.hostname.hostname}); the sso stage and
     * this lookup share it so that they never disagree.
     */
    public static String rhbkHostname(String namespace, String appsDomain) {
        return "keycloak-" + namespace + "." + appsDomain;
    }

    /** For the Red Hat build of Keycloak (no Route 'keycloak'; its Secret is there): its hostname under the apps domain. */
    private static Optional<String> rhbkUrl(StageContext ctx, String ns) {
        if (!ctx.has(KubernetesClient.class)) {
            return Optional.empty();
        }
        KubernetesClient k = ctx.service(KubernetesClient.class);
        try {
            if (k.secrets().inNamespace(ns).withName(RHBK_SECRET).get() == null) {
                return Optional.empty();
            }
        } catch (KubernetesClientException e) {
            return Optional.empty();
        }
        return ClusterFacts.appsDomain(k).map(d -> "https://" + rhbkHostname(ns, d));
    }

    private static KeycloakAdmin.Credentials credentials(StageContext ctx, String ns) {
        Resources resources = new Resources(ctx.service(KubernetesClient.class));
        Optional<Map<String, String>> rhsso = resources.readSecret(ns, RHSSO_SECRET);
        if (rhsso.isPresent()) {
            return credentialsFrom(ctx, rhsso.get(), "ADMIN_USERNAME", "ADMIN_PASSWORD", ns, RHSSO_SECRET);
        }
        Optional<Map<String, String>> rhbk = resources.readSecret(ns, RHBK_SECRET);
        if (rhbk.isPresent()) {
            return credentialsFrom(ctx, rhbk.get(), "username", "password", ns, RHBK_SECRET);
        }
        throw new WaitingForStageException(StageIds.SSO, "neither Secret " + RHSSO_SECRET + " nor Secret "
                + RHBK_SECRET + " is in namespace " + ns + ", so the Keycloak admin cannot sign in",
                Fix.rerunStage(StageIds.SSO, "install RH-SSO first; its operator creates Secret " + RHSSO_SECRET));
    }

    private static KeycloakAdmin.Credentials credentialsFrom(StageContext ctx, Map<String, String> data,
                                                            String userKey, String passwordKey, String ns,
                                                            String secret) {
        String user = data.get(userKey);
        String password = data.get(passwordKey);
        if (user == null || user.isBlank() || password == null || password.isEmpty()) {
            throw new StageException("Secret " + secret + " in namespace " + ns + " has no " + userKey + "/"
                    + passwordKey, Fix.rerunStage(StageIds.SSO, "check the Keycloak; its operator fills these keys"));
        }
        ctx.secrets().register(password);
        return new KeycloakAdmin.Credentials(user, password, "Secret " + secret);
    }

    private static Optional<String> routeHost(StageContext ctx, String ns) {
        if (!ctx.has(KubernetesClient.class)) {
            return Optional.empty();
        }
        GenericKubernetesResource r;
        try {
            r = ctx.service(KubernetesClient.class).genericKubernetesResources(ROUTES).inNamespace(ns).withName(ROUTE)
                    .get();
        } catch (KubernetesClientException e) {
            // not on OpenShift, or not allowed to read Routes: the override (if any) is used; else "no Route" below
            return Optional.empty();
        }
        if (r != null && r.getAdditionalProperties().get("spec") instanceof Map<?, ?> spec
                && spec.get("host") instanceof String h && !h.isBlank()) {
            return Optional.of(h);
        }
        return Optional.empty();
    }
}
