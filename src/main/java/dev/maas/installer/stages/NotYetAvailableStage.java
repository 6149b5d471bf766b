package dev.maas.installer.stages;

import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;

import java.util.List;

/**
 * A stage that is listed, with its place in the order, but not built yet. The runner reports it plainly as not
 * available instead of calling it; these methods only guard against direct calls.
 */
final class NotYetAvailableStage implements Stage {
    private final String id;
    private final String title;
    private final List<String> dependencies;

    NotYetAvailableStage(String id, String title, List<String> dependencies) {
        this.id = id;
        this.title = title;
        this.dependencies = List.copyOf(dependencies);
    }

    @Override public String id() { return id; }

    @Override public String title() { return title; }

    @Override public List<String> dependencies() { return dependencies; }

    @Override public boolean available() { return false; }

    @Override public List<Change> plan(StageContext ctx) { throw notAvailable(); }

    @Override public List<Change> apply(StageContext ctx, Progress progress) { throw notAvailable(); }

    @Override public List<Check> verify(StageContext ctx) { throw notAvailable(); }

    private UnsupportedOperationException notAvailable() {
        return new UnsupportedOperationException("stage '" + id + "' is not available yet");
    }
}
