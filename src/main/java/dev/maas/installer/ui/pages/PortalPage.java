package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.stages.portal.PortalStage;
import dev.maas.installer.ui.model.ConfigViewModel;
import javafx.application.Platform;
import javafx.scene.control.TextArea;
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
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The portal page: the content folder (empty = built-in MaaS content; Browse), what a bad content item does, and the
 * developer portal link once the stage applied or verified successfully; with the shell attached, also the SSO
 * summary and the content changes on demand ({@link PortalReviewModel}). Binds to a {@link PortalPageModel}.
 */
public final class PortalPage implements ConfigPage {
    private final String description;
    private final Function<PageServices, PortalPageModel> models;
    private PageServices services;
    private ConfigViewModel config;
    private PortalReviewModel.Lookups lookups;
    private Executor background = PageSupport.BACKGROUND;

    public PortalPage(String description) {
        this(description, PortalPageModel::new);
    }

    /** @param models the page's model, made from the services the shell attaches the page to */
    public PortalPage(String description, Function<PageServices, PortalPageModel> models) {
        this.description = description;
        this.models = models;
    }

    @Override
    public String description() { return description; }

    @Override
    public void attach(PageServices services, Function<Cancellation, StageContext> contexts) {
        this.services = Objects.requireNonNull(services, "services");
        this.config = services.config();
        if (lookups == null) {
            lookups = engineLookups(contexts);
        }
    }

    /** Replaces the SSO and content look-ups and their executor (tests). */
    public PortalPage withLookups(PortalReviewModel.Lookups lookups, Executor background) {
        this.lookups = Objects.requireNonNull(lookups, "lookups");
        this.background = Objects.requireNonNull(background, "background");
        return this;
    }

    /**
     * The look-ups of the real wizard, through a stage context of the shell's factory (connected like a run's): the
     * realm URL as the SSO page reads it, and {@link PortalStage#contentPlan}'s dry run (GETs only).
     */
    static PortalReviewModel.Lookups engineLookups(Function<Cancellation, StageContext> contexts) {
        SsoPageModel.Lookup sso = SsoPage.engineLookup(contexts);
        return new PortalReviewModel.Lookups() {
            @Override
            public String realmUrl(InstallerConfig config) throws Exception {
                SsoPage.assertOffFx();
                return sso.links(config).realmUrl();
            }

            @Override
            public String contentDryRun(InstallerConfig config) {
                SsoPage.assertOffFx();
                try (StageContext ctx = contexts.apply(new Cancellation())) {
                    return new PortalStage().contentPlan(ctx).dryRun();
                }
            }
        };
    }

    @Override
    public Node inputs(StageViewModel stage, WizardViewModel wizard) {
        if (services == null) {
            return null;
        }
        PortalPageModel model = models.apply(services);
        stage.inputProblemProperty().bind(model.errorProperty());
        stage.statusProperty().addListener((o, was, now) -> {
            if (now == StageStatus.OK || now == StageStatus.WARNING) {
                model.succeeded();
            } else if (now == StageStatus.RUNNING || now == StageStatus.FAILED) {
                model.clearLink();
            }
        });
        if (config == null || lookups == null) {
            return view(model);
        }
        PortalReviewModel review = new PortalReviewModel(config, lookups, background, Platform::runLater);
        wizard.selectedProperty().addListener((o, was, now) -> {
            if (now == stage) {
                review.refreshSso();
            }
        });
        if (wizard.selectedProperty().get() == stage) {
            review.refreshSso();
        }
        return new VBox(12, view(model), review(review));
    }

    /** The SSO summary and the content changes. */
    public static Node review(PortalReviewModel review) {
        Label sso = new Label();
        sso.setId("portal-sso-summary");
        sso.setWrapText(true);
        sso.textProperty().bind(review.ssoSummaryProperty());
        Button show = new Button("Show content changes");
        show.setId("portal-show-content-changes");
        show.disableProperty().bind(review.computingProperty());
        show.setOnAction(e -> review.showContentChanges());
        Label busy = new Label("computing (read-only look-ups)...");
        busy.visibleProperty().bind(review.computingProperty());
        busy.managedProperty().bind(busy.visibleProperty());
        Label error = new Label();
        error.setId("portal-content-changes-error");
        error.setWrapText(true);
        error.setStyle("-fx-text-fill: -color-danger-fg;");
        error.textProperty().bind(review.contentErrorProperty());
        error.visibleProperty().bind(review.contentErrorProperty().isNotEmpty());
        error.managedProperty().bind(error.visibleProperty());
        TextArea diff = new TextArea();
        diff.setId("portal-content-changes");
        diff.setEditable(false);
        diff.setWrapText(false);
        diff.setPrefRowCount(12);
        diff.setStyle("-fx-font-family: monospace;");
        diff.textProperty().bind(review.contentDiffProperty());
        return new VBox(8, new Label("Sign-in (SSO)"), sso, new HBox(8, show, busy), error, diff);
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
        error.setStyle("-fx-text-fill: -color-danger-fg;");
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
