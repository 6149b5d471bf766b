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

    static GridPane form() {
        GridPane g = new GridPane();
        g.setHgap(10);
        g.setVgap(4);
        g.setPadding(new Insets(4, 0, 8, 0));
        return g;
    }

    /** A labelled input with the validator's message for it underneath (hidden while empty). */
    static int row(GridPane g, int row, String label, Node input, ReadOnlyStringProperty error, String id) {
        Label l = new Label(label);
        l.setLabelFor(input);
        input.setId(id);
        GridPane.setHgrow(input, Priority.ALWAYS);
        VBox box = new VBox(2, input);
        if (error != null) {
            Label e = new Label();
            e.setId(id + "-error");
            e.getStyleClass().add("field-error");
            e.setStyle("-fx-text-fill: -color-danger-fg;");
            e.setWrapText(true);
            e.textProperty().bind(error);
            e.visibleProperty().bind(error.isNotEmpty());
            e.managedProperty().bind(e.visibleProperty());
            box.getChildren().add(e);
        }
        l.visibleProperty().bind(input.visibleProperty());
        l.managedProperty().bind(input.managedProperty());
        box.visibleProperty().bind(input.visibleProperty());
        box.managedProperty().bind(input.managedProperty());
        g.addRow(row, l, box);
        return row + 1;
    }

    /** A link that copies its URL to the clipboard (the wizard does not open a browser itself). */
    static Hyperlink link(String id, ReadOnlyStringProperty url) {
        Hyperlink h = new Hyperlink();
        h.setId(id);
        h.textProperty().bind(url);
        h.visibleProperty().bind(url.isNotEmpty());
        h.managedProperty().bind(h.visibleProperty());
        h.setTooltip(new Tooltip("Click to copy the address"));
        h.setOnAction(e -> {
            ClipboardContent c = new ClipboardContent();
            c.putString(url.get());
            Clipboard.getSystemClipboard().setContent(c);
        });
        return h;
    }
}
