package dev.maas.installer.stages.sso;

import dev.maas.installer.cluster.ClusterErrors;
import dev.maas.installer.cluster.Resources;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.WaitingForStageException;
import dev.maas.installer.keycloak.KeycloakAdmin;
import dev.maas.installer.keycloak.KeycloakRetry;
import dev.maas.installer.stages.common.ClusterFacts;
import dev.maas.installer.stages.common.EndpointTrust;
import dev.maas.installer.stages.sso.KeycloakCrs.LegacyKeycloak;
import dev.maas.installer.stages.sso.KeycloakCrs.MapResource;
import dev.maas.installer.stages.sso.KeycloakCrs.RhbkKeycloak;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.openshift.api.model.Route;
import jakarta.ws.rs.client.ClientRequestFilter;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one place that says where the installer's Keycloak is and how to sign in to it as the master-realm admin, read
 * from the live cluster every time (so any stage, page or command can run alone). The sso stage, the portal stage,
 * the end-to-end test and the wizard's pages all go through it, so they never reach different Keycloaks.
 *
 * <p>Which Keycloak: the Keycloak custom resource in {@code sso.namespace} says the flavour (RH-SSO's
 * {@code keycloak.org/v1alpha1} {@value SsoStage#RHSSO_NAME}, else the Red Hat build of Keycloak's
 * {@code k8s.keycloak.org/v2alpha1} {@value SsoStage#RHBK_NAME}); without either, the operator's credential Secret
 * does.
 *
 * <p>Where this machine connects: the config's {@code endpoints.keycloakUrl} when set; else for RH-SSO the CR's
 * {@code status.externalURL}, else its Route {@value SsoStage#RHSSO_ROUTE} ({@code https} when the Route has TLS,
 * {@code http} when not; the RH-SSO operator, {@code pkg/model/keycloak_route.go}, makes a reencrypt Route); for the
 * Red Hat build of Keycloak {@code https://} + the hostname the sso stage gives it ({@link #rhbkHostname}). The URL
 * the cluster knows it by (the realm URL given to 3scale): for RH-SSO the Route, else the status; for the Red Hat
 * build of Keycloak the hostname.
 *
 * <p>Who: for RH-SSO the Secret named by the CR's {@code status.credentialSecret}, else {@code credential-rh-sso}
 * (keys {@code ADMIN_USERNAME}/{@code ADMIN_PASSWORD}); for the Red Hat build of Keycloak Secret
 * {@code keycloak-initial-admin} (keys {@code username}/{@code password}, keycloak-operator
 * {@code KeycloakAdminSecretDependentResource}). The password is registered as a secret before it goes anywhere.
 */
public final class KeycloakEndpoints {
    public static final String RHSSO_SECRET = "credential-" + SsoStage.RHSSO_NAME;
    public static final String RHBK_SECRET = SsoStage.RHBK_NAME + "-initial-admin";

    /**
     * Where Keycloak is and how to sign in to it.
     *
     * @param url         the URL this machine connects to (the override, else {@code publicUrl})
     * @param publicUrl   the URL the cluster's users and pods know it by (the CR status or Route for RH-SSO, the
     *                    hostname for the Red Hat build of Keycloak, else {@code url}); the realm URL given to 3scale
     * @param flavour     which operator runs it
     * @param credentials the master-realm admin (the password registered as a secret)
     */
    public record KeycloakEndpoint(String url, String publicUrl, SsoFlavour flavour,
                                   KeycloakAdmin.Credentials credentials) {
        /** RH-SSO 7.x (base path {@code /auth}, v1alpha1 resources). */
        public boolean legacy() { return flavour == SsoFlavour.RHSSO; }

        @Override
        public String toString() { return "Keycloak " + url + " (" + credentials + ")"; }
    }

    private KeycloakEndpoints() { }

    /** The installer's Keycloak as the cluster shows it now; waits for the sso stage when there is none. */
    public static KeycloakEndpoint resolve(StageContext ctx) {
        KubernetesClient client = ctx.service(KubernetesClient.class);
        String ns = ctx.config().sso().namespace();
        MapResource legacy = live(client, LegacyKeycloak.class, ns, SsoStage.RHSSO_NAME);
        MapResource rhbk = legacy != null ? null : live(client, RhbkKeycloak.class, ns, SsoStage.RHBK_NAME);
        SsoFlavour flavour;
        MapResource cr;
        if (legacy != null || rhbk != null) {
            flavour = legacy != null ? SsoFlavour.RHSSO : SsoFlavour.RHBK;
            cr = legacy != null ? legacy : rhbk;
        } else {
            Resources resources = new Resources(client);
            if (resources.readSecret(ns, RHSSO_SECRET).isPresent()) {
                flavour = SsoFlavour.RHSSO;
            } else if (resources.readSecret(ns, RHBK_SECRET).isPresent()) {
                flavour = SsoFlavour.RHBK;
            } else {
                throw new WaitingForStageException(StageIds.SSO, "there is no Keycloak in namespace " + ns
                        + " (no Keycloak resource, neither Secret " + RHSSO_SECRET + " nor Secret " + RHBK_SECRET
                        + ")", Fix.rerunStage(StageIds.SSO, "install Keycloak with the sso stage first"));
            }
            cr = null;
        }
        String url = url(ctx, client, flavour, ns, cr);
        KeycloakAdmin.Credentials credentials = credentials(ctx, client, flavour, ns, cr)
                .orElseThrow(() -> new WaitingForStageException(StageIds.SSO, "Secret " + ns + "/"
                        + credentialSecret(flavour, cr) + " with the Keycloak admin credentials does not exist yet",
                        Fix.rerunStage(StageIds.SSO, "apply the sso stage; the Keycloak operator creates it")));
        return new KeycloakEndpoint(url, publicUrl(client, flavour, ns, cr).orElse(url), flavour, credentials);
    }

    /** The admin client for this run, connected on first use (through {@link #resolve}) and closed with the run. */
    public static KeycloakAdmin admin(StageContext ctx) {
        if (!ctx.has(KeycloakAdmin.class)) {
            ctx.provide(KeycloakAdmin.class, () -> connect(ctx, resolve(ctx), List.of()));
        }
        return ctx.service(KeycloakAdmin.class);
    }

    /**
     * A new admin client for Keycloak at {@code url}, with the run's TLS trust ({@link EndpointTrust}, the same CAs as
     * the cluster connection) and retry policy (the run's {@link KeycloakRetry} when it provides one, else the
     * defaults), the run's cancellation (a Cancel ends a wait between attempts at once) and these request filters
     * (tests count requests with one).
     */
    public static KeycloakAdmin connect(StageContext ctx, KeycloakEndpoint endpoint, List<ClientRequestFilter> filters) {
        KeycloakRetry retry = ctx.has(KeycloakRetry.class) ? ctx.service(KeycloakRetry.class) : null;
        KeycloakAdmin.Options options = new KeycloakAdmin.Options(EndpointTrust.forRun(ctx, endpoint.url())
                .sslContext(), filters, retry, ctx.cancellation());
        return KeycloakAdmin.connect(endpoint.url(), endpoint.credentials(), options);
    }

    /**
     * The host the sso stage gives a Red Hat build of Keycloak ({@code spec.hostname.hostname}), under the apps
     * domain.
     */
    public static String rhbkHostname(String namespace, String appsDomain) {
        return "keycloak-" + namespace + "." + appsDomain;
    }

    // ------------------------------------------------------------------ for the sso stage (flavour known)

    /** Whether the config sets {@code endpoints.keycloakUrl}. */
    static boolean hasOverride(StageContext ctx) {
        return override(ctx) != null;
    }

    /** The URL this machine connects to, for that flavour and live CR (null when it does not exist yet). */
    static String url(StageContext ctx, KubernetesClient client, SsoFlavour flavour, String ns, MapResource cr) {
        String override = override(ctx);
        if (override != null) {
            return override;
        }
        if (flavour == SsoFlavour.RHBK) {
            return rhbkUrl(client, ns).orElseThrow(() -> noUrl(flavour, ns));
        }
        return externalUrl(cr).or(() -> routeUrl(client, ns)).orElseThrow(() -> noUrl(flavour, ns));
    }

    /**
     * The admin credentials from the operator's Secret, the password registered as a secret; empty when the Secret
     * does not exist (yet).
     */
    static Optional<KeycloakAdmin.Credentials> credentials(StageContext ctx, KubernetesClient client,
                                                           SsoFlavour flavour, String ns, MapResource cr) {
        String secret = credentialSecret(flavour, cr);
        String userKey = flavour == SsoFlavour.RHSSO ? "ADMIN_USERNAME" : "username";
        String passwordKey = flavour == SsoFlavour.RHSSO ? "ADMIN_PASSWORD" : "password";
        String source = "Secret " + ns + "/" + secret;
        Optional<Map<String, String>> data = new Resources(client).readSecret(ns, secret);
        if (data.isEmpty()) {
            return Optional.empty();
        }
        String user = data.get().get(userKey);
        String password = data.get().get(passwordKey);
        if (user == null || user.isBlank() || password == null || password.isEmpty()) {
            throw new StageException(source + " lacks " + (user == null || user.isBlank() ? userKey : passwordKey),
                    Fix.manual("check the Secret (keys " + userKey + " and " + passwordKey + "); delete it to let the"
                            + " operator recreate it only if Keycloak still has that password"));
        }
        ctx.secrets().register(password);
        return Optional.of(new KeycloakAdmin.Credentials(user, password, source));
    }

    /** The Secret with the admin credentials: for RH-SSO as the CR's status names it. */
    static String credentialSecret(SsoFlavour flavour, MapResource cr) {
        if (flavour == SsoFlavour.RHSSO) {
            return cr != null && cr.statusValue("credentialSecret") instanceof String s && !s.isBlank()
                    ? s : RHSSO_SECRET;
        }
        return RHBK_SECRET;
    }

    // ------------------------------------------------------------------ reading the cluster

    private static String override(StageContext ctx) {
        String url = ctx.config().endpoints().keycloakUrl();
        return url == null || url.isBlank() ? null : url.trim();
    }

    /**
     * The URL the cluster's users and pods know Keycloak by: for RH-SSO its Route, else the CR's status (the RH-SSO
     * operator makes {@code externalURL} from the Route's host, so the two agree on a cluster); for the Red Hat build
     * of Keycloak its hostname.
     */
    private static Optional<String> publicUrl(KubernetesClient client, SsoFlavour flavour, String ns, MapResource cr) {
        if (flavour == SsoFlavour.RHBK) {
            return rhbkUrl(client, ns);
        }
        return routeUrl(client, ns).or(() -> externalUrl(cr));
    }

    private static Optional<String> rhbkUrl(KubernetesClient client, String ns) {
        return ClusterFacts.appsDomain(client).map(d -> "https://" + rhbkHostname(ns, d));
    }

    private static Optional<String> externalUrl(MapResource cr) {
        return cr != null && cr.statusValue("externalURL") instanceof String url && !url.isBlank()
                ? Optional.of(url) : Optional.empty();
    }

    /** Route {@value SsoStage#RHSSO_ROUTE}: {@code https} when it has TLS, {@code http} when not. */
    private static Optional<String> routeUrl(KubernetesClient client, String ns) {
        Route route;
        try {
            route = client.resources(Route.class).inNamespace(ns).withName(SsoStage.RHSSO_ROUTE).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return Optional.empty(); // no Route API: not OpenShift; the override is the way
            }
            throw ClusterErrors.translate(e, "reading Route " + ns + "/" + SsoStage.RHSSO_ROUTE);
        }
        if (route != null && route.getSpec() != null && route.getSpec().getHost() != null
                && !route.getSpec().getHost().isBlank()) {
            return Optional.of((route.getSpec().getTls() == null ? "http://" : "https://") + route.getSpec().getHost());
        }
        return Optional.empty();
    }

    private static StageException noUrl(SsoFlavour flavour, String ns) {
        if (flavour == SsoFlavour.RHBK) {
            return new StageException("no URL for Keycloak: " + ClusterFacts.NO_APPS_DOMAIN,
                    Fix.configField("endpoints.keycloakUrl", "give the Keycloak URL this machine can reach"));
        }
        return new StageException("no URL for Keycloak: Keycloak (keycloak.org/v1alpha1) " + ns + "/"
                + SsoStage.RHSSO_NAME + " has no status.externalURL and there is no Route " + ns + "/"
                + SsoStage.RHSSO_ROUTE, Fix.configField("endpoints.keycloakUrl", "give the Keycloak URL this machine"
                + " can reach, or check that spec.externalAccess.enabled is true"));
    }

    private static MapResource live(KubernetesClient client, Class<? extends MapResource> type, String ns,
                                    String name) {
        try {
            return client.resources(type).inNamespace(ns).withName(name).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return null; // the CRD is not installed
            }
            throw ClusterErrors.translate(e, "reading Keycloak " + ns + "/" + name);
        }
    }
}
