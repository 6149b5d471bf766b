package dev.maas.installer.stages.common;

import dev.maas.installer.cluster.OperatorSpec;
import dev.maas.installer.engine.config.InstallerConfig;

/**
 * How the stages subscribe to an operator, from the configuration: the catalog ({@code cluster.catalogSource}; empty
 * lets {@link dev.maas.installer.cluster.OperatorCatalog} choose Red Hat's) and the InstallPlan approval
 * ({@code cluster.installPlanApproval}). Under Manual approval the installer approves the InstallPlan of the install
 * it was asked to make, never an upgrade. Preflight reads the same to know which rights the install needs.
 */
public final class OperatorSubscriptions {
    private OperatorSubscriptions() { }

    public static OperatorSpec spec(InstallerConfig config, String packageName, String channel, String namespace) {
        OperatorSpec spec = OperatorSpec.of(packageName, channel, namespace);
        String approval = approval(config);
        if (OperatorSpec.MANUAL.equals(approval)) {
            spec = spec.withApproval(OperatorSpec.MANUAL, true);
        }
        String source = catalogSource(config);
        return source == null ? spec : spec.withSource(source, null);
    }

    /** {@code Automatic} or {@code Manual}. */
    public static String approval(InstallerConfig config) {
        String a = config.cluster() == null ? null : config.cluster().installPlanApproval();
        return a == null || a.isBlank() ? OperatorSpec.AUTOMATIC : a;
    }

    /** The configured CatalogSource, or null to let the catalog lookup choose. */
    public static String catalogSource(InstallerConfig config) {
        String s = config.cluster() == null ? null : config.cluster().catalogSource();
        return s == null || s.isBlank() ? null : s;
    }
}
