package dev.maas.installer.ui.model;

import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunReport;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

/**
 * The progress of the current run: whether one is running, the overall progress (stage n of m), and the running
 * stage's sub-step ("n of m: message" plus a detail line). FX thread only.
 */
public final class RunViewModel {
    private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper(this, "running", false);
    private final ReadOnlyBooleanWrapper cancelRequested = new ReadOnlyBooleanWrapper(this, "cancelRequested", false);
    private final ReadOnlyDoubleWrapper overallProgress = new ReadOnlyDoubleWrapper(this, "overallProgress", 0);
    private final ReadOnlyStringWrapper overallText = new ReadOnlyStringWrapper(this, "overallText", "Idle");
    private final ReadOnlyDoubleWrapper stepProgress = new ReadOnlyDoubleWrapper(this, "stepProgress", 0);
    private final ReadOnlyStringWrapper stepText = new ReadOnlyStringWrapper(this, "stepText", "");
    private final ReadOnlyStringWrapper stepDetail = new ReadOnlyStringWrapper(this, "stepDetail", "");
    private final ReadOnlyStringWrapper runningStageId = new ReadOnlyStringWrapper(this, "runningStageId", "");
    private Operation operation;

    public ReadOnlyBooleanProperty runningProperty() { return running.getReadOnlyProperty(); }

    public boolean isRunning() { return running.get(); }

    public ReadOnlyBooleanProperty cancelRequestedProperty() { return cancelRequested.getReadOnlyProperty(); }

    /** 0..1 over the stages of the run. */
    public ReadOnlyDoubleProperty overallProgressProperty() { return overallProgress.getReadOnlyProperty(); }

    /** E.g. "Apply: stage 2 of 7, Red Hat SSO (Keycloak)". */
    public ReadOnlyStringProperty overallTextProperty() { return overallText.getReadOnlyProperty(); }

    /** 0..1 over the running stage's sub-steps. */
    public ReadOnlyDoubleProperty stepProgressProperty() { return stepProgress.getReadOnlyProperty(); }

    /** E.g. "2 of 3: creating the realm". */
    public ReadOnlyStringProperty stepTextProperty() { return stepText.getReadOnlyProperty(); }

    public ReadOnlyStringProperty stepDetailProperty() { return stepDetail.getReadOnlyProperty(); }

    public ReadOnlyStringProperty runningStageIdProperty() { return runningStageId.getReadOnlyProperty(); }

    void begin(Operation op, int stageCount) {
        operation = op;
        running.set(true);
        cancelRequested.set(false);
        overallProgress.set(0);
        overallText.set(verb(op) + ": starting " + stageCount + " stage" + (stageCount == 1 ? "" : "s") + "...");
        clearStep();
    }

    void cancelRequested() {
        cancelRequested.set(true);
        overallText.set(overallText.get() + " (cancelling: stops at the next step)");
    }

    void stageStarted(String stageId, String title, int index, int total) {
        runningStageId.set(stageId);
        overallProgress.set((index - 1) / (double) total);
        overallText.set(verb(operation) + ": stage " + index + " of " + total + ", " + title
                + (cancelRequested.get() ? " (cancelling)" : ""));
        clearStep();
    }

    void step(int n, int of, String message) {
        stepProgress.set(of <= 0 ? -1 : n / (double) of);
        stepText.set(n + " of " + of + ": " + message);
        stepDetail.set("");
    }

    void detail(String message) { stepDetail.set(message); }

    void stageFinished(int index, int total) {
        overallProgress.set(index / (double) total);
    }

    void finished(RunReport report) {
        running.set(false);
        runningStageId.set("");
        overallProgress.set(1);
        clearStep();   // the last stage's last sub-step is no "current step" once the run is over
        // every stage counted by its result (its worst check): "Verify finished: 5 ok, 2 drifted"
        overallText.set(report.summary());
    }

    void failed(String message) {
        running.set(false);
        runningStageId.set("");
        overallText.set("Run failed: " + message);
    }

    private void clearStep() {
        stepProgress.set(0);
        stepText.set("");
        stepDetail.set("");
    }

    private static String verb(Operation op) {
        if (op == null) {
            return "Run";
        }
        return switch (op) {
            case PLAN -> "Plan";
            case APPLY -> "Apply";
            case VERIFY -> "Verify";
        };
    }
}
