package dev.maas.installer.engine.run;

import dev.maas.installer.engine.logging.LogLine;

/** What a run reports while it goes. Listeners get these on the run's own thread; the UI re-posts them. */
public sealed interface RunEvent {
    /** The run will process these stages, in this order. */
    record RunStarted(Operation operation, java.util.List<String> stageIds) implements RunEvent { }

    record StageStarted(String stageId, Operation operation, int index, int total) implements RunEvent { }

    record StepProgress(String stageId, int step, int of, String message) implements RunEvent { }

    record StepDetail(String stageId, String message) implements RunEvent { }

    record Log(LogLine line) implements RunEvent { }

    record StageFinished(StageResult result) implements RunEvent { }

    record RunFinished(RunReport report) implements RunEvent { }
}
