package dev.maas.installer.ui.pages;

import dev.maas.installer.ui.StagePage;
import dev.maas.installer.ui.model.StageStatus;
import dev.maas.installer.ui.model.StageViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.DirectoryChooser;

import java.io.File;
import java.util.function.Function;

/**
 * The portal page: the content folder (empty = built-in MaaS content; Browse), what a bad content item does, and the
 * developer portal link once the stage applied or verified successfully. Binds to a {@link PortalPageModel}.
 */
public final class PortalPage implements StagePage {
    private final String description;
    private final Function<WizardViewModel, PortalPageModel> models;

    public PortalPage(String description) {
        this(description, w -> {
            PageServices s = PageServices.of(w);
            return s == null ? null : new PortalPageModel(s);
        });
    }

    public PortalPage(String description, Function<WizardViewModel, PortalPageModel> models) {
        this.description = description;
        this.models = models;
    }

    @Override
    public String description() { return description; }

    @Override
    public Node inputs(StageViewModel stage, WizardViewModel wizard) {
        PortalPageModel model = models.apply(wizard);
        if (model == null) {
            return null;
        }
        stage.statusProperty().addListener((o, was, now) -> {
            if (now == StageStatus.OK || now == StageStatus.WARNING) {
                model.succeeded();
            } else if (now == StageStatus.RUNNING || now == StageStatus.FAILED) {
                model.clearLink();
            }
        });
        return view(model);
    }

    public static Node view(PortalPageModel model) {
        TextField folder = new TextField();
        folder.setId("portal-content-dir");
        folder.setPromptText(PortalPageModel.BUILT_IN);
        folder.textProperty().bindBidirectional(model.contentDirProperty());
        HBox.setHgrow(folder, Priority.ALWAYS);
        Button browse = new Button("Browse...");
        browse.setId("portal-content-browse");
        browse.setOnAction(e -> {
            DirectoryChooser chooser = new DirectoryChooser();
            chooser.setTitle("Portal content folder");
            File dir = chooser.showDialog(browse.getScene() == null ? null : browse.getScene().getWindow());
            if (dir != null) {
                model.contentDirProperty().set(dir.getAbsolutePath());
            }
        });
        Button builtIn = new Button("Use built-in content");
        builtIn.setId("portal-content-builtin");
        builtIn.setOnAction(e -> model.useBuiltInContent());

        ComboBox<PortalPageModel.OnError> onError = new ComboBox<>();
        onError.setId("portal-on-error");
        onError.getItems().setAll(PortalPageModel.OnError.values());
        onError.valueProperty().bindBidirectional(model.onErrorProperty());

        Label error = new Label();
        error.setId("portal-error");
        error.setWrapText(true);
        error.setStyle("-fx-text-fill: #b00020;");
        error.textProperty().bind(model.errorProperty());

        Hyperlink link = new Hyperlink();
        link.setId("portal-link");
        link.textProperty().bind(model.portalLinkProperty());
        link.visibleProperty().bind(model.portalLinkProperty().isNotEmpty());
        link.managedProperty().bind(link.visibleProperty());
        link.setOnAction(e -> {
            ClipboardContent content = new ClipboardContent();
            content.putString(model.portalLinkProperty().get());
            Clipboard.getSystemClipboard().setContent(content);
        });
        Label linkCaption = new Label("Developer portal (click to copy):");
        linkCaption.visibleProperty().bind(link.visibleProperty());
        linkCaption.managedProperty().bind(link.visibleProperty());

        return new VBox(8,
                new Label("Content folder (empty: the built-in MaaS content)"),
                new HBox(8, folder, browse, builtIn),
                new HBox(8, new Label("A bad content item:"), onError),
                error,
                new HBox(8, linkCaption, link));
    }
}
