package dev.maas.installer.ui.view;

import atlantafx.base.theme.Styles;
import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.ui.model.LogViewModel;
import dev.maas.installer.ui.model.StageViewModel;
import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.stage.Window;

import java.io.File;
import java.io.IOException;
import java.util.List;

/** The live log: filters by stage and level, Copy and Save, and a virtualised list that follows new lines. */
final class LogPane extends VBox {
    final ComboBox<String> stageFilter = new ComboBox<>();
    final ComboBox<LogViewModel.LevelFilter> levelFilter = new ComboBox<>();
    final ListView<LogLine> list = new ListView<>();
    private final LogViewModel log;
    private final Label status = new Label();

    LogPane(LogViewModel log, List<StageViewModel> stages) {
        this.log = log;
        setId("logPane");
        getStyleClass().add("log-pane");

        Label caption = new Label("Log");
        caption.getStyleClass().add(Styles.TEXT_BOLD);
        ObservableList<String> stageChoices = FXCollections.observableArrayList(LogViewModel.ALL_STAGES);
        stages.forEach(s -> stageChoices.add(s.id()));
        stageFilter.setId("logStageFilter");
        stageFilter.setItems(stageChoices);
        stageFilter.valueProperty().bindBidirectional(log.stageFilterProperty());
        levelFilter.setId("logLevelFilter");
        levelFilter.setItems(FXCollections.observableArrayList(LogViewModel.LevelFilter.values()));
        levelFilter.valueProperty().bindBidirectional(log.levelFilterProperty());

        Button copy = new Button("Cop_y");
        copy.setId("logCopy");
        copy.setOnAction(e -> copy());
        Button save = new Button("_Save log...");
        save.setId("logSave");
        save.setOnAction(e -> save());
        status.setId("logStatus");
        status.getStyleClass().add(Styles.TEXT_MUTED);
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        // the log is a drawer: closed, only this bar stays, and the page above gets the room
        javafx.scene.control.ToggleButton drawer = new javafx.scene.control.ToggleButton();
        drawer.setId("logToggle");
        drawer.selectedProperty().bindBidirectional(log.openProperty());
        drawer.textProperty().bind(javafx.beans.binding.Bindings.when(log.openProperty()).then("Hide log")
                .otherwise("Show log"));
        drawer.setMnemonicParsing(false);
        drawer.setTooltip(new javafx.scene.control.Tooltip("Open or close the log drawer"));
        HBox bar = new HBox(8, caption, stageFilter, levelFilter, status, spacer, copy, save, drawer);
        drawer.setMinWidth(Region.USE_PREF_SIZE);
        // in a narrow window the line count gives way (ellipsis); the filters and buttons keep their whole text
        status.setMinWidth(0);
        for (javafx.scene.control.Control c : List.of(caption, stageFilter, levelFilter, copy, save)) {
            c.setMinWidth(Region.USE_PREF_SIZE);
        }
        bar.setAlignment(Pos.CENTER_LEFT);

        list.setId("logList");
        list.getStyleClass().addAll("log-list", Styles.DENSE);
        list.setItems(log.shown());
        list.setPlaceholder(new Label("Log lines of a run appear here."));
        list.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(LogLine item, boolean empty) {
                super.updateItem(item, empty);
                getStyleClass().removeAll("log-warn", "log-error");
                if (empty || item == null) {
                    setText(null);
                    return;
                }
                setText(LogViewModel.format(item));
                if ("WARN".equals(item.level())) {
                    getStyleClass().add("log-warn");
                } else if ("ERROR".equals(item.level())) {
                    getStyleClass().add("log-error");
                }
            }
        });
        VBox.setVgrow(list, Priority.ALWAYS);
        list.visibleProperty().bind(log.openProperty());
        list.managedProperty().bind(list.visibleProperty());
        log.shown().addListener((ListChangeListener<LogLine>) c -> {
            updateStatus();
            if (!log.shown().isEmpty()) {
                list.scrollTo(log.shown().size() - 1);
            }
        });
        log.lines().addListener((ListChangeListener<LogLine>) c -> updateStatus());
        updateStatus();

        setSpacing(6);
        setPadding(new Insets(6, 12, 8, 12));
        getChildren().addAll(bar, list);
    }

    private void updateStatus() {
        status.setText(log.shown().size() + " of " + log.lines().size() + " lines shown (last "
                + log.maxLines() + " kept)");
    }

    private void copy() {
        ClipboardContent content = new ClipboardContent();
        content.putString(log.shownText());
        Clipboard.getSystemClipboard().setContent(content);
    }

    private void save() {
        FileChooser chooser = new FileChooser();
        chooser.setTitle("Save the shown log lines");
        chooser.setInitialFileName("maas-installer.log");
        chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("Log files", "*.log", "*.txt"));
        Window window = getScene() == null ? null : getScene().getWindow();
        File file = chooser.showSaveDialog(window);
        if (file == null) {
            return;
        }
        try {
            log.save(file.toPath());
            status.setText("Saved " + log.shown().size() + " lines to " + file);
        } catch (IOException e) {
            status.setText("Could not save to " + file + ": " + e.getMessage());
        }
    }
}
