package dev.maas.installer.engine;

import java.util.Objects;

/**
 * What fixes a failed check: rerun a stage, change a config field, or do something by hand.
 * {@code target} is a stage id (for STAGE), a config path such as {@code models[2].url} (for CONFIG),
 * or empty (for MANUAL); {@code hint} says in words what to do.
 */
public record Fix(Kind kind, String target, String hint) {
    public enum Kind { STAGE, CONFIG, MANUAL }

    public Fix {
        Objects.requireNonNull(kind, "kind");
        target = target == null ? "" : target;
        hint = hint == null ? "" : hint;
    }

    public static Fix rerunStage(String stageId, String hint) { return new Fix(Kind.STAGE, stageId, hint); }

    public static Fix configField(String path, String hint) { return new Fix(Kind.CONFIG, path, hint); }

    public static Fix manual(String hint) { return new Fix(Kind.MANUAL, "", hint); }

    @Override
    public String toString() {
        return switch (kind) {
            case STAGE -> "rerun stage '" + target + "'" + (hint.isEmpty() ? "" : ": " + hint);
            case CONFIG -> "fix config field '" + target + "'" + (hint.isEmpty() ? "" : ": " + hint);
            case MANUAL -> hint;
        };
    }
}
