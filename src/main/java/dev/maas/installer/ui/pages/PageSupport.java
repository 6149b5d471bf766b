package dev.maas.installer.ui.pages;

import javafx.beans.property.ReadOnlyStringProperty;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** Shared bits of the stage pages: the background executor of their look-ups and the form layout. */
final class PageSupport {
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** Where the pages' read-only cluster look-ups run: daemon threads, never the FX thread. */
    static final ExecutorService BACKGROUND = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "maas-page-lookup-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private PageSupport() { }

    /** The width of a form's inputs: the same with or without an error or help line under them. */
    static final double FIELD_WIDTH = 420;

    static GridPane form() {
        GridPane g = new GridPane();
        g.setHgap(10);
        g.setVgap(4);
        g.setPadding(new Insets(4, 0, 8, 0));
        // labels as wide as they need; inputs a steady width, whatever the wrapped lines under them say
        javafx.scene.layout.ColumnConstraints labels = new javafx.scene.layout.ColumnConstraints();
        labels.setMinWidth(Region.USE_PREF_SIZE);
        javafx.scene.layout.ColumnConstraints inputs = new javafx.scene.layout.ColumnConstraints(
                200, FIELD_WIDTH, FIELD_WIDTH);
        inputs.setHgrow(Priority.SOMETIMES);
        inputs.setFillWidth(true);
        g.getColumnConstraints().setAll(labels, inputs);
        return g;
    }

    /** A labelled input with the validator's message for it underneath (hidden while empty). */
    static int row(GridPane g, int row, String label, Node input, ReadOnlyStringProperty error, String id) {
        return row(g, row, label, input, error, id, null);
    }

    /**
     * A labelled input with a short help line under it that explains the choice in place (null: none), and the
     * validator's message for it under that (hidden while empty), in the screen's words. Neither line changes the
     * input's width: they wrap within it.
     */
    static int row(GridPane g, int row, String label, Node input, ReadOnlyStringProperty error, String id,
                   String help) {
        Label l = new Label(label);
        l.setLabelFor(input);
        input.setId(id);
        GridPane.setHgrow(input, Priority.ALWAYS);
        if (input instanceof Region r) {
            r.setMaxWidth(Double.MAX_VALUE);
        }
        VBox box = new VBox(2, input);
        box.setFillWidth(true);
        if (help != null) {
            box.getChildren().add(underLine(new Label(help), id + "-help", "field-help"));
        }
        if (error != null) {
            Label e = underLine(new Label(), id + "-error", "field-error");
            e.setStyle("-fx-text-fill: -color-danger-fg;");
            e.textProperty().bind(error);
            e.visibleProperty().bind(error.isNotEmpty());
            e.managedProperty().bind(e.visibleProperty());
            box.getChildren().add(e);
        }
        l.visibleProperty().bind(input.visibleProperty());
        l.managedProperty().bind(input.managedProperty());
        box.visibleProperty().bind(input.visibleProperty());
        box.managedProperty().bind(input.managedProperty());
        GridPane.setValignment(l, javafx.geometry.VPos.TOP);
        l.setPadding(new Insets(4, 0, 0, 0));
        g.addRow(row, l, box);
        return row + 1;
    }

    /** A wrapped line under an input that asks for no width of its own (it wraps in the input's). */
    private static Label underLine(Label line, String id, String style) {
        line.setId(id);
        line.getStyleClass().add(style);
        line.setWrapText(true);
        line.setMinWidth(0);
        line.setMaxWidth(Double.MAX_VALUE);
        line.setMinHeight(Region.USE_PREF_SIZE);
        if ("field-help".equals(style)) {
            line.getStyleClass().add(atlantafx.base.theme.Styles.TEXT_MUTED);
        }
        return line;
    }

    /**
     * The "Advanced" expander, closed: settings a newcomer does not need (namespaces, operator channel, concurrency),
     * under a line that says what is inside.
     */
    static javafx.scene.control.TitledPane advanced(String id, String inside, Node content,
                                                     ReadOnlyStringProperty... errors) {
        Label what = new Label(inside);
        what.setWrapText(true);
        what.getStyleClass().add(atlantafx.base.theme.Styles.TEXT_MUTED);
        VBox box = new VBox(6, what, content);
        javafx.scene.control.TitledPane t = new javafx.scene.control.TitledPane("Advanced", box);
        t.setId(id);
        t.setExpanded(false);
        t.setAnimated(false);
        // an invalid field inside is never hidden: the expander opens to show it next to its field
        for (ReadOnlyStringProperty e : errors) {
            e.addListener((o, was, now) -> {
                if (now != null && !now.isEmpty()) {
                    t.setExpanded(true);
                }
            });
            if (!e.get().isEmpty()) {
                t.setExpanded(true);
            }
        }
        return t;
    }

    /**
     * A link to a URL of the installed system: a click opens it with {@code open} (the wizard's
     * {@link PageServices#openLink()}: the web browser, or {@link #COPY_ONLY}), and its context menu copies it.
     */
    static Node link(String id, ReadOnlyStringProperty url, java.util.function.Consumer<String> open) {
        Hyperlink h = new Hyperlink();
        h.setId(id);
        h.textProperty().bind(url);
        h.visibleProperty().bind(url.isNotEmpty());
        // what the last click did: opened, or (no browser) copied, said in words under the link
        Label said = new Label();
        said.setId(id + "-status");
        said.setWrapText(true);
        said.getStyleClass().add(atlantafx.base.theme.Styles.TEXT_SMALL);
        said.visibleProperty().bind(said.textProperty().isNotEmpty());
        said.managedProperty().bind(said.visibleProperty());
        h.setTooltip(new Tooltip(open == COPY_ONLY ? "Copies the address to the clipboard"
                : "Opens in your web browser (right-click to copy the address)"));
        h.setOnAction(e -> said.setText(openOrCopy(open, url.get())));
        javafx.scene.control.MenuItem copy = new javafx.scene.control.MenuItem("Copy address");
        copy.setOnAction(e -> {
            copy(url.get());
            said.setText("Copied " + url.get() + " to the clipboard.");
        });
        h.setContextMenu(new javafx.scene.control.ContextMenu(copy));
        VBox box = new VBox(0, h, said);
        box.visibleProperty().bind(url.isNotEmpty());
        box.managedProperty().bind(box.visibleProperty());
        return box;
    }

    /** Links of pages without a browser at hand: the address goes on the clipboard. */
    static final java.util.function.Consumer<String> COPY_ONLY = PageSupport::copy;

    /** Opens {@code url} with {@code open}, or copies it when that is not possible; returns what happened in words. */
    static String openOrCopy(java.util.function.Consumer<String> open, String url) {
        if (url == null || url.isBlank()) {
            return "";
        }
        if (open == COPY_ONLY) {
            copy(url);
            return "Copied " + url + " to the clipboard.";
        }
        try {
            open.accept(url);
            return "Opened " + url + " in your browser.";
        } catch (RuntimeException e) {
            copy(url);
            return "Could not open a browser (" + e.getMessage() + "). Copied " + url
                    + " to the clipboard: paste it into your browser's address bar.";
        }
    }

    /** Puts {@code text} on the system clipboard (FX thread). */
    static void copy(String text) {
        ClipboardContent c = new ClipboardContent();
        c.putString(text);
        Clipboard.getSystemClipboard().setContent(c);
    }
}
