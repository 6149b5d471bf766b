package dev.maas.installer.ui;

import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunEvent;

import java.util.List;

/** What the {@link UiEventBridge} carries to the FX thread: an engine event, or a run that could not run at all. */
public sealed interface UiEvent {
    /** An event from {@link dev.maas.installer.engine.run.StageRunner}. */
    record Engine(RunEvent event) implements UiEvent { }

    /**
     * The run failed outside the runner (e.g. the stage context could not be built: no cluster, bad config).
     * {@code message} is already redacted.
     */
    record RunFailed(Operation operation, List<String> stageIds, String message) implements UiEvent { }
}
