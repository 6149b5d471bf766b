package dev.maas.installer.engine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One object a stage would create, update or delete (or leaves alone: NOOP).
 *
 * @param kept a NOOP on an object that is not in the configuration, left alone only because the run does not prune
 *             (or cannot: 3scale refuses to delete a plan with applications); the name says why in words
 */
public record Change(Action action, TargetSystem system, String kind, String name, Map<String, FieldChange> fields,
                     boolean kept) {
    public Change {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        if (kept && action != Action.NOOP) {
            throw new IllegalArgumentException("only a NOOP is kept, not a " + action);
        }
        fields = fields == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** A change of an object the configuration has (not {@linkplain #kept() kept}). */
    public Change(Action action, TargetSystem system, String kind, String name, Map<String, FieldChange> fields) {
        this(action, system, kind, name, fields, false);
    }

    public static Change noop(TargetSystem system, String kind, String name) {
        return new Change(Action.NOOP, system, kind, name, Map.of());
    }

    /** A NOOP on an object no longer in the configuration, kept because the run does not (or cannot) prune it. */
    public static Change kept(TargetSystem system, String kind, String name) {
        return new Change(Action.NOOP, system, kind, name, Map.of(), true);
    }

    public boolean isNoop() { return action == Action.NOOP; }
}
