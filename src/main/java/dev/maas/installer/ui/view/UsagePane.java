package dev.maas.installer.ui.view;

import atlantafx.base.theme.Styles;
import dev.maas.installer.ui.model.UsageViewModel;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The summary page's usage panel: the period, "Refresh" and the reading's progress, then per model a table of its
 * requests and tokens, all applications first and then each application with traffic (plan, account). Thin: binds
 * to {@link UsageViewModel}. Ids: {@code usagePeriod}, {@code usageRefresh}, {@code usageProgress},
 * {@code usageRange}, {@code usageStatus}, {@code usageFix}, {@code usageModels}, {@code usageModel-<system name>}
 * (the model's heading), {@code usageTable-<system name>}, {@code usageNote-<system name>}.
 */
final class UsagePane {
    /** The first row of a model's table: the model's own counts. */
    static final String ALL_APPLICATIONS = "All applications";

    private UsagePane() { }

    /** One row of a model's table. */
    record Row(String application, String plan, String account, UsageViewModel.Counts counts) { }

    static Node create(UsageViewModel model) {
        Label title = new Label("Usage (read from 3scale's analytics)");
        title.getStyleClass().add(Styles.TEXT_BOLD);
        Label intro = WelcomeContent.wrapped("Requests and LLM tokens of each model and of each application that"
                + " called it through the gateway.");
        intro.getStyleClass().add(Styles.TEXT_MUTED);

        Label periodLabel = new Label("_Period");
        periodLabel.setMnemonicParsing(true);
        ComboBox<UsageViewModel.Period> period = new ComboBox<>(FXCollections.observableArrayList(model.periods()));
        period.setId("usagePeriod");
        period.valueProperty().bindBidirectional(model.periodProperty());
        period.setAccessibleText("The period of the usage shown");
        periodLabel.setLabelFor(period);
        Button refresh = new Button("Refresh _usage");
        refresh.setId("usageRefresh");
        refresh.setAccessibleText("Read the usage from 3scale again");
        refresh.disableProperty().bind(model.readingProperty());
        refresh.setOnAction(e -> model.refresh());
        ProgressIndicator progress = new ProgressIndicator();
        progress.setId("usageProgress");
        progress.setPrefSize(18, 18);
        progress.visibleProperty().bind(model.readingProperty());
        progress.managedProperty().bind(progress.visibleProperty());
        HBox controls = new HBox(8, periodLabel, period, refresh, progress);
        controls.setAlignment(Pos.CENTER_LEFT);

        Label range = JourneyView.statusLine("usageRange", Bindings.when(model.stateProperty().isEqualTo(
                UsageViewModel.State.SHOWN)).then(model.rangeProperty()).otherwise(""));
        range.getStyleClass().add(Styles.TEXT_MUTED);
        Label status = JourneyView.statusLine("usageStatus", model.statusProperty());
        Label fix = JourneyView.statusLine("usageFix", Bindings.when(model.fixProperty().isEmpty()).then("")
                .otherwise(Bindings.concat("What to do: ", model.fixProperty())));
        status.getStyleClass().add(Styles.TEXT_MUTED);
        model.stateProperty().addListener((o, was, now) -> {
            status.getStyleClass().removeAll(Styles.TEXT_MUTED, Styles.DANGER);
            status.getStyleClass().add(now == UsageViewModel.State.FAILED ? Styles.DANGER : Styles.TEXT_MUTED);
        });

        VBox models = new VBox(12);
        models.setId("usageModels");
        Runnable fill = () -> models.getChildren().setAll(model.models().stream().map(UsagePane::model).toList());
        model.models().addListener((ListChangeListener<UsageViewModel.ModelUsage>) c -> fill.run());
        fill.run();
        // the tables while there is usage to show (kept, greyed, while a new read is under way)
        models.visibleProperty().bind(model.stateProperty().isEqualTo(UsageViewModel.State.SHOWN)
                .or(model.stateProperty().isEqualTo(UsageViewModel.State.READING)
                        .and(Bindings.isNotEmpty(model.models()))));
        models.managedProperty().bind(models.visibleProperty());
        models.disableProperty().bind(model.readingProperty());

        VBox box = new VBox(8, title, intro, controls, status, fix, range, models);
        box.setId("usagePane");
        return box;
    }

    private static Node model(UsageViewModel.ModelUsage m) {
        String id = m.systemName();
        Label heading = new Label(m.name());
        heading.setId("usageModel-" + id);
        heading.getStyleClass().add(Styles.TEXT_BOLD);
        VBox box = new VBox(4, heading);
        if (!m.inThreescale()) {
            box.getChildren().add(note(id, "No product in 3scale yet: apply the products stage."));
            return box;
        }
        if (!m.counts().any()) {
            box.getChildren().add(note(id, "No usage yet in this period."));
            return box;
        }
        List<Row> rows = new ArrayList<>();
        rows.add(new Row(ALL_APPLICATIONS, "", "", m.counts()));
        m.applications().forEach(a -> rows.add(new Row(a.name(), nz(a.plan()), nz(a.account()), a.counts())));
        TableView<Row> table = new TableView<>(FXCollections.observableArrayList(rows));
        table.setId("usageTable-" + id);
        table.setAccessibleText("Usage of " + m.name() + ": all applications, then each application with traffic");
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_ALL_COLUMNS);
        table.getColumns().add(column("Application", 140, false, Row::application));
        table.getColumns().add(column("Plan", 80, false, Row::plan));
        table.getColumns().add(column("Account", 110, false, Row::account));
        table.getColumns().add(column("Requests", 90, true, r -> UsageViewModel.count(r.counts().requests())));
        table.getColumns().add(column("Prompt tokens", 120, true,
                r -> UsageViewModel.count(r.counts().promptTokens())));
        table.getColumns().add(column("Completion tokens", 150, true,
                r -> UsageViewModel.count(r.counts().completionTokens())));
        table.getColumns().add(column("Total tokens", 110, true,
                r -> UsageViewModel.count(r.counts().totalTokens())));
        fitRows(table, rows.size());
        table.setRowFactory(t -> new javafx.scene.control.TableRow<>() {
            @Override
            protected void updateItem(Row item, boolean empty) {
                super.updateItem(item, empty);
                // the model's own counts stand out from its applications'
                setStyle(!empty && item != null && item.application().equals(ALL_APPLICATIONS)
                        ? "-fx-font-weight: bold;" : "");
            }
        });
        box.getChildren().add(table);
        if (!m.metersTokens()) {
            box.getChildren().add(note(id, "Tokens are not counted for this model (–): no tier in the configuration"
                    + " limits tokens, so its gateway does not meter them."));
        }
        return box;
    }

    /**
     * Every row in sight and no scroll bar of the table's own (the page scrolls): the height of the rows and of the
     * column headers, as the theme lays them out.
     */
    private static void fitRows(TableView<Row> table, int rows) {
        double cell = 28;
        table.setFixedCellSize(cell);
        java.util.function.DoubleConsumer size = header -> {
            double h = header + cell * rows + 2;
            table.setMinHeight(h);
            table.setPrefHeight(h);
            table.setMaxHeight(h);
        };
        size.accept(40);
        table.skinProperty().addListener((o, was, skin) -> {
            if (table.lookup(".column-header-background") instanceof javafx.scene.layout.Region header) {
                header.heightProperty().addListener((ho, hw, h) -> size.accept(h.doubleValue()));
            }
        });
    }

    private static Label note(String id, String text) {
        Label l = WelcomeContent.wrapped(text);
        l.setId("usageNote-" + id);
        l.getStyleClass().add(Styles.TEXT_MUTED);
        return l;
    }

    private static TableColumn<Row, String> column(String name, double width, boolean number,
                                                   Function<Row, String> value) {
        TableColumn<Row, String> c = new TableColumn<>(name);
        c.setPrefWidth(width);
        c.setMinWidth(number ? width : 60);
        c.setSortable(false);
        c.setCellValueFactory(f -> new ReadOnlyStringWrapper(value.apply(f.getValue())));
        if (number) {
            c.setStyle("-fx-alignment: CENTER-RIGHT;");
        }
        return c;
    }

    private static String nz(String s) { return s == null ? "" : s; }
}
