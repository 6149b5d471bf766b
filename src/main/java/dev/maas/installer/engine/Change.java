package dev.maas.installer.engine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** One object a stage would create, update or delete (or leaves alone: NOOP). */
public record Change(Action action, TargetSystem system, String kind, String name, Map<String, FieldChange> fields) {
    public Change {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        fields = fields == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    public static Change noop(TargetSystem system, String kind, String name) {
        return new Change(Action.NOOP, system, kind, name, Map.of());
    }

    public boolean isNoop() { return action == Action.NOOP; }
}
