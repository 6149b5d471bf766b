package dev.maas.installer.engine;

/** The outcome of one verify check. */
public enum CheckStatus {
    OK, WARN, FAILED_RETRYABLE, INVALID_INPUT,
    /**
     * Not checked yet because another stage is not applied yet (its objects are not there): a neutral state, not a
     * failure. The check's {@link Check#fix()} names that stage.
     */
    WAITING;

    /** Whether this status lets verify succeed (exit code 0). */
    public boolean passes() { return this == OK || this == WARN; }
}
