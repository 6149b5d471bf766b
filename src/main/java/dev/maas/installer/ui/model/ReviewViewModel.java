package dev.maas.installer.ui.model;

import dev.maas.installer.engine.Action;
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
    /**
     * The changes of one stage; {@code problem} when its plan could not be made; {@code assumptions} when it was
     * planned as if the stages before it were applied (a first install); {@code deletions}: how many of the changes
     * delete something; {@code kept}: objects the stage leaves alone although the configuration no longer names
     * them (a prune would delete them), in words, so that the review says they stay.
     */
    public record Group(String stageId, String title, List<String> changes, int unchanged, String problem,
                        List<String> assumptions, int deletions, List<String> kept) {
        public Group {
            changes = List.copyOf(changes);
            problem = problem == null ? "" : problem;
            assumptions = assumptions == null ? List.of() : List.copyOf(assumptions);
            kept = kept == null ? List.of() : List.copyOf(kept);
        }

        public Group(String stageId, String title, List<String> changes, int unchanged, String problem,
                     List<String> assumptions, int deletions) {
            this(stageId, title, changes, unchanged, problem, assumptions, deletions, List.of());
        }

        public Group(String stageId, String title, List<String> changes, int unchanged, String problem) {
            this(stageId, title, changes, unchanged, problem, List.of(), 0);
        }

        /** E.g. "3 changes (1 DELETE), 2 already in place; assumes stage threescale is applied: ...". */
        public String summary() {
            if (!problem.isEmpty()) {
                return "Cannot plan yet: " + problem;
            }
            return changes.size() + " change" + (changes.size() == 1 ? "" : "s")
                    + (deletions == 0 ? "" : " (" + deletions + " DELETE)") + ", " + unchanged + " already in place"
                    + (assumptions.isEmpty() ? "" : "; " + String.join("; ", assumptions));
        }
    }

    private final WizardViewModel wizard;
    private final JourneyViewModel journey;
    private final ConfigViewModel config;
    private final Executor background;
    private final Executor fx;
    private final ObservableList<Group> groups = FXCollections.observableArrayList();
    private final ObservableList<Group> groupsView = FXCollections.unmodifiableObservableList(groups);
    private final ReadOnlyBooleanWrapper planning = new ReadOnlyBooleanWrapper(this, "planning", false);
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper(this, "status", "");
    private boolean refreshWhenIdle;
    private final ReadOnlyStringWrapper exportStatus = new ReadOnlyStringWrapper(this, "exportStatus", "");
    private final ReadOnlyBooleanWrapper confirming = new ReadOnlyBooleanWrapper(this, "confirming", false);
    private final ReadOnlyStringWrapper confirmText = new ReadOnlyStringWrapper(this, "confirmText", "");

    public ReviewViewModel(WizardViewModel wizard, JourneyViewModel journey, ConfigViewModel config,
                           Executor background, Executor fx) {
        this.wizard = Objects.requireNonNull(wizard, "wizard");
        this.journey = Objects.requireNonNull(journey, "journey");
        this.config = Objects.requireNonNull(config, "config");
        this.background = Objects.requireNonNull(background, "background");
        this.fx = Objects.requireNonNull(fx, "fx");
        wizard.lastReportProperty().addListener((o, was, report) -> planned(report));
        wizard.pageProperty().addListener((o, was, now) -> {
            confirming.set(false); // a confirmation is only good for the plan it was shown over
            if (now == WizardViewModel.Page.REVIEW) {
                refresh();
            }
        });
        wizard.connectionProperty().addListener((o, was, now) -> confirming.set(false));
    }

    /**
     * The groups, read-only. Always the same wrapper: an unmodifiable view only holds a weak listener on the list
     * behind it, so a fresh wrapper per call lost the view's listener at the next garbage collection (the review page
     * then stayed empty).
     */
    public ObservableList<Group> groups() { return groupsView; }

    public ReadOnlyBooleanProperty planningProperty() { return planning.getReadOnlyProperty(); }

    /** "Planning every stage...", then what the plan found. */
    public ReadOnlyStringProperty statusProperty() { return status.getReadOnlyProperty(); }

    /** Where the configuration was exported, or why it could not be. */
    public ReadOnlyStringProperty exportStatusProperty() { return exportStatus.getReadOnlyProperty(); }

    /** Plans every stage again (on the engine thread); false when a run is going on. */
    public boolean refresh() {
        confirming.set(false);
        String blocked = wizard.allBlockedReason().get();
        if (!blocked.isEmpty()) {
            status.set("Cannot plan now. " + blocked);
            return false;
        }
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

    /**
     * "Apply all" on the review page: asks for the one confirmation, which names the cluster and context (and says
     * SANDBOX for the local sandbox); nothing is applied until {@link #confirmApply()}. False when it cannot be asked
     * now (a run is going on, nothing is connected, or an invalid field stops a stage).
     */
    public boolean applyAll() {
        ConnectionInfo c = wizard.connectionProperty().get();
        if (wizard.run().isRunning() || c == null || !wizard.allBlockedReason().get().isEmpty()) {
            confirming.set(false);
            return false;
        }
        confirmText.set(confirmation(c));
        confirming.set(true);
        return true;
    }

    /** The confirmation's text for that connection: which cluster and context every stage is applied to. */
    public static String confirmation(ConnectionInfo c) {
        String where = (c.sandbox() ? "the local SANDBOX (not a real cluster) at " : "the cluster ") + c.cluster()
                + (c.context().isEmpty() ? "" : ", context " + c.context());
        return "Apply every stage to " + where + "? This makes the changes listed below"
                + (c.sandbox() ? "." : " on that cluster.");
    }

    /** The user confirmed: applies every stage (the apply page shows the run). */
    public boolean confirmApply() {
        if (!confirming.get()) {
            return false;
        }
        confirming.set(false);
        return journey.applyAll();
    }

    /** The user did not confirm: nothing is applied. */
    public void cancelApply() { confirming.set(false); }

    /** True while the confirmation is shown. */
    public ReadOnlyBooleanProperty confirmingProperty() { return confirming.getReadOnlyProperty(); }

    /** What the confirmation asks, naming the cluster and context. */
    public ReadOnlyStringProperty confirmTextProperty() { return confirmText.getReadOnlyProperty(); }

    /** Writes the configuration in use to {@code file}, off the FX thread; completes (on the FX thread) when done. */
    public CompletableFuture<Boolean> export(Path file) {
        var cfg = config.current();
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        String blocked = wizard.allBlockedReason().get();
        if (!blocked.isEmpty()) {
            // an invalid field is never written out either
            exportStatus.set("Could not export: " + blocked);
            done.complete(false);
            return done;
        }
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
        int deletions = 0;
        for (StageResult r : report.stages()) {
            String title = wizard.stage(r.stageId()).title();
            List<String> lines = new ArrayList<>();
            int unchanged = 0;
            int deleted = 0;
            List<String> kept = new ArrayList<>();
            for (Change c : r.changes()) {
                if (c.isNoop()) {
                    unchanged++;
                    if (c.kept()) {
                        kept.add(redact("KEPT " + c.system().wireName() + " " + c.kind() + " '" + c.name() + "'"));
                    }
                } else {
                    lines.add(describe(c));
                    if (c.action() == Action.DELETE) {
                        deleted++;
                    }
                }
            }
            total += lines.size();
            deletions += deleted;
            String problem = r.state().passes() ? "" : redact(r.problem());
            found.add(new Group(r.stageId(), title, lines, unchanged, problem,
                    r.assumptions().stream().map(ReviewViewModel::redact).toList(), deleted, kept));
        }
        groups.setAll(found);
        long blocked = found.stream().filter(g -> !g.problem().isEmpty()).count();
        long assumed = found.stream().filter(g -> !g.assumptions().isEmpty()).count();
        status.set(total + " change" + (total == 1 ? "" : "s") + " to make"
                + (deletions == 0 ? "" : deletions == 1 ? ", 1 of them a DELETE" : ", " + deletions + " of them DELETEs")
                + (assumed == 0 ? "" : "; " + assumed + " stage" + (assumed == 1 ? " is" : "s are")
                + " planned as if the stages before " + (assumed == 1 ? "it" : "them") + " were applied")
                + (blocked == 0 ? "." : "; " + blocked + " stage" + (blocked == 1 ? "" : "s")
                + " could not be planned: see below."));
    }

    /** Whether a change line of {@link Group#changes()} deletes something (the review page highlights it). */
    public static boolean isDeletion(String line) {
        return line.startsWith(Action.DELETE.name() + " ");
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
        return OffFxThread.cause(e);
    }
}
