package dev.maas.installer.ui.view;

import atlantafx.base.theme.Styles;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;

/**
 * The welcome page's content: its title, what the installer does, how long it takes, Start and "I have installed
 * before", then (when given) the stages. One builder for the journey's welcome page ({@link JourneyView}) and the
 * window's opening frame ({@link OpeningView}), so that both show the same text in the same place. JavaFX only: the
 * opening frame builds it before anything else of the wizard exists.
 */
public final class WelcomeContent {
    /** The page title. */
    public static final String TITLE = "Set up Models as a Service";

    private WelcomeContent() { }

    /**
     * @param stages   the "What will be installed" list; null for none (the opening frame)
     * @param start    Start's action
     * @param comeBack "I have installed before"'s action
     * @return the content box ({@code #welcomePageContent}); the journey puts it in a scroll pane
     */
    public static VBox build(Node stages, Runnable start, Runnable comeBack) {
        Label t = new Label(TITLE);
        t.getStyleClass().add(Styles.TITLE_2);
        VBox box = new VBox(10, t);
        box.setId("welcomePageContent");
        box.setPadding(new Insets(16, 20, 16, 20));
        box.getChildren().add(wrapped("This installer puts Red Hat SSO (Keycloak) and Red Hat 3scale API Management"
                + " in front of the models served on your OpenShift AI cluster, so that developers sign in to a"
                + " developer portal, pick a model and get an API key. Each stage shows what it will change before"
                + " it changes anything, and you review everything before Apply all."));
        box.getChildren().add(wrapped("Time: about 20 to 40 minutes on a real cluster (most of it waiting for the"
                + " operators to install 3scale and Keycloak); a few minutes on the local sandbox. Every stage can be"
                + " run again later: nothing is done twice."));
        Button startButton = new Button("St_art");
        startButton.setId("welcomeStart");
        startButton.setAccessibleText("Start the first-time setup");
        startButton.getStyleClass().add(Styles.ACCENT);
        startButton.setDefaultButton(true);
        startButton.setOnAction(e -> start.run());
        Button comeBackButton = new Button("I have installed before: check _my cluster");
        comeBackButton.setId("welcomeComeBack");
        comeBackButton.setAccessibleText("I have installed before: connect and verify every stage");
        comeBackButton.setOnAction(e -> comeBack.run());
        box.getChildren().add(new HBox(10, startButton, comeBackButton));
        if (stages != null) {
            Label what = new Label("What will be installed, stage by stage");
            what.getStyleClass().add(Styles.TEXT_BOLD);
            box.getChildren().addAll(what, stages);
        }
        return box;
    }

    static Label wrapped(String text) {
        Label l = new Label(text);
        l.setWrapText(true);
        return l;
    }
}
