package dev.maas.installer.stages.common;

import dev.maas.installer.cluster.OperatorInstaller;
import dev.maas.installer.cluster.OperatorSpec;
import dev.maas.installer.cluster.Resources;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.reconcile.Managed;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.openshift.api.model.operatorhub.v1.OperatorGroup;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.Subscription;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The objects through which a stage installs an operator with OLM, as {@link Managed} objects: the namespace, its one
 * OperatorGroup and the Subscription, whose readiness is the operator's CSV {@code Succeeded}
 * ({@link OperatorReadiness}). Applying them writes the objects; waiting for OLM to run the CSV (and approving a
 * Manual InstallPlan) is {@link OperatorInstaller#await}, the stage's next step.
 */
public final class OperatorObjects {
    private OperatorObjects() { }

    /** The OperatorGroup and the Subscription of {@code spec}, in the order they are applied. */
    public static List<Managed<?, ?>> of(KubernetesClient client, OperatorSpec spec, String stageId) {
        OperatorInstaller installer = new OperatorInstaller(client, null);
        return List.of(new Group(installer, spec), new SubscriptionObject(client, installer, spec, stageId));
    }

    /** A namespace: made (labelled as ours) when missing; one that exists is left as it is, whoever made it. */
    public static final class NamespaceObject extends ClusterObject<Namespace> {
        public NamespaceObject(Resources resources, String name) {
            super(resources, "Namespace", null, name, ctx -> new NamespaceBuilder().withNewMetadata().withName(name)
                    .endMetadata().build());
        }

        @Override
        public Map<String, FieldChange> diff(Namespace desired, Optional<Namespace> actual) {
            return actual.isPresent() ? Map.of() : super.diff(desired, actual);
        }

        @Override public String okMessage(Namespace desired, Namespace actual) { return "namespace " + name() + " exists"; }
    }

    /**
     * The namespace's one OperatorGroup, targeting only it: an existing fitting one is the object (whoever made it);
     * one that targets other namespaces, or a second one, fails the read with what to do
     * ({@link OperatorInstaller#operatorGroup}).
     */
    static final class Group implements Managed<OperatorGroup, OperatorGroup> {
        private final OperatorInstaller installer;
        private final OperatorSpec spec;

        Group(OperatorInstaller installer, OperatorSpec spec) {
            this.installer = installer;
            this.spec = spec;
        }

        @Override public TargetSystem system() { return TargetSystem.KUBERNETES; }

        @Override public String kind() { return "OperatorGroup"; }

        @Override public String name() { return spec.namespace() + "/" + spec.namespace(); }

        @Override public String name(OperatorGroup actual) { return spec.namespace() + "/" + actual.getMetadata().getName(); }

        @Override
        public Optional<OperatorGroup> desired(StageContext ctx) {
            return Optional.of(OperatorInstaller.desiredOperatorGroup(spec.namespace()));
        }

        @Override public Optional<OperatorGroup> fetch(StageContext ctx) { return installer.operatorGroup(spec); }

        /** A fitting group is as desired; a missing one gets its target namespace. */
        @Override
        public Map<String, FieldChange> diff(OperatorGroup desired, Optional<OperatorGroup> actual) {
            return actual.isPresent() ? Map.of()
                    : Map.of("spec.targetNamespaces", FieldChange.of(null, "[" + spec.namespace() + "]"));
        }

        @Override
        public OperatorGroup create(StageContext ctx, OperatorGroup desired) {
            return installer.createOperatorGroup(desired);
        }

        @Override
        public OperatorGroup update(StageContext ctx, OperatorGroup desired, OperatorGroup actual,
                                    Map<String, FieldChange> diff) {
            throw new IllegalStateException("a fitting OperatorGroup is never changed");
        }

        @Override
        public String okMessage(OperatorGroup desired, OperatorGroup actual) {
            return "OperatorGroup " + name(actual) + " targets " + spec.namespace();
        }
    }

    /** The Subscription to the package and channel; ready when OLM runs its CSV. */
    static final class SubscriptionObject extends ClusterObject<Subscription> {
        private final KubernetesClient client;
        private final OperatorSpec spec;
        private final String stageId;

        SubscriptionObject(KubernetesClient client, OperatorInstaller installer, OperatorSpec spec, String stageId) {
            super(new Resources(client), "Subscription", spec.namespace(), spec.packageName(),
                    ctx -> installer.desiredSubscription(spec));
            this.client = client;
            this.spec = spec;
            this.stageId = stageId;
        }

        /** Read by name: the desired one needs the catalogs, which finding it does not. */
        @Override
        public Optional<Subscription> fetch(StageContext ctx) {
            try {
                return Optional.ofNullable(client.resources(Subscription.class).inNamespace(spec.namespace())
                        .withName(spec.packageName()).get());
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                throw dev.maas.installer.cluster.ClusterErrors.translate(e, "reading Subscription " + name());
            }
        }

        @Override
        public Optional<Check> readiness(StageContext ctx, Subscription desired, Subscription actual) {
            return Optional.of(OperatorReadiness.check(client, checkName() + " ready", spec.namespace(),
                    spec.packageName(), stageId));
        }
    }
}
