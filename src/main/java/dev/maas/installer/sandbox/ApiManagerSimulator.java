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
     * How the simulated operator behaves.
     *
     * @param step               delay between two deployments becoming available
     * @param imagePullFailures  deployments whose pods cannot pull their image
     */
    public record Behaviour(Duration step, Set<String> imagePullFailures) {
        public Behaviour {
            Objects.requireNonNull(step, "step");
            imagePullFailures = Set.copyOf(imagePullFailures);
        }

        public static Behaviour defaults() { return new Behaviour(Duration.ofMillis(20), Set.of()); }

        public Behaviour withImagePullFailure(String deployment) {
            Set<String> s = new java.util.HashSet<>(imagePullFailures);
            s.add(deployment);
            return new Behaviour(step, s);
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
        JsonNode spec = am.path("spec");
        String wildcard = spec.path("wildcardDomain").asText(context.appsDomain());
        String tenant = spec.path("tenantName").asText("3scale");
        boolean storageBound = storage(ns, spec);
        List<String> deployments = deploymentsFor(spec);
        for (String d : deployments) {
            createIfMissing(DEPLOYMENTS_API, ns, deployment(ns, d, name, event.getMetadata().getUid()));
        }
        createIfMissing(SECRETS, ns, seed(ns, tenant));
        writeStatus(ns, name, List.of(), deployments, false, "Deployments are starting");
        List<String> pending = new ArrayList<>();
        for (String d : deployments) {
            boolean blocked = behaviour.imagePullFailures().contains(d) || (!storageBound && d.equals("system-app"));
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
                            "Deployments are starting");
                    scheduleNext(ns, name, tenant, wildcard, all, order, done + 1, blocked);
                } else if (blocked.isEmpty()) {
                    routes(ns, tenant, wildcard);
                    writeStatus(ns, name, all, List.of(), true, "");
                    LOG.info("simulated 3scale operator: APIManager {}/{} Available", ns, name);
                } else {
                    LOG.info("simulated 3scale operator: APIManager {}/{} stuck on {}", ns, name, blocked);
                }
            } catch (RuntimeException e) {
                LOG.warn("simulated 3scale operator: {}/{} failed: {}", ns, name, e.toString());
            }
        }, behaviour.step().toMillis(), TimeUnit.MILLISECONDS);
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
    private void routes(String ns, String tenant, String wildcard) {
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
            in.putArray("conditions").addObject().put("type", "Admitted").put("status", "True")
                    .put("lastTransitionTime", now());
            client().genericKubernetesResources(ROUTES).inNamespace(ns).withName(name).subresource("status")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), status.toString());
        }
    }

    private void writeStatus(String ns, String name, List<String> ready, List<String> starting, boolean available,
                             String message) {
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
        ObjectNode c = st.putArray("conditions").addObject().put("type", "Available")
                .put("status", available ? "True" : "False").put("lastTransitionTime", now());
        if (!available) {
            c.put("reason", "DeploymentsNotReady").put("message", message);
        }
        client().genericKubernetesResources(APIMANAGERS).inNamespace(ns).withName(name).subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    }

    // --------------------------------------------------------------------------------- CustomPolicyDefinition

    private void onPolicyDefinition(GenericKubernetesResource event) {
        JsonNode cpd = JSON.valueToTree(event);
        if (cpd.path("status").path("conditions").isArray() && !cpd.path("status").path("conditions").isEmpty()) {
            return; // reconciled already
        }
        String ns = event.getMetadata().getNamespace();
        String policy = cpd.path("spec").path("name").asText();
        String version = cpd.path("spec").path("version").asText();
        long id = 0;
        if (threescale != null) {
            JsonNode existing = threescale.store().registryPolicies().stream()
                    .filter(p -> p.path("name").asText().equals(policy) && p.path("version").asText().equals(version))
                    .findFirst().orElse(null);
            id = existing != null ? existing.path("id").asLong()
                    : threescale.store().addRegistryPolicy(policy, version, cpd.path("spec").path("schema"))
                    .path("id").asLong();
        }
        ObjectNode patch = NODES.objectNode();
        ObjectNode st = patch.putObject("status").put("observedGeneration", 1).put("policyID", id);
        st.putArray("conditions").addObject().put("type", "Ready").put("status", "True")
                .put("lastTransitionTime", now());
        client().genericKubernetesResources(CPDS).inNamespace(ns).withName(event.getMetadata().getName())
                .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
        LOG.info("simulated 3scale operator: policy {} {} registered", policy, version);
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
