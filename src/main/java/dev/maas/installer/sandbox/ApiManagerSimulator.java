package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The 3scale operator's APIManager and CustomPolicyDefinition controllers, simulated in the test cluster.
 *
 * <p>For an APIManager it does what the operator (and zync) do on a fresh install of 3scale 2.15: creates the
 * system storage PVC (when the spec asks for a PersistentVolumeClaim), the 15 Deployments (fewer when
 * {@code externalComponents} moves a database out), marks them available one by one (listing them in
 * {@code status.deployments}), creates Secret {@code system-seed} (the admin token is the 3scale simulator's), the
 * tenant Routes, and finally sets condition {@code Available}. When the PVC's StorageClass cannot offer
 * ReadWriteMany the claim stays {@code Pending} and {@code system-app} never becomes available, as on a cluster
 * without RWX storage. A deployment named in {@link Behaviour#imagePullFailures()} gets a Pod stuck in
 * {@code ImagePullBackOff} and stays unavailable.
 *
 * <p>For a CustomPolicyDefinition it registers the policy in the 3scale simulator's policy registry (once per name
 * and version) and sets condition {@code Ready}.
 */
public final class ApiManagerSimulator implements SimulatedOperator {
    private static final Logger LOG = LoggerFactory.getLogger(ApiManagerSimulator.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The Deployments of 3scale 2.15 with internal databases, in the order they become available. */
    public static final List<String> DEPLOYMENTS = List.of("backend-redis", "system-mysql", "system-redis",
            "system-memcache", "zync-database", "backend-listener", "backend-worker", "backend-cron",
            "system-searchd", "system-app", "system-sidekiq", "zync", "zync-que", "apicast-staging",
            "apicast-production");
    public static final String SEED_SECRET = "system-seed";
    public static final String STORAGE_PVC = "system-storage";

    static final ResourceDefinitionContext APIMANAGERS = new ResourceDefinitionContext.Builder()
            .withGroup("apps.3scale.net").withVersion("v1alpha1").withPlural("apimanagers").withKind("APIManager")
            .withNamespaced(true).build();
    static final ResourceDefinitionContext CPDS = new ResourceDefinitionContext.Builder()
            .withGroup("capabilities.3scale.net").withVersion("v1beta1").withPlural("custompolicydefinitions")
            .withKind("CustomPolicyDefinition").withNamespaced(true).build();
    static final ResourceDefinitionContext DEPLOYMENTS_API = new ResourceDefinitionContext.Builder()
            .withGroup("apps").withVersion("v1").withPlural("deployments").withKind("Deployment")
            .withNamespaced(true).build();
    static final ResourceDefinitionContext ROUTES = new ResourceDefinitionContext.Builder()
            .withGroup("route.openshift.io").withVersion("v1").withPlural("routes").withKind("Route")
            .withNamespaced(true).build();
    static final ResourceDefinitionContext PVCS = new ResourceDefinitionContext.Builder()
            .withGroup("").withVersion("v1").withPlural("persistentvolumeclaims").withKind("PersistentVolumeClaim")
            .withNamespaced(true).build();
    static final ResourceDefinitionContext PODS = new ResourceDefinitionContext.Builder()
            .withGroup("").withVersion("v1").withPlural("pods").withKind("Pod").withNamespaced(true).build();
    static final ResourceDefinitionContext SECRETS = new ResourceDefinitionContext.Builder()
            .withGroup("").withVersion("v1").withPlural("secrets").withKind("Secret").withNamespaced(true).build();

    /** Provisioners that offer ReadWriteMany (as the sandbox seeds them: CephFS; also NFS-like ones). */
    private static final Pattern RWX_PROVISIONER = Pattern.compile(".*(cephfs|nfs|efs|azure-file|filestore).*");

    /**
     * How the simulated operator behaves, and the cluster states it meets.
     *
     * @param step                delay between two deployments becoming available
     * @param imagePullFailures   deployments whose pods cannot pull their image
     * @param hostsAlreadyClaimed Route hosts another, older Route already exposes (host → that Route's name): the
     *                            router rejects ours with {@code HostAlreadyClaimed} and the APIManager never becomes
     *                            Available (3scale-operator {@code apimanager_status_reconciler.go} defaultRoutesReady)
     * @param preflightsFailure   when set, the operator's preflights fail with this culprit (2.16 external databases
     *                            of the wrong version, {@code apimanager_controller.go} PreflightChecks): condition
     *                            {@code Preflights} False and nothing is deployed
     * @param trustsIngressCa     the operator image's CA store trusts the cluster's ingress certificate (as when the
     *                            cluster's default ingress certificate is issued by a public CA); false on a fresh
     *                            cluster, whose self-signed ingress CA no image trusts
     */
    public record Behaviour(Duration step, Set<String> imagePullFailures, Map<String, String> hostsAlreadyClaimed,
                            String preflightsFailure, boolean trustsIngressCa) {
        public Behaviour {
            Objects.requireNonNull(step, "step");
            imagePullFailures = Set.copyOf(imagePullFailures);
            hostsAlreadyClaimed = Map.copyOf(hostsAlreadyClaimed);
        }

        public Behaviour(Duration step, Set<String> imagePullFailures) {
            this(step, imagePullFailures, Map.of(), null, false);
        }

        public static Behaviour defaults() { return new Behaviour(Duration.ofMillis(20), Set.of()); }

        public Behaviour withImagePullFailure(String deployment) {
            Set<String> s = new java.util.HashSet<>(imagePullFailures);
            s.add(deployment);
            return new Behaviour(step, s, hostsAlreadyClaimed, preflightsFailure, trustsIngressCa);
        }

        /** {@code host} is already exposed by the older Route {@code olderRoute}. */
        public Behaviour withHostAlreadyClaimed(String host, String olderRoute) {
            Map<String, String> m = new java.util.HashMap<>(hostsAlreadyClaimed);
            m.put(host, olderRoute);
            return new Behaviour(step, imagePullFailures, m, preflightsFailure, trustsIngressCa);
        }

        /** The preflights fail, naming {@code culprit} (e.g. "system redis version mismatch - ..."). */
        public Behaviour withPreflightsFailure(String culprit) {
            return new Behaviour(step, imagePullFailures, hostsAlreadyClaimed, culprit, trustsIngressCa);
        }

        /** The operator trusts the cluster's ingress certificate (a publicly trusted one). */
        public Behaviour withTrustedIngressCertificate() {
            return new Behaviour(step, imagePullFailures, hostsAlreadyClaimed, preflightsFailure, true);
        }
    }

    private final ThreescaleSimulator threescale;
    private final String masterToken;
    private volatile Behaviour behaviour;
    private final Map<String, Boolean> started = new ConcurrentHashMap<>();
    private final List<SharedIndexInformer<?>> informers = new CopyOnWriteArrayList<>();
    private SimulationContext context;

    /**
     * @param threescale  the 3scale simulator behind the tenant (its token goes into system-seed, CustomPolicy
     *                    Definitions go into its registry); null: a generated token and no registry
     */
    public ApiManagerSimulator(ThreescaleSimulator threescale, Behaviour behaviour) {
        this.threescale = threescale;
        this.behaviour = Objects.requireNonNull(behaviour);
        this.masterToken = threescale != null && threescale.masterToken() != null ? threescale.masterToken()
                : newToken();
    }

    @Override
    public String name() { return "3scale-operator"; }

    public void behaviour(Behaviour b) { this.behaviour = Objects.requireNonNull(b); }

    @Override
    public void start(SimulationContext ctx) {
        this.context = ctx;
        informers.add(client().genericKubernetesResources(APIMANAGERS).inAnyNamespace()
                .inform(handler(this::onApiManager), 0));
        informers.add(client().genericKubernetesResources(CPDS).inAnyNamespace()
                .inform(handler(this::onPolicyDefinition), 0));
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
        informers.clear();
    }

    private KubernetesClient client() { return context.client(); }

    // ------------------------------------------------------------------------------------------- APIManager

    private void onApiManager(GenericKubernetesResource event) {
        String ns = event.getMetadata().getNamespace();
        String name = event.getMetadata().getName();
        String key = ns + "/" + name;
        if (started.putIfAbsent(key, Boolean.TRUE) != null) {
            return; // the status writes come back as updates; the install runs once
        }
        JsonNode am = JSON.valueToTree(event);
        if (available(am)) {
            // a resumed sandbox: the operator that starts again reconciles an installed APIManager whose Deployments
            // and Routes are ready, and its status reconciler computes the same Available condition
            // (3scale-operator controllers/apps/apimanager_status_reconciler.go apimanagerAvailableCondition)
            LOG.info("simulated 3scale operator: APIManager {}/{} is installed and Available", ns, name);
            return;
        }
        JsonNode spec = am.path("spec");
        String wildcard = spec.path("wildcardDomain").asText(context.appsDomain());
        String tenant = spec.path("tenantName").asText("3scale");
        if (behaviour.preflightsFailure() != null) {
            // apimanager_controller.go: failed preflights requeue in 10 minutes before anything is deployed; the
            // status reconciler writes Available False and Preflights False (apimanager_status_reconciler.go
            // reconcilePreflightsStatus, fresh install)
            writeStatus(ns, name, List.of(), List.of(), false, "Deployments are not ready", "Preflights failed - "
                    + "fresh installation detected but the requirements have not been met, "
                    + behaviour.preflightsFailure() + " - re-running preflights in 10 minutes");
            LOG.info("simulated 3scale operator: APIManager {}/{} preflights failed", ns, name);
            return;
        }
        boolean storageBound = storage(ns, spec);
        List<String> deployments = deploymentsFor(spec);
        Set<String> unboundDatabases = databaseStorage(ns, spec, deployments);
        for (String d : deployments) {
            createIfMissing(DEPLOYMENTS_API, ns, deployment(ns, d, name, event.getMetadata().getUid()));
        }
        createIfMissing(SECRETS, ns, seed(ns, tenant));
        writeStatus(ns, name, List.of(), deployments, false, "Deployments are starting", null);
        List<String> pending = new ArrayList<>();
        for (String d : deployments) {
            boolean blocked = behaviour.imagePullFailures().contains(d) || (!storageBound && d.equals("system-app"))
                    || unboundDatabases.contains(d);
            if (blocked) {
                pending.add(d);
                if (behaviour.imagePullFailures().contains(d)) {
                    ObjectNode pod = pullFailingPod(ns, d);
                    JsonNode status = pod.remove("status");
                    createIfMissing(PODS, ns, pod);
                    ObjectNode patch = NODES.objectNode();
                    patch.set("status", status);
                    client().genericKubernetesResources(PODS).inNamespace(ns)
                            .withName(pod.path("metadata").path("name").asText()).subresource("status")
                            .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
                }
            }
        }
        List<String> order = deployments.stream().filter(d -> !pending.contains(d)).toList();
        scheduleNext(ns, name, tenant, wildcard, deployments, order, 0, pending);
    }

    private void scheduleNext(String ns, String name, String tenant, String wildcard, List<String> all,
                              List<String> order, int done, List<String> blocked) {
        context.scheduler().schedule(() -> {
            try {
                if (done < order.size()) {
                    String d = order.get(done);
                    markAvailable(ns, d);
                    List<String> ready = order.subList(0, done + 1);
                    writeStatus(ns, name, ready, all.stream().filter(x -> !ready.contains(x)).toList(), false,
                            "Deployments are starting", null);
                    scheduleNext(ns, name, tenant, wildcard, all, order, done + 1, blocked);
                } else if (blocked.isEmpty()) {
                    List<String> rejected = routes(ns, tenant, wildcard);
                    // Available needs every deployment and the six default routes admitted
                    // (apimanager_status_reconciler.go apimanagerAvailableCondition, defaultRoutesReady)
                    writeStatus(ns, name, all, List.of(), rejected.isEmpty(),
                            rejected.isEmpty() ? "" : "Routes are not ready", null);
                    if (rejected.isEmpty()) {
                        LOG.info("simulated 3scale operator: APIManager {}/{} Available", ns, name);
                    } else {
                        LOG.info("simulated 3scale operator: APIManager {}/{} stuck on routes {}", ns, name, rejected);
                    }
                } else {
                    LOG.info("simulated 3scale operator: APIManager {}/{} stuck on {}", ns, name, blocked);
                }
            } catch (RuntimeException e) {
                LOG.warn("simulated 3scale operator: {}/{} failed: {}", ns, name, e.toString());
            }
        }, behaviour.step().toMillis(), TimeUnit.MILLISECONDS);
    }

    private static boolean available(JsonNode apiManager) {
        for (JsonNode c : apiManager.path("status").path("conditions")) {
            if (c.path("type").asText().equals("Available")) {
                return c.path("status").asText().equals("True");
            }
        }
        return false;
    }

    private static List<String> deploymentsFor(JsonNode spec) {
        JsonNode ext = spec.path("externalComponents");
        List<String> out = new ArrayList<>(DEPLOYMENTS);
        if (ext.path("backend").path("redis").asBoolean(false)) {
            out.remove("backend-redis");
        }
        if (ext.path("system").path("database").asBoolean(false)) {
            out.remove("system-mysql");
        }
        if (ext.path("system").path("redis").asBoolean(false)) {
            out.remove("system-redis");
        }
        if (ext.path("zync").path("database").asBoolean(false)) {
            out.remove("zync-database");
        }
        return out;
    }

    /** Creates the system storage PVC when the spec asks for one; true when it can be bound. */
    private boolean storage(String ns, JsonNode spec) {
        JsonNode fs = spec.path("system").path("fileStorage");
        if (fs.has("simpleStorageService") || fs.has("amazonSimpleStorageService")) {
            return true;
        }
        String sc = fs.path("persistentVolumeClaim").path("storageClassName").asText(null);
        ObjectNode pvc = object("v1", "PersistentVolumeClaim", STORAGE_PVC, ns);
        ObjectNode pvcSpec = pvc.putObject("spec");
        pvcSpec.putArray("accessModes").add("ReadWriteMany");
        pvcSpec.putObject("resources").putObject("requests").put("storage", "100Mi");
        if (sc != null) {
            pvcSpec.put("storageClassName", sc);
        }
        createIfMissing(PVCS, ns, pvc);
        boolean rwx = rwxClass(sc);
        ObjectNode status = NODES.objectNode();
        ObjectNode st = status.putObject("status").put("phase", rwx ? "Bound" : "Pending");
        if (rwx) {
            st.putArray("accessModes").add("ReadWriteMany");
            st.putObject("capacity").put("storage", "100Mi");
        }
        client().genericKubernetesResources(PVCS).inNamespace(ns).withName(STORAGE_PVC).subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), status.toString());
        return rwx;
    }

    /** The database Deployments of 3scale 2.15 and their PVCs (redis.go, system_mysql.go). */
    private static final Map<String, String> DATABASE_PVCS = Map.of("backend-redis", "backend-redis-storage",
            "system-redis", "system-redis-storage", "system-mysql", "mysql-storage");

    /**
     * Creates the PVCs of the internal databases (3scale-operator {@code redis.go} backend-redis-storage and
     * system-redis-storage, {@code system_mysql.go} mysql-storage; no storageClassName unless the spec names one, so
     * the cluster's default StorageClass provisions them). Without a default StorageClass such a claim stays
     * Pending, as on a real cluster, and its database never starts. Returns the database Deployments left waiting.
     */
    private Set<String> databaseStorage(String ns, JsonNode spec, List<String> deployments) {
        Set<String> waiting = new java.util.HashSet<>();
        for (Map.Entry<String, String> db : DATABASE_PVCS.entrySet()) {
            if (!deployments.contains(db.getKey())) {
                continue;
            }
            String sc = switch (db.getKey()) {
                case "backend-redis" -> spec.path("backend").path("redisPersistentVolumeClaim")
                        .path("storageClassName").asText(null);
                case "system-redis" -> spec.path("system").path("redisPersistentVolumeClaim")
                        .path("storageClassName").asText(null);
                default -> spec.path("system").path("database").path("mysql").path("persistentVolumeClaim")
                        .path("storageClassName").asText(null);
            };
            ObjectNode pvc = object("v1", "PersistentVolumeClaim", db.getValue(), ns);
            ObjectNode pvcSpec = pvc.putObject("spec");
            pvcSpec.putArray("accessModes").add("ReadWriteOnce");
            pvcSpec.putObject("resources").putObject("requests").put("storage", "1Gi");
            if (sc != null) {
                pvcSpec.put("storageClassName", sc);
            }
            createIfMissing(PVCS, ns, pvc);
            boolean bound = storageClass(sc).isPresent();
            ObjectNode status = NODES.objectNode();
            ObjectNode st = status.putObject("status").put("phase", bound ? "Bound" : "Pending");
            if (bound) {
                st.putArray("accessModes").add("ReadWriteOnce");
                st.putObject("capacity").put("storage", "1Gi");
            } else {
                waiting.add(db.getKey());
            }
            client().genericKubernetesResources(PVCS).inNamespace(ns).withName(db.getValue()).subresource("status")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), status.toString());
        }
        return waiting;
    }

    /** The named StorageClass, or the cluster's default one when {@code name} is null. */
    private java.util.Optional<io.fabric8.kubernetes.api.model.storage.StorageClass> storageClass(String name) {
        var classes = client().storage().v1().storageClasses().list().getItems();
        return name != null ? classes.stream().filter(c -> c.getMetadata().getName().equals(name)).findFirst()
                : classes.stream().filter(c -> c.getMetadata().getAnnotations() != null && "true".equals(
                c.getMetadata().getAnnotations().get("storageclass.kubernetes.io/is-default-class"))).findFirst();
    }

    private boolean rwxClass(String name) {
        var classes = client().storage().v1().storageClasses().list().getItems();
        var chosen = name != null ? classes.stream().filter(c -> c.getMetadata().getName().equals(name)).findFirst()
                : classes.stream().filter(c -> c.getMetadata().getAnnotations() != null && "true".equals(
                c.getMetadata().getAnnotations().get("storageclass.kubernetes.io/is-default-class"))).findFirst();
        return chosen.map(c -> c.getProvisioner() != null && RWX_PROVISIONER.matcher(c.getProvisioner()).matches())
                .orElse(false);
    }

    private static ObjectNode deployment(String ns, String name, String owner, String ownerUid) {
        ObjectNode d = object("apps/v1", "Deployment", name, ns);
        ObjectNode meta = (ObjectNode) d.get("metadata");
        meta.putObject("labels").put("app", "3scale-api-management").put("threescale_component",
                name.substring(0, name.indexOf('-') < 0 ? name.length() : name.indexOf('-')));
        if (ownerUid != null) {
            meta.putArray("ownerReferences").addObject().put("apiVersion", "apps.3scale.net/v1alpha1")
                    .put("kind", "APIManager").put("name", owner).put("uid", ownerUid).put("controller", true);
        }
        ObjectNode spec = d.putObject("spec").put("replicas", 1);
        spec.putObject("selector").putObject("matchLabels").put("deployment", name);
        ObjectNode template = spec.putObject("template");
        template.putObject("metadata").putObject("labels").put("deployment", name);
        template.putObject("spec").putArray("containers").addObject().put("name", name)
                .put("image", "registry.redhat.io/3scale-amp2/" + name + ":3scale2.15");
        return d;
    }

    private void markAvailable(String ns, String name) {
        ObjectNode patch = NODES.objectNode();
        ObjectNode st = patch.putObject("status").put("observedGeneration", 1).put("replicas", 1)
                .put("readyReplicas", 1).put("availableReplicas", 1).put("updatedReplicas", 1);
        st.putArray("conditions").addObject().put("type", "Available").put("status", "True")
                .put("reason", "MinimumReplicasAvailable").put("message", "Deployment has minimum availability.")
                .put("lastTransitionTime", now());
        client().genericKubernetesResources(DEPLOYMENTS_API).inNamespace(ns).withName(name).subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    }

    private static ObjectNode pullFailingPod(String ns, String deployment) {
        ObjectNode pod = object("v1", "Pod", deployment + "-1-x7k2p", ns);
        ((ObjectNode) pod.get("metadata")).putObject("labels").put("deployment", deployment);
        pod.putObject("spec").putArray("containers").addObject().put("name", deployment)
                .put("image", "registry.redhat.io/3scale-amp2/" + deployment + ":3scale2.15");
        ObjectNode st = pod.putObject("status").put("phase", "Pending");
        st.putArray("containerStatuses").addObject().put("name", deployment).put("ready", false)
                .put("restartCount", 0).put("image", "registry.redhat.io/3scale-amp2/" + deployment + ":3scale2.15")
                .putObject("state").putObject("waiting").put("reason", "ImagePullBackOff")
                .put("message", "Back-off pulling image \"registry.redhat.io/3scale-amp2/" + deployment
                        + ":3scale2.15\"");
        return pod;
    }

    private ObjectNode seed(String ns, String tenant) {
        ObjectNode s = object("v1", "Secret", SEED_SECRET, ns);
        s.put("type", "Opaque");
        ObjectNode data = s.putObject("data");
        String admin = threescale != null ? threescale.accessToken() : newToken();
        Map.of("ADMIN_ACCESS_TOKEN", admin, "MASTER_ACCESS_TOKEN", masterToken, "ADMIN_USER", "admin",
                        "ADMIN_PASSWORD", newToken().substring(0, 16), "ADMIN_EMAIL", "admin@" + tenant + ".local",
                        "MASTER_USER", "master", "MASTER_PASSWORD", newToken().substring(0, 16),
                        "TENANT_NAME", tenant, "MASTER_DOMAIN", "master")
                .forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return s;
    }

    /**
     * The Routes zync creates for a fresh tenant: master, the tenant's admin and developer portals, the backend
     * listener, and the staging and production APIcast routes of the tenant's sample product ({@code api}).
     */
    private List<String> routes(String ns, String tenant, String wildcard) {
        List<String> rejected = new ArrayList<>();
        List<String[]> routes = List.of(
                new String[] {"zync-3scale-master", "master." + wildcard, "system-master", "http"},
                new String[] {"zync-3scale-provider", tenant + "-admin." + wildcard, "system-provider", "http"},
                new String[] {"zync-3scale-developer", tenant + "." + wildcard, "system-developer", "http"},
                new String[] {"backend", "backend-" + tenant + "." + wildcard, "backend-listener", "http"},
                new String[] {"zync-3scale-api-staging", "api-" + tenant + "-apicast-staging." + wildcard,
                        "apicast-staging", "gateway"},
                new String[] {"zync-3scale-api-production", "api-" + tenant + "-apicast-production." + wildcard,
                        "apicast-production", "gateway"});
        for (String[] r : routes) {
            String name = r[0] + "-" + suffix(r[1]);
            ObjectNode route = object("route.openshift.io/v1", "Route", name, ns);
            ((ObjectNode) route.get("metadata")).putObject("labels").put("app", "3scale-api-management")
                    .put("zync.3scale.net/route-to", r[2]);
            ObjectNode spec = route.putObject("spec").put("host", r[1]);
            spec.putObject("to").put("kind", "Service").put("name", r[2]).put("weight", 100);
            spec.putObject("port").put("targetPort", r[3]);
            spec.putObject("tls").put("termination", "edge").put("insecureEdgeTerminationPolicy", "Redirect");
            createIfMissing(ROUTES, ns, route);
            ObjectNode status = NODES.objectNode();
            ArrayNode ingress = status.putObject("status").putArray("ingress");
            ObjectNode in = ingress.addObject().put("host", r[1]).put("routerName", "default")
                    .put("wildcardPolicy", "None").put("routerCanonicalHostname", "router-default." + wildcard);
            String older = behaviour.hostsAlreadyClaimed().get(r[1]);
            if (older == null) {
                in.putArray("conditions").addObject().put("type", "Admitted").put("status", "True")
                        .put("lastTransitionTime", now());
            } else {
                // the router's unique-host admission: an older Route keeps the host (openshift/router
                // pkg/router/controller/unique_host.go, RecordRouteRejection "HostAlreadyClaimed")
                in.putArray("conditions").addObject().put("type", "Admitted").put("status", "False")
                        .put("reason", "HostAlreadyClaimed")
                        .put("message", "route " + older + " already exposes " + r[1] + " and is older")
                        .put("lastTransitionTime", now());
                rejected.add(r[1]);
            }
            client().genericKubernetesResources(ROUTES).inNamespace(ns).withName(name).subresource("status")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), status.toString());
        }
        return rejected;
    }

    /**
     * The APIManager status: deployments, condition Available, and condition Preflights (True with porta's
     * "All requirements for the current version are met" unless {@code preflightsFailed} gives the message;
     * apimanager_status_reconciler.go reconcilePreflightsStatus).
     */
    private void writeStatus(String ns, String name, List<String> ready, List<String> starting, boolean available,
                             String message, String preflightsFailed) {
        ObjectNode patch = NODES.objectNode();
        ObjectNode st = patch.putObject("status");
        ObjectNode deployments = st.putObject("deployments");
        ready.stream().sorted().forEach(deployments.putArray("ready")::add);
        starting.stream().sorted().forEach(deployments.putArray("starting")::add);
        if (starting.isEmpty()) {
            deployments.putArray("starting");
        }
        if (ready.isEmpty()) {
            deployments.putArray("ready");
        }
        ArrayNode conditions = st.putArray("conditions");
        ObjectNode c = conditions.addObject().put("type", "Available")
                .put("status", available ? "True" : "False").put("lastTransitionTime", now());
        if (!available) {
            c.put("reason", "DeploymentsNotReady").put("message", message);
        }
        conditions.addObject().put("type", "Preflights").put("status", preflightsFailed == null ? "True" : "False")
                .put("reason", "PreflightsPass").put("message", preflightsFailed == null
                        ? "All requirements for the current version are met" : preflightsFailed)
                .put("lastTransitionTime", now());
        client().genericKubernetesResources(APIMANAGERS).inNamespace(ns).withName(name).subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    }

    // --------------------------------------------------------------------------------- CustomPolicyDefinition

    /**
     * The operator's CustomPolicyDefinition controller
     * ({@code controllers/capabilities/custompolicydefinition_controller.go}), run on every event of the object as
     * controller-runtime does:
     * <ol>
     *   <li>the provider account: the namespace's APIManager gives {@code https://<tenantName>-admin.<wildcardDomain>}
     *       and Secret system-seed its ADMIN_ACCESS_TOKEN ({@code pkg/controller/helper/lookup_provider_account.go},
     *       providerAccountFromLocal3scaleSource);</li>
     *   <li>a porta client that verifies the admin Route's certificate against the image's CA store unless the object
     *       is annotated {@code insecure_skip_verify: "true"} ({@code pkg/controller/helper/threescale_api.go}): the
     *       certificate is the one the router serves for that host, the Route's own or the cluster's default ingress
     *       certificate ({@link SandboxIngress}), and the image trusts it only with
     *       {@link Behaviour#trustsIngressCa()};</li>
     *   <li>the registry ({@code custompolicydefinition_threescale_reconciler.go}): the policy found by
     *       {@code status.policyID} or by name and version is adopted, else created; it is updated when its name,
     *       version, schema name, version, $schema, summary, configuration, or (when the object has one) description
     *       differ from the object's;</li>
     *   <li>the status ({@code custompolicydefinition_status_reconciler.go}): conditions Ready, Invalid and Failed
     *       (with the error), policyID and providerAccountHost, written only when they change.</li>
     * </ol>
     * The real controller also requeues a failed object with a growing delay; here a failed one is reconciled again
     * on its next change (e.g. the annotation added).
     */
    private void onPolicyDefinition(GenericKubernetesResource event) {
        if (event.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        String ns = event.getMetadata().getNamespace();
        String cpdName = event.getMetadata().getName();
        GenericKubernetesResource live = client().genericKubernetesResources(CPDS).inNamespace(ns).withName(cpdName)
                .get();
        if (live == null) {
            return;
        }
        JsonNode cpd = JSON.valueToTree(live);
        String adminUrl = "";
        Long id = cpd.path("status").has("policyID") ? cpd.path("status").path("policyID").asLong() : null;
        String error;
        try {
            adminUrl = providerAdminUrl(ns);
            boolean insecure = "true".equals(cpd.path("metadata").path("annotations").path("insecure_skip_verify")
                    .asText(null));
            String host = java.net.URI.create(adminUrl).getHost();
            String tlsError = insecure ? null : verifyRouteCertificate(ns, host);
            if (tlsError != null) {
                // what net/http returns for the porta client's first call (ListAPIcastPolicies)
                throw new IllegalStateException("Get \"" + adminUrl + "/admin/api/registry/policies.json\": "
                        + tlsError);
            }
            id = syncRegistry(cpd.path("spec"), id);
            error = null;
        } catch (RuntimeException e) {
            error = e.getMessage();
        }
        ObjectNode status = NODES.objectNode();
        if (id != null && error == null) {
            status.put("policyID", id);
        } else {
            status.putNull("policyID"); // the status reconciler sets no ID after an error
        }
        status.put("providerAccountHost", adminUrl);
        status.put("observedGeneration", live.getMetadata().getGeneration() == null ? 1
                : live.getMetadata().getGeneration());
        ArrayNode conditions = status.putArray("conditions");
        conditions.add(condition(cpd, "Failed", error != null, error));
        conditions.add(condition(cpd, "Invalid", false, null));
        conditions.add(condition(cpd, "Ready", error == null, null));
        if (sameStatus(cpd.path("status"), status)) {
            return; // steady state: the status reconciler writes nothing
        }
        ObjectNode patch = NODES.objectNode();
        patch.set("status", status);
        client().genericKubernetesResources(CPDS).inNamespace(ns).withName(cpdName)
                .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
        if (error == null) {
            LOG.info("simulated 3scale operator: policy {} {} in the registry", cpd.path("spec").path("name").asText(),
                    cpd.path("spec").path("version").asText());
        } else {
            LOG.info("simulated 3scale operator: CustomPolicyDefinition {}/{} failed: {}", ns, cpdName, error);
        }
    }

    /** lookup_provider_account.go providerAccountFromLocal3scaleSource: the admin URL of the namespace's tenant. */
    private String providerAdminUrl(String ns) {
        List<GenericKubernetesResource> ams = client().genericKubernetesResources(APIMANAGERS).inNamespace(ns).list()
                .getItems();
        if (ams.isEmpty()) {
            throw new IllegalStateException("LookupProviderAccount: no provider account found");
        }
        JsonNode spec = JSON.valueToTree(ams.get(0)).path("spec");
        if (!spec.hasNonNull("tenantName")) {
            throw new IllegalStateException("providerAccountFromLocal3scaleSource: apimanager found, '"
                    + ams.get(0).getMetadata().getName() + "', but tenantName is empty");
        }
        var seed = client().secrets().inNamespace(ns).withName(SEED_SECRET).get();
        if (seed == null || seed.getData() == null || !seed.getData().containsKey("ADMIN_ACCESS_TOKEN")) {
            throw new IllegalStateException("providerAccountFromLocal3scaleSource: Secret " + SEED_SECRET
                    + " or its field ADMIN_ACCESS_TOKEN not found");
        }
        return "https://" + spec.path("tenantName").asText() + "-admin." + spec.path("wildcardDomain").asText();
    }

    /**
     * Go's certificate verification of the admin Route as the operator pod sees it: the chain the router serves for
     * {@code host} (the Route's own certificate, else the cluster's default ingress certificate as published in
     * openshift-config-managed/default-ingress-cert), checked against the image's CA store (this JVM's default trust
     * store, plus the ingress CA when {@link Behaviour#trustsIngressCa()}). Null when it verifies, else Go's error
     * text.
     */
    private String verifyRouteCertificate(String ns, String host) {
        String pem = null;
        for (GenericKubernetesResource r : client().genericKubernetesResources(ROUTES).inNamespace(ns).list()
                .getItems()) {
            JsonNode spec = JSON.valueToTree(r).path("spec");
            if (host.equals(spec.path("host").asText()) && spec.path("tls").hasNonNull("certificate")) {
                pem = spec.path("tls").path("certificate").asText() + "\n" + spec.path("tls").path("caCertificate")
                        .asText("");
            }
        }
        if (pem == null) {
            var cm = client().configMaps().inNamespace(SandboxIngress.CONFIG_MAP_NAMESPACE)
                    .withName(SandboxIngress.CONFIG_MAP).get();
            pem = cm == null || cm.getData() == null ? null : cm.getData().get(SandboxIngress.CA_BUNDLE_KEY);
        }
        if (pem == null) {
            return "tls: failed to verify certificate: x509: certificate signed by unknown authority";
        }
        List<java.security.cert.X509Certificate> chain = SandboxIngress.parse(pem);
        java.security.cert.X509Certificate leaf = chain.get(0);
        if (!SandboxIngress.matchesHost(leaf, host)) {
            return "tls: failed to verify certificate: x509: certificate is not valid for " + host;
        }
        try {
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            java.security.KeyStore anchors = java.security.KeyStore.getInstance(
                    java.security.KeyStore.getDefaultType());
            anchors.load(null, null);
            javax.net.ssl.TrustManagerFactory system = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            system.init((java.security.KeyStore) null);
            int n = 0;
            for (javax.net.ssl.TrustManager tm : system.getTrustManagers()) {
                if (tm instanceof javax.net.ssl.X509TrustManager x) {
                    for (java.security.cert.X509Certificate ca : x.getAcceptedIssuers()) {
                        anchors.setCertificateEntry("image-" + n++, ca);
                    }
                }
            }
            if (behaviour.trustsIngressCa()) {
                var cm = client().configMaps().inNamespace(SandboxIngress.CONFIG_MAP_NAMESPACE)
                        .withName(SandboxIngress.CONFIG_MAP).get();
                if (cm != null && cm.getData() != null && cm.getData().get(SandboxIngress.CA_BUNDLE_KEY) != null) {
                    for (var ca : SandboxIngress.parse(cm.getData().get(SandboxIngress.CA_BUNDLE_KEY))) {
                        anchors.setCertificateEntry("ingress-" + n++, ca);
                    }
                }
            }
            tmf.init(anchors);
            for (javax.net.ssl.TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof javax.net.ssl.X509TrustManager x) {
                    x.checkServerTrusted(chain.toArray(java.security.cert.X509Certificate[]::new), "UNKNOWN");
                    return null;
                }
            }
            return "tls: failed to verify certificate: x509: no trust anchors";
        } catch (java.security.cert.CertificateException e) {
            return "tls: failed to verify certificate: x509: certificate signed by unknown authority";
        } catch (java.security.GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot check the route certificate: " + e.getMessage(), e);
        }
    }

    /**
     * custompolicydefinition_threescale_reconciler.go: adopt the registry policy with this id or this name and
     * version, create it when there is none, update it when it differs; returns its id.
     */
    private Long syncRegistry(JsonNode spec, Long knownId) {
        if (threescale == null) {
            return 0L;
        }
        String policy = spec.path("name").asText();
        String version = spec.path("version").asText();
        JsonNode schema = spec.path("schema");
        ObjectNode desired = NODES.objectNode();
        desired.put("name", schema.path("name").asText()).put("summary", schema.path("summary").asText())
                .put("$schema", schema.path("$schema").asText()).put("version", schema.path("version").asText());
        desired.set("configuration", schema.path("configuration").deepCopy());
        if (schema.has("description")) {
            desired.set("description", schema.get("description").deepCopy());
        }
        JsonNode existing = threescale.store().registryPolicies().stream()
                .filter(p -> (knownId != null && p.path("id").asLong() == knownId)
                        || (p.path("name").asText().equals(policy) && p.path("version").asText().equals(version)))
                .findFirst().orElse(null);
        if (existing == null) {
            ObjectNode create = desired.deepCopy();
            create.remove("description"); // the create carries no description; the update below adds it
            existing = threescale.store().addRegistryPolicy(policy, version, create);
        }
        JsonNode have = existing.path("schema");
        boolean differs = !policy.equals(existing.path("name").asText())
                || !version.equals(existing.path("version").asText());
        for (String field : List.of("name", "version", "$schema", "summary", "configuration")) {
            differs |= !desired.path(field).equals(have.path(field));
        }
        if (desired.has("description") && !desired.get("description").equals(have.path("description"))) {
            differs = true;
        }
        long id = existing.path("id").asLong();
        if (differs) {
            Map<String, List<String>> errors = threescale.store().updateRegistryPolicy(id, policy, version, desired);
            if (!errors.isEmpty()) {
                // porta-go-client's error for a 422 answer
                throw new IllegalStateException("error calling 3scale system - reason: {\"errors\":"
                        + JSON.valueToTree(errors) + "} - code: 422");
            }
        }
        return id;
    }

    /** A common.Condition; lastTransitionTime kept while the status stays (common.Conditions SetCondition). */
    private static ObjectNode condition(JsonNode cpd, String type, boolean status, String message) {
        ObjectNode c = NODES.objectNode().put("type", type).put("status", status ? "True" : "False");
        if (message != null) {
            c.put("message", message);
        }
        String since = now();
        for (JsonNode old : cpd.path("status").path("conditions")) {
            if (type.equals(old.path("type").asText()) && c.path("status").equals(old.path("status"))) {
                since = old.path("lastTransitionTime").asText(since);
            }
        }
        c.put("lastTransitionTime", since);
        return c;
    }

    private static boolean sameStatus(JsonNode have, ObjectNode want) {
        if (!have.isObject()) {
            return false;
        }
        for (String f : List.of("policyID", "providerAccountHost", "observedGeneration")) {
            boolean bothUnset = want.path(f).isNull() && (have.path(f).isMissingNode() || have.path(f).isNull());
            if (!bothUnset && !want.path(f).equals(have.path(f))) {
                return false;
            }
        }
        java.util.Set<String> a = new java.util.HashSet<>();
        java.util.Set<String> b = new java.util.HashSet<>();
        have.path("conditions").forEach(c -> a.add(c.path("type").asText() + c.path("status").asText()
                + c.path("message").asText()));
        want.path("conditions").forEach(c -> b.add(c.path("type").asText() + c.path("status").asText()
                + c.path("message").asText()));
        return a.equals(b);
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private void createIfMissing(ResourceDefinitionContext type, String ns, ObjectNode object) {
        String name = object.path("metadata").path("name").asText();
        var ops = client().genericKubernetesResources(type).inNamespace(ns);
        if (ops.withName(name).get() != null) {
            return;
        }
        try {
            ops.resource(JSON.convertValue(object, GenericKubernetesResource.class)).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    private static ObjectNode object(String apiVersion, String kind, String name, String ns) {
        ObjectNode o = NODES.objectNode().put("apiVersion", apiVersion).put("kind", kind);
        ObjectNode meta = o.putObject("metadata").put("name", name);
        if (ns != null) {
            meta.put("namespace", ns);
        }
        return o;
    }

    private ResourceEventHandler<GenericKubernetesResource> handler(Consumer<GenericKubernetesResource> action) {
        // a recreated APIManager is installed again
        return context.reconciler("simulated 3scale operator", action, obj -> started.remove(obj.getMetadata().getNamespace() + "/" + obj.getMetadata().getName()));
    }

    private static String suffix(String seed) {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        int h = seed.hashCode();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            sb.append(alphabet.charAt(Math.floorMod(h >> (i * 5), alphabet.length())));
        }
        return sb.toString();
    }

    private static String newToken() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
