package dev.maas.installer.ui.view;

import atlantafx.base.theme.Styles;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.ui.StagePage;
import dev.maas.installer.ui.model.StageStatus;
import dev.maas.installer.ui.model.StageViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.value.ChangeListener;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

import java.util.HashMap;
import java.util.Map;

/**
 * The centre of the window: the selected stage's title, description, inputs (from its {@link StagePage}), status
 * message and fix, the plan preview, the Plan/Apply/Verify/Rerun buttons and the verify checks.
 */
final class StagePageView extends ScrollPane {
    final Button plan = new Button("_Plan");
    final Button apply = new Button("_Apply");
    final Button verify = new Button("_Verify");
    final Button rerun = new Button("_Rerun");

    private final WizardViewModel model;
    private final Map<String, StagePage> pages;
    /** Cached for stages without inputs; never added to the scene. */
    private static final Node NO_INPUTS = new Region();
    private final Map<String, Node> inputsCache = new HashMap<>();
    private final Label title = new Label();
    private final Label status = new Label();
    private final Label description = new Label();
    private final VBox inputs = new VBox();
    private final Label message = new Label();
    private final Label fix = new Label();
    private final Label changesCaption = new Label();
    /** The plan preview (or the last apply's changes) and the verify checks: rows in the page, no inner scroll. */
    private final VBox planTable = new VBox(2);
    private final VBox checksTable = new VBox(2);
    private final Label planEmpty = new Label("No changes to show.");
    private final Label checksEmpty = new Label("Not verified yet. Press Verify to check the live systems.");
    private final javafx.collections.ListChangeListener<Change> planListener = c -> fillPlan();
    private final javafx.collections.ListChangeListener<Check> checksListener = c -> fillChecks();
    private final ChangeListener<StageStatus> statusListener = (o, a, b) -> showStatus();
    private final ChangeListener<dev.maas.installer.ui.model.LiveState> liveListener = (o, a, b) -> showStatus();
    private StageViewModel shown;
    private Button focusBeforeRun;
    private boolean userActed;
    private javafx.event.EventHandler<javafx.event.Event> userInput;

    StagePageView(WizardViewModel model, Map<String, StagePage> pages) {
        this.model = model;
        this.pages = pages;
        setId("stagePage");
        setFitToWidth(true);
        getStyleClass().add("stage-page");

        title.setId("stageTitle");
        title.getStyleClass().add(Styles.TITLE_2);
        status.setId("stageStatus");
        status.getStyleClass().add("stage-status-badge");
        HBox titleRow = new HBox(12, title, status);
        titleRow.setAlignment(javafx.geometry.Pos.BASELINE_LEFT);
        description.setId("stageDescription");
        description.setWrapText(true);
        description.getStyleClass().add(Styles.TEXT_MUTED);
        description.visibleProperty().bind(description.textProperty().isNotEmpty());
        description.managedProperty().bind(description.visibleProperty());
        inputs.setId("stageInputs");
        inputs.managedProperty().bind(javafx.beans.binding.Bindings.isNotEmpty(inputs.getChildren()));

        message.setId("stageMessage");
        message.setWrapText(true);
        fix.setId("stageFix");
        fix.setWrapText(true);
        fix.getStyleClass().add("stage-fix");
        fix.managedProperty().bind(fix.visibleProperty());

        plan.setId("planButton");
        apply.setId("applyButton");
        verify.setId("verifyButton");
        rerun.setId("rerunButton");
        plan.setTooltip(new Tooltip("Show what Apply would change, changing nothing (Ctrl+Shift+P)"));
        apply.setTooltip(new Tooltip("Make the changes of this stage (Ctrl+Shift+A)"));
        verify.setTooltip(new Tooltip("Check the live systems, changing nothing (Ctrl+Shift+V)"));
        rerun.setTooltip(new Tooltip("Apply this stage alone again; it continues where it stopped"));
        apply.getStyleClass().add(Styles.ACCENT);
        plan.setOnAction(e -> model.plan());
        apply.setOnAction(e -> model.apply());
        verify.setOnAction(e -> model.verify());
        rerun.setOnAction(e -> model.rerun());
        BooleanBinding canRun = model.canRunSelected();
        plan.disableProperty().bind(canRun.not());
        apply.disableProperty().bind(canRun.not());
        verify.disableProperty().bind(canRun.not());
        HBox buttons = new HBox(8, plan, apply, verify, rerun);
        // why they are off while a field this stage reads is invalid (a disabled button shows no tooltip)
        Label blocked = new Label();
        blocked.setId("runBlockedReason");
        blocked.setWrapText(true);
        blocked.getStyleClass().add("field-error");
        blocked.textProperty().bind(model.selectedBlockedReason());
        blocked.visibleProperty().bind(model.selectedBlockedReason().isNotEmpty());
        blocked.managedProperty().bind(blocked.visibleProperty());
        canRun.addListener((o, was, now) -> keepFocusOverRun(now));

        changesCaption.setId("changesCaption");
        changesCaption.getStyleClass().add(Styles.TEXT_BOLD);
        buildPlanTable();
        Label checksCaption = new Label("Verify checks");
        checksCaption.getStyleClass().add(Styles.TEXT_BOLD);
        buildChecksTable();

        VBox content = new VBox(10, titleRow, description, inputs, buttons, blocked, message, fix, changesCaption,
                planTable,
                checksCaption, checksTable);
        content.setPadding(new Insets(16, 20, 16, 20));
        setContent(content);

        model.selectedProperty().addListener((o, a, b) -> show(b));
        show(model.selected());
    }

    private void buildPlanTable() {
        planTable.setId("planTable");
        planTable.getStyleClass().add("result-rows");
        planEmpty.setId("planEmpty");
        planEmpty.getStyleClass().add(Styles.TEXT_MUTED);
    }

    private void buildChecksTable() {
        checksTable.setId("checksTable");
        checksTable.getStyleClass().add("result-rows");
        checksEmpty.setId("checksEmpty");
        checksEmpty.getStyleClass().add(Styles.TEXT_MUTED);
    }

    private void fillPlan() {
        ResultRows.fill(planTable, shown == null ? java.util.List.<Change>of() : shown.changes(), ResultRows::change,
                ResultRows.changeOrder(), planEmpty);
    }

    private void fillChecks() {
        // failures first, each open; the rest one line each
        ResultRows.fill(checksTable, shown == null ? java.util.List.<Check>of() : shown.checks(), ResultRows::check,
                ResultRows.checkOrder(), checksEmpty);
    }

    private void show(StageViewModel s) {
        if (shown != null) {
            shown.statusProperty().removeListener(statusListener);
            shown.liveStateProperty().removeListener(liveListener);
            shown.changes().removeListener(planListener);
            shown.checks().removeListener(checksListener);
        }
        boolean other = shown != s;
        shown = s;
        if (other) {
            setVvalue(getVmin());   // another stage's page opens at its title
        }
        message.textProperty().unbind();
        fix.textProperty().unbind();
        fix.visibleProperty().unbind();
        changesCaption.textProperty().unbind();
        rerun.disableProperty().unbind();
        if (s == null) {
            title.setText("No stage selected");
            fillPlan();
            fillChecks();
            return;
        }
        title.setText(s.title());
        StagePage page = pages.get(s.id());
        description.setText(page == null ? "" : page.description());
        Node in = inputsOf(s);
        if (in == null) {
            inputs.getChildren().clear();
        } else {
            inputs.getChildren().setAll(in);
        }
        message.textProperty().bind(s.messageProperty());
        fix.textProperty().bind(Bindings.concat("What to do: ", s.fixProperty()));
        fix.visibleProperty().bind(s.fixProperty().isNotEmpty());
        changesCaption.textProperty().bind(s.changesCaptionProperty());
        rerun.disableProperty().bind(model.canRunSelected().not().or(s.hasRunProperty().not()));
        s.changes().addListener(planListener);
        s.checks().addListener(checksListener);
        fillPlan();
        fillChecks();
        s.statusProperty().addListener(statusListener);
        s.liveStateProperty().addListener(liveListener);
        showStatus();
    }

    /** The inputs section of {@code s}'s page, built on first use and kept; null when it has none. */
    Node inputsOf(StageViewModel s) {
        StagePage page = pages.get(s.id());
        if (page == null) {
            return null;
        }
        Node in = inputsCache.computeIfAbsent(s.id(), id -> {
            Node n = page.inputs(s, model);
            return n == null ? NO_INPUTS : n;
        });
        return in == NO_INPUTS ? null : in;
    }

    /**
     * While a run goes the buttons are disabled and the scene moves the focus away from the pressed one; when the
     * run ends the focus comes back to it (if it is still inside this page), so keyboard users stay where they were.
     */
    private void keepFocusOverRun(boolean canRunNow) {
        javafx.scene.Scene scene = getScene();
        if (scene == null) {
            return;
        }
        Node owner = scene.getFocusOwner();
        if (!canRunNow) {
            focusBeforeRun = owner == plan || owner == apply || owner == verify || owner == rerun ? (Button) owner
                    : null;
            // the focus the scene moves away from the disabled button (and again when the rows it went to are
            // replaced) is not the user's choice; a key or a click during the run is
            userActed = false;
            if (focusBeforeRun != null && userInput == null) {
                userInput = e -> userActed = true;
                scene.addEventFilter(javafx.scene.input.KeyEvent.KEY_PRESSED, userInput);
                scene.addEventFilter(javafx.scene.input.MouseEvent.MOUSE_PRESSED, userInput);
            }
        } else if (focusBeforeRun != null) {
            if (userInput != null) {
                scene.removeEventFilter(javafx.scene.input.KeyEvent.KEY_PRESSED, userInput);
                scene.removeEventFilter(javafx.scene.input.MouseEvent.MOUSE_PRESSED, userInput);
                userInput = null;
            }
            Button back = focusBeforeRun;
            focusBeforeRun = null;
            if (owner == null || !userActed || FocusSupport.isInside(owner, this)) {
                back.requestFocus();
            }
        }
    }

    /**
     * Puts the focus on the page's first control that takes it (an input, else Plan, else Verify), and scrolls it
     * into view; false when there is none (keyboard entry from the stage list).
     */
    boolean focusFirst() {
        applyCss();
        layout();
        Node first = FocusSupport.firstFocusable(getContent());
        if (first == null) {
            return false;
        }
        first.requestFocus();
        return true;
    }

    /** The shown stage's status, "not installed yet" for one a verify found nothing of (like the stage list). */
    private void showStatus() {
        if (shown == null) {
            return;
        }
        status.setText(shown.statusLabel());
        status.getStyleClass().removeIf(c -> c.startsWith("status-"));
        status.getStyleClass().add(shown.statusStyleClass());
    }
}
