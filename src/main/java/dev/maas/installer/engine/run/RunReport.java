package dev.maas.installer.engine.run;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Everything a run did, stage by stage, in the order they ran. */
public record RunReport(Operation operation, List<StageResult> stages) {
    public RunReport {
        stages = List.copyOf(stages);
    }

    /** Every stage's result ({@link StageResult#state()}) passes: OK or OK with warnings. */
    public boolean allOk() {
        return stages.stream().allMatch(s -> s.state().passes());
    }

    /** A stage failed with an input error (the CLI's exit code 2). */
    public boolean anyInvalidInput() {
        return stages.stream().anyMatch(StageResult::invalidInput);
    }

    /** A stage could not run to its end or was not run: failed, skipped or cancelled. */
    public boolean anyNotRun() {
        return stages.stream().anyMatch(s -> s.state().notRun());
    }

    public boolean allChecksPass() {
        return stages.stream().allMatch(StageResult::checksPass);
    }

    /** How many stages are in each state, in {@link StageState}'s order (only the states that occur). */
    public Map<StageState, Integer> stateCounts() {
        Map<StageState, Integer> counts = new EnumMap<>(StageState.class);
        for (StageResult r : stages) {
            counts.merge(r.state(), 1, Integer::sum);
        }
        return counts;
    }

    /**
     * The run in words, counting the stages by state in {@link StageState}'s order, e.g. "Verify finished: 5 ok,
     * 2 drifted".
     */
    public String summary() {
        StringBuilder text = new StringBuilder(switch (operation) {
            case PLAN -> "Plan";
            case APPLY -> "Apply";
            case VERIFY -> "Verify";
        }).append(" finished:");
        String sep = " ";
        for (Map.Entry<StageState, Integer> e : stateCounts().entrySet()) {
            text.append(sep).append(e.getValue()).append(' ').append(e.getKey() == StageState.OK ? "ok"
                    : e.getKey() == StageState.WARN ? "ok with warnings" : e.getKey().words());
            sep = ", ";
        }
        return text.toString();
    }
}
