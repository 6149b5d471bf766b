package dev.maas.installer.stages.common;

import dev.maas.installer.cluster.ClusterErrors;
import dev.maas.installer.cluster.ClusterException;
import dev.maas.installer.engine.Actionable;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.reconcile.Guard;
import dev.maas.installer.engine.reconcile.Reconciler;

/**
 * How the stages turn a failure to read into one check ({@link Guard}): a cluster error with the fix
 * {@link ClusterErrors} gives it (unreachable, forbidden, ...); any other error that carries no fix of its own is
 * translated as a cluster call's error too. Errors with a fix (a {@link StageException}, a 3scale or Keycloak client
 * error) keep it.
 */
public final class StageGuards {
    private StageGuards() { }

    public static final Guard.Translator CLUSTER = (name, e) -> {
        if (e instanceof ClusterException ce) {
            return Check.retryable(name, ce.getMessage(), ce.fix());
        }
        if (e instanceof StageException || e instanceof Actionable a && a.fix() != null) {
            return null;
        }
        ClusterException ce = ClusterErrors.translate(e, name);
        return Check.retryable(name, ce.getMessage(), ce.fix());
    };

    /** The guard of a stage's checks. */
    public static Guard guard(String stageId) { return new Guard(stageId, CLUSTER); }

    /** The reconciler of a stage's managed objects. */
    public static Reconciler reconciler(String stageId) { return new Reconciler(stageId, CLUSTER); }

    /** With a translation of its own tried first (e.g. a 3scale API error's fix for this stage). */
    public static Reconciler reconciler(String stageId, Guard.Translator first) {
        return new Reconciler(stageId, (name, e) -> {
            Check c = first.translate(name, e);
            return c != null ? c : CLUSTER.translate(name, e);
        });
    }

    public static Guard guard(String stageId, Guard.Translator first) {
        return reconciler(stageId, first).guard();
    }
}
