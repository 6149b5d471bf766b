package dev.maas.installer.ui.pages;

import atlantafx.base.theme.PrimerLight;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.stages.products.ProductsStage;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.ui.WizardShell;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.application.Application;
import javafx.scene.control.CheckBox;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;

/** The products page's prune box in the real shell: confirmation, the stage the next run gets, the reset. */
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class PrunePageFxTest {
    private static final long TIMEOUT_S = 15;

    private final Queue<Boolean> answers = new ConcurrentLinkedQueue<>();
    private final Queue<String> asked = new ConcurrentLinkedQueue<>();
    private WizardShell shell;
    private WizardViewModel model;

    private static Stage backends() {
        return new Stage() {
            @Override public String id() { return StageIds.BACKENDS; }

            @Override public String title() { return "Backends"; }

            @Override public List<String> dependencies() { return List.of(); }

            @Override public List<Change> plan(StageContext ctx) { return List.of(); }

            @Override public List<Change> apply(StageContext ctx, Progress p) { return List.of(); }

            @Override public List<Check> verify(StageContext ctx) { return List.of(); }
        };
    }

    @Start
    void start(javafx.stage.Stage window) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        shell = WizardShell.builder().stages(List.of(backends(), new ProductsStage(false)))
                .page(StageIds.PRODUCTS, new ModelSettingsPage("products", ModelSettingsPage.Kind.PRODUCTS,
                        s -> new ModelSettingsPageModel(s.config()), text -> {
                    asked.add(text);
                    Boolean a = answers.poll();
                    return a != null && a;
                }))
                .build();
        model = shell.model();
        window.setScene(shell.scene(1280, 768));
        window.show();
    }

    @AfterEach
    void tearDown() { shell.close(); }

    private boolean productsPruneOfLastRun() {
        return shell.engine().lastRunStages().stream().filter(s -> s instanceof ProductsStage)
                .map(s -> ((ProductsStage) s).prune()).findFirst().orElseThrow();
    }

    private void run(FxRobot robot, boolean apply) throws Exception {
        robot.interact(() -> assertThat(apply ? model.apply() : model.plan()).isTrue());
        FxWait.until(TIMEOUT_S, () -> !model.run().runningProperty().get());
    }

    @Test
    void pruneNeedsConfirmationAndIsUsedByOneApplyRun(FxRobot robot) throws Exception {
        robot.interact(() -> model.select(StageIds.PRODUCTS));
        CheckBox box = robot.lookup("#products-prune").queryAs(CheckBox.class);
        PruneChoice prune = shell.pageServices().prune();
        assertThat(box.isSelected()).as("off by default").isFalse();

        answers.add(false);
        robot.clickOn("#products-prune");
        FxWait.until(TIMEOUT_S, () -> asked.size() == 1);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(asked.peek()).contains("deletes").contains("marker");
        assertThat(box.isSelected()).as("declined: still off").isFalse();
        assertThat(prune.pruneProperty().get()).isFalse();
        run(robot, false);
        assertThat(productsPruneOfLastRun()).isFalse();

        answers.add(true);
        robot.clickOn("#products-prune");
        FxWait.until(TIMEOUT_S, box::isSelected);
        assertThat(asked).hasSize(2);
        assertThat(prune.pruneProperty().get()).isTrue();

        run(robot, false);
        assertThat(productsPruneOfLastRun()).as("the plan shows what prune deletes").isTrue();
        assertThat(box.isSelected()).isTrue();

        run(robot, true);
        assertThat(productsPruneOfLastRun()).as("the confirmed apply run prunes").isTrue();
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(box.isSelected()).as("back to off after that run").isFalse();
        assertThat(prune.pruneProperty().get()).isFalse();

        run(robot, true);
        assertThat(productsPruneOfLastRun()).as("the next run does not prune").isFalse();
    }
}
