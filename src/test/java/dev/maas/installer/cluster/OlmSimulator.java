package dev.maas.installer.cluster;

import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.ClusterServiceVersion;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.ClusterServiceVersionBuilder;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.InstallPlan;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.InstallPlanBuilder;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.Subscription;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.SubscriptionStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Test-only: what OLM does with a Subscription, on informers. Subscription → InstallPlan (approved when the
 * Subscription says Automatic) → once approved, the CSV with phase Succeeded or Failed; or nothing at all.
 */
public final class OlmSimulator implements AutoCloseable {
    public enum Mode { SUCCEED, FAIL, NO_INSTALLPLAN }

    private final KubernetesClient client;
    private final Mode mode;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

    public OlmSimulator(KubernetesClient client, Mode mode) {
        this.client = client;
        this.mode = mode;
        informers.add(client.resources(Subscription.class).inAnyNamespace().inform(new Handler<>(this::onSubscription)));
        informers.add(client.resources(InstallPlan.class).inAnyNamespace().inform(new Handler<>(this::onInstallPlan)));
    }

    public static String csvName(String pkg) { return pkg + ".v1.0.0"; }

    private synchronized void onSubscription(Subscription s) {
        if (mode == Mode.NO_INSTALLPLAN || s.getSpec() == null) {
            return;
        }
        if (s.getStatus() != null && s.getStatus().getInstallPlanRef() != null) {
            return;
        }
        String ns = s.getMetadata().getNamespace();
        String pkg = s.getSpec().getName();
        String planName = "install-" + pkg;
        boolean automatic = !"Manual".equals(s.getSpec().getInstallPlanApproval());
        if (client.resources(InstallPlan.class).inNamespace(ns).withName(planName).get() == null) {
            client.resource(new InstallPlanBuilder().withNewMetadata().withName(planName).withNamespace(ns).endMetadata()
                    .withNewSpec().withApproval(automatic ? "Automatic" : "Manual").withApproved(automatic)
                    .withClusterServiceVersionNames(csvName(pkg)).endSpec()
                    .withNewStatus().withPhase(automatic ? "Installing" : "RequiresApproval").endStatus()
                    .build()).create();
        }
        client.resources(Subscription.class).inNamespace(ns).withName(s.getMetadata().getName()).editStatus(x -> {
            SubscriptionStatus st = x.getStatus() == null ? new SubscriptionStatus() : x.getStatus();
            st.setInstallPlanRef(new ObjectReferenceBuilder().withKind("InstallPlan").withName(planName)
                    .withNamespace(ns).build());
            st.setCurrentCSV(csvName(pkg));
            st.setState("UpgradePending");
            x.setStatus(st);
            return x;
        });
    }

    private synchronized void onInstallPlan(InstallPlan p) {
        if (p.getSpec() == null || !Boolean.TRUE.equals(p.getSpec().getApproved())) {
            return;
        }
        String ns = p.getMetadata().getNamespace();
        String csv = p.getSpec().getClusterServiceVersionNames().get(0);
        if (client.resources(ClusterServiceVersion.class).inNamespace(ns).withName(csv).get() != null) {
            return;
        }
        String pkg = csv.substring(0, csv.indexOf(".v"));
        if (mode == Mode.SUCCEED) {
            client.resources(Subscription.class).inNamespace(ns).withName(pkg).editStatus(x -> {
                x.getStatus().setInstalledCSV(csv);
                x.getStatus().setState("AtLatestKnown");
                return x;
            });
        }
        ClusterServiceVersionBuilder b = new ClusterServiceVersionBuilder()
                .withNewMetadata().withName(csv).withNamespace(ns).endMetadata()
                .withNewSpec().withDisplayName(pkg).endSpec();
        if (mode == Mode.SUCCEED) {
            b.withNewStatus().withPhase("Succeeded").withReason("InstallSucceeded").endStatus();
        } else {
            b.withNewStatus().withPhase("Failed").withReason("InstallComponentFailedNoRetry")
                    .withMessage("install strategy failed: deployment " + pkg + " not available").endStatus();
        }
        client.resource(b.build()).create();
    }

    @Override
    public void close() { informers.forEach(SharedIndexInformer::close); }

    private record Handler<T>(java.util.function.Consumer<T> on) implements ResourceEventHandler<T> {
        @Override public void onAdd(T obj) { on.accept(obj); }

        @Override public void onUpdate(T oldObj, T newObj) {
            if (!Objects.equals(oldObj, newObj)) {
                on.accept(newObj);
            }
        }

        @Override public void onDelete(T obj, boolean deletedFinalStateUnknown) { }
    }
}
