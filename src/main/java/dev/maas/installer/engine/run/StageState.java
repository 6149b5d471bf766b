package dev.maas.installer.engine.run;

import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.StageIds;

import java.util.List;
import java.util.Locale;

/**
 * A stage's result in a run, the one the stage list, the run's overall line, the run journal, the CLI's text and JSON
 * and its exit code all show: what happened to the stage ({@link StageResult.Outcome}), and when it ran, its worst
 * check. Computed in one place, {@link #of(StageResult)}.
 *
 * <p>Worst first: {@link #FAILED} (the stage could not run to its end), {@link #INVALID_INPUT} (a check says the
 * configuration must change), {@link #DRIFTED} (some checks pass and some fail: objects changed or deleted by hand,
 * or a newer configuration), {@link #PROBLEMS} (checks failed in a stage that installs nothing),
 * {@link #NOT_INSTALLED} (every check of the stage's objects failed and none passed: nothing of it is there yet),
 * {@link #WAITING} (a stage it depends on is not applied yet), {@link #WARN}, {@link #OK}. {@link #SKIPPED} and
 * {@link #CANCELLED}: the stage did not run. {@link #NOT_INSTALLED} and {@link #WAITING} are neutral: nothing is
 * wrong, something is still to do; they are not errors, but verify does not pass with them either.
 * {@link #NOT_AVAILABLE}: left out, the stage cannot be tried where the run goes (neutral as well).
 */
public enum StageState {
    OK("OK"),
    WARN("OK, with warnings"),
    WAITING("waiting"),
    NOT_INSTALLED("not installed yet"),
    DRIFTED("drifted"),
    /** Checks failed in a stage that installs nothing (the preflight checks): problems of the cluster to fix. */
    PROBLEMS("checks failed"),
    INVALID_INPUT("invalid input"),
    FAILED("failed"),
    SKIPPED("skipped"),
    CANCELLED("cancelled"),
    /**
     * Left out because it cannot be tried where the run goes (a sandbox without Keycloak: sso and portal). Neutral:
     * nothing failed, and nothing was waited for.
     */
    NOT_AVAILABLE("not available here");

    private final String words;

    StageState(String words) { this.words = words; }

    /** The state in words, e.g. "not installed yet". */
    public String words() { return words; }

    /** The state as the CLI's text report prints it, e.g. {@code NOT INSTALLED YET}, {@code OK (with warnings)}. */
    public String label() { return this == WARN ? "OK (with warnings)" : words.toUpperCase(Locale.ROOT); }

    /** Whether the stage is as it should be: OK, or OK with warnings (verify's exit code 0). */
    public boolean passes() { return this == OK || this == WARN; }

    /** Not installed yet, or waiting for another stage: nothing is wrong, something is still to do. */
    public boolean neutral() { return this == NOT_INSTALLED || this == WAITING || this == NOT_AVAILABLE; }

    /** The stage did not run to its end, or was not run: FAILED, SKIPPED or CANCELLED. */
    public boolean notRun() { return this == FAILED || this == SKIPPED || this == CANCELLED; }

    /** The state of one stage's result. */
    public static StageState of(StageResult r) {
        return switch (r.outcome()) {
            case FAILED -> FAILED;
            case SKIPPED -> SKIPPED;
            case CANCELLED -> CANCELLED;
            case NOT_AVAILABLE -> NOT_AVAILABLE;
            case OK -> {
                StageState s = ofChecks(r.checks());
                yield StageIds.installsNothing(r.stageId()) && (s == DRIFTED || s == NOT_INSTALLED) ? PROBLEMS : s;
            }
        };
    }

    /** The worst of these checks; OK when there are none. */
    public static StageState ofChecks(List<Check> checks) {
        boolean invalid = false;
        boolean failed = false;
        boolean passed = false;
        boolean waiting = false;
        boolean warned = false;
        for (Check c : checks) {
            switch (c.status()) {
                case INVALID_INPUT -> invalid = true;
                case FAILED_RETRYABLE -> failed = true;
                case WAITING -> waiting = true;
                case WARN -> warned = true;
                case OK -> passed = true;
            }
        }
        if (invalid) {
            return INVALID_INPUT;
        }
        if (failed) {
            return passed ? DRIFTED : NOT_INSTALLED;
        }
        if (waiting) {
            return WAITING;
        }
        return warned ? WARN : OK;
    }

    /** The checks that make the state what it is (those that do not pass), in their order. */
    public static List<Check> problems(List<Check> checks) {
        return checks.stream().filter(c -> !c.status().passes()).toList();
    }
}
