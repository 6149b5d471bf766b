package dev.maas.installer.engine;

/** The outcome of one verify check. */
public enum CheckStatus {
    OK, WARN, FAILED_RETRYABLE, INVALID_INPUT;

    /** Whether this status lets verify succeed (exit code 0). */
    public boolean passes() { return this == OK || this == WARN; }
}
