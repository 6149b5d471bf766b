package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.ui.model.StageViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;

import java.io.File;
import java.util.Objects;
import java.util.function.Function;

/**
 * The backends page: the editable model list (name, system name, URL, OpenAPI file; add, remove, Browse), a
 * "Discover from cluster" action, and each row's problems next to it. Binds to a {@link ModelsPageModel}.
 */
public final class ModelsPage implements ConfigPage {
    private final String description;
    private final Function<PageServices, ModelsPageModel> models;
    private PageServices services;

    /** The page of the real wizard: its model reads and writes through the wizard's {@link PageServices}. */
    public ModelsPage(String description) {
        this(description, ModelsPageModel::new);
    }

    /** @param models the page's model, made from the services the shell attaches the page to */
    public ModelsPage(String description, Function<PageServices, ModelsPageModel> models) {
        this.description = description;
        this.models = models;
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
        ModelsPageModel model = models.apply(services);
        stage.inputProblemProperty().bind(model.problemProperty());
        return view(model);
    }

    /** The view of a model list. */
    public static Node view(ModelsPageModel model) {
        GridPane grid = new GridPane();
        grid.setId("models-table");
        grid.setHgap(6);
        grid.setVgap(4);
        Runnable rebuild = () -> fill(grid, model);
        model.rows().addListener((ListChangeListener<ModelsPageModel.Row>) c -> rebuild.run());
        rebuild.run();

        Button add = new Button("Add model");
        add.setId("models-add");
        add.setOnAction(e -> model.add());
        Button discover = new Button("Discover from cluster");
        discover.setId("models-discover");
        discover.disableProperty().bind(model.discoveringProperty());
        discover.setOnAction(e -> model.discover());
        Label status = new Label();
        status.setId("models-discovery-status");
        status.textProperty().bind(model.discoveryStatusProperty());
        Label problems = new Label();
        problems.setId("models-problems");
        problems.setWrapText(true);
        problems.textProperty().bind(model.problemsProperty());
        Label hint = new Label("No models listed means: the stages use the ready served models found on the cluster.");
        hint.setWrapText(true);
        VBox box = new VBox(8, new Label("Models"), hint, grid, new HBox(8, add, discover, status), problems);
        box.setPadding(new Insets(4, 0, 4, 0));
        return box;
    }

    private static void fill(GridPane grid, ModelsPageModel model) {
        grid.getChildren().clear();
        String[] headers = {"Name", "System name", "URL", "OpenAPI file"};
        for (int c = 0; c < headers.length; c++) {
            grid.add(new Label(headers[c]), c, 0);
        }
        int line = 1;
        for (int i = 0; i < model.rows().size(); i++) {
            ModelsPageModel.Row row = model.rows().get(i);
            grid.add(field(row.nameProperty(), "model-name-" + i, "display name"), 0, line);
            grid.add(field(row.systemNameProperty(), "model-system-name-" + i, "from the name"), 1, line);
            grid.add(field(row.urlProperty(), "model-url-" + i, "http://model.ns.svc.cluster.local:8080"), 2, line);
            TextField openapi = field(row.openapiProperty(), "model-openapi-" + i, "optional");
            grid.add(openapi, 3, line);
            Button browse = new Button("Browse...");
            browse.setId("model-browse-" + i);
            browse.setOnAction(e -> {
                FileChooser chooser = new FileChooser();
                chooser.setTitle("OpenAPI file of " + row.nameProperty().get());
                chooser.getExtensionFilters().addAll(
                        new FileChooser.ExtensionFilter("OpenAPI (json, yaml)", "*.json", "*.yaml", "*.yml"),
                        new FileChooser.ExtensionFilter("All files", "*"));
                File f = chooser.showOpenDialog(browse.getScene() == null ? null : browse.getScene().getWindow());
                if (f != null) {
                    row.openapiProperty().set(f.getAbsolutePath());
                }
            });
            grid.add(browse, 4, line);
            Button remove = new Button("Remove");
            remove.setId("model-remove-" + i);
            remove.setOnAction(e -> model.remove(row));
            grid.add(remove, 5, line);
            // in a narrow window the fields give way, the buttons keep their whole text
            browse.setMinWidth(Button.USE_PREF_SIZE);
            remove.setMinWidth(Button.USE_PREF_SIZE);
            line++;
            Label error = new Label();
            error.setId("model-error-" + i);
            error.setWrapText(true);
            error.setStyle("-fx-text-fill: -color-danger-fg;");
            error.textProperty().bind(row.errorProperty());
            error.visibleProperty().bind(row.errorProperty().isNotEmpty());
            error.managedProperty().bind(error.visibleProperty());
            grid.add(error, 0, line, 6, 1);
            line++;
        }
    }

    private static TextField field(javafx.beans.property.StringProperty p, String id, String prompt) {
        TextField f = new TextField();
        f.setId(id);
        f.setPromptText(prompt);
        f.textProperty().bindBidirectional(p);
        return f;
    }
}
