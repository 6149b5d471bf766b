package dev.maas.installer.ui.view;

import atlantafx.base.theme.Styles;
import dev.maas.installer.cluster.CertificateInfo;
import dev.maas.installer.cluster.KubeContext;
import dev.maas.installer.ui.model.ConfigViewModel;
import dev.maas.installer.ui.model.ConnectionViewModel;
import dev.maas.installer.ui.model.SandboxViewModel;
import dev.maas.installer.ui.model.ConnectionViewModel.Mode;
import dev.maas.installer.ui.model.ConnectionViewModel.State;
import javafx.beans.binding.Bindings;
import javafx.geometry.HPos;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.PasswordField;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.RadioButton;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TextField;
import javafx.scene.control.TitledPane;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;

import java.io.File;
import java.nio.file.Path;

/**
 * The Connect page: thin, every decision is in the {@link ConnectionViewModel}. Kubeconfig file and context picker
 * (the file is read off the FX thread; Connect waits for it), or API URL and token (a password field); CA file and proxy; Connect with a spinner; the outcome, and for an
 * untrusted certificate its details and the "Trust this certificate" button.
 */
public final class ConnectionView extends ScrollPane {
    private final ConnectionViewModel model;

    public ConnectionView(ConnectionViewModel model) {
        this(model, null, null);
    }

    /**
     * @param sandbox "Use the local sandbox" and its progress; null for a page without it
     * @param config  the configuration file in use and "Load config…"; null for a page without it
     */
    public ConnectionView(ConnectionViewModel model, SandboxViewModel sandbox, ConfigViewModel config) {
        this.model = model;
        setId("connectPage");
        setFitToWidth(true);
        getStyleClass().add("stage-page");

        Label title = new Label("Connect to your cluster");
        title.setId("connectTitle");
        title.getStyleClass().add(Styles.TITLE_2);
        Label intro = new Label("Choose how the installer reaches your OpenShift cluster. TLS is always verified;"
                + " a cluster with a private CA needs its CA file or an explicitly trusted certificate.");
        intro.setWrapText(true);
        intro.getStyleClass().add(Styles.TEXT_MUTED);

        ToggleGroup modes = new ToggleGroup();
        RadioButton byKubeconfig = new RadioButton("Kubeconfig context");
        byKubeconfig.setId("modeKubeconfig");
        byKubeconfig.setToggleGroup(modes);
        RadioButton byToken = new RadioButton("API URL and token");
        byToken.setId("modeToken");
        byToken.setToggleGroup(modes);
        byKubeconfig.setSelected(model.modeProperty().get() == Mode.KUBECONFIG);
        byToken.setSelected(model.modeProperty().get() == Mode.TOKEN);
        modes.selectedToggleProperty().addListener((o, a, b) -> {
            if (b != null) {
                model.modeProperty().set(b == byToken ? Mode.TOKEN : Mode.KUBECONFIG);
            }
        });
        model.modeProperty().addListener((o, a, b) -> modes.selectToggle(b == Mode.TOKEN ? byToken : byKubeconfig));
        HBox modeRow = new HBox(20, byKubeconfig, byToken);

        VBox content = new VBox(12, title, intro);
        if (sandbox != null) {
            content.getChildren().add(sandboxRow(sandbox));
        }
        if (config != null) {
            content.getChildren().add(configRow(config));
        }
        content.getChildren().addAll(modeRow, kubeconfigForm(), tokenForm(), commonForm(), actions(), outcome());
        content.setPadding(new Insets(16, 20, 16, 20));
        content.setMaxWidth(920);
        setContent(content);
    }

    /** "Use the local sandbox", with a spinner and its status while it starts. */
    private VBox sandboxRow(SandboxViewModel sandbox) {
        Button use = new Button("_Use the local sandbox");
        use.setId("useSandboxButton");
        use.setTooltip(new Tooltip("Starts a simulated OpenShift cluster on this computer (no real cluster needed),"
                + " uses its configuration and connects to it. It stops when the wizard closes."));
        use.disableProperty().bind(sandbox.starting().or(model.busyProperty()));
        use.setOnAction(e -> sandbox.useSandbox());
        ProgressIndicator spinner = new ProgressIndicator();
        spinner.setId("sandboxSpinner");
        spinner.setPrefSize(20, 20);
        spinner.setMaxSize(20, 20);
        spinner.visibleProperty().bind(sandbox.starting());
        spinner.managedProperty().bind(spinner.visibleProperty());
        Label status = new Label();
        status.setId("sandboxStatus");
        status.setWrapText(true);
        status.textProperty().bind(sandbox.statusTextProperty());
        sandbox.stateProperty().addListener((o, a, b) -> {
            status.getStyleClass().remove(Styles.DANGER);
            if (b == SandboxViewModel.State.FAILED) {
                status.getStyleClass().add(Styles.DANGER);
            }
        });
        Label hint = new Label("No cluster at hand? The local sandbox is a simulated OpenShift cluster on this"
                + " computer, for trying every stage.");
        hint.setWrapText(true);
        hint.getStyleClass().add(Styles.TEXT_MUTED);
        hint.visibleProperty().bind(sandbox.statusTextProperty().isEmpty());
        hint.managedProperty().bind(hint.visibleProperty());
        use.setMinWidth(Region.USE_PREF_SIZE);
        HBox row = new HBox(10, use, spinner, status, hint);
        row.setAlignment(Pos.CENTER_LEFT);
        HBox.setHgrow(status, Priority.ALWAYS);
        HBox.setHgrow(hint, Priority.ALWAYS);
        VBox box = new VBox(6, row);
        box.setId("sandboxBox");
        return box;
    }

    /** The configuration file the runs use, "Load config…", and why a file could not be used. */
    private VBox configRow(ConfigViewModel config) {
        Label caption = new Label("Configuration");
        caption.setMinWidth(110);
        Label file = new Label();
        file.setId("configFile");
        file.setWrapText(true);
        file.textProperty().bind(config.fileTextProperty());
        Button load = new Button("Load confi_g…");
        load.setId("loadConfigButton");
        load.setTooltip(new Tooltip("Use your maas-installer.yaml for the runs"));
        load.disableProperty().bind(config.loadingProperty());
        load.setOnAction(e -> {
            java.nio.file.Path current = config.fileProperty().get();
            File f = chooseFile("Choose a configuration file (maas-installer.yaml)",
                    current == null ? null : current.toString(), "MaaS Installer configuration", "*.yaml", "*.yml");
            if (f != null) {
                config.load(f.toPath().toAbsolutePath());
            }
        });
        load.setMinWidth(Region.USE_PREF_SIZE);
        HBox row = new HBox(10, caption, file, load);
        row.setAlignment(Pos.CENTER_LEFT);
        HBox.setHgrow(file, Priority.ALWAYS);
        file.setMaxWidth(Double.MAX_VALUE);
        Label errors = new Label();
        errors.setId("configErrors");
        errors.setWrapText(true);
        errors.getStyleClass().add(Styles.DANGER);
        errors.textProperty().bind(Bindings.concat("This file cannot be used:\n", config.errorsProperty()));
        errors.visibleProperty().bind(config.errorsProperty().isNotEmpty());
        errors.managedProperty().bind(errors.visibleProperty());
        VBox box = new VBox(6, row, errors);
        box.setId("configBox");
        return box;
    }

    private GridPane kubeconfigForm() {
        TextField path = new TextField();
        path.setId("kubeconfigPath");
        path.textProperty().bindBidirectional(model.kubeconfigPathProperty());
        path.setOnAction(e -> model.loadContexts());
        path.focusedProperty().addListener((o, a, focused) -> {
            if (!focused) {
                model.loadContexts();
            }
        });
        Button browse = new Button("Browse…");
        browse.setId("kubeconfigBrowse");
        browse.setOnAction(e -> {
            File f = chooseFile("Choose a kubeconfig file", model.kubeconfigPathProperty().get());
            if (f != null) {
                model.kubeconfigPathProperty().set(f.getAbsolutePath());
                model.loadContexts();
            }
        });

        ComboBox<KubeContext> contexts = new ComboBox<>(model.contexts());
        contexts.setId("contextPicker");
        contexts.setMaxWidth(Double.MAX_VALUE);
        contexts.setCellFactory(v -> new ContextCell());
        contexts.setButtonCell(new ContextCell());
        contexts.valueProperty().bindBidirectional(model.selectedContextProperty());
        contexts.promptTextProperty().bind(Bindings.when(model.readingContextsProperty())
                .then("reading the kubeconfig file…").otherwise("no context"));
        Label contextsMessage = new Label();
        contextsMessage.setId("contextsMessage");
        contextsMessage.setWrapText(true);
        contextsMessage.getStyleClass().add(Styles.TEXT_MUTED);
        contextsMessage.textProperty().bind(Bindings.createStringBinding(() -> {
            KubeContext c = model.selectedContextProperty().get();
            String counted = model.contextsMessageProperty().get();
            if (c == null) {
                return counted;
            }
            return "Cluster " + (c.clusterUrl() == null ? "?" : c.clusterUrl())
                    + "  ·  user " + (c.user() == null ? "?" : c.user())
                    + "  ·  namespace " + (c.namespace() == null || c.namespace().isBlank() ? "(none)" : c.namespace())
                    + "  ·  " + counted;
        }, model.selectedContextProperty(), model.contextsMessageProperty()));

        GridPane grid = form();
        grid.setId("kubeconfigForm");
        grid.addRow(0, new Label("Kubeconfig file"), path, browse);
        grid.addRow(1, new Label("Context"), contexts);
        GridPane.setColumnSpan(contexts, 2);
        grid.add(contextsMessage, 1, 2, 2, 1);
        grid.visibleProperty().bind(model.modeProperty().isEqualTo(Mode.KUBECONFIG));
        grid.managedProperty().bind(grid.visibleProperty());
        return grid;
    }

    private GridPane tokenForm() {
        TextField url = new TextField();
        url.setId("apiUrl");
        url.setPromptText("https://api.cluster.example.com:6443");
        url.textProperty().bindBidirectional(model.apiUrlProperty());
        PasswordField token = new PasswordField();
        token.setId("token");
        token.setPromptText("from `oc whoami -t` or the web console's \"Copy login command\"");
        token.textProperty().bindBidirectional(model.tokenProperty());
        GridPane grid = form();
        grid.setId("tokenForm");
        grid.addRow(0, new Label("API URL"), url);
        grid.addRow(1, new Label("Token"), token);
        GridPane.setColumnSpan(url, 2);
        GridPane.setColumnSpan(token, 2);
        grid.visibleProperty().bind(model.modeProperty().isEqualTo(Mode.TOKEN));
        grid.managedProperty().bind(grid.visibleProperty());
        return grid;
    }

    private TitledPane commonForm() {
        TextField ca = new TextField();
        ca.setId("caFile");
        ca.setPromptText("optional: PEM file of the cluster's CA");
        ca.textProperty().bindBidirectional(model.caFileProperty());
        Button browse = new Button("Browse…");
        browse.setId("caBrowse");
        browse.setOnAction(e -> {
            File f = chooseFile("Choose the cluster's CA certificate (PEM)", model.caFileProperty().get());
            if (f != null) {
                model.caFileProperty().set(f.getAbsolutePath());
            }
        });
        TextField proxy = new TextField();
        proxy.setId("proxyUrl");
        proxy.setPromptText("direct (no proxy); e.g. http://proxy.example.com:3128");
        proxy.textProperty().bindBidirectional(model.proxyUrlProperty());
        TextField noProxy = new TextField();
        noProxy.setId("noProxy");
        noProxy.setPromptText("hosts reached directly, comma separated, e.g. .cluster.local,10.0.0.0");
        noProxy.textProperty().bindBidirectional(model.noProxyProperty());
        GridPane grid = form();
        grid.addRow(0, new Label("CA file"), ca, browse);
        grid.addRow(1, new Label("HTTPS proxy"), proxy);
        grid.addRow(2, new Label("No proxy for"), noProxy);
        GridPane.setColumnSpan(proxy, 2);
        GridPane.setColumnSpan(noProxy, 2);
        TitledPane pane = new TitledPane("CA file and proxy (optional)", grid);
        pane.setId("advancedPane");
        pane.getStyleClass().add(Styles.DENSE);
        // open when something is set already (a proxy from the environment), so the user sees what is used
        pane.setExpanded(!model.proxyUrlProperty().get().isBlank() || !model.caFileProperty().get().isBlank());
        return pane;
    }

    private HBox actions() {
        Button connect = new Button("_Connect");
        connect.setId("connectButton");
        connect.getStyleClass().add(Styles.ACCENT);
        connect.setDefaultButton(true);
        connect.disableProperty().bind(model.busyProperty().or(model.readingContextsProperty()
                .and(model.modeProperty().isEqualTo(Mode.KUBECONFIG))));
        connect.setOnAction(e -> model.connect());
        Button disconnect = new Button("Disconnec_t");
        disconnect.setId("disconnectButton");
        disconnect.visibleProperty().bind(model.stateProperty().isEqualTo(State.CONNECTED));
        disconnect.managedProperty().bind(disconnect.visibleProperty());
        disconnect.setOnAction(e -> model.disconnect());
        ProgressIndicator spinner = new ProgressIndicator();
        spinner.setId("connectSpinner");
        spinner.setPrefSize(20, 20);
        spinner.setMaxSize(20, 20);
        spinner.visibleProperty().bind(model.busyProperty());
        spinner.managedProperty().bind(spinner.visibleProperty());
        Label status = new Label();
        status.setId("connectStatus");
        status.setWrapText(true);
        status.textProperty().bind(model.statusTextProperty());
        status.getStyleClass().add("connect-status");
        model.stateProperty().addListener((o, a, b) -> styleStatus(status, b));
        styleStatus(status, model.state());
        connect.setMinWidth(Region.USE_PREF_SIZE);
        disconnect.setMinWidth(Region.USE_PREF_SIZE);
        HBox row = new HBox(10, connect, disconnect, spinner, status);
        row.setAlignment(Pos.CENTER_LEFT);
        HBox.setHgrow(status, Priority.ALWAYS);
        return row;
    }

    private static void styleStatus(Label status, State state) {
        status.getStyleClass().removeAll(Styles.SUCCESS, Styles.DANGER);
        if (state == State.CONNECTED) {
            status.getStyleClass().add(Styles.SUCCESS);
        } else if (state == State.FAILED) {
            status.getStyleClass().add(Styles.DANGER);
        }
    }

    private VBox outcome() {
        Label message = new Label();
        message.setId("connectError");
        message.setWrapText(true);
        message.textProperty().bind(model.errorMessageProperty());
        Label fix = new Label();
        fix.setId("connectFix");
        fix.setWrapText(true);
        fix.getStyleClass().add("stage-fix");
        fix.textProperty().bind(Bindings.concat("What to do: ", model.errorFixProperty()));
        fix.visibleProperty().bind(model.errorFixProperty().isNotEmpty());
        fix.managedProperty().bind(fix.visibleProperty());

        GridPane details = form();
        details.setId("certificateDetails");
        Button trust = new Button();
        trust.setId("trustButton");
        trust.getStyleClass().add(Styles.DANGER);
        trust.textProperty().bind(Bindings.concat("Trust this certificate for ", model.certificateUrlProperty()));
        trust.setTooltip(new Tooltip("Only if the fingerprint matches the one your cluster administrator gave you."
                + " It is remembered for this cluster URL."));
        trust.disableProperty().bind(model.busyProperty());
        trust.setOnAction(e -> model.trustAndReconnect());
        Label certCaption = new Label("The server presented this certificate:");
        certCaption.getStyleClass().add(Styles.TEXT_BOLD);
        VBox certBox = new VBox(8, certCaption, details, trust);
        certBox.setId("certificateBox");
        certBox.getStyleClass().add("certificate-box");
        certBox.visibleProperty().bind(model.certificateProperty().isNotNull());
        certBox.managedProperty().bind(certBox.visibleProperty());
        model.certificateProperty().addListener((o, a, c) -> showCertificate(details, c));
        // bring the outcome into view: it is what the user has to read (and, for a certificate, decide on) next
        model.stateProperty().addListener((o, a, b) -> {
            if (b == State.FAILED) {
                applyCss();
                layout();
                setVvalue(getVmax());
            }
        });

        VBox box = new VBox(10, message, fix, certBox);
        box.visibleProperty().bind(model.errorMessageProperty().isNotEmpty());
        box.managedProperty().bind(box.visibleProperty());
        return box;
    }

    private static void showCertificate(GridPane details, CertificateInfo c) {
        details.getChildren().clear();
        if (c == null) {
            return;
        }
        int row = 0;
        for (String[] line : ConnectionViewModel.certificateDetails(c)) {
            Label value = new Label(line[1]);
            value.setId("cert" + line[0].replace("-", ""));
            value.setWrapText(true);
            if (line[0].equals("SHA-256")) {
                value.getStyleClass().add("fingerprint");
            }
            details.addRow(row++, new Label(line[0]), value);
            GridPane.setColumnSpan(value, 2);
        }
    }

    private static GridPane form() {
        GridPane grid = new GridPane();
        grid.setHgap(10);
        grid.setVgap(8);
        ColumnConstraints labels = new ColumnConstraints(110);
        labels.setHalignment(HPos.LEFT);
        ColumnConstraints fields = new ColumnConstraints();
        fields.setHgrow(Priority.ALWAYS);
        fields.setMinWidth(200);
        grid.getColumnConstraints().addAll(labels, fields, new ColumnConstraints());
        return grid;
    }

    private File chooseFile(String title, String current) {
        return chooseFile(title, current, null);
    }

    private File chooseFile(String title, String current, String filterName, String... patterns) {
        FileChooser chooser = new FileChooser();
        chooser.setTitle(title);
        if (filterName != null) {
            chooser.getExtensionFilters().addAll(new FileChooser.ExtensionFilter(filterName, patterns),
                    new FileChooser.ExtensionFilter("All files", "*"));
        }
        if (current != null && !current.isBlank()) {
            File dir = Path.of(current.trim()).toAbsolutePath().getParent().toFile();
            if (dir.isDirectory()) {
                chooser.setInitialDirectory(dir);
            }
        }
        return chooser.showOpenDialog(getScene() == null ? null : getScene().getWindow());
    }

    /** A context as "name — user @ url (namespace)". */
    private static final class ContextCell extends ListCell<KubeContext> {
        @Override
        protected void updateItem(KubeContext item, boolean empty) {
            super.updateItem(item, empty);
            setText(empty || item == null ? null : item.label() + (item.current() ? "  (current)" : ""));
        }
    }
}
