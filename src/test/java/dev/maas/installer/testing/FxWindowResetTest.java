package dev.maas.installer.testing;

import javafx.scene.Scene;
import javafx.scene.layout.StackPane;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class FxWindowResetTest {
    private Stage primary;

    @Start
    void start(Stage primary) {
        this.primary = primary;
    }

    @Test
    void aClassAfterTheResetFindsNoOtherWindowAndAPrimaryStageThatTakesItsSceneSize(FxRobot robot) throws Exception {
        Stage[] dialog = new Stage[1];
        robot.interact(() -> {
            primary.setScene(new Scene(new StackPane(), 640, 480));
            primary.show();
            primary.setWidth(1000);    // as a test of a small or large window does
            primary.setHeight(700);
            primary.setOnCloseRequest(e -> e.consume());
            dialog[0] = new Stage();
            dialog[0].setScene(new Scene(new StackPane(), 200, 100));
            dialog[0].show();
        });
        assertThat(primary.getScene().getWidth()).isEqualTo(1000);

        FxWindowReset.reset();

        WaitForAsyncUtils.asyncFx(() -> {
            assertThat(Window.getWindows()).as("every window closed or hidden").isEmpty();
            assertThat(dialog[0].isShowing()).isFalse();
            assertThat(primary.getScene()).isNull();
            assertThat(primary.getOnCloseRequest()).isNull();
            primary.setScene(new Scene(new StackPane(), 800, 600));   // what the next class's @Start does
            primary.show();
        }).get(30, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(primary.getScene().getWidth()).as("the scene decides the size again").isEqualTo(800);
        assertThat(primary.getScene().getHeight()).isEqualTo(600);
    }
}
