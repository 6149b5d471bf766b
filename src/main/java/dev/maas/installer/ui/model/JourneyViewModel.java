package dev.maas.installer.ui.model;

import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunReport;
import javafx.beans.Observable;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.binding.StringBinding;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The guided journey: welcome, connect, each stage page (preflight first), review, apply, summary; Back and Next,
 * with Next disabled and the reason given until the current page is valid. The current step follows the wizard's
 * page and selected stage, so the stage list and the journey never disagree. It also runs verify over every stage
 * whenever a connection is made (and on {@link #refresh()}), which is what the stage list's done / drifted /
 * pending comes from. FX thread only; testable without a window.
 */
public final class JourneyViewModel {
    /** The journey's pages; {@link #OVERVIEW} (what is installed) is outside its numbered steps. */
    public enum Kind { WELCOME, CONNECT, STAGE, REVIEW, APPLY, SUMMARY, OVERVIEW }

    /** One page of the journey; {@code stageId} only for {@link Kind#STAGE}. */
    public record Step(Kind kind, String stageId) {
        public Step {
            Objects.requireNonNull(kind, "kind");
        }
    }

    public static final String CONNECT_FIRST = "Connect to a cluster first";
    public static final String WAIT_FOR_RUN = "Wait for the run to finish";
    public static final String RUN_PREFLIGHT = "Run the preflight checks first: press Verify";
    public static final String PRESS_APPLY_ALL = "Press Apply all to make these changes";
    public static final String LAST_PAGE = "This is the last page";

    private final WizardViewModel wizard;
    private final List<Step> steps = new ArrayList<>();
    private final ReadOnlyObjectWrapper<Step> current = new ReadOnlyObjectWrapper<>(this, "current");
    private final ReadOnlyBooleanWrapper applied = new ReadOnlyBooleanWrapper(this, "applied", false);
    private final ReadOnlyBooleanWrapper applyFailed = new ReadOnlyBooleanWrapper(this, "applyFailed", false);
    private final StringBinding blockedReason;
    private final BooleanBinding canNext;
    private final BooleanBinding canBack;
    private boolean refreshWhenIdle;
    /** True from the end of a full apply until the verify that follows it finishes. */
    private final ReadOnlyBooleanWrapper verifyingApply = new ReadOnlyBooleanWrapper(this, "verifyingApply", false);
    private boolean verifyOnConnect = true;

    public JourneyViewModel(WizardViewModel wizard) {
        this.wizard = Objects.requireNonNull(wizard, "wizard");
        steps.add(new Step(Kind.WELCOME, null));
        steps.add(new Step(Kind.CONNECT, null));
        for (StageViewModel s : wizard.stages()) {
            steps.add(new Step(Kind.STAGE, s.id()));
        }
        steps.add(new Step(Kind.REVIEW, null));
        steps.add(new Step(Kind.APPLY, null));
        steps.add(new Step(Kind.SUMMARY, null));
        wizard.pageProperty().addListener((o, a, b) -> follow());
        wizard.selectedProperty().addListener((o, a, b) -> follow());
        follow();

        List<Observable> deps = new ArrayList<>(List.of(current, wizard.connectionProperty(),
                wizard.run().runningProperty(), applied, applyFailed, verifyingApply));
        for (StageViewModel s : wizard.stages()) {
            deps.add(s.inputProblemProperty());
            deps.add(s.statusProperty());
        }
        blockedReason = Bindings.createStringBinding(this::reason, deps.toArray(Observable[]::new));
        canNext = Bindings.createBooleanBinding(() -> blockedReason.get().isEmpty() && index() < steps.size() - 1,
                blockedReason, current);
        canBack = Bindings.createBooleanBinding(() -> index() > 0 || isOverview(), current);

        wizard.connectionProperty().addListener((o, was, now) -> {
            if (now != null && verifyOnConnect) {
                refresh();
            }
        });
        wizard.lastReportProperty().addListener((o, was, report) -> finished(report));
    }

    /** Whether a new connection starts a verify of every stage (default: yes). */
    public void verifyOnConnect(boolean yes) { this.verifyOnConnect = yes; }

    public List<Step> steps() { return List.copyOf(steps); }

    public ReadOnlyObjectProperty<Step> currentProperty() { return current.getReadOnlyProperty(); }

    public Step current() { return current.get(); }

    /** Why Next is disabled, in words; empty when the page is valid. */
    public StringBinding blockedReason() { return blockedReason; }

    public BooleanBinding canNext() { return canNext; }

    public BooleanBinding canBack() { return canBack; }

    /** True once an "Apply all" of this journey finished with every stage OK. */
    public ReadOnlyBooleanProperty appliedProperty() { return applied.getReadOnlyProperty(); }

    /** True when the last "Apply all" did not finish OK (the apply page offers Retry). */
    public ReadOnlyBooleanProperty applyFailedProperty() { return applyFailed.getReadOnlyProperty(); }

    // ---- commands ----

    public boolean next() {
        if (!canNext.get()) {
            return false;
        }
        // from the overview of what is installed: the review of what Apply all would still change
        go(isOverview() ? new Step(Kind.REVIEW, null) : steps.get(index() + 1));
        return true;
    }

    public boolean back() {
        if (!canBack.get()) {
            return false;
        }
        go(isOverview() ? new Step(Kind.WELCOME, null) : steps.get(index() - 1));
        return true;
    }

    private boolean isOverview() { return current.get() != null && current.get().kind() == Kind.OVERVIEW; }

    /** Welcome's "Start": the Connect page. */
    public void start() { go(new Step(Kind.CONNECT, null)); }

    /**
     * Welcome's "I have installed before: check my cluster": the Connect page; once connected (or at once when
     * already connected) every stage is verified and the stage list shows what is done, drifted or pending.
     */
    public void comeBack() {
        overviewAfterVerify = true;
        if (wizard.connectionProperty().get() != null) {
            go(new Step(Kind.OVERVIEW, null));
            refresh();
        } else {
            go(new Step(Kind.CONNECT, null));
        }
    }

    /**
     * Shows the overview of what is installed: every stage as the last verify of the live cluster found it,
     * read-only; verifies every stage again when none was verified yet.
     */
    public void showOverview() {
        go(new Step(Kind.OVERVIEW, null));
        if (wizard.lastVerifyReportProperty().get() == null) {
            refresh();
        }
    }

    private boolean overviewAfterVerify;

    /**
     * The overview's one line: how many of the stages that install something (all but preflight, which only checks)
     * the last verify found installed, drifted and not installed yet, e.g. "4 of 6 stages installed (1 of them
     * drifted), 2 not installed yet"; what to do when none was verified.
     */
    public StringBinding overviewSummary() {
        if (overviewSummary == null) {
            List<Observable> deps = new ArrayList<>();
            wizard.stages().forEach(st -> {
                deps.add(st.liveStateProperty());
                deps.add(st.statusProperty());
            });
            deps.add(wizard.lastVerifyReportProperty());
            overviewSummary = Bindings.createStringBinding(this::summarize, deps.toArray(Observable[]::new));
        }
        return overviewSummary;
    }

    private StringBinding overviewSummary;

    private String summarize() {
        int done = 0;
        int drifted = 0;
        int pending = 0;
        int unknown = 0;
        int notHere = 0;
        int all = 0;
        for (StageViewModel st : wizard.stages()) {
            if (StageIds.installsNothing(st.id())) { // preflight only checks: it is never "installed"
                continue;
            }
            all++;
            if (st.status() == StageStatus.NOT_HERE) { // e.g. SSO in a sandbox without Keycloak: not "not installed"
                notHere++;
                continue;
            }
            switch (st.liveState()) {
                case DONE -> done++;
                case DRIFTED -> drifted++;
                case PENDING -> pending++;
                default -> unknown++;
            }
        }
        if (done + drifted + pending + notHere == 0) {
            return wizard.connectionProperty().get() == null ? "Connect to the cluster to see what is installed."
                    : "Checking every stage against the live systems…";
        }
        return (done + drifted) + " of " + all + " stages installed" + (drifted == 0 ? ""
                : " (" + drifted + " of them drifted: changed since they were applied)")
                + (pending == 0 ? "" : ", " + pending + " not installed yet")
                + (unknown == 0 ? "" : ", " + unknown + " could not be checked")
                + (notHere == 0 ? "" : ", " + notHere + " not available here") + ".";
    }

    /** Verifies every stage against the live cluster (after the current run, if one is running). */
    public boolean refresh() {
        if (wizard.connectionProperty().get() == null) {
            return false;
        }
        if (wizard.run().isRunning()) {
            refreshWhenIdle = true;
            return false;
        }
        return wizard.runAll(Operation.VERIFY);
    }

    /**
     * Every "Apply all" outside the review page (the stage list's button, its keyboard shortcut, the apply page's
     * Retry): shows the review page, where the plans are listed and Apply all asks the one confirmation.
     */
    public void reviewForApply() { go(new Step(Kind.REVIEW, null)); }

    /**
     * Applies every stage and shows the apply page. Only the review page's confirmation calls this
     * ({@link ReviewViewModel#confirmApply()}).
     */
    public boolean applyAll() {
        if (!wizard.runAll(Operation.APPLY)) {
            return false;
        }
        applied.set(false);
        applyFailed.set(false);
        go(new Step(Kind.APPLY, null));
        return true;
    }

    /** Shows a step. */
    public void go(Step step) {
        switch (step.kind()) {
            case WELCOME -> wizard.showPage(WizardViewModel.Page.WELCOME);
            case CONNECT -> wizard.showConnectPage();
            case STAGE -> wizard.select(step.stageId());
            case REVIEW -> wizard.showPage(WizardViewModel.Page.REVIEW);
            case APPLY -> wizard.showPage(WizardViewModel.Page.APPLY);
            case SUMMARY -> wizard.showPage(WizardViewModel.Page.SUMMARY);
            case OVERVIEW -> wizard.showPage(WizardViewModel.Page.OVERVIEW);
        }
    }

    private int index() {
        int i = steps.indexOf(current.get());
        return Math.max(i, 0);
    }

    private void follow() {
        WizardViewModel.Page page = wizard.page();
        current.set(switch (page) {
            case WELCOME -> new Step(Kind.WELCOME, null);
            case CONNECT -> new Step(Kind.CONNECT, null);
            case STAGE -> new Step(Kind.STAGE, wizard.selected() == null ? null : wizard.selected().id());
            case REVIEW -> new Step(Kind.REVIEW, null);
            case APPLY -> new Step(Kind.APPLY, null);
            case SUMMARY -> new Step(Kind.SUMMARY, null);
            case OVERVIEW -> new Step(Kind.OVERVIEW, null);
        });
    }

    /**
     * True while the verify that follows a full apply runs: the stages are applied when that verify finds every one
     * of them in place, and the stage list shows what it found.
     */
    public ReadOnlyBooleanProperty verifyingApplyProperty() { return verifyingApply.getReadOnlyProperty(); }

    private void finished(RunReport report) {
        boolean full = report != null && report.stages().size() == wizard.stages().size();
        if (full && report.operation() == Operation.APPLY) {
            applied.set(false);
            applyFailed.set(!report.allOk());
            if (report.allOk()) {
                // verify right after apply: what the list then shows is what the live systems say
                verifyingApply.set(true);
                if (!wizard.runAll(Operation.VERIFY)) {
                    verifyingApply.set(false);
                    applyFailed.set(true);
                }
                return;
            }
        } else if (full && report.operation() == Operation.VERIFY && !verifyingApply.get()) {
            // coming back: once every stage is verified, the overview of what is installed (also when the wizard
            // connected by itself, to a cluster or a sandbox that has something installed, while it shows welcome);
            // passed preflight checks install nothing, so a new cluster or sandbox leaves the welcome page alone
            boolean installed = report.stages().stream().filter(r -> !StageIds.installsNothing(r.stageId()))
                    .anyMatch(r -> LiveState.of(r) == LiveState.DONE || LiveState.of(r) == LiveState.DRIFTED);
            if (overviewAfterVerify || installed && wizard.page() == WizardViewModel.Page.WELCOME) {
                overviewAfterVerify = false;
                go(new Step(Kind.OVERVIEW, null));
            }
        } else if (full && report.operation() == Operation.VERIFY && verifyingApply.get()) {
            verifyingApply.set(false);
            boolean inPlace = report.stages().stream().allMatch(r -> r.state().passes());
            applied.set(inPlace);
            applyFailed.set(!inPlace);
        }
        if (refreshWhenIdle && !wizard.run().isRunning()) {
            refreshWhenIdle = false;
            refresh();
        }
    }

    private String reason() {
        Step step = current.get();
        if (step == null) {
            return "";
        }
        boolean running = wizard.run().isRunning();
        return switch (step.kind()) {
            case WELCOME -> "";
            case CONNECT -> wizard.connectionProperty().get() == null ? CONNECT_FIRST : "";
            case STAGE -> {
                if (running) {
                    yield WAIT_FOR_RUN;
                }
                StageViewModel s = step.stageId() == null ? null : wizard.stage(step.stageId());
                if (s == null) {
                    yield "";
                }
                String problem = s.inputProblemProperty().get();
                if (problem != null && !problem.isBlank()) {
                    yield "Fix: " + problem.lines().findFirst().orElse(problem);
                }
                if (StageIds.PREFLIGHT.equals(s.id()) && s.status() != StageStatus.OK
                        && s.status() != StageStatus.WARNING) {
                    yield s.status() == StageStatus.FAILED ? "Preflight failed: fix what it says, then Verify again"
                            : RUN_PREFLIGHT;
                }
                yield "";
            }
            case REVIEW -> running ? WAIT_FOR_RUN : applied.get() ? "" : PRESS_APPLY_ALL;
            case APPLY -> running ? verifyingApply.get() ? "Verifying what was applied: wait for it to finish"
                    : "Applying: wait for it to finish (or Cancel)"
                    : applied.get() ? "" : applyFailed.get() ? "Apply did not finish, or the verify after it found a problem: fix the stage marked"
                    + " failed, then Retry"
                    : "Nothing applied yet: press Apply all on the review page";
            case SUMMARY -> LAST_PAGE;
            case OVERVIEW -> running ? WAIT_FOR_RUN : "";
        };
    }
}
