package dev.maas.installer.ui.view;

import dev.maas.installer.ui.model.StageStatus;
import dev.maas.installer.ui.model.StageViewModel;
import javafx.beans.value.ChangeListener;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.layout.VBox;

/** One row of the stage list: the stage's title and its status in words and colour. */
final class StageListCell extends ListCell<StageViewModel> {
    private final Label title = new Label();
    private final Label status = new Label();
    private final VBox box = new VBox(2, title, status);
    private final ChangeListener<StageStatus> statusListener = (o, a, b) -> showStatus(b);
    private final ChangeListener<dev.maas.installer.ui.model.LiveState> liveListener = (o, a, b) -> refreshStatus();
    private StageViewModel bound;

    StageListCell() {
        title.getStyleClass().add("stage-title");
        status.getStyleClass().add("stage-status");
        box.getStyleClass().add("stage-cell");
        // as wide as the list (less its padding and a vertical scroll bar), never wider: a long status ends in an
        // ellipsis, with the whole of it in the tooltip, instead of giving the list a horizontal scroll bar
        box.setMinWidth(0);
        title.setMinWidth(0);
        status.setMinWidth(0);
        listViewProperty().addListener((o, was, list) -> {
            box.prefWidthProperty().unbind();
            if (list != null) {
                box.prefWidthProperty().bind(javafx.beans.binding.Bindings.max(0,
                        list.widthProperty().subtract(LIST_CHROME)));
            }
        });
        status.setTooltip(statusTip);
    }

    /** The list's own padding, the cell's and room for a vertical scroll bar. */
    private static final double LIST_CHROME = 34;
    private final javafx.scene.control.Tooltip statusTip = new javafx.scene.control.Tooltip();

    @Override
    protected void updateItem(StageViewModel item, boolean empty) {
        super.updateItem(item, empty);
        if (bound != null) {
            bound.statusProperty().removeListener(statusListener);
            bound.liveStateProperty().removeListener(liveListener);
            bound = null;
        }
        if (empty || item == null) {
            setGraphic(null);
            setText(null);
            return;
        }
        bound = item;
        title.setText(item.title());
        item.statusProperty().addListener(statusListener);
        item.liveStateProperty().addListener(liveListener);
        showStatus(item.status());
        setText(null);
        setGraphic(box);
    }

    private void refreshStatus() {
        if (bound != null) {
            showStatus(bound.status());
        }
    }

    private void showStatus(StageStatus s) {
        if (s == null) {
            return;
        }
        // the live state (done / drifted / pending, from the last verify of the cluster) when known
        String live = bound == null ? "" : JourneyView.live(bound.liveState());
        // a verify that found nothing of the stage (pending) is not a failure to show in red: nothing is there yet
        String label = bound == null ? s.label() : bound.statusLabel();
        status.setText("● " + label + (live.isEmpty() ? "" : " · " + live));
        statusTip.setText(title.getText() + ": " + label + (live.isEmpty() ? "" : " · " + live));
        status.getStyleClass().removeIf(c -> c.startsWith("status-"));
        status.getStyleClass().add(bound == null ? s.styleClass() : bound.statusStyleClass());
        setAccessibleText(title.getText() + ": " + label + (live.isEmpty() ? "" : ", " + live));
    }
}
