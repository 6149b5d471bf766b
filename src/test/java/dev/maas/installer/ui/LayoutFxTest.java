package dev.maas.installer.ui;

import atlantafx.base.theme.PrimerLight;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.ui.model.WindowPlacement;
import dev.maas.installer.ui.model.WizardViewModel;
import dev.maas.installer.ui.view.WindowMemory;
import javafx.application.Application;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Labeled;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TitledPane;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The window's layout (issue 17, rule 7): it fits the screen and remembers its place, a dialog leaves it maximised,
 * a stage page has one scroll with its checks as rows (failures first, open, statuses in words), pages open at
 * their title, and the log is a drawer.
 */
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class LayoutFxTest {
    @TempDir
    Path dir;

    private final Stage mixed = new Stage() {
        @Override public String id() { return "mixed"; }

        @Override public String title() { return "Mixed stage"; }

        @Override public List<String> dependencies() { return List.of(); }

        @Override public List<Change> plan(StageContext ctx) { return List.of(); }

        @Override public List<Change> apply(StageContext ctx, Progress p) { return List.of(); }

        @Override
        public List<Check> verify(StageContext ctx) {
            List<Check> checks = new ArrayList<>();
            for (int i = 1; i <= 12; i++) {
                checks.add(Check.ok("object " + i, "object " + i + " is there"));
            }
            checks.add(Check.warn("tls", "a self-signed certificate", Fix.manual("install a trusted one")));
            checks.add(Check.retryable("data", "changed by hand", Fix.rerunStage("mixed", "apply it again")));
            return checks;
        }
    };
    private static final String LONG = "the Keycloak client's redirect URIs were changed by hand and no longer match what"
            + " the developer portal needs: https://models.apps.example.com/auth/callback,"
            + " https://models-admin.apps.example.com/p/admin/auth/callback, and three more addresses";
    private final Stage wordy = new Stage() {
        @Override public String id() { return "wordy"; }

        @Override public String title() { return "Wordy stage"; }

        @Override public List<String> dependencies() { return List.of(); }

        @Override
        public List<Change> plan(StageContext ctx) {
            java.util.Map<String, dev.maas.installer.engine.FieldChange> fields = new java.util.LinkedHashMap<>();
            fields.put("redirectUris", dev.maas.installer.engine.FieldChange.of("[https://a.example.com/*]",
                    "[https://models.apps.example.com/auth/callback, https://models-admin.apps.example.com/p/admin"
                            + "/auth/callback, https://models.apps.example.com/oauth/callback]"));
            fields.put("webOrigins", dev.maas.installer.engine.FieldChange.of(null, "[+]"));
            return List.of(new Change(dev.maas.installer.engine.Action.UPDATE,
                    dev.maas.installer.engine.TargetSystem.KEYCLOAK, "Client",
                    "3scale-client-with-a-rather-long-name-in-realm-maas-for-the-developer-portal", fields));
        }

        @Override public List<Change> apply(StageContext ctx, Progress p) { return List.of(); }

        @Override
        public List<Check> verify(StageContext ctx) {
            return List.of(Check.retryable("client redirect URIs", LONG, Fix.rerunStage("wordy", "apply it again")));
        }
    };
    private WizardShell shell;
    private WizardViewModel model;
    private javafx.stage.Stage window;

    @Start
    void start(javafx.stage.Stage window) {
        this.window = window;
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        shell = WizardShell.builder().stages(List.of(mixed, new TestStage("other", 1), wordy)).build();
        model = shell.model();
        window.setScene(shell.scene(1280, 768));
        window.show();
    }

    @AfterEach
    void tearDown() {
        shell.close();
    }

    @Test
    void theWindowFitsTheScreenRemembersItsPlaceAndStaysMaximisedUnderADialog(FxRobot robot) throws Exception {
        Path file = dir.resolve("window.properties");
        javafx.stage.Stage[] w = new javafx.stage.Stage[1];
        robot.interact(() -> {
            w[0] = new javafx.stage.Stage();
            WindowMemory.attach(w[0], file);
            w[0].setScene(new Scene(new StackPane()));
            w[0].show();
        });
        // the headless screen is 1920x1080: 90% would be larger than 1400x900
        assertThat(w[0].getWidth()).isEqualTo(WindowPlacement.MAX_WIDTH);
        assertThat(w[0].getHeight()).isEqualTo(WindowPlacement.MAX_HEIGHT);
        robot.interact(() -> {
            w[0].setX(40);
            w[0].setY(30);
            w[0].setWidth(1200);
            w[0].setHeight(700);
        });
        WaitForAsyncUtils.waitForFxEvents();
        robot.interact(() -> w[0].hide());
        assertThat(WindowPlacement.read(file)).isEqualTo(new WindowPlacement.Bounds(40, 30, 1200, 700, false));

        robot.interact(() -> {
            w[0] = new javafx.stage.Stage();
            WindowMemory.attach(w[0], file);
            w[0].setScene(new Scene(new StackPane()));
            w[0].show();
        });
        assertThat(List.of(w[0].getX(), w[0].getY(), w[0].getWidth(), w[0].getHeight()))
                .containsExactly(40.0, 30.0, 1200.0, 700.0);
        robot.interact(() -> w[0].setMaximized(true));
        WaitForAsyncUtils.waitForFxEvents();
        robot.interact(() -> w[0].hide());
        assertThat(WindowPlacement.read(file)).as("maximised, with the size it goes back to")
                .isEqualTo(new WindowPlacement.Bounds(40, 30, 1200, 700, true));

        // the wizard's window maximised: a dialog (owned by it) leaves it maximised and its size alone
        robot.interact(() -> window.setMaximized(true));
        WaitForAsyncUtils.waitForFxEvents();
        double width = window.getWidth();
        javafx.scene.control.Dialog<?>[] dialog = new javafx.scene.control.Dialog<?>[1];
        robot.interact(() -> dialog[0] = shell.view().showShortcuts());
        assertThat(dialog[0].getOwner()).isSameAs(window);
        robot.interact(() -> dialog[0].close());
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(window.isMaximized()).isTrue();
        assertThat(window.getWidth()).isEqualTo(width);
        robot.interact(() -> window.setMaximized(false));
    }

    @Test
    void aStagePageHasOneScrollWithItsChecksAsRowsFailuresFirstInWords(FxRobot robot) throws Exception {
        robot.interact(() -> model.select("mixed"));
        robot.clickOn("#verifyButton");
        FxWait.until(15, () -> !model.run().isRunning() && !model.stage("mixed").checks().isEmpty());
        ScrollPane page = robot.lookup("#stagePage").queryAs(ScrollPane.class);
        assertThat(inside(page.getContent(), ScrollPane.class)).as("no scroll inside the page's scroll").isEmpty();
        assertThat(inside(page.getContent(), javafx.scene.control.TableView.class)).as("no table that scrolls").isEmpty();

        VBox checks = robot.lookup("#checksTable").queryAs(VBox.class);
        assertThat(checks.getChildren()).hasSize(14).allMatch(n -> n instanceof TitledPane);
        TitledPane first = (TitledPane) checks.getChildren().get(0);
        TitledPane second = (TitledPane) checks.getChildren().get(1);
        TitledPane last = (TitledPane) checks.getChildren().get(13);
        assertThat(text(first)).startsWith("Failed, can be retried data changed by hand");
        assertThat(first.isExpanded()).as("a failure is open").isTrue();
        assertThat(text(first.getContent())).contains("What to do:").contains("rerun stage 'mixed'");
        assertThat(text(second)).startsWith("Warning tls");
        assertThat(text(last)).startsWith("OK object");
        assertThat(last.isExpanded()).isFalse();
        assertThat(inside(page.getContent(), Labeled.class)).extracting(Labeled::getText)
                .noneMatch(t -> t != null && (t.contains("FAILED_RETRYABLE") || t.equals("WARN")));

        // another stage's page opens at its title, and so does a page shown again
        robot.interact(() -> page.setVvalue(page.getVmax()));
        robot.interact(() -> model.select("other"));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(page.getVvalue()).isEqualTo(page.getVmin());
        robot.interact(() -> model.select("mixed"));
        robot.interact(() -> page.setVvalue(page.getVmax()));
        robot.interact(() -> model.showConnectPage());
        robot.interact(() -> model.showStagePage());
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(page.getVvalue()).isEqualTo(page.getVmin());
    }

    @Test
    void longTextIsCutWithAnEllipsisAndShownWholeInTheTooltipAndTheOpenedRow(FxRobot robot) throws Exception {
        robot.interact(() -> model.select("wordy"));
        robot.clickOn("#planButton");
        FxWait.until(15, () -> !model.run().isRunning() && !model.stage("wordy").changes().isEmpty());
        robot.clickOn("#verifyButton");
        FxWait.until(15, () -> !model.run().isRunning() && !model.stage("wordy").checks().isEmpty());
        ScrollPane page = robot.lookup("#stagePage").queryAs(ScrollPane.class);

        TitledPane check = (TitledPane) robot.lookup("#checksTable").queryAs(VBox.class).getChildren().get(0);
        javafx.scene.layout.HBox head = (javafx.scene.layout.HBox) check.getGraphic();
        Labeled summary = (Labeled) head.getChildren().get(2);
        assertThat(summary.getText()).isEqualTo(LONG);
        assertThat(summary.getWidth()).as("one line, cut to the row's width").isLessThan(summary.prefWidth(-1));
        assertThat(head.localToScene(head.getBoundsInLocal()).getMaxX()).as("the row stays inside the page")
                .isLessThanOrEqualTo(page.localToScene(page.getBoundsInLocal()).getMaxX());
        assertThat(head.getProperties().get("fullText")).isEqualTo("Failed, can be retried: client redirect URIs - "
                + LONG);
        robot.moveTo(summary);
        WaitForAsyncUtils.waitForFxEvents();
        // Tooltip.install keeps it in the node's properties under this key
        assertThat(head.getProperties().get("javafx.scene.control.Tooltip")).isInstanceOf(
                javafx.scene.control.Tooltip.class).extracting(t -> ((javafx.scene.control.Tooltip) t).getText()).isEqualTo("Failed, can be retried: client redirect"
                        + " URIs - " + LONG);
        assertThat(check.isExpanded()).isTrue();
        assertThat(text(check.getContent())).as("the opened row says it all").contains(LONG);

        // a change's fields, when opened: each whole, wrapped, none cut
        TitledPane change = (TitledPane) robot.lookup("#planTable").queryAs(VBox.class).getChildren().get(0);
        assertThat(text(change.getGraphic())).startsWith("Update keycloak Client 3scale-client").endsWith("2 fields");
        robot.interact(() -> change.setExpanded(true));
        WaitForAsyncUtils.waitForFxEvents();
        List<Labeled> fieldRows = inside(change.getContent(), Labeled.class);
        assertThat(fieldRows).extracting(Labeled::getText).containsExactly(
                "redirectUris: [https://a.example.com/*] → [https://models.apps.example.com/auth/callback,"
                        + " https://models-admin.apps.example.com/p/admin/auth/callback,"
                        + " https://models.apps.example.com/oauth/callback]",
                "webOrigins: (unset) → [+]");
        for (Labeled f : fieldRows) {
            assertThat(f.isWrapText()).isTrue();
            assertThat(f.getHeight()).as(f.getText() + " is not cut").isGreaterThanOrEqualTo(f.prefHeight(f.getWidth())
                    - 0.5);
        }
    }

    @Test
    void theApplyPageKeepsEachStagesNameAndStateWholeBesideLongMessages(FxRobot robot) throws Exception {
        robot.interact(() -> window.setWidth(900));
        robot.interact(() -> model.select("wordy"));
        robot.clickOn("#planButton");
        FxWait.until(15, () -> !model.run().isRunning() && !model.stage("wordy").changes().isEmpty());
        robot.clickOn("#verifyButton");
        FxWait.until(15, () -> !model.run().isRunning() && !model.stage("wordy").checks().isEmpty());
        robot.interact(() -> model.showPage(WizardViewModel.Page.APPLY));
        WaitForAsyncUtils.waitForFxEvents();
        for (String id : List.of("mixed", "other", "wordy")) {
            Labeled status = robot.lookup("#apply-status-" + id).queryAs(Labeled.class);
            javafx.scene.layout.GridPane grid = (javafx.scene.layout.GridPane) status.getParent();
            int row = javafx.scene.layout.GridPane.getRowIndex(status);
            Labeled title = (Labeled) grid.getChildren().stream()
                    .filter(n -> javafx.scene.layout.GridPane.getRowIndex(n) == row
                            && javafx.scene.layout.GridPane.getColumnIndex(n) == 0).findFirst().orElseThrow();
            for (Labeled l : List.of(title, status)) {
                assertThat(l.getWidth()).as("'" + l.getText() + "' is shown whole, not cut to an ellipsis (beside '"
                                + model.stage(id).messageProperty().get() + "')")
                        .isGreaterThanOrEqualTo(l.prefWidth(-1) - 0.5);
            }
        }
    }

    @Test
    void theLogIsADrawerThatCloses(FxRobot robot) throws Exception {
        Node holder = robot.lookup("#pageHolder").query();
        double open = holder.getBoundsInLocal().getHeight();
        assertThat(robot.lookup("#logList").query().isVisible()).isTrue();
        robot.clickOn("#logToggle");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup("#logList").query().isVisible()).isFalse();
        assertThat(((Labeled) robot.lookup("#logToggle").query()).getText()).isEqualTo("Show log");
        double closed = holder.getBoundsInLocal().getHeight();
        assertThat(closed).as("the page takes the log's room").isGreaterThan(open + 100);
        robot.clickOn("#logToggle");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup("#logList").query().isVisible()).isTrue();
        assertThat(holder.getBoundsInLocal().getHeight()).isEqualTo(open, org.assertj.core.data.Offset.offset(2.0));
    }

    private static String text(Node n) {
        StringBuilder sb = new StringBuilder();
        for (Labeled l : inside(n, Labeled.class)) {
            if (l.getText() != null && !l.getText().isEmpty() && !(l instanceof TitledPane)) {
                sb.append(sb.length() == 0 ? "" : " ").append(l.getText());
            }
        }
        return sb.toString();
    }

    private static <T> List<T> inside(Node n, Class<T> type) {
        List<T> found = new ArrayList<>();
        collect(n, type, found);
        return found;
    }

    private static <T> void collect(Node n, Class<T> type, List<T> found) {
        if (type.isInstance(n)) {
            found.add(type.cast(n));
        }
        if (n instanceof TitledPane t) {
            if (t.getGraphic() != null) {
                collect(t.getGraphic(), type, found);
            }
            if (t.getContent() != null) {
                collect(t.getContent(), type, found);
            }
        } else if (n instanceof ScrollPane sp && sp.getContent() != null) {
            collect(sp.getContent(), type, found);
        } else if (n instanceof javafx.scene.Parent p) {
            for (Node c : p.getChildrenUnmodifiable()) {
                collect(c, type, found);
            }
        }
    }
}
