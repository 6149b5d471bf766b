package dev.maas.installer.ui.model;

import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.StageResult;

/**
 * What the live cluster says about a stage, from its last verify (never from what this session remembers doing), as
 * the engine's {@link dev.maas.installer.engine.run.StageState} tells it:
 * <ul>
 *   <li>{@link #DONE}: verify ran and every check passed (OK or WARN);</li>
 *   <li>{@link #DRIFTED}: some checks passed and some failed: the stage's objects are there, but not all of them
 *   are as the configuration wants (changed or deleted by hand, or a newer configuration);</li>
 *   <li>{@link #PENDING}: nothing of the stage is there yet, or a stage it depends on is not applied yet;</li>
 *   <li>{@link #UNKNOWN}: not verified in this session yet, or the verify failed, was cancelled or skipped.</li>
 * </ul>
 */
public enum LiveState {
    UNKNOWN("not checked"),
    CHECKING("checking..."),
    DONE("done"),
    DRIFTED("drifted"),
    PENDING("pending");

    private final String label;

    LiveState(String label) { this.label = label; }

    public String label() { return label; }

    /** The state a verify result shows ({@link StageResult#state()}); {@link #UNKNOWN} for one that is not a verify. */
    public static LiveState of(StageResult verify) {
        if (verify == null || verify.operation() != Operation.VERIFY) {
            return UNKNOWN;
        }
        return switch (verify.state()) {
            case OK, WARN -> DONE;
            case DRIFTED, INVALID_INPUT -> DRIFTED;
            case NOT_INSTALLED, WAITING, NOT_AVAILABLE -> PENDING;
            // a verify that could not check (an error), was skipped or cancelled, or a stage that installs nothing
            case FAILED, SKIPPED, CANCELLED, PROBLEMS -> UNKNOWN;
        };
    }
}
