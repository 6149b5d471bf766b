package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Simulated Operator Lifecycle Manager: Subscription -> InstallPlan (approved at once when the approval is
 * Automatic; with Manual it waits for {@code spec.approved=true}) -> ClusterServiceVersion {@code Succeeded}, with
 * the status fields real OLM writes (subscription {@code installPlanRef}, {@code currentCSV}, {@code installedCSV},
 * {@code state: AtLatestKnown}; CSV {@code phase/reason/message}). The catalog is the PackageManifests in the
 * subscription's source namespace. Behaviour per package: install delay, a failing CSV, or no InstallPlan at all.
 * As in real OLM, the CSV fails ({@code NoOperatorGroup}, {@code TooManyOperatorGroups}) unless its namespace has
 * exactly one OperatorGroup, and OperatorGroups get {@code status.namespaces}.
 */
public final class OlmSimulator implements SimulatedOperator {
    private static final Logger LOG = LoggerFactory.getLogger(OlmSimulator.class);
    private static final String OLM_API = "operators.coreos.com/v1alpha1";
    private static final String PACKAGES_API = "packages.operators.coreos.com/v1";
    private static final String OPERATOR_GROUP_API = "operators.coreos.com/v1";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What the simulated OLM does for a package. */
    public enum Mode {
        /** InstallPlan, then the CSV reaches {@code Succeeded} after the install delay. */
        SUCCEED,
        /** InstallPlan, then the CSV reaches {@code Failed} with the given reason and message. */
        FAIL,
        /** The subscription is accepted but no InstallPlan ever appears. */
        NO_INSTALL_PLAN
    }

    /** The simulated behaviour for one package (or the default). */
    public record Behaviour(Mode mode, Duration installDelay, String failureReason, String failureMessage) {
        public Behaviour {
            Objects.requireNonNull(mode, "mode");
            installDelay = installDelay == null ? Duration.ZERO : installDelay;
            failureReason = failureReason == null ? "InstallComponentFailed" : failureReason;
            failureMessage = failureMessage == null
                    ? "install strategy failed: Deployment.apps is invalid: simulated failure" : failureMessage;
        }

        public static Behaviour succeed(Duration installDelay) {
            return new Behaviour(Mode.SUCCEED, installDelay, null, null);
        }

        public static Behaviour fail(String reason, String message) {
            return new Behaviour(Mode.FAIL, Duration.ZERO, reason, message);
        }

        public static Behaviour noInstallPlan() {
            return new Behaviour(Mode.NO_INSTALL_PLAN, Duration.ZERO, null, null);
        }
    }

    private volatile Behaviour defaults;
    private final Map<String, Behaviour> perPackage = new ConcurrentHashMap<>();
    /** InstallPlan key (ns/name) -> package name. */
    private final Map<String, String> planPackages = new ConcurrentHashMap<>();
    private final Set<String> handledSubscriptions = ConcurrentHashMap.newKeySet();
    private final Set<String> installingPlans = ConcurrentHashMap.newKeySet();
    private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new CopyOnWriteArrayList<>();
    private SimulationContext context;

    public OlmSimulator(Behaviour defaults) {
        this.defaults = Objects.requireNonNull(defaults);
    }

    @Override
    public String name() {
        return "olm";
    }

    /** Sets the default behaviour (for packages without their own). */
    public void behaviour(Behaviour behaviour) {
        this.defaults = Objects.requireNonNull(behaviour);
    }

    /** Sets the behaviour for one package, e.g. {@code 3scale-operator}. */
    public void behaviour(String packageName, Behaviour behaviour) {
        perPackage.put(packageName, Objects.requireNonNull(behaviour));
    }

    private Behaviour behaviourFor(String pkg) {
        return perPackage.getOrDefault(pkg, defaults);
    }

    @Override
    public void start(SimulationContext ctx) {
        this.context = ctx;
        informers.add(ops("Subscription").inAnyNamespace().inform(handler(this::onSubscription), 0));
        informers.add(ops("InstallPlan").inAnyNamespace().inform(handler(this::onInstallPlan), 0));
        informers.add(client().genericKubernetesResources(OPERATOR_GROUP_API, "OperatorGroup").inAnyNamespace()
                .inform(handler(this::onOperatorGroup), 0));
    }

    // ---- operator groups ----

    /** Real OLM writes the namespaces an OperatorGroup targets into its status. */
    private void onOperatorGroup(GenericKubernetesResource event) {
        String ns = event.getMetadata().getNamespace();
        String name = event.getMetadata().getName();
        GenericKubernetesResource r = client().genericKubernetesResources(OPERATOR_GROUP_API, "OperatorGroup")
                .inNamespace(ns).withName(name).get();
        if (r == null) {
            return;
        }
        JsonNode og = JSON.valueToTree(r);
        ArrayNode namespaces = NODES.arrayNode();
        JsonNode targets = og.path("spec").path("targetNamespaces");
        if (targets.isArray() && !targets.isEmpty()) {
            targets.forEach(t -> namespaces.add(t.asText()));
        } else if (!og.path("spec").has("selector")) {
            namespaces.add(""); // all namespaces
        }
        if (namespaces.equals(og.path("status").path("namespaces"))) {
            return;
        }
        ObjectNode status = NODES.objectNode();
        status.putObject("status").put("lastUpdated", now()).set("namespaces", namespaces);
        client().genericKubernetesResources(OPERATOR_GROUP_API, "OperatorGroup").inNamespace(ns).withName(name)
                .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), status.toString());
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
        informers.clear();
    }

    private MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>> ops(String kind) {
        return client().genericKubernetesResources(OLM_API, kind);
    }

    private KubernetesClient client() {
        return context.client();
    }

    private ResourceEventHandler<GenericKubernetesResource> handler(Consumer<GenericKubernetesResource> action) {
        return context.reconciler("simulated OLM", action, obj -> { });
    }

    // ---- subscriptions ----

    private void onSubscription(GenericKubernetesResource event) {
        String ns = event.getMetadata().getNamespace();
        String name = event.getMetadata().getName();
        JsonNode sub = get("Subscription", ns, name);
        if (sub == null || sub.path("status").has("installPlanRef")) {
            return;
        }
        String key = sub.path("metadata").path("uid").asText() + "@" + sub.path("metadata").path("generation").asText();
        if (handledSubscriptions.contains(key)) {
            return;
        }
        JsonNode spec = sub.path("spec");
        String pkg = spec.path("name").asText();
        String source = spec.path("source").asText();
        String sourceNs = spec.path("sourceNamespace").asText();
        JsonNode manifest = packageManifest(sourceNs, pkg);
        if (manifest == null || !source.equals(manifest.path("status").path("catalogSource").asText())) {
            handledSubscriptions.add(key);
            resolutionFailed(ns, name, "no operators found in package " + pkg + " in the catalog referenced by"
                    + " subscription " + name);
            return;
        }
        String channel = spec.path("channel").asText(manifest.path("status").path("defaultChannel").asText());
        JsonNode channelEntry = null;
        for (JsonNode c : manifest.path("status").path("channels")) {
            if (c.path("name").asText().equals(channel)) {
                channelEntry = c;
            }
        }
        if (channelEntry == null) {
            handledSubscriptions.add(key);
            resolutionFailed(ns, name, "no operators found in channel " + channel + " of package " + pkg
                    + " in the catalog referenced by subscription " + name);
            return;
        }
        Behaviour behaviour = behaviourFor(pkg);
        handledSubscriptions.add(key);
        if (behaviour.mode() == Mode.NO_INSTALL_PLAN) {
            LOG.info("simulated OLM: no InstallPlan for subscription {}/{} (mode NO_INSTALL_PLAN)", ns, name);
            return;
        }
        String csv = spec.path("startingCSV").asText(channelEntry.path("currentCSV").asText());
        boolean automatic = !"Manual".equals(spec.path("installPlanApproval").asText("Automatic"));
        String planName = "install-" + randomSuffix();

        ObjectNode plan = NODES.objectNode().put("apiVersion", OLM_API).put("kind", "InstallPlan");
        ObjectNode meta = plan.putObject("metadata").put("name", planName).put("namespace", ns);
        meta.putObject("labels").put("operators.coreos.com/" + pkg + "." + ns, "");
        meta.putArray("ownerReferences").addObject().put("apiVersion", OLM_API).put("kind", "Subscription")
                .put("name", name).put("uid", sub.path("metadata").path("uid").asText())
                .put("blockOwnerDeletion", false).put("controller", false);
        ObjectNode planSpec = plan.putObject("spec").put("approval", automatic ? "Automatic" : "Manual")
                .put("approved", automatic).put("generation", 1);
        planSpec.putArray("clusterServiceVersionNames").add(csv);
        planPackages.put(ns + "/" + planName, pkg);
        GenericKubernetesResource created = ops("InstallPlan").inNamespace(ns).resource(toResource(plan)).create();

        ObjectNode planStatus = NODES.objectNode();
        ObjectNode ps = planStatus.putObject("status").put("phase", automatic ? "Installing" : "RequiresApproval");
        ps.putArray("catalogSources").add(source);
        ps.putArray("plan");
        ps.putArray("bundleLookups");
        patchStatus("InstallPlan", ns, planName, planStatus);

        ObjectNode status = NODES.objectNode();
        ObjectNode s = status.putObject("status");
        s.putObject("installPlanRef").put("apiVersion", OLM_API).put("kind", "InstallPlan").put("name", planName)
                .put("namespace", ns).put("uid", created.getMetadata().getUid())
                .put("resourceVersion", created.getMetadata().getResourceVersion());
        s.putObject("installplan").put("apiVersion", OLM_API).put("kind", "InstallPlan").put("name", planName)
                .put("uuid", created.getMetadata().getUid());
        s.put("installPlanGeneration", 1).put("currentCSV", csv).put("state", "UpgradePending")
                .put("lastUpdated", now());
        s.putArray("conditions").addObject().put("type", "InstallPlanPending").put("status", "True")
                .put("reason", automatic ? "Installing" : "RequiresApproval").put("lastTransitionTime", now());
        s.putArray("catalogHealth").addObject().put("healthy", true).put("lastUpdated", now())
                .putObject("catalogSourceRef").put("apiVersion", OLM_API).put("kind", "CatalogSource")
                .put("name", source).put("namespace", sourceNs);
        patchStatus("Subscription", ns, name, status);
        LOG.info("simulated OLM: subscription {}/{} -> InstallPlan {} ({}) for {}", ns, name, planName,
                automatic ? "Automatic" : "Manual", csv);
    }

    private void resolutionFailed(String ns, String name, String message) {
        ObjectNode status = NODES.objectNode();
        ObjectNode s = status.putObject("status").put("lastUpdated", now());
        s.putArray("conditions").addObject().put("type", "ResolutionFailed").put("status", "True")
                .put("reason", "ConstraintsNotSatisfiable").put("message", message)
                .put("lastTransitionTime", now());
        patchStatus("Subscription", ns, name, status);
        LOG.info("simulated OLM: subscription {}/{} cannot be resolved: {}", ns, name, message);
    }

    // ---- install plans ----

    private void onInstallPlan(GenericKubernetesResource event) {
        String ns = event.getMetadata().getNamespace();
        String name = event.getMetadata().getName();
        JsonNode plan = get("InstallPlan", ns, name);
        if (plan == null || !plan.path("spec").path("approved").asBoolean(false)) {
            return;
        }
        String phase = plan.path("status").path("phase").asText("");
        if (!phase.equals("Installing") && !phase.equals("RequiresApproval")) {
            return;
        }
        String key = ns + "/" + name;
        if (!installingPlans.add(key)) {
            return;
        }
        String pkg = planPackages.getOrDefault(key, "");
        Behaviour behaviour = behaviourFor(pkg);
        if (phase.equals("RequiresApproval")) {
            patchStatus("InstallPlan", ns, name, phaseOnly("Installing"));
        }
        String csvName = plan.path("spec").path("clusterServiceVersionNames").path(0).asText();
        createCsv(ns, csvName, pkg);
        context.scheduler().schedule(() -> {
            try {
                finish(ns, name, csvName, pkg, behaviour, plan);
            } catch (RuntimeException e) {
                LOG.warn("simulated OLM: finishing InstallPlan {} failed: {}", key, e.toString());
            }
        }, behaviour.installDelay().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void createCsv(String ns, String csvName, String pkg) {
        if (get("ClusterServiceVersion", ns, csvName) == null) {
            ObjectNode csv = NODES.objectNode().put("apiVersion", OLM_API).put("kind", "ClusterServiceVersion");
            ObjectNode meta = csv.putObject("metadata").put("name", csvName).put("namespace", ns);
            meta.putObject("labels").put("operators.coreos.com/" + pkg + "." + ns, "");
            String version = csvName.contains(".v") ? csvName.substring(csvName.indexOf(".v") + 2)
                    : csvName.substring(csvName.indexOf('.') + 1);
            ObjectNode spec = csv.putObject("spec").put("displayName", displayName(pkg)).put("version", version);
            spec.putObject("install").put("strategy", "deployment").putObject("spec").putArray("deployments");
            ops("ClusterServiceVersion").inNamespace(ns).resource(toResource(csv)).create();
        }
        ObjectNode status = NODES.objectNode();
        status.putObject("status").put("phase", "Installing").put("reason", "InstallWaiting")
                .put("message", "installing: waiting for deployment " + pkg + " to become ready")
                .put("lastUpdateTime", now()).put("lastTransitionTime", now());
        patchStatus("ClusterServiceVersion", ns, csvName, status);
    }

    private void finish(String ns, String planName, String csvName, String pkg, Behaviour configured, JsonNode plan) {
        // as real OLM: a CSV needs exactly one OperatorGroup in its namespace
        int groups = client().genericKubernetesResources(OPERATOR_GROUP_API, "OperatorGroup").inNamespace(ns).list()
                .getItems().size();
        Behaviour behaviour = configured;
        if (groups == 0) {
            behaviour = new Behaviour(Mode.FAIL, Duration.ZERO, "NoOperatorGroup",
                    "csv in namespace with no operatorgroups");
        } else if (groups > 1) {
            behaviour = new Behaviour(Mode.FAIL, Duration.ZERO, "TooManyOperatorGroups",
                    "csv created in namespace with multiple operatorgroups, can't pick one automatically");
        }
        boolean ok = behaviour.mode() != Mode.FAIL;
        ObjectNode csvStatus = NODES.objectNode();
        ObjectNode cs = csvStatus.putObject("status")
                .put("phase", ok ? "Succeeded" : "Failed")
                .put("reason", ok ? "InstallSucceeded" : behaviour.failureReason())
                .put("message", ok ? "install strategy completed with no errors" : behaviour.failureMessage())
                .put("lastUpdateTime", now()).put("lastTransitionTime", now());
        ArrayNode conditions = cs.putArray("conditions");
        conditions.addObject().put("phase", "Installing").put("reason", "InstallWaiting")
                .put("message", "installing: waiting for deployment " + pkg + " to become ready")
                .put("lastUpdateTime", now()).put("lastTransitionTime", now());
        conditions.addObject().put("phase", ok ? "Succeeded" : "Failed")
                .put("reason", ok ? "InstallSucceeded" : behaviour.failureReason())
                .put("message", ok ? "install strategy completed with no errors" : behaviour.failureMessage())
                .put("lastUpdateTime", now()).put("lastTransitionTime", now());
        // as real OLM: the InstallPlan completes and the Subscription names its installed CSV while the CSV is still
        // installing, so whoever sees the CSV succeed also sees those
        patchStatus("InstallPlan", ns, planName, phaseOnly("Complete"));

        String subName = plan.path("metadata").path("ownerReferences").path(0).path("name").asText(null);
        if (subName != null && get("Subscription", ns, subName) != null) {
            ObjectNode status = NODES.objectNode();
            ObjectNode s = status.putObject("status").put("installedCSV", csvName).put("currentCSV", csvName)
                    .put("state", "AtLatestKnown").put("lastUpdated", now());
            s.putArray("conditions");
            patchStatus("Subscription", ns, subName, status);
        }
        patchStatus("ClusterServiceVersion", ns, csvName, csvStatus);
        LOG.info("simulated OLM: CSV {}/{} {}", ns, csvName, ok ? "Succeeded" : "Failed (" + behaviour.failureReason() + ")");
    }

    private static ObjectNode phaseOnly(String phase) {
        ObjectNode o = NODES.objectNode();
        o.putObject("status").put("phase", phase);
        return o;
    }

    // ---- helpers ----

    private JsonNode packageManifest(String ns, String pkg) {
        try {
            GenericKubernetesResource r = client().genericKubernetesResources(PACKAGES_API, "PackageManifest")
                    .inNamespace(ns).withName(pkg).get();
            return r == null ? null : JSON.valueToTree(r);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return null;
            }
            throw e;
        }
    }

    private JsonNode get(String kind, String ns, String name) {
        GenericKubernetesResource r = ops(kind).inNamespace(ns).withName(name).get();
        return r == null ? null : JSON.valueToTree(r);
    }

    private void patchStatus(String kind, String ns, String name, ObjectNode patch) {
        ops(kind).inNamespace(ns).withName(name).subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    }

    private static GenericKubernetesResource toResource(ObjectNode node) {
        return JSON.convertValue(node, GenericKubernetesResource.class);
    }

    private static String displayName(String pkg) {
        return switch (pkg) {
            case "rhsso-operator" -> "Red Hat Single Sign-On Operator";
            case "rhbk-operator" -> "Keycloak Operator";
            case "3scale-operator" -> "Red Hat Integration - 3scale";
            default -> pkg;
        };
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String randomSuffix() {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
