package dev.maas.installer.ui.view;

import javafx.geometry.Insets;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.input.KeyCombination;
import javafx.scene.layout.GridPane;
import javafx.stage.Modality;
import javafx.stage.Window;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The keyboard shortcuts the window installs, and the "Keyboard shortcuts" dialog (F1) that lists them. */
final class ShortcutsHelp {
    /** One line of the help: the keys as the platform writes them, and what they do. */
    record Shortcut(String keys, String description) { }

    /** Keys handled by the controls themselves (not scene accelerators), listed after the accelerators. */
    private static final List<Shortcut> CONTROL_KEYS = List.of(
            new Shortcut("Tab / Shift+Tab", "Move to the next / previous control"),
            new Shortcut("Up / Down (stage list)", "Show the previous / next stage"),
            new Shortcut("Enter (stage list)", "Go into the shown stage's page"),
            new Shortcut("Shift+F10 / Menu key (stage list)",
                    "The selected stage's menu: Rerun, Verify, Cancel the run (Up/Down, Enter; Esc closes it)"),
            new Shortcut("Space", "Press the focused button, tick the focused box"),
            new Shortcut("Alt+underlined letter", "Press that button (Plan, Apply, Verify, Rerun, Cancel, ...)"),
            new Shortcut("Alt+X / Alt+B", "Next / Back: the next or previous page of the guided setup"),
            new Shortcut("Alt+F", "Refresh the stage list: verify every stage (as F5)"),
            new Shortcut("Alt+T", "Rerun the stage selected in the stage list"),
            new Shortcut("Alt+A (review page)", "Apply all"));

    private final List<Shortcut> shortcuts = new ArrayList<>();

    void add(KeyCombination keys, String description) {
        shortcuts.add(new Shortcut(keys.getDisplayText(), description));
    }

    /** The accelerators, in the order they were installed, then the keys the controls handle. */
    List<Shortcut> all() {
        List<Shortcut> all = new ArrayList<>(shortcuts);
        all.addAll(CONTROL_KEYS);
        return Collections.unmodifiableList(all);
    }

    /** Shows the dialog (not blocking); Enter or Esc closes it. */
    Dialog<ButtonType> show(Window owner) {
        GridPane grid = new GridPane();
        grid.setId("shortcutsList");
        grid.setHgap(24);
        grid.setVgap(6);
        grid.setPadding(new Insets(4, 0, 4, 0));
        int row = 0;
        for (Shortcut s : all()) {
            Label keys = new Label(s.keys());
            keys.getStyleClass().add("shortcut-keys");
            grid.addRow(row++, keys, new Label(s.description()));
        }
        Dialog<ButtonType> dialog = new Dialog<>();
        dialog.setTitle("Keyboard shortcuts");
        dialog.setHeaderText("Everything in the wizard works from the keyboard.");
        dialog.getDialogPane().setId("shortcutsDialog");
        dialog.getDialogPane().getStylesheets().add(MainView.STYLESHEET);
        dialog.getDialogPane().setContent(grid);
        dialog.getDialogPane().getButtonTypes().add(ButtonType.CLOSE);
        if (owner != null) {
            dialog.initOwner(owner);
            dialog.initModality(Modality.WINDOW_MODAL);
        }
        dialog.show();
        return dialog;
    }
}
