package dev.maas.installer.ui;

import dev.maas.installer.cluster.RunLock;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.ConfigException;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunEvent;
import dev.maas.installer.engine.run.RunJournal;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.run.StageRunner;
import dev.maas.installer.engine.secrets.SecretRegistry;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
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
 * <p>Every run writes a run journal, as the CLI does ({@link RunJournal#startDefault}: the default folder under
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
     * @return completes with the report, or with null when the run failed outside the runner
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
        return CompletableFuture.supplyAsync(() -> run(forRun, op, ids, cancellation), executor);
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
        RunJournal journal = openJournal(op);
        Consumer<RunEvent> listener = journal == null ? events : journal.andThen(events);
        try (StageContext ctx = contextFactory.apply(cancellation);
             RunLock.Held lock = op == Operation.APPLY ? takeRunLock(forRun, ids, ctx) : null) {
            return forRun.run(op, ids, ctx, listener);
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
            closeJournal(journal);
        }
        return null;
    }

    private void failed(RunJournal journal, Operation op, List<String> ids, String message) {
        if (journal != null) {
            journal.error(message);
        }
        failures.runFailed(op, ids, message);
    }

    /** A new journal in the default folder; null (with a warning) when that folder cannot be written. */
    private RunJournal openJournal(Operation op) {
        try {
            RunJournal journal = RunJournal.startDefault(op.name().toLowerCase(Locale.ROOT), env);
            LOG.info("Run journal: {}", journal.file());
            lastJournal.set(journal.file());
            return journal;
        } catch (UncheckedIOException | SecurityException e) {
            LOG.warn("no run journal for this run: {} (set XDG_STATE_HOME to a folder you can write to)",
                    SecretRegistry.global().redact(String.valueOf(e.getMessage())));
            return null;
        }
    }

    private static void closeJournal(RunJournal journal) {
        if (journal == null) {
            return;
        }
        journal.close();
        if (journal.failure() != null) {
            LOG.warn("the run journal {} is incomplete: {}", journal.file(),
                    SecretRegistry.global().redact(String.valueOf(journal.failure().getMessage())));
        }
    }

    /**
     * Takes the cluster's run lock for an apply, as the CLI does: another installer run holding it fails this run
     * with a message naming the holder; a lock lost during the run cancels it. No lock when no chosen stage needs
     * the cluster, or when the wizard is not connected (the stages then say "Connect first").
     */
    private static RunLock.Held takeRunLock(StageRunner forRun, List<String> ids, StageContext ctx) {
        boolean needsCluster = forRun.select(ids).stream().anyMatch(s -> s.available() && s.needsCluster());
        if (!needsCluster || !ctx.has(KubernetesClient.class)) {
            return null;
        }
        KubernetesClient client;
        try {
            client = ctx.service(KubernetesClient.class);
        } catch (StageException e) {
            return null;
        }
        Cancellation cancellation = ctx.cancellation();
        return new RunLock(client).acquire(RunLock.identity("wizard"), message -> cancellation.cancel())
                .keepRenewed();
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
