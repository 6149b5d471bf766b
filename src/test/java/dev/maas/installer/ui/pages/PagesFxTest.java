package dev.maas.installer.ui.pages;

import atlantafx.base.theme.PrimerLight;
import dev.maas.installer.cluster.DiscoveredModel;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.ui.WizardShell;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.Label;
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
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backends and portal pages in the real wizard window, headless: edits in the model table and the portal
 * settings reach the configuration the next run uses, invalid input is shown and changes nothing, discovery fills
 * the table off the FX thread.
 */
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class PagesFxTest {
    private static final long TIMEOUT_S = 15;

    @TempDir
    static Path dir;

    /** The configuration each run saw, in order. */
    private final LinkedBlockingQueue<InstallerConfig> runsSaw = new LinkedBlockingQueue<>();
    private final Queue<Boolean> discoveryOnFx = new ConcurrentLinkedQueue<>();
    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pages-test-bg");
        t.setDaemon(true);
        return t;
    });
    private WizardShell shell;
    private WizardViewModel model;

    private Stage recording(String id) {
        return new Stage() {
            @Override public String id() { return id; }

            @Override public String title() { return "Stage " + id; }

            @Override public List<String> dependencies() { return List.of(); }

            @Override public List<Change> plan(StageContext ctx) {
                runsSaw.add(ctx.config());
                return List.of();
            }

            @Override public List<Change> apply(StageContext ctx, Progress p) {
                runsSaw.add(ctx.config());
                return List.of();
            }

            @Override public List<Check> verify(StageContext ctx) { return List.of(); }
        };
    }

    @Start
    void start(javafx.stage.Stage window) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        shell = WizardShell.builder().stages(List.of(recording(StageIds.BACKENDS),
                        recording(StageIds.PRODUCTS), recording(StageIds.PLANS), recording(StageIds.PORTAL)))
                .pageLookups(new WizardShell.PageLookups(() -> {
                    discoveryOnFx.add(Platform.isFxApplicationThread());
                    return List.of(new DiscoveredModel("granite", "Granite 8B", "models", true,
                                    "http://granite.models:8080"),
                            new DiscoveredModel("llama", "llama", "models", false, null));
                }, () -> "apps.example.com", background))
                .build();
        model = shell.model();
        window.setScene(shell.scene(1280, 768));
        window.show();
    }

    @AfterEach
    void tearDown() {
        shell.close();
        background.shutdownNow();
    }

    private InstallerConfig plan(FxRobot robot, String stageId) throws Exception {
        runsSaw.clear();
        robot.interact(() -> {
            model.select(stageId);
            assertThat(model.plan()).isTrue();
        });
        InstallerConfig saw = runsSaw.poll(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(saw).as("the run started").isNotNull();
        FxWait.until(TIMEOUT_S, () -> !model.run().runningProperty().get());
        return saw;
    }

    /**
     * While a field the stage reads is invalid, its Plan does not start and is disabled, and the page says why: no
     * run gets the invalid value, nor the older one.
     */
    private void planRefused(FxRobot robot, String stageId, String reason) throws Exception {
        runsSaw.clear();
        robot.interact(() -> {
            model.select(stageId);
            assertThat(model.plan()).isFalse();
        });
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup("#planButton").queryAs(javafx.scene.control.Button.class).isDisabled()).isTrue();
        assertThat(robot.lookup("#applyButton").queryAs(javafx.scene.control.Button.class).isDisabled()).isTrue();
        Label why = robot.lookup("#runBlockedReason").queryAs(Label.class);
        assertThat(why.isVisible()).isTrue();
        assertThat(why.getText()).startsWith(dev.maas.installer.ui.model.WizardViewModel.BLOCKED_PREFIX)
                .contains(reason);
        assertThat(runsSaw.poll(300, TimeUnit.MILLISECONDS)).as("no run started").isNull();
    }

    private TextField field(FxRobot robot, String id) { return robot.lookup("#" + id).queryAs(TextField.class); }

    private void set(FxRobot robot, String id, String text) {
        robot.interact(() -> field(robot, id).setText(text));
    }

    @Test
    void editsInTheModelTableChangeTheConfigurationOfTheNextRun(FxRobot robot) throws Exception {
        robot.interact(() -> model.select(StageIds.BACKENDS));
        robot.clickOn("#models-add");
        robot.clickOn("#model-name-0").write("Granite 8B");
        set(robot, "model-url-0", "http://granite.models.svc:8080");
        assertThat(robot.lookup("#model-error-0").queryAs(Label.class).getText()).isEmpty();
        assertThat(plan(robot, StageIds.BACKENDS).models()).containsExactly(
                new ModelConfig("Granite 8B", "granite-8b", "http://granite.models.svc:8080", null, null));

        robot.clickOn("#models-add");
        set(robot, "model-name-1", "Llama");
        set(robot, "model-url-1", "http://llama:8080");
        set(robot, "model-system-name-0", "granite");
        assertThat(plan(robot, StageIds.BACKENDS).models()).extracting(ModelConfig::systemName)
                .containsExactly("granite", "llama");

        robot.clickOn("#model-remove-0");
        assertThat(field(robot, "model-name-0").getText()).isEqualTo("Llama");
        assertThat(plan(robot, StageIds.BACKENDS).models()).extracting(ModelConfig::name).containsExactly("Llama");
    }

    @Test
    void anInvalidUrlOrDuplicateNameIsShownNextToTheRowAndNothingRuns(FxRobot robot) throws Exception {
        robot.interact(() -> model.select(StageIds.BACKENDS));
        robot.clickOn("#models-add");
        set(robot, "model-name-0", "Granite");
        set(robot, "model-url-0", "http://granite:8080");
        List<ModelConfig> good = shell.config().current().models();
        assertThat(good).hasSize(1);

        set(robot, "model-url-0", "ftp//granite");
        Label error0 = robot.lookup("#model-error-0").queryAs(Label.class);
        assertThat(error0.getText()).startsWith("URL: must be an http(s) URL");
        assertThat(error0.isVisible()).isTrue();
        planRefused(robot, StageIds.BACKENDS, "must be an http(s) URL");
        set(robot, "model-url-0", "http://granite:8080");
        assertThat(plan(robot, StageIds.BACKENDS).models()).isEqualTo(good);

        robot.clickOn("#models-add");
        set(robot, "model-name-1", "GRANITE");
        set(robot, "model-url-1", "http://granite2:8080");
        assertThat(robot.lookup("#model-error-1").queryAs(Label.class).getText())
                .contains("'GRANITE' is already used by Model 1");
        planRefused(robot, StageIds.BACKENDS, "already used");
    }

    @Test
    void discoveryFillsTheTableOffTheFxThread(FxRobot robot) throws Exception {
        robot.interact(() -> model.select(StageIds.BACKENDS));
        robot.clickOn("#models-discover");
        FxWait.until(TIMEOUT_S,
                () -> !robot.lookup("#model-name-0").queryAll().isEmpty());
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(discoveryOnFx).containsExactly(false);
        assertThat(field(robot, "model-name-0").getText()).isEqualTo("Granite 8B");
        assertThat(field(robot, "model-system-name-0").getText()).isEqualTo("granite");
        assertThat(field(robot, "model-url-0").getText()).isEqualTo("http://granite.models:8080");
        assertThat(robot.lookup("#model-name-1").queryAll()).isEmpty();
        assertThat(robot.lookup("#models-discovery-status").queryAs(Label.class).getText())
                .contains("added 1").contains("left out 1");
        assertThat(plan(robot, StageIds.BACKENDS).models()).containsExactly(
                new ModelConfig("Granite 8B", "granite", "http://granite.models:8080", null, null));
    }

    @Test
    void portalFolderAndOnErrorReachTheConfigurationAndTheLinkShowsAfterSuccess(FxRobot robot) throws Exception {
        robot.interact(() -> model.select(StageIds.PORTAL));
        Hyperlink link = robot.lookup("#portal-link").queryAs(Hyperlink.class);
        assertThat(link.isVisible()).isFalse();

        set(robot, "portal-content-dir", dir.resolve("missing").toString());
        assertThat(robot.lookup("#portal-error").queryAs(Label.class).getText()).contains("folder not found");
        planRefused(robot, StageIds.PORTAL, "folder not found");

        set(robot, "portal-content-dir", dir.toString());
        @SuppressWarnings("unchecked")
        ComboBox<PortalPageModel.OnError> onError = robot.lookup("#portal-on-error").queryAs(ComboBox.class);
        robot.interact(() -> onError.setValue(PortalPageModel.OnError.STOP));
        assertThat(robot.lookup("#portal-error").queryAs(Label.class).getText()).isEmpty();
        assertThat(plan(robot, StageIds.PORTAL).portal())
                .isEqualTo(new InstallerConfig.PortalConfig(dir.toString(), "stop"));

        runsSaw.clear();
        robot.interact(() -> assertThat(model.apply()).isTrue());
        assertThat(runsSaw.poll(TIMEOUT_S, TimeUnit.SECONDS)).isNotNull();
        FxWait.until(TIMEOUT_S, () -> !link.getText().isEmpty());
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(link.getText()).isEqualTo("https://maas.apps.example.com");
        assertThat(link.isVisible()).isTrue();
    }

    @Test
    void productsAndPlansPagesSummariseTheModelsAndTakeTheirSettings(FxRobot robot) throws Exception {
        robot.interact(() -> model.select(StageIds.BACKENDS));
        robot.clickOn("#models-add");
        set(robot, "model-name-0", "Granite");
        set(robot, "model-url-0", "http://granite:8080");

        robot.interact(() -> model.select(StageIds.PRODUCTS));
        assertThat(robot.lookup("#products-summary").queryAs(Label.class).getText()).isEqualTo("1 model: Granite.");
        @SuppressWarnings("unchecked")
        ComboBox<String> where = robot.lookup("#products-credentials-location").queryAs(ComboBox.class);
        robot.interact(() -> where.setValue("query"));
        assertThat(plan(robot, StageIds.PRODUCTS).products().credentialsLocation()).isEqualTo("query");

        robot.interact(() -> model.select(StageIds.PLANS));
        set(robot, "plans-name", "Gold");
        robot.clickOn("#plans-subscribe-existing");
        InstallerConfig saw = plan(robot, StageIds.PLANS);
        assertThat(saw.plans()).isEqualTo(new InstallerConfig.PlansConfig("Gold", true));
        assertThat(saw.models()).extracting(ModelConfig::name).containsExactly("Granite");
    }
}
