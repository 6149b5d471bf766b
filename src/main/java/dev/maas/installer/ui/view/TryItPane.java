package dev.maas.installer.ui.view;

import atlantafx.base.theme.Styles;
import dev.maas.installer.ui.model.TryItViewModel;
import javafx.beans.binding.Bindings;
import javafx.collections.ListChangeListener;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * The summary page's "Try it" section: per model a "Try it" button, its status, the curl command (the key masked
 * until "Reveal key") and the first lines of the answer; then "Test everything" and its report. Thin: binds to
 * {@link TryItViewModel}. Ids: {@code tryIt-<system name>}, {@code tryItStatus-<..>}, {@code tryItCurl-<..>},
 * {@code tryItReveal-<..>}, {@code tryItAnswer-<..>}, {@code tryItAll}, {@code tryItAllReport}.
 */
final class TryItPane {
    private TryItPane() { }

    static Node create(TryItViewModel model) {
        VBox box = new VBox(8);
        box.setId("tryItPane");
        Label title = new Label("Try it");
        title.getStyleClass().add(Styles.TEXT_BOLD);
        Label intro = WelcomeContent.wrapped("Call each model through the gateway as a developer would, with a"
                + " temporary key that is removed again.");
        Label status = JourneyView.statusLine("tryItModelsStatus", model.statusProperty());
        VBox rows = new VBox(10);
        rows.setId("tryItRows");
        Runnable fill = () -> rows.getChildren().setAll(model.rows().stream().map(r -> row(model, r)).toList());
        model.rows().addListener((ListChangeListener<TryItViewModel.Row>) c -> fill.run());
        fill.run();

        Button all = new Button("_Test everything");
        all.setId("tryItAll");
        all.setAccessibleText("Test the sign-in through Red Hat SSO and every model through the gateway");
        all.disableProperty().bind(model.allRunningProperty());
        all.setOnAction(e -> model.testAll());
        TextArea report = new TextArea();
        report.setId("tryItAllReport");
        report.setEditable(false);
        report.setWrapText(true);
        report.setPrefRowCount(10);
        report.textProperty().bind(model.allReportProperty());
        report.visibleProperty().bind(model.allReportProperty().isNotEmpty());
        report.managedProperty().bind(report.visibleProperty());
        report.setAccessibleText("The report of the whole test");
        box.getChildren().addAll(title, intro, status, rows, all, report);
        return box;
    }

    private static Node row(TryItViewModel model, TryItViewModel.Row row) {
        String id = row.model().systemName();
        Label name = new Label(row.model().name());
        name.getStyleClass().add(Styles.TEXT_BOLD);
        Button tryIt = new Button("Try it");
        tryIt.setId("tryIt-" + id);
        tryIt.setAccessibleText("Try " + row.model().name() + " through the gateway");
        tryIt.disableProperty().bind(row.runningProperty());
        tryIt.setOnAction(e -> model.tryModel(row));
        Label status = JourneyView.statusLine("tryItStatus-" + id, row.statusProperty());

        TextField curl = new TextField();
        curl.setId("tryItCurl-" + id);
        curl.setEditable(false);
        curl.textProperty().bind(row.curlProperty());
        curl.setAccessibleText("The curl command for " + row.model().name());
        HBox.setHgrow(curl, Priority.ALWAYS);
        Button reveal = new Button();
        reveal.setId("tryItReveal-" + id);
        reveal.textProperty().bind(Bindings.when(row.revealedProperty()).then("Mask key").otherwise("Reveal key"));
        reveal.setAccessibleText("Show or mask the key in the curl command");
        reveal.visibleProperty().bind(row.hasKeyProperty());
        reveal.managedProperty().bind(reveal.visibleProperty());
        reveal.setOnAction(e -> row.toggleReveal());
        HBox curlLine = new HBox(6, curl, reveal);
        curlLine.visibleProperty().bind(row.curlProperty().isNotEmpty());
        curlLine.managedProperty().bind(curlLine.visibleProperty());

        TextArea answer = new TextArea();
        answer.setId("tryItAnswer-" + id);
        answer.setEditable(false);
        answer.setPrefRowCount(6);
        answer.textProperty().bind(row.answerProperty());
        answer.visibleProperty().bind(row.answerProperty().isNotEmpty());
        answer.managedProperty().bind(answer.visibleProperty());
        answer.setAccessibleText("The first lines of " + row.model().name() + "'s answer");
        return new VBox(4, new HBox(10, name, tryIt), status, curlLine, answer);
    }
}
