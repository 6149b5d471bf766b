package dev.maas.installer.ui.view;

import atlantafx.base.theme.Styles;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.ui.model.FieldLabels;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TitledPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The stage page's plan preview and verify checks as rows in the page itself (one scroll for the page, no table
 * scrolling inside it): one line each, in words, that opens to show the rest (a change's fields, a check's message and
 * what to do). Failures come first and open by themselves; deletions are marked.
 */
final class ResultRows {
    private ResultRows() { }

    /** The width of a row's title around its line: the arrow and the paddings. */
    private static final double TITLE_CHROME = 56;

    /** A check's status in words. */
    static String words(CheckStatus s) {
        return switch (s) {
            case OK -> "OK";
            case WARN -> "Warning";
            case FAILED_RETRYABLE -> "Failed, can be retried";
            case INVALID_INPUT -> "Invalid input";
            case WAITING -> "Waiting for another stage";
        };
    }

    /** A change's action in words. */
    static String words(Action a) {
        return switch (a) {
            case CREATE -> "Create";
            case UPDATE -> "Update";
            case DELETE -> "DELETE";
            case NOOP -> "Already right";
        };
    }

    /** The worst first: invalid input, failed, waiting, warning, OK. */
    private static int rank(CheckStatus s) {
        return switch (s) {
            case INVALID_INPUT -> 0;
            case FAILED_RETRYABLE -> 1;
            case WAITING -> 2;
            case WARN -> 3;
            case OK -> 4;
        };
    }

    /** Deletions first, then the other changes, then what is already right. */
    private static int rank(Action a) {
        return switch (a) {
            case DELETE -> 0;
            case CREATE, UPDATE -> 1;
            case NOOP -> 2;
        };
    }

    /** Where {@link #fill} keeps, in the box's properties, which item each of its rows shows. */
    private static final String ROWS_KEY = ResultRows.class.getName() + ".rows";

    /**
     * Shows {@code items} in {@code box} as rows, in {@code order} ({@code empty} while there are none). A row whose
     * item equals one the box shows already is kept as it is (skin, style, opened or closed), and a box whose rows
     * are all the same in the same order is not touched at all, so a verify that finds what the last one found costs
     * no new nodes, styling or layout.
     */
    static <T> void fill(VBox box, List<T> items, Function<T, Node> row, Comparator<T> order, Label empty) {
        List<T> sorted = new ArrayList<>(items);
        sorted.sort(order);
        @SuppressWarnings("unchecked")
        List<Map.Entry<Object, Node>> before = (List<Map.Entry<Object, Node>>) box.getProperties()
                .getOrDefault(ROWS_KEY, List.of());
        List<Map.Entry<Object, Node>> kept = new ArrayList<>(before);
        List<Map.Entry<Object, Node>> now = new ArrayList<>();
        List<Node> rows = new ArrayList<>();
        for (T t : sorted) {
            Node n = null;
            for (java.util.Iterator<Map.Entry<Object, Node>> it = kept.iterator(); it.hasNext(); ) {
                Map.Entry<Object, Node> e = it.next();
                if (e.getKey().equals(t)) {
                    n = e.getValue();
                    it.remove();
                    break;
                }
            }
            if (n == null) {
                n = row.apply(t);
            }
            now.add(Map.entry(t, n));
            rows.add(n);
        }
        box.getProperties().put(ROWS_KEY, now);
        if (rows.isEmpty()) {
            rows.add(empty);
        }
        if (!rows.equals(box.getChildren())) {
            box.getChildren().setAll(rows);
        }
    }

    static Comparator<Check> checkOrder() { return Comparator.comparingInt(c -> rank(c.status())); }

    static Comparator<Change> changeOrder() { return Comparator.comparingInt(c -> rank(c.action())); }

    /** One check: status in words, name and message on one line; opens to the whole message and what to do. */
    static Node check(Check c) {
        Label status = new Label(words(c.status()));
        status.getStyleClass().addAll("check-status", "check-" + c.status().name().toLowerCase(java.util.Locale.ROOT)
                .replace('_', '-'));
        status.setMinWidth(Region.USE_PREF_SIZE);
        Label name = new Label(c.name());
        name.getStyleClass().add(Styles.TEXT_BOLD);
        name.setMinWidth(Region.USE_PREF_SIZE);
        Label summary = new Label(c.message());
        summary.getStyleClass().add(Styles.TEXT_MUTED);
        summary.setMinWidth(0);
        HBox head = new HBox(10, status, name, summary);
        head.setAlignment(Pos.CENTER_LEFT);
        fullTextOnHover(head, status.getText() + ": " + c.name() + " - " + c.message());
        Label message = wrapped(c.message());
        VBox body = new VBox(4, message);
        if (c.fix() != null) {
            Label caption = new Label("What to do:");
            caption.getStyleClass().add(Styles.TEXT_BOLD);
            body.getChildren().addAll(caption, wrapped(FieldLabels.fix(c.fix())));
        }
        TitledPane row = row(head, body, status.getText() + ": " + c.name() + ", " + c.message());
        row.setExpanded(!c.status().passes() && c.status() != CheckStatus.WAITING);   // failures open by themselves
        row.getStyleClass().add("check-row");
        return row;
    }

    /** One planned change: action, system, kind and name; opens to its fields, one a line. */
    static Node change(Change c) {
        Label action = new Label(words(c.action()));
        action.getStyleClass().add("change-action");
        if (c.action() == Action.DELETE) {
            action.getStyleClass().add("review-delete");   // a deletion stands out from the rest
        }
        action.setMinWidth(Region.USE_PREF_SIZE);
        Label system = new Label(c.system().wireName());
        system.getStyleClass().add(Styles.TEXT_MUTED);
        system.setMinWidth(Region.USE_PREF_SIZE);
        Label kind = new Label(c.kind());
        kind.setMinWidth(Region.USE_PREF_SIZE);
        Label name = new Label(c.name());
        name.getStyleClass().add(Styles.TEXT_BOLD);
        name.setMinWidth(0);
        HBox head = new HBox(10, action, system, kind, name);
        head.setAlignment(Pos.CENTER_LEFT);
        fullTextOnHover(head, words(c.action()) + " " + c.system().wireName() + " " + c.kind() + " " + c.name());
        if (!c.fields().isEmpty()) {
            Label count = new Label(c.fields().size() + " field" + (c.fields().size() == 1 ? "" : "s"));
            count.getStyleClass().add(Styles.TEXT_MUTED);
            count.setMinWidth(Region.USE_PREF_SIZE);
            head.getChildren().add(count);
        }
        VBox body = new VBox(2);
        for (Map.Entry<String, FieldChange> f : c.fields().entrySet()) {
            body.getChildren().add(wrapped(f.getKey() + ": " + show(f.getValue())));
        }
        if (body.getChildren().isEmpty()) {
            Label none = new Label(c.isNoop() ? "Nothing to change." : "No field details.");
            none.getStyleClass().add(Styles.TEXT_MUTED);
            body.getChildren().add(none);
        }
        TitledPane row = row(head, body, words(c.action()) + " " + c.kind() + " " + c.name());
        row.setExpanded(false);
        row.getStyleClass().add("change-row");
        if (c.isNoop()) {
            row.getStyleClass().add("change-noop");
        }
        return row;
    }

    private static TitledPane row(HBox head, VBox body, String accessible) {
        HBox.setHgrow(head.getChildren().get(head.getChildren().size() - 1), Priority.SOMETIMES);
        TitledPane t = new TitledPane(null, body);
        t.setGraphic(head);
        // a title's graphic is laid out at its preferred width: the row's width (less the arrow and the padding)
        // keeps the line inside the page, so its last label is cut with an ellipsis instead of widening the page
        head.setMinWidth(0);
        head.prefWidthProperty().bind(javafx.beans.binding.Bindings.max(0, t.widthProperty().subtract(TITLE_CHROME)));
        t.setAnimated(false);
        t.setMaxWidth(Double.MAX_VALUE);
        t.setAccessibleText(accessible);
        t.getStyleClass().addAll(Styles.DENSE, "result-row");
        return t;
    }

    /**
     * The row's whole line as a tooltip, for when its end is cut with an ellipsis (the opened row shows it too). The
     * tooltip is made on the first hover, not with the row: a page of rows then costs no popups.
     */
    static void fullTextOnHover(HBox head, String text) {
        head.setOnMouseEntered(e -> {
            head.setOnMouseEntered(null);
            javafx.scene.control.Tooltip t = new javafx.scene.control.Tooltip(text);
            t.setWrapText(true);
            t.setMaxWidth(600);
            javafx.scene.control.Tooltip.install(head, t);
            head.getProperties().put("fullText", text);
        });
        head.getProperties().put("fullText", text);
    }

    private static Label wrapped(String text) {
        Label l = new Label(text);
        l.setWrapText(true);
        l.setMinHeight(Region.USE_PREF_SIZE);
        return l;
    }

    private static String show(FieldChange f) {
        String from = f.from() == null ? "(unset)" : f.from();
        String to = f.to() == null ? "(unset)" : f.to();
        return from + " → " + to;
    }
}
