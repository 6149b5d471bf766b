package dev.maas.installer.testing;

import javafx.scene.Node;
import org.testfx.api.FxRobot;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Leaves the wizard's opening page (the journey's welcome page) the way a user does, for tests about a later page.
 * Call from the test thread (a test or its {@code @BeforeEach}), never from {@code @Start}, which runs on the FX thread.
 */
public final class FxJourney {
    private FxJourney() {
    }

    /** Clicks the first stage in the stage list, which opens that stage's page. */
    public static void toFirstStagePage(FxRobot robot) {
        Node first = robot.lookup("#stageList .list-cell").nth(0).query();
        robot.clickOn(first);
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** Clicks Next on the welcome page, which leads to the Connect page. */
    public static void toConnectPage(FxRobot robot) {
        robot.clickOn("#journeyNext");
        WaitForAsyncUtils.waitForFxEvents();
    }
}
