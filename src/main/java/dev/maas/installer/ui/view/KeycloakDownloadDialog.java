package dev.maas.installer.ui.view;

import dev.maas.installer.ui.model.KeycloakDownloadViewModel;
import dev.maas.installer.ui.model.KeycloakDownloadViewModel.State;
import javafx.geometry.Insets;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.Modality;
import javafx.stage.Stage;
import javafx.stage.Window;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * The Keycloak download dialog (a window owned by the wizard's): the offer (Download, Continue without SSO), the
 * progress bar with its bytes and Cancel, or why SSO is not available. It shows what its
 * {@link KeycloakDownloadViewModel} says and sends the buttons to it; nothing else. FX thread.
 */
public final class KeycloakDownloadDialog {
    private final KeycloakDownloadViewModel model;
    private final Supplier<Window> owner;
    private Stage stage;
    private Button download;
    private Button decline;
    private Button cancel;
    private Button close;
    private ProgressBar bar;
    private Label progressText;

    public KeycloakDownloadDialog(KeycloakDownloadViewModel model, Supplier<Window> owner) {
        this.model = Objects.requireNonNull(model, "model");
        this.owner = Objects.requireNonNull(owner, "owner");
        model.stateProperty().addListener((o, a, b) -> update(b));
        update(model.state());
    }

    private void update(State state) {
        if (state == State.HIDDEN) {
            if (stage != null) {
                stage.hide();
            }
            return;
        }
        Stage s = stage();
        download.setVisible(state == State.ASKING);
        download.setManaged(state == State.ASKING);
        decline.setVisible(state == State.ASKING);
        decline.setManaged(state == State.ASKING);
        cancel.setVisible(state == State.DOWNLOADING);
        cancel.setManaged(state == State.DOWNLOADING);
        close.setVisible(state == State.FAILED);
        close.setManaged(state == State.FAILED);
        boolean progress = state == State.DOWNLOADING;
        bar.setVisible(progress);
        bar.setManaged(progress);
        progressText.setVisible(progress);
        progressText.setManaged(progress);
        if (!s.isShowing()) {
            s.show();
        }
        s.sizeToScene();
        (state == State.ASKING ? download : state == State.DOWNLOADING ? cancel : close).requestFocus();
    }

    /** The dialog's window, made on its first show (owned by the wizard's window once that is shown). */
    private Stage stage() {
        if (stage != null) {
            return stage;
        }
        Label heading = new Label();
        heading.setId("keycloakDownloadHeading");
        heading.getStyleClass().add("title-4");
        heading.setWrapText(true);
        heading.textProperty().bind(model.headingProperty());
        Label text = new Label();
        text.setId("keycloakDownloadText");
        text.setWrapText(true);
        text.textProperty().bind(model.textProperty());
        bar = new ProgressBar();
        bar.setId("keycloakDownloadProgress");
        bar.setMaxWidth(Double.MAX_VALUE);
        bar.progressProperty().bind(model.progressProperty());
        progressText = new Label();
        progressText.setId("keycloakDownloadBytes");
        progressText.textProperty().bind(model.progressTextProperty());
        download = button("keycloakDownloadButton", KeycloakDownloadViewModel.DOWNLOAD, ButtonBar.ButtonData.YES,
                model::accept);
        download.setDefaultButton(true);
        decline = button("keycloakDeclineButton", KeycloakDownloadViewModel.DECLINE, ButtonBar.ButtonData.NO,
                model::decline);
        cancel = button("keycloakCancelButton", KeycloakDownloadViewModel.CANCEL, ButtonBar.ButtonData.CANCEL_CLOSE,
                model::cancel);
        close = button("keycloakCloseButton", KeycloakDownloadViewModel.CLOSE, ButtonBar.ButtonData.OK_DONE,
                model::dismiss);
        ButtonBar buttons = new ButtonBar();
        buttons.getButtons().addAll(download, decline, cancel, close);
        VBox.setVgrow(text, Priority.ALWAYS);
        VBox root = new VBox(12, heading, text, bar, progressText, buttons);
        root.setId("keycloakDownloadDialog");
        root.setPadding(new Insets(20));
        root.setPrefWidth(540);
        stage = new Stage();
        stage.setTitle(KeycloakDownloadViewModel.TITLE);
        Window w = owner.get();
        if (w != null) {
            stage.initOwner(w);
            stage.initModality(Modality.WINDOW_MODAL);
        }
        Scene scene = new Scene(root);
        if (w != null && w.getScene() != null) {
            scene.getStylesheets().setAll(w.getScene().getStylesheets());
            if (w.getScene().getRoot() != null) {
                root.getStyleClass().addAll(w.getScene().getRoot().getStyleClass().stream()
                        .filter(c -> c.equals("dark") || c.equals("light")).toList());
            }
        }
        stage.setScene(scene);
        stage.setResizable(false);
        // the window's close button answers as the visible button would: decline, cancel, or close the message
        stage.setOnCloseRequest(e -> {
            if (model.state() == State.DOWNLOADING) {
                e.consume(); // the dialog stays until the download has stopped and says so
            }
            model.close();
        });
        return stage;
    }

    private static Button button(String id, String text, ButtonBar.ButtonData data, Runnable action) {
        Button b = new Button(text);
        b.setId(id);
        ButtonBar.setButtonData(b, data);
        b.setOnAction(e -> action.run());
        return b;
    }
}
