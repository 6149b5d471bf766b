package dev.maas.installer.cli;

/** The CLI's exit codes (documented in docs/cli.md). */
public final class ExitCodes {
    /** Success; for verify: every check is OK or WARN. */
    public static final int OK = 0;
    /** A stage failed, was skipped or was cancelled; or the user declined the apply. */
    public static final int FAILURE = 1;
    /** Invalid input: configuration, command line, or a stage reported invalid input. */
    public static final int INVALID_INPUT = 2;
    /** verify ran and found problems (a check FAILED_RETRYABLE or INVALID_INPUT). */
    public static final int VERIFY_PROBLEMS = 3;

    private ExitCodes() { }
}
