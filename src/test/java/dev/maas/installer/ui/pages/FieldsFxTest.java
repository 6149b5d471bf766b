package dev.maas.installer.ui.pages;

import atlantafx.base.theme.PrimerLight;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.ui.WizardShell;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.application.Application;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.control.TitledPane;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stage pages' fields (issue 17, rule 9): every choice explained in place, errors in the screen's words next to
 * their field (and in the sidebar with the page's name), fields that keep their width when an error appears, and
 * the advanced settings under a closed "Advanced" expander that opens to show an error inside it.
 */
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class FieldsFxTest {
    private WizardShell shell;
    private WizardViewModel model;

    private static Stage stage(String id) {
        return new Stage() {
            @Override public String id() { return id; }

            @Override public String title() { return "Stage " + id; }

            @Override public List<String> dependencies() { return List.of(); }

            @Override public List<Change> plan(StageContext ctx) { return List.of(); }

            @Override public List<Change> apply(StageContext ctx, Progress p) { return List.of(); }

            @Override public List<Check> verify(StageContext ctx) { return List.of(); }
        };
    }

    @Start
    void start(javafx.stage.Stage window) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        shell = WizardShell.builder().stages(List.of(stage(StageIds.SSO), stage(StageIds.THREESCALE),
                stage(StageIds.BACKENDS), stage(StageIds.PRODUCTS))).build();
        model = shell.model();
        window.setScene(shell.scene(1280, 768));
        window.show();
    }

    @AfterEach
    void tearDown() {
        shell.close();
    }

    @Test
    void everyChoiceIsExplainedInPlace(FxRobot robot) {
        robot.interact(() -> model.select(StageIds.SSO));
        assertThat(shown(robot, "#sso-flavour-help")).startsWith("auto: Red Hat SSO when").contains("rhbk:");
        assertThat(shown(robot, "#sso-redirect-help")).contains("portal (recommended)").contains("any:")
                .contains("less safe");
        assertThat(shown(robot, "#sso-idp-type-help")).contains("OpenID Connect");

        robot.interact(() -> model.select(StageIds.THREESCALE));
        assertThat(shown(robot, "#threescale-storage-type-help")).contains("ReadWriteMany").contains("S3");
        assertThat(shown(robot, "#threescale-tenant-help")).contains("<tenant>-admin.");

        robot.interact(() -> model.select(StageIds.PRODUCTS));
        assertThat(shown(robot, "#products-credentials-location-help")).contains("headers (recommended)")
                .contains("authorization:").contains("query:");
    }

    @Test
    void errorsUseTheScreensWordsNextToTheirFieldWhichKeepsItsWidth(FxRobot robot) {
        // the smallest window (a long error must wrap, not widen the page)
        robot.interact(() -> shell.view().getScene().getWindow().setWidth(1000));
        robot.interact(() -> model.select(StageIds.SSO));
        TextField realm = robot.lookup("#sso-realm").queryAs(TextField.class);
        double width = realm.getWidth();
        assertThat(width).isPositive();
        robot.interact(() -> realm.setText("demo realm"));
        WaitForAsyncUtils.waitForFxEvents();
        Label error = robot.lookup("#sso-realm-error").queryAs(Label.class);
        assertThat(error.isVisible()).isTrue();
        assertThat(error.getText()).contains("'demo realm' is not a valid realm name");
        assertThat(realm.getWidth()).as("the field's width with the error under it").isEqualTo(width);
        assertThat(error.getWidth()).as("the error wraps within the field's width").isLessThanOrEqualTo(width + 1);
        // from elsewhere (the sidebar, the stage's own buttons), the field is named as on screen, with its page
        assertThat(robot.lookup("#allBlockedReason").queryAs(Label.class).getText())
                .startsWith("Fix first: Realm (Red Hat SSO page): 'demo realm'").doesNotContain("sso.realm");
        // the journey's Next, on this page, names it too
        assertThat(robot.lookup("#journeyReason").queryAs(Label.class).getText())
                .startsWith("Fix: Realm: 'demo realm'").doesNotContain("sso.realm");
        robot.interact(() -> realm.setText("maas"));

        // a model's URL: named "URL" in its row, "Model 1 URL" elsewhere
        robot.interact(() -> model.select(StageIds.BACKENDS));
        robot.clickOn("#models-add");
        TextField url = robot.lookup("#model-url-0").queryAs(TextField.class);
        robot.interact(() -> {
            robot.lookup("#model-name-0").queryAs(TextField.class).setText("Granite");
            url.setText("http://granite.models:8080");
        });
        WaitForAsyncUtils.waitForFxEvents();
        double urlWidth = url.getWidth();
        robot.interact(() -> url.setText("ftp//granite"));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(url.getWidth()).as("the URL field's width with the error under its row").isEqualTo(urlWidth);
        assertThat(robot.lookup("#model-error-0").queryAs(Label.class).getText())
                .startsWith("URL: must be an http(s) URL");
        assertThat(robot.lookup("#allBlockedReason").queryAs(Label.class).getText())
                .startsWith("Fix first: Model 1 URL (Models page): must be an http(s) URL")
                .doesNotContain("models[0]");
    }

    @Test
    void advancedSettingsAreUnderAClosedExpanderThatOpensOnAnError(FxRobot robot) {
        robot.interact(() -> model.select(StageIds.PRODUCTS));
        TitledPane products = robot.lookup("#products-advanced").queryAs(TitledPane.class);
        assertThat(products.getText()).isEqualTo("Advanced");
        assertThat(products.isExpanded()).isFalse();
        assertThat(isInside(robot.lookup("#products-concurrency").query(), products)).isTrue();

        robot.interact(() -> model.select(StageIds.THREESCALE));
        TitledPane threescale = robot.lookup("#threescale-advanced").queryAs(TitledPane.class);
        assertThat(threescale.isExpanded()).isFalse();
        for (String id : List.of("#threescale-namespace", "#threescale-channel", "#threescale-policies")) {
            assertThat(isInside(robot.lookup(id).query(), threescale)).as(id).isTrue();
        }
        assertThat(isInside(robot.lookup("#threescale-tenant").query(), threescale)).isFalse();

        robot.interact(() -> model.select(StageIds.SSO));
        TitledPane sso = robot.lookup("#sso-advanced").queryAs(TitledPane.class);
        assertThat(sso.isExpanded()).isFalse();
        robot.interact(() -> robot.lookup("#sso-namespace").queryAs(TextField.class).setText("Bad_Namespace"));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(sso.isExpanded()).as("an error inside is shown, not hidden").isTrue();
        assertThat(robot.lookup("#sso-namespace-error").queryAs(Label.class).isVisible()).isTrue();
    }

    private static String shown(FxRobot robot, String query) {
        Label l = robot.lookup(query).queryAs(Label.class);
        assertThat(l.isVisible()).as(query + " visible").isTrue();
        return l.getText();
    }

    private static boolean isInside(Node n, Node ancestor) {
        for (Node p = n; p != null; p = p.getParent()) {
            if (p == ancestor) {
                return true;
            }
        }
        return false;
    }
}
