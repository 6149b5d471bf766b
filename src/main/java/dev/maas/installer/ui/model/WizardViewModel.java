package dev.maas.installer.ui.model;

import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunEvent;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.run.StageResult;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.binding.StringBinding;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The wizard's whole state: the connection shown in the header, the stages and the selected one, the run progress
 * and the log. Commands (plan, apply, verify, rerun, cancel) go to a {@link RunLauncher}; results come back as
 * batches of events through {@link #onEngineEvents(List)} or {@link #onRunFailed}, always on the FX thread.
 * Testable without a window.
 */
public final class WizardViewModel {
    /** What the view model needs from the engine side: start a run (asynchronously) and cancel it. */
    public interface RunLauncher {
        void start(Operation op, List<String> stageIds);

        void cancel();
    }

    public static final String NOT_CONNECTED = "Not connected";

    /**
     * What the centre of the window shows: the Connect page or the selected stage's page; with the guided journey
     * also the welcome, review, apply and summary pages, and the overview of what is installed.
     */
    public enum Page { CONNECT, STAGE, WELCOME, REVIEW, APPLY, SUMMARY, OVERVIEW }

    private final RunLauncher launcher;
    private final ObservableList<StageViewModel> stages;
    private final Map<String, StageViewModel> byId = new LinkedHashMap<>();
    private final ObjectProperty<StageViewModel> selected = new SimpleObjectProperty<>(this, "selected");
    private final ObjectProperty<ConnectionInfo> connection = new SimpleObjectProperty<>(this, "connection");
    private final ObjectProperty<Page> page = new SimpleObjectProperty<>(this, "page", Page.STAGE);
    private final StringBinding connectionText;
    private final BooleanBinding sandbox;
    private final RunViewModel run = new RunViewModel();
    private final WaitViewModel waits = new WaitViewModel();
    private final StringBinding allUnavailable;
    private final LogViewModel log;
    private final BooleanBinding canRunSelected;
    private final javafx.beans.property.ReadOnlyObjectWrapper<RunReport> lastReport =
            new javafx.beans.property.ReadOnlyObjectWrapper<>(this, "lastReport");
    private final javafx.beans.property.ReadOnlyObjectWrapper<RunReport> lastVerifyReport =
            new javafx.beans.property.ReadOnlyObjectWrapper<>(this, "lastVerifyReport");

    public WizardViewModel(List<StageViewModel> stages, RunLauncher launcher) {
        this(stages, launcher, new LogViewModel());
    }

    public WizardViewModel(List<StageViewModel> stages, RunLauncher launcher, LogViewModel log) {
        this.launcher = Objects.requireNonNull(launcher, "launcher");
        this.log = Objects.requireNonNull(log, "log");
        for (StageViewModel s : stages) {
            byId.put(s.id(), s);
        }
        this.stages = FXCollections.unmodifiableObservableList(FXCollections.observableArrayList(stages));
        if (!stages.isEmpty()) {
            selected.set(stages.get(0));
        }
        connectionText = Bindings.createStringBinding(
                () -> connection.get() == null ? NOT_CONNECTED : connection.get().describe(), connection);
        sandbox = Bindings.createBooleanBinding(() -> connection.get() != null && connection.get().sandbox(),
                connection);
        selectedBlocked = Bindings.createStringBinding(() -> selected.get() == null ? ""
                : blockedReason(List.of(selected.get().id())), selected, inputProblems);
        allBlocked = Bindings.createStringBinding(() -> blockedReason(byId.keySet()), inputProblems);
        allUnavailable = Bindings.createStringBinding(this::allUnavailableText, run.runningProperty(), connection,
                waits.activeProperty(), waits.textProperty(), allBlocked);
        canRunSelected = Bindings.createBooleanBinding(
                () -> !run.isRunning() && selected.get() != null
                        && selectedBlocked.get().isEmpty(),
                run.runningProperty(), selected, selectedBlocked);
    }

    // ---- invalid inputs: the stages they feed do not run ----

    private final javafx.collections.ObservableMap<String, ConfigViewModel.InputProblem> inputProblems =
            FXCollections.observableMap(new LinkedHashMap<>());
    private final StringBinding selectedBlocked;
    private final StringBinding allBlocked;

    /**
     * Follows the configuration's problems ({@link ConfigViewModel#problems()}): while a form has an invalid field,
     * no run starts for the stages it feeds (the shell calls this once).
     */
    public void watchInputProblems(javafx.collections.ObservableMap<String, ConfigViewModel.InputProblem> source) {
        inputProblems.clear();
        inputProblems.putAll(source);
        source.addListener((javafx.collections.MapChangeListener<String, ConfigViewModel.InputProblem>) c -> {
            if (c.wasRemoved()) {
                inputProblems.remove(c.getKey());
            }
            if (c.wasAdded()) {
                inputProblems.put(c.getKey(), c.getValueAdded());
            }
        });
    }

    /**
     * Why these stages cannot run now because a field they read is invalid, e.g. "Fix first: sso.realm: 'demo realm'
     * is not a valid realm name..."; empty when none of them is fed by an invalid field.
     */
    public String blockedReason(java.util.Collection<String> stageIds) {
        for (ConfigViewModel.InputProblem p : inputProblems.values()) {
            if (stageIds.stream().anyMatch(p.stages()::contains)) {
                return BLOCKED_PREFIX + p.text();
            }
        }
        return "";
    }

    /** How {@link #blockedReason} starts. */
    public static final String BLOCKED_PREFIX = "Fix first: ";

    /** Why the selected stage's Plan, Apply and Verify are disabled by an invalid field; empty when they are not. */
    public StringBinding selectedBlockedReason() { return selectedBlocked; }

    /** Why Plan all, Apply all and Verify all are disabled by an invalid field; empty when they are not. */
    public StringBinding allBlockedReason() { return allBlocked; }

    /** What the wizard waits for besides a run (the sandbox starting, a connection being made). */
    public WaitViewModel waits() { return waits; }

    /**
     * Why Plan all, Apply all and Verify all cannot work now, in words (a run is going, no cluster is connected yet,
     * a field is invalid); empty when they can. Their buttons are enabled only while it is empty.
     */
    public StringBinding allUnavailableReason() { return allUnavailable; }

    /** How {@link #allUnavailableReason()} starts while no cluster is connected. */
    public static final String CONNECT_FIRST = "Connect to a cluster first (the Connect page, Ctrl+0)";

    private String allUnavailableText() {
        if (run.isRunning()) {
            return "Wait for the run to finish (or Cancel it)";
        }
        if (connection.get() == null) {
            return waits.isActive() ? waits.textProperty().get() + " Wait for it to connect." : CONNECT_FIRST;
        }
        return allBlocked.get();
    }

    public ObservableList<StageViewModel> stages() { return stages; }

    public StageViewModel stage(String id) {
        StageViewModel s = byId.get(id);
        if (s == null) {
            throw new IllegalArgumentException("no stage " + id);
        }
        return s;
    }

    public ObjectProperty<StageViewModel> selectedProperty() { return selected; }

    public StageViewModel selected() { return selected.get(); }

    /** Selects a stage and shows its page. */
    public void select(String stageId) {
        selected.set(stage(stageId));
        page.set(Page.STAGE);
    }

    /** Which page the centre shows. */
    public ObjectProperty<Page> pageProperty() { return page; }

    public Page page() { return page.get(); }

    public void showConnectPage() { page.set(Page.CONNECT); }

    public void showStagePage() { page.set(Page.STAGE); }

    /** Shows one of the pages. */
    public void showPage(Page which) { page.set(Objects.requireNonNull(which, "which")); }

    /** The report of the run that finished last (any operation); null before the first. */
    public javafx.beans.property.ReadOnlyObjectProperty<RunReport> lastReportProperty() {
        return lastReport.getReadOnlyProperty();
    }

    /** The report of the verify run that finished last (one stage or all); null before the first. */
    public javafx.beans.property.ReadOnlyObjectProperty<RunReport> lastVerifyReportProperty() {
        return lastVerifyReport.getReadOnlyProperty();
    }

    /** Null until connected. Set by the Connect page or the app's start-up. */
    public ObjectProperty<ConnectionInfo> connectionProperty() { return connection; }

    /** "Not connected" or the connection in words, for the header. */
    public StringBinding connectionText() { return connectionText; }

    public BooleanBinding sandbox() { return sandbox; }

    public RunViewModel run() { return run; }

    public LogViewModel log() { return log; }

    /** True when the selected stage can be planned, applied or verified now. */
    public BooleanBinding canRunSelected() { return canRunSelected; }

    // ---- commands (FX thread) ----

    public boolean plan() { return runSelected(Operation.PLAN); }

    public boolean apply() { return runSelected(Operation.APPLY); }

    public boolean verify() { return runSelected(Operation.VERIFY); }

    /** Applies the selected stage alone again. */
    public boolean rerun() { return runSelected(Operation.APPLY); }

    /** Runs the operation over every stage, in dependency order. */
    public boolean runAll(Operation op) { return start(op, stages.stream().map(StageViewModel::id).toList()); }

    /** Runs the operation over one stage (the stage list's "Rerun this stage"); false when it cannot start now. */
    public boolean runStage(Operation op, String stageId) {
        return start(op, List.of(stage(stageId).id()));
    }

    public void cancel() {
        if (run.isRunning() && !run.cancelRequestedProperty().get()) {
            run.cancelRequested();
            launcher.cancel();
        }
    }

    private boolean runSelected(Operation op) {
        StageViewModel s = selected.get();
        if (s == null) {
            return false;
        }
        return start(op, List.of(s.id()));
    }

    private boolean start(Operation op, List<String> ids) {
        if (run.isRunning() || ids.isEmpty()) {
            return false;
        }
        String blocked = blockedReason(ids);
        if (!blocked.isEmpty()) {
            // a field shown invalid is never used, and no earlier value of it either: the run does not start
            note("WARN", "", "Not started: " + blocked);
            return false;
        }
        runStartNanos = nanos.getAsLong();
        stageStartNanos.clear();
        for (String id : ids) {
            StageViewModel s = byId.get(id);
            if (s != null) {
                s.timing(op == Operation.APPLY ? "not started yet" : "");
            }
        }
        for (StageViewModel s : stages) {
            if (!ids.contains(s.id())) {
                s.timing("");
            }
        }
        run.begin(op, ids.size());
        note("INFO", "", run.overallTextProperty().get().replace("...", ": " + String.join(", ", ids)));
        launcher.start(op, ids);
        return true;
    }

    // ---- events (FX thread, in batches from the bridge) ----

    public void onEngineEvents(List<RunEvent> batch) {
        List<LogLine> lines = new ArrayList<>();
        for (RunEvent event : batch) {
            if (event instanceof RunEvent.Log l) {
                lines.add(l.line());
            } else {
                if (!lines.isEmpty()) {
                    log.addAll(lines);
                    lines = new ArrayList<>();
                }
                handle(event);
            }
        }
        log.addAll(lines);
    }

    public void onRunFailed(Operation op, List<String> stageIds, String message) {
        for (String id : stageIds) {
            StageViewModel s = byId.get(id);
            if (s != null) {
                s.failed(message);
            }
        }
        note("ERROR", "", "The run could not start: " + message);
        run.failed(message);
    }

    /** A line from the wizard itself (run started and finished, stage skipped), shown in the log pane. */
    private void note(String level, String stageId, String message) {
        log.add(new LogLine(Instant.now(), level, stageId, "wizard", message));
    }

    private void handle(RunEvent event) {
        if (event instanceof RunEvent.RunStarted) {
            return;
        }
        if (event instanceof RunEvent.StageStarted e) {
            StageViewModel s = byId.get(e.stageId());
            run.stageStarted(e.stageId(), s == null ? e.stageId() : s.title(), e.index(), e.total());
            currentIndex = e.index();
            currentTotal = e.total();
            if (s != null) {
                s.started(e.operation());
                long now = nanos.getAsLong();
                stageStartNanos.put(s.id(), now);
                s.timing("running (started at " + clock(now - runStartNanos) + ")");
            }
        } else if (event instanceof RunEvent.StepProgress e) {
            run.step(e.step(), e.of(), e.message());
        } else if (event instanceof RunEvent.StepDetail e) {
            run.detail(e.message());
        } else if (event instanceof RunEvent.StageFinished e) {
            StageResult r = e.result();
            StageViewModel s = byId.get(r.stageId());
            if (s != null) {
                s.finished(r);
                Long began = stageStartNanos.remove(s.id());
                s.timing(began == null ? r.outcome() == StageResult.Outcome.SKIPPED ? "skipped"
                        : r.outcome() == StageResult.Outcome.NOT_AVAILABLE ? "not available here" : ""
                        : "started at " + clock(began - runStartNanos) + ", took "
                        + duration(nanos.getAsLong() - began));
            }
            if (r.outcome() == StageResult.Outcome.SKIPPED && r.error() != null) {
                note("WARN", r.stageId(), r.stageId() + ": " + r.error());
            }
            if (r.outcome() == StageResult.Outcome.NOT_AVAILABLE && r.error() != null) {
                note("INFO", r.stageId(), r.stageId() + ": " + r.error());
            }
            run.stageFinished(currentIndex, currentTotal);
        } else if (event instanceof RunEvent.RunFinished e) {
            RunReport report = e.report();
            run.finished(report);
            if (report.operation() == Operation.VERIFY) {
                lastVerifyReport.set(report);
            }
            lastReport.set(report);
            // "not installed yet" and "waiting" are no warning: a fresh cluster is not a problem
            boolean problem = report.stages().stream().anyMatch(r -> !r.state().passes() && !r.state().neutral());
            note(problem ? "WARN" : "INFO", "", run.overallTextProperty().get());
        }
    }

    private int currentIndex;
    private int currentTotal = 1;

    // ---- the per-stage timeline of the current run ----

    private java.util.function.LongSupplier nanos = System::nanoTime;
    private long runStartNanos;
    private final Map<String, Long> stageStartNanos = new LinkedHashMap<>();

    /** Where run times are read (nanoseconds, as {@link System#nanoTime()}); for tests. */
    public void clock(java.util.function.LongSupplier nanoTime) { this.nanos = Objects.requireNonNull(nanoTime); }

    /** Brings the running stages' "running for n s" up to date; the apply page calls it every second. */
    public void tick() {
        long now = nanos.getAsLong();
        stageStartNanos.forEach((id, began) -> byId.get(id).timing("running for " + duration(now - began)
                + " (started at " + clock(began - runStartNanos) + ")"));
    }

    /** Minutes and seconds since the run started, e.g. "1:05". */
    static String clock(long nanos) {
        long s = Math.max(0, nanos) / 1_000_000_000L;
        long sec = s % 60;
        return s / 60 + (sec < 10 ? ":0" : ":") + sec;
    }

    /** A duration in words, e.g. "12 s", "1 min 5 s", "0.4 s". */
    static String duration(long nanos) {
        long ms = Math.max(0, nanos) / 1_000_000L;
        if (ms < 10_000) {
            return String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        long s = ms / 1000;
        return s < 60 ? s + " s" : s / 60 + " min " + s % 60 + " s";
    }
}
