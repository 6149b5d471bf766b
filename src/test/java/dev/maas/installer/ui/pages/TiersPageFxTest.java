package dev.maas.installer.ui.pages;

import atlantafx.base.theme.PrimerLight;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.ConfigWriter;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.engine.config.InstallerConfig.PlansConfig;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.stages.ModelStagesFixture;
import dev.maas.installer.stages.backends.BackendsStage;
import dev.maas.installer.stages.plans.PlansStage;
import dev.maas.installer.stages.products.ProductsStage;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.Product;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.ui.WizardShell;
import dev.maas.installer.ui.model.ConnectionInfo;
import dev.maas.installer.ui.model.ReviewViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import io.fabric8.kubernetes.client.KubernetesClient;
import javafx.application.Application;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableView;
import org.testfx.util.WaitForAsyncUtils;
import javafx.scene.control.TextField;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Plans page's tiers in the real shell, with the real backends, products and plans stages on the 3scale
 * simulator: tiers typed into the table and its editor become the configuration the runs and the saved file get,
 * the review shows the plans and limits to create, an invalid limit stops Plan and Apply and says why next to the
 * field, and a removed tier's plan is deleted only when "Also delete plans of removed tiers" is ticked.
 */
@StartsSandbox
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class TiersPageFxTest {
    private static final long TIMEOUT_S = 30;
    private static final ConnectionInfo SANDBOX = new ConnectionInfo("https://127.0.0.1:40123", "sandbox", true);

    @TempDir
    Path home;

    private final ModelStagesFixture fx;
    private final InstallerConfig base;
    private WizardShell shell;
    private WizardViewModel model;

    /** The simulator's tenant with the Granite product, made off the FX thread before the window starts. */
    TiersPageFxTest() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        base = fx.config(List.of(new ModelConfig("Granite", "granite",
                "http://granite-predictor.models.svc.cluster.local:8080", null, null)), 2, false);
        new BackendsStage().apply(fx.ctx(base), Progress.NONE);
        new ProductsStage().apply(fx.ctx(base), Progress.NONE);
    }

    @Start
    void start(javafx.stage.Stage window) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        WizardShell[] ref = new WizardShell[1];
        shell = WizardShell.builder()
                .stages(List.of(threescaleInPlace(), new BackendsStage(), new ProductsStage(), new PlansStage()))
                // every run on the simulator's tenant, with the configuration the wizard holds
                .contextFactory(c -> new StageContext(ref[0].config().current(), SecretRegistry.global(), c)
                        .provide(KubernetesClient.class, () -> fx.cluster.newClient()))
                .env(Map.of("PATH", "/usr/bin")::get)
                .home(home)
                .build();
        ref[0] = shell;
        model = shell.model();
        shell.config().use(base);
        window.setScene(shell.scene(1366, 768));
        window.show();
    }

    /** The 3scale stage, as applied: the simulator is the tenant. */
    private static dev.maas.installer.engine.Stage threescaleInPlace() {
        return new dev.maas.installer.engine.Stage() {
            @Override public String id() { return StageIds.THREESCALE; }

            @Override public String title() { return "3scale"; }

            @Override public List<String> dependencies() { return List.of(); }


            @Override public List<dev.maas.installer.engine.Change> plan(StageContext ctx) { return List.of(); }

            @Override public List<dev.maas.installer.engine.Change> apply(StageContext ctx, Progress p) {
                return List.of();
            }

            @Override public List<dev.maas.installer.engine.Check> verify(StageContext ctx) {
                return List.of(dev.maas.installer.engine.Check.ok("tenant", "the simulator"));
            }
        };
    }

    @AfterEach
    void tearDown() {
        shell.close();
        fx.close();
    }

    private void connect(FxRobot robot) throws Exception {
        robot.interact(() -> model.connectionProperty().set(SANDBOX));
        FxWait.until(TIMEOUT_S, () -> model.lastVerifyReportProperty().get() != null && !model.run().isRunning());
    }

    /** Types into a field as a user does, one character at a time (each a change the page validates). */
    private static void type(FxRobot robot, String id, String text) {
        TextField f = robot.lookup("#" + id).queryAs(TextField.class);
        robot.interact(() -> f.setText(""));
        for (int i = 1; i <= text.length(); i++) {
            String typed = text.substring(0, i);
            robot.interact(() -> f.setText(typed));
        }
    }

    /** Presses a button or ticks a box (the page may be scrolled: fired, as the keyboard does). */
    private static void press(FxRobot robot, String id) {
        javafx.scene.control.ButtonBase b = robot.lookup("#" + id).queryAs(javafx.scene.control.ButtonBase.class);
        assertThat(b.isDisabled()).as(id + " enabled").isFalse();
        robot.interact(b::fire);
    }

    @SuppressWarnings("unchecked")
    private static void choose(FxRobot robot, String id, String value) {
        ComboBox<String> c = robot.lookup("#" + id).queryAs(ComboBox.class);
        robot.interact(() -> c.setValue(value));
    }

    private static String text(FxRobot robot, String query) {
        return robot.lookup(query).queryAs(Label.class).getText();
    }

    private List<ReviewViewModel.Group> review(FxRobot robot) throws Exception {
        robot.interact(() -> model.showPage(WizardViewModel.Page.REVIEW));
        FxWait.until(TIMEOUT_S, () -> !shell.review().planningProperty().get() && !model.run().isRunning()
                && !shell.review().groups().isEmpty(), () -> shell.review().statusProperty().get());
        return List.copyOf(shell.review().groups());
    }

    private static ReviewViewModel.Group plans(List<ReviewViewModel.Group> groups) {
        return groups.stream().filter(g -> g.stageId().equals(StageIds.PLANS)).findFirst().orElseThrow();
    }

    /** Free (10 requests per minute, 1,000 total tokens per day) and Premium (approval), typed as a user does. */
    private void typeFreeAndPremium(FxRobot robot) {
        robot.interact(() -> model.select(StageIds.PLANS));
        assertThat(robot.lookup("#plans-single").query().isVisible())
                .as("without tiers: the one plan's name").isTrue();
        press(robot, "tiers-add");
        type(robot, "tier-name", "Free");
        press(robot, "tier-limit-add");
        type(robot, "tier-limit-value-0", "10");
        press(robot, "tier-limit-add");
        choose(robot, "tier-limit-metric-1", "total_tokens");
        choose(robot, "tier-limit-period-1", "day");
        type(robot, "tier-limit-value-1", "1000");
        press(robot, "tiers-add");
        type(robot, "tier-name", "Premium");
        press(robot, "tier-approval");
    }

    @Test
    void freeAndPremiumTypedInTheTableAreWhatTheReviewPlansAndWhatIsSaved(FxRobot robot) throws Exception {
        connect(robot);
        typeFreeAndPremium(robot);

        @SuppressWarnings("unchecked")
        TableView<TierConfig> table = robot.lookup("#tiers-table").queryAs(TableView.class);
        assertThat(table.getItems()).hasSize(2);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup("#tiers-table").lookup(".table-cell").queryAllAs(TableCell.class))
                .extracting(c -> c.getText() == null ? "" : c.getText())
                .contains("Free", "10 requests/minute, 1,000 total tokens/day", "Premium", "required", "no limits",
                        "every model");
        assertThat(robot.lookup("#plans-single").query().isVisible())
                .as("with tiers, each tier is a plan: no single plan name").isFalse();
        assertThat(robot.lookup("#plans-error").queryAs(Label.class).getText()).isEmpty();

        TierConfig free = new TierConfig("Free", false, List.of(), List.of(new LimitConfig("requests", "minute", 10L),
                new LimitConfig("total_tokens", "day", 1000L)));
        TierConfig premium = new TierConfig("Premium", true, List.of(), List.of());
        assertThat(shell.config().current().plans().tiers()).containsExactly(free, premium);

        ReviewViewModel.Group plans = plans(review(robot));
        assertThat(plans.problem()).isEmpty();
        assertThat(plans.changes()).contains(
                "CREATE 3scale application plan 'granite Free': state (none) → published",
                "CREATE 3scale usage limit 'granite Free: requests per minute': value (none) → 10",
                "CREATE 3scale usage limit 'granite Free: total_tokens per day': value (none) → 1000",
                "CREATE 3scale application plan 'granite Premium': state (none) → published; approval_required (none) → true");
        assertThat(plans.changes()).noneMatch(c -> c.contains("'granite Standard'") && !c.startsWith("KEPT"));

        // the saved file is what was typed, and reads back to the same configuration
        Path file = home.resolve("saved.yaml");
        assertThat(WaitForAsyncUtils.asyncFx(() -> shell.review().export(file)).get().get()).isTrue();
        String yaml = Files.readString(file);
        assertThat(yaml).contains("name: Free", "metric: total_tokens", "approvalRequired: true");
        InstallerConfig back = ConfigLoader.load(file);
        assertThat(back.plans()).isEqualTo(new PlansConfig("Standard", false, List.of(free, premium)));
        assertThat(ConfigWriter.toYaml(back)).isEqualTo(yaml);
    }

    @Test
    void anInvalidLimitStopsPlanAndApplyAndSaysWhyNextToTheField(FxRobot robot) throws Exception {
        connect(robot);
        typeFreeAndPremium(robot);
        // back to Free: its first limit becomes 0
        @SuppressWarnings("unchecked")
        TableView<TierConfig> table = robot.lookup("#tiers-table").queryAs(TableView.class);
        robot.interact(() -> table.getSelectionModel().select(0));
        assertThat(robot.lookup("#tier-name").queryAs(TextField.class).getText()).isEqualTo("Free");
        type(robot, "tier-limit-value-0", "0");
        FxWait.until(TIMEOUT_S, () -> !text(robot, "#tier-limit-error-0").isEmpty());
        assertThat(text(robot, "#tier-limit-error-0")).contains("Tier 1 limit 1 value").contains("must be above 0");
        assertThat(robot.lookup("#planButton").queryAs(Button.class).isDisabled()).isTrue();
        assertThat(robot.lookup("#applyButton").queryAs(Button.class).isDisabled()).isTrue();
        assertThat(robot.lookup("#applyAllButton").queryAs(Button.class).isDisabled()).isTrue();
        assertThat(model.allBlockedReason().get()).contains("Tier 1 limit 1 value");
        assertThat(robot.lookup("#plans-error").queryAs(Label.class).getText()).contains("must be above 0");

        // a second limit on the same metric and period
        type(robot, "tier-limit-value-0", "10");
        choose(robot, "tier-limit-metric-1", "requests");
        choose(robot, "tier-limit-period-1", "minute");
        FxWait.until(TIMEOUT_S, () -> !text(robot, "#tier-limit-error-1").isEmpty());
        assertThat(text(robot, "#tier-limit-error-0")).isEmpty();
        assertThat(text(robot, "#tier-limit-error-1")).contains("a second limit on requests per minute")
                .contains("Tier 1 limit 1");
        assertThat(robot.lookup("#planButton").queryAs(Button.class).isDisabled()).isTrue();

        // a value that is no number
        press(robot, "tier-limit-remove-1");
        type(robot, "tier-limit-value-0", "ten");
        FxWait.until(TIMEOUT_S, () -> text(robot, "#tier-limit-error-0").contains("not a whole number"));
        assertThat(robot.lookup("#planButton").queryAs(Button.class).isDisabled()).isTrue();

        type(robot, "tier-limit-value-0", "10");
        FxWait.until(TIMEOUT_S, () -> !robot.lookup("#planButton").queryAs(Button.class).isDisabled());
        assertThat(text(robot, "#tier-limit-error-0")).isEmpty();
        assertThat(model.allBlockedReason().get()).isEmpty();
    }

    @Test
    void aRemovedTiersPlanIsDeletedOnlyWhenTheBoxIsTicked(FxRobot robot) throws Exception {
        // applied before: Free, Premium and the runbook's Standard
        InstallerConfig applied = withTiers(shell.config().current(), List.of(
                new TierConfig("Free", false, null, List.of(new LimitConfig("requests", "minute", 10L))),
                new TierConfig("Premium", true, null, null)));
        new PlansStage().apply(fx.ctx(applied), Progress.NONE);
        robot.interact(() -> {
            shell.config().use(applied);
            model.select(StageIds.PLANS);
        });
        connect(robot);
        @SuppressWarnings("unchecked")
        TableView<TierConfig> table = robot.lookup("#tiers-table").queryAs(TableView.class);
        robot.interact(() -> table.getSelectionModel().select(1));
        assertThat(robot.lookup("#tier-name").queryAs(TextField.class).getText()).isEqualTo("Premium");
        press(robot, "tiers-remove");
        assertThat(shell.config().current().plans().tiers()).extracting(TierConfig::name).containsExactly("Free");
        assertThat(text(robot, "#plans-prune-help")).contains("never deleted");

        ReviewViewModel.Group kept = plans(review(robot));
        assertThat(kept.deletions()).isZero();
        assertThat(kept.kept()).anySatisfy(k -> assertThat(k).startsWith("KEPT 3scale application plan 'granite Premium")
                .contains("kept"));
        assertThat(robot.lookup(".review-kept").queryAllAs(Label.class)).isNotEmpty();

        robot.interact(() -> model.select(StageIds.PLANS));
        press(robot, "plans-prune");
        ReviewViewModel.Group pruned = plans(review(robot));
        assertThat(pruned.changes()).contains("DELETE 3scale application plan 'granite Premium': state published → (none)");
        assertThat(robot.lookup(".review-delete").queryAllAs(Label.class)).extracting(Label::getText)
                .anySatisfy(t -> assertThat(t).contains("granite Premium"));

        ThreescaleClient api = ThreescaleClient.builder(fx.sim.url(), fx.sim.accessToken()).build();
        Product granite = api.product(api.services().findBySystemName("granite").orElseThrow().id());
        assertThat(granite.findApplicationPlan("Premium")).as("a plan changes nothing").isPresent();
    }

    private static InstallerConfig withTiers(InstallerConfig c, List<TierConfig> tiers) {
        return new InstallerConfig(c.cluster(), c.endpoints(), c.sso(), c.threescale(), c.models(), c.products(),
                new PlansConfig(null, false, tiers), c.portal());
    }
}
