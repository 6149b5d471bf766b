package dev.maas.installer.ui.view;

import atlantafx.base.theme.Styles;
import dev.maas.installer.ui.model.RunViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;

/** The overall progress (stage n of m), the running stage's sub-step with its detail, and Cancel. */
final class ProgressPane extends GridPane {
    final Button cancel = new Button("_Cancel");

    ProgressPane(WizardViewModel model) {
        RunViewModel run = model.run();
        setId("progressPane");
        getStyleClass().add("progress-pane");

        // between runs, a wait (the sandbox starting, a connection being made) shows as an indeterminate bar and
        // its words with the seconds it has taken so far
        javafx.beans.binding.BooleanBinding waiting = run.runningProperty().not()
                .and(model.waits().activeProperty());
        ProgressBar overall = new ProgressBar();
        overall.setId("overallProgress");
        overall.progressProperty().bind(javafx.beans.binding.Bindings.when(waiting)
                .then(ProgressBar.INDETERMINATE_PROGRESS).otherwise(run.overallProgressProperty()));
        overall.setMaxWidth(Double.MAX_VALUE);
        Label overallText = new Label();
        overallText.setId("overallText");
        // a long wait's words give way in the middle, so that the seconds at the end stay in sight
        overallText.setTextOverrun(javafx.scene.control.OverrunStyle.CENTER_WORD_ELLIPSIS);
        javafx.beans.property.LongProperty waitedSeconds = new javafx.beans.property.SimpleLongProperty();
        overallText.textProperty().bind(javafx.beans.binding.Bindings.when(waiting)
                .then(javafx.beans.binding.Bindings.concat(model.waits().textProperty(), " (",
                        waitedSeconds, " s)"))
                .otherwise(run.overallTextProperty()));
        long[] since = new long[1];
        javafx.animation.Timeline tick = new javafx.animation.Timeline(new javafx.animation.KeyFrame(
                javafx.util.Duration.seconds(1),
                e -> waitedSeconds.set((System.nanoTime() - since[0]) / 1_000_000_000L)));
        tick.setCycleCount(javafx.animation.Animation.INDEFINITE);
        model.waits().activeProperty().addListener((o, was, now) -> {
            if (now) {
                since[0] = System.nanoTime();
                waitedSeconds.set(0);
                tick.play();
            } else {
                tick.stop();
            }
        });
        if (model.waits().isActive()) {
            since[0] = System.nanoTime();
            tick.play();
        }

        ProgressBar step = new ProgressBar();
        step.setId("stepProgress");
        step.progressProperty().bind(run.stepProgressProperty());
        step.setMaxWidth(Double.MAX_VALUE);
        step.getStyleClass().add(Styles.SMALL);
        Label stepText = new Label();
        stepText.setId("stepText");
        stepText.textProperty().bind(run.stepTextProperty());
        Label stepDetail = new Label();
        stepDetail.setId("stepDetail");
        stepDetail.getStyleClass().add(Styles.TEXT_MUTED);
        stepDetail.textProperty().bind(run.stepDetailProperty());

        cancel.setId("cancelButton");
        cancel.getStyleClass().add(Styles.DANGER);
        cancel.setTooltip(new Tooltip("Stop the run at the next step (Esc)"));
        cancel.visibleProperty().bind(run.runningProperty());
        cancel.disableProperty().bind(run.cancelRequestedProperty());
        cancel.setOnAction(e -> model.cancel());

        Label overallCaption = new Label("Overall");
        Label stepCaption = new Label("Current step");
        overallCaption.getStyleClass().add(Styles.TEXT_BOLD);
        stepCaption.getStyleClass().add(Styles.TEXT_BOLD);
        add(overallCaption, 0, 0);
        add(overall, 1, 0);
        add(overallText, 2, 0);
        add(cancel, 3, 0, 1, 2);
        add(stepCaption, 0, 1);
        add(step, 1, 1);
        javafx.scene.layout.HBox stepLine = new javafx.scene.layout.HBox(10, stepText, stepDetail);
        add(stepLine, 2, 1);
        // long step messages are cut with an ellipsis; the captions and bars always keep their width
        overallCaption.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        stepCaption.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        overall.setMinWidth(160);
        step.setMinWidth(160);
        overallText.setMinWidth(0);
        stepText.setMinWidth(0);
        stepDetail.setMinWidth(0);
        stepLine.setMinWidth(0);
        // the step texts give way, not Cancel (a long step message would otherwise cut it to "..." at 1366 px)
        cancel.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        setHgrow(stepLine, Priority.ALWAYS);
        setHgrow(overall, Priority.SOMETIMES);
        setHgrow(step, Priority.SOMETIMES);
        setHgrow(overallText, Priority.ALWAYS);
        overall.setPrefWidth(320);
        step.setPrefWidth(320);
        setHgap(12);
        setVgap(6);
        setAlignment(Pos.CENTER_LEFT);
        setPadding(new Insets(8, 12, 8, 12));
    }
}
