package dev.maas.installer.engine.run;

import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Fix;

import java.util.List;

/**
 * The outcome of one stage in a run. {@code changes} holds the plan (PLAN) or what was changed (APPLY);
 * {@code checks} the verify checks (VERIFY). {@code error} and {@code fix} are set when it did not succeed.
 */
public record StageResult(String stageId, Operation operation, Outcome outcome, List<Change> changes,
                          List<Check> checks, String error, Fix fix, boolean invalidInput) {
    public enum Outcome { OK, FAILED, SKIPPED, CANCELLED }

    public StageResult {
        changes = changes == null ? List.of() : List.copyOf(changes);
        checks = checks == null ? List.of() : List.copyOf(checks);
    }

    /** For VERIFY: every check passed (OK or WARN). */
    public boolean checksPass() { return checks.stream().allMatch(c -> c.status().passes()); }
}
