package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.ui.model.StageViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.scene.Node;
import javafx.scene.control.Alert;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;

import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The products or plans page: which models the stage works on, and the stage's own settings (products: credentials
 * location, concurrency; plans: plan name, subscribe existing accounts). Binds to a {@link ModelSettingsPageModel}.
 */
public final class ModelSettingsPage implements ConfigPage {
    public enum Kind { PRODUCTS, PLANS }

    private final String description;
    private final Kind kind;
    private final Function<PageServices, ModelSettingsPageModel> models;
    private final Predicate<String> confirm;
    private PageServices services;

    public ModelSettingsPage(String description, Kind kind) {
        this(description, kind, s -> new ModelSettingsPageModel(s.config(), kind == Kind.PRODUCTS
                ? ModelSettingsPageModel.Section.PRODUCTS : ModelSettingsPageModel.Section.PLANS));
    }

    public ModelSettingsPage(String description, Kind kind, Function<PageServices, ModelSettingsPageModel> models) {
        this(description, kind, models, ModelSettingsPage::confirmPrune);
    }

    /**
     * @param models  the page's model, made from the services the shell attaches the page to
     * @param confirm asks the user to confirm prune (the text says what it does); true when confirmed
     */
    public ModelSettingsPage(String description, Kind kind, Function<PageServices, ModelSettingsPageModel> models,
                             Predicate<String> confirm) {
        this.description = description;
        this.kind = kind;
        this.models = models;
        this.confirm = confirm;
    }

    @Override
    public String description() { return description; }

    @Override
    public void attach(PageServices services, Function<Cancellation, StageContext> contexts) {
        this.services = Objects.requireNonNull(services, "services");
    }

    @Override
    public Node inputs(StageViewModel stage, WizardViewModel wizard) {
        if (services == null) {
            return null;
        }
        ModelSettingsPageModel model = models.apply(services);
        stage.inputProblemProperty().bind(model.errorProperty());
        // the model list is edited on another page: refresh the summary whenever this page is shown
        wizard.selectedProperty().addListener((o, was, now) -> {
            if (now == stage) {
                model.refreshSummary();
            }
        });
        return view(model, kind, services.prune(), confirm);
    }

    public static Node view(ModelSettingsPageModel model, Kind kind) {
        return view(model, kind, null, ModelSettingsPage::confirmPrune);
    }

    /** Asks in a dialog whether to prune; true when the user confirmed. */
    static boolean confirmPrune(String text) {
        Alert alert = new Alert(Alert.AlertType.CONFIRMATION, text, ButtonType.OK, ButtonType.CANCEL);
        alert.setTitle("Delete products of models no longer listed?");
        alert.setHeaderText("Prune products in the next products run?");
        // owned by the wizard's window: shown over it, which keeps its size and maximised state
        javafx.stage.Window owner = javafx.stage.Window.getWindows().stream().filter(javafx.stage.Window::isFocused)
                .findFirst().orElse(null);
        if (owner != null) {
            alert.initOwner(owner);
        }
        return alert.showAndWait().filter(b -> b == ButtonType.OK).isPresent();
    }

    /**
     * @param prune the prune choice (products page: its prune box; plans page: "Also delete plans of removed
     *              tiers"); null shows no prune box
     * @param confirm asks the user to confirm {@link PruneChoice#WHAT_PRUNE_DOES}; true when confirmed (a dialog in
     *                the wizard)
     */
    public static Node view(ModelSettingsPageModel model, Kind kind, PruneChoice prune,
                            Predicate<String> confirm) {
        Label summary = new Label();
        summary.setId(kind == Kind.PRODUCTS ? "products-summary" : "plans-summary");
        summary.setWrapText(true);
        summary.textProperty().bind(model.summaryProperty());
        Label error = new Label();
        error.setId(kind == Kind.PRODUCTS ? "products-error" : "plans-error");
        error.setWrapText(true);
        error.setStyle("-fx-text-fill: -color-danger-fg;");
        error.textProperty().bind(model.errorProperty());
        VBox box = new VBox(8, summary);
        if (kind == Kind.PRODUCTS) {
            ComboBox<String> where = new ComboBox<>();
            where.setId("products-credentials-location");
            where.getItems().setAll(ModelSettingsPageModel.CREDENTIALS_LOCATIONS);
            where.valueProperty().bindBidirectional(model.credentialsLocationProperty());
            Spinner<Integer> concurrency = new Spinner<>(1, 32, model.concurrencyProperty().get());
            concurrency.setId("products-concurrency");
            concurrency.setEditable(true);
            concurrency.getValueFactory().valueProperty().bindBidirectional(model.concurrencyProperty());
            // porta config/locales/en.yml proxy.credentials_location; the key's name is auth_user_key
            // "Authorization" (ModelCatalog.AUTH_USER_KEY)
            Label whereHelp = new Label("Where callers put their API key. headers (recommended): the Authorization"
                    + " header, \"Bearer <key>\" as OpenAI clients send it ('Bearer ' is removed by the remove-bearer"
                    + " policy before 3scale checks the key). authorization: HTTP Basic authentication. query: a query"
                    + " or body parameter named Authorization, which ends up in logs.");
            whereHelp.setId("products-credentials-location-help");
            whereHelp.setWrapText(true);
            whereHelp.getStyleClass().addAll("field-help", atlantafx.base.theme.Styles.TEXT_MUTED);
            Label concurrencyHelp = new Label("How many model products the stage sets up at once (1 to 32, default"
                    + " 4). More is faster on a large list; fewer is gentler on a busy 3scale.");
            concurrencyHelp.setWrapText(true);
            concurrencyHelp.getStyleClass().addAll("field-help", atlantafx.base.theme.Styles.TEXT_MUTED);
            box.getChildren().addAll(new HBox(8, new Label("API key sent in:"), where), whereHelp,
                    PageSupport.advanced("products-advanced", "How many products are set up at the same time.",
                            new VBox(4, new HBox(8, new Label("Products set up at the same time:"), concurrency),
                                    concurrencyHelp)));
        } else {
            TextField plan = new TextField();
            plan.setId("plans-name");
            plan.textProperty().bindBidirectional(model.planNameProperty());
            CheckBox subscribe = new CheckBox("Subscribe the existing developer accounts to every model product");
            subscribe.setId("plans-subscribe-existing");
            subscribe.selectedProperty().bindBidirectional(model.subscribeExistingProperty());
            HBox single = new HBox(8, new Label("Application plan name:"), plan);
            single.setId("plans-single");
            // with tiers, each tier is a plan and plans.name is not used
            single.visibleProperty().bind(javafx.beans.binding.Bindings.isEmpty(model.tiers().tiers()));
            single.managedProperty().bind(single.visibleProperty());
            box.getChildren().addAll(single, subscribe, TiersView.of(model.tiers(), prune));
        }
        if (kind == Kind.PRODUCTS && prune != null) {
            box.getChildren().add(pruneBox(prune, confirm));
        }
        box.getChildren().add(error);
        return box;
    }

    private static Node pruneBox(PruneChoice prune, Predicate<String> confirm) {
        CheckBox box = new CheckBox("Delete products of models no longer listed (prune)");
        box.setId("products-prune");
        box.setSelected(prune.pruneProperty().get());
        prune.pruneProperty().addListener((o, was, now) -> box.setSelected(now));
        prune.pendingConfirmationProperty().addListener((o, was, now) -> {
            if (now) {
                // the dialog is shown after the click is handled, never from inside a layout pass
                javafx.application.Platform.runLater(() -> {
                    if (!prune.pendingConfirmationProperty().get()) {
                        return;
                    }
                    if (confirm.test(PruneChoice.WHAT_PRUNE_DOES)) {
                        prune.confirm();
                    } else {
                        prune.decline();
                    }
                });
            }
        });
        box.setOnAction(e -> {
            if (box.isSelected()) {
                box.setSelected(false); // stays off until confirmed
                prune.request();
            } else {
                prune.turnOff();
            }
        });
        Label note = new Label("Only for the next run that applies the products stage; then it is off again.");
        note.setWrapText(true);
        return new VBox(4, box, note);
    }
}
