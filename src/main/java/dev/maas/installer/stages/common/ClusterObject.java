package dev.maas.installer.stages.common;

import dev.maas.installer.cluster.Resources;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.reconcile.Managed;
import io.fabric8.kubernetes.api.model.HasMetadata;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A Kubernetes object a stage owns, reconciled field by field as {@link Resources} does it: only the fields the
 * desired object sets (labels, annotations, everything outside metadata and status) are compared and written (a JSON
 * merge patch of those fields), so fields other controllers set stay as they are. Found by kind, namespace and name;
 * a kind the cluster does not serve yet (its CRD comes with an operator the stage installs first) reads as missing.
 *
 * @param <T> the object's type
 */
public class ClusterObject<T extends HasMetadata> implements Managed<T, T> {
    protected final Resources resources;
    private final String kind;
    private final String name;
    private final Function<StageContext, T> desired;

    /**
     * @param kind      the object's kind, as plans name it
     * @param namespace its namespace, or null for a cluster-scoped object
     * @param desired   builds the desired object (a new one each call: a create adds our label to it)
     */
    public ClusterObject(Resources resources, String kind, String namespace, String name,
                         Function<StageContext, T> desired) {
        this.resources = resources;
        this.kind = kind;
        this.name = namespace == null ? name : namespace + "/" + name;
        this.desired = desired;
    }

    @Override public TargetSystem system() { return TargetSystem.KUBERNETES; }

    @Override public String kind() { return kind; }

    @Override public String name() { return name; }

    @Override public Optional<T> desired(StageContext ctx) { return Optional.of(desired.apply(ctx)); }

    /** The live object; the kind is read from a desired object, built for that. */
    @Override
    public Optional<T> fetch(StageContext ctx) {
        return Optional.ofNullable(resources.read(desired.apply(ctx)));
    }

    @Override
    public Map<String, FieldChange> diff(T desired, Optional<T> actual) {
        return resources.diff(desired, actual.orElse(null));
    }

    @Override public T create(StageContext ctx, T desired) { return resources.create(desired); }

    @Override
    public T update(StageContext ctx, T desired, T actual, Map<String, FieldChange> diff) {
        return resources.update(desired, actual);
    }

    @Override public String okMessage(T desired, T actual) { return kind + " " + name + " is as configured"; }
}
