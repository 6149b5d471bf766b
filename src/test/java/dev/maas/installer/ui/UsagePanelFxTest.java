package dev.maas.installer.ui;

import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.ui.model.UsageViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import dev.maas.installer.ui.pages.SummaryLookup;
import dev.maas.installer.ui.pages.UsageEngine;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
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
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The summary's usage panel on the sandbox: after the backends, products and plans stages applied two models and a
 * developer's application called Granite three times through the gateway, the panel reads 3scale's analytics (the
 * simulator's) through the engine and shows Granite's requests and tokens, all applications and the one that called
 * it; Llama has no usage yet. A period chosen in the list and "Refresh" read again.
 */
@StartsSandbox
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class UsagePanelFxTest {
    @TempDir
    static Path dir;

    private static UsageOnSandbox sandbox;
    private WizardShell shell;
    private javafx.stage.Stage window;

    @BeforeAll
    static void traffic() throws Exception {
        sandbox = new UsageOnSandbox();
        sandbox.chat(3);
    }

    @AfterAll
    static void stop() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Start
    void start(javafx.stage.Stage primary) {
        window = new javafx.stage.Stage();
        shell = WizardShell.builder().env(k -> null).home(dir).sandboxDir(dir.resolve("sandbox"))
                .summaryLookup(SummaryLookup.engine(sandbox.contexts()))
                .usageEngine(UsageEngine.engine(sandbox.contexts())).build();
        Scene scene = shell.scene(1200, 900);
        window.setScene(scene);
        window.show();
    }

    @AfterEach
    void tearDown() throws Exception {
        WaitForAsyncUtils.asyncFx(window::close).get(15, TimeUnit.SECONDS);
        shell.close();
    }

    @Test
    void thePanelShowsEachModelsRequestsAndTokensWithItsApplications(FxRobot robot) throws Exception {
        UsageViewModel usage = shell.usage();
        fx(() -> shell.model().showPage(WizardViewModel.Page.SUMMARY));
        FxWait.until(120, () -> usage.stateProperty().get() == UsageViewModel.State.SHOWN,
                () -> usage.stateProperty().get() + " " + usage.statusProperty().get() + " "
                        + usage.fixProperty().get());
        WaitForAsyncUtils.waitForFxEvents();

        // 4 prompt words and the stand-in's 7 answer words, three times; all of it from "usage app"
        assertThat(rows(robot, "#usageTable-granite")).containsExactly(
                List.of("All applications", "", "", "3", "12", "21", "33"),
                List.of("usage app", "Free", "Usage Org", "3", "12", "21", "33"));
        assertThat(robot.lookup("#usageModel-granite").queryAs(Label.class).getText()).isEqualTo("Granite");
        assertThat(robot.lookup("#usageTable-llama").tryQuery()).isEmpty();
        assertThat(robot.lookup("#usageNote-llama").queryAs(Label.class).getText())
                .isEqualTo("No usage yet in this period.");
        assertThat(robot.lookup("#usageRange").queryAs(Label.class).getText()).startsWith("From ");
        assertThat(robot.lookup("#usageStatus").queryAs(Label.class).isVisible()).isFalse();
        assertThat(robot.lookup("#usageProgress").query().isVisible()).isFalse();

        // more traffic, the last hour chosen in the list: read again
        sandbox.chat(2);
        scrollTo(robot, "#usagePeriod");
        robot.clickOn("#usagePeriod");
        robot.clickOn("Last hour");
        assertThat(usage.periodProperty().get()).isEqualTo(UsageViewModel.Period.LAST_HOUR);
        FxWait.until(120, () -> usage.stateProperty().get() == UsageViewModel.State.SHOWN);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(rows(robot, "#usageTable-granite").get(0)).containsExactly("All applications", "", "", "5", "20",
                "35", "55");

        // Refresh reads again; the button waits while reading
        sandbox.chat(1);
        scrollTo(robot, "#usageRefresh");
        robot.clickOn("#usageRefresh");
        FxWait.until(120, () -> usage.stateProperty().get() == UsageViewModel.State.SHOWN
                && !usage.readingProperty().get());
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(rows(robot, "#usageTable-granite").get(1)).containsExactly("usage app", "Free", "Usage Org", "6",
                "24", "42", "66");
        assertThat(robot.lookup("#usagePeriod").queryAs(ComboBox.class).getValue())
                .isEqualTo(UsageViewModel.Period.LAST_HOUR);
    }

    /** The table's rows as its cells show them. */
    private static List<List<String>> rows(FxRobot robot, String query) throws Exception {
        TableView<?> table = robot.lookup(query).queryAs(TableView.class);
        return WaitForAsyncUtils.asyncFx(() -> {
            List<List<String>> out = new ArrayList<>();
            for (int i = 0; i < table.getItems().size(); i++) {
                List<String> row = new ArrayList<>();
                for (TableColumn<?, ?> c : table.getColumns()) {
                    row.add(String.valueOf(c.getCellData(i)));
                }
                out.add(row);
            }
            return out;
        }).get(15, TimeUnit.SECONDS);
    }

    private static void scrollTo(FxRobot robot, String query) throws Exception {
        Node n = robot.lookup(query).query();
        fx(() -> {
            ScrollPane sp = null;
            for (Node p = n.getParent(); p != null; p = p.getParent()) {
                if (p instanceof ScrollPane s) {
                    sp = s;
                    break;
                }
            }
            if (sp != null && sp.getContent() != null) {
                double contentH = sp.getContent().getBoundsInLocal().getHeight();
                double viewH = sp.getViewportBounds().getHeight();
                double y = sp.getContent().sceneToLocal(n.localToScene(0, 0)).getY();
                sp.setVvalue(contentH <= viewH ? 0 : Math.min(1, Math.max(0, (y - 20) / (contentH - viewH))));
            }
        });
    }

    private static void fx(Runnable r) throws Exception {
        WaitForAsyncUtils.asyncFx(r).get(15, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitForFxEvents();
    }
}
