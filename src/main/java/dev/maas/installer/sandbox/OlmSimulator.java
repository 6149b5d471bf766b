package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
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
 * Simulated Operator Lifecycle Manager, written after OLM's catalog operator
 * ({@code pkg/controller/operators/catalog/operator.go}, {@code subscription/state.go}) and OLM operator
 * ({@code pkg/controller/operators/olm/operator.go}):
 * <ul>
 *   <li>Subscription → InstallPlan (approved at once under Automatic approval; under Manual it waits for
 *       {@code spec.approved=true}) with the status fields OLM writes (subscription {@code installPlanRef},
 *       {@code currentCSV}, {@code state}, condition {@code InstallPlanPending} whose reason is the plan's phase);
 *       the catalog is the subscription's source, read from the package server's PackageManifests;</li>
 *   <li>an approved plan creates the CSV and completes; the Subscription names it as {@code installedCSV}
 *       ({@code AtLatestKnown}) as soon as the CSV exists, while the CSV goes Pending → InstallReady → Installing
 *       → Succeeded ({@code transitionCSVState});</li>
 *   <li>a CSV needs exactly one OperatorGroup in its namespace ({@code NoOperatorGroup},
 *       {@code TooManyOperatorGroups}); OperatorGroups get {@code status.namespaces};</li>
 *   <li>a Failed CSV is not final: OLM moves it back to Pending ({@code NeedsReinstall}) and tries again, except
 *       for the reasons it does not retry on its own ({@link #retried});</li>
 *   <li>a catalog update ({@link #catalogChanged()}) gives installed subscriptions whose channel moved on an upgrade
 *       InstallPlan; under Manual approval it waits while the installed CSV keeps running.</li>
 * </ul>
 * Per package, a {@link Behaviour} produces the states a real cluster shows: a slow install that hits OLM's
 * install timeout and recovers, a failing CSV, a failed InstallPlan, a bundle that cannot be unpacked (a
 * disconnected cluster), or no InstallPlan at all.
 */
public final class OlmSimulator implements SimulatedOperator {
    private static final Logger LOG = LoggerFactory.getLogger(OlmSimulator.class);
    private static final String OLM_API = "operators.coreos.com/v1alpha1";
    private static final String PACKAGES_API = "packages.operators.coreos.com/v1";
    private static final String OPERATOR_GROUP_API = "operators.coreos.com/v1";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Between two steps of a CSV that OLM requeues at once. */
    private static final long STEP_MILLIS = 20;
    /**
     * Before OLM takes up a Failed CSV again: its work queue's per-item exponential backoff (client-go's default
     * controller rate limiter), from this, doubling with each failure of the same CSV, up to {@link #MAX_RETRY_MILLIS}.
     */
    private static final long RETRY_MILLIS = 500;
    private static final long MAX_RETRY_MILLIS = 30_000;

    /** What the simulated OLM does for a package. */
    public enum Mode {
        /** InstallPlan, then the CSV reaches {@code Succeeded} after the install delay. */
        SUCCEED,
        /**
         * InstallPlan, then the CSV reaches {@code Failed} with the given reason and message after the install
         * delay. A reason OLM retries ({@link #retried}) sends it back to Pending and through the install again,
         * failing the same way each time; the others stay Failed.
         */
        FAIL,
        /**
         * The CSV stays Installing for the install delay (OLM's limit is 5 minutes), becomes
         * {@code Failed/InstallCheckFailed "install timeout"}, goes back to Pending ({@code NeedsReinstall}) and on to
         * Succeeded (OLM {@code operator.go}: the {@code CSVPhaseInstalling} and {@code CSVPhaseFailed} cases).
         */
        INSTALL_TIMEOUT_THEN_SUCCEED,
        /** The subscription is accepted but no InstallPlan ever appears. */
        NO_INSTALL_PLAN,
        /**
         * The InstallPlan fails after the install delay: phase {@code Failed}, condition {@code Installed=False}
         * reason {@code InstallComponentFailed} (catalog {@code operator.go}, {@code transitionInstallPlanState}); the
         * Subscription gets {@code InstallPlanFailed} ({@code subscription/state.go}). No CSV.
         */
        INSTALL_PLAN_FAILED,
        /**
         * The bundle image cannot be pulled (a disconnected cluster without a mirror): the Subscription shows
         * {@code BundleUnpacking}, then after the install delay {@code BundleUnpackFailed} (catalog
         * {@code operator.go}, {@code syncResolvingNamespace}). No InstallPlan.
         */
        BUNDLE_UNPACK_FAILED
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

        /** Fails after {@code delay}; see {@link Mode#FAIL}. */
        public static Behaviour fail(String reason, String message, Duration delay) {
            return new Behaviour(Mode.FAIL, delay, reason, message);
        }

        public static Behaviour noInstallPlan() {
            return new Behaviour(Mode.NO_INSTALL_PLAN, Duration.ZERO, null, null);
        }

        /** See {@link Mode#INSTALL_TIMEOUT_THEN_SUCCEED}; {@code delay} stands for OLM's 5 minutes. */
        public static Behaviour installTimeoutThenSucceed(Duration delay) {
            return new Behaviour(Mode.INSTALL_TIMEOUT_THEN_SUCCEED, delay, "InstallCheckFailed", "install timeout");
        }

        /** See {@link Mode#INSTALL_PLAN_FAILED}; null message: a CRD validation error as OLM words it. */
        public static Behaviour installPlanFailed(String message, Duration delay) {
            return new Behaviour(Mode.INSTALL_PLAN_FAILED, delay, "InstallComponentFailed", message != null ? message
                    // catalog step.go: "error validating existing CRs against new CRD's schema for %q: %w"
                    : "error validating existing CRs against new CRD's schema for \"apimanagers.apps.3scale.net\":"
                    + " error validating custom resource against new schema for APIManager 3scale/apimanager:"
                    + " [].spec.system: Invalid value");
        }

        /** See {@link Mode#BUNDLE_UNPACK_FAILED}. */
        public static Behaviour bundleUnpackFailed(Duration delay) {
            return new Behaviour(Mode.BUNDLE_UNPACK_FAILED, delay, "BundleUnpackFailed",
                    // catalog operator.go: "Bundle unpacking failed - %v: %v" of the BundleLookupFailed condition
                    // (bundle_unpacker.go: the unpack Job's failure), then the guidance OLM appends
                    "Bundle unpacking failed - DeadlineExceeded: Job was active longer than specified deadline. "
                            + UNPACK_GUIDANCE);
        }
    }

    /** What OLM's catalog operator appends to an unpack failure (catalog {@code operator.go}). */
    private static final String UNPACK_GUIDANCE = "Auto-retry in ~5 min after job cleanup (TTL). "
            + "Common causes: Missing ICSP (ppc64le/s390x/arm64), auth failure, invalid image. "
            + "Manual retry: in the CatalogSource namespace, run `kubectl get jobs -l"
            + " operatorframework.io/bundle-unpack-ref` and delete the specific failing job.";

    /**
     * Whether OLM moves a CSV Failed for this reason back to Pending on its own (OLM {@code operator.go},
     * {@code CSVPhaseFailed} case): not for {@code InstallComponentFailedNoRetry} (skipped until an RBAC change,
     * {@code transitionCSVState}), not for an unrecoverable install check ({@code "install failed: ..."},
     * {@code updateInstallStatus}), not for an invalid strategy, and the OperatorGroup reasons only once the
     * OperatorGroups are fixed.
     */
    public static boolean retried(String reason, String message) {
        if (reason == null) {
            return true;
        }
        return switch (reason) {
            case "InstallComponentFailedNoRetry", "InvalidInstallStrategy", "NoOperatorGroup",
                 "TooManyOperatorGroups", "UnsupportedOperatorGroup", "NoTargetNamespaces",
                 "InterOperatorGroupOwnerConflict", "CannotModifyStaticOperatorGroupProvidedAPIs" -> false;
            case "InstallCheckFailed" -> message == null || !message.startsWith("install failed:");
            default -> true;
        };
    }

    private volatile Behaviour defaults;
    private final Map<String, Behaviour> perPackage = new ConcurrentHashMap<>();
    /** InstallPlan key (ns/name) -> package name. */
    private final Map<String, String> planPackages = new ConcurrentHashMap<>();
    private final Set<String> handledSubscriptions = ConcurrentHashMap.newKeySet();
    private final Set<String> installingPlans = ConcurrentHashMap.newKeySet();
    /** CSV key (ns/name) -> how often it failed, for the retry backoff. */
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
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
        closed = true;
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

    /** Runs {@code step} after {@code millis} on the operators' scheduler, unless the simulator is closed. */
    private void later(long millis, String what, Runnable step) {
        if (closed) {
            return;
        }
        context.scheduler().schedule(() -> {
            if (closed) {
                return;
            }
            try {
                step.run();
            } catch (RuntimeException e) {
                LOG.warn("simulated OLM: {} failed: {}", what, e.toString());
            }
        }, Math.max(0, millis), TimeUnit.MILLISECONDS);
    }

    // ---- subscriptions ----

    private void onSubscription(GenericKubernetesResource event) {
        String ns = event.getMetadata().getNamespace();
        String name = event.getMetadata().getName();
        JsonNode sub = get("Subscription", ns, name);
        if (sub == null || sub.path("status").has("installPlanRef") || sub.path("status").has("installedCSV")) {
            return;
        }
        String key = sub.path("metadata").path("uid").asText() + "@" + sub.path("metadata").path("generation").asText();
        if (!handledSubscriptions.add(key)) {
            return;
        }
        JsonNode spec = sub.path("spec");
        String pkg = spec.path("name").asText();
        JsonNode channelEntry = channelEntry(sub, true);
        if (channelEntry == null) {
            return;
        }
        Behaviour behaviour = behaviourFor(pkg);
        if (behaviour.mode() == Mode.NO_INSTALL_PLAN) {
            LOG.info("simulated OLM: no InstallPlan for subscription {}/{} (mode NO_INSTALL_PLAN)", ns, name);
            return;
        }
        if (behaviour.mode() == Mode.BUNDLE_UNPACK_FAILED) {
            unpackFails(ns, name, behaviour);
            return;
        }
        String csv = spec.path("startingCSV").asText(channelEntry.path("currentCSV").asText());
        createPlan(sub, csv, 1);
    }

    /** The channel entry of the subscription's package in its catalog; null (and ResolutionFailed) when none. */
    private JsonNode channelEntry(JsonNode sub, boolean reportFailure) {
        String ns = sub.path("metadata").path("namespace").asText();
        String name = sub.path("metadata").path("name").asText();
        JsonNode spec = sub.path("spec");
        String pkg = spec.path("name").asText();
        String source = spec.path("source").asText();
        JsonNode manifest = packageManifest(spec.path("sourceNamespace").asText(), pkg, source);
        if (manifest == null) {
            if (reportFailure) {
                resolutionFailed(ns, name, "no operators found in package " + pkg + " in the catalog referenced by"
                        + " subscription " + name);
            }
            return null;
        }
        String channel = spec.path("channel").asText(manifest.path("status").path("defaultChannel").asText());
        for (JsonNode c : manifest.path("status").path("channels")) {
            if (c.path("name").asText().equals(channel)) {
                return c;
            }
        }
        if (reportFailure) {
            resolutionFailed(ns, name, "no operators found in channel " + channel + " of package " + pkg
                    + " in the catalog referenced by subscription " + name);
        }
        return null;
    }

    /** A new InstallPlan for {@code csv} and the Subscription pointing at it (catalog {@code operator.go}). */
    private void createPlan(JsonNode sub, String csv, int generation) {
        String ns = sub.path("metadata").path("namespace").asText();
        String name = sub.path("metadata").path("name").asText();
        JsonNode spec = sub.path("spec");
        String pkg = spec.path("name").asText();
        String source = spec.path("source").asText();
        boolean automatic = !"Manual".equals(spec.path("installPlanApproval").asText("Automatic"));
        String planName = "install-" + randomSuffix();

        ObjectNode plan = NODES.objectNode().put("apiVersion", OLM_API).put("kind", "InstallPlan");
        ObjectNode meta = plan.putObject("metadata").put("name", planName).put("namespace", ns);
        meta.putObject("labels").put("operators.coreos.com/" + pkg + "." + ns, "");
        meta.putArray("ownerReferences").addObject().put("apiVersion", OLM_API).put("kind", "Subscription")
                .put("name", name).put("uid", sub.path("metadata").path("uid").asText())
                .put("blockOwnerDeletion", false).put("controller", false);
        ObjectNode planSpec = plan.putObject("spec").put("approval", automatic ? "Automatic" : "Manual")
                .put("approved", automatic).put("generation", generation);
        planSpec.putArray("clusterServiceVersionNames").add(csv);
        planPackages.put(ns + "/" + planName, pkg);
        GenericKubernetesResource created = ops("InstallPlan").inNamespace(ns).resource(toResource(plan)).create();

        ObjectNode planStatus = NODES.objectNode();
        String phase = automatic ? "Installing" : "RequiresApproval";
        ObjectNode ps = planStatus.putObject("status").put("phase", phase);
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
        s.put("installPlanGeneration", generation).put("currentCSV", csv).put("state", "UpgradePending")
                .put("lastUpdated", now());
        // subscription/state.go: InstallPlanPending, its reason the plan's phase
        s.putArray("conditions").addObject().put("type", "InstallPlanPending").put("status", "True")
                .put("reason", phase).put("lastTransitionTime", now());
        s.putArray("catalogHealth").addObject().put("healthy", true).put("lastUpdated", now())
                .putObject("catalogSourceRef").put("apiVersion", OLM_API).put("kind", "CatalogSource")
                .put("name", source).put("namespace", spec.path("sourceNamespace").asText());
        patchStatus("Subscription", ns, name, status);
        LOG.info("simulated OLM: subscription {}/{} -> InstallPlan {} ({}) for {}", ns, name, planName,
                automatic ? "Automatic" : "Manual", csv);
    }

    private void resolutionFailed(String ns, String name, String message) {
        setSubscriptionCondition(ns, name, "ResolutionFailed", "ConstraintsNotSatisfiable", message, null);
        LOG.info("simulated OLM: subscription {}/{} cannot be resolved: {}", ns, name, message);
    }

    /** BundleUnpacking while the unpack Job runs, then BundleUnpackFailed; no InstallPlan. */
    private void unpackFails(String ns, String name, Behaviour behaviour) {
        // catalog operator.go: the pending message of an image pull that does not succeed
        setSubscriptionCondition(ns, name, "BundleUnpacking", "UnpackingInProgress", "Bundle image pull failed. "
                + "Common causes: Missing ICSP (ppc64le/s390x/arm64), auth failure, invalid image. "
                + "Job will retry until timeout (~10 min), then auto-cleanup and retry in ~5 min. "
                + "Manual retry: in the CatalogSource namespace, run `kubectl get jobs -l"
                + " operatorframework.io/bundle-unpack-ref` and delete the specific failing job.", null);
        later(behaviour.installDelay().toMillis(), "failing the bundle unpack of " + ns + "/" + name, () ->
                setSubscriptionCondition(ns, name, "BundleUnpackFailed", behaviour.failureReason(),
                        behaviour.failureMessage(), "BundleUnpacking"));
    }

    /** Sets one condition (True) on a Subscription, removing {@code remove} if given. */
    private void setSubscriptionCondition(String ns, String name, String type, String reason, String message,
                                          String remove) {
        JsonNode sub = get("Subscription", ns, name);
        if (sub == null) {
            return;
        }
        ArrayNode conditions = NODES.arrayNode();
        for (JsonNode c : sub.path("status").path("conditions")) {
            String t = c.path("type").asText();
            if (!t.equals(type) && !t.equals(remove)) {
                conditions.add(c);
            }
        }
        conditions.addObject().put("type", type).put("status", "True").put("reason", reason)
                .put("message", message).put("lastTransitionTime", now());
        ObjectNode status = NODES.objectNode();
        status.putObject("status").put("lastUpdated", now()).set("conditions", conditions);
        patchStatus("Subscription", ns, name, status);
    }

    // ---- catalog updates ----

    /**
     * The catalog changed: subscriptions whose channel now leads to another CSV than the installed one get an upgrade
     * InstallPlan (catalog {@code operator.go}, {@code syncResolvingNamespace}; {@code step_resolver.go} sets
     * {@code currentCSV}, the installed CSV stays until the new one exists).
     */
    public void catalogChanged() {
        context.scheduler().execute(() -> {
            try {
                for (GenericKubernetesResource r : ops("Subscription").inAnyNamespace().list().getItems()) {
                    JsonNode sub = JSON.valueToTree(r);
                    String installed = sub.path("status").path("installedCSV").asText("");
                    if (installed.isEmpty() || !installed.equals(sub.path("status").path("currentCSV").asText())) {
                        continue;
                    }
                    JsonNode head = channelEntry(sub, false);
                    String next = head == null ? "" : head.path("currentCSV").asText("");
                    if (!next.isEmpty() && !next.equals(installed)) {
                        createPlan(sub, next, sub.path("status").path("installPlanGeneration").asInt(1) + 1);
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("simulated OLM: resolving after a catalog change failed: {}", e.toString());
            }
        });
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
            // transitionInstallPlanState: approved -> Installing
            patchStatus("InstallPlan", ns, name, phaseOnly("Installing"));
            subscriptionPending(plan, "Installing");
        }
        String csvName = plan.path("spec").path("clusterServiceVersionNames").path(0).asText();
        if (behaviour.mode() == Mode.INSTALL_PLAN_FAILED) {
            later(behaviour.installDelay().toMillis(), "failing InstallPlan " + key,
                    () -> planFails(ns, name, plan, behaviour));
            return;
        }
        String subName = plan.path("metadata").path("ownerReferences").path(0).path("name").asText(null);
        String replaces = null;
        JsonNode sub = subName == null ? null : get("Subscription", ns, subName);
        if (sub != null) {
            String installed = sub.path("status").path("installedCSV").asText("");
            replaces = installed.isEmpty() || installed.equals(csvName) ? null : installed;
        }
        createCsv(ns, csvName, pkg, replaces);
        // the plan's steps are applied: it completes, and the Subscription names the CSV now that it exists
        // (ensureSubscriptionCSVState), while the CSV itself is still installing
        patchStatus("InstallPlan", ns, name, phaseOnly("Complete"));
        if (sub != null) {
            ObjectNode status = NODES.objectNode();
            ObjectNode s = status.putObject("status").put("installedCSV", csvName).put("currentCSV", csvName)
                    .put("state", "AtLatestKnown").put("lastUpdated", now());
            s.putArray("conditions");
            patchStatus("Subscription", ns, subName, status);
        }
        if (replaces != null) {
            // checkReplacementsAndUpdateStatus: the replaced CSV is Replacing while the new one installs
            csvPhase(ns, replaces, "Replacing", "BeingReplaced", "being replaced by csv: " + csvName);
        }
        String csvFor = csvName;
        String old = replaces;
        later(STEP_MILLIS, "installing CSV " + ns + "/" + csvName, () -> {
            csvPhase(ns, csvFor, "InstallReady", "AllRequirementsMet", "all requirements found, attempting install");
            later(STEP_MILLIS, "installing CSV " + ns + "/" + csvFor, () -> installing(ns, csvFor, pkg, behaviour,
                    old, false));
        });
    }

    private void subscriptionPending(JsonNode plan, String phase) {
        String ns = plan.path("metadata").path("namespace").asText();
        String subName = plan.path("metadata").path("ownerReferences").path(0).path("name").asText(null);
        if (subName != null && get("Subscription", ns, subName) != null) {
            setSubscriptionCondition(ns, subName, "InstallPlanPending", phase, "", null);
        }
    }

    private void planFails(String ns, String name, JsonNode plan, Behaviour behaviour) {
        ObjectNode status = NODES.objectNode();
        ObjectNode s = status.putObject("status").put("phase", "Failed").put("message", behaviour.failureMessage());
        s.putArray("conditions").addObject().put("type", "Installed").put("status", "False")
                .put("reason", behaviour.failureReason()).put("message", behaviour.failureMessage())
                .put("lastTransitionTime", now());
        patchStatus("InstallPlan", ns, name, status);
        String subName = plan.path("metadata").path("ownerReferences").path(0).path("name").asText(null);
        if (subName != null) {
            // subscription/state.go CheckInstallPlanStatus: InstallPlanFailed, its reason the Installed condition's
            setSubscriptionCondition(ns, subName, "InstallPlanFailed", behaviour.failureReason(),
                    behaviour.failureMessage(), "InstallPlanPending");
        }
        LOG.info("simulated OLM: InstallPlan {}/{} Failed", ns, name);
    }

    // ---- cluster service versions ----

    private void createCsv(String ns, String csvName, String pkg, String replaces) {
        if (get("ClusterServiceVersion", ns, csvName) == null) {
            ObjectNode csv = NODES.objectNode().put("apiVersion", OLM_API).put("kind", "ClusterServiceVersion");
            ObjectNode meta = csv.putObject("metadata").put("name", csvName).put("namespace", ns);
            meta.putObject("labels").put("operators.coreos.com/" + pkg + "." + ns, "");
            String version = csvName.contains(".v") ? csvName.substring(csvName.indexOf(".v") + 2)
                    : csvName.substring(csvName.indexOf('.') + 1);
            ObjectNode spec = csv.putObject("spec").put("displayName", displayName(pkg)).put("version", version);
            if (replaces != null) {
                spec.put("replaces", replaces);
            }
            spec.putObject("install").put("strategy", "deployment").putObject("spec").putArray("deployments");
            ops("ClusterServiceVersion").inNamespace(ns).resource(toResource(csv)).create();
        }
        csvPhase(ns, csvName, "Pending", "RequirementsUnknown", "requirements not yet checked");
    }

    /**
     * The CSV installs: Installing until the install delay has passed, then the outcome of the behaviour. A CSV
     * already through one install timeout ({@code retry}) succeeds.
     */
    private void installing(String ns, String csvName, String pkg, Behaviour behaviour, String replaces,
                            boolean retry) {
        if (operatorGroupProblem(ns, csvName)) {
            return;
        }
        csvPhase(ns, csvName, "Installing", "InstallWaiting",
                "installing: waiting for deployment " + pkg + " to become ready");
        later(behaviour.installDelay().toMillis(), "finishing CSV " + ns + "/" + csvName, () -> {
            if (get("ClusterServiceVersion", ns, csvName) == null || operatorGroupProblem(ns, csvName)) {
                return;
            }
            Mode mode = behaviour.mode();
            if (mode == Mode.SUCCEED || (mode == Mode.INSTALL_TIMEOUT_THEN_SUCCEED && retry)) {
                succeeded(ns, csvName, pkg, replaces);
            } else if (mode == Mode.INSTALL_TIMEOUT_THEN_SUCCEED) {
                // operator.go CSVPhaseInstalling: 5 minutes without the deployments ready
                failed(ns, csvName, pkg, behaviour, replaces, "InstallCheckFailed", "install timeout");
            } else {
                failed(ns, csvName, pkg, behaviour, replaces, behaviour.failureReason(), behaviour.failureMessage());
            }
        });
    }

    private void failed(String ns, String csvName, String pkg, Behaviour behaviour, String replaces, String reason,
                        String message) {
        csvPhase(ns, csvName, "Failed", reason, message);
        LOG.info("simulated OLM: CSV {}/{} Failed ({})", ns, csvName, reason);
        if (!retried(reason, message)) {
            return;
        }
        // operator.go CSVPhaseFailed: updateInstallStatus -> Pending/NeedsReinstall, then the install again
        int failed = failures.merge(ns + "/" + csvName, 1, Integer::sum);
        long backoff = Math.min(MAX_RETRY_MILLIS, RETRY_MILLIS << Math.min(failed - 1, 16));
        later(Math.max(backoff, behaviour.installDelay().toMillis()), "retrying CSV " + ns + "/" + csvName, () -> {
            if (get("ClusterServiceVersion", ns, csvName) == null) {
                return;
            }
            csvPhase(ns, csvName, "Pending", "NeedsReinstall",
                    "installing: waiting for deployment " + pkg + " to become ready");
            later(STEP_MILLIS, "retrying CSV " + ns + "/" + csvName, () -> {
                csvPhase(ns, csvName, "InstallReady", "AllRequirementsMet", "all requirements found, attempting install");
                later(STEP_MILLIS, "retrying CSV " + ns + "/" + csvName,
                        () -> installing(ns, csvName, pkg, behaviour, replaces, true));
            });
        });
    }

    private void succeeded(String ns, String csvName, String pkg, String replaces) {
        csvPhase(ns, csvName, "Succeeded", "InstallSucceeded", "install strategy completed with no errors");
        LOG.info("simulated OLM: CSV {}/{} Succeeded", ns, csvName);
        ensureClusterRolesForCsv(pkg);
        if (replaces != null) {
            // CSVPhaseReplacing: once the replacement succeeded, the old CSV is deleted
            ops("ClusterServiceVersion").inNamespace(ns).withName(replaces).delete();
        }
    }

    /** The API groups of the CRDs each package's CSV owns. */
    private static final Map<String, List<String>> OWNED_API_GROUPS = Map.of(
            "3scale-operator", List.of("apps.3scale.net", "capabilities.3scale.net"),
            "rhsso-operator", List.of("keycloak.org"),
            "rhbk-operator", List.of("k8s.keycloak.org"));
    private static final Map<String, List<String>> VERBS_FOR_SUFFIX = Map.of(
            "admin", List.of("*"), "edit", List.of("create", "update", "patch", "delete"),
            "view", List.of("get", "list", "watch"));

    /**
     * OLM operatorgroup.go {@code ensureClusterRolesForCSV} (run while a CSV is Succeeded): for each CRD the CSV owns,
     * ClusterRoles {@code <crd>-<version>-admin|edit|view} labelled {@code rbac.authorization.k8s.io/aggregate-to-
     * <suffix>}, so that the admin, edit and view roles include the operator's APIs, and {@code <crd>-<version>-crdview}
     * to read the CRD.
     */
    private void ensureClusterRolesForCsv(String pkg) {
        List<String> groups = OWNED_API_GROUPS.getOrDefault(pkg, List.of());
        if (groups.isEmpty()) {
            return;
        }
        for (var crd : client().apiextensions().v1().customResourceDefinitions().list().getItems()) {
            if (!groups.contains(crd.getSpec().getGroup())) {
                continue;
            }
            String version = crd.getSpec().getVersions().stream().filter(v -> Boolean.TRUE.equals(v.getStorage()))
                    .map(v -> v.getName()).findFirst().orElse(crd.getSpec().getVersions().get(0).getName());
            String prefix = crd.getMetadata().getName() + "-" + version + "-";
            for (Map.Entry<String, List<String>> e : VERBS_FOR_SUFFIX.entrySet()) {
                clusterRole(prefix + e.getKey(), e.getKey(), e.getValue(), crd.getSpec().getGroup(),
                        crd.getSpec().getNames().getPlural(), null);
            }
            clusterRole(prefix + "crdview", "view", List.of("get"), "apiextensions.k8s.io",
                    "customresourcedefinitions", crd.getMetadata().getName());
        }
    }

    private void clusterRole(String name, String suffix, List<String> verbs, String group, String resource,
                             String resourceName) {
        var roles = client().rbac().clusterRoles();
        if (roles.withName(name).get() != null) {
            return;
        }
        var rule = new io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder().withApiGroups(group)
                .withResources(resource).withVerbs(verbs);
        if (resourceName != null) {
            rule.withResourceNames(resourceName);
        }
        roles.resource(new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder().withNewMetadata().withName(name)
                .addToLabels("rbac.authorization.k8s.io/aggregate-to-" + suffix, "true")
                .addToLabels("olm.managed", "true").endMetadata()
                .withRules(rule.build()).build()).create();
    }

    /** As real OLM: a CSV needs exactly one OperatorGroup in its namespace. True (and the CSV Failed) when not. */
    private boolean operatorGroupProblem(String ns, String csvName) {
        int groups = client().genericKubernetesResources(OPERATOR_GROUP_API, "OperatorGroup").inNamespace(ns).list()
                .getItems().size();
        if (groups == 1) {
            return false;
        }
        if (groups == 0) {
            csvPhase(ns, csvName, "Failed", "NoOperatorGroup", "csv in namespace with no operatorgroups");
        } else {
            csvPhase(ns, csvName, "Failed", "TooManyOperatorGroups",
                    "csv created in namespace with multiple operatorgroups, can't pick one automatically");
        }
        return true;
    }

    /** Sets the CSV's phase, reason and message and appends the transition to its conditions (as SetPhase). */
    private void csvPhase(String ns, String csvName, String phase, String reason, String message) {
        JsonNode csv = get("ClusterServiceVersion", ns, csvName);
        if (csv == null) {
            return;
        }
        ArrayNode conditions = NODES.arrayNode();
        csv.path("status").path("conditions").forEach(conditions::add);
        conditions.addObject().put("phase", phase).put("reason", reason).put("message", message)
                .put("lastUpdateTime", now()).put("lastTransitionTime", now());
        ObjectNode status = NODES.objectNode();
        status.putObject("status").put("phase", phase).put("reason", reason).put("message", message)
                .put("lastUpdateTime", now()).put("lastTransitionTime", now()).set("conditions", conditions);
        patchStatus("ClusterServiceVersion", ns, csvName, status);
    }

    private static ObjectNode phaseOnly(String phase) {
        ObjectNode o = NODES.objectNode();
        o.putObject("status").put("phase", phase);
        return o;
    }

    // ---- helpers ----

    /**
     * The package as the subscription's catalog offers it. Listed by name and picked by catalog: a GET by name
     * would return any catalog's (the package server's unordered first match).
     */
    private JsonNode packageManifest(String ns, String pkg, String source) {
        try {
            for (GenericKubernetesResource r : client().genericKubernetesResources(PACKAGES_API, "PackageManifest")
                    .inNamespace(ns).withField("metadata.name", pkg).list().getItems()) {
                JsonNode m = JSON.valueToTree(r);
                if (source.equals(m.path("status").path("catalogSource").asText())) {
                    return m;
                }
            }
            return null;
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
