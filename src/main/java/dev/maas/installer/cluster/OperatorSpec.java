package dev.maas.installer.cluster;

import java.time.Duration;
import java.util.Objects;

/**
 * One operator to install through OLM.
 *
 * @param packageName      the package in the catalog, e.g. {@code 3scale-operator}
 * @param channel          e.g. {@code threescale-2.15}
 * @param namespace        where the operator runs (and the only namespace its OperatorGroup targets)
 * @param catalogNamespace where the PackageManifests are listed ({@code openshift-marketplace})
 * @param source           CatalogSource name; null: the one the PackageManifest names
 * @param sourceNamespace  CatalogSource namespace; null: the one the PackageManifest names
 * @param approval         {@code Automatic} or {@code Manual} (the Subscription's installPlanApproval)
 * @param approveInstallPlan whether we may approve a Manual InstallPlan (the user agreed)
 * @param timeout          how long to wait for the InstallPlan and the CSV together
 */
public record OperatorSpec(String packageName, String channel, String namespace, String catalogNamespace,
                           String source, String sourceNamespace, String approval, boolean approveInstallPlan,
                           Duration timeout) {
    public static final String AUTOMATIC = "Automatic";
    public static final String MANUAL = "Manual";
    public static final String MARKETPLACE = "openshift-marketplace";

    public OperatorSpec {
        Objects.requireNonNull(packageName, "packageName");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(namespace, "namespace");
        catalogNamespace = catalogNamespace == null ? MARKETPLACE : catalogNamespace;
        approval = approval == null ? AUTOMATIC : approval;
        if (!approval.equals(AUTOMATIC) && !approval.equals(MANUAL)) {
            throw new IllegalArgumentException("approval must be Automatic or Manual, not " + approval);
        }
        timeout = timeout == null ? Duration.ofMinutes(10) : timeout;
    }

    public static OperatorSpec of(String packageName, String channel, String namespace) {
        return new OperatorSpec(packageName, channel, namespace, null, null, null, null, false, null);
    }

    public OperatorSpec withApproval(String a, boolean mayApprove) {
        return new OperatorSpec(packageName, channel, namespace, catalogNamespace, source, sourceNamespace, a,
                mayApprove, timeout);
    }

    public OperatorSpec withTimeout(Duration t) {
        return new OperatorSpec(packageName, channel, namespace, catalogNamespace, source, sourceNamespace, approval,
                approveInstallPlan, t);
    }

    public OperatorSpec withSource(String src, String srcNamespace) {
        return new OperatorSpec(packageName, channel, namespace, catalogNamespace, src, srcNamespace, approval,
                approveInstallPlan, timeout);
    }

    public OperatorSpec withCatalogNamespace(String ns) {
        return new OperatorSpec(packageName, channel, namespace, ns, source, sourceNamespace, approval,
                approveInstallPlan, timeout);
    }
}
