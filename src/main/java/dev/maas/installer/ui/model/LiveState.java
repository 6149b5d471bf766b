package dev.maas.installer.ui.model;

import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.StageResult;

import java.util.List;

/**
 * What the live cluster says about a stage, from its last verify (never from what this session remembers doing):
 * <ul>
 *   <li>{@link #DONE}: verify ran and every check passed (OK or WARN);</li>
 *   <li>{@link #DRIFTED}: some checks passed and some failed: the stage's objects are there, but not all of them
 *   are as the configuration wants (changed or deleted by hand, or a newer configuration);</li>
 *   <li>{@link #PENDING}: every check failed, or verify could not reach the stage's system at all (it is not
 *   installed): nothing of the stage is there yet;</li>
 *   <li>{@link #UNKNOWN}: not verified in this session yet, or the verify was cancelled or skipped.</li>
 * </ul>
 * A check that passes on a cluster without the stage (e.g. "the operator is offered by the catalog") makes an
 * empty stage look drifted rather than pending only if it is not a check of the stage's own objects: the stages'
 * verify checks are about their own objects, see {@link #of(StageResult)}.
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

    /** The state a verify result shows; {@link #UNKNOWN} for a result that is not a verify. */
    public static LiveState of(StageResult verify) {
        if (verify == null || verify.operation() != Operation.VERIFY) {
            return UNKNOWN;
        }
        List<Check> checks = verify.checks();
        switch (verify.outcome()) {
            case CANCELLED, SKIPPED -> {
                return UNKNOWN;
            }
            case FAILED -> {
                if (checks.isEmpty()) {
                    return PENDING;
                }
            }
            case OK -> { }
        }
        if (checks.isEmpty()) {
            return DONE;
        }
        long passed = checks.stream().filter(c -> c.status() == CheckStatus.OK).count();
        boolean allPass = checks.stream().allMatch(c -> c.status().passes());
        if (allPass) {
            return DONE;
        }
        return passed == 0 ? PENDING : DRIFTED;
    }
}
