package dev.maas.installer.engine;

/**
 * An exception that is not a {@link StageException} (e.g. a client library's) but knows what the user should do.
 * When a stage lets one escape, the runner reports its message as is and this fix, instead of "report it".
 */
public interface Actionable {
    /** What to do; null when the exception cannot tell. */
    Fix fix();
}
