package dev.maas.installer.ui;

import dev.maas.installer.cluster.RunLock;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.ConfigException;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunContext;
import dev.maas.installer.engine.run.RunEvent;
import dev.maas.installer.engine.run.RunJournal;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.run.StageRunner;
import dev.maas.installer.engine.secrets.SecretRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Runs the engine for the wizard, never on the FX thread: each run builds its {@link StageContext} through the
 * factory it was given and calls {@link StageRunner#run} on this service's own single thread, with a fresh
 * {@link Cancellation}. Events go to the listener (the {@link UiEventBridge}) from that thread.
 *
 * <p>Every run opens as the CLI's do ({@link RunContext}: journal, connection, the run lock for an apply). It writes a
 * run journal ({@link RunContext#defaultJournal}: the default folder under
 * {@code XDG_STATE_HOME} of the environment given, 0600): it gets the run's events, and the error of a run that could
 * not start; its path is logged at INFO. A folder that cannot be written only costs the journal (a warning).
 */
public final class EngineService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineService.class);

    /** Reports a run that failed before or outside the runner; the message is already redacted. */
    public interface FailureListener {
        void runFailed(Operation op, List<String> stageIds, String message);
    }

    private final StageRunner runner;
    private final Function<Cancellation, StageContext> contextFactory;
    private final Consumer<RunEvent> events;
    private final FailureListener failures;
    private final ExecutorService executor;
    private final Function<String, String> env;
    private final AtomicReference<Cancellation> current = new AtomicReference<>();
    private final AtomicReference<List<Stage>> lastRunStages = new AtomicReference<>(List.of());
    private final AtomicReference<Path> lastJournal = new AtomicReference<>();

    public EngineService(List<? extends Stage> stages, Function<Cancellation, StageContext> contextFactory,
                         UiEventBridge bridge) {
        this(stages, contextFactory, bridge, bridge::runFailed);
    }

    public EngineService(List<? extends Stage> stages, Function<Cancellation, StageContext> contextFactory,
                         Consumer<RunEvent> events, FailureListener failures) {
        this(stages, contextFactory, events, failures, System::getenv);
    }

    /** @param env the environment the journal's folder is read from ({@link RunJournal#defaultDirectory}) */
    public EngineService(List<? extends Stage> stages, Function<Cancellation, StageContext> contextFactory,
                         Consumer<RunEvent> events, FailureListener failures, Function<String, String> env) {
        this.env = Objects.requireNonNull(env, "env");
        this.runner = new StageRunner(stages);
        this.contextFactory = Objects.requireNonNull(contextFactory, "contextFactory");
        this.events = Objects.requireNonNull(events, "events");
        this.failures = Objects.requireNonNull(failures, "failures");
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "maas-engine");
            t.setDaemon(true);
            return t;
        });
    }

    public List<Stage> stages() { return runner.stages(); }

    /**
     * Starts a run on the engine thread and returns at once. Runs queue behind each other; the UI starts one only
     * when none is running.
     *
     * @param stageIds the stages to run, all when empty
     * @return completes with the report, or with null when the run failed outside the runner; after {@link #close()},
     *         no run starts and it completes exceptionally at once
     */
    public CompletableFuture<RunReport> start(Operation op, List<String> stageIds) {
        return start(op, stageIds, null);
    }

    /**
     * Like {@link #start(Operation, List)}, with the stages of this one run passed through {@code substitute} (for
     * example the products stage swapped for one that prunes, as the CLI's {@code --prune} does); null runs the
     * stages as they are. Later runs are not affected.
     */
    public CompletableFuture<RunReport> start(Operation op, List<String> stageIds, UnaryOperator<Stage> substitute) {
        Cancellation cancellation = new Cancellation();
        current.set(cancellation);
        List<String> ids = List.copyOf(stageIds);
        StageRunner forRun = substitute == null ? runner
                : new StageRunner(runner.stages().stream().map(s -> Objects.requireNonNull(substitute.apply(s),
                        "substitute")).toList());
        lastRunStages.set(forRun.stages());
        try {
            return CompletableFuture.supplyAsync(() -> run(forRun, op, ids, cancellation), executor);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the wizard has closed: a run asked for after that (a late connection's verify of every stage) does not
            // start
            LOG.debug("no run after close: {} {}", op, ids);
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The journal file of the latest run that had one (for "Save diagnostics"); null before. */
    public Path lastJournal() { return lastJournal.get(); }

    /** The stages of the run started last, after its substitution; empty before the first run. */
    public List<Stage> lastRunStages() { return lastRunStages.get(); }

    /** Asks the current run to stop at its next sub-step. Safe from any thread. */
    public void cancel() {
        Cancellation c = current.get();
        if (c != null) {
            c.cancel();
        }
    }

    private RunReport run(StageRunner forRun, Operation op, List<String> ids, Cancellation cancellation) {
        RunJournal journal = RunContext.defaultJournal(op.name().toLowerCase(Locale.ROOT), env,
                line -> LOG.warn("{} (set XDG_STATE_HOME to a folder you can write to)", line));
        if (journal != null) {
            LOG.info("Run journal: {}", journal.file());
            lastJournal.set(journal.file());
        }
        // not connected yet: no lock, and the stages say "connect first" themselves
        RunContext.Options options = new RunContext.Options("wizard", op == Operation.APPLY, false, null,
                EngineService::say);
        RunContext run = null;
        try (StageContext ctx = contextFactory.apply(cancellation)) {
            forRun.select(ids); // an unknown stage id is an input error, found before anything connects
            run = RunContext.open(ctx, journal, options);
            try {
                return forRun.run(op, ids, ctx, run.events(events));
            } finally {
                run.releaseLock(); // while the context's client is still open
            }
        } catch (RunLock.HeldException e) {
            String message = SecretRegistry.global().redact(e.getMessage());
            LOG.error("{}", message);
            failed(journal, op, ids, message);
        } catch (ConfigException e) {
            failed(journal, op, ids, SecretRegistry.global().redact(e.getMessage()));
        } catch (RuntimeException e) {
            String message = SecretRegistry.global().redact(e.getClass().getSimpleName() + ": " + e.getMessage());
            LOG.error("the run could not complete: {}", message);
            failed(journal, op, ids, message);
        } finally {
            current.compareAndSet(cancellation, null);
            if (run != null) {
                run.close();
            } else {
                RunContext.closeJournal(journal, EngineService::say);
            }
        }
        return null;
    }

    /** The run's messages go to the log (the journal's path at INFO was logged when it opened). */
    private static void say(String line) {
        if (line.startsWith("Run journal: ")) {
            LOG.debug("{}", line);
        } else {
            LOG.warn("{}", line);
        }
    }

    private void failed(RunJournal journal, Operation op, List<String> ids, String message) {
        if (journal != null) {
            journal.error(message);
        }
        failures.runFailed(op, ids, message);
    }

    @Override
    public void close() {
        cancel();
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
