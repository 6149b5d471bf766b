package dev.maas.installer.engine.run;

import java.util.List;

/** Everything a run did, stage by stage, in the order they ran. */
public record RunReport(Operation operation, List<StageResult> stages) {
    public RunReport {
        stages = List.copyOf(stages);
    }

    public boolean allOk() {
        return stages.stream().allMatch(s -> s.outcome() == StageResult.Outcome.OK);
    }

    public boolean anyInvalidInput() {
        return stages.stream().anyMatch(StageResult::invalidInput);
    }

    public boolean allChecksPass() {
        return stages.stream().allMatch(StageResult::checksPass);
    }
}
