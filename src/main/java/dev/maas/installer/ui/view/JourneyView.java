package dev.maas.installer.ui.view;

import atlantafx.base.theme.Styles;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.ui.model.JourneyViewModel;
import dev.maas.installer.ui.model.LiveState;
import dev.maas.installer.ui.model.ReviewViewModel;
import dev.maas.installer.ui.model.StageViewModel;
import dev.maas.installer.ui.model.SummaryViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.value.ObservableValue;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.Label;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.stage.Window;

import java.io.File;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The guided journey's views: the Back/Next bar with the reason Next is disabled, the welcome, review, apply and
 * summary pages, and the stage list's Refresh button and context menu. Thin: everything binds to
 * {@link JourneyViewModel}, {@link ReviewViewModel} and {@link SummaryViewModel}.
 */
public final class JourneyView {
    /** Asks the user for a file to save (a FileChooser in the app; tests answer with a path). Null: cancelled. */
    public interface SaveChooser {
        Path choose(Window owner, String title, String initialName);
    }

    private final WizardViewModel wizard;
    private final JourneyViewModel journey;
    private final ReviewViewModel review;
    private final SummaryViewModel summary;
    /** The summary page's "Try it" section (null: the page has none). */
    private dev.maas.installer.ui.model.TryItViewModel tryIt;
    /** The summary page's usage panel (null: the page has none). */
    private dev.maas.installer.ui.model.UsageViewModel usage;
    private final Map<WizardViewModel.Page, Node> pages = new EnumMap<>(WizardViewModel.Page.class);
    private SaveChooser chooser = JourneyView::fileChooser;
    private Node bar;

    public JourneyView(WizardViewModel wizard, JourneyViewModel journey, ReviewViewModel review,
                       SummaryViewModel summary) {
        this.wizard = Objects.requireNonNull(wizard, "wizard");
        this.journey = Objects.requireNonNull(journey, "journey");
        this.review = Objects.requireNonNull(review, "review");
        this.summary = Objects.requireNonNull(summary, "summary");
    }

    /** Gives the summary page its "Try it" section (before the page is first shown). */
    public JourneyView tryIt(dev.maas.installer.ui.model.TryItViewModel model) {
        this.tryIt = Objects.requireNonNull(model, "model");
        return this;
    }

    /** Gives the summary page its usage panel (before the page is first shown). */
    public JourneyView usage(dev.maas.installer.ui.model.UsageViewModel model) {
        this.usage = Objects.requireNonNull(model, "model");
        return this;
    }

    /** Replaces the file chooser of "Export config…" and "Save diagnostics…" (tests). */
    public JourneyView chooser(SaveChooser chooser) {
        this.chooser = Objects.requireNonNull(chooser, "chooser");
        return this;
    }

    /** The page node for one of the journey's own pages (built on first use), null for the others. */
    public Node page(WizardViewModel.Page which) {
        return switch (which) {
            case WELCOME -> pages.computeIfAbsent(which, p -> welcome());
            case REVIEW -> pages.computeIfAbsent(which, p -> reviewPage());
            case APPLY -> pages.computeIfAbsent(which, p -> applyPage());
            case SUMMARY -> pages.computeIfAbsent(which, p -> summaryPage());
            case OVERVIEW -> pages.computeIfAbsent(which, p -> overviewPage());
            default -> null;
        };
    }

    /** The Back / Next bar under every page. */
    public Node bar() {
        if (bar != null) {
            return bar;
        }
        Button back = new Button("_Back");
        back.setId("journeyBack");
        back.setMnemonicParsing(true);
        back.setAccessibleText("Back to the previous page");
        back.disableProperty().bind(journey.canBack().not());
        back.setOnAction(e -> journey.back());
        Button next = new Button("Ne_xt");
        next.setId("journeyNext");
        next.setAccessibleText("Next page");
        next.getStyleClass().add(Styles.ACCENT);
        next.disableProperty().bind(journey.canNext().not());
        next.setOnAction(e -> journey.next());
        Label reason = new Label();
        reason.setId("journeyReason");
        reason.getStyleClass().add(Styles.TEXT_MUTED);
        reason.setWrapText(true);
        reason.textProperty().bind(journey.blockedReason());
        reason.setAccessibleText("Why Next is disabled");
        Label step = new Label();
        step.setId("journeyStep");
        step.textProperty().bind(Bindings.createStringBinding(() -> stepText(journey.current()),
                journey.currentProperty()));
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox.setHgrow(reason, Priority.SOMETIMES);
        // at 1000 px a long reason wraps onto more lines instead of squeezing Back, the step and Next to "..."
        back.setMinWidth(Region.USE_PREF_SIZE);
        next.setMinWidth(Region.USE_PREF_SIZE);
        step.setMinWidth(Region.USE_PREF_SIZE);
        // its minimum height is its height at its minimum width: without a minimum width that is one word a line
        reason.setMinWidth(200);
        reason.setMinHeight(Region.USE_PREF_SIZE);
        HBox box = new HBox(10, back, step, spacer, reason, next);
        box.setId("journeyBar");
        box.setAlignment(Pos.CENTER_LEFT);
        box.setPadding(new Insets(6, 16, 6, 16));
        box.getStyleClass().add("journey-bar");
        bar = box;
        return bar;
    }

    private String stepText(JourneyViewModel.Step s) {
        if (s == null) {
            return "";
        }
        int i = journey.steps().indexOf(s) + 1;
        String name = switch (s.kind()) {
            case WELCOME -> "Welcome";
            case CONNECT -> "Connect";
            case STAGE -> s.stageId() == null ? "Stage" : wizard.stage(s.stageId()).title();
            case REVIEW -> "Review";
            case APPLY -> "Apply";
            case SUMMARY -> "Summary";
            case OVERVIEW -> "What is installed";
        };
        return s.kind() == JourneyViewModel.Kind.OVERVIEW ? name
                : "Step " + i + " of " + journey.steps().size() + ": " + name;
    }

    /** Every "Apply all" outside the review page: the review page, with the plans and the one confirmation. */
    public void reviewForApply() { journey.reviewForApply(); }

    /** "Refresh" for the stage list header: verifies every stage against the live cluster. */
    public Button refreshButton() {
        Button refresh = new Button("Re_fresh");
        refresh.setId("refreshStagesButton");
        refresh.setAccessibleText("Refresh: verify every stage against the cluster");
        refresh.setTooltip(new Tooltip("Verify every stage against the live cluster: done, drifted or pending"));
        refresh.disableProperty().bind(wizard.run().runningProperty()
                .or(wizard.connectionProperty().isNull()).or(wizard.allBlockedReason().isNotEmpty()));
        refresh.setOnAction(e -> journey.refresh());
        return refresh;
    }

    /** "Rerun selected stage" under the stage list: applies the list's selected stage alone. */
    public Button rerunButton(javafx.scene.control.ListView<StageViewModel> list) {
        Button rerun = new Button("Rerun selected s_tage");
        rerun.setId("rerunStageButton");
        rerun.setMaxWidth(Double.MAX_VALUE);
        rerun.setAccessibleText("Rerun the selected stage alone");
        rerun.setTooltip(new Tooltip("Apply the stage selected above alone again; it continues where it stopped"));
        rerun.disableProperty().bind(wizard.run().runningProperty()
                .or(list.getSelectionModel().selectedItemProperty().isNull())
                .or(javafx.beans.binding.Bindings.createBooleanBinding(() -> {
                    StageViewModel s = list.getSelectionModel().getSelectedItem();
                    return s != null && !wizard.blockedReason(java.util.List.of(s.id())).isEmpty();
                }, list.getSelectionModel().selectedItemProperty(), wizard.allBlockedReason())));
        rerun.setOnAction(e -> {
            StageViewModel s = list.getSelectionModel().getSelectedItem();
            if (s != null) {
                wizard.runStage(Operation.APPLY, s.id());
            }
        });
        return rerun;
    }

    /** The stage list's context menu: rerun (apply) or verify the selected stage alone. */
    public ContextMenu stageMenu(javafx.scene.control.ListView<StageViewModel> list) {
        MenuItem rerun = new MenuItem("_Rerun this stage");
        rerun.setId("rerunStageItem");
        rerun.setOnAction(e -> {
            StageViewModel s = list.getSelectionModel().getSelectedItem();
            if (s != null) {
                wizard.runStage(Operation.APPLY, s.id());
            }
        });
        MenuItem verify = new MenuItem("_Verify this stage");
        verify.setId("verifyStageItem");
        verify.setOnAction(e -> {
            StageViewModel s = list.getSelectionModel().getSelectedItem();
            if (s != null) {
                wizard.runStage(Operation.VERIFY, s.id());
            }
        });
        MenuItem cancel = new MenuItem("_Cancel the run");
        cancel.setId("cancelRunItem");
        cancel.setOnAction(e -> wizard.cancel());
        ContextMenu menu = new ContextMenu(rerun, verify, cancel);
        menu.setOnShowing(e -> {
            boolean running = wizard.run().isRunning();
            StageViewModel s = list.getSelectionModel().getSelectedItem();
            boolean blocked = s != null && !wizard.blockedReason(java.util.List.of(s.id())).isEmpty();
            rerun.setDisable(running || s == null || blocked);
            verify.setDisable(running || s == null || blocked);
            cancel.setDisable(!running);
        });
        return menu;
    }

    // ---- pages ----

    private static VBox content(String id, String title) {
        Label t = new Label(title);
        t.getStyleClass().add(Styles.TITLE_2);
        VBox box = new VBox(10, t);
        box.setId(id + "Content");
        box.setPadding(new Insets(16, 20, 16, 20));
        return box;
    }

    private static ScrollPane scroll(String id, VBox content) {
        ScrollPane s = new ScrollPane(content);
        s.setId(id);
        s.setFitToWidth(true);
        return s;
    }

    private static Label wrapped(String text) {
        return WelcomeContent.wrapped(text);
    }

    /**
     * A wrapped status line bound to {@code text} that is shown, and takes room in its box, only while it has text:
     * an empty one would leave a gap of a line and two spacings on the page.
     */
    static Label statusLine(String id, ObservableValue<String> text) {
        Label l = wrapped("");
        l.setId(id);
        l.textProperty().bind(text);
        l.visibleProperty().bind(l.textProperty().isNotEmpty());
        l.managedProperty().bind(l.visibleProperty());
        return l;
    }

    private Node welcome() {
        // one title over its wrapped description per stage, in a VBox: laid out in one pass (a GridPane of wrapped
        // labels takes much longer to lay out)
        VBox list = new VBox(6);
        list.setId("welcomeStages");
        for (StageViewModel s : wizard.stages()) {
            Label title = new Label(s.title());
            title.getStyleClass().add(Styles.TEXT_BOLD);
            Label d = wrapped(s.description());
            d.getStyleClass().add(Styles.TEXT_MUTED);
            list.getChildren().add(new VBox(1, title, d));
        }
        return scroll("welcomePage", WelcomeContent.build(list, journey::start, journey::comeBack));
    }

    private Node reviewPage() {
        VBox box = content("reviewPage", "Review before apply");
        box.getChildren().add(wrapped("Everything Apply all will create or change, stage by stage, from the plans"
                + " (secret values are never shown). Use Edit to go back to a stage's page."));
        Label status = statusLine("reviewStatus", review.statusProperty());
        VBox groups = new VBox(12);
        groups.setId("reviewGroups");
        Runnable fill = () -> {
            groups.getChildren().clear();
            for (ReviewViewModel.Group g : review.groups()) {
                Label title = new Label(g.title());
                title.getStyleClass().add(Styles.TEXT_BOLD);
                Label sum = new Label(g.summary());
                sum.setId("review-summary-" + g.stageId());
                sum.setWrapText(true);
                sum.getStyleClass().add(Styles.TEXT_MUTED);
                Hyperlink edit = new Hyperlink("Edit");
                edit.setId("review-edit-" + g.stageId());
                edit.setAccessibleText("Edit " + g.title());
                edit.setOnAction(e -> review.edit(g.stageId()));
                title.setMinWidth(Region.USE_PREF_SIZE);
                edit.setMinWidth(Region.USE_PREF_SIZE);
                sum.setMinHeight(Region.USE_PREF_SIZE);
                HBox head = new HBox(10, title, sum, edit);
                head.setAlignment(Pos.BASELINE_LEFT);
                VBox group = new VBox(2, head);
                group.setId("review-group-" + g.stageId());
                for (String c : g.changes()) {
                    Label l = wrapped("• " + c);
                    l.getStyleClass().add("review-change");
                    if (ReviewViewModel.isDeletion(c)) {
                        l.getStyleClass().add("review-delete"); // a deletion stands out from the rest
                    }
                    group.getChildren().add(l);
                }
                for (String k : g.kept()) {
                    Label l = wrapped("• " + k);
                    l.getStyleClass().addAll("review-kept", Styles.TEXT_MUTED);
                    group.getChildren().add(l);
                }
                groups.getChildren().add(group);
            }
        };
        review.groups().addListener((ListChangeListener<ReviewViewModel.Group>) c -> fill.run());
        fill.run();
        Button again = new Button("_Plan again");
        again.setId("reviewRefresh");
        again.setAccessibleText("Plan every stage again");
        again.disableProperty().bind(wizard.run().runningProperty());
        again.setOnAction(e -> review.refresh());
        Button export = new Button("_Export config…");
        export.setId("reviewExport");
        export.setAccessibleText("Export the configuration as YAML for the command line");
        export.setOnAction(e -> {
            Path p = chooser.choose(window(export), "Export the configuration", "maas-installer.yaml");
            if (p != null) {
                review.export(p);
            }
        });
        Button apply = new Button("_Apply all");
        apply.setId("reviewApplyAll");
        apply.setAccessibleText("Apply every stage: asks to confirm first");
        apply.getStyleClass().add(Styles.ACCENT);
        apply.disableProperty().bind(wizard.run().runningProperty().or(wizard.allBlockedReason().isNotEmpty())
                .or(wizard.connectionProperty().isNull()).or(review.confirmingProperty()));
        apply.setOnAction(e -> {
            if (review.applyAll()) {
                confirmButton.requestFocus();
            }
        });
        again.disableProperty().bind(wizard.run().runningProperty().or(wizard.allBlockedReason().isNotEmpty()));
        export.disableProperty().bind(wizard.allBlockedReason().isNotEmpty());
        Label blocked = statusLine("reviewBlocked", wizard.allBlockedReason());
        blocked.getStyleClass().add("field-error");
        Label exported = statusLine("reviewExportStatus", review.exportStatusProperty());
        box.getChildren().addAll(new HBox(10, apply, export, again), confirmation(), blocked, exported, status,
                groups);
        return scroll("reviewPage", box);
    }

    private Button confirmButton;

    /**
     * The one confirmation of Apply all, under the review page's buttons while it is asked: what it applies to (the
     * cluster and context, SANDBOX for the local sandbox), "Apply now" and "Cancel". In the page, not a dialog.
     */
    private Node confirmation() {
        Label text = wrapped("");
        text.setId("reviewConfirmText");
        text.textProperty().bind(review.confirmTextProperty());
        text.getStyleClass().add(Styles.TEXT_BOLD);
        Button yes = new Button("Apply n_ow");
        yes.setId("reviewConfirmApply");
        yes.setAccessibleText("Apply every stage now");
        yes.getStyleClass().add(Styles.DANGER);
        yes.setOnAction(e -> review.confirmApply());
        confirmButton = yes;
        // no mnemonic: Alt+C is the progress pane's Cancel
        Button no = new Button("Do not apply");
        no.setMnemonicParsing(false);
        no.setId("reviewCancelApply");
        no.setAccessibleText("Do not apply");
        no.setOnAction(e -> review.cancelApply());
        VBox box = new VBox(8, text, new HBox(10, yes, no));
        box.setId("reviewConfirm");
        box.getStyleClass().add("review-confirm");
        box.visibleProperty().bind(review.confirmingProperty());
        box.managedProperty().bind(box.visibleProperty());
        return box;
    }

    private Node applyPage() {
        VBox box = content("applyPage", "Apply");
        Label overall = statusLine("applyOverall", wizard.run().overallTextProperty());
        GridPane grid = new GridPane();
        grid.setHgap(12);
        grid.setVgap(4);
        int row = 0;
        for (StageViewModel s : wizard.stages()) {
            Label status = new Label();
            status.setId("apply-status-" + s.id());
            status.textProperty().bind(Bindings.createStringBinding(() -> "● " + s.statusLabel(),
                    s.statusProperty(), s.liveStateProperty()));
            Label message = wrapped("");
            message.textProperty().bind(s.messageProperty());
            GridPane.setHgrow(message, Priority.ALWAYS);
            // the stage's place in the run's timeline: when it started and how long it took
            Label timing = new Label();
            timing.setId("apply-timing-" + s.id());
            timing.getStyleClass().add(Styles.TEXT_MUTED);
            timing.textProperty().bind(s.timingProperty());
            timing.setMinWidth(Region.USE_PREF_SIZE);
            // a long message wraps; the stage's name and state are never cut to an ellipsis beside it
            Label title = new Label(s.title());
            title.setMinWidth(Region.USE_PREF_SIZE);
            status.setMinWidth(Region.USE_PREF_SIZE);
            grid.addRow(row++, title, status, timing, message);
        }
        // the running stage's "running for n s" moves on every second while a run goes
        javafx.animation.Timeline tick = new javafx.animation.Timeline(new javafx.animation.KeyFrame(
                javafx.util.Duration.seconds(1), e -> wizard.tick()));
        tick.setCycleCount(javafx.animation.Animation.INDEFINITE);
        wizard.run().runningProperty().addListener((o, was, now) -> {
            if (now) {
                tick.play();
            } else {
                tick.stop();
            }
        });
        Label verifying = statusLine("applyVerifying", Bindings.when(journey.verifyingApplyProperty())
                .then("Applied. Verifying every stage against the live systems: the list shows what it finds.")
                .otherwise(""));
        // no mnemonic: Esc cancels, and the progress pane's Cancel (Alt+C) is on screen at the same time
        Button cancel = new Button("Cancel (Esc)");
        cancel.setMnemonicParsing(false);
        cancel.setId("applyCancel");
        cancel.setAccessibleText("Cancel the run at its next step");
        cancel.disableProperty().bind(wizard.run().runningProperty().not()
                .or(wizard.run().cancelRequestedProperty()));
        cancel.setOnAction(e -> wizard.cancel());
        Button retry = new Button("_Retry");
        retry.setId("applyRetry");
        retry.setAccessibleText("Review and apply every stage again; it continues where it stopped");
        retry.visibleProperty().bind(journey.applyFailedProperty().and(wizard.run().runningProperty().not()));
        retry.managedProperty().bind(retry.visibleProperty());
        retry.setOnAction(e -> journey.reviewForApply()); // through the review and its confirmation again
        Label done = statusLine("applyDone", Bindings.when(journey.appliedProperty())
                .then("Every stage is applied, and the verify after it found every one in place. Press Next for the"
                        + " links and what to do next.").otherwise(""));
        box.getChildren().addAll(overall, grid, new HBox(10, cancel, retry), verifying, done);
        return scroll("applyPage", box);
    }

    /**
     * What is installed, read-only: every stage as the last verify of the live cluster found it (installed, drifted,
     * not installed yet, waiting), with the checks that failed; Refresh verifies again, Next reviews what Apply all
     * would still change.
     */
    private Node overviewPage() {
        VBox box = content("overviewPage", "What is installed");
        box.getChildren().add(wrapped("Every stage, as a verify of the live systems found it just now. Nothing is"
                + " changed here: Next shows what Apply all would still do; a stage's page shows its checks."));
        Label summaryLine = statusLine("overviewSummary", journey.overviewSummary());
        summaryLine.getStyleClass().add(Styles.TEXT_BOLD);
        GridPane grid = new GridPane();
        grid.setId("overviewStages");
        grid.setHgap(14);
        grid.setVgap(6);
        int row = 0;
        for (StageViewModel s : wizard.stages()) {
            Hyperlink title = new Hyperlink(s.title());
            title.setId("overview-open-" + s.id());
            title.setAccessibleText("Open the page of " + s.title());
            title.setOnAction(e -> journey.go(new JourneyViewModel.Step(JourneyViewModel.Kind.STAGE, s.id())));
            title.setMinWidth(Region.USE_PREF_SIZE);
            Label state = new Label();
            state.setId("overview-state-" + s.id());
            state.setMinWidth(Region.USE_PREF_SIZE);
            state.textProperty().bind(Bindings.createStringBinding(() -> overviewState(s), s.liveStateProperty(),
                    s.statusProperty()));
            Label detail = wrapped("");
            detail.setId("overview-detail-" + s.id());
            detail.getStyleClass().add(Styles.TEXT_MUTED);
            detail.textProperty().bind(Bindings.createStringBinding(() -> overviewDetail(s), s.liveStateProperty(),
                    s.messageProperty()));
            GridPane.setHgrow(detail, Priority.ALWAYS);
            grid.addRow(row++, title, state, detail);
        }
        Button refresh = new Button("_Refresh");
        refresh.setId("overviewRefresh");
        refresh.setAccessibleText("Verify every stage again");
        refresh.disableProperty().bind(wizard.run().runningProperty().or(wizard.connectionProperty().isNull()));
        refresh.setOnAction(e -> journey.refresh());
        box.getChildren().addAll(summaryLine, grid, new HBox(10, refresh));
        return scroll("overviewPage", box);
    }

    /** A stage's state on the overview, in words. */
    static String overviewState(StageViewModel s) {
        if (s.status() == dev.maas.installer.ui.model.StageStatus.NOT_HERE) {
            return "● Not available here";
        }
        return switch (s.liveState()) {
            case DONE -> "● Installed";
            case DRIFTED -> "● Drifted";
            case CHECKING -> "● Checking…";
            case PENDING -> "● " + (s.status() == dev.maas.installer.ui.model.StageStatus.WAITING
                    ? s.statusLabel().substring(0, 1).toUpperCase(java.util.Locale.ROOT) + s.statusLabel().substring(1)
                    : "Not installed yet");
            case UNKNOWN -> s.status() == dev.maas.installer.ui.model.StageStatus.FAILED ? "● Could not be checked"
                    : "● Not checked yet";
        };
    }

    private static String overviewDetail(StageViewModel s) {
        if (s.status() == dev.maas.installer.ui.model.StageStatus.NOT_HERE) {
            return s.messageProperty().get();
        }
        return switch (s.liveState()) {
            case DRIFTED -> s.checks().stream().filter(c -> !c.status().passes()).map(c -> c.name() + ": "
                    + c.message()).collect(java.util.stream.Collectors.joining("; "));
            case UNKNOWN -> s.status() == dev.maas.installer.ui.model.StageStatus.FAILED ? s.messageProperty().get()
                    : "";
            default -> "";
        };
    }

    private Node summaryPage() {
        VBox box = content("summaryPage", "Your MaaS is ready");
        GridPane links = new GridPane();
        links.setId("summaryLinks");
        links.setHgap(10);
        links.setVgap(4);
        addLink(links, 0, "3scale admin portal", "summaryAdminLink", summary.adminPortalProperty());
        addLink(links, 1, "Developer portal", "summaryPortalLink", summary.developerPortalProperty());
        addLink(links, 2, "Keycloak console", "summaryKeycloakLink", summary.keycloakConsoleProperty());
        Label linksStatus = statusLine("summaryLinksStatus", summary.linksStatusProperty());
        Label openStatus = statusLine("summaryOpenStatus", summary.openStatusProperty());

        Label credTitle = new Label("Credentials");
        credTitle.setId("summaryCredentialsTitle");
        credTitle.getStyleClass().add(Styles.TEXT_BOLD);
        // a heading over nothing until they are shown
        credTitle.visibleProperty().bind(summary.credentialsShownProperty());
        credTitle.managedProperty().bind(credTitle.visibleProperty());
        Button show = new Button("Sho_w credentials");
        show.setId("summaryShowCredentials");
        show.setAccessibleText("Show the admin credentials, read from the cluster");
        show.visibleProperty().bind(summary.credentialsShownProperty().not());
        show.managedProperty().bind(show.visibleProperty());
        show.setOnAction(e -> summary.showCredentials());
        Button hide = new Button("_Hide credentials");
        hide.setId("summaryHideCredentials");
        hide.setAccessibleText("Hide the credentials");
        hide.visibleProperty().bind(summary.credentialsShownProperty());
        hide.managedProperty().bind(hide.visibleProperty());
        hide.setOnAction(e -> summary.hideCredentials());
        GridPane creds = new GridPane();
        creds.setId("summaryCredentials");
        creds.setHgap(10);
        creds.setVgap(4);
        credRow(creds, 0, "3scale admin user", "summary3scaleUser", summary.threescaleUserProperty());
        credRow(creds, 1, "3scale admin password", "summary3scalePassword", summary.threescalePasswordProperty());
        credRow(creds, 2, "Keycloak admin user", "summaryKeycloakUser", summary.keycloakUserProperty());
        credRow(creds, 3, "Keycloak admin password", "summaryKeycloakPassword", summary.keycloakPasswordProperty());
        creds.visibleProperty().bind(summary.credentialsShownProperty());
        creds.managedProperty().bind(creds.visibleProperty());
        Label credStatus = statusLine("summaryCredentialsStatus", summary.credentialsStatusProperty());

        Label tiersTitle = new Label("Application plans of each model (read from 3scale)");
        tiersTitle.getStyleClass().add(Styles.TEXT_BOLD);
        Label tiers = wrapped("");
        tiers.setId("summaryTiers");
        tiers.textProperty().bind(summary.tiersProperty());
        Label next = wrapped(summary.nextSteps());
        next.setId("summaryNextSteps");
        Button diagnostics = new Button("Save _diagnostics…");
        diagnostics.setId("summaryDiagnostics");
        diagnostics.setAccessibleText("Save a diagnostics zip: log, configuration and verify report, secrets masked");
        diagnostics.setOnAction(e -> {
            Path p = chooser.choose(window(diagnostics), "Save diagnostics", "maas-installer-diagnostics.zip");
            if (p != null) {
                summary.saveDiagnostics(p);
            }
        });
        Label diagStatus = statusLine("summaryDiagnosticsStatus", summary.diagnosticsStatusProperty());
        box.getChildren().addAll(new HBox(10, show, hide, diagnostics), credStatus, diagStatus, links, openStatus,
                linksStatus,
                credTitle, creds, tiersTitle, tiers, next);
        if (tryIt != null) {
            box.getChildren().add(TryItPane.create(tryIt));
        }
        if (usage != null) {
            box.getChildren().add(UsagePane.create(usage));
        }
        return scroll("summaryPage", box);
    }

    private void addLink(GridPane g, int row, String name, String id, ReadOnlyStringProperty url) {
        Label l = new Label(name);
        Hyperlink h = new Hyperlink();
        h.setId(id);
        h.textProperty().bind(Bindings.when(url.isEmpty()).then("(not found yet)").otherwise(url));
        h.disableProperty().bind(url.isEmpty());
        h.setAccessibleText("Open the " + name);
        h.setOnAction(e -> {
            if (!summary.open(url.get())) {
                copyToClipboard(url.get());   // no browser: the link on the clipboard, as the status line says
            }
        });
        h.setTooltip(new javafx.scene.control.Tooltip("Opens in your browser"));
        l.setLabelFor(h);
        // the second action: the link on the clipboard (for a browser on another machine, say)
        Button copy = new Button("Copy");
        copy.setId(id + "Copy");
        copy.getStyleClass().add(Styles.SMALL);
        copy.setAccessibleText("Copy the " + name + " link");
        copy.disableProperty().bind(url.isEmpty());
        copy.setOnAction(e -> {
            copyToClipboard(url.get());
            summary.copied(url.get());
        });
        g.addRow(row, l, h, copy);
    }

    private static void copyToClipboard(String text) {
        javafx.scene.input.ClipboardContent c = new javafx.scene.input.ClipboardContent();
        c.putString(text);
        javafx.scene.input.Clipboard.getSystemClipboard().setContent(c);
    }

    private static void credRow(GridPane g, int row, String name, String id, ReadOnlyStringProperty value) {
        Label l = new Label(name);
        Label v = new Label();
        v.setId(id);
        v.textProperty().bind(value);
        v.setAccessibleText(name);
        g.addRow(row, l, v);
    }

    private static Window window(Node n) {
        return n.getScene() == null ? null : n.getScene().getWindow();
    }

    private static Path fileChooser(Window owner, String title, String initialName) {
        FileChooser fc = new FileChooser();
        fc.setTitle(title);
        fc.setInitialFileName(initialName);
        File f = fc.showSaveDialog(owner);
        return f == null ? null : f.toPath();
    }

    /** The live state's words for the stage list (e.g. "done"); empty before the first verify. */
    static String live(LiveState s) {
        return s == null || s == LiveState.UNKNOWN ? "" : s.label();
    }
}
