package dev.maas.installer.engine.reconcile;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.FieldChange;

import java.util.Map;
import java.util.Optional;

/**
 * One managed object as read: what it should be, what it is, and what a write would do about the difference.
 * {@link Reconciler} computes it once per operation; plan reports it, apply acts on it, verify judges it.
 */
public record Observed<D, A>(Managed<D, A> managed, Optional<D> desired, Optional<A> actual, Action action,
                             Map<String, FieldChange> diff) {
    public Observed {
        diff = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(diff));
    }

    /** Reads the object and decides: CREATE (missing), UPDATE (differs), DELETE (should not exist), else NOOP. */
    static <D, A> Observed<D, A> of(Managed<D, A> m, dev.maas.installer.engine.StageContext ctx) {
        return of(m, ctx, m.fetch(ctx));
    }

    /** Decides about {@code actual}, the live object as just fetched. */
    static <D, A> Observed<D, A> of(Managed<D, A> m, dev.maas.installer.engine.StageContext ctx, Optional<A> actual) {
        Optional<D> desired = m.desired(ctx);
        if (desired.isEmpty()) {
            return new Observed<>(m, desired, actual, actual.isPresent() ? Action.DELETE : Action.NOOP, Map.of());
        }
        Map<String, FieldChange> diff = m.diff(desired.get(), actual);
        Action action = actual.isEmpty() ? Action.CREATE : diff.isEmpty() ? Action.NOOP : Action.UPDATE;
        return new Observed<>(m, desired, actual, action, diff);
    }

    /** The name the change and the messages carry. */
    public String name() {
        return actual.map(managed::name).orElseGet(managed::name);
    }
}
