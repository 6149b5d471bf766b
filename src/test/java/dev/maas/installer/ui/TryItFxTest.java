package dev.maas.installer.ui;

import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.ui.model.TryItViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The summary page's "Try it": the button calls the model off the FX thread, then the page shows the curl command
 * with the key masked until "Reveal key", and the first lines of the answer; "Test everything" shows the report.
 */
@StartsSandbox
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class TryItFxTest {
    private static final String KEY = "0123456789abcdef0123456789abcdef";
    private static final String CURL = "curl -sS -H \"Authorization: Bearer $KEY\""
            + " https://granite-maas-apicast-production.apps.example.com/v1/models";

    @TempDir
    static Path dir;

    /** Where the engine was called: "models", "try granite", "all", each with whether it was the FX thread. */
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private WizardShell shell;
    private javafx.stage.Stage window;

    private final TryItViewModel.Engine engine = new TryItViewModel.Engine() {
        @Override
        public List<TryItViewModel.Model> models(InstallerConfig config) {
            calls.add("models fx=" + Platform.isFxApplicationThread());
            return List.of(new TryItViewModel.Model("Granite", "granite"),
                    new TryItViewModel.Model("Nomic Embed", "nomic"));
        }

        @Override
        public TryItViewModel.Answer tryModel(InstallerConfig config, String systemName) {
            calls.add("try " + systemName + " fx=" + Platform.isFxApplicationThread());
            return new TryItViewModel.Answer(true, "Granite answered through the gateway.", CURL, KEY,
                    "{\n  \"object\" : \"list\",\n  \"data\" : [ {\n    \"id\" : \"granite\"", "[PASS] models list");
        }

        @Override
        public TryItViewModel.Report testAll(InstallerConfig config) {
            calls.add("all fx=" + Platform.isFxApplicationThread());
            return new TryItViewModel.Report(true, "PASS: sign-in PASS, 2 of 2 models answered through the gateway");
        }
    };

    @Start
    void start(javafx.stage.Stage primary) {
        window = new javafx.stage.Stage();
        shell = WizardShell.builder().env(k -> null).home(dir).sandboxDir(dir.resolve("sandbox"))
                .tryItEngine(engine).build();
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
    void tryItShowsTheCurlCommandWithTheKeyMaskedUntilRevealedAndTheAnswer(FxRobot robot) throws Exception {
        fx(() -> shell.model().showPage(WizardViewModel.Page.SUMMARY));
        FxWait.until(15, () -> robot.lookup("#tryIt-granite").tryQuery().isPresent());
        assertThat(calls).contains("models fx=false");

        scrollTo(robot, "#tryIt-granite");
        robot.clickOn("#tryIt-granite");
        FxWait.until(15, () -> shell.tryIt().rows().get(0).statusProperty().get().startsWith("Granite answered"));
        assertThat(calls).contains("try granite fx=false");
        TextField curl = robot.lookup("#tryItCurl-granite").queryAs(TextField.class);
        assertThat(curl.getText()).contains("Bearer " + TryItViewModel.MASKED).doesNotContain(KEY)
                .startsWith("curl -sS");
        assertThat(robot.lookup("#tryItAnswer-granite").queryAs(TextArea.class).getText())
                .contains("\"data\"").contains("granite");
        assertThat(robot.lookup("#tryItCurl-nomic").queryAs(TextField.class).getParent().isVisible())
                .as("a model not tried yet shows no command").isFalse();

        scrollTo(robot, "#tryItReveal-granite");
        robot.clickOn("#tryItReveal-granite");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(curl.getText()).contains("Bearer " + KEY);
        robot.clickOn("#tryItReveal-granite");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(curl.getText()).doesNotContain(KEY);

        scrollTo(robot, "#tryItAll");
        robot.clickOn("#tryItAll");
        FxWait.until(15, () -> shell.tryIt().allReportProperty().get().startsWith("PASS"));
        assertThat(calls).contains("all fx=false");
        assertThat(robot.lookup("#tryItAllReport").queryAs(TextArea.class).getText()).contains("2 of 2 models");

        // leaving the page forgets the key
        scrollTo(robot, "#tryItReveal-granite");
        robot.clickOn("#tryItReveal-granite");
        fx(() -> shell.model().showPage(WizardViewModel.Page.REVIEW));
        assertThat(curl.getText()).doesNotContain(KEY).contains("$KEY");
    }

    private void scrollTo(FxRobot robot, String query) throws Exception {
        Node n = robot.lookup(query).query();
        fx(() -> {
            javafx.scene.control.ScrollPane sp = null;
            for (Node p = n.getParent(); p != null; p = p.getParent()) {
                if (p instanceof javafx.scene.control.ScrollPane s) {
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
