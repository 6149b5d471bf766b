package dev.maas.installer.ui.model;

import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.config.ConfigWriter;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.run.StageResult;
import dev.maas.installer.engine.secrets.SecretRegistry;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The review page: everything the plans of every stage would create or change, grouped by stage (secret fields are
 * masked by the stages, see {@link FieldChange#secret}, and every text passes through the secret registry), each
 * group linking back to its stage page; "Export config…" and "Apply all". Plans run through the wizard's runs (the
 * engine thread); the export is written on the background executor. FX thread only.
 */
public final class ReviewViewModel {
    /** The changes of one stage; {@code problem} when its plan could not be made. */
    public record Group(String stageId, String title, List<String> changes, int unchanged, String problem) {
        public Group {
            changes = List.copyOf(changes);
            problem = problem == null ? "" : problem;
        }

        /** E.g. "3 changes, 2 already in place". */
        public String summary() {
            if (!problem.isEmpty()) {
                return "Cannot plan yet: " + problem;
            }
            return changes.size() + " change" + (changes.size() == 1 ? "" : "s") + ", " + unchanged
                    + " already in place";
        }
    }

    private final WizardViewModel wizard;
    private final JourneyViewModel journey;
    private final ConfigViewModel config;
    private final Executor background;
    private final Executor fx;
    private final ObservableList<Group> groups = FXCollections.observableArrayList();
    // one read-only view, kept: an unmodifiable view listens to the list through a weak listener, so a view made
    // per call could be collected with its listeners still registered on it (the review page then stopped updating)
    private final ObservableList<Group> groupsView = FXCollections.unmodifiableObservableList(groups);
    private final ReadOnlyBooleanWrapper planning = new ReadOnlyBooleanWrapper(this, "planning", false);
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper(this, "status", "");
    private boolean refreshWhenIdle;
    private final ReadOnlyStringWrapper exportStatus = new ReadOnlyStringWrapper(this, "exportStatus", "");

    public ReviewViewModel(WizardViewModel wizard, JourneyViewModel journey, ConfigViewModel config,
                           Executor background, Executor fx) {
        this.wizard = Objects.requireNonNull(wizard, "wizard");
        this.journey = Objects.requireNonNull(journey, "journey");
        this.config = Objects.requireNonNull(config, "config");
        this.background = Objects.requireNonNull(background, "background");
        this.fx = Objects.requireNonNull(fx, "fx");
        wizard.lastReportProperty().addListener((o, was, report) -> planned(report));
        wizard.pageProperty().addListener((o, was, now) -> {
            if (now == WizardViewModel.Page.REVIEW) {
                refresh();
            }
        });
    }

    public ObservableList<Group> groups() { return groupsView; }

    public ReadOnlyBooleanProperty planningProperty() { return planning.getReadOnlyProperty(); }

    /** "Planning every stage...", then what the plan found. */
    public ReadOnlyStringProperty statusProperty() { return status.getReadOnlyProperty(); }

    /** Where the configuration was exported, or why it could not be. */
    public ReadOnlyStringProperty exportStatusProperty() { return exportStatus.getReadOnlyProperty(); }

    /** Plans every stage again (on the engine thread); false when a run is going on. */
    public boolean refresh() {
        if (!wizard.runAll(Operation.PLAN)) {
            refreshWhenIdle = wizard.run().isRunning();
            status.set(refreshWhenIdle ? "Waiting for the current run to finish, then planning every stage..."
                    : "Cannot plan now.");
            return false;
        }
        refreshWhenIdle = false;
        planning.set(true);
        status.set("Planning every stage...");
        return true;
    }

    /** "Edit": back to that stage's page. */
    public void edit(String stageId) { wizard.select(stageId); }

    /** "Apply all". */
    public boolean applyAll() { return journey.applyAll(); }

    /** Writes the configuration in use to {@code file}, off the FX thread; completes (on the FX thread) when done. */
    public CompletableFuture<Boolean> export(Path file) {
        var cfg = config.current();
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        exportStatus.set("Exporting...");
        CompletableFuture.runAsync(() -> ConfigWriter.write(cfg, file), background).whenComplete((v, e) ->
                fx.execute(() -> {
                    exportStatus.set(e == null ? "Exported to " + file + ": replay it with maas-installer apply --config "
                            + file : "Could not export: " + SecretRegistry.global().redact(cause(e).getMessage()));
                    done.complete(e == null);
                }));
        return done;
    }

    private void planned(RunReport report) {
        if (refreshWhenIdle && !planning.get()) {
            refreshWhenIdle = false;
            if (wizard.page() == WizardViewModel.Page.REVIEW) {
                refresh();
            }
            return;
        }
        if (!planning.get() || report == null || report.operation() != Operation.PLAN) {
            if (planning.get() && report != null) {
                planning.set(false);
                status.set("The plan did not finish.");
            }
            return;
        }
        planning.set(false);
        List<Group> found = new ArrayList<>();
        int total = 0;
        for (StageResult r : report.stages()) {
            String title = wizard.stage(r.stageId()).title();
            List<String> lines = new ArrayList<>();
            int unchanged = 0;
            for (Change c : r.changes()) {
                if (c.isNoop()) {
                    unchanged++;
                } else {
                    lines.add(describe(c));
                }
            }
            total += lines.size();
            String problem = r.outcome() == StageResult.Outcome.OK ? "" : redact(r.error() == null
                    ? r.outcome().name().toLowerCase(java.util.Locale.ROOT) : r.error());
            found.add(new Group(r.stageId(), title, lines, unchanged, problem));
        }
        groups.setAll(found);
        long blocked = found.stream().filter(g -> !g.problem().isEmpty()).count();
        status.set(total + " change" + (total == 1 ? "" : "s") + " to make"
                + (blocked == 0 ? "." : "; " + blocked + " stage" + (blocked == 1 ? "" : "s")
                + " can only be planned once the stages before them are applied."));
    }

    /** One change in words: "CREATE 3scale Product 'granite': field: from → to; …"; secrets stay masked. */
    static String describe(Change c) {
        StringBuilder sb = new StringBuilder(c.action().name()).append(' ').append(c.system().wireName()).append(' ')
                .append(c.kind()).append(" '").append(c.name()).append('\'');
        String sep = ": ";
        for (Map.Entry<String, FieldChange> f : c.fields().entrySet()) {
            sb.append(sep).append(f.getKey()).append(' ').append(show(f.getValue().from())).append(" → ")
                    .append(show(f.getValue().to()));
            sep = "; ";
        }
        return redact(sb.toString());
    }

    private static String show(String v) { return v == null ? "(none)" : v; }

    private static String redact(String s) { return SecretRegistry.global().redact(s); }

    private static Throwable cause(Throwable e) {
        return e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    }
}
