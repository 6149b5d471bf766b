package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;
import dev.maas.installer.ui.model.TierText;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.ListChangeListener;
import javafx.collections.MapChangeListener;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.util.function.Function;

/**
 * The Plans page's tiers: a table (name, approval, models, limits as "10 requests/minute, 1,000 total tokens/day")
 * with Add, Remove, and an editor of the selected tier under it whose metric and period choices are explained in
 * place; each field's problem is shown next to it as typed. Binds to a {@link TiersModel}.
 */
final class TiersView {
    private TiersView() { }

    static Node of(TiersModel model, PruneChoice prune) {
        TableView<TierConfig> table = new TableView<>(model.tiers());
        table.setId("tiers-table");
        table.setPlaceholder(new Label("No tiers: one plan, named as above, without limits."));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.setPrefHeight(150);
        table.getColumns().add(column("Name", 120, t -> t.name() == null || t.name().isEmpty() ? "(no name)"
                : t.name()));
        table.getColumns().add(column("Approval", 90, t -> t.approvalRequired() ? "required" : "no"));
        table.getColumns().add(column("Models", 130, TierText::models));
        table.getColumns().add(column("Limits", 300, t -> TierText.limits(t.limits())));
        // the table's selection and the editor's row follow each other
        table.getSelectionModel().selectedIndexProperty().addListener((o, was, now) -> {
            if (now.intValue() >= 0 && now.intValue() != model.selectedProperty().get()) {
                model.select(now.intValue());
            }
        });
        Runnable syncSelection = () -> {
            int i = model.selectedProperty().get();
            if (i >= 0 && table.getSelectionModel().getSelectedIndex() != i) {
                table.getSelectionModel().select(i);
            } else if (i < 0) {
                table.getSelectionModel().clearSelection();
            }
        };
        model.selectedProperty().addListener((o, was, now) -> syncSelection.run());
        model.tiers().addListener((ListChangeListener<TierConfig>) c -> javafx.application.Platform.runLater(
                syncSelection));
        syncSelection.run();

        Button add = new Button("Add tier");
        add.setId("tiers-add");
        add.setOnAction(e -> model.addTier());
        Button remove = new Button("Remove tier");
        remove.setId("tiers-remove");
        remove.disableProperty().bind(model.selectedProperty().lessThan(0));
        remove.setOnAction(e -> model.removeSelected());
        Label intro = new Label("Tiers: one application plan per tier on each model's product, with its limits."
                + " Developers pick one when they create an application. Without tiers, every product gets the one"
                + " plan named above, without limits.");
        intro.setWrapText(true);
        intro.getStyleClass().addAll("field-help", atlantafx.base.theme.Styles.TEXT_MUTED);
        Label listProblem = problemLabel("tiers-error");
        ReadOnlyStringWrapper listText = new ReadOnlyStringWrapper("");
        listProblem.textProperty().bind(listText);
        model.problems().addListener((MapChangeListener<String, String>) c ->
                listText.set(model.problems().getOrDefault("plans.tiers", "")));

        VBox box = new VBox(6, intro, table, new HBox(8, add, remove), listProblem, editor(model));
        if (prune != null) {
            box.getChildren().add(pruneBox(prune));
        }
        return box;
    }

    private static TableColumn<TierConfig, String> column(String title, double width,
                                                          Function<TierConfig, String> text) {
        TableColumn<TierConfig, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setSortable(false);
        c.setCellValueFactory(d -> new ReadOnlyStringWrapper(d.getValue() == null ? "(empty entry)"
                : text.apply(d.getValue())));
        return c;
    }

    /** The selected tier's fields and limits. */
    private static Node editor(TiersModel model) {
        GridPane form = PageSupport.form();
        TextField name = new TextField();
        name.textProperty().bindBidirectional(model.nameProperty());
        CheckBox approval = new CheckBox("Each application waits for an admin's approval");
        approval.selectedProperty().bindBidirectional(model.approvalProperty());
        TextField models = new TextField();
        models.setPromptText("every model");
        models.textProperty().bindBidirectional(model.modelsProperty());
        int row = 0;
        row = PageSupport.row(form, row, "Tier name:", name, problem(model, "name"), "tier-name",
                "The application plan's name in 3scale and on the developer portal, e.g. Free.");
        row = PageSupport.row(form, row, "Approval:", approval, problem(model, "approvalRequired"), "tier-approval");
        row = PageSupport.row(form, row, "Models:", models, problem(model, "models"), "tier-models",
                "Model names or system names, separated by commas; empty: every model.");
        VBox limits = new VBox(4);
        limits.setId("tier-limits");
        Runnable fill = () -> fillLimits(limits, model);
        model.limits().addListener((ListChangeListener<TiersModel.LimitRow>) c -> fill.run());
        model.selectedProperty().addListener((o, was, now) -> fill.run());
        fill.run();
        Button addLimit = new Button("Add limit");
        addLimit.setId("tier-limit-add");
        addLimit.setOnAction(e -> model.addLimit());
        Label help = new Label(TierText.LIMITS_HELP);
        help.setId("tier-limits-help");
        help.setWrapText(true);
        help.getStyleClass().addAll("field-help", atlantafx.base.theme.Styles.TEXT_MUTED);
        Label title = new Label("Edit the selected tier");
        title.getStyleClass().add(atlantafx.base.theme.Styles.TEXT_BOLD);
        VBox editor = new VBox(4, title, form, new Label("Limits:"), limits, addLimit, help);
        editor.setPadding(new Insets(6, 0, 0, 0));
        editor.setId("tier-editor");
        editor.visibleProperty().bind(model.selectedProperty().greaterThanOrEqualTo(0));
        editor.managedProperty().bind(editor.visibleProperty());
        return editor;
    }

    /** One row per limit: metric, period, value, remove; its problem under it. */
    @SuppressWarnings("unchecked")
    private static void fillLimits(VBox limits, TiersModel model) {
        // the rows' listeners on the problems go with the rows
        Object old = limits.getProperties().remove("problem-listeners");
        if (old instanceof java.util.List<?> l) {
            ((java.util.List<MapChangeListener<String, String>>) l).forEach(model.problems()::removeListener);
        }
        java.util.List<MapChangeListener<String, String>> listeners = new java.util.ArrayList<>();
        limits.getProperties().put("problem-listeners", listeners);
        limits.getChildren().clear();
        for (int j = 0; j < model.limits().size(); j++) {
            int index = j;
            TiersModel.LimitRow r = model.limits().get(j);
            ComboBox<String> metric = choice(LimitConfig.METRICS, TierText.METRIC_HELP, true);
            metric.setId("tier-limit-metric-" + j);
            metric.valueProperty().bindBidirectional(r.metricProperty());
            ComboBox<String> period = choice(LimitConfig.PERIODS, TierText.PERIOD_HELP, false);
            period.setId("tier-limit-period-" + j);
            period.valueProperty().bindBidirectional(r.periodProperty());
            TextField value = new TextField();
            value.setId("tier-limit-value-" + j);
            value.setPrefColumnCount(9);
            value.setPromptText("e.g. 1000");
            value.textProperty().bindBidirectional(r.valueProperty());
            Button remove = new Button("Remove");
            remove.setId("tier-limit-remove-" + j);
            remove.setOnAction(e -> model.removeLimit(index));
            Label per = new Label("per");
            HBox line = new HBox(6, value, metric, per, period, remove);
            line.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
            HBox.setHgrow(metric, Priority.NEVER);
            Label problem = problemLabel("tier-limit-error-" + j);
            Runnable show = () -> problem.setText(model.limitProblem(index));
            MapChangeListener<String, String> onProblems = c -> show.run();
            model.problems().addListener(onProblems);
            listeners.add(onProblems);
            r.valueProperty().addListener((o, a, b) -> show.run());
            show.run();
            limits.getChildren().add(new VBox(2, line, problem));
        }
    }

    /** A choice whose items say what they mean ("requests: every call ..."); the value stays the configuration's. */
    private static ComboBox<String> choice(java.util.List<String> items, java.util.Map<String, String> help,
                                           boolean metric) {
        ComboBox<String> c = new ComboBox<>();
        c.getItems().setAll(items);
        c.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty || item == null ? null : (metric ? TierText.metric(item) : item) + ": "
                        + help.getOrDefault(item, ""));
            }
        });
        c.setButtonCell(new ListCell<>() {
            @Override
            protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty || item == null ? null : metric ? TierText.metric(item) : item);
            }
        });
        return c;
    }

    private static javafx.beans.property.ReadOnlyStringProperty problem(TiersModel model, String field) {
        ReadOnlyStringWrapper w = new ReadOnlyStringWrapper("");
        Runnable show = () -> w.set(model.problem(field));
        model.problems().addListener((MapChangeListener<String, String>) c -> show.run());
        model.selectedProperty().addListener((o, a, b) -> show.run());
        return w.getReadOnlyProperty();
    }

    private static Label problemLabel(String id) {
        Label l = new Label();
        l.setId(id);
        l.setWrapText(true);
        l.setStyle("-fx-text-fill: -color-danger-fg;");
        l.visibleProperty().bind(l.textProperty().isNotEmpty());
        l.managedProperty().bind(l.visibleProperty());
        return l;
    }

    private static Node pruneBox(PruneChoice prune) {
        CheckBox box = new CheckBox("Also delete plans of removed tiers");
        box.setId("plans-prune");
        box.selectedProperty().bindBidirectional(prune.prunePlansProperty());
        Label note = new Label(PruneChoice.WHAT_PLANS_PRUNE_DOES + " Only for the next run that applies the plans"
                + " stage; then it is off again.");
        note.setId("plans-prune-help");
        note.setWrapText(true);
        note.getStyleClass().addAll("field-help", atlantafx.base.theme.Styles.TEXT_MUTED);
        return new VBox(4, box, note);
    }
}
