package dev.maas.installer.ui;

import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.ui.model.StageStatus;
import dev.maas.installer.ui.model.ThemeViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import dev.maas.installer.ui.view.Themes;
import javafx.application.Application;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.ToggleButton;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.BackgroundFill;
import javafx.scene.paint.Color;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wizard driven by the keyboard alone (Tab, arrows, Enter, Space, Alt mnemonics and the accelerators), headless:
 * every assertion checks what the keys did: the page shown, the focused control, the run started or cancelled, the
 * theme switched and remembered.
 */
@StartsSandbox
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class KeyboardFxTest {
    private static final long TIMEOUT_S = 15;
    private static final Color LIGHT_ACCENT = Color.web("#0969da");
    private static final Color DARK_ACCENT = Color.web("#1f6feb");

    @TempDir
    static Path dir;

    private final TestStage alpha = new TestStage("alpha", 3);
    private final TestStage beta = new TestStage("beta", 2, "alpha");
    private final TestStage gamma = new TestStage("gamma", 1);
    private final TestStage delta = new TestStage("delta", 1, "gamma");
    private WizardShell shell;
    private WizardViewModel model;
    private Scene scene;
    private Path themeFile;

    @Start
    void start(javafx.stage.Stage window) throws Exception {
        themeFile = Files.createTempDirectory(dir, "cfg").resolve("maas-installer").resolve("ui.properties");
        shell = WizardShell.builder()
                .stages(List.of(alpha, beta, gamma, delta))
                .env(k -> null)
                .home(dir)
                .theme(ThemeViewModel.remembered(themeFile))
                .contextFactory(c -> new StageContext(InstallerConfig.defaults(), new SecretRegistry(), c))
                .page("gamma", new StagePage() {
                    @Override
                    public String description() { return "Gamma has inputs."; }

                    @Override
                    public Node inputs(dev.maas.installer.ui.model.StageViewModel stage, WizardViewModel wizard) {
                        javafx.scene.control.TextField realm = new javafx.scene.control.TextField("maas");
                        realm.setId("gammaRealm");
                        return realm;
                    }
                })
                .build();
        model = shell.model();
        scene = shell.scene(1366, 768);
        // with the journey the window opens on the welcome page; these tests start from the Connect page
        model.showConnectPage();
        window.setScene(scene);
        window.show();
        window.toFront();
    }

    @AfterEach
    void tearDown() {
        for (TestStage s : List.of(alpha, beta, gamma, delta)) {
            s.gate.countDown();
        }
        shell.close();
        WaitForAsyncUtils.asyncFx(() -> Themes.apply(false));
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void ctrlDigitsJumpToAStageArrowsMoveAndEnterGoesIntoThePage(FxRobot robot) throws Exception {
        assertThat(model.page()).isEqualTo(WizardViewModel.Page.CONNECT);
        robot.push(KeyCode.CONTROL, KeyCode.DIGIT2);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.page()).isEqualTo(WizardViewModel.Page.STAGE);
        assertThat(model.selected().id()).isEqualTo("beta");
        assertThat(focusId()).isEqualTo("stageList");
        assertThat(text("#stageTitle")).isEqualTo("Test stage beta");

        robot.push(KeyCode.DOWN);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.selected().id()).isEqualTo("gamma");
        assertThat(text("#stageTitle")).isEqualTo("Test stage gamma");
        robot.push(KeyCode.UP);
        robot.push(KeyCode.UP);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(text("#stageTitle")).isEqualTo("Test stage alpha");
        robot.push(KeyCode.DOWN).push(KeyCode.DOWN);
        robot.push(KeyCode.ENTER);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(focusId()).as("Enter goes to the page's first input").isEqualTo("gammaRealm");

        robot.push(KeyCode.CONTROL, KeyCode.DIGIT0);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.page()).isEqualTo(WizardViewModel.Page.CONNECT);
        assertThat(focusId()).isEqualTo("connectNav");
        robot.push(KeyCode.CONTROL, KeyCode.DIGIT9);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.page()).as("there is no ninth stage").isEqualTo(WizardViewModel.Page.CONNECT);
        robot.push(KeyCode.CONTROL, KeyCode.DIGIT4);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.selected().id()).isEqualTo("delta");
        assertThat(model.page()).isEqualTo(WizardViewModel.Page.STAGE);
    }

    @Test
    void tabVisitsEveryActionInASensibleOrderAndComesBack(FxRobot robot) throws Exception {
        connect(robot);   // the global buttons are enabled (and take the focus) once connected
        robot.push(KeyCode.CONTROL, KeyCode.DIGIT1);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(focusId()).isEqualTo("stageList");
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            robot.push(KeyCode.TAB);
            WaitForAsyncUtils.waitForFxEvents();
            String id = focusId();
            order.add(id);
            if ("stageList".equals(id)) {
                break;
            }
        }
        assertThat(order).as("Tab comes back to the stage list, visiting each control once: " + order)
                .endsWith("stageList").doesNotHaveDuplicates();
        assertThat(order).containsSubsequence("planAllButton", "applyAllButton", "verifyAllButton",
                "planButton", "applyButton", "verifyButton", "logStageFilter", "logLevelFilter", "logCopy", "logSave",
                "themeToggle", "shortcutsButton", "connectNav", "stageList");
        assertThat(order).as("a disabled or hidden button is skipped").doesNotContain("rerunButton", "cancelButton");

        // Shift+Tab walks back
        robot.push(KeyCode.SHIFT, KeyCode.TAB);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(focusId()).isEqualTo("refreshStagesButton");   // enabled once connected
        robot.push(KeyCode.SHIFT, KeyCode.TAB);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(focusId()).isEqualTo("connectNav");
        robot.push(KeyCode.SPACE);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.page()).as("Space on the Connect entry").isEqualTo(WizardViewModel.Page.CONNECT);
    }

    @Test
    void aRunIsStartedCancelledAndRerunFromTheKeyboard(FxRobot robot) throws Exception {
        robot.push(KeyCode.CONTROL, KeyCode.DIGIT1);
        robot.push(KeyCode.ENTER);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(focusId()).as("a page without inputs starts at Plan").isEqualTo("planButton");
        robot.push(KeyCode.SPACE);
        FxWait.until(TIMEOUT_S, () -> model.stage("alpha").status() == StageStatus.PLANNED && !model.run().isRunning());
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(focusId()).as("the focus comes back to Plan after the run").isEqualTo("planButton");

        alpha.pauseAfterStep = 1;
        robot.push(KeyCode.TAB);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(focusId()).isEqualTo("applyButton");
        robot.push(KeyCode.SPACE);
        assertThat(alpha.paused.await(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();
        FxWait.until(TIMEOUT_S, () -> model.run().isRunning());
        robot.push(KeyCode.ESCAPE);
        FxWait.until(TIMEOUT_S, () -> model.run().cancelRequestedProperty().get());
        alpha.gate.countDown();
        FxWait.until(TIMEOUT_S, () -> model.stage("alpha").status() == StageStatus.CANCELLED && !model.run().isRunning());
        assertThat(alpha.stepsRun).containsExactly(1);

        robot.push(KeyCode.ALT, KeyCode.R);
        FxWait.until(TIMEOUT_S, () -> model.stage("alpha").status() == StageStatus.OK && !model.run().isRunning());
        assertThat(alpha.stepsRun).as("Alt+R reran the stage").containsExactly(1, 1, 2, 3);

        robot.push(KeyCode.ALT, KeyCode.V);
        FxWait.until(TIMEOUT_S, () -> !model.stage("alpha").checks().isEmpty() && !model.run().isRunning());
        assertThat(model.stage("alpha").checks()).extracting(c -> c.name()).containsExactly("exists");
    }

    @Test
    void escapeWithoutARunDoesNothingAndF5VerifiesEveryStage(FxRobot robot) throws Exception {
        robot.push(KeyCode.CONTROL, KeyCode.DIGIT1);
        robot.push(KeyCode.ESCAPE);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.run().isRunning()).isFalse();
        assertThat(model.stage("alpha").status()).isEqualTo(StageStatus.NOT_RUN);

        // F5 is Verify all, which works once connected (here without the verify a connection starts)
        shell.journey().verifyOnConnect(false);
        robot.interact(() -> model.connectionProperty().set(
                new dev.maas.installer.ui.model.ConnectionInfo("https://127.0.0.1:40123", "sandbox", true)));
        robot.push(KeyCode.F5);
        FxWait.until(TIMEOUT_S, () -> !model.run().isRunning() && model.stages().stream()
                .allMatch(s -> s.status() == StageStatus.OK));
        assertThat(model.stages()).allMatch(s -> !s.checks().isEmpty());
        assertThat(alpha.stepsRun).as("verify changes nothing").isEmpty();
    }

    @Test
    void shiftF10AndTheMenuKeyOpenTheStageMenuAndItsItemsRunFromTheKeyboard(FxRobot robot) throws Exception {
        robot.push(KeyCode.CONTROL, KeyCode.DIGIT3);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(focusId()).isEqualTo("stageList");
        assertThat(model.selected().id()).isEqualTo("gamma");
        javafx.scene.control.ContextMenu menu = robot.lookup("#stageList").queryListView().getContextMenu();

        robot.push(KeyCode.SHIFT, KeyCode.F10);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(menu.isShowing()).as("Shift+F10 opens the stage menu").isTrue();
        assertThat(menuTop(menu)).as("under the selected stage's cell").isGreaterThanOrEqualTo(cellBottom(2) - 2);
        robot.push(KeyCode.ESCAPE);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(menu.isShowing()).as("Esc closes it").isFalse();
        assertThat(model.run().isRunning()).isFalse();
        assertThat(focusId()).as("the focus stays on the list").isEqualTo("stageList");

        // Down, Down: "Verify this stage"; Enter runs it, for the selected stage only
        robot.push(KeyCode.SHIFT, KeyCode.F10);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(menu.isShowing()).isTrue();
        robot.push(KeyCode.DOWN).push(KeyCode.DOWN).push(KeyCode.ENTER);
        FxWait.until(TIMEOUT_S, () -> model.lastReportProperty().get() != null && !model.run().isRunning());
        assertThat(menu.isShowing()).isFalse();
        assertThat(model.lastReportProperty().get().operation()).isEqualTo(Operation.VERIFY);
        assertThat(model.stage("gamma").checks()).extracting(c -> c.name()).containsExactly("exists");
        assertThat(model.stage("alpha").checks()).as("only the selected stage was verified").isEmpty();
        assertThat(model.stage("delta").checks()).isEmpty();
        assertThat(gamma.stepsRun).as("verify changes nothing").isEmpty();

        // the Menu key, Down: "Rerun this stage" applies the selected stage alone
        robot.push(KeyCode.CONTEXT_MENU);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(menu.isShowing()).as("the Menu key opens it too").isTrue();
        robot.push(KeyCode.DOWN).push(KeyCode.ENTER);
        FxWait.until(TIMEOUT_S, () -> model.stage("gamma").status() == StageStatus.OK && !gamma.stepsRun.isEmpty()
                && !model.run().isRunning());
        assertThat(model.lastReportProperty().get().operation()).isEqualTo(Operation.APPLY);
        assertThat(gamma.stepsRun).containsExactly(1);
        assertThat(delta.stepsRun).as("and only that one").isEmpty();
        assertThat(alpha.stepsRun).isEmpty();
        assertThat(model.selected().id()).isEqualTo("gamma");

        // during a run: Esc closes the menu without cancelling the run; the menu's third item, Cancel (the one
        // enabled: the arrows pass over the disabled Rerun and Verify as over any item), does
        alpha.pauseAfterStep = 1;
        robot.interact(() -> model.runStage(Operation.APPLY, "alpha"));
        assertThat(alpha.paused.await(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();
        FxWait.until(TIMEOUT_S, () -> model.run().isRunning());
        robot.push(KeyCode.SHIFT, KeyCode.F10);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(menu.isShowing()).isTrue();
        robot.push(KeyCode.ESCAPE);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(menu.isShowing()).isFalse();
        assertThat(model.run().cancelRequestedProperty().get()).as("Esc only closed the menu").isFalse();
        robot.push(KeyCode.SHIFT, KeyCode.F10);
        WaitForAsyncUtils.waitForFxEvents();
        robot.push(KeyCode.DOWN).push(KeyCode.DOWN).push(KeyCode.DOWN).push(KeyCode.ENTER);
        FxWait.until(TIMEOUT_S, () -> model.run().cancelRequestedProperty().get());
        alpha.gate.countDown();
        FxWait.until(TIMEOUT_S, () -> model.stage("alpha").status() == StageStatus.CANCELLED && !model.run().isRunning());
        assertThat(alpha.stepsRun).containsExactly(1);
    }

    private double menuTop(javafx.scene.control.ContextMenu menu) throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> menu.getScene().getRoot()
                .localToScreen(menu.getScene().getRoot().getLayoutBounds()).getMinY()).get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    private double cellBottom(int index) throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> scene.getRoot().lookupAll(".list-cell").stream()
                .filter(n -> n instanceof javafx.scene.control.ListCell<?> c && c.getIndex() == index
                        && c.getListView() != null && "stageList".equals(c.getListView().getId()))
                .map(n -> n.localToScreen(n.getLayoutBounds()).getMaxY()).findFirst().orElseThrow())
                .get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    @Test
    void ctrlLGoesToTheLogFilterAndArrowsChangeIt(FxRobot robot) throws Exception {
        robot.push(KeyCode.CONTROL, KeyCode.L);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(focusId()).isEqualTo("logStageFilter");
        robot.push(KeyCode.DOWN);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.log().stageFilterProperty().get()).isEqualTo("alpha");
    }

    @Test
    void ctrlShiftDSwitchesTheThemeRemembersItAndTheFocusRingFollows(FxRobot robot) throws Exception {
        robot.push(KeyCode.CONTROL, KeyCode.DIGIT1);
        robot.push(KeyCode.ENTER);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(focusId()).isEqualTo("planButton");
        assertThat(ringColour("#planButton")).isEqualTo(LIGHT_ACCENT);
        assertThat(Application.getUserAgentStylesheet()).isEqualTo(Themes.userAgentStylesheet(false));

        robot.push(KeyCode.CONTROL, KeyCode.SHIFT, KeyCode.D);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(shell.theme().isDark()).isTrue();
        assertThat(robot.lookup("#themeToggle").queryAs(ToggleButton.class).isSelected()).isTrue();
        assertThat(Application.getUserAgentStylesheet()).isEqualTo(Themes.userAgentStylesheet(true));
        assertThat(Files.readString(themeFile)).isEqualTo("theme=dark\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(themeFile))).isEqualTo("rw-------");
        assertThat(focusId()).as("the focus stays where it was").isEqualTo("planButton");
        assertThat(ringColour("#planButton")).isEqualTo(DARK_ACCENT);
        Color pageBackground = WaitForAsyncUtils.asyncFx(() -> {
            javafx.scene.layout.Region sidebar = (javafx.scene.layout.Region) scene.lookup(".stage-sidebar");
            return (Color) sidebar.getBackground().getFills().get(0).getFill();
        }).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(pageBackground.getBrightness()).as("the sidebar is dark").isLessThan(0.2);

        robot.push(KeyCode.CONTROL, KeyCode.DIGIT2);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(listBorderColour()).as("the focused stage list has a ring too").isEqualTo(DARK_ACCENT);

        robot.push(KeyCode.CONTROL, KeyCode.SHIFT, KeyCode.D);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(shell.theme().isDark()).isFalse();
        assertThat(robot.lookup("#themeToggle").queryAs(ToggleButton.class).isSelected()).isFalse();
        assertThat(Application.getUserAgentStylesheet()).isEqualTo(Themes.userAgentStylesheet(false));
        assertThat(Files.readString(themeFile)).isEqualTo("theme=light\n");
    }

    @Test
    void theWizardStartsInTheRememberedTheme(FxRobot robot) throws Exception {
        Path remembered = dir.resolve("remembered.properties");
        Files.writeString(remembered, "theme=dark\n");
        boolean[] seen = WaitForAsyncUtils.asyncFx(() -> {
            Themes.apply(false);
            try (WizardShell other = WizardShell.builder().stages(List.of(new TestStage("x", 1))).env(k -> null)
                    .home(dir).theme(ThemeViewModel.remembered(remembered)).build()) {
                Scene s = other.scene(800, 600);
                ToggleButton toggle = (ToggleButton) s.lookup("#themeToggle");
                return new boolean[] {Application.getUserAgentStylesheet().equals(Themes.userAgentStylesheet(true)),
                    toggle.isSelected()};
            }
        }).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(seen).containsExactly(true, true);
    }

    @Test
    void aThemeThatCannotBeRememberedStillSwitchesAndTheLogSaysWhy(FxRobot robot) throws Exception {
        Path blocker = Files.writeString(dir.resolve("blocker"), "not a folder");
        String warning = WaitForAsyncUtils.asyncFx(() -> {
            try (WizardShell other = WizardShell.builder().stages(List.of(new TestStage("x", 1))).env(k -> null)
                    .home(dir).theme(ThemeViewModel.remembered(blocker.resolve("ui.properties"))).build()) {
                Scene s = other.scene(800, 600);
                ((ToggleButton) s.lookup("#themeToggle")).fire();
                assertThat(other.theme().isDark()).isTrue();
                return other.model().log().lines().get(other.model().log().lines().size() - 1).toString();
            } finally {
                Themes.apply(false);
            }
        }).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(warning).contains("WARN").contains("Could not remember the theme in " + blocker);
    }

    @Test
    void f1ListsTheShortcutsAndEscapeClosesTheList(FxRobot robot) throws Exception {
        robot.push(KeyCode.F1);
        WaitForAsyncUtils.waitForFxEvents();
        Node list = robot.lookup("#shortcutsList").query();
        List<String> texts = robot.from(list).lookup(".label").queryAllAs(Label.class).stream()
                .map(Label::getText).toList();
        assertThat(texts).contains("Alt+X / Alt+B", "Next / Back: the next or previous page of the guided setup",
                "Alt+F", "Alt+T", "Ctrl+Shift+D", "Switch between the light and the dark theme", "F5", "Ctrl+L",
                "Ctrl+1", "Ctrl+0", "Escape", "Ctrl+Shift+A", "F1", "Enter (stage list)",
                "Shift+F10 / Menu key (stage list)");
        javafx.stage.Window dialogWindow = list.getScene().getWindow();
        assertThat(dialogWindow.isShowing()).isTrue();
        robot.push(KeyCode.ESCAPE);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(dialogWindow.isShowing()).isFalse();
        assertThat(model.run().isRunning()).isFalse();
    }

    /** Start (a button on the welcome page) leaves with its page: the focus goes to the next page, not the header. */
    @Test
    void theFocusFollowsToTheNextPageWhenItsButtonLeaves(FxRobot robot) throws Exception {
        robot.interact(() -> model.showPage(WizardViewModel.Page.WELCOME));
        WaitForAsyncUtils.waitForFxEvents();
        robot.interact(() -> robot.lookup("#welcomeStart").query().requestFocus());
        robot.push(KeyCode.ENTER);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.page()).isEqualTo(WizardViewModel.Page.CONNECT);
        Node owner = robot.lookup("#connectPage").query().getScene().getFocusOwner();
        assertThat(owner).as("focus owner").isNotNull();
        boolean onConnectPage = false;
        for (Node p = owner; p != null; p = p.getParent()) {
            onConnectPage |= "connectPage".equals(p.getId());
        }
        assertThat(onConnectPage).as("the focus (%s) is on the Connect page", owner).isTrue();
    }

    /**
     * A page opens with the focus on its first control, never on the header's "Dark theme" button (the first control
     * of the window, where a scene puts its first focus): at the window's first show, and whenever a page opens while
     * the focus is nowhere or on the header.
     */
    @Test
    void aPageOpensWithTheFocusOnItsFirstControlNotTheThemeButton(FxRobot robot) throws Exception {
        assertThat(focusPath()).as("the window's first focus").contains("connectPage").doesNotContain("themeToggle");

        robot.interact(() -> scene.lookup("#themeToggle").requestFocus());
        robot.interact(() -> model.showPage(WizardViewModel.Page.WELCOME));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(focusPath()).as("welcome page opened from the header").contains("welcomePage");
        assertThat(focusId()).isEqualTo("welcomeStart");

        robot.interact(() -> scene.lookup("#shortcutsButton").requestFocus());
        robot.interact(() -> model.showPage(WizardViewModel.Page.REVIEW));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(focusPath()).as("review page opened from the header").contains("reviewPage");

        robot.interact(() -> scene.lookup("#themeToggle").requestFocus());
        robot.interact(() -> {
            model.select("gamma");
            model.showStagePage();
        });
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(focusId()).as("a stage page opened from the header: its first input").isEqualTo("gammaRealm");

        // the focus the user put elsewhere (the stage list) stays there
        robot.push(KeyCode.CONTROL, KeyCode.DIGIT1);
        WaitForAsyncUtils.waitForFxEvents();
        robot.interact(() -> model.showPage(WizardViewModel.Page.REVIEW));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(focusId()).isEqualTo("stageList");
    }

    /**
     * Alt+A is "St_art" on the welcome page and "_Apply all" on the review page. JavaFX leaves the welcome page's
     * mnemonic key behind (with an empty list) when the page goes; left there, it shadows the review page's, so Alt+A
     * does nothing there. Mnemonics.prune removes it.
     */
    @Test
    void altAIsApplyAllOnTheReviewPageAfterTheWelcomePage(FxRobot robot) throws Exception {
        robot.interact(() -> model.showPage(WizardViewModel.Page.WELCOME));
        WaitForAsyncUtils.waitForFxEvents();
        connect(robot);
        robot.interact(() -> model.showPage(WizardViewModel.Page.REVIEW));
        WaitForAsyncUtils.waitForFxEvents();
        FxWait.until(TIMEOUT_S, () -> !model.run().isRunning()); // the review page's plan
        robot.interact(() -> robot.lookup("#journeyBack").query().requestFocus());
        robot.push(KeyCode.ALT, KeyCode.A);
        WaitForAsyncUtils.waitForFxEvents();
        // Alt+A asks the one confirmation, naming the cluster; Alt+O ("Apply n_ow") answers it
        assertThat(robot.lookup("#reviewConfirm").query().isVisible()).as("Alt+A asked to confirm").isTrue();
        assertThat(alpha.stepsRun).as("nothing applied before the confirmation").isEmpty();
        robot.push(KeyCode.ALT, KeyCode.O);
        FxWait.until(TIMEOUT_S, () -> alpha.stepsRun.size() == 3 && !model.run().isRunning());
        FxWait.until(TIMEOUT_S, () -> shell.journey().appliedProperty().get() && !model.run().isRunning());
        // Alt+O ran Apply all, then the verify that follows every apply all
        assertThat(model.lastReportProperty().get().operation()).isEqualTo(Operation.VERIFY);
        assertThat(model.page()).isEqualTo(WizardViewModel.Page.APPLY);
    }

    @Test
    void altXAndAltBWalkTheJourneyAndAltTAndAltFRerunAndRefresh(FxRobot robot) throws Exception {
        robot.interact(() -> model.showPage(WizardViewModel.Page.WELCOME));
        robot.push(KeyCode.ALT, KeyCode.X);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.page()).as("Alt+X is Next").isEqualTo(WizardViewModel.Page.CONNECT);
        assertThat(robot.lookup("#journeyNext").queryButton().isDisabled()).as("not connected yet").isTrue();
        robot.push(KeyCode.ALT, KeyCode.X);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.page()).as("Alt+X does nothing while Next is disabled").isEqualTo(WizardViewModel.Page.CONNECT);
        robot.push(KeyCode.ALT, KeyCode.B);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.page()).as("Alt+B is Back").isEqualTo(WizardViewModel.Page.WELCOME);

        connect(robot);
        // connected from the welcome page to a cluster with the stages installed: the overview of what is installed;
        // Alt+B goes back to the welcome page
        assertThat(model.page()).isEqualTo(WizardViewModel.Page.OVERVIEW);
        robot.push(KeyCode.ALT, KeyCode.B);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.page()).isEqualTo(WizardViewModel.Page.WELCOME);
        robot.push(KeyCode.ALT, KeyCode.X).push(KeyCode.ALT, KeyCode.X);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.page()).isEqualTo(WizardViewModel.Page.STAGE);
        assertThat(model.selected().id()).isEqualTo("alpha");
        assertThat(text("#journeyStep")).isEqualTo("Step 3 of 9: Test stage alpha");

        robot.push(KeyCode.ALT, KeyCode.T);
        FxWait.until(TIMEOUT_S, () -> alpha.stepsRun.size() == 3 && !model.run().isRunning());
        assertThat(alpha.stepsRun).as("Alt+T reran the selected stage").containsExactly(1, 2, 3);
        assertThat(beta.stepsRun).as("and only that one").isEmpty();

        var before = model.lastReportProperty().get();
        robot.push(KeyCode.ALT, KeyCode.F);
        FxWait.until(TIMEOUT_S, () -> model.lastReportProperty().get() != before && !model.run().isRunning());
        assertThat(model.lastReportProperty().get().operation()).as("Alt+F is Refresh").isEqualTo(Operation.VERIFY);
        assertThat(alpha.stepsRun).as("Refresh changes nothing").hasSize(3);
    }

    @Test
    void tabReachesRefreshRerunBackAndNextAndSpacePressesNext(FxRobot robot) throws Exception {
        connect(robot);
        robot.push(KeyCode.CONTROL, KeyCode.DIGIT1);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(focusId()).isEqualTo("stageList");
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            robot.push(KeyCode.TAB);
            WaitForAsyncUtils.waitForFxEvents();
            String id = focusId();
            order.add(id);
            if ("stageList".equals(id)) {
                break;
            }
        }
        assertThat(order).as("Tab order " + order).endsWith("stageList").doesNotHaveDuplicates()
                .containsSubsequence("rerunStageButton", "planAllButton", "planButton", "journeyBack", "journeyNext",
                        "logStageFilter")
                .containsSubsequence("refreshStagesButton", "stageList");
        for (int i = 0; i < 40 && !"journeyNext".equals(focusId()); i++) {
            robot.push(KeyCode.TAB);
            WaitForAsyncUtils.waitForFxEvents();
        }
        assertThat(focusId()).isEqualTo("journeyNext");
        robot.push(KeyCode.SPACE);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.selected().id()).as("Space on Next shows the next stage").isEqualTo("beta");
        for (int i = 0; i < 40 && !"journeyBack".equals(focusId()); i++) {
            robot.push(KeyCode.SHIFT, KeyCode.TAB);
            WaitForAsyncUtils.waitForFxEvents();
        }
        robot.push(KeyCode.SPACE);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(model.selected().id()).as("Space on Back").isEqualTo("alpha");
    }

    @Test
    void noTwoControlsOnScreenShareAnAltLetterOnAnyPage(FxRobot robot) throws Exception {
        connect(robot);
        List<Runnable> pages = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (WizardViewModel.Page p : List.of(WizardViewModel.Page.WELCOME, WizardViewModel.Page.CONNECT,
                WizardViewModel.Page.REVIEW, WizardViewModel.Page.APPLY, WizardViewModel.Page.SUMMARY)) {
            pages.add(() -> model.showPage(p));
            names.add(p + " page");
        }
        for (String id : List.of("alpha", "beta", "gamma", "delta")) {
            pages.add(() -> {
                model.select(id);
                model.showStagePage();
            });
            names.add("stage page " + id);
        }
        List<String> problems = new ArrayList<>();
        Set<String> letters = new java.util.TreeSet<>();
        for (int i = 0; i < pages.size(); i++) {
            robot.interact(pages.get(i));
            WaitForAsyncUtils.waitForFxEvents();
            String page = names.get(i);
            problems.addAll(WaitForAsyncUtils.asyncFx(() -> {
                scene.getRoot().applyCss();
                List<String> found = new ArrayList<>();
                // Alt+n and Alt+N are one key: group the letters case-insensitively
                java.util.Map<String, List<String>> byLetter = new java.util.TreeMap<>();
                scene.getMnemonics().forEach((keys, list) -> {
                    String letter = keys.toString().toUpperCase(java.util.Locale.ROOT);
                    list.stream().map(javafx.scene.input.Mnemonic::getNode)
                            .filter(n -> shown(n) && !n.isDisabled())
                            .forEach(n -> byLetter.computeIfAbsent(letter, k -> new ArrayList<>()).add(n.getId() + ""));
                });
                letters.addAll(byLetter.keySet());
                byLetter.forEach((letter, live) -> {
                    if (live.size() > 1) {
                        found.add(page + ": " + letter + " is on " + live);
                    }
                });
                return found;
            }).get(TIMEOUT_S, TimeUnit.SECONDS));
        }
        assertThat(problems).as("mnemonic clashes (Alt would only move the focus between them)").isEmpty();
        assertThat(letters).as("the mnemonics were found").hasSizeGreaterThan(10);
    }

    private static boolean shown(Node n) {
        for (Node p = n; p != null; p = p.getParent()) {
            if (!p.isVisible()) {
                return false;
            }
        }
        return n.getScene() != null;
    }

    private void connect(FxRobot robot) throws Exception {
        robot.interact(() -> model.connectionProperty().set(
                new dev.maas.installer.ui.model.ConnectionInfo("https://127.0.0.1:40123", "sandbox", true)));
        // connecting verifies every stage
        FxWait.until(TIMEOUT_S, () -> !model.run().isRunning() && model.stages().stream()
                .allMatch(s -> s.status() == StageStatus.OK));
    }

    /** The ids of the focused node and its ancestors, innermost first. */
    private List<String> focusPath() throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> {
            List<String> ids = new ArrayList<>();
            for (Node n = scene.getFocusOwner(); n != null; n = n.getParent()) {
                if (n.getId() != null) {
                    ids.add(n.getId());
                }
            }
            return ids;
        }).get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    private String focusId() throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> {
            Node n = scene.getFocusOwner();
            while (n != null && n.getId() == null) {
                n = n.getParent();
            }
            return n == null ? null : n.getId();
        }).get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    private String text(String query) throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> ((Label) scene.lookup(query)).getText()).get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    /** The outermost background fill of a focused button: the focus ring, drawn outside the button. */
    private Color ringColour(String query) throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> {
            Button b = (Button) scene.lookup(query);
            b.applyCss();
            BackgroundFill ring = b.getBackground().getFills().get(0);
            assertThat(ring.getInsets().getTop()).as("the ring is outside the button").isNegative();
            return (Color) ring.getFill();
        }).get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    private Color listBorderColour() throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> {
            ListView<?> list = (ListView<?>) scene.lookup("#stageList");
            list.applyCss();
            assertThat(list.getBorder().getStrokes().get(0).getWidths().getTop()).isEqualTo(2);
            return (Color) list.getBorder().getStrokes().get(0).getTopStroke();
        }).get(TIMEOUT_S, TimeUnit.SECONDS);
    }
}
