package dev.maas.installer.ui;

import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.ui.model.ConnectionInfo;
import dev.maas.installer.ui.model.StageStatus;
import dev.maas.installer.ui.model.StageViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import dev.maas.installer.ui.view.Themes;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.Labeled;
import javafx.scene.layout.BackgroundFill;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every text the window shows, in both themes, has a contrast of at least 4.5:1 (WCAG AA) against what is behind
 * it: stage statuses in their colours, the sandbox badge, the "What to do" box, warning and error log lines, the
 * header, buttons and inputs. Colours are read from the nodes after CSS, backgrounds composited where translucent.
 */
@StartsSandbox
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class ThemeReadabilityFxTest {
    private static final long TIMEOUT_S = 15;
    private static final double AA = 4.5;

    private final TestStage alpha = new TestStage("alpha", 2);
    private final TestStage beta = new TestStage("beta", 1);
    private final TestStage gamma = new TestStage("gamma", 1);
    private final TestStage delta = new TestStage("delta", 1, "gamma");
    private final TestStage epsilon = new TestStage("epsilon", 1);
    private final Stage later = new Stage() {
        @Override public String id() { return "later"; }

        @Override public String title() { return "Later stage"; }

        @Override public List<String> dependencies() { return List.of(); }

        @Override public java.util.Optional<StageException> notAvailableHere(StageContext ctx) {
            return java.util.Optional.of(new StageException("Later stage cannot be tried here: no Keycloak",
                    Fix.manual("connect to a cluster with Keycloak")));
        }

        @Override public List<Change> plan(StageContext ctx) { throw new UnsupportedOperationException(); }

        @Override public List<Change> apply(StageContext ctx, Progress p) { throw new UnsupportedOperationException(); }

        @Override public List<Check> verify(StageContext ctx) { throw new UnsupportedOperationException(); }
    };
    private WizardShell shell;
    private WizardViewModel model;
    private Scene scene;

    @Start
    void start(javafx.stage.Stage window) {
        shell = WizardShell.builder().stages(List.of(alpha, beta, gamma, delta, epsilon, later)).env(k -> null)
                .contextFactory(c -> new StageContext(InstallerConfig.defaults(), new SecretRegistry(), c))
                .build();
        // the statuses below are set up run by run: connecting must not verify every stage over them
        shell.journey().verifyOnConnect(false);
        model = shell.model();
        scene = shell.scene(1366, 768);
        window.setScene(scene);
        window.show();
    }

    @AfterEach
    void tearDown() {
        shell.close();
        WaitForAsyncUtils.asyncFx(() -> Themes.apply(false));
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void everyTextIsReadableInBothThemes(FxRobot robot) throws Exception {
        // statuses ok, failed, skipped, not available, then planned and warning; warnings and errors in the log
        gamma.fail = true;
        robot.interact(() -> model.runAll(Operation.APPLY));
        FxWait.until(TIMEOUT_S, () -> !model.run().isRunning() && model.stage("delta").status() == StageStatus.SKIPPED);
        robot.interact(() -> {
            model.select("beta");
            model.plan();
        });
        FxWait.until(TIMEOUT_S, () -> !model.run().isRunning() && model.stage("beta").status() == StageStatus.PLANNED);
        alpha.warnOnVerify = true;
        robot.interact(() -> {
            model.select("alpha");
            model.verify();
        });
        FxWait.until(TIMEOUT_S, () -> !model.run().isRunning() && model.stage("alpha").status() == StageStatus.WARNING);
        robot.interact(() -> model.connectionProperty().set(
                new ConnectionInfo("https://127.0.0.1:40123", "sandbox", true)));
        assertThat(model.stages()).extracting(StageViewModel::status).containsExactly(StageStatus.WARNING,
                StageStatus.PLANNED, StageStatus.FAILED, StageStatus.SKIPPED, StageStatus.OK,
                StageStatus.NOT_HERE);
        // the warning and error lines, not scrolled away by the later info lines
        robot.interact(() -> model.log().levelFilterProperty().set(
                dev.maas.installer.ui.model.LogViewModel.LevelFilter.WARN));

        for (boolean dark : List.of(false, true)) {
            robot.interact(() -> shell.theme().darkProperty().set(dark));
            List<String> problems = new ArrayList<>();
            Set<String> seen = new TreeSet<>();
            for (StageViewModel s : model.stages()) {
                robot.interact(() -> model.select(s.id()));
                WaitForAsyncUtils.waitForFxEvents();
                problems.addAll(WaitForAsyncUtils.asyncFx(() -> {
                    scene.getRoot().applyCss();
                    scene.getRoot().layout();
                    List<String> found = new ArrayList<>();
                    check(scene.getRoot(), found, seen);
                    return found;
                }).get(TIMEOUT_S, TimeUnit.SECONDS));
            }
            assertThat(problems).as("texts below %s:1 (dark=%s)", AA, dark).isEmpty();
            assertThat(seen).as("the custom styles were all checked (dark=%s)", dark).contains("status-ok",
                    "status-warning", "status-failed", "status-skipped", "status-planned", "status-not-here",
                    "sandbox-badge", "stage-fix", "log-warn", "log-error", "app-title", "nav-state");
        }

        // the journey's pages and the Back/Next bar (with the reason Next is disabled), after the stage pages: the
        // review page plans every stage again when shown, which changes the statuses checked above
        for (boolean dark : List.of(false, true)) {
            robot.interact(() -> shell.theme().darkProperty().set(dark));
            List<String> problems = new ArrayList<>();
            Set<String> pagesSeen = new TreeSet<>();
            for (WizardViewModel.Page p : List.of(WizardViewModel.Page.WELCOME, WizardViewModel.Page.APPLY,
                    WizardViewModel.Page.SUMMARY, WizardViewModel.Page.REVIEW)) {
                robot.interact(() -> model.showPage(p));
                FxWait.until(TIMEOUT_S, () -> !model.run().isRunning());
                WaitForAsyncUtils.waitForFxEvents();
                problems.addAll(WaitForAsyncUtils.asyncFx(() -> {
                    scene.getRoot().applyCss();
                    scene.getRoot().layout();
                    for (String id : List.of("#welcomePage", "#applyPage", "#summaryPage", "#reviewPage",
                            "#journeyBack", "#journeyStep", "#journeyNext")) {
                        if (scene.lookup(id) != null) {
                            pagesSeen.add(id);
                        }
                    }
                    List<String> found = new ArrayList<>();
                    check(scene.getRoot(), found, new TreeSet<>());
                    return found;
                }).get(TIMEOUT_S, TimeUnit.SECONDS));
            }
            assertThat(shell.journey().blockedReason().get()).as("the review page gives a reason").isNotEmpty();
            assertThat(problems).as("journey texts below %s:1 (dark=%s)", AA, dark).isEmpty();
            assertThat(pagesSeen).as("every journey page was checked").contains("#welcomePage", "#applyPage",
                    "#summaryPage", "#reviewPage", "#journeyBack", "#journeyStep", "#journeyNext");
        }
    }

    private static final Set<String> CUSTOM = Set.of("status-ok", "status-warning", "status-failed", "status-skipped",
            "status-planned", "status-not-here", "sandbox-badge", "stage-fix", "log-warn", "log-error",
            "app-title", "nav-state");

    private static void check(Node n, List<String> problems, Set<String> seen) {
        if (!n.isVisible() || n.getOpacity() < 1) {
            return;
        }
        if (n instanceof Labeled l && !l.isDisabled() && l.getText() != null && !l.getText().isBlank()
                && l.getTextFill() instanceof Color fg && l.getWidth() > 0) {
            Color bg = background(l);
            double ratio = contrast(fg, bg);
            l.getStyleClass().stream().filter(CUSTOM::contains).forEach(seen::add);
            if (ratio < AA) {
                problems.add(String.format("'%s' %s: %s on %s = %.2f", l.getText(), l.getStyleClass(), fg, bg, ratio));
            }
        }
        if (n instanceof Parent p) {
            for (Node c : p.getChildrenUnmodifiable()) {
                check(c, problems, seen);
            }
        }
    }

    /** What is behind the node: the innermost background fill of it and its parents, translucent ones composited. */
    static Color background(Node node) {
        List<Color> layers = new ArrayList<>();
        for (Node n = node; n != null; n = n.getParent()) {
            if (n instanceof Region r && r.getBackground() != null && !r.getBackground().getFills().isEmpty()) {
                List<BackgroundFill> fills = r.getBackground().getFills();
                BackgroundFill top = fills.get(fills.size() - 1);
                if (top.getFill() instanceof Color c && c.getOpacity() > 0) {
                    layers.add(c);
                    if (c.getOpacity() >= 1) {
                        break;
                    }
                }
            }
        }
        Color result = Color.WHITE;
        for (int i = layers.size() - 1; i >= 0; i--) {
            Color c = layers.get(i);
            double a = c.getOpacity();
            result = new Color(c.getRed() * a + result.getRed() * (1 - a), c.getGreen() * a + result.getGreen() * (1 - a),
                    c.getBlue() * a + result.getBlue() * (1 - a), 1);
        }
        return result;
    }

    static double contrast(Color a, Color b) {
        double la = luminance(a);
        double lb = luminance(b);
        return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
    }

    private static double luminance(Color c) {
        return 0.2126 * channel(c.getRed()) + 0.7152 * channel(c.getGreen()) + 0.0722 * channel(c.getBlue());
    }

    private static double channel(double v) {
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    }
}
