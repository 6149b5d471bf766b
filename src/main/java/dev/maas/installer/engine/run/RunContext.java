package dev.maas.installer.engine.run;

import dev.maas.installer.cluster.RunLock;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.secrets.SecretRegistry;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One installer run as the CLI's commands and the wizard both open it, in the same order:
 * <ol>
 *   <li>the run journal (one JSON line per event, secrets masked; {@link #defaultJournal} or a file the user chose);
 *   <li>the cluster connection, made as the run opens, for every run (every stage reads or writes the cluster), so a
 *       cluster that cannot be reached fails the run before any stage starts (or, when
 *       {@link Options#clusterRequired()} is false, as the wizard before it is connected, the stages say "connect
 *       first" themselves);
 *   <li>the cluster's run lock ({@link RunLock}) for a run that changes the live systems (apply), kept renewed; a
 *       lock held by another installer fails the open with {@link RunLock.HeldException} naming the holder, a lock
 *       lost during the run cancels it at its next step. A run that only reads says when an apply runs now.
 * </ol>
 * {@link #close()} frees the lock and closes the journal, saying where it is (or that it is incomplete).
 */
public final class RunContext implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunContext.class);

    /**
     * How a run opens.
     *
     * @param mode            who runs ("cli", "wizard"): part of the run lock's holder identity
     * @param takesLock       whether the run changes the live systems and holds the run lock for its whole length
     * @param clusterRequired whether a cluster that cannot be reached fails the open (the CLI), or the stages are left
     *                        to say so (the wizard before it is connected)
     * @param lockRenewal     how often the lock is renewed; null: a third of its lease
     * @param say             where the run's messages to the user go (lock lost, another apply running, the journal)
     */
    public record Options(String mode, boolean takesLock, boolean clusterRequired, Duration lockRenewal,
                          Consumer<String> say) {
        public Options {
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(say, "say");
        }
    }

    private final StageContext ctx;
    private final RunJournal journal;
    private final Consumer<String> say;
    private volatile RunLock.Held lock;
    private boolean closed;

    private RunContext(StageContext ctx, RunJournal journal, Consumer<String> say) {
        this.ctx = ctx;
        this.journal = journal;
        this.say = say;
    }

    /**
     * Opens a run on {@code ctx} (which the caller closes), writing to {@code journal} (null: none): connects, and for
     * a run that changes the live systems takes the run lock. When opening fails, nothing is held and the journal
     * stays open for the caller to record why.
     */
    public static RunContext open(StageContext ctx, RunJournal journal, Options options) {
        RunContext run = new RunContext(Objects.requireNonNull(ctx, "ctx"), journal, options.say());
        KubernetesClient client = connect(ctx, options.clusterRequired());
        if (client == null) {
            return run;
        }
        if (options.takesLock()) {
            RunLock.Held held = new RunLock(client).acquire(RunLock.identity(options.mode()), message -> {
                ctx.cancellation().cancel();
                options.say().accept("error: " + message);
            });
            run.lock = options.lockRenewal() == null ? held.keepRenewed() : held.renewEvery(options.lockRenewal());
        } else {
            run.warnIfLocked(client);
        }
        return run;
    }

    /**
     * A new journal for operation {@code op} in the default folder ({@link RunJournal#defaultDirectory}); null, with
     * a warning through {@code say} (the caller adds what to do), when that folder cannot be written (the run goes on
     * without one).
     */
    public static RunJournal defaultJournal(String op, Function<String, String> env, Consumer<String> say) {
        try {
            return RunJournal.startIn(RunJournal.defaultDirectory(env), op, SecretRegistry.global(),
                    Clock.systemDefaultZone());
        } catch (UncheckedIOException | SecurityException e) {
            say.accept("warning: no run journal: " + SecretRegistry.global().redact(String.valueOf(e.getMessage())));
            return null;
        }
    }

    public StageContext stageContext() { return ctx; }

    /** The run's journal file; null when the run has none. */
    public Path journalFile() { return journal == null ? null : journal.file(); }

    /** The run lock this run holds; null when it takes none. */
    public RunLock.Held lock() { return lock; }

    /** {@code listener}, then the journal: where the run's events go. */
    public Consumer<RunEvent> events(Consumer<RunEvent> listener) {
        return journal == null ? listener : listener.andThen(journal);
    }

    /** A line in the journal (a progress line, the exit code). */
    public void note(String message) {
        if (journal != null) {
            journal.note(message);
        }
    }

    /** An error that ends the run, in the journal. */
    public void error(String message) {
        if (journal != null) {
            journal.error(message);
        }
    }

    /** Frees the run lock now (idempotent): before an interrupted process is allowed to exit. */
    public void releaseLock() {
        RunLock.Held held = lock;
        if (held != null) {
            held.close();
        }
    }

    /** Frees the lock and closes the journal (once), saying where the journal is or that it is incomplete. */
    @Override
    public synchronized void close() {
        releaseLock();
        if (closed) {
            return;
        }
        closed = true;
        closeJournal(journal, say);
    }

    /** Closes a journal, saying where it is or that it is incomplete (also for a run that could not open). */
    public static void closeJournal(RunJournal journal, Consumer<String> say) {
        if (journal == null) {
            return;
        }
        journal.close();
        if (journal.failure() != null) {
            say.accept("warning: the run journal " + journal.file() + " is incomplete: "
                    + SecretRegistry.global().redact(String.valueOf(journal.failure().getMessage())));
        } else {
            say.accept("Run journal: " + journal.file());
        }
    }

    private static KubernetesClient connect(StageContext ctx, boolean required) {
        if (!ctx.has(KubernetesClient.class)) {
            return null;
        }
        try {
            return ctx.service(KubernetesClient.class);
        } catch (StageException e) {
            if (required) {
                throw e;
            }
            return null;
        }
    }

    private void warnIfLocked(KubernetesClient client) {
        try {
            new RunLock(client).holder().filter(h -> !h.expiredAt(Instant.now()))
                    .ifPresent(h -> say.accept("Warning: another installer is applying now: " + h.describe()
                            + "; what this run reads may change under it."));
        } catch (RuntimeException e) {
            LOG.debug("could not read the run lock", e);
        }
    }
}
