package dev.maas.installer.stages.sso;

import dev.maas.installer.cluster.ClusterErrors;
import dev.maas.installer.cluster.OperatorInstaller;
import dev.maas.installer.cluster.OperatorSpec;
import dev.maas.installer.cluster.Resources;
import dev.maas.installer.cluster.Waits;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.engine.reconcile.Guard;
import dev.maas.installer.engine.reconcile.Managed;
import dev.maas.installer.engine.reconcile.Observed;
import dev.maas.installer.engine.reconcile.Reconciler;
import dev.maas.installer.engine.reconcile.Steps;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.keycloak.KeycloakAdmin;
import dev.maas.installer.stages.common.ClusterObject;
import dev.maas.installer.stages.common.OperatorObjects;
import dev.maas.installer.stages.common.StageGuards;
import dev.maas.installer.stages.common.ClusterFacts;
import dev.maas.installer.stages.common.OperatorSubscriptions;
import dev.maas.installer.keycloak.RealmConfigurator;
import dev.maas.installer.keycloak.RealmSpec;
import dev.maas.installer.stages.sso.KeycloakCrs.LegacyKeycloak;
import dev.maas.installer.stages.sso.KeycloakCrs.LegacyKeycloakRealm;
import dev.maas.installer.stages.sso.KeycloakCrs.MapResource;
import dev.maas.installer.stages.sso.KeycloakCrs.RhbkKeycloak;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.ClusterServiceVersion;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.Subscription;
import jakarta.ws.rs.client.ClientRequestFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import static dev.maas.installer.stages.sso.KeycloakCrs.map;

/**
 * The {@code sso} stage: installs the SSO operator (RH-SSO or the Red Hat build of Keycloak, see {@link SsoFlavour})
 * through OLM, for the Red Hat build of Keycloak makes its database ({@link KeycloakDatabase}: without one the realm
 * would live in the pod), creates the Keycloak (and for RH-SSO the KeycloakRealm) custom resource, waits until
 * Keycloak is ready, reads the admin credentials from the operator's Secret and configures the realm through the admin
 * API ({@link RealmConfigurator}: realm, client {@code 3scale}, mappers, identity provider).
 *
 * <p>Everything it needs is read back from the cluster and Keycloak on each call, so the stage runs alone in a new
 * process. The cluster objects (the operator's namespace, OperatorGroup and Subscription, the RHBK database, the
 * Keycloak and KeycloakRealm resources) are {@link Managed} objects whose plan, apply and verify the {@link Reconciler}
 * derives; they are compared field by field on the fields the stage sets, so a second apply writes nothing. So are
 * the realm's objects in Keycloak (realm, client, protocol mappers, identity provider: {@link RealmConfigurator}),
 * found by their natural keys.
 *
 * <p>Timeouts: the operator install (InstallPlan + CSV) {@value #DEFAULT_OPERATOR_TIMEOUT_SECONDS} s, Keycloak (and
 * the RH-SSO realm CR) ready {@value #DEFAULT_READY_TIMEOUT_SECONDS} s; overridable by the system properties
 * {@value #OPERATOR_TIMEOUT_PROPERTY} and {@value #READY_TIMEOUT_PROPERTY} (seconds). A watchdog stops the wait
 * early: when the operator has not given the Keycloak resource a status {@value #DEFAULT_OPERATOR_GRACE_SECONDS} s
 * ({@value #OPERATOR_GRACE_PROPERTY}) after it was made, the stage fails with the cause (the operator's deployment
 * not available, or running but not acting on it). In the local sandbox without Keycloak the stage stops at once
 * ({@link #notAvailableHere}).
 */
public final class SsoStage implements Stage {
    /** Plans, applies and verifies the stage's objects; a failure to read is the one check it was reading for. */
    private static final Reconciler RECONCILER = StageGuards.reconciler(StageIds.SSO);
    private static final Guard GUARD = RECONCILER.guard();
    private static final Logger LOG = LoggerFactory.getLogger(SsoStage.class);

    public static final String OPERATOR_TIMEOUT_PROPERTY = "maas.sso.operatorTimeoutSeconds";
    public static final String READY_TIMEOUT_PROPERTY = "maas.sso.readyTimeoutSeconds";
    /** How long the operator may take to act on the Keycloak resource (give it a status) before the stage stops. */
    public static final String OPERATOR_GRACE_PROPERTY = "maas.sso.operatorGraceSeconds";
    static final long DEFAULT_OPERATOR_TIMEOUT_SECONDS = 600;
    static final long DEFAULT_READY_TIMEOUT_SECONDS = 900;
    static final long DEFAULT_OPERATOR_GRACE_SECONDS = 180;

    /** RH-SSO: the Keycloak CR's name and its {@code app} label (the realm CR selects it by that label). */
    public static final String RHSSO_NAME = "rh-sso";
    /** Red Hat build of Keycloak: the Keycloak CR's name. */
    public static final String RHBK_NAME = "keycloak";
    public static final String APP_LABEL = "app";
    /** RH-SSO's operator makes this Route when external access is enabled. */
    public static final String RHSSO_ROUTE = "keycloak";

    private final Duration operatorTimeout;
    private final Duration readyTimeout;
    private final Duration operatorGrace;
    private final Function<String, String> env;
    private final List<ClientRequestFilter> adminFilters;

    public SsoStage() {
        this(seconds(OPERATOR_TIMEOUT_PROPERTY, DEFAULT_OPERATOR_TIMEOUT_SECONDS),
                seconds(READY_TIMEOUT_PROPERTY, DEFAULT_READY_TIMEOUT_SECONDS),
                seconds(OPERATOR_GRACE_PROPERTY, DEFAULT_OPERATOR_GRACE_SECONDS), System::getenv, List.of());
    }

    /**
     * For tests: explicit timeouts, the environment (IdP client secret variable) and request filters for the
     * Keycloak admin client (to count requests).
     */
    SsoStage(Duration operatorTimeout, Duration readyTimeout, Function<String, String> env,
             List<ClientRequestFilter> adminFilters) {
        this(operatorTimeout, readyTimeout, Duration.ofSeconds(DEFAULT_OPERATOR_GRACE_SECONDS), env, adminFilters);
    }

    /** For tests: also the watchdog's grace period (how long the operator may take to act on the resource). */
    SsoStage(Duration operatorTimeout, Duration readyTimeout, Duration operatorGrace, Function<String, String> env,
             List<ClientRequestFilter> adminFilters) {
        this.operatorTimeout = Objects.requireNonNull(operatorTimeout, "operatorTimeout");
        this.readyTimeout = Objects.requireNonNull(readyTimeout, "readyTimeout");
        this.operatorGrace = Objects.requireNonNull(operatorGrace, "operatorGrace");
        this.env = Objects.requireNonNull(env, "env");
        this.adminFilters = List.copyOf(adminFilters);
    }

    @Override public String id() { return StageIds.SSO; }

    @Override public String title() { return "Red Hat SSO (Keycloak)"; }

    @Override public List<String> dependencies() { return List.of(StageIds.PREFLIGHT); }

    Duration readyTimeout() { return readyTimeout; }

    Duration operatorTimeout() { return operatorTimeout; }

    // ------------------------------------------------------------------ what to install, where

    /** What this run installs, resolved from the config and the cluster (catalog, apps domain). */
    record Target(SsoFlavour flavour, OperatorSpec operator, String namespace, String appsDomain, String portalHost,
                  RealmSpec realm, KeycloakDatabase database) {
        String crName() { return flavour == SsoFlavour.RHSSO ? RHSSO_NAME : RHBK_NAME; }

        String hostname() {
            return KeycloakEndpoints.rhbkHostname(namespace, appsDomain);
        }

        String realmCrName() {
            String n = realm.realm() == null ? "" : realm.realm().toLowerCase(Locale.ROOT)
                    .replaceAll("[^a-z0-9.-]", "-").replaceAll("^[^a-z0-9]+|[^a-z0-9]+$", "");
            return n.isEmpty() ? "realm" : n;
        }

        String crDisplay() {
            return (flavour == SsoFlavour.RHSSO ? "Keycloak (keycloak.org/v1alpha1) " : "Keycloak (k8s.keycloak.org/v2alpha1) ")
                    + namespace + "/" + crName();
        }

    }

    Target target(StageContext ctx) {
        KubernetesClient client = ctx.service(KubernetesClient.class);
        InstallerConfig cfg = ctx.config();
        String ns = cfg.sso().namespace();
        SsoFlavour.Choice choice = SsoFlavour.choose(client, cfg.sso().flavour(),
                OperatorSubscriptions.catalogSource(cfg));
        SsoFlavour flavour = choice.chosen().orElseThrow(() -> noOperator(choice));
        OperatorSpec operator = OperatorSubscriptions.spec(cfg, flavour.packageName(), choice.channel(), ns)
                .withTimeout(operatorTimeout);
        String domain = ClusterFacts.requireAppsDomain(client);
        String portalHost = RealmSpec.portalHost(cfg.threescale().tenantName(), domain);
        RealmSpec realm = RealmSpec.from(cfg.sso(), portalHost, env);
        realm.validate();
        return new Target(flavour, operator, ns, domain, portalHost, realm,
                new KeycloakDatabase(cfg.sso().database(), ns));
    }

    private static StageException noOperator(SsoFlavour.Choice choice) {
        String flavour = choice.configured();
        if (!flavour.equals("auto") && !flavour.equals("rhsso") && !flavour.equals("rhbk")) {
            return StageException.invalidInput("sso.flavour '" + flavour + "' is unknown",
                    Fix.configField("sso.flavour", "use auto, rhsso or rhbk"));
        }
        if (flavour.equals("rhsso") && choice.rhsso().isPresent()) {
            return StageException.invalidInput(SsoFlavour.RHSSO_PACKAGE + " has no channel '"
                            + SsoFlavour.RHSSO_CHANNEL + "'; the catalog offers: " + choice.rhsso().get().channelsText(),
                    Fix.configField("sso.flavour", "choose rhbk (Red Hat build of Keycloak) or auto"));
        }
        String wanted = switch (flavour) {
            case "rhsso" -> SsoFlavour.RHSSO_PACKAGE;
            case "rhbk" -> SsoFlavour.RHBK_PACKAGE;
            default -> SsoFlavour.RHSSO_PACKAGE + " (channel " + SsoFlavour.RHSSO_CHANNEL + ") or "
                    + SsoFlavour.RHBK_PACKAGE;
        };
        return new StageException("no catalog offers " + wanted,
                Fix.manual("enable the redhat-operators catalog (`oc get catalogsource -n openshift-marketplace`);"
                        + " on a disconnected cluster, mirror the operator; or choose the other flavour (sso.flavour)"));
    }

    // ------------------------------------------------------------------ desired cluster objects

    static MapResource desiredKeycloak(Target t) {
        if (t.flavour() == SsoFlavour.RHSSO) {
            LegacyKeycloak k = new LegacyKeycloak();
            k.getMetadata().setName(RHSSO_NAME);
            k.getMetadata().setNamespace(t.namespace());
            k.getMetadata().setLabels(new LinkedHashMap<>(Map.of(APP_LABEL, RHSSO_NAME)));
            k.setSpec(map("externalAccess", map("enabled", true), "instances", 1));
            return k;
        }
        RhbkKeycloak k = new RhbkKeycloak();
        k.getMetadata().setName(RHBK_NAME);
        k.getMetadata().setNamespace(t.namespace());
        k.getMetadata().setLabels(new LinkedHashMap<>(Map.of(APP_LABEL, RHBK_NAME)));
        // TLS ends at the OpenShift router (edge Route made from the operator's Ingress); Keycloak serves plain
        // HTTP behind it and trusts the router's X-Forwarded-* headers. spec.db: the PostgreSQL the stage runs, or
        // the configured one (without it the realm would live in the pod's H2 file: KeycloakDatabase).
        k.setSpec(map(
                "instances", 1,
                "db", t.database().spec(),
                "hostname", map("hostname", t.hostname()),
                "http", map("httpEnabled", true),
                "proxy", map("headers", "xforwarded"),
                "ingress", map("enabled", true,
                        "annotations", map("route.openshift.io/termination", "edge"))));
        return k;
    }

    static LegacyKeycloakRealm desiredRealmCr(Target t) {
        LegacyKeycloakRealm r = new LegacyKeycloakRealm();
        r.getMetadata().setName(t.realmCrName());
        r.getMetadata().setNamespace(t.namespace());
        r.getMetadata().setLabels(new LinkedHashMap<>(Map.of(APP_LABEL, RHSSO_NAME)));
        r.setSpec(map(
                "realm", map("id", t.realm().realm(), "realm", t.realm().realm(),
                        "displayName", t.realm().displayName(), "enabled", true),
                "instanceSelector", map("matchLabels", map(APP_LABEL, RHSSO_NAME))));
        return r;
    }

    // ------------------------------------------------------------------ the managed objects

    /** The objects through which OLM installs the operator: the namespace, its OperatorGroup, the Subscription. */
    static List<Managed<?, ?>> operatorObjects(KubernetesClient client, Resources resources, Target t) {
        List<Managed<?, ?>> out = new ArrayList<>();
        out.add(new OperatorObjects.NamespaceObject(resources, t.namespace()));
        out.addAll(OperatorObjects.of(client, t.operator(), StageIds.SSO));
        return out;
    }

    /** The Keycloak resource; ready as {@link #readyCheck} says. */
    static ClusterObject<MapResource> keycloakObject(Resources resources, Target t) {
        return new CustomResourceObject<>(resources, "Keycloak", t, t.crName(), ctx -> desiredKeycloak(t)) {
            @Override
            public Optional<Check> readiness(StageContext ctx, MapResource desired, MapResource actual) {
                return Optional.of(readyCheck(t, actual));
            }
        };
    }

    /** RH-SSO's KeycloakRealm resource, from which its operator makes the realm. */
    static ClusterObject<LegacyKeycloakRealm> realmCrObject(Resources resources, Target t) {
        return new CustomResourceObject<>(resources, "KeycloakRealm", t, t.realmCrName(), ctx -> desiredRealmCr(t));
    }

    /** A custom resource the stage makes, named "Kind resource namespace/name" in checks and steps. */
    private static class CustomResourceObject<T extends MapResource> extends ClusterObject<T> {
        CustomResourceObject(Resources resources, String kind, Target t, String name,
                             Function<StageContext, T> desired) {
            super(resources, kind, t.namespace(), name, desired);
        }

        @Override public String checkName() { return kind() + " resource " + name(); }

        @Override public String step() { return checkName(); }
    }

    /** Whether Keycloak is ready: the "Keycloak ready" check. */
    static Check readyCheck(Target t, MapResource live) {
        return keycloakReady(t.flavour(), live)
                ? Check.ok("Keycloak ready", t.crDisplay() + " is ready")
                : Check.retryable("Keycloak ready", t.crDisplay() + " " + describeStatus(t.flavour(), live),
                Fix.rerunStage(StageIds.SSO, "apply the sso stage (it waits for Keycloak)"));
    }

    private static Resource<? extends MapResource> keycloakResource(KubernetesClient client, Target t) {
        Class<? extends MapResource> type = t.flavour() == SsoFlavour.RHSSO ? LegacyKeycloak.class : RhbkKeycloak.class;
        return client.resources(type).inNamespace(t.namespace()).withName(t.crName());
    }

    private static MapResource liveKeycloak(KubernetesClient client, Target t) {
        try {
            return keycloakResource(client, t).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return null; // the CRD is not installed yet
            }
            throw ClusterErrors.translate(e, "reading " + t.crDisplay());
        }
    }

    static boolean keycloakReady(SsoFlavour flavour, MapResource k) {
        if (k == null) {
            return false;
        }
        if (flavour == SsoFlavour.RHSSO) {
            return Boolean.TRUE.equals(k.statusValue("ready"));
        }
        Map<String, Object> ready = k.condition("Ready");
        Map<String, Object> rolling = k.condition("RollingUpdate");
        // a Ready of an earlier generation, or during a rolling update, is the old pod's (KeycloakController sets
        // status.observedGeneration; RollingUpdate=True while the StatefulSet moves to the new revision)
        Object observed = k.statusValue("observedGeneration");
        Long generation = k.getMetadata() == null ? null : k.getMetadata().getGeneration();
        boolean current = observed == null || generation == null
                || (observed instanceof Number n && n.longValue() >= generation);
        return ready != null && "True".equals(String.valueOf(ready.get("status"))) && current
                && (rolling == null || !"True".equals(String.valueOf(rolling.get("status"))));
    }

    /** One line about the CR's status, for progress and errors. */
    static String describeStatus(SsoFlavour flavour, MapResource k) {
        if (k == null) {
            return "does not exist";
        }
        if (k.getStatus() == null) {
            return "has no status yet (the operator has not picked it up)";
        }
        if (flavour == SsoFlavour.RHSSO || k instanceof LegacyKeycloakRealm) {
            Object phase = k.statusValue("phase");
            Object message = k.statusValue("message");
            return "ready " + Objects.requireNonNullElse(k.statusValue("ready"), false)
                    + (phase == null ? "" : ", phase " + phase)
                    + (message == null || String.valueOf(message).isBlank() ? "" : ", message '" + message + "'");
        }
        List<String> parts = new ArrayList<>();
        for (String type : List.of("Ready", "HasErrors", "RollingUpdate")) {
            Map<String, Object> c = k.condition(type);
            if (c != null) {
                Object msg = c.get("message");
                parts.add(type + "=" + c.get("status")
                        + (msg == null || String.valueOf(msg).isBlank() ? "" : " ('" + msg + "')"));
            }
        }
        return parts.isEmpty() ? "has no conditions yet" : String.join(", ", parts);
    }

    // ------------------------------------------------------------------ plan

    @Override
    public List<Change> plan(StageContext ctx) {
        KubernetesClient client = ctx.service(KubernetesClient.class);
        Target t = target(ctx);
        Resources resources = new Resources(client);
        List<Change> changes = new ArrayList<>(RECONCILER.plan(ctx, operatorObjects(client, resources, t)));
        if (t.flavour() == SsoFlavour.RHBK) {
            changes.addAll(RECONCILER.plan(ctx, t.database().objects(resources)));
        }
        Observed<MapResource, MapResource> keycloak = RECONCILER.observe(ctx, keycloakObject(resources, t));
        changes.add(RECONCILER.change(ctx, keycloak));
        if (t.flavour() == SsoFlavour.RHSSO) {
            changes.add(RECONCILER.plan(ctx, realmCrObject(resources, t)));
        }
        MapResource live = keycloak.actual().orElse(null);
        if (!keycloakReady(t.flavour(), live) && !hasUrlOverride(ctx)) {
            changes.addAll(RealmConfigurator.planForNewKeycloak(ctx, t.realm()));
            return changes;
        }
        Optional<KeycloakAdmin.Credentials> credentials = credentials(ctx, client, t, live, false);
        if (credentials.isEmpty()) {
            changes.addAll(RealmConfigurator.planForNewKeycloak(ctx, t.realm()));
            return changes;
        }
        try (KeycloakAdmin admin = connect(ctx, client, t, live, credentials.get())) {
            changes.addAll(new RealmConfigurator(admin, t.realm()).plan(ctx));
        }
        return changes;
    }

    // ------------------------------------------------------------------ apply

    /** In a sandbox without Keycloak nothing would ever act on the Keycloak resources: SSO cannot be tried there. */
    @Override
    public Optional<StageException> notAvailableHere(StageContext ctx) {
        return dev.maas.installer.stages.common.SandboxSso.ssoUnavailable(ctx.service(KubernetesClient.class));
    }

    @Override
    public List<Change> apply(StageContext ctx, Progress progress) {
        Progress out = progress == null ? Progress.NONE : progress;
        KubernetesClient client = ctx.service(KubernetesClient.class);
        notAvailableHere(ctx).ifPresent(e -> {
            throw e;
        });
        Target t = target(ctx);
        if (t.realm().identityProvider() != null) {
            // a missing, empty or unsafe client secret is found before anything is installed, not at the last step
            t.realm().identityProvider().requireSecret();
        }
        boolean rhsso = t.flavour() == SsoFlavour.RHSSO;
        Resources resources = new Resources(client);
        if (!rhsso && !t.database().managed()) {
            // the configured database's Secret must be there before anything is made
            t.database().requireExternalSecret(client);
        }
        Steps steps = new Steps(out, ctx.cancellation(), 6);
        List<Change> changes = new ArrayList<>();

        steps.next("Installing the operator " + t.operator().packageName() + " (channel " + t.operator().channel()
                + ") in namespace " + t.namespace());
        operatorObjects(client, resources, t).forEach(m -> changes.add(RECONCILER.apply(ctx, m)));
        changes.addAll(new OperatorInstaller(client, ctx.cancellation()).await(t.operator(), detailsOnly(out))
                .changes());

        long deadline = System.nanoTime() + readyTimeout.toNanos();
        if (!rhsso) {
            steps.next("Keycloak database: " + t.database().describe());
            if (t.database().managed()) {
                t.database().objects(resources).forEach(m -> changes.add(RECONCILER.apply(ctx, m)));
                t.database().awaitReady(client, left(deadline), readyTimeout, ctx.cancellation(), detailsOnly(out));
            } else {
                t.database().requireExternalSecret(client);
            }
        }

        Managed<?, ?> keycloak = keycloakObject(resources, t);
        steps.next(keycloak.step());
        changes.add(RECONCILER.apply(ctx, keycloak));

        if (rhsso) {
            Managed<?, ?> realmCr = realmCrObject(resources, t);
            steps.next(realmCr.step());
            changes.add(RECONCILER.apply(ctx, realmCr));
        }

        steps.next("Waiting for Keycloak " + t.namespace() + "/" + t.crName() + " to be ready");
        MapResource live = waitForKeycloak(ctx, client, t, deadline, out);
        if (rhsso) {
            waitForRealmCr(ctx, client, t, deadline, out);
        }
        ctx.cancellation().throwIfCancelled();

        steps.next("Connecting to Keycloak as the master realm admin");
        KeycloakAdmin.Credentials credentials = credentials(ctx, client, t, live, true).orElseThrow();
        try (KeycloakAdmin admin = connect(ctx, client, t, live, credentials)) {
            out.detail("connected to " + admin.serverUrl());
            ctx.cancellation().throwIfCancelled();

            steps.next("Configuring realm " + t.realm().realm());
            RealmConfigurator configurator = new RealmConfigurator(admin, t.realm());
            changes.addAll(configurator.apply(ctx, (k, of, message) -> out.detail("realm step " + k + " of " + of
                    + ": " + message)));
            ctx.secrets().register(configurator.clientSecret()); // read back (GET) so that it is masked from now on
            out.detail("realm " + t.realm().realm() + " at " + configurator.realmUrl() + "; console "
                    + configurator.consoleUrl());
            LOG.info("Realm {} configured: {} (console {})", t.realm().realm(), configurator.realmUrl(),
                    configurator.consoleUrl());
        }
        return changes;
    }

    private static Progress detailsOnly(Progress out) {
        return new Progress() {
            @Override public void step(int n, int of, String message) { out.detail(message); }

            @Override public void detail(String message) { out.detail(message); }
        };
    }

    private MapResource waitForKeycloak(StageContext ctx, KubernetesClient client, Target t, long deadline,
                                        Progress out) {
        @SuppressWarnings("unchecked")
        Resource<MapResource> resource = (Resource<MapResource>) keycloakResource(client, t);
        // the watchdog: a running operator gives the resource a status at its first reconcile (the RH-SSO operator,
        // keycloak-operator pkg/controller/keycloak/keycloak_controller.go: ManageError / ManageSuccess update the
        // status on every reconcile; the Red Hat build of Keycloak's, keycloak operator KeycloakController
        // updateStatus); without one after the grace period nothing acts on it, and waiting longer helps nobody
        Duration grace = operatorGrace.compareTo(left(deadline)) < 0 ? operatorGrace : left(deadline);
        try {
            Waits.until(resource, k -> k.getStatus() != null, grace, ctx.cancellation(), out,
                    k -> "Keycloak " + t.crName() + ": " + describeStatus(t.flavour(), k),
                    t.crDisplay() + " picked up by its operator");
        } catch (Waits.TimeoutError e) {
            throw operatorNotActing(client, t, grace);
        }
        try {
            return Waits.until(resource, k -> keycloakReady(t.flavour(), k), left(deadline), ctx.cancellation(), out,
                    k -> "Keycloak " + t.crName() + ": " + describeStatus(t.flavour(), k), t.crDisplay() + " ready");
        } catch (Waits.TimeoutError e) {
            MapResource last = (MapResource) e.last();
            throw new StageException(t.crDisplay() + " did not become ready within " + human(readyTimeout)
                    + ": it " + describeStatus(t.flavour(), last) + "; " + podSummary(client, t.namespace()),
                    Fix.manual("check `oc describe keycloak " + t.crName() + " -n " + t.namespace()
                            + "` (status message) and `oc get pods -n " + t.namespace()
                            + "` (pending or crashing pods: quota, storage, image pulls); then rerun the stage to"
                            + " keep waiting"));
        }
    }

    /**
     * The watchdog's verdict when the Keycloak resource got no status within {@code grace}: the operator is not
     * running (its CSV's deployments, as OLM made them, not available), or runs but does not act on the resource.
     */
    static StageException operatorNotActing(KubernetesClient client, Target t, Duration grace) {
        String pkg = t.operator().packageName();
        String ns = t.namespace();
        List<String> deployments = operatorDeployments(client, t);
        List<String> down = new ArrayList<>();
        for (String name : deployments) {
            String state = deploymentState(client, ns, name);
            if (state != null) {
                down.add("deployment " + name + " " + state);
            }
        }
        String logs = deployments.isEmpty() ? "`oc get pods -n " + ns + "` and the operator pod's log"
                : "`oc logs deployment/" + deployments.get(0) + " -n " + ns + "`";
        if (!down.isEmpty()) {
            return new StageException("the " + pkg + " operator is not running (" + String.join("; ", down)
                    + "), so nothing acts on " + t.crDisplay() + ": it has no status " + human(grace)
                    + " after it was made; " + podSummary(client, ns),
                    Fix.manual("make the operator run: `oc get pods -n " + ns + "` and " + logs + " (image pulls,"
                            + " quota, crash loops, node selectors); once it runs, rerun the sso stage"));
        }
        return new StageException(t.crDisplay() + " has no status " + human(grace) + " after it was made, though the "
                + pkg + " operator" + (deployments.isEmpty() ? "" : " (deployment " + String.join(", ", deployments)
                + ") is available") + ": the operator does not act on it",
                Fix.manual("read the operator's log, " + logs + " (it may watch other namespaces than " + ns
                        + ", or fail on this resource); then rerun the sso stage"));
    }

    /** The operator's deployments, as its installed CSV names them (empty when it cannot be read). */
    static List<String> operatorDeployments(KubernetesClient client, Target t) {
        try {
            Subscription sub = client.resources(Subscription.class).inNamespace(t.namespace())
                    .withName(t.operator().packageName()).get();
            String csvName = sub == null || sub.getStatus() == null ? null : sub.getStatus().getInstalledCSV();
            ClusterServiceVersion csv = csvName == null ? null
                    : client.resources(ClusterServiceVersion.class).inNamespace(t.namespace()).withName(csvName).get();
            if (csv == null || csv.getSpec() == null || csv.getSpec().getInstall() == null
                    || csv.getSpec().getInstall().getSpec() == null
                    || csv.getSpec().getInstall().getSpec().getDeployments() == null) {
                return List.of();
            }
            return csv.getSpec().getInstall().getSpec().getDeployments().stream().map(d -> d.getName())
                    .filter(Objects::nonNull).toList();
        } catch (KubernetesClientException e) {
            return List.of();
        }
    }

    /** Null when the deployment is available; else what is wrong with it, in words. */
    static String deploymentState(KubernetesClient client, String ns, String name) {
        io.fabric8.kubernetes.api.model.apps.Deployment d;
        try {
            d = client.apps().deployments().inNamespace(ns).withName(name).get();
        } catch (KubernetesClientException e) {
            return null; // cannot tell: not counted as down
        }
        if (d == null) {
            return "does not exist";
        }
        var conditions = d.getStatus() == null || d.getStatus().getConditions() == null
                ? List.<io.fabric8.kubernetes.api.model.apps.DeploymentCondition>of() : d.getStatus().getConditions();
        var available = conditions.stream().filter(c -> "Available".equals(c.getType())).findFirst();
        if (available.isPresent() && "True".equals(available.get().getStatus())) {
            return null;
        }
        return "is not available" + available.map(c -> " (" + Objects.requireNonNullElse(c.getReason(), "")
                + (c.getMessage() == null ? "" : ": " + c.getMessage()) + ")").orElse(" (no Available condition yet)");
    }

    private void waitForRealmCr(StageContext ctx, KubernetesClient client, Target t, long deadline, Progress out) {
        Resource<LegacyKeycloakRealm> resource = client.resources(LegacyKeycloakRealm.class)
                .inNamespace(t.namespace()).withName(t.realmCrName());
        try {
            Waits.until(resource, r -> Boolean.TRUE.equals(r.statusValue("ready")), left(deadline),
                    ctx.cancellation(), out,
                    r -> "KeycloakRealm " + t.realmCrName() + ": " + describeStatus(SsoFlavour.RHSSO, r),
                    "KeycloakRealm " + t.realmCrName() + " ready");
        } catch (Waits.TimeoutError e) {
            MapResource last = (MapResource) e.last();
            throw new StageException("KeycloakRealm (keycloak.org/v1alpha1) " + t.namespace() + "/"
                    + t.realmCrName() + " did not become ready within " + human(readyTimeout) + ": it "
                    + describeStatus(SsoFlavour.RHSSO, last),
                    Fix.manual("check `oc describe keycloakrealm " + t.realmCrName() + " -n " + t.namespace()
                            + "` and the rhsso-operator pod's log; then rerun the stage"));
        }
    }

    /** Which pods in the namespace are not ready, for a timeout message. */
    static String podSummary(KubernetesClient client, String namespace) {
        List<Pod> pods;
        try {
            pods = client.pods().inNamespace(namespace).list().getItems();
        } catch (KubernetesClientException e) {
            return "pods in " + namespace + " could not be listed (" + e.getCode() + ")";
        }
        if (pods.isEmpty()) {
            return "no pods in namespace " + namespace + " yet (the operator has not deployed Keycloak: see its log)";
        }
        return "pods: " + pods.stream().map(p -> p.getMetadata().getName() + " "
                + (p.getStatus() == null ? "unknown" : Objects.requireNonNullElse(p.getStatus().getPhase(), "unknown")
                + (podReady(p) ? " ready" : " not ready" + podReason(p)))).collect(Collectors.joining(", "));
    }

    private static boolean podReady(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static String podReason(Pod p) {
        if (p.getStatus() == null || p.getStatus().getConditions() == null) {
            return "";
        }
        return p.getStatus().getConditions().stream().filter(c -> !"True".equals(c.getStatus())
                        && (c.getReason() != null || c.getMessage() != null)).findFirst()
                .map(SsoStage::conditionText).orElse("");
    }

    private static String conditionText(PodCondition c) {
        return " (" + (c.getReason() == null ? "" : c.getReason())
                + (c.getMessage() == null ? "" : (c.getReason() == null ? "" : ": ") + c.getMessage()) + ")";
    }

    // ------------------------------------------------------------------ Keycloak access

    private static boolean hasUrlOverride(StageContext ctx) {
        return KeycloakEndpoints.hasOverride(ctx);
    }

    /** The admin credentials (through {@link KeycloakEndpoints}); a StageException when {@code required} and absent. */
    private static Optional<KeycloakAdmin.Credentials> credentials(StageContext ctx, KubernetesClient client, Target t,
                                                                    MapResource live, boolean required) {
        Optional<KeycloakAdmin.Credentials> c = KeycloakEndpoints.credentials(ctx, client, t.flavour(), t.namespace(),
                live);
        if (c.isEmpty() && required) {
            throw new StageException("Secret " + t.namespace() + "/" + KeycloakEndpoints.credentialSecret(t.flavour(),
                    live) + " with the Keycloak admin credentials does not exist",
                    Fix.manual("the " + t.operator().packageName() + " operator creates it when it deploys Keycloak;"
                            + " check `oc describe keycloak " + t.crName() + " -n " + t.namespace()
                            + "`, then rerun the stage"));
        }
        return c;
    }

    private KeycloakAdmin connect(StageContext ctx, KubernetesClient client, Target t, MapResource live,
                                  KeycloakAdmin.Credentials credentials) {
        String url = KeycloakEndpoints.url(ctx, client, t.flavour(), t.namespace(), live);
        return KeycloakEndpoints.connect(ctx, new KeycloakEndpoints.KeycloakEndpoint(url, url, t.flavour(), credentials),
                adminFilters);
    }

    // ------------------------------------------------------------------ verify

    @Override
    public List<Check> verify(StageContext ctx) {
        List<Check> checks = new ArrayList<>();
        KubernetesClient client = ctx.service(KubernetesClient.class);
        Target t;
        try {
            t = target(ctx);
        } catch (StageException e) {
            checks.add(failed("sso target", e));
            return checks;
        }
        Resources resources = new Resources(client);
        checks.add(operatorCheck(ctx, client, resources, t));
        ClusterObject<MapResource> keycloak = keycloakObject(resources, t);
        MapResource[] live = new MapResource[1];
        boolean read = false;
        try {
            Observed<MapResource, MapResource> o = RECONCILER.observe(ctx, keycloak);
            checks.add(RECONCILER.judge(o));
            live[0] = o.actual().orElse(null);
            read = true;
        } catch (CancelledException e) {
            throw e;
        } catch (RuntimeException e) {
            checks.add(GUARD.failure(keycloak.checkName(), e));
        }
        if (t.flavour() == SsoFlavour.RHBK) {
            checks.add(GUARD.check(KeycloakDatabase.CHECK, () -> t.database().verify(RECONCILER, ctx, resources)));
        }
        if (t.flavour() == SsoFlavour.RHSSO) {
            checks.addAll(RECONCILER.verify(ctx, realmCrObject(resources, t)));
        }
        boolean fetched = read;
        Check ready = GUARD.check("Keycloak ready", () -> {
            if (!fetched) {
                live[0] = liveKeycloak(client, t);
            }
            return readyCheck(t, live[0]);
        });
        checks.add(ready);
        if (!ready.status().passes() && !hasUrlOverride(ctx)) {
            return checks;
        }
        KeycloakAdmin admin;
        try {
            KeycloakAdmin.Credentials credentials = credentials(ctx, client, t, live[0], true).orElseThrow();
            admin = connect(ctx, client, t, live[0], credentials);
        } catch (StageException e) {
            checks.add(failed("Keycloak admin login", e));
            return checks;
        }
        try (admin) {
            checks.add(Check.ok("Keycloak admin login", "logged in at " + admin.serverUrl()));
            checks.addAll(new RealmConfigurator(admin, t.realm()).verify(ctx));
        } catch (StageException e) {
            checks.add(failed("realm " + t.realm().realm(), e));
        }
        return checks;
    }

    /**
     * The operator's one check: the namespace, OperatorGroup and Subscription as configured and the CSV running. An
     * object that is not there yet is missing whatever the input (the Reconciler judges it so).
     */
    private static Check operatorCheck(StageContext ctx, KubernetesClient client, Resources resources, Target t) {
        return RECONCILER.verifyAs(ctx, "operator " + t.operator().packageName(),
                () -> operatorObjects(client, resources, t), null);
    }

    private static Check failed(String name, StageException e) {
        return new Check(e.invalidInput() ? CheckStatus.INVALID_INPUT : CheckStatus.FAILED_RETRYABLE, name,
                e.getMessage(), e.fix());
    }

    // ------------------------------------------------------------------ helpers

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 1) {
            return d.toMillis() + " ms";
        }
        return s < 120 ? s + " s" : (s / 60) + " min";
    }

    private static Duration seconds(String property, long fallback) {
        Long value = Long.getLong(property);
        return Duration.ofSeconds(value == null || value <= 0 ? fallback : value);
    }
}
