package dev.maas.installer.engine.reconcile;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.TargetSystem;

import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One object a stage manages in a live system (a 3scale SSO integration, a provider account setting, an operator
 * Subscription), written once and read by the {@link Reconciler}, which derives the stage's plan, apply and verify of
 * the object from it, so that the three cannot disagree. In the spirit of java-operator-sdk's dependent resources:
 * the object says what it should be ({@link #desired}), what it is ({@link #fetch}), how the two differ
 * ({@link #diff}) and how to write it ({@link #create}, {@link #update}, {@link #delete}); optionally whether it is
 * ready ({@link #readiness}).
 *
 * <p>An instance is made for one run of a stage and may hold what the stage read before (a client, the tenant's
 * provider account). Every method but the writes only reads.
 *
 * @param <D> the desired state
 * @param <A> the live object as fetched
 */
public interface Managed<D, A> {
    TargetSystem system();

    /** The kind as plans and reports name it, e.g. "authentication provider". */
    String kind();

    /** The natural key the object is found by, as the user reads it (a system name, "realm/client"). */
    String name();

    /** The name the change carries once the object exists (e.g. its system name in the live system). */
    default String name(A actual) { return name(); }

    /** The name of this object's verify check. */
    default String checkName() { return kind() + " " + name(); }

    /** The message of the apply step that reconciles this object. */
    default String step() { return kind() + " " + name(); }

    /** What the object should be; empty when it should not exist (it is then deleted: pruned). */
    Optional<D> desired(StageContext ctx);

    /** The live object, found by its natural key; empty when there is none. A failure to read throws. */
    Optional<A> fetch(StageContext ctx);

    /**
     * The fields that differ, in the order a user reads them; empty when the live object is as desired. When
     * {@code actual} is empty: the fields a create sets. A secret field only says whether it is set
     * ({@link FieldChange#secret}).
     */
    Map<String, FieldChange> diff(D desired, Optional<A> actual);

    /** Creates the object; returns it as created. */
    A create(StageContext ctx, D desired);

    /** Writes the fields of {@code diff} (its keys are those {@link #diff} returned); returns the object as updated. */
    A update(StageContext ctx, D desired, A actual, Map<String, FieldChange> diff);

    /** Deletes an object that should not exist. Only objects whose {@link #desired} can be empty implement it. */
    default void delete(StageContext ctx, A actual) {
        throw new UnsupportedOperationException(kind() + " " + name() + " is never deleted");
    }

    /**
     * The fields a planned or made delete shows: what goes away with the object (a usage limit's value, a plan's
     * state). Empty by default: the name says which object.
     */
    default Map<String, FieldChange> deleted(A actual) { return Map.of(); }

    /**
     * Whether the object as it is does its job (an operator installed, a deployment available); checked by verify
     * after the object was found as desired. Empty: being as desired is enough.
     */
    default Optional<Check> readiness(StageContext ctx, D desired, A actual) { return Optional.empty(); }

    /**
     * Whether the object is one left in place as it is although the configuration no longer names it (kept, not
     * pruned): its NOOP change is then {@link dev.maas.installer.engine.Change#kept() kept}, which Review lists apart.
     */
    default boolean kept() { return false; }

    /** The fields a planned or made change shows: {@code fields}, with notes the user should read beside them. */
    default Map<String, FieldChange> annotate(StageContext ctx, Map<String, FieldChange> fields) { return fields; }

    /** Verify's message when the object is as desired. */
    default String okMessage(D desired, A actual) { return kind() + " " + name(actual) + " is as configured"; }

    /** Verify's message when the object is missing. */
    default String missingMessage(D desired) { return missingMessage(); }

    /**
     * Verify's message when the object is missing, also when what it should be cannot be worked out yet (the input is
     * judged once there is an object to compare it with).
     */
    default String missingMessage() { return kind() + " " + name() + " does not exist"; }

    /** Verify's message when the object should not exist and does. */
    default String extraMessage(A actual) { return kind() + " " + name(actual) + " exists and should not"; }

    /** Verify's message when the object differs: the fields, with their values (secret ones masked). */
    default String driftMessage(D desired, A actual, Map<String, FieldChange> diff) {
        return kind() + " " + name(actual) + " differs from the configuration: " + diff.entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue().from() + " -> " + e.getValue().to())
                .collect(Collectors.joining(", "));
    }

    /**
     * What repairs an object that is missing ({@code CREATE}), differs ({@code UPDATE}) or should not exist
     * ({@code DELETE}): by default, applying the stage that manages it.
     */
    default Fix fix(String stageId, Action action) {
        return Fix.rerunStage(stageId, "apply the " + stageId + " stage");
    }
}
