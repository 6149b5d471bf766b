package dev.maas.installer.ui.view;

import atlantafx.base.theme.Styles;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ToggleButton;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;

/**
 * The window's opening frame: the main window's header and the welcome page's text and buttons
 * ({@link WelcomeContent}), laid out where {@link MainView} puts them, with the sidebar and the bottom panes' areas
 * left empty. The app shows it first, so that its first frame needs JavaFX and a few labels only; right after that
 * frame it builds the wizard (view models, stages, {@link MainView}) and puts the main view in its place (see
 * {@code WizardApp}). The wizard handles no input before then: the JavaFX thread builds the main view in the task
 * that follows the first frame, so a click or key press is handled by the main view, at the same place.
 * <p>
 * JavaFX and the JDK only, no view model: nothing of the engine loads for it.
 */
public final class OpeningView extends BorderPane {
    /** The same share of the height as the main view's split between the page and the progress and log panes. */
    static final double PAGE_SHARE = 0.64;

    /**
     * @param dark the theme the window opens in (the header's "Dark theme" toggle shows it)
     */
    public OpeningView(boolean dark) {
        setId("openingView");
        getStylesheets().add(MainView.STYLESHEET);
        getStyleClass().add("main-view");
        setTop(header(dark));

        Region sidebar = new Region();
        sidebar.getStyleClass().add("stage-sidebar");
        sidebar.setPrefWidth(MainView.SIDEBAR_WIDTH);
        sidebar.setMinWidth(MainView.SIDEBAR_MIN_WIDTH);
        setLeft(sidebar);

        VBox welcome = WelcomeContent.build(null, () -> { }, () -> { });
        StackPane page = new StackPane(welcome);
        page.setAlignment(Pos.TOP_LEFT);
        page.setId("openingPage");
        page.setMinHeight(0);
        // the bottom area comes after the page and is opaque: it covers whatever of the page does not fit above it
        Region bottom = new Region();
        bottom.getStyleClass().add("bottom-pane");
        bottom.setMinHeight(0);
        VBox centre = new VBox(page, bottom);
        centre.heightProperty().addListener((o, old, height) ->
                page.setPrefHeight(height.doubleValue() * PAGE_SHARE));
        VBox.setVgrow(bottom, Priority.ALWAYS);
        setCenter(centre);
    }

    private static Region header(boolean dark) {
        Label app = new Label("MaaS Installer");
        app.getStyleClass().addAll(Styles.TITLE_3, "app-title");
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        Label connection = new Label(dev.maas.installer.ui.model.WizardViewModel.NOT_CONNECTED);
        connection.getStyleClass().add("connection");
        ToggleButton theme = new ToggleButton(MainView.THEME_TOGGLE_TEXT);
        theme.setSelected(dark);
        Button help = new Button(MainView.SHORTCUTS_TEXT);
        help.getStyleClass().add(Styles.FLAT);
        HBox header = new HBox(14, app, spacer, connection, theme, help);
        header.setAlignment(Pos.CENTER_LEFT);
        header.setPadding(new Insets(10, 16, 10, 16));
        header.getStyleClass().add("header");
        return header;
    }
}
