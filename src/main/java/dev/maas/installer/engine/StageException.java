package dev.maas.installer.engine;

/**
 * A stage failed in a way the user can act on. The message says what went wrong; {@link #fix()} says what to do.
 * {@link #invalidInput()} tells the CLI to exit with code 2 instead of 1.
 */
public class StageException extends RuntimeException {
    private final Fix fix;
    private final boolean invalidInput;

    public StageException(String message, Fix fix, boolean invalidInput, Throwable cause) {
        super(message, cause);
        this.fix = fix;
        this.invalidInput = invalidInput;
    }

    public StageException(String message, Fix fix) { this(message, fix, false, null); }

    public static StageException invalidInput(String message, Fix fix) { return new StageException(message, fix, true, null); }

    public Fix fix() { return fix; }

    public boolean invalidInput() { return invalidInput; }

    /** The message followed by what to do, for people. */
    public String describe() {
        return fix == null ? getMessage() : getMessage() + " (what to do: " + fix + ")";
    }
}
