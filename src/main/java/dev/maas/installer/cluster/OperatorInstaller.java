package dev.maas.installer.cluster;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.TargetSystem;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.openshift.api.model.operatorhub.v1.OperatorGroup;
import io.fabric8.openshift.api.model.operatorhub.v1.OperatorGroupBuilder;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.ClusterServiceVersion;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.InstallPlan;
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
import java.util.stream.Collectors;

/**
 * Installs an operator through OLM: the namespace, one OperatorGroup that targets only that namespace (an existing
 * fitting one is reused; a second one is never made), the Subscription, the approval of a Manual InstallPlan when
 * the user agreed, and a wait (informers, one overall timeout, cancellable) for the CSV to reach
 * {@code Succeeded}. The package and channel are checked against the PackageManifests first. A second call with
 * the same spec reads but writes nothing.
 */
public final class OperatorInstaller {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorInstaller.class);

    private final KubernetesClient client;
    private final Resources resources;
    private final Cancellation cancellation;

    /** The changes made and the CSV that is now {@code Succeeded}. */
    public record Result(List<Change> changes, String csv) { }

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

    /** Installs (or confirms) the operator and waits for its CSV to succeed. */
    public Result install(OperatorSpec spec, Progress progress) {
        Progress out = progress == null ? Progress.NONE : progress;
        String pkg = spec.packageName();
        out.detail("checking that a catalog offers " + pkg + " on channel " + spec.channel());
        OperatorCatalog.Entry entry = catalogEntry(spec);
        cancellation.throwIfCancelled();

        List<Change> changes = new ArrayList<>();
        changes.add(resources.ensureNamespace(spec.namespace(), false));
        changes.add(operatorGroup(spec, false));
        cancellation.throwIfCancelled();
        Resources.Outcome<Subscription> sub = resources.createOrUpdate(desiredSubscription(spec, entry), false);
        changes.add(sub.change());
        out.detail((sub.change().isNoop() ? "Subscription " : "Subscription created/updated: ") + pkg
                + " (channel " + spec.channel() + ")");

        long deadline = System.nanoTime() + spec.timeout().toNanos();
        Subscription live = waitForInstallPlanOrCsv(spec, deadline, out);
        String csvName = null;
        InstallPlan plan = null;
        ObjectReference planRef = live.getStatus().getInstallPlanRef();
        String planName = planRef != null ? planRef.getName()
                : live.getStatus().getInstallplan() != null ? live.getStatus().getInstallplan().getName() : null;
        if (planName != null && !alreadyInstalled(live)) {
            plan = client.resources(InstallPlan.class).inNamespace(spec.namespace()).withName(planName).get();
            if (plan != null) {
                Change approved = approveIfNeeded(spec, plan);
                if (approved != null) {
                    changes.add(approved);
                    out.detail("approved InstallPlan " + planName);
                }
                if ("Failed".equals(plan.getStatus() == null ? null : plan.getStatus().getPhase())) {
                    throw new StageException("the InstallPlan " + planName + " for " + pkg + " failed: "
                            + (plan.getStatus().getMessage() == null ? "no reason given" : plan.getStatus().getMessage()),
                            Fix.manual("see `oc describe installplan " + planName + " -n " + spec.namespace()
                                    + "`; delete the Subscription and its InstallPlan, then rerun"));
                }
                List<String> csvs = plan.getSpec() == null ? null : plan.getSpec().getClusterServiceVersionNames();
                if (csvs != null && !csvs.isEmpty()) {
                    csvName = csvs.get(0);
                }
            }
        }
        if (csvName == null) {
            csvName = live.getStatus().getCurrentCSV() != null ? live.getStatus().getCurrentCSV()
                    : live.getStatus().getInstalledCSV();
        }
        if (csvName == null) {
            throw new StageException("the Subscription " + pkg + " names no ClusterServiceVersion",
                    Fix.manual("see `oc describe subscription " + pkg + " -n " + spec.namespace() + "`"));
        }
        waitForCsv(spec, csvName, deadline, out);
        LOG.info("operator {} installed: {} Succeeded", pkg, csvName);
        return new Result(List.copyOf(changes), csvName);
    }

    private OperatorCatalog.Entry catalogEntry(OperatorSpec spec) {
        OperatorCatalog.Entry entry = OperatorCatalog.find(client, spec.packageName(), spec.catalogNamespace())
                .orElseThrow(() -> StageException.invalidInput("no catalog in " + spec.catalogNamespace()
                                + " offers the operator package " + spec.packageName(),
                        Fix.manual("check that the Red Hat operator catalog (redhat-operators) is enabled and"
                                + " healthy: `oc get catalogsource -n openshift-marketplace`; on a disconnected"
                                + " cluster, mirror the package " + spec.packageName())));
        if (!entry.hasChannel(spec.channel())) {
            throw StageException.invalidInput("the operator package " + spec.packageName() + " has no channel '"
                            + spec.channel() + "'; the catalog offers: " + entry.channelsText(),
                    Fix.manual("choose one of the offered channels (" + entry.channelsText() + ")"));
        }
        return entry;
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
        if (groups.size() == 1) {
            OperatorGroup og = groups.get(0);
            List<String> targets = og.getSpec() == null || og.getSpec().getTargetNamespaces() == null ? List.of()
                    : og.getSpec().getTargetNamespaces();
            if (targets.equals(List.of(ns))) {
                return Change.noop(TargetSystem.KUBERNETES, "OperatorGroup", ns + "/" + og.getMetadata().getName());
            }
            throw new StageException("namespace " + ns + " already has the OperatorGroup "
                    + og.getMetadata().getName() + " targeting "
                    + (targets.isEmpty() ? "all namespaces" : String.join(", ", targets))
                    + "; " + spec.packageName() + " needs one that targets only " + ns
                    + " and OLM allows one OperatorGroup per namespace",
                    Fix.manual("set its spec.targetNamespaces to [" + ns + "] if nothing else depends on it,"
                            + " or install into another namespace (config: the stage's namespace)"));
        }
        OperatorGroup desired = new OperatorGroupBuilder()
                .withNewMetadata().withName(ns).withNamespace(ns)
                .withLabels(Map.of(Resources.MANAGED_BY_LABEL, Resources.MANAGER)).endMetadata()
                .withNewSpec().withTargetNamespaces(ns).endSpec()
                .build();
        if (!dryRun) {
            try {
                client.resource(desired).create();
            } catch (KubernetesClientException e) {
                throw ClusterErrors.translate(e, "creating OperatorGroup " + ns);
            }
        }
        return new Change(Action.CREATE, TargetSystem.KUBERNETES, "OperatorGroup", ns + "/" + ns,
                Map.of("spec.targetNamespaces", FieldChange.of(null, "[" + ns + "]")));
    }

    private static boolean alreadyInstalled(Subscription s) {
        SubscriptionStatus st = s.getStatus();
        return st != null && st.getInstalledCSV() != null && st.getInstalledCSV().equals(st.getCurrentCSV());
    }

    private Subscription waitForInstallPlanOrCsv(OperatorSpec spec, long deadline, Progress out) {
        String pkg = spec.packageName();
        try {
            return Waits.until(client.resources(Subscription.class).inNamespace(spec.namespace()).withName(pkg),
                    s -> s.getStatus() != null && (s.getStatus().getInstallPlanRef() != null
                            || s.getStatus().getInstallplan() != null || alreadyInstalled(s)),
                    left(deadline), cancellation, out, OperatorInstaller::describeSubscription,
                    "an InstallPlan for " + pkg);
        } catch (Waits.TimeoutError e) {
            Subscription last = (Subscription) e.last();
            throw new StageException("OLM made no InstallPlan for " + pkg + " within " + Waits.human(spec.timeout())
                    + subscriptionProblem(last),
                    Fix.manual("check the catalog and the Subscription: `oc describe subscription " + pkg + " -n "
                            + spec.namespace() + "` and `oc get catalogsource -n " + spec.catalogNamespace()
                            + "`; then rerun the stage"));
        }
    }

    private Change approveIfNeeded(OperatorSpec spec, InstallPlan plan) {
        String name = plan.getMetadata().getName();
        boolean manual = plan.getSpec() != null && OperatorSpec.MANUAL.equals(plan.getSpec().getApproval());
        boolean approved = plan.getSpec() != null && Boolean.TRUE.equals(plan.getSpec().getApproved());
        if (!manual || approved) {
            return null;
        }
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

    private void waitForCsv(OperatorSpec spec, String csvName, long deadline, Progress out) {
        try {
            Waits.until(client.resources(ClusterServiceVersion.class).inNamespace(spec.namespace()).withName(csvName),
                    csv -> {
                        String phase = phase(csv);
                        if ("Failed".equals(phase)) {
                            throw new StageException("the operator " + spec.packageName() + " failed to install: CSV "
                                    + csvName + " is Failed" + reason(csv),
                                    Fix.manual("see `oc describe csv " + csvName + " -n " + spec.namespace()
                                            + "`; fix the cause (often missing resources or permissions), then"
                                            + " rerun the stage"));
                        }
                        return "Succeeded".equals(phase);
                    }, left(deadline), cancellation, out,
                    csv -> "CSV " + csvName + ": " + Objects.requireNonNullElse(phase(csv), "Pending") + reason(csv),
                    "CSV " + csvName + " Succeeded");
        } catch (Waits.TimeoutError e) {
            ClusterServiceVersion last = (ClusterServiceVersion) e.last();
            throw new StageException("the operator " + spec.packageName() + " did not finish installing within "
                    + Waits.human(spec.timeout()) + ": CSV " + csvName
                    + (last == null ? " does not exist yet" : " is " + phase(last) + reason(last)),
                    Fix.manual("check `oc get csv -n " + spec.namespace()
                            + "` and the operator pods; rerun the stage to keep waiting"));
        }
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
                + (st.getCurrentCSV() == null ? "" : ", CSV " + st.getCurrentCSV());
    }

    private static String subscriptionProblem(Subscription s) {
        if (s == null || s.getStatus() == null || s.getStatus().getConditions() == null) {
            return "";
        }
        String problems = s.getStatus().getConditions().stream()
                .filter(c -> "True".equals(c.getStatus()) && c.getMessage() != null)
                .map(SubscriptionCondition::getMessage).collect(Collectors.joining("; "));
        return problems.isEmpty() ? "" : ": " + problems;
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }
}
