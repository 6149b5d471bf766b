package dev.maas.installer.ui.model;

import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.StageResult;
import dev.maas.installer.engine.run.StageState;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.util.List;
import java.util.Objects;

/**
 * The state of one stage as the wizard shows it: status, last error and what fixes it, the plan preview (or the
 * changes the last apply made), and the last verify checks. Updated only on the FX thread, by
 * {@link WizardViewModel} from run events; holds no engine logic.
 */
public final class StageViewModel {
    public static final String NOT_PLANNED = "Plan preview: not planned yet. Press Plan to see what Apply would change.";

    private final String id;
    private final String title;
    private final String description;
    private final List<String> dependencies;

    private final ReadOnlyObjectWrapper<StageStatus> status;
    private final ReadOnlyStringWrapper message = new ReadOnlyStringWrapper(this, "message", "");
    private final ReadOnlyStringWrapper fix = new ReadOnlyStringWrapper(this, "fix", "");
    private final ReadOnlyStringWrapper changesCaption = new ReadOnlyStringWrapper(this, "changesCaption", NOT_PLANNED);
    private final ReadOnlyBooleanWrapper hasRun = new ReadOnlyBooleanWrapper(this, "hasRun", false);
    private final javafx.beans.property.StringProperty inputProblem =
            new javafx.beans.property.SimpleStringProperty(this, "inputProblem", "");
    private final ReadOnlyObjectWrapper<LiveState> liveState =
            new ReadOnlyObjectWrapper<>(this, "liveState", LiveState.UNKNOWN);
    private final ObservableList<Change> changes = FXCollections.observableArrayList();
    private final ObservableList<Check> checks = FXCollections.observableArrayList();
    private final ObservableList<Change> changesView = FXCollections.unmodifiableObservableList(changes);
    private final ObservableList<Check> checksView = FXCollections.unmodifiableObservableList(checks);

    public StageViewModel(Stage stage, String description) {
        Objects.requireNonNull(stage, "stage");
        this.id = stage.id();
        this.title = stage.title();
        this.dependencies = List.copyOf(stage.dependencies());
        this.description = description == null ? "" : description;
        this.status = new ReadOnlyObjectWrapper<>(this, "status", StageStatus.NOT_RUN);
    }

    public String id() { return id; }

    public String title() { return title; }

    public String description() { return description; }

    public List<String> dependencies() { return dependencies; }

    public ReadOnlyObjectProperty<StageStatus> statusProperty() { return status.getReadOnlyProperty(); }

    public StageStatus status() { return status.get(); }

    /** The last error or outcome in words; empty when there is nothing to say. */
    public ReadOnlyStringProperty messageProperty() { return message.getReadOnlyProperty(); }

    /** What to do about the last failure; empty when nothing failed. */
    public ReadOnlyStringProperty fixProperty() { return fix.getReadOnlyProperty(); }

    /** What the change table shows: the plan preview, or the changes the last apply made. */
    public ReadOnlyStringProperty changesCaptionProperty() { return changesCaption.getReadOnlyProperty(); }

    /** True once the stage was applied in this session (enables Rerun). */
    public ReadOnlyBooleanProperty hasRunProperty() { return hasRun.getReadOnlyProperty(); }

    public ObservableList<Change> changes() { return changesView; }

    /**
     * What is wrong with the stage page's inputs as typed, as "field: message"; empty when they are valid. The stage
     * page binds it to its page model; the journey keeps Next disabled while it is not empty.
     */
    public javafx.beans.property.StringProperty inputProblemProperty() { return inputProblem; }

    /** Done, drifted or pending, from the last verify of the live cluster (see {@link LiveState}). */
    public ReadOnlyObjectProperty<LiveState> liveStateProperty() { return liveState.getReadOnlyProperty(); }

    public LiveState liveState() { return liveState.get(); }

    /**
     * Whether the last verify found nothing of the stage ({@link StageStatus#NOT_INSTALLED}): shown as "not installed
     * yet" in neutral colour, not as a red failure (the stage list, the stage page and the apply page all say so).
     */
    public boolean notInstalledYet() {
        return status.get() == StageStatus.NOT_INSTALLED;
    }

    /** The status in words as the views show it, e.g. "not installed yet", "waiting for threescale". */
    public String statusLabel() {
        if (status.get() == StageStatus.WAITING && !waitingFor.isEmpty()) {
            return StageStatus.WAITING.label() + " for " + waitingFor;
        }
        return status.get().label();
    }

    /** The status's CSS class as the views use it: the neutral states are coloured like a stage not run. */
    public String statusStyleClass() {
        StageStatus s = status.get();
        return (s == StageStatus.NOT_INSTALLED || s == StageStatus.WAITING ? StageStatus.NOT_RUN : s).styleClass();
    }

    /** See {@link #notInstalledYet()}. */
    public static final String NOT_INSTALLED_YET = StageStatus.NOT_INSTALLED.label();

    /** The stage a waiting stage waits for (its id); empty unless the status is {@link StageStatus#WAITING}. */
    private String waitingFor = "";

    public ObservableList<Check> checks() { return checksView; }

    private final ReadOnlyStringWrapper timing = new ReadOnlyStringWrapper(this, "timing", "");

    /**
     * When the stage ran in the last run and how long it took, e.g. "started at 0:03, took 12 s" or "running for
     * 5 s (started at 0:03)"; empty when it did not run in it.
     */
    public ReadOnlyStringProperty timingProperty() { return timing.getReadOnlyProperty(); }

    void timing(String text) { timing.set(text == null ? "" : text); }

    void started(Operation op) {
        status.set(StageStatus.RUNNING);
        if (op == Operation.VERIFY) {
            liveState.set(LiveState.CHECKING);
        } else if (op == Operation.APPLY) {
            // the last live verify no longer describes the cluster: show nothing until the next verify (Refresh)
            liveState.set(LiveState.UNKNOWN);
        }
        message.set(switch (op) {
            case PLAN -> "Planning...";
            case APPLY -> "Applying...";
            case VERIFY -> "Verifying...";
        });
        fix.set("");
    }

    void finished(StageResult result) {
        if (result.operation() == Operation.APPLY) {
            hasRun.set(true);
        }
        fix.set(FieldLabels.fix(result.fix()));
        if (result.operation() == Operation.VERIFY) {
            liveState.set(LiveState.of(result));
        }
        waitingFor = "";
        switch (result.outcome()) {
            case OK -> finishedOk(result);
            case FAILED -> {
                status.set(StageStatus.FAILED);
                message.set(result.error() == null ? "failed" : result.error());
            }
            case SKIPPED -> {
                status.set(StageStatus.SKIPPED);
                message.set(result.error() == null ? "skipped" : result.error());
            }
            case CANCELLED -> {
                status.set(StageStatus.CANCELLED);
                message.set(result.error() == null ? "cancelled" : result.error());
            }
            case NOT_AVAILABLE -> {
                // the page says why (e.g. SSO cannot be tried in a sandbox without Keycloak) and the fix how
                status.set(StageStatus.NOT_HERE);
                message.set(result.error() == null ? "not available here" : result.error());
            }
        }
    }

    private void finishedOk(StageResult result) {
        StageState state = result.state();
        if (state == StageState.WAITING) {
            // a plan or verify that waits for a stage this one depends on: neutral, the stage is not at fault
            Check w = StageState.problems(result.checks()).get(0);
            waitingFor = w.fix() != null && w.fix().kind() == dev.maas.installer.engine.Fix.Kind.STAGE
                    ? w.fix().target() : "";
            if (result.operation() == Operation.VERIFY) {
                checks.setAll(result.checks());
            }
            status.set(StageStatus.WAITING);
            message.set("Waiting for " + (waitingFor.isEmpty() ? "another stage" : "stage '" + waitingFor + "'")
                    + ": it is not applied yet (" + w.message() + "). Nothing is wrong with this stage.");
            fix.set("");
            return;
        }
        switch (result.operation()) {
            case PLAN -> {
                changes.setAll(result.changes());
                long real = result.changes().stream().filter(c -> !c.isNoop()).count();
                String assumed = result.assumptions().isEmpty() ? ""
                        : " (assumes: " + String.join("; ", result.assumptions()) + ")";
                changesCaption.set("Plan preview: " + real + " change" + (real == 1 ? "" : "s")
                        + " to make, " + (result.changes().size() - real) + " already right" + assumed);
                status.set(StageStatus.PLANNED);
                message.set((real == 0 ? "Nothing to change: everything is already in place."
                        : "Planned " + real + " change" + (real == 1 ? "" : "s") + ". Press Apply to make them.")
                        + (result.assumptions().isEmpty() ? "" : " Planned as if the stages before it were applied: "
                        + String.join("; ", result.assumptions()) + "."));
            }
            case APPLY -> {
                changes.setAll(result.changes());
                long real = result.changes().stream().filter(c -> !c.isNoop()).count();
                changesCaption.set("Changes made by the last apply: " + real);
                status.set(StageStatus.OK);
                message.set("Applied successfully. Press Verify to check the live systems.");
            }
            case VERIFY -> {
                checks.setAll(result.checks());
                List<Check> bad = StageState.problems(result.checks());
                long n = bad.size();
                switch (state) {
                    case NOT_INSTALLED -> {
                        // nothing of it is there yet: not a failure, and no "rerun" advice for a stage never run
                        status.set(StageStatus.NOT_INSTALLED);
                        message.set("Not installed yet: Apply installs it.");
                        fix.set("");
                    }
                    case DRIFTED, PROBLEMS, INVALID_INPUT -> {
                        status.set(StageStatus.FAILED);
                        message.set((state == StageState.DRIFTED ? "Drifted: " : "") + n + " check"
                                + (n == 1 ? "" : "s") + " failed: see the fixes below.");
                        bad.stream().filter(c -> c.fix() != null).findFirst()
                                .ifPresent(c -> fix.set(FieldLabels.fix(c.fix())));
                    }
                    case WARN -> {
                        status.set(StageStatus.WARNING);
                        message.set("All checks passed, with warnings.");
                    }
                    default -> {
                        status.set(StageStatus.OK);
                        message.set("All " + result.checks().size() + " checks passed.");
                    }
                }
            }
        }
    }

    /** The run could not start or crashed before this stage finished. */
    void failed(String error) {
        status.set(StageStatus.FAILED);
        message.set(error);
        fix.set("");
        if (liveState.get() == LiveState.CHECKING) {
            liveState.set(LiveState.UNKNOWN);
        }
    }

    @Override
    public String toString() { return title + " (" + status.get().label() + ")"; }
}
