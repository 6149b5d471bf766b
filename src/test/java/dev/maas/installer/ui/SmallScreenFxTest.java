package dev.maas.installer.ui;

import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.ui.model.ConnectionViewModel;
import dev.maas.installer.ui.model.StageViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import dev.maas.installer.ui.view.FocusScroller;
import dev.maas.installer.ui.view.Themes;
import javafx.geometry.BoundingBox;
import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.ButtonBase;
import javafx.scene.control.ComboBoxBase;
import javafx.scene.control.Labeled;
import javafx.scene.control.ListView;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TableView;
import javafx.scene.control.TextInputControl;
import javafx.scene.control.TitledPane;
import javafx.scene.text.Text;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The real wizard (default stages and pages, with the guided journey) at 1366x768 and at its minimum size (1000x620),
 * light and dark: on the welcome page, the Connect page (both modes), every stage page and the review, apply and
 * summary pages, every button, field, box and list (and the Back/Next bar's step and reason) is inside the window or
 * can be scrolled into view, is big enough, shows its whole label, and does not overlap another one.
 */
@StartsSandbox
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class SmallScreenFxTest {
    private static final double MIN_SCROLL_VIEWPORT = 100;
    private static final List<WizardViewModel.Page> JOURNEY_PAGES = List.of(WizardViewModel.Page.WELCOME,
            WizardViewModel.Page.REVIEW, WizardViewModel.Page.APPLY, WizardViewModel.Page.SUMMARY);
    private static final java.util.Map<WizardViewModel.Page, String> PAGE_IDS = java.util.Map.of(
            WizardViewModel.Page.WELCOME, "#welcomePage", WizardViewModel.Page.REVIEW, "#reviewPage",
            WizardViewModel.Page.APPLY, "#applyPage", WizardViewModel.Page.SUMMARY, "#summaryPage");

    @TempDir
    static Path dir;

    private WizardShell shell;
    private WizardViewModel model;
    private javafx.stage.Stage window;
    private Scene scene;

    @Start
    void start(javafx.stage.Stage primary) {
        // a window of its own: resizing TestFX's shared primary stage would fix its size for the next test classes
        this.window = new javafx.stage.Stage();
        shell = WizardShell.builder().env(k -> null).home(dir).sandboxDir(dir.resolve("sandbox"))
                .build();
        model = shell.model();
        scene = shell.scene(1366, 768);
        window.setScene(scene);
        window.show();
    }

    @AfterEach
    void tearDown() throws Exception {
        WaitForAsyncUtils.asyncFx(window::close).get(15, TimeUnit.SECONDS);
        shell.close();
        WaitForAsyncUtils.asyncFx(() -> Themes.apply(false));
        WaitForAsyncUtils.waitForFxEvents();
    }

    @ParameterizedTest(name = "{0}x{1}, dark={2}")
    @CsvSource({"1366, 768, false", "1366, 768, true", "1000, 620, false", "1000, 620, true"})
    void everyControlOfEveryPageFitsOrScrollsIntoView(int width, int height, boolean dark, FxRobot robot)
            throws Exception {
        fx(() -> {
            shell.theme().darkProperty().set(dark);
            window.setWidth(width);
            window.setHeight(height);
        });
        assertThat(scene.getWidth()).isEqualTo(width);
        assertThat(scene.getHeight()).isEqualTo(height);

        List<String> problems = new ArrayList<>();
        fx(model::showConnectPage);
        problems.addAll(check("Connect page (kubeconfig)"));
        fx(() -> scene.getRoot().lookupAll(".titled-pane").forEach(t -> {
            ((TitledPane) t).setAnimated(false);
            ((TitledPane) t).setExpanded(true);
        }));
        problems.addAll(check("Connect page (expanded)"));
        fx(() -> shell.connection().modeProperty().set(ConnectionViewModel.Mode.TOKEN));
        problems.addAll(check("Connect page (token)"));
        fx(() -> shell.connection().modeProperty().set(ConnectionViewModel.Mode.KUBECONFIG));
        for (StageViewModel s : model.stages()) {
            fx(() -> {
                model.selectedProperty().set(s);
                model.showStagePage();
            });
            problems.addAll(check("stage page " + s.id()));
            javafx.scene.control.Button add = (javafx.scene.control.Button) scene.lookup("#models-add");
            if (add != null && add.isVisible()) {
                fx(() -> {
                    add.fire();
                    add.fire();
                });
                problems.addAll(check("stage page " + s.id() + " with two models"));
            }
        }
        for (WizardViewModel.Page p : JOURNEY_PAGES) {
            fx(() -> model.showPage(p));
            assertThat(scene.lookup(PAGE_IDS.get(p))).as(p + " page shown").isNotNull();
            problems.addAll(check(p + " page"));
        }
        // the longest reason the bar gives, next to Back, the step and Next
        fx(() -> model.showPage(WizardViewModel.Page.CONNECT));
        assertThat(shell.journey().blockedReason().get()).isNotEmpty();
        problems.addAll(check("Connect page (Next disabled, with its reason)"));
        assertThat(problems).as("layout problems at %dx%d (dark=%s)", width, height, dark).isEmpty();
        assertThat(model.stages()).hasSizeGreaterThanOrEqualTo(7);
    }

    @org.junit.jupiter.api.Test
    void tabWalksEachPageInReadingOrderAndScrollsEveryControlIntoViewAtTheMinimumSize(FxRobot robot)
            throws Exception {
        fx(() -> {
            window.setWidth(1000);
            window.setHeight(620);
            window.requestFocus();
        });
        List<String> problems = new ArrayList<>();
        fx(model::showConnectPage);
        fx(() -> scene.getRoot().lookupAll(".titled-pane").forEach(t -> {
            ((TitledPane) t).setAnimated(false);
            ((TitledPane) t).setExpanded(true);
        }));
        problems.addAll(walk(robot, "Connect page", "#connectPage"));
        for (StageViewModel s : model.stages()) {
            fx(() -> {
                model.selectedProperty().set(s);
                model.showStagePage();
            });
            problems.addAll(walk(robot, "stage page " + s.id(), "#stagePage"));
        }
        // the apply page has no enabled control before a run (Cancel is disabled, Retry hidden)
        for (WizardViewModel.Page p : List.of(WizardViewModel.Page.WELCOME, WizardViewModel.Page.REVIEW,
                WizardViewModel.Page.SUMMARY)) {
            fx(() -> model.showPage(p));
            problems.addAll(walk(robot, p + " page", PAGE_IDS.get(p)));
        }
        assertThat(problems).as("Tab order problems at 1000x620").isEmpty();
    }

    @org.junit.jupiter.api.Test
    void anEmptyStatusLineTakesNoRoomAndOneWithTextIsShown(FxRobot robot) throws Exception {
        // the summary page: its buttons' status lines (credentials, diagnostics) sit between the buttons and the links
        fx(() -> model.showPage(WizardViewModel.Page.SUMMARY));
        FxWait.until(15, () -> !shell.summary().linksStatusProperty().get().startsWith("Looking"));
        assertThat(statusLine("#summaryCredentialsStatus")).isEqualTo("hidden");
        assertThat(statusLine("#summaryDiagnosticsStatus")).isEqualTo("hidden");
        assertThat(gapUnder("#summaryShowCredentials", "#summaryLinks"))
                .as("the buttons' row is followed by the links, one spacing apart").isEqualTo(10, within(1.0));
        assertThat(statusLine("#summaryLinksStatus"))
                .as("no cluster: the links status says why, so it is shown").startsWith("shown: Some links");

        // not connected: reading the credentials fails, and the status line says so, between buttons and links
        fx(() -> shell.summary().showCredentials());
        FxWait.until(15, () -> shell.summary().credentialsStatusProperty().get().startsWith("Could not"));
        assertThat(statusLine("#summaryCredentialsStatus")).startsWith("shown: Could not read the credentials");
        assertThat(gapUnder("#summaryShowCredentials", "#summaryLinks"))
                .as("the shown status line takes its room").isGreaterThan(20);
        fx(() -> shell.summary().hideCredentials());
        assertThat(statusLine("#summaryCredentialsStatus")).isEqualTo("hidden");
        assertThat(gapUnder("#summaryShowCredentials", "#summaryLinks")).isEqualTo(10, within(1.0));

        // the review page: the export status appears under the buttons once there is something to say
        fx(() -> model.showPage(WizardViewModel.Page.REVIEW));
        assertThat(statusLine("#reviewExportStatus")).isEqualTo("hidden");
        fx(() -> shell.review().export(dir.resolve("exported.yaml")));
        FxWait.until(15, () -> shell.review().exportStatusProperty().get().startsWith("Exported"));
        assertThat(statusLine("#reviewExportStatus")).startsWith("shown: Exported to ");
        String planStatus = shell.review().statusProperty().get();
        assertThat(statusLine("#reviewStatus")).isEqualTo(planStatus.isEmpty() ? "hidden" : "shown: " + planStatus);

        // the apply page before Apply all: the overall state (of the review's plan) is shown, "Every stage is
        // applied" is not
        FxWait.until(15, () -> !model.run().isRunning());
        fx(() -> model.showPage(WizardViewModel.Page.APPLY));
        assertThat(statusLine("#applyOverall")).isEqualTo("shown: " + model.run().overallTextProperty().get());
        assertThat(statusLine("#applyDone")).isEqualTo("hidden");
    }

    /** "hidden" for a status line that is neither shown nor laid out, "shown: its text" for one that is both. */
    private String statusLine(String query) throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> {
            scene.getRoot().applyCss();
            scene.getRoot().layout();
            javafx.scene.control.Label l = (javafx.scene.control.Label) scene.lookup(query);
            assertThat(l).as(query).isNotNull();
            if (!l.isVisible() && !l.isManaged()) {
                return "hidden";
            }
            return l.isVisible() && l.isManaged() && l.getHeight() > 0 ? "shown: " + l.getText()
                    : "visible=" + l.isVisible() + " managed=" + l.isManaged() + " height=" + l.getHeight();
        }).get(15, TimeUnit.SECONDS);
    }

    /** The room between the bottom of the first node and the top of the second, in the scene. */
    private double gapUnder(String above, String below) throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> {
            scene.getRoot().applyCss();
            scene.getRoot().layout();
            return sceneBounds(scene.lookup(below)).getMinY() - sceneBounds(scene.lookup(above)).getMaxY();
        }).get(15, TimeUnit.SECONDS);
    }

    /**
     * Focuses the page's first control, then presses Tab until the focus leaves the page: every control the page
     * shows must be visited once, in reading order (top to bottom, left to right within a row), each scrolled into
     * view when it gets the focus.
     */
    private List<String> walk(FxRobot robot, String page, String pageQuery) throws Exception {
        List<String> problems = new ArrayList<>();
        Parent pageNode = (Parent) scene.lookup(pageQuery);
        ScrollPane pane = (ScrollPane) pageNode;
        List<Node> expected = WaitForAsyncUtils.asyncFx(() -> {
            scene.getRoot().applyCss();
            scene.getRoot().layout();
            List<Node> all = new ArrayList<>();
            focusables(pane.getContent(), all);
            if (!all.isEmpty()) {
                all.get(0).requestFocus();
            }
            return all;
        }).get(15, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(expected).as(page + ": focusable controls").isNotEmpty();
        List<Node> visited = new ArrayList<>();
        for (int i = 0; i <= expected.size() + 2; i++) {
            Node owner = WaitForAsyncUtils.asyncFx(() -> {
                Node n = scene.getFocusOwner();
                for (Node p = n; p != null; p = p.getParent()) {
                    if (expected.contains(p)) {
                        return p;
                    }
                }
                return null;
            }).get(15, TimeUnit.SECONDS);
            if (owner == null) {
                break;
            }
            visited.add(owner);
            String where = WaitForAsyncUtils.asyncFx(() -> {
                Bounds vp = sceneBounds(pane.lookup(".viewport"));
                Bounds b = sceneBounds(owner);
                boolean seen = contains(vp, b) || b.getHeight() > vp.getHeight() && b.getMinY() <= vp.getMinY() + 9;
                return seen ? null : b + " outside the viewport " + vp;
            }).get(15, TimeUnit.SECONDS);
            if (where != null) {
                problems.add(page + ": " + name(owner) + " got the focus but is not in view: " + where);
            }
            robot.push(javafx.scene.input.KeyCode.TAB);
            WaitForAsyncUtils.waitForFxEvents();
        }
        if (!visited.equals(expected)) {
            problems.add(page + ": Tab visited " + visited.stream().map(SmallScreenFxTest::name).toList()
                    + " instead of " + expected.stream().map(SmallScreenFxTest::name).toList());
        }
        List<Bounds> bounds = WaitForAsyncUtils.asyncFx(() -> expected.stream()
                .map(n -> pane.getContent().sceneToLocal(sceneBounds(n))).toList()).get(15, TimeUnit.SECONDS);
        for (int i = 1; i < bounds.size(); i++) {
            Bounds prev = bounds.get(i - 1);
            Bounds next = bounds.get(i);
            boolean below = next.getMinY() >= prev.getMinY() - 4;
            boolean sameRowRight = next.getMinX() >= prev.getMaxX() - 1 && next.getMinY() < prev.getMaxY();
            if (!below && !sameRowRight) {
                problems.add(page + ": Tab goes back up from " + name(expected.get(i - 1)) + " to "
                        + name(expected.get(i)));
            }
        }
        return problems;
    }

    /** The controls of a page that take the focus, in scene-graph (Tab) order. */
    private static void focusables(Node n, List<Node> out) {
        if (!n.isVisible() || n.isDisabled()) {
            return;
        }
        if (n instanceof javafx.scene.control.RadioButton r && r.getToggleGroup() != null && !r.isSelected()) {
            return; // in a group only the selected one is a Tab stop; the arrow keys choose another
        }
        if (n.isFocusTraversable()) {
            out.add(n);
            if (!(n instanceof TitledPane)) {
                return;
            }
        }
        if (n instanceof TitledPane t) {
            if (t.isExpanded() && t.getContent() != null) {
                focusables(t.getContent(), out);
            }
            return;
        }
        if (n instanceof Parent p) {
            for (Node c : p.getChildrenUnmodifiable()) {
                focusables(c, out);
            }
        }
    }

    private void fx(Runnable r) throws Exception {
        WaitForAsyncUtils.asyncFx(r).get(15, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitForFxEvents();
    }

    private List<String> check(String page) throws Exception {
        WaitForAsyncUtils.waitForFxEvents();
        return WaitForAsyncUtils.asyncFx(() -> {
            scene.getRoot().applyCss();
            scene.getRoot().layout();
            return checkNow(page);
        }).get(15, TimeUnit.SECONDS);
    }

    private List<String> checkNow(String page) {
        List<String> problems = new ArrayList<>();
        List<Node> controls = new ArrayList<>();
        collect(scene.getRoot(), controls);
        assertThat(controls).as(page + ": controls found").hasSizeGreaterThan(10);
        Bounds window = new BoundingBox(0, 0, scene.getWidth(), scene.getHeight());
        // overlaps: compared within the same scroll pane (content scrolled away may lie under other parts)
        for (int i = 0; i < controls.size(); i++) {
            for (int j = i + 1; j < controls.size(); j++) {
                Node a = controls.get(i);
                Node b = controls.get(j);
                if (scrollPaneOf(a) != scrollPaneOf(b) || isInside(a, b) || isInside(b, a)) {
                    continue;
                }
                Bounds ba = sceneBounds(a);
                Bounds bb = sceneBounds(b);
                double w = Math.min(ba.getMaxX(), bb.getMaxX()) - Math.max(ba.getMinX(), bb.getMinX());
                double h = Math.min(ba.getMaxY(), bb.getMaxY()) - Math.max(ba.getMinY(), bb.getMinY());
                if (w > 1 && h > 1) {
                    problems.add(page + ": " + name(a) + " overlaps " + name(b));
                }
            }
        }
        for (Node n : controls) {
            Bounds b = sceneBounds(n);
            if (n instanceof TextInputControl || n instanceof ComboBoxBase) {
                if (b.getWidth() < 60 || b.getHeight() < 16) {
                    problems.add(page + ": " + name(n) + " is too small: " + size(b));
                }
            } else if (n instanceof ListView || n instanceof TableView) {
                if (b.getWidth() < 150 || b.getHeight() < 50) {
                    problems.add(page + ": " + name(n) + " is too small: " + size(b));
                }
            }
            if (n instanceof Labeled l && l.getText() != null && !l.getText().isEmpty()) {
                String expected = l.isMnemonicParsing() ? l.getText().replaceFirst("_(?=.)", "") : l.getText();
                Node text = (l instanceof TitledPane ? l.lookup(".title") : l).lookup(".text");
                String shown = text instanceof Text t ? t.getText() : null;
                if (shown == null || !shown.replace("\n", " ").strip().equals(expected.replace("\n", " ").strip())) {
                    problems.add(page + ": " + name(n) + " shows '" + shown + "' instead of '" + expected + "'");
                }
            }
            ScrollPane sp = scrollPaneOf(n);
            if (sp == null) {
                if (!contains(window, b)) {
                    problems.add(page + ": " + name(n) + " is cut off: " + b);
                }
                continue;
            }
            Node viewport = sp.lookup(".viewport");
            Bounds vp = sceneBounds(viewport);
            if (!contains(window, vp) || vp.getHeight() < MIN_SCROLL_VIEWPORT) {
                problems.add(page + ": the scroll pane of " + name(n) + " is cut off or too small: " + vp);
                continue;
            }
            FocusScroller.ensureVisible(n);
            scene.getRoot().layout();
            Bounds after = sceneBounds(n);
            if (!contains(vp, after) && !(after.getHeight() > vp.getHeight() && after.getWidth() <= vp.getWidth() + 1)) {
                problems.add(page + ": " + name(n) + " cannot be scrolled into view: " + after + " vs " + vp);
            }
        }
        return problems;
    }

    /** The visible controls a user works with; the parts inside another control (its skin) are left out. */
    private static void collect(Node n, List<Node> out) {
        if (!n.isVisible()) {
            return;
        }
        if (n instanceof ButtonBase || n instanceof TextInputControl || n instanceof ComboBoxBase
                || n instanceof ListView || n instanceof TableView
                || n instanceof Labeled && n.getId() != null && n.getId().matches("journey(Step|Reason)")) {
            out.add(n);
            return;
        }
        if (n instanceof TitledPane t) {
            out.add(t);
            if (t.getContent() != null && t.isExpanded()) {
                collect(t.getContent(), out);
            }
            return;
        }
        if (n instanceof Parent p) {
            for (Node c : p.getChildrenUnmodifiable()) {
                collect(c, out);
            }
        }
    }

    private static boolean isInside(Node n, Node ancestor) {
        for (Node p = n.getParent(); p != null; p = p.getParent()) {
            if (p == ancestor) {
                return true;
            }
        }
        return false;
    }

    private static ScrollPane scrollPaneOf(Node n) {
        for (Parent p = n.getParent(); p != null; p = p.getParent()) {
            if (p instanceof ScrollPane sp) {
                return sp;
            }
        }
        return null;
    }

    private static Bounds sceneBounds(Node n) { return n.localToScene(n.getLayoutBounds()); }

    private static boolean contains(Bounds outer, Bounds inner) {
        return inner.getMinX() >= outer.getMinX() - 1 && inner.getMinY() >= outer.getMinY() - 1
                && inner.getMaxX() <= outer.getMaxX() + 1 && inner.getMaxY() <= outer.getMaxY() + 1;
    }

    private static String size(Bounds b) { return Math.round(b.getWidth()) + "x" + Math.round(b.getHeight()); }

    private static String name(Node n) {
        String what = n.getClass().getSimpleName();
        if (n.getId() != null) {
            return what + "#" + n.getId();
        }
        if (n instanceof Labeled l && l.getText() != null) {
            return what + " '" + l.getText() + "'";
        }
        if (n instanceof TextInputControl t && t.getPromptText() != null) {
            return what + " (" + t.getPromptText() + ")";
        }
        return what;
    }
}
