package dev.maas.installer.cluster;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.TargetSystem;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.openshift.api.model.operatorhub.v1.OperatorGroup;
import io.fabric8.openshift.api.model.operatorhub.v1.OperatorGroupBuilder;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.ClusterServiceVersion;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.InstallPlan;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.InstallPlanCondition;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.Subscription;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.SubscriptionBuilder;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.SubscriptionCondition;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.SubscriptionStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Installs an operator through OLM: the namespace, one OperatorGroup that targets only that namespace (an existing
 * fitting one is reused; a second one is never made), the Subscription, the approval of a Manual InstallPlan when
 * the user agreed, and a wait (informers, one overall timeout, cancellable) until OLM runs the operator's CSV. The
 * package and channel are checked against the PackageManifests first, and the catalog is chosen explicitly
 * ({@link OperatorCatalog}). A second call with the same spec reads but writes nothing.
 *
 * <p>The wait follows the Subscription, its InstallPlans and the CSV together, as OLM moves them
 * (OLM {@code pkg/controller/operators/catalog/operator.go}, {@code pkg/controller/operators/olm/operator.go}):
 * <ul>
 *   <li>a Subscription condition {@code BundleUnpackFailed} (the bundle image cannot be pulled, typically on a
 *       disconnected cluster without the mirror) or {@code InstallPlanFailed}, or an InstallPlan in phase
 *       {@code Failed}, ends the wait at once, naming the condition;</li>
 *   <li>a CSV {@code Failed} for a reason OLM retries (e.g. {@code InstallCheckFailed} "install timeout" after five
 *       minutes Installing: OLM moves it back to Pending and installs again) keeps the wait going, with progress
 *       that says what OLM reports; the reasons OLM leaves to a person end it ({@link #needsSomeone});</li>
 *   <li>an upgrade InstallPlan waiting for Manual approval while the installed CSV runs is fine: OLM keeps running
 *       the installed CSV, which is the result (with the pending upgrade named); upgrades are never approved here.</li>
 * </ul>
 */
public final class OperatorInstaller {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorInstaller.class);
    /** How often the wait looks at the cancellation flag and the deadline when nothing changes. */
    private static final long SLICE_MILLIS = 200;

    private final KubernetesClient client;
    private final Resources resources;
    private final Cancellation cancellation;

    /**
     * The changes made and the CSV that now runs ({@code Succeeded}).
     *
     * @param pendingUpgrade the CSV of an upgrade InstallPlan that waits for Manual approval; null when none
     */
    public record Result(List<Change> changes, String csv, String pendingUpgrade) {
        public Result(List<Change> changes, String csv) {
            this(changes, csv, null);
        }
    }

    public OperatorInstaller(KubernetesClient client, Cancellation cancellation) {
        this.client = client;
        this.resources = new Resources(client);
        this.cancellation = cancellation == null ? new Cancellation() : cancellation;
    }

    /** What {@link #install} would change, without changing anything. */
    public List<Change> plan(OperatorSpec spec) {
        OperatorCatalog.Entry entry = catalogEntry(spec);
        List<Change> changes = new ArrayList<>();
        changes.add(resources.ensureNamespace(spec.namespace(), true));
        changes.add(operatorGroup(spec, true));
        changes.add(resources.createOrUpdate(desiredSubscription(spec, entry), true).change());
        return changes;
    }

    /** Installs (or confirms) the operator and waits until OLM runs its CSV. */
    public Result install(OperatorSpec spec, Progress progress) {
        Progress out = progress == null ? Progress.NONE : progress;
        String pkg = spec.packageName();
        out.detail("checking that a catalog offers " + pkg + " on channel " + spec.channel());
        List<OperatorCatalog.Entry> offers = OperatorCatalog.offers(client, pkg, spec.catalogNamespace());
        OperatorCatalog.Entry entry = catalogEntry(spec, offers);
        if (offers.size() > 1) {
            out.detail(pkg + " is offered by the catalogs " + OperatorCatalog.sourcesText(offers) + "; using "
                    + entry.catalogSource() + (spec.source() != null ? " (as configured)" : ""));
        }
        cancellation.throwIfCancelled();

        List<Change> changes = new ArrayList<>();
        changes.add(resources.ensureNamespace(spec.namespace(), false));
        changes.add(operatorGroup(spec, false));
        cancellation.throwIfCancelled();
        Resources.Outcome<Subscription> sub = resources.createOrUpdate(desiredSubscription(spec, entry), false);
        changes.add(sub.change());
        out.detail((sub.change().isNoop() ? "Subscription " : "Subscription created/updated: ") + pkg
                + " (channel " + spec.channel() + ", catalog " + entry.catalogSource() + ")");
        Result done = await(spec, out);
        changes.addAll(done.changes());
        return new Result(List.copyOf(changes), done.csv(), done.pendingUpgrade());
    }

    /**
     * Waits until OLM runs the CSV of the operator whose Subscription exists (approving its Manual InstallPlan when
     * the spec allows it); the changes are those approvals.
     */
    public Result await(OperatorSpec spec, Progress progress) {
        Progress out = progress == null ? Progress.NONE : progress;
        String pkg = spec.packageName();
        List<Change> changes = new ArrayList<>();
        long deadline = System.nanoTime() + spec.timeout().toNanos();
        Outcome done;
        try (OlmWatch watch = new OlmWatch(spec.namespace(), pkg)) {
            done = waitForOlm(spec, watch, changes, deadline, out);
        }
        if (done.pendingUpgrade() != null) {
            out.detail("an upgrade to " + done.pendingUpgrade() + " waits for Manual approval; OLM keeps running "
                    + done.csv());
        }
        LOG.info("operator {} installed: {} Succeeded{}", pkg, done.csv(),
                done.pendingUpgrade() == null ? "" : " (upgrade to " + done.pendingUpgrade() + " awaits approval)");
        return new Result(List.copyOf(changes), done.csv(), done.pendingUpgrade());
    }

    private OperatorCatalog.Entry catalogEntry(OperatorSpec spec) {
        return catalogEntry(spec, OperatorCatalog.offers(client, spec.packageName(), spec.catalogNamespace()));
    }

    private OperatorCatalog.Entry catalogEntry(OperatorSpec spec, List<OperatorCatalog.Entry> offers) {
        if (offers.isEmpty()) {
            throw StageException.invalidInput("no catalog in " + spec.catalogNamespace()
                            + " offers the operator package " + spec.packageName(),
                    Fix.manual("check that the Red Hat operator catalog (redhat-operators) is enabled and"
                            + " healthy: `oc get catalogsource -n openshift-marketplace`; on a disconnected"
                            + " cluster, mirror the package " + spec.packageName()));
        }
        OperatorCatalog.Entry entry = OperatorCatalog.choose(offers, spec.source())
                .filter(e -> spec.sourceNamespace() == null || spec.sourceNamespace().equals(e.catalogSourceNamespace()))
                .orElseThrow(() ->
                StageException.invalidInput("the catalog " + (spec.source() != null ? spec.source()
                                : "in " + spec.sourceNamespace()) + " does not offer the operator package "
                                + spec.packageName() + "; it is offered by: " + OperatorCatalog.sourcesText(offers),
                        Fix.manual("choose one of the catalogs that offer it (" + OperatorCatalog.sourcesText(offers)
                                + ")")));
        if (!entry.hasChannel(spec.channel())) {
            throw StageException.invalidInput("the operator package " + spec.packageName() + " has no channel '"
                            + spec.channel() + "'; the catalog offers: " + entry.channelsText(),
                    Fix.manual("choose one of the offered channels (" + entry.channelsText() + ")"));
        }
        return entry;
    }

    /**
     * The Subscription to the spec's package and channel from the catalog that offers them; a package or channel no
     * catalog offers is invalid input.
     */
    public Subscription desiredSubscription(OperatorSpec spec) {
        return desiredSubscription(spec, catalogEntry(spec));
    }

    private Subscription desiredSubscription(OperatorSpec spec, OperatorCatalog.Entry entry) {
        String source = spec.source() != null ? spec.source() : entry.catalogSource();
        String sourceNs = spec.sourceNamespace() != null ? spec.sourceNamespace() : entry.catalogSourceNamespace();
        return new SubscriptionBuilder()
                .withNewMetadata().withName(spec.packageName()).withNamespace(spec.namespace()).endMetadata()
                .withNewSpec()
                .withName(spec.packageName())
                .withChannel(spec.channel())
                .withSource(source)
                .withSourceNamespace(sourceNs)
                .withInstallPlanApproval(spec.approval())
                .endSpec()
                .build();
    }

    private Change operatorGroup(OperatorSpec spec, boolean dryRun) {
        String ns = spec.namespace();
        java.util.Optional<OperatorGroup> fitting = operatorGroup(spec);
        if (fitting.isPresent()) {
            return Change.noop(TargetSystem.KUBERNETES, "OperatorGroup", ns + "/" + fitting.get().getMetadata().getName());
        }
        OperatorGroup desired = desiredOperatorGroup(ns);
        if (!dryRun) {
            createOperatorGroup(desired);
        }
        return new Change(Action.CREATE, TargetSystem.KUBERNETES, "OperatorGroup", ns + "/" + ns,
                Map.of("spec.targetNamespaces", FieldChange.of(null, "[" + ns + "]")));
    }

    /**
     * The namespace's OperatorGroup when it fits (targets only the namespace); empty when there is none. One that
     * targets other namespaces, or more than one, stops the install: OLM allows one per namespace, and changing
     * someone else's is for them to decide.
     */
    public java.util.Optional<OperatorGroup> operatorGroup(OperatorSpec spec) {
        String ns = spec.namespace();
        List<OperatorGroup> groups;
        try {
            groups = client.resources(OperatorGroup.class).inNamespace(ns).list().getItems();
        } catch (KubernetesClientException e) {
            throw ClusterErrors.translate(e, "listing OperatorGroups in " + ns);
        }
        if (groups.size() > 1) {
            throw new StageException("namespace " + ns + " has " + groups.size() + " OperatorGroups ("
                    + groups.stream().map(g -> g.getMetadata().getName()).collect(Collectors.joining(", "))
                    + "); OLM installs nothing in a namespace with more than one",
                    Fix.manual("delete all but one OperatorGroup in " + ns + " (`oc get operatorgroup -n " + ns + "`)"));
        }
        if (groups.isEmpty()) {
            return java.util.Optional.empty();
        }
        OperatorGroup og = groups.get(0);
        List<String> targets = og.getSpec() == null || og.getSpec().getTargetNamespaces() == null ? List.of()
                : og.getSpec().getTargetNamespaces();
        if (targets.equals(List.of(ns))) {
            return java.util.Optional.of(og);
        }
        throw new StageException("namespace " + ns + " already has the OperatorGroup "
                + og.getMetadata().getName() + " targeting "
                + (targets.isEmpty() ? "all namespaces" : String.join(", ", targets))
                + "; " + spec.packageName() + " needs one that targets only " + ns
                + " and OLM allows one OperatorGroup per namespace",
                Fix.manual("set its spec.targetNamespaces to [" + ns + "] if nothing else depends on it,"
                        + " or install into another namespace (config: the stage's namespace)"));
    }

    /** The OperatorGroup made when the namespace has none: named after the namespace, targeting only it. */
    public static OperatorGroup desiredOperatorGroup(String ns) {
        return new OperatorGroupBuilder()
                .withNewMetadata().withName(ns).withNamespace(ns)
                .withLabels(Map.of(Resources.MANAGED_BY_LABEL, Resources.MANAGER)).endMetadata()
                .withNewSpec().withTargetNamespaces(ns).endSpec()
                .build();
    }

    public OperatorGroup createOperatorGroup(OperatorGroup desired) {
        try {
            return client.resource(desired).create();
        } catch (KubernetesClientException e) {
            throw ClusterErrors.translate(e, "creating OperatorGroup " + desired.getMetadata().getName());
        }
    }

    // ------------------------------------------------------------------------------------------------ the wait

    /** Where the wait ended: the CSV that runs, and an upgrade waiting for approval (or null). */
    private record Outcome(String csv, String pendingUpgrade) { }

    /** One look at OLM's objects: finished (outcome), or still waiting (a progress line and the timeout message). */
    private record Look(Outcome done, String line, String timeoutMessage, String timeoutFix) {
        static Look waiting(String line, String timeoutMessage, String timeoutFix) {
            return new Look(null, line, timeoutMessage, timeoutFix);
        }
    }

    /**
     * The Subscription, the namespace's InstallPlans and CSVs, each through an informer (list + watch); any change
     * wakes the wait up.
     */
    private final class OlmWatch implements AutoCloseable {
        private final String namespace;
        private final Semaphore changed = new Semaphore(0);
        private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
        private final SharedIndexInformer<Subscription> subscriptions;
        private final SharedIndexInformer<InstallPlan> plans;
        private final SharedIndexInformer<ClusterServiceVersion> csvs;

        OlmWatch(String namespace, String pkg) {
            this.namespace = namespace;
            try {
                subscriptions = add(client.resources(Subscription.class).inNamespace(namespace).withName(pkg)
                        .inform(signal()));
                plans = add(client.resources(InstallPlan.class).inNamespace(namespace).inform(signal()));
                csvs = add(client.resources(ClusterServiceVersion.class).inNamespace(namespace).inform(signal()));
            } catch (KubernetesClientException e) {
                close();
                throw ClusterErrors.translate(e, "watching OLM's objects in " + namespace);
            }
        }

        private <T> SharedIndexInformer<T> add(SharedIndexInformer<T> informer) {
            informers.add(informer);
            return informer;
        }

        private <T> ResourceEventHandler<T> signal() {
            return new ResourceEventHandler<>() {
                @Override public void onAdd(T obj) { changed.release(); }

                @Override public void onUpdate(T oldObj, T newObj) { changed.release(); }

                @Override public void onDelete(T obj, boolean deletedFinalStateUnknown) { changed.release(); }
            };
        }

        Subscription subscription() {
            List<Subscription> list = subscriptions.getStore().list();
            return list.isEmpty() ? null : list.get(0);
        }

        InstallPlan plan(String name) {
            return name == null ? null : plans.getStore().getByKey(namespace + "/" + name);
        }

        ClusterServiceVersion csv(String name) {
            return name == null ? null : csvs.getStore().getByKey(namespace + "/" + name);
        }

        /** Waits until something changed or {@code millis} passed. */
        void awaitChange(long millis) {
            try {
                if (changed.tryAcquire(Math.max(1, millis), TimeUnit.MILLISECONDS)) {
                    changed.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                cancellation.cancel();
            }
        }

        @Override
        public void close() {
            informers.forEach(SharedIndexInformer::close);
        }
    }

    private Outcome waitForOlm(OperatorSpec spec, OlmWatch watch, List<Change> changes, long deadline, Progress out) {
        Set<String> approved = ConcurrentHashMap.newKeySet();
        String lastLine = null;
        while (true) {
            cancellation.throwIfCancelled();
            Look look = look(spec, watch, changes, approved, out);
            if (look.line() != null && !look.line().equals(lastLine)) {
                lastLine = look.line();
                out.detail(look.line());
            }
            if (look.done() != null) {
                return look.done();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new StageException(look.timeoutMessage(), Fix.manual(look.timeoutFix()));
            }
            watch.awaitChange(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, SLICE_MILLIS));
        }
    }

    /** Reads where OLM is, acts (approval) or fails fast where OLM needs someone, else says what it waits for. */
    private Look look(OperatorSpec spec, OlmWatch watch, List<Change> changes, Set<String> approved, Progress out) {
        String pkg = spec.packageName();
        String ns = spec.namespace();
        String within = " within " + Waits.human(spec.timeout());
        Subscription sub = watch.subscription();
        SubscriptionStatus st = sub == null ? null : sub.getStatus();
        String subFix = "check the catalog and the Subscription: `oc describe subscription " + pkg + " -n " + ns
                + "` and `oc get catalogsource -n " + spec.catalogNamespace() + "`; then rerun the stage";
        if (st == null) {
            return Look.waiting("Subscription " + pkg + ": waiting for OLM",
                    "OLM made no InstallPlan for " + pkg + within, subFix);
        }
        SubscriptionCondition unpack = condition(st, "BundleUnpackFailed");
        if (unpack != null) {
            // catalog operator.go: the bundle image could not be unpacked (pulled); no InstallPlan is made
            throw new StageException("OLM cannot unpack the bundle of " + pkg + " (Subscription condition"
                    + " BundleUnpackFailed" + reasonText(unpack.getReason(), unpack.getMessage()) + ")",
                    Fix.manual("the cluster cannot pull the operator's bundle image from catalog "
                            + sub.getSpec().getSource() + ": on a disconnected cluster mirror the package " + pkg
                            + " (oc-mirror) and its images, or fix the pull secret; then delete the failed unpack"
                            + " Job in " + sub.getSpec().getSourceNamespace() + " (`oc get jobs -l"
                            + " operatorframework.io/bundle-unpack-ref -n " + sub.getSpec().getSourceNamespace()
                            + "`) and rerun the stage"));
        }
        String planName = st.getInstallPlanRef() != null ? st.getInstallPlanRef().getName()
                : st.getInstallplan() != null ? st.getInstallplan().getName() : null;
        InstallPlan plan = watch.plan(planName);
        String planPhase = plan == null || plan.getStatus() == null ? null : plan.getStatus().getPhase();
        SubscriptionCondition planFailed = condition(st, "InstallPlanFailed");
        if ("Failed".equals(planPhase) || (planFailed != null && plan == null)) {
            String why = planFailure(plan, planFailed);
            throw new StageException("the InstallPlan " + planName + " for " + pkg + " failed" + why,
                    Fix.manual("see `oc describe installplan " + planName + " -n " + ns + "`; fix the cause, then"
                            + " delete the Subscription " + pkg + ", its InstallPlan and any CSV it left (`oc delete"
                            + " subscription " + pkg + " -n " + ns + "`) and rerun the stage"));
        }
        String installed = st.getInstalledCSV();
        String current = st.getCurrentCSV();
        List<String> planCsvs = plan == null || plan.getSpec() == null
                || plan.getSpec().getClusterServiceVersionNames() == null ? List.of()
                : plan.getSpec().getClusterServiceVersionNames();
        String pendingUpgrade = null;
        if (plan != null && waitsForApproval(plan)) {
            boolean upgrade = installed != null && !planCsvs.contains(installed);
            if (upgrade) {
                // OLM keeps running the installed CSV until someone approves the upgrade
                pendingUpgrade = planCsvs.isEmpty() ? current : planCsvs.get(0);
            } else if (approved.add(planName)) {
                Change change = approve(spec, plan);
                changes.add(change);
                out.detail("approved InstallPlan " + planName);
            }
        }
        String target = pendingUpgrade != null ? installed
                : current != null ? current : !planCsvs.isEmpty() ? planCsvs.get(0) : installed;
        if (target == null) {
            return Look.waiting(describeSubscription(sub), "OLM made no InstallPlan for " + pkg + within
                    + subscriptionProblem(sub), subFix);
        }
        String csvFix = "check `oc get csv -n " + ns + "` and the operator pods; rerun the stage to keep waiting";
        ClusterServiceVersion csv = watch.csv(target);
        if (csv == null) {
            String planState = plan == null ? "" : " (InstallPlan " + planName + ": "
                    + Objects.requireNonNullElse(planPhase, "Planning") + ")";
            return Look.waiting("CSV " + target + ": waiting for OLM to create it" + planState,
                    "the operator " + pkg + " did not finish installing" + within + ": CSV " + target
                            + " does not exist yet" + planState, csvFix);
        }
        String phase = phase(csv);
        if ("Succeeded".equals(phase)) {
            return new Look(new Outcome(target, pendingUpgrade), "CSV " + target + ": Succeeded", null, null);
        }
        String reason = csv.getStatus() == null ? null : csv.getStatus().getReason();
        String message = csv.getStatus() == null ? null : csv.getStatus().getMessage();
        if ("Failed".equals(phase) && needsSomeone(reason, message)) {
            throw new StageException("the operator " + pkg + " failed to install: CSV " + target + " is Failed"
                    + reason(csv),
                    Fix.manual("see `oc describe csv " + target + " -n " + ns + "`; fix the cause (often missing"
                            + " resources or permissions), then rerun the stage"));
        }
        String retrying = "Failed".equals(phase) ? "; OLM retries the install" : "";
        return Look.waiting("CSV " + target + ": " + Objects.requireNonNullElse(phase, "Pending") + reason(csv)
                        + retrying,
                "the operator " + pkg + " did not finish installing" + within + ": CSV " + target + " is "
                        + Objects.requireNonNullElse(phase, "Pending") + reason(csv) + retrying, csvFix);
    }

    /**
     * Whether a Failed CSV waits for a person rather than for OLM (OLM {@code pkg/controller/operators/olm/
     * operator.go}): {@code InstallComponentFailedNoRetry} is not synced again until RBAC changes
     * ({@code transitionCSVState}); an install check that failed for good ("install failed: ...", an unrecoverable
     * strategy error in {@code updateInstallStatus}) and an invalid strategy stay Failed; the OperatorGroup reasons
     * last until the OperatorGroups are fixed. Every other Failed CSV, e.g. {@code InstallCheckFailed} "install
     * timeout" or {@code InstallComponentFailed}, goes back to Pending ({@code NeedsReinstall}) and is installed again.
     */
    static boolean needsSomeone(String reason, String message) {
        if (reason == null) {
            return false;
        }
        return switch (reason) {
            case "InstallComponentFailedNoRetry", "InvalidInstallStrategy", "NoOperatorGroup",
                 "TooManyOperatorGroups", "UnsupportedOperatorGroup", "NoTargetNamespaces", "InvalidInstallModes",
                 "InterOperatorGroupOwnerConflict", "CannotModifyStaticOperatorGroupProvidedAPIs",
                 "InvalidWebhookDescription" -> true;
            case "InstallCheckFailed" -> message != null && message.startsWith("install failed:");
            default -> false;
        };
    }

    private static boolean waitsForApproval(InstallPlan plan) {
        boolean manual = plan.getSpec() != null && OperatorSpec.MANUAL.equals(plan.getSpec().getApproval());
        boolean approved = plan.getSpec() != null && Boolean.TRUE.equals(plan.getSpec().getApproved());
        return manual && !approved;
    }

    private Change approve(OperatorSpec spec, InstallPlan plan) {
        String name = plan.getMetadata().getName();
        if (!spec.approveInstallPlan()) {
            throw new StageException("the InstallPlan " + name + " for " + spec.packageName()
                    + " waits for manual approval",
                    Fix.manual("approve it (`oc patch installplan " + name + " -n " + spec.namespace()
                            + " --type merge -p '{\"spec\":{\"approved\":true}}'` or in the web console), or allow"
                            + " the installer to approve install plans, then rerun the stage"));
        }
        try {
            client.resources(InstallPlan.class).inNamespace(spec.namespace()).withName(name)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"approved\":true}}");
        } catch (KubernetesClientException e) {
            throw ClusterErrors.translate(e, "approving InstallPlan " + name);
        }
        return new Change(Action.UPDATE, TargetSystem.KUBERNETES, "InstallPlan", spec.namespace() + "/" + name,
                Map.of("spec.approved", FieldChange.of(false, true)));
    }

    private static SubscriptionCondition condition(SubscriptionStatus st, String type) {
        if (st.getConditions() == null) {
            return null;
        }
        return st.getConditions().stream()
                .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
                .findFirst().orElse(null);
    }

    /** ": reason: message" of a failed InstallPlan (its Installed=False condition, else its message). */
    private static String planFailure(InstallPlan plan, SubscriptionCondition fromSubscription) {
        if (plan != null && plan.getStatus() != null) {
            List<InstallPlanCondition> conditions = plan.getStatus().getConditions() == null ? List.of()
                    : plan.getStatus().getConditions();
            for (InstallPlanCondition c : conditions) {
                if ("Installed".equals(c.getType()) && "False".equals(c.getStatus())) {
                    return " (condition Installed=False" + reasonText(c.getReason(), c.getMessage()) + ")";
                }
            }
            if (plan.getStatus().getMessage() != null) {
                return ": " + plan.getStatus().getMessage();
            }
        }
        if (fromSubscription != null) {
            return " (Subscription condition InstallPlanFailed"
                    + reasonText(fromSubscription.getReason(), fromSubscription.getMessage()) + ")";
        }
        return "";
    }

    /** ", reason InstallComponentFailed: message" (either part may be missing). */
    private static String reasonText(String reason, String message) {
        boolean r = reason != null && !reason.isBlank();
        boolean m = message != null && !message.isBlank();
        return (r ? ", reason " + reason : "") + (m ? (r ? ": " : ": ") + message : "");
    }

    private static String phase(ClusterServiceVersion csv) {
        return csv == null || csv.getStatus() == null ? null : csv.getStatus().getPhase();
    }

    private static String reason(ClusterServiceVersion csv) {
        if (csv == null || csv.getStatus() == null) {
            return "";
        }
        String r = csv.getStatus().getReason();
        String m = csv.getStatus().getMessage();
        if (r == null && m == null) {
            return "";
        }
        return " (" + (r == null ? "" : r) + (r != null && m != null ? ": " : "") + (m == null ? "" : m) + ")";
    }

    private static String describeSubscription(Subscription s) {
        SubscriptionStatus st = s.getStatus();
        if (st == null) {
            return "Subscription " + s.getMetadata().getName() + ": waiting for OLM";
        }
        return "Subscription " + s.getMetadata().getName() + ": " + Objects.requireNonNullElse(st.getState(), "pending")
                + (st.getCurrentCSV() == null ? "" : ", CSV " + st.getCurrentCSV()) + subscriptionProblem(s);
    }

    private static String subscriptionProblem(Subscription s) {
        if (s == null || s.getStatus() == null || s.getStatus().getConditions() == null) {
            return "";
        }
        String problems = s.getStatus().getConditions().stream()
                .filter(c -> "True".equals(c.getStatus()) && c.getMessage() != null && !c.getMessage().isBlank())
                .map(SubscriptionCondition::getMessage).collect(Collectors.joining("; "));
        return problems.isEmpty() ? "" : ": " + problems;
    }
}
