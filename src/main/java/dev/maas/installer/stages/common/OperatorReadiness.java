package dev.maas.installer.stages.common;

import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Fix;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.ClusterServiceVersion;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.Subscription;

/**
 * Whether an operator a stage installs through OLM runs: its Subscription names a ClusterServiceVersion (the
 * installed one, else the current one) and that CSV's phase is {@code Succeeded} (operator-framework/api
 * {@code pkg/operators/v1alpha1/clusterserviceversion_types.go}, {@code CSVPhaseSucceeded}). One check for every
 * stage that installs an operator; a missing Subscription or CSV is for the stage to repair, a CSV in another phase
 * is for the user to look at.
 */
public final class OperatorReadiness {
    private OperatorReadiness() { }

    /**
     * @param name      the check's name
     * @param namespace where the Subscription is
     * @param subscription the Subscription's name (the package name)
     * @param stageId   the stage that installs the operator
     */
    public static Check check(KubernetesClient client, String name, String namespace, String subscription,
                              String stageId) {
        Subscription sub = client.resources(Subscription.class).inNamespace(namespace).withName(subscription).get();
        if (sub == null) {
            return Check.retryable(name, "the operator is not installed: no Subscription " + subscription + " in "
                    + namespace, Fix.rerunStage(stageId, "apply the " + stageId + " stage; it installs the operator"));
        }
        String csvName = sub.getStatus() == null ? null : sub.getStatus().getInstalledCSV() != null
                ? sub.getStatus().getInstalledCSV() : sub.getStatus().getCurrentCSV();
        if (csvName == null) {
            return Check.retryable(name, "the operator is not installed yet: Subscription " + subscription + " in "
                    + namespace + " names no CSV yet", Fix.rerunStage(stageId, "apply the " + stageId
                    + " stage; it waits for the operator"));
        }
        ClusterServiceVersion csv = client.resources(ClusterServiceVersion.class).inNamespace(namespace)
                .withName(csvName).get();
        String phase = csv == null || csv.getStatus() == null ? null : csv.getStatus().getPhase();
        if ("Succeeded".equals(phase)) {
            return Check.ok(name, "CSV " + csvName + " Succeeded");
        }
        String reason = csv == null || csv.getStatus() == null || csv.getStatus().getReason() == null ? ""
                : " (" + csv.getStatus().getReason() + ": " + csv.getStatus().getMessage() + ")";
        return Check.retryable(name, "CSV " + csvName + " is " + (phase == null ? "missing" : phase) + reason,
                Fix.manual("see `oc describe csv " + csvName + " -n " + namespace + "`; fix the cause, then rerun the "
                        + stageId + " stage"));
    }
}
