package dev.maas.installer.sandbox;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.openshift.api.model.Route;
import io.fabric8.openshift.api.model.RouteBuilder;
import jakarta.ws.rs.NotFoundException;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.representations.idm.RealmRepresentation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the RH-SSO and Red Hat build of Keycloak operators do with the sso stage's custom resources, against a REAL
 * Keycloak (the sandbox's {@link KeycloakProcess}, or any Keycloak given by URL and admin credentials). It works
 * through the API server like a real operator (informers and writes on the cluster's system client) and writes a
 * status only when it differs from the one there, so a second install sees no write from here.
 * <ul>
 *   <li>RH-SSO {@code Keycloak} (keycloak.org/v1alpha1), as the legacy keycloak-operator
 *       ({@code pkg/controller/keycloak/keycloak_controller.go}, {@code ManageSuccess}): Secret
 *       {@code credential-<name>} (ADMIN_USERNAME, ADMIN_PASSWORD of the real Keycloak's master admin), Route
 *       {@code keycloak} (host {@code keycloak-<namespace>.<apps domain>}), status {@code ready: true}, phase
 *       {@code reconciling}, message "", {@code externalURL}, {@code credentialSecret},
 *       {@code internalURL https://keycloak.<ns>.svc:8443}, {@code version}. The operator's {@code externalURL} is
 *       {@code https://} + the Route's host, the server's root without {@code /auth}; the sandbox cannot serve that
 *       host, so it gives the real Keycloak's root the same way (a Keycloak 18 behind it answers under
 *       {@code /auth}, which clients find themselves). Its data lives in the PostgreSQL that operator runs, so a
 *       restart loses nothing.</li>
 *   <li>RH-SSO {@code KeycloakRealm}, as {@code pkg/controller/keycloakrealm/keycloakrealm_controller.go}: for the
 *       ready Keycloak its {@code instanceSelector} matches, the realm (name, id, display name, enabled) created
 *       through the admin API when it does not exist (never updated:
 *       {@code keycloakrealm_reconciler.go getDesiredRealmState}), then status {@code ready: true}, phase
 *       {@code reconciling}, message "", {@code loginURL} "" (a field the operator never fills) and the finalizer
 *       {@value #REALM_FINALIZER}; while that Keycloak has no credentials yet, phase {@code failing} with the
 *       operator's message, again after 5 s ({@code RequeueDelayError}). Deleting the resource deletes the realm,
 *       then the finalizer ({@code ReconcileRealmDelete}, {@code manageSuccess}).</li>
 *   <li>RHBK {@code Keycloak} (k8s.keycloak.org/v2alpha1), as keycloak/keycloak {@code operator/}: Secret
 *       {@code <name>-initial-admin} (username, password), a Pod {@code <name>-0}, and the conditions Ready,
 *       HasErrors, RollingUpdate with their messages ({@code KeycloakController.updateStatus},
 *       {@code checkForPodErrors}, {@code KeycloakStatusAggregator}). Its database is {@code spec.db}
 *       ({@code KeycloakDistConfigurator.configureDatabase}: vendor, usernameSecret, passwordSecret, database, host,
 *       port, schema, url, pool sizes; see {@link #database}); without it Keycloak runs on the H2 file inside its
 *       pod, and every restart of the pod ({@link #restartKeycloak}, or deleting the pod) comes back without the
 *       realms made since: the realms of the real Keycloak, but master, are deleted. (The stage makes the realm
 *       itself through the admin API.)</li>
 * </ul>
 * Failure modes ({@link Options}): {@link Mode#NEVER_READY} (a Pending, unschedulable pod {@code keycloak-0} and a
 * status that never gets ready; realms are not made), and a different password in the credentials Secret than the
 * one Keycloak accepts.
 */
public final class KeycloakOperatorSimulator implements SimulatedOperator {
    private static final Logger LOG = LoggerFactory.getLogger(KeycloakOperatorSimulator.class);
    /** Numbers as JSON reads them back (an int status field and a long generation compare equal). */
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind
            .ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_LONG_FOR_INTS);
    public static final String RHSSO_API = "keycloak.org/v1alpha1";
    public static final String RHBK_API = "k8s.keycloak.org/v2alpha1";
    /** The RH-SSO 7.6 version the simulated operator reports. */
    public static final String RHSSO_VERSION = "7.6.11";
    /** keycloakrealm_controller.go {@code RealmFinalizer}. */
    public static final String REALM_FINALIZER = "realm.cleanup";
    /** The legacy operator's phases (keycloak_types.go {@code PhaseReconciling}, ...). */
    static final String PHASE_RECONCILING = "reconciling";
    static final String PHASE_INITIALISING = "initialising";
    static final String PHASE_FAILING = "failing";
    /** The labels the RHBK operator puts on its pods (operator {@code Utils.allInstanceLabels}, component server). */
    static final String RHBK_MANAGED_BY = "keycloak-operator";
    /** The kinds, given explicitly (no API discovery request for them). */
    private static final ResourceDefinitionContext RHSSO_KEYCLOAK = kind("keycloak.org", "v1alpha1", "Keycloak",
            "keycloaks");
    private static final ResourceDefinitionContext RHSSO_REALM = kind("keycloak.org", "v1alpha1", "KeycloakRealm",
            "keycloakrealms");
    private static final ResourceDefinitionContext RHBK_KEYCLOAK = kind("k8s.keycloak.org", "v2alpha1", "Keycloak",
            "keycloaks");
    /** {@code jdbc:<vendor>://host[:port]/database}. */
    private static final Pattern JDBC_URL = Pattern.compile("jdbc:[a-z]+://([^/:;?]+)(?::(\\d+))?(?:/([^;?]*))?.*");

    private static ResourceDefinitionContext kind(String group, String version, String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
                .withPlural(plural).withNamespaced(true).build();
    }

    /** How the simulated operators behave. */
    public enum Mode {
        /** Keycloak gets ready at once; realms are created. */
        READY,
        /** Keycloak never gets ready (a Pending pod); realms are never created. */
        NEVER_READY
    }

    /**
     * @param url            the real Keycloak's server URL (with {@code /auth} for Keycloak 18)
     * @param adminUser      its master-realm admin
     * @param adminPassword  that admin's password (used for the admin API)
     * @param secretPassword the password put into the credentials Secret; normally {@code adminPassword}, another
     *                       value simulates a Secret that no longer matches Keycloak
     * @param mode           ready or never ready
     */
    public record Options(String url, String adminUser, String adminPassword, String secretPassword, Mode mode) {
        public Options {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(adminUser, "adminUser");
            Objects.requireNonNull(adminPassword, "adminPassword");
            url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
            secretPassword = secretPassword == null ? adminPassword : secretPassword;
            mode = mode == null ? Mode.READY : mode;
        }

        public static Options of(String url, String adminUser, String adminPassword) {
            return new Options(url, adminUser, adminPassword, null, Mode.READY);
        }

        public Options withSecretPassword(String v) {
            return new Options(url, adminUser, adminPassword, v, mode);
        }

        public Options withMode(Mode v) {
            return new Options(url, adminUser, adminPassword, secretPassword, v);
        }

        /** The server's root: the URL without a trailing {@code /auth}. */
        public String rootUrl() {
            return url.endsWith("/auth") ? url.substring(0, url.length() - "/auth".length()) : url;
        }

        @Override
        public String toString() {
            return "Options[" + url + ", admin " + adminUser + ", " + mode + "]";
        }
    }

    /**
     * What the RHBK Keycloak's pod finds as its database.
     *
     * @param identity which database it is (the same identity keeps the data), e.g. {@code h2 in the pod}
     * @param durable  whether the data outlives the pod
     * @param reason   when the pod cannot run: the kubelet's waiting reason (CreateContainerConfigError,
     *                 CrashLoopBackOff)
     * @param message  the kubelet's message for it
     * @param log      what Keycloak's own log would say (for the sandbox's log)
     */
    public record Database(String identity, boolean durable, String reason, String message, String log) {
        public boolean runs() { return reason == null; }
    }

    private final Options options;
    private final List<SharedIndexInformer<?>> informers = new CopyOnWriteArrayList<>();
    /** RHBK Keycloak ns/name -> the database its running pod uses. */
    private final Map<String, String> runningOn = new ConcurrentHashMap<>();
    /** KeycloakRealms waiting for their retry. */
    private final java.util.Set<String> retries = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private SimulationContext context;

    public KeycloakOperatorSimulator(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public Options options() {
        return options;
    }

    @Override
    public String name() {
        return "keycloak";
    }

    @Override
    public void start(SimulationContext ctx) {
        this.context = ctx;
        informers.add(client().genericKubernetesResources(RHSSO_KEYCLOAK).inAnyNamespace()
                .inform(handler(this::onRhssoKeycloak), 0));
        informers.add(client().genericKubernetesResources(RHSSO_REALM).inAnyNamespace()
                .inform(handler(this::onRealm), 0));
        informers.add(client().genericKubernetesResources(RHBK_KEYCLOAK).inAnyNamespace()
                .inform(handler(this::onRhbkKeycloak), 0));
        // the RHBK Keycloak's pod depends on its database's workload, Service and Secrets (the operator watches
        // the Secrets it references: WatchedResources; the kubelet retries a crashing pod)
        informers.add(client().apps().statefulSets().inAnyNamespace().inform(namespaceResync(), 0));
        informers.add(client().secrets().inAnyNamespace().inform(namespaceResync(), 0));
        informers.add(client().services().inAnyNamespace().inform(namespaceResync(), 0));
        // deleting the pod restarts Keycloak (the StatefulSet controller makes it again)
        informers.add(client().pods().inAnyNamespace().withLabel("app.kubernetes.io/managed-by", RHBK_MANAGED_BY)
                .inform(new ResourceEventHandler<>() {
                    @Override public void onAdd(Pod obj) { }

                    @Override public void onUpdate(Pod oldObj, Pod newObj) { }

                    @Override
                    public void onDelete(Pod pod, boolean unknown) {
                        String instance = pod.getMetadata().getLabels().get("app.kubernetes.io/instance");
                        String ns = pod.getMetadata().getNamespace();
                        if (instance != null && !closed) {
                            ctx.scheduler().execute(() -> podDeleted(ns, instance));
                        }
                    }
                }, 0));
    }

    @Override
    public void close() {
        closed = true;
        informers.forEach(SharedIndexInformer::close);
        informers.clear();
    }

    private KubernetesClient client() {
        return context.client();
    }

    // ------------------------------------------------------------------ RH-SSO Keycloak

    private void onRhssoKeycloak(GenericKubernetesResource event) {
        String ns = event.getMetadata().getNamespace();
        String name = event.getMetadata().getName();
        GenericKubernetesResource k = client().genericKubernetesResources(RHSSO_KEYCLOAK).inNamespace(ns)
                .withName(name).get();
        if (k == null) {
            return;
        }
        Map<String, Object> status = status(k);
        if (Boolean.TRUE.equals(status.get("ready"))) {
            return;
        }
        if (options.mode() == Mode.NEVER_READY) {
            if (!status.isEmpty()) {
                return;
            }
            if (client().pods().inNamespace(ns).withName("keycloak-0").get() == null) {
                client().pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName("keycloak-0")
                        .withNamespace(ns).addToLabels("app", "keycloak").endMetadata()
                        .withNewSpec().addNewContainer().withName("keycloak").withImage("registry.redhat.io/rh-sso-7/"
                                + "sso76-openshift-rhel8").endContainer().endSpec().build()).create();
                // an API server ignores the status of a create (status subresource): the scheduler's verdict follows
                client().pods().inNamespace(ns).withName("keycloak-0").editStatus(p -> {
                    p.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Pending")
                            .addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                            .withMessage("0/3 nodes are available: 3 Insufficient memory").endCondition().build());
                    return p;
                });
            }
            // ManageSuccess while the resources are not ready: ready false, phase initialising, no message
            setStatus(RHSSO_KEYCLOAK, ns, name, Map.of("ready", false, "phase", PHASE_INITIALISING,
                    "message", "", "credentialSecret", "credential-" + name,
                    "internalURL", "https://keycloak." + ns + ".svc:8443", "version", RHSSO_VERSION));
            return;
        }
        String secret = "credential-" + name;
        if (client().secrets().inNamespace(ns).withName(secret).get() == null) {
            client().secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(secret)
                    .withNamespace(ns).addToLabels("app", "keycloak").endMetadata()
                    .addToStringData("ADMIN_USERNAME", options.adminUser())
                    .addToStringData("ADMIN_PASSWORD", options.secretPassword()).build()).create();
        }
        if (client().resources(Route.class).inNamespace(ns).withName("keycloak").get() == null) {
            client().resources(Route.class).inNamespace(ns).resource(new RouteBuilder().withNewMetadata()
                    .withName("keycloak").withNamespace(ns).addToLabels("app", "keycloak").endMetadata()
                    .withNewSpec().withHost("keycloak-" + ns + "." + context.appsDomain())
                    .withNewTo().withKind("Service").withName("keycloak").endTo()
                    .withNewTls().withTermination("reencrypt").endTls().endSpec().build()).create();
        }
        Map<String, Object> ready = new LinkedHashMap<>();
        ready.put("ready", true);
        ready.put("phase", PHASE_RECONCILING);
        ready.put("message", "");
        ready.put("externalURL", options.rootUrl());
        ready.put("credentialSecret", secret);
        ready.put("internalURL", "https://keycloak." + ns + ".svc:8443");
        ready.put("version", RHSSO_VERSION);
        setStatus(RHSSO_KEYCLOAK, ns, name, ready);
    }

    // ------------------------------------------------------------------ RH-SSO KeycloakRealm

    @SuppressWarnings("unchecked")
    private void onRealm(GenericKubernetesResource event) {
        if (options.mode() == Mode.NEVER_READY || closed) {
            return;
        }
        String ns = event.getMetadata().getNamespace();
        String name = event.getMetadata().getName();
        GenericKubernetesResource r = client().genericKubernetesResources(RHSSO_REALM).inNamespace(ns)
                .withName(name).get();
        if (r == null) {
            return;
        }
        boolean deleted = r.getMetadata().getDeletionTimestamp() != null;
        boolean finalizer = r.getMetadata().getFinalizers() != null
                && r.getMetadata().getFinalizers().contains(REALM_FINALIZER);
        if (deleted && !finalizer) {
            return;
        }
        if (!deleted && finalizer && Boolean.TRUE.equals(status(r).get("ready"))) {
            return;
        }
        Object spec = r.getAdditionalProperties().get("spec");
        Object realmSpec = spec instanceof Map<?, ?> m ? m.get("realm") : null;
        Object selector = spec instanceof Map<?, ?> m ? m.get("instanceSelector") : null;
        if (selector == null) {
            return; // "has no instance selector and will be ignored"
        }
        if (!(realmSpec instanceof Map<?, ?> realm) || !(realm.get("realm") instanceof String realmName)) {
            setStatus(RHSSO_REALM, ns, name, Map.of("ready", false, "phase", PHASE_FAILING,
                    "message", "spec.realm.realm is missing", "loginURL", ""));
            return;
        }
        Map<String, Object> matchLabels = selector instanceof Map<?, ?> sel && sel.get("matchLabels") instanceof Map<?, ?> ml
                ? (Map<String, Object>) ml : Map.of();
        for (GenericKubernetesResource keycloak : client().genericKubernetesResources(RHSSO_KEYCLOAK).inNamespace(ns)
                .list().getItems()) {
            Map<String, String> labels = keycloak.getMetadata().getLabels() == null ? Map.of()
                    : keycloak.getMetadata().getLabels();
            if (!matchLabels.entrySet().stream().allMatch(e -> Objects.equals(String.valueOf(e.getValue()),
                    labels.get(e.getKey())))) {
                continue;
            }
            Object credentialSecret = status(keycloak).get("credentialSecret");
            Secret credentials = credentialSecret instanceof String s && !s.isEmpty()
                    ? client().secrets().inNamespace(ns).withName(s).get() : null;
            if (credentials == null) {
                // AuthenticatedClient: the admin Secret named in the Keycloak's status (common/client.go)
                String message = "failed to get the admin credentials: " + (credentialSecret instanceof String s
                        && !s.isEmpty() ? "secrets \"" + s + "\" not found" : "resource name may not be empty");
                setStatus(RHSSO_REALM, ns, name, Map.of("ready", false, "phase", PHASE_FAILING, "message", message,
                        "loginURL", ""));
                if (retries.add(ns + "/" + name)) {
                    context.scheduler().schedule(() -> {
                        retries.remove(ns + "/" + name);
                        onRealm(r);
                    }, 5, TimeUnit.SECONDS); // RequeueDelayError
                }
                return;
            }
            try (Keycloak admin = admin()) {
                boolean exists;
                try {
                    admin.realm(realmName).toRepresentation();
                    exists = true;
                } catch (NotFoundException e) {
                    exists = false;
                }
                if (deleted && exists) {
                    admin.realm(realmName).remove();
                    LOG.info("simulated RH-SSO operator: realm {} deleted in {}", realmName, options.url());
                } else if (!deleted && !exists) {
                    Map<String, Object> values = (Map<String, Object>) realm;
                    RealmRepresentation rep = new RealmRepresentation();
                    rep.setId(values.get("id") instanceof String id ? id : realmName);
                    rep.setRealm(realmName);
                    rep.setDisplayName((String) values.get("displayName"));
                    rep.setEnabled(!Boolean.FALSE.equals(values.get("enabled")));
                    admin.realms().create(rep);
                    LOG.info("simulated RH-SSO operator: realm {} created in {}", realmName, options.url());
                }
            }
        }
        // manageSuccess: status first, then the finalizer (added, or removed once the realm is gone)
        if (!deleted) {
            setStatus(RHSSO_REALM, ns, name, Map.of("ready", true, "phase", PHASE_RECONCILING, "message", "",
                    "loginURL", ""));
        }
        client().genericKubernetesResources(RHSSO_REALM).inNamespace(ns).withName(name).edit(live -> {
            List<String> finalizers = new ArrayList<>(live.getMetadata().getFinalizers() == null ? List.of()
                    : live.getMetadata().getFinalizers());
            if (deleted) {
                finalizers.remove(REALM_FINALIZER);
            } else if (!finalizers.contains(REALM_FINALIZER)) {
                finalizers.add(REALM_FINALIZER);
            }
            live.getMetadata().setFinalizers(finalizers);
            return live;
        });
    }

    // ------------------------------------------------------------------ RHBK Keycloak

    private void onRhbkKeycloak(GenericKubernetesResource event) {
        reconcileRhbk(event.getMetadata().getNamespace(), event.getMetadata().getName());
    }

    private void reconcileRhbk(String ns, String name) {
        if (options.mode() == Mode.NEVER_READY || closed) {
            return;
        }
        GenericKubernetesResource k = client().genericKubernetesResources(RHBK_KEYCLOAK).inNamespace(ns)
                .withName(name).get();
        if (k == null || k.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        String secret = name + "-initial-admin";
        if (client().secrets().inNamespace(ns).withName(secret).get() == null) {
            client().secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(secret)
                    .withNamespace(ns).endMetadata().withType("kubernetes.io/basic-auth")
                    .addToStringData("username", options.adminUser())
                    .addToStringData("password", options.secretPassword()).build()).create();
        }
        Database db = database(k);
        String key = ns + "/" + name;
        String pod = name + "-0";
        if (db.runs()) {
            String before = runningOn.put(key, db.identity());
            if (before != null && !before.equals(db.identity())) {
                // the operator rolled the pod onto another database: an empty one
                LOG.info("simulated RHBK operator: {} now runs on {} (before: {}); the realms made before are not"
                        + " in it", key, db.identity(), before);
                loseRealms(key);
            }
        } else {
            LOG.info("simulated RHBK operator: the pod {}/{} cannot run: {}", ns, pod, db.log());
        }
        ensurePod(k, db);
        Map<String, Object> status = new LinkedHashMap<>();
        Long generation = k.getMetadata().getGeneration();
        List<Map<String, Object>> conditions = new ArrayList<>();
        if (db.runs()) {
            conditions.add(condition("Ready", "True", "", generation));
            conditions.add(condition("HasErrors", "False", "", generation));
        } else {
            // updateStatus: "Waiting for more replicas"; checkForPodErrors: the pod's waiting reason and message
            conditions.add(condition("Ready", "False", "Waiting for more replicas", generation));
            conditions.add(condition("HasErrors", "True", "Waiting for " + ns + "/" + pod + " due to "
                    + db.reason() + ": " + db.message(), generation));
        }
        conditions.add(condition("RollingUpdate", "False", "", generation));
        status.put("conditions", conditions);
        status.put("instances", db.runs() ? 1 : 0);
        status.put("selector", "app=keycloak,app.kubernetes.io/managed-by=" + RHBK_MANAGED_BY
                + ",app.kubernetes.io/instance=" + name);
        if (generation != null) {
            status.put("observedGeneration", generation);
        }
        setStatus(RHBK_KEYCLOAK, ns, name, status);
    }

    private static Map<String, Object> condition(String type, String status, String message, Long generation) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("type", type);
        c.put("status", status);
        c.put("message", message);
        if (generation != null) {
            c.put("observedGeneration", generation);
        }
        return c;
    }

    /**
     * The database {@code spec.db} gives the Keycloak pod, as {@code KeycloakDistConfigurator.configureDatabase} maps
     * it to the server's options ({@code db}, {@code db-username}, {@code db-password}, {@code db-url-database},
     * {@code db-url-host}, {@code db-url-port}, {@code db-schema}, {@code db-url}; the Secrets as
     * {@code secretKeyRef}s of the container's environment, which the operator also watches):
     * <ul>
     *   <li>no {@code spec.db}, or vendor {@code dev-file} / {@code dev-mem}: the H2 database in the pod, which
     *       runs, and is lost with the pod;</li>
     *   <li>a referenced Secret (or key) that does not exist: the kubelet cannot start the container
     *       ({@code CreateContainerConfigError});</li>
     *   <li>a host the cluster's DNS answers ({@code name}, {@code name.ns}, {@code name.ns.svc},
     *       {@code name.ns.svc.cluster.local}): a Service of that name must exist, the StatefulSet or Deployment
     *       behind its selector must have a ready replica, and when its container declares the PostgreSQL image's
     *       user, password or database variables ({@code POSTGRESQL_*} of Red Hat's images, {@code POSTGRES_*} of the
     *       community's) they must be Keycloak's; otherwise Keycloak exits at start ({@code CrashLoopBackOff});</li>
     *   <li>any other host is outside the simulated cluster and taken as reachable.</li>
     * </ul>
     */
    @SuppressWarnings("unchecked")
    public Database database(GenericKubernetesResource keycloak) {
        String ns = keycloak.getMetadata().getNamespace();
        String pod = keycloak.getMetadata().getName() + "-0";
        Object specNode = keycloak.getAdditionalProperties().get("spec");
        Map<String, Object> db = specNode instanceof Map<?, ?> spec && spec.get("db") instanceof Map<?, ?> d
                ? (Map<String, Object>) d : null;
        String vendor = db == null ? null : (String) db.get("vendor");
        if (db == null || vendor == null || vendor.equals("dev-file") || vendor.equals("dev-mem")) {
            return new Database("h2 in pod " + ns + "/" + pod, false, null, null, "");
        }
        String user = null;
        String password = null;
        for (String field : List.of("usernameSecret", "passwordSecret")) {
            if (!(db.get(field) instanceof Map<?, ?> ref) || !(ref.get("name") instanceof String secretName)) {
                continue;
            }
            String secretKey = String.valueOf(ref.get("key"));
            boolean optional = Boolean.TRUE.equals(ref.get("optional"));
            Secret s = client().secrets().inNamespace(ns).withName(secretName).get();
            Optional<String> value = s == null ? Optional.empty() : secretValue(s, secretKey);
            if (value.isEmpty() && !optional) {
                // the kubelet's messages (kubelet_pods.go makeEnvironmentVariables)
                String message = s == null ? "secret \"" + secretName + "\" not found"
                        : "couldn't find key " + secretKey + " in Secret " + ns + "/" + secretName;
                return new Database("", true, "CreateContainerConfigError", message, message);
            }
            if (field.equals("usernameSecret")) {
                user = value.orElse(null);
            } else {
                password = value.orElse(null);
            }
        }
        String host = (String) db.get("host");
        Integer port = db.get("port") instanceof Number n ? n.intValue() : null;
        String database = (String) db.get("database");
        if (db.get("url") instanceof String url) {
            Matcher m = JDBC_URL.matcher(url);
            if (m.matches()) {
                host = m.group(1);
                port = m.group(2) == null ? null : Integer.valueOf(m.group(2));
                database = m.group(3);
            }
        }
        database = database == null || database.isEmpty() ? "keycloak" : database;
        String crashLoop = "back-off 10s restarting failed container=keycloak pod=" + pod + "_" + ns + "("
                + Objects.requireNonNullElse(keycloak.getMetadata().getUid(), "") + ")";
        if (host == null || host.isBlank()) {
            return new Database("", true, "CrashLoopBackOff", crashLoop, "no database host: Keycloak connects to"
                    + " localhost, where nothing listens");
        }
        String identity = vendor + "://" + host + (port == null ? "" : ":" + port) + "/" + database;
        if (!clusterName(host, ns)) {
            return new Database(identity, true, null, null, "");
        }
        Optional<Service> service = clusterService(host, ns);
        if (service.isEmpty()) {
            return new Database(identity, true, "CrashLoopBackOff", crashLoop, "cannot connect to " + identity
                    + ": UnknownHostException: " + host + " (no such Service)");
        }
        Map<String, String> selector = service.get().getSpec() == null || service.get().getSpec().getSelector() == null
                ? Map.of() : service.get().getSpec().getSelector();
        String svcNs = service.get().getMetadata().getNamespace();
        List<HasMetadata> backing = new ArrayList<>();
        boolean ready = false;
        for (StatefulSet s : client().apps().statefulSets().inNamespace(svcNs).list().getItems()) {
            if (!selector.isEmpty() && selects(selector, s.getSpec().getTemplate())) {
                backing.add(s);
                ready |= s.getStatus() != null && s.getStatus().getReadyReplicas() != null
                        && s.getStatus().getReadyReplicas() > 0;
            }
        }
        for (Deployment d : client().apps().deployments().inNamespace(svcNs).list().getItems()) {
            if (!selector.isEmpty() && selects(selector, d.getSpec().getTemplate())) {
                backing.add(d);
                ready |= d.getStatus() != null && d.getStatus().getReadyReplicas() != null
                        && d.getStatus().getReadyReplicas() > 0;
            }
        }
        if (!ready) {
            return new Database(identity, true, "CrashLoopBackOff", crashLoop, "cannot connect to " + identity
                    + ": connection refused (no ready pod behind Service " + svcNs + "/"
                    + service.get().getMetadata().getName() + ")");
        }
        for (HasMetadata workload : backing) {
            PodTemplateSpec template = workload instanceof StatefulSet s ? s.getSpec().getTemplate()
                    : ((Deployment) workload).getSpec().getTemplate();
            Map<String, String> env = environment(template, svcNs);
            String dbUser = env.getOrDefault("POSTGRESQL_USER", env.get("POSTGRES_USER"));
            String dbPassword = env.getOrDefault("POSTGRESQL_PASSWORD", env.get("POSTGRES_PASSWORD"));
            String dbName = env.getOrDefault("POSTGRESQL_DATABASE", env.get("POSTGRES_DB"));
            if (dbUser != null && !dbUser.equals(user) || dbPassword != null && !dbPassword.equals(password)) {
                return new Database(identity, true, "CrashLoopBackOff", crashLoop, "FATAL: password authentication"
                        + " failed for user \"" + user + "\"");
            }
            if (dbName != null && !dbName.equals(database)) {
                return new Database(identity, true, "CrashLoopBackOff", crashLoop, "FATAL: database \"" + database
                        + "\" does not exist");
            }
        }
        return new Database(identity, true, null, null, "");
    }

    /**
     * Whether the pod's DNS resolves {@code host} inside the cluster: a Service name ({@code name}, or
     * {@code name.<namespace>} of an existing namespace, {@code name.ns.svc}, {@code name.ns.svc.cluster.local}).
     */
    private boolean clusterName(String host, String ns) {
        String[] parts = host.split("\\.");
        if (parts.length == 1 || parts.length == 3 && parts[2].equals("svc")
                || parts.length == 5 && host.endsWith(".svc.cluster.local")) {
            return true;
        }
        try {
            return parts.length == 2 && client().namespaces().withName(parts[1]).get() != null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private Optional<Service> clusterService(String host, String ns) {
        String[] parts = host.split("\\.");
        String svcNs = parts.length >= 2 ? parts[1] : ns;
        try {
            return Optional.ofNullable(client().services().inNamespace(svcNs).withName(parts[0]).get());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static boolean selects(Map<String, String> selector, PodTemplateSpec template) {
        Map<String, String> labels = template == null || template.getMetadata() == null
                || template.getMetadata().getLabels() == null ? Map.of() : template.getMetadata().getLabels();
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    /** The first container's environment, with the values of the Secrets it references. */
    private Map<String, String> environment(PodTemplateSpec template, String ns) {
        Map<String, String> out = new LinkedHashMap<>();
        if (template == null || template.getSpec() == null || template.getSpec().getContainers().isEmpty()) {
            return out;
        }
        for (EnvVar e : template.getSpec().getContainers().get(0).getEnv()) {
            if (e.getValue() != null) {
                out.put(e.getName(), e.getValue());
            } else if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                var ref = e.getValueFrom().getSecretKeyRef();
                Secret s = client().secrets().inNamespace(ns).withName(ref.getName()).get();
                if (s != null) {
                    secretValue(s, ref.getKey()).ifPresent(v -> out.put(e.getName(), v));
                }
            }
        }
        return out;
    }

    private static Optional<String> secretValue(Secret s, String key) {
        if (s.getData() != null && s.getData().get(key) != null) {
            return Optional.of(new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8));
        }
        return s.getStringData() == null ? Optional.empty() : Optional.ofNullable(s.getStringData().get(key));
    }

    /** The pod {@code <name>-0}: running and ready, or waiting with the kubelet's reason. */
    private void ensurePod(GenericKubernetesResource k, Database db) {
        String ns = k.getMetadata().getNamespace();
        String name = k.getMetadata().getName() + "-0";
        Pod live = client().pods().inNamespace(ns).withName(name).get();
        String want = db.runs() ? "ready" : db.reason();
        if (live != null && want.equals(live.getMetadata().getAnnotations() == null ? null
                : live.getMetadata().getAnnotations().get("sandbox.maas.dev/state"))) {
            return;
        }
        PodBuilder pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(ns)
                .addToLabels("app", "keycloak").addToLabels("app.kubernetes.io/managed-by", RHBK_MANAGED_BY)
                .addToLabels("app.kubernetes.io/instance", k.getMetadata().getName())
                .addToLabels("app.kubernetes.io/component", "server")
                .addToAnnotations("sandbox.maas.dev/state", want).endMetadata()
                .withNewSpec().addNewContainer().withName("keycloak")
                .withImage("registry.redhat.io/rhbk/keycloak-rhel9:26").endContainer().endSpec();
        if (db.runs()) {
            pod.withNewStatus().withPhase("Running")
                    .addNewCondition().withType("Ready").withStatus("True").endCondition()
                    .addNewContainerStatus().withName("keycloak").withReady(true).withRestartCount(0).withNewState()
                    .withNewRunning().endRunning().endState().endContainerStatus().endStatus();
        } else {
            pod.withNewStatus().withPhase(db.reason().equals("CrashLoopBackOff") ? "Running" : "Pending")
                    .addNewCondition().withType("Ready").withStatus("False").withReason("ContainersNotReady")
                    .withMessage("containers with unready status: [keycloak]").endCondition()
                    .addNewContainerStatus().withName("keycloak").withReady(false)
                    .withRestartCount(db.reason().equals("CrashLoopBackOff") ? 3 : 0).withNewState().withNewWaiting()
                    .withReason(db.reason()).withMessage(db.message()).endWaiting().endState().endContainerStatus()
                    .endStatus();
        }
        Pod p = pod.build();
        if (live == null) {
            // an API server ignores the status of a create (status subresource): the status is written after it
            client().pods().inNamespace(ns).resource(new PodBuilder(p).withStatus(null).build()).create();
        } else {
            client().pods().inNamespace(ns).withName(name).edit(existing -> {
                existing.getMetadata().setAnnotations(p.getMetadata().getAnnotations());
                return existing;
            });
        }
        client().pods().inNamespace(ns).withName(name).editStatus(existing -> {
            existing.setStatus(p.getStatus());
            return existing;
        });
    }

    // ------------------------------------------------------------------ restarts

    /**
     * Restarts the Keycloak of that Keycloak resource, as deleting its pod, a node drain or an automatic operator
     * upgrade does. An RHBK Keycloak without a durable {@code spec.db} comes back on an empty H2 database: every
     * realm of the real Keycloak but master is deleted (the bootstrap admin is made again from
     * {@code <name>-initial-admin}); with its database, or for RH-SSO (whose operator runs a PostgreSQL), nothing is
     * lost.
     *
     * @return true when the realms were kept
     * @throws IllegalArgumentException when there is no such Keycloak resource
     */
    public boolean restartKeycloak(String namespace, String name) {
        GenericKubernetesResource rhbk = client().genericKubernetesResources(RHBK_KEYCLOAK).inNamespace(namespace)
                .withName(name).get();
        if (rhbk == null) {
            if (client().genericKubernetesResources(RHSSO_KEYCLOAK).inNamespace(namespace).withName(name).get()
                    == null) {
                throw new IllegalArgumentException("no Keycloak " + namespace + "/" + name);
            }
            LOG.info("simulated RH-SSO operator: Keycloak {}/{} restarted; its data is in the operator's PostgreSQL",
                    namespace, name);
            return true;
        }
        boolean kept = restart(rhbk);
        reconcileRhbk(namespace, name);
        return kept;
    }

    private boolean restart(GenericKubernetesResource rhbk) {
        String key = rhbk.getMetadata().getNamespace() + "/" + rhbk.getMetadata().getName();
        Database db = database(rhbk);
        boolean kept = db.durable();
        if (!kept) {
            LOG.info("simulated RHBK operator: Keycloak {} restarted on the H2 database in its pod: its realms are"
                    + " lost", key);
            loseRealms(key);
        } else {
            LOG.info("simulated RHBK operator: Keycloak {} restarted; its data is in {}", key, db.identity());
        }
        runningOn.remove(key);
        return kept;
    }

    /** A pod of an RHBK Keycloak was deleted: it restarts, and the StatefulSet controller makes the pod again. */
    private void podDeleted(String ns, String instance) {
        try {
            GenericKubernetesResource k = client().genericKubernetesResources(RHBK_KEYCLOAK).inNamespace(ns)
                    .withName(instance).get();
            if (k == null || k.getMetadata().getDeletionTimestamp() != null || closed) {
                return;
            }
            restart(k);
            reconcileRhbk(ns, instance);
        } catch (RuntimeException e) {
            LOG.warn("simulated RHBK operator: restarting {}/{} failed: {}", ns, instance, e.toString());
        }
    }

    /** What a fresh H2 database holds: master only. */
    private void loseRealms(String key) {
        try (Keycloak admin = admin()) {
            for (RealmRepresentation realm : admin.realms().findAll()) {
                if (!"master".equals(realm.getRealm())) {
                    admin.realm(realm.getRealm()).remove();
                    LOG.info("simulated RHBK operator: realm {} is gone with {}'s database", realm.getRealm(), key);
                }
            }
        }
    }

    private Keycloak admin() {
        return KeycloakBuilder.builder().serverUrl(options.url()).realm("master").clientId("admin-cli")
                .username(options.adminUser()).password(options.adminPassword()).grantType("password").build();
    }

    // ------------------------------------------------------------------ helpers

    private static com.fasterxml.jackson.databind.JsonNode json(Object value) {
        try {
            return JSON.readTree(JSON.writeValueAsString(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(GenericKubernetesResource r) {
        Object s = r.getAdditionalProperties().get("status");
        return s instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    /** Writes the status unless the object has it already (compared as JSON, so 1 and 1L are the same). */
    private void setStatus(ResourceDefinitionContext type, String ns, String name, Map<String, Object> status) {
        GenericKubernetesResource live = client().genericKubernetesResources(type).inNamespace(ns).withName(name).get();
        if (live == null || json(status).equals(json(status(live)))) {
            return;
        }
        client().genericKubernetesResources(type).inNamespace(ns).withName(name).editStatus(r -> {
            r.getAdditionalProperties().put("status", new LinkedHashMap<>(status));
            return r;
        });
    }

    private ResourceEventHandler<GenericKubernetesResource> handler(Consumer<GenericKubernetesResource> action) {
        return context.reconciler("simulated Keycloak operator", action, obj -> { });
    }

    /** Any change of a workload, Secret or Service: the RHBK Keycloaks of that namespace look again. */
    private <T extends HasMetadata> ResourceEventHandler<T> namespaceResync() {
        return new ResourceEventHandler<>() {
            @Override public void onAdd(T obj) { resync(obj); }

            @Override public void onUpdate(T oldObj, T newObj) { resync(newObj); }

            @Override public void onDelete(T obj, boolean unknown) { resync(obj); }

            private void resync(T obj) {
                String ns = obj.getMetadata().getNamespace();
                if (ns == null || closed) {
                    return;
                }
                context.scheduler().execute(() -> {
                    try {
                        for (GenericKubernetesResource k : client().genericKubernetesResources(RHBK_KEYCLOAK)
                                .inNamespace(ns).list().getItems()) {
                            reconcileRhbk(ns, k.getMetadata().getName());
                        }
                    } catch (RuntimeException e) {
                        LOG.debug("simulated RHBK operator: resync of {} failed: {}", ns, e.toString());
                    }
                });
            }
        };
    }
}
