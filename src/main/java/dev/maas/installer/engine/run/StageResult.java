package dev.maas.installer.engine.run;

import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Fix;

import java.util.List;

/**
 * The outcome of one stage in a run. {@code changes} holds the plan (PLAN) or what was changed (APPLY);
 * {@code checks} the verify checks (VERIFY; a plan that waits for another stage has its {@code WAITING} check).
 * {@code error} and {@code fix} are set when it did not succeed. {@code assumptions}: what a plan took for granted
 * because a stage it depends on is not applied yet (e.g. "threescale is not applied yet: planned against an empty
 * tenant"); empty otherwise. The stage's result as everything shows it is {@link #state()}.
 */
public record StageResult(String stageId, Operation operation, Outcome outcome, List<Change> changes,
                          List<Check> checks, String error, Fix fix, boolean invalidInput, List<String> assumptions) {
    public enum Outcome {
        OK, FAILED, SKIPPED, CANCELLED,
        /** Left out: the stage cannot be tried where the run goes ({@code Stage#notAvailableHere}). */
        NOT_AVAILABLE
    }

    public StageResult {
        changes = changes == null ? List.of() : List.copyOf(changes);
        checks = checks == null ? List.of() : List.copyOf(checks);
        assumptions = assumptions == null ? List.of() : List.copyOf(assumptions);
    }

    public StageResult(String stageId, Operation operation, Outcome outcome, List<Change> changes, List<Check> checks,
                       String error, Fix fix, boolean invalidInput) {
        this(stageId, operation, outcome, changes, checks, error, fix, invalidInput, List.of());
    }

    /** For VERIFY: every check passed (OK or WARN). */
    public boolean checksPass() { return checks.stream().allMatch(c -> c.status().passes()); }

    /** The stage's result: its outcome, and when it ran, its worst check ({@link StageState#of}). */
    public StageState state() { return StageState.of(this); }

    /**
     * Why the stage is not as it should be, in words: the error, or for a stage that ran, its checks that do not
     * pass ("2 checks failed: realm maas, client maas/3scale"); null when {@link #state()} passes.
     */
    public String problem() {
        StageState s = state();
        if (s.passes()) {
            return null;
        }
        if (s.notRun() || s == StageState.NOT_AVAILABLE) {
            return error != null ? error : s.words();
        }
        List<Check> bad = StageState.problems(checks);
        if (s == StageState.WAITING) {
            return bad.get(0).message();
        }
        String names = String.join(", ", bad.stream().map(Check::name).toList());
        return switch (s) {
            case NOT_INSTALLED -> "not installed yet: " + names;
            case INVALID_INPUT -> "the configuration must change: " + names;
            default -> bad.size() + (bad.size() == 1 ? " check failed: " : " checks failed: ") + names;
        };
    }

    /** What to do about {@link #problem()}: the fix of the error, or of the first check that does not pass. */
    public Fix problemFix() {
        StageState s = state();
        if (s.passes()) {
            return null;
        }
        if (s.notRun() || s == StageState.NOT_AVAILABLE) {
            return fix;
        }
        return StageState.problems(checks).stream().map(Check::fix).filter(f -> f != null).findFirst().orElse(fix);
    }
}
