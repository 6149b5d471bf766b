package dev.maas.installer.ui.view;

import atlantafx.base.theme.Styles;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.ui.StagePage;
import dev.maas.installer.ui.model.StageViewModel;
import dev.maas.installer.ui.model.ThemeViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.css.PseudoClass;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;

import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The main window's content. Thin: it lays out controls and binds them to the {@link WizardViewModel}; every
 * decision lives in the view models.
 */
public final class MainView extends BorderPane {
    public static final String STYLESHEET =
            Objects.requireNonNull(MainView.class.getResource("/dev/maas/installer/ui/wizard.css")).toExternalForm();

    /** The sidebar's preferred and minimum width (the opening frame leaves the same room). */
    static final double SIDEBAR_WIDTH = 250;
    static final double SIDEBAR_MIN_WIDTH = 210;
    static final String THEME_TOGGLE_TEXT = "Dark theme";
    static final String SHORTCUTS_TEXT = "_Keyboard shortcuts";

    private final WizardViewModel model;
    private final Map<String, StagePage> pages;
    /** Built on first show (the window opens on the welcome or Connect page): see {@link #stagePage()}. */
    private StagePageView page;
    private final ProgressPane progress;
    /** Makes the Connect page on its first show; null for a window without one. */
    private final Supplier<? extends Node> connectPageFactory;
    private Node connectPage;
    private static final PseudoClass SELECTED = PseudoClass.getPseudoClass("selected");
    private ListView<StageViewModel> stageList;
    private final JourneyView journey;
    private Button connectNav;
    private HBox headerBar;
    private final LogPane logPane;
    private Button verifyAllButton;
    private ToggleButton themeToggle;
    private final ShortcutsHelp shortcuts = new ShortcutsHelp();
    private final StackPane centre = new StackPane();
    /** Builds the pages not shown yet ahead of their first show: see {@link #warmUpPages()}. */
    private final PageWarmer warmer = new PageWarmer(centre);

    /**
     * @param connectPage makes the Connect page, called once, when it is first shown (so that a window opening on
     *                    another page does not build it before its first frame); null for a window without one
     * @param journey     the guided journey's pages and Back/Next bar
     */
    public MainView(WizardViewModel model, Map<String, StagePage> pages, Supplier<? extends Node> connectPage,
                    JourneyView journey) {
        this.model = model;
        this.journey = java.util.Objects.requireNonNull(journey, "journey");
        this.pages = pages;
        this.connectPageFactory = connectPage;
        setId("mainView");
        getStylesheets().add(STYLESHEET);
        getStyleClass().add("main-view");

        setTop(header());
        setLeft(stageList());
        progress = new ProgressPane(model);
        logPane = new LogPane(model.log(), model.stages());
        VBox.setVgrow(logPane, Priority.ALWAYS);
        VBox bottom = new VBox(progress, logPane);
        bottom.getStyleClass().add("bottom-pane");
        centre.setId("pageHolder");
        model.pageProperty().addListener((o, a, b) -> showPage(b));
        showPage(model.page());
        VBox top = new VBox(centre, journey.bar());
        VBox.setVgrow(centre, Priority.ALWAYS);
        SplitPane split = new SplitPane(top, bottom);
        split.setOrientation(Orientation.VERTICAL);
        split.setDividerPositions(OpeningView.PAGE_SHARE);
        SplitPane.setResizableWithParent(bottom, false);
        // the log drawer closed: the bottom shrinks to the progress and the log's bar, the page takes the rest
        double[] openAt = {OpeningView.PAGE_SHARE};
        model.log().openProperty().addListener((o, was, open) -> {
            if (open) {
                bottom.setMaxHeight(Double.MAX_VALUE);
                split.setDividerPositions(openAt[0]);
            } else {
                openAt[0] = split.getDividers().get(0).getPosition();
                bottom.setMaxHeight(Region.USE_PREF_SIZE);
                split.setDividerPositions(1.0);
            }
        });
        setCenter(split);
        // the window's first focus goes to the page, not to the header's first button
        sceneProperty().addListener((o, was, scene) -> {
            if (scene != null) {
                focusPageOnNextPulse(scene);
            }
        });
    }

    /**
     * Builds every page not shown yet (the stage page and each stage's inputs, the Connect page, the journey's
     * review, apply, summary and overview pages) ahead of its first show, one small step at a time with the window
     * responsive in between ({@link PageWarmer}). The app calls it once its window is shown. FX thread.
     */
    public void warmUpPages() {
        warmer.add("stage page", this::stagePage);
        for (StageViewModel s : model.stages()) {
            warmer.add(s.id() + " inputs", () -> stagePage().inputsOf(s));
        }
        if (connectPageFactory != null) {
            warmer.add("Connect page", this::connectPage);
        }
        for (WizardViewModel.Page p : new WizardViewModel.Page[] {WizardViewModel.Page.REVIEW,
            WizardViewModel.Page.APPLY, WizardViewModel.Page.SUMMARY, WizardViewModel.Page.OVERVIEW}) {
            warmer.add(p.name().toLowerCase(java.util.Locale.ROOT) + " page", () -> journey.page(p));
        }
        warmer.start();
    }

    /**
     * The warm-up's steps so far, each with the CPU time it took the FX thread ("name: what", nanoseconds), in order:
     * what the FX stall benchmark reports.
     */
    public java.util.List<java.util.Map.Entry<String, Long>> warmUpCosts() {
        return warmer.costs().stream().map(c -> java.util.Map.entry(c.step(), c.cpuNanos())).toList();
    }

    /** True once {@link #warmUpPages()} has built every page. */
    public javafx.beans.property.ReadOnlyBooleanProperty pagesWarmProperty() { return warmer.doneProperty(); }

    private void focusPageOnNextPulse(Scene scene) {
        scene.addPostLayoutPulseListener(new Runnable() {
            @Override
            public void run() {
                scene.removePostLayoutPulseListener(this);
                if (getScene() == scene && focusIsNowhere(scene.getFocusOwner())) {
                    focusFirstOnPage();
                }
            }
        });
        javafx.application.Platform.requestNextPulse();
    }

    /** No focus yet, or only the one the scene gives its first control (the header's): not the user's choice. */
    private boolean focusIsNowhere(Node focused) {
        return focused == null || headerBar != null && FocusSupport.isInside(focused, headerBar);
    }

    private void focusFirstOnPage() {
        centre.applyCss();
        centre.layout();
        Node first = FocusSupport.firstFocusable(centre);
        if (first != null) {
            first.requestFocus();
        }
    }

    private Region header() {
        Label app = new Label("MaaS Installer");
        app.getStyleClass().addAll(Styles.TITLE_3, "app-title");
        Label connection = new Label();
        connection.setId("connection");
        connection.textProperty().bind(model.connectionText());
        connection.getStyleClass().add("connection");
        Label sandbox = new Label("SANDBOX: not a real cluster");
        sandbox.setId("sandboxBadge");
        sandbox.getStyleClass().add("sandbox-badge");
        sandbox.visibleProperty().bind(model.sandbox());
        sandbox.managedProperty().bind(sandbox.visibleProperty());
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        Button help = new Button(SHORTCUTS_TEXT);
        help.setId("shortcutsButton");
        help.getStyleClass().add(Styles.FLAT);
        help.setTooltip(new Tooltip("List every keyboard shortcut (F1)"));
        help.setOnAction(e -> showShortcuts());
        // something is being waited for (the sandbox starting, a connection): a spinner beside the connection
        javafx.scene.control.ProgressIndicator busy = new javafx.scene.control.ProgressIndicator();
        busy.setId("waitIndicator");
        busy.setPrefSize(18, 18);
        busy.setMaxSize(18, 18);
        busy.visibleProperty().bind(model.waits().activeProperty());
        busy.managedProperty().bind(busy.visibleProperty());
        Tooltip waitTip = new Tooltip();
        waitTip.textProperty().bind(model.waits().textProperty());
        busy.setTooltip(waitTip);
        HBox header = new HBox(14, app, spacer, sandbox, busy, connection, help);
        headerBar = header;
        header.setAlignment(Pos.CENTER_LEFT);
        header.setPadding(new Insets(10, 16, 10, 16));
        header.getStyleClass().add("header");
        return header;
    }

    private void showPage(WizardViewModel.Page which) {
        boolean connect = which == WizardViewModel.Page.CONNECT;
        Node own = journey.page(which);
        Node focused = getScene() == null ? null : getScene().getFocusOwner();
        // the focused button (Start, Apply all...) left with its page, or no control had the focus (or only the
        // header's first one, which the scene gives by default): the new page's first control takes the focus
        boolean focusOnPage = getScene() != null
                && (focused != null && FocusSupport.isInside(focused, centre) || focusIsNowhere(focused));
        Node shown = own != null ? own : connect && connectPageFactory != null ? connectPage() : stagePage();
        warmer.shown(shown);
        centre.getChildren().setAll(shown);
        if (shown instanceof javafx.scene.control.ScrollPane sp) {
            sp.setVvalue(sp.getVmin());   // a page opens at its title
        }
        Mnemonics.prune(getScene());
        if (focusOnPage) {
            focusFirstOnPage();
        }
        if (connectNav != null) {
            connectNav.pseudoClassStateChanged(SELECTED, connect);
        }
        if (connect || own != null) {
            stageList.getSelectionModel().clearSelection();
        } else if (model.selected() != null) {
            stageList.getSelectionModel().select(model.selected());
        }
    }

    /** The stage page (title, inputs, plan preview, checks), built on its first use. */
    private StagePageView stagePage() {
        if (page == null) {
            page = new StagePageView(model, pages);
        }
        return page;
    }

    /** The Connect page, made on its first use. */
    private Node connectPage() {
        if (connectPage == null) {
            connectPage = connectPageFactory.get();
        }
        return connectPage;
    }

    /** The first entry of the left list: "Connect", with the connection state under it. */
    private Button connectEntry() {
        Label name = new Label("Connect");
        name.getStyleClass().add("nav-title");
        Label state = new Label();
        state.setId("connectNavState");
        state.getStyleClass().add("nav-state");
        state.textProperty().bind(model.connectionText());
        state.setWrapText(false);
        state.setTextOverrun(javafx.scene.control.OverrunStyle.CENTER_ELLIPSIS);
        VBox text = new VBox(2, name, state);
        Button b = new Button(null, text);
        b.setId("connectNav");
        b.getStyleClass().add("nav-entry");
        b.setMaxWidth(Double.MAX_VALUE);
        b.setAlignment(Pos.CENTER_LEFT);
        b.setTooltip(new Tooltip("Choose the cluster: kubeconfig context, or API URL and token"));
        b.setOnAction(e -> model.showConnectPage());
        return b;
    }

    private Region stageList() {
        Label caption = new Label("Stages");
        caption.getStyleClass().add(Styles.TEXT_BOLD);
        ListView<StageViewModel> list = new ListView<>(model.stages());
        stageList = list;
        list.setId("stageList");
        list.setCellFactory(v -> new StageListCell());
        list.setTooltip(new Tooltip("Up/Down shows a stage, Enter goes into its page, Shift+F10 opens its menu"
                + " (Ctrl+1..9 jumps to a stage)"));
        list.addEventHandler(KeyEvent.KEY_PRESSED, e -> {
            if (e.getCode() == KeyCode.ENTER && list.getSelectionModel().getSelectedItem() != null) {
                model.selectedProperty().set(list.getSelectionModel().getSelectedItem());
                model.showStagePage();
                stagePage().focusFirst();
                e.consume();
            }
        });
        list.getSelectionModel().select(model.selected());
        list.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (b != null) {
                model.selectedProperty().set(b);
                model.showStagePage();
            }
        });
        model.selectedProperty().addListener((o, a, b) -> {
            if (model.page() == WizardViewModel.Page.STAGE) {
                list.getSelectionModel().select(b);
            }
        });
        VBox.setVgrow(list, Priority.ALWAYS);

        Button planAll = allButton("Pla_n all", "planAllButton", Operation.PLAN, "Plan every stage, in order");
        Button applyAll = allButton("Apply a_ll", "applyAllButton", Operation.APPLY,
                "Review what every stage will change, then apply them all after one confirmation");
        Button verifyAll = allButton("Ver_ify all", "verifyAllButton", Operation.VERIFY,
                "Verify every stage against the live systems (F5)");
        verifyAllButton = verifyAll;
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox header = new HBox(6, caption, gap, journey.refreshButton());
        header.setAlignment(Pos.CENTER_LEFT);
        list.setContextMenu(journey.stageMenu(list));
        ContextMenuKeys.install(list); // Shift+F10 and the Menu key open it on the selected stage
        // why the buttons above are off: a field shown invalid stops every stage it feeds
        Label blocked = new Label();
        blocked.setId("allBlockedReason");
        blocked.setWrapText(true);
        blocked.getStyleClass().add("field-error");
        blocked.textProperty().bind(model.allBlockedReason());
        blocked.visibleProperty().bind(model.allBlockedReason().isNotEmpty());
        blocked.managedProperty().bind(blocked.visibleProperty());
        blocked.setMinHeight(Region.USE_PREF_SIZE);
        // why they are off otherwise (not connected yet, the sandbox still starting, a run going), in plain words
        Label unavailable = new Label();
        unavailable.setId("allUnavailableReason");
        unavailable.setWrapText(true);
        unavailable.getStyleClass().add(Styles.TEXT_MUTED);
        unavailable.textProperty().bind(model.allUnavailableReason());
        unavailable.visibleProperty().bind(model.allUnavailableReason().isNotEmpty()
                .and(model.allBlockedReason().isEmpty()));
        unavailable.managedProperty().bind(unavailable.visibleProperty());
        unavailable.setMinHeight(Region.USE_PREF_SIZE);
        VBox box = new VBox(8, header, list, journey.rerunButton(list), planAll, applyAll, verifyAll, blocked,
                unavailable);
        if (connectPageFactory != null) {
            Label clusterCaption = new Label("Cluster");
            clusterCaption.getStyleClass().add(Styles.TEXT_BOLD);
            connectNav = connectEntry();
            box.getChildren().addAll(0, java.util.List.of(clusterCaption, connectNav));
        }
        box.setPadding(new Insets(12));
        box.setPrefWidth(SIDEBAR_WIDTH);
        box.setMinWidth(SIDEBAR_MIN_WIDTH);
        box.getStyleClass().add("stage-sidebar");
        return box;
    }

    private Button allButton(String text, String id, Operation op, String tip) {
        Button b = new Button(text);
        b.setId(id);
        b.setMaxWidth(Double.MAX_VALUE);
        // enabled only when they can work (connected, no run going, no invalid field); the tooltip says why not
        Tooltip tooltip = new Tooltip();
        tooltip.textProperty().bind(javafx.beans.binding.Bindings.when(model.allUnavailableReason().isEmpty())
                .then(tip).otherwise(model.allUnavailableReason()));
        b.setTooltip(tooltip);
        b.disableProperty().bind(model.allUnavailableReason().isNotEmpty());
        if (op == Operation.APPLY) {
            // every Apply all goes through the review page and its one confirmation naming the cluster
            b.setOnAction(e -> journey.reviewForApply());
        } else {
            b.setOnAction(e -> model.runAll(op));
        }
        return b;
    }

    /**
     * Keyboard shortcuts (besides the Alt mnemonics): Ctrl+Shift+P/A/V for Plan/Apply/Verify, Esc for Cancel while a
     * run is going, Ctrl+1..9 to show a stage, Ctrl+0 for the Connect page, F5 to verify every stage, Ctrl+L for the
     * log filter, Ctrl+Shift+D for the dark theme (once {@link #installThemeToggle} was called), F1 to list them all.
     */
    public void installAccelerators(Scene scene) {
        shortcut(scene, new KeyCodeCombination(KeyCode.P, KeyCombination.SHORTCUT_DOWN, KeyCombination.SHIFT_DOWN),
                "Plan the shown stage", () -> onStagePage(() -> stagePage().plan));
        shortcut(scene, new KeyCodeCombination(KeyCode.A, KeyCombination.SHORTCUT_DOWN, KeyCombination.SHIFT_DOWN),
                "Apply the shown stage", () -> onStagePage(() -> stagePage().apply));
        shortcut(scene, new KeyCodeCombination(KeyCode.V, KeyCombination.SHORTCUT_DOWN, KeyCombination.SHIFT_DOWN),
                "Verify the shown stage", () -> onStagePage(() -> stagePage().verify));
        shortcut(scene, new KeyCodeCombination(KeyCode.ESCAPE), "Cancel the run (while one is going)", () -> {
            if (model.run().isRunning()) {
                progress.cancel.fire();
            }
        });
        installMoreAccelerators(scene);
    }

    /**
     * Focus scrolling, Tab order and the navigation shortcuts (F5, Ctrl+0..9, Ctrl+L, Ctrl+Shift+D, F1); see
     * {@link #installAccelerators}.
     */
    private void installMoreAccelerators(Scene scene) {
        FocusScroller.install(scene);
        TabTraversal.install(scene);
        shortcut(scene, new KeyCodeCombination(KeyCode.F5), "Refresh: verify every stage against the live systems",
                () -> verifyAllButton.fire());
        if (connectPageFactory != null) {
            shortcut(scene, new KeyCodeCombination(KeyCode.DIGIT0, KeyCombination.SHORTCUT_DOWN),
                    "Show the Connect page", () -> {
                        model.showConnectPage();
                        connectNav.requestFocus();
                    });
        }
        KeyCode[] digits = {KeyCode.DIGIT1, KeyCode.DIGIT2, KeyCode.DIGIT3, KeyCode.DIGIT4, KeyCode.DIGIT5,
            KeyCode.DIGIT6, KeyCode.DIGIT7, KeyCode.DIGIT8, KeyCode.DIGIT9};
        for (int i = 0; i < digits.length; i++) {
            int index = i;
            KeyCodeCombination keys = new KeyCodeCombination(digits[i], KeyCombination.SHORTCUT_DOWN);
            scene.getAccelerators().put(keys, () -> showStage(index));
        }
        shortcuts.add(new KeyCodeCombination(KeyCode.DIGIT1, KeyCombination.SHORTCUT_DOWN),
                "Show stage 1 (Ctrl+2 stage 2, ... up to 9)");
        shortcut(scene, new KeyCodeCombination(KeyCode.L, KeyCombination.SHORTCUT_DOWN), "Go to the log's filters",
                () -> logPane.stageFilter.requestFocus());
        if (themeToggle != null) {
            shortcut(scene, new KeyCodeCombination(KeyCode.D, KeyCombination.SHORTCUT_DOWN, KeyCombination.SHIFT_DOWN),
                    "Switch between the light and the dark theme", themeToggle::fire);
        }
        shortcut(scene, new KeyCodeCombination(KeyCode.F1), "List the keyboard shortcuts", this::showShortcuts);
    }

    private void shortcut(Scene scene, KeyCombination keys, String description, Runnable action) {
        scene.getAccelerators().put(keys, action);
        shortcuts.add(keys, description);
    }

    /** Shows the stage at {@code index} of the list (if there is one) and puts the focus on the list. */
    private void showStage(int index) {
        if (index < model.stages().size()) {
            model.selectedProperty().set(model.stages().get(index));
            model.showStagePage();
            stageList.getSelectionModel().select(index);
            stageList.getFocusModel().focus(index);
            stageList.requestFocus();
        }
    }

    /** The "Keyboard shortcuts" dialog (F1); returns it so that tests can read and close it. */
    public Dialog<ButtonType> showShortcuts() {
        return shortcuts.show(getScene() == null ? null : getScene().getWindow());
    }

    /**
     * Adds the "Dark theme" toggle to the header, bound to {@code theme} (call before {@link #installAccelerators},
     * which then adds Ctrl+Shift+D). Applying the theme is the caller's business.
     */
    public void installThemeToggle(ThemeViewModel theme) {
        if (themeToggle != null) {
            return;
        }
        // no Alt mnemonic: a mnemonic only sends an ActionEvent, which does not toggle a ToggleButton
        themeToggle = new ToggleButton(THEME_TOGGLE_TEXT);
        themeToggle.setId("themeToggle");
        themeToggle.setTooltip(new Tooltip("Switch between the light and the dark theme (Ctrl+Shift+D)"));
        themeToggle.selectedProperty().bindBidirectional(theme.darkProperty());
        headerBar.getChildren().add(headerBar.getChildren().size() - 1, themeToggle);
    }

    private void onStagePage(Supplier<Button> b) {
        if (model.page() == WizardViewModel.Page.STAGE) {
            b.get().fire();
        }
    }
}
