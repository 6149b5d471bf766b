package dev.maas.installer.cli;

import dev.maas.installer.cluster.RunLock;
import dev.maas.installer.cluster.TrustStore;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.run.JsonReport;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.StageState;
import dev.maas.installer.engine.run.RunEvent;
import dev.maas.installer.engine.run.RunContext;
import dev.maas.installer.engine.run.RunJournal;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.run.StageResult;
import dev.maas.installer.engine.run.StageRunner;
import dev.maas.installer.engine.secrets.SecretRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/** What plan, apply and verify share: options, loading the configuration, the connection, running and printing. */
abstract class StageCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(StageCommand.class);
    static final String DEFAULT_CONFIG = "maas-installer.yaml";

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Configuration file (default: ./" + DEFAULT_CONFIG + " if it exists, else built-in"
                    + " defaults).")
    Path configFile;

    @Option(names = "--stage", paramLabel = "ID", split = ",",
            description = "Only this stage; repeat it (or separate with commas) for several. Default: all stages."
                    + " Ids: preflight, sso, threescale, backends, products, plans, portal.")
    List<String> stageIds = new ArrayList<>();

    @Option(names = "--output", paramLabel = "text|json", defaultValue = "TEXT",
            description = "text (default) or json (see ${sys:maas.docs:-docs}/cli-json.md). JSON goes to stdout, everything else to"
                    + " stderr.")
    OutputFormat output;

    @Option(names = "--journal", paramLabel = "FILE",
            description = "Write the run journal (one JSON line per event, secrets masked, mode 0600) to this file"
                    + " instead of the default $XDG_STATE_HOME/maas-installer/runs/YYYYMMDD-HHMMSS-<command>.jsonl"
                    + " (~/.local/state/... when XDG_STATE_HOME is not set; the newest 20 are kept).")
    Path journalFile;

    @Option(names = "--no-journal", description = "Write no run journal.")
    boolean noJournal;

    @Mixin
    ClusterConnectionOptions connection;

    final CliEnvironment env;

    /** The run's connection (set once the options are checked); the error handler reads its choice. */
    CliCluster cluster;

    /**
     * This run's journal (null with --no-journal or when it could not be opened); closed by its {@link RunContext},
     * or by {@link #finishJournal} when the command ends before the run does.
     */
    RunJournal journal;

    StageCommand(CliEnvironment env) {
        this.env = env;
    }

    /**
     * Whether products of models no longer in the configuration, and plans that are no tier, may be deleted (plan and
     * apply offer it).
     */
    boolean prune() { return false; }

    private List<? extends Stage> withPrune(List<? extends Stage> stages) {
        if (!prune()) {
            return stages;
        }
        return stages.stream().map(s -> s instanceof dev.maas.installer.stages.products.ProductsStage
                ? new dev.maas.installer.stages.products.ProductsStage(true)
                : s instanceof dev.maas.installer.stages.plans.PlansStage
                ? new dev.maas.installer.stages.plans.PlansStage(true) : s).toList();
    }

    /**
     * A run's working set: the runner, the chosen stage ids, the stage context (closed by the caller) and the run
     * ({@link RunContext}: journal, connection, and for apply the run lock).
     */
    record Session(StageRunner runner, List<String> ids, StageContext ctx, RunContext run) {
        /** Frees the run lock now (idempotent): before an interrupted process is allowed to exit. */
        void releaseLock() {
            run.releaseLock();
        }
    }

    @Override
    public final Integer call() {
        beforeLoading();
        journal = openJournal();
        InstallerConfig config = loadConfig();
        StageRunner runner = new StageRunner(withPrune(env.stages().get()));
        List<String> ids = checkStageIds(runner);
        ClusterConnectionOptions.Choice choice = connection.resolve(config.cluster(), env.env(),
                SecretRegistry.global());
        cluster = new CliCluster(choice, TrustStore.userDefault(env.env()), this::err);
        try (StageContext ctx = new StageContext(config, SecretRegistry.global(), new Cancellation())) {
            cluster.install(ctx);
            RunContext run;
            try {
                // connection errors end the command here, before any stage runs (the error handler reports them)
                run = RunContext.open(ctx, journal, new RunContext.Options("cli", takesRunLock(), true,
                        env.runLockRenewal(), this::err));
            } catch (RunLock.HeldException e) {
                err("error: " + e.getMessage());
                journalError(e.getMessage(), ExitCodes.FAILURE);
                finishJournal(err());
                return ExitCodes.FAILURE;
            }
            Session session = new Session(runner, ids, ctx, run);
            try {
                int code = run(session);
                out().flush();
                err().flush();
                run.note("exit code " + code);
                journal = null; // the run closes it
                run.close();
                return code;
            } finally {
                session.releaseLock();
            }
        }
    }

    /** Whether this command changes the live systems and so holds the run lock (apply) for the whole run. */
    boolean takesRunLock() { return false; }

    /**
     * The journal this run writes: --journal FILE, else a new one in the default folder. An explicit file that
     * cannot be written is invalid input; when the default folder cannot be written the run goes on without a
     * journal, with a warning.
     */
    private RunJournal openJournal() {
        if (noJournal) {
            if (journalFile != null) {
                throw new InvalidInputException("--journal and --no-journal exclude each other: use one of them");
            }
            return null;
        }
        String op = spec.name();
        if (journalFile != null) {
            Path file = journalFile.isAbsolute() ? journalFile : env.workDir().resolve(journalFile);
            try {
                return RunJournal.open(file, SecretRegistry.global());
            } catch (java.io.UncheckedIOException e) {
                throw new InvalidInputException("--journal: cannot write " + file + " (" + e.getCause().getMessage()
                        + "): choose a file in a folder you can write to, or use --no-journal");
            }
        }
        return RunContext.defaultJournal(op, env.env(), line -> err(line + " (set XDG_STATE_HOME, or use --journal FILE)"));
    }

    /** Records an error that ends the command (the error handler calls this with the message it prints). */
    void journalError(String message, int exitCode) {
        if (journal != null) {
            journal.error(message);
            journal.note("exit code " + exitCode);
        }
    }

    /** Closes the journal of a command that ended before its run did, and prints its path (once). */
    void finishJournal(PrintWriter where) {
        RunJournal j = journal;
        journal = null;
        RunContext.closeJournal(j, line -> print(where, line + "\n"));
        where.flush();
    }

    /** Checks that need nothing loaded (apply: --yes without a terminal). */
    void beforeLoading() { }

    abstract int run(Session session);

    InstallerConfig loadConfig() {
        return loadConfig(configFile, env);
    }

    /** {@code --config FILE}, else {@code ./maas-installer.yaml} when it exists, else the built-in defaults. */
    static InstallerConfig loadConfig(Path configFile, CliEnvironment env) {
        Path file = configFile;
        if (file == null) {
            Path fallback = env.workDir().resolve(DEFAULT_CONFIG);
            if (Files.isRegularFile(fallback)) {
                file = fallback;
            }
        }
        if (file == null) {
            LOG.debug("no --config and no ./{}: using the built-in defaults", DEFAULT_CONFIG);
            return InstallerConfig.defaults();
        }
        LOG.debug("using configuration {}", file);
        return ConfigLoader.load(file);
    }

    private List<String> checkStageIds(StageRunner runner) {
        List<String> known = runner.stages().stream().map(Stage::id).toList();
        Set<String> chosen = new LinkedHashSet<>();
        for (String raw : stageIds) {
            String id = raw.trim();
            if (id.isEmpty()) {
                continue;
            }
            if (!known.contains(id)) {
                throw new InvalidInputException("--stage: unknown stage '" + id + "': use one of "
                        + String.join(", ", known));
            }
            chosen.add(id);
        }
        return List.copyOf(chosen);
    }

    /** Runs one operation; in text mode each stage's block is printed as soon as it finishes. */
    RunReport execute(Session s, Operation op, boolean showStageStarts) {
        Consumer<RunEvent> listener = event -> {
            if (event instanceof RunEvent.StageStarted st && showStageStarts) {
                err("[" + st.stageId() + "] " + title(s, st.stageId()) + ": starting (stage " + st.index() + " of "
                        + st.total() + ")");
            } else if (event instanceof RunEvent.StepProgress p) {
                err("[" + p.stageId() + "] " + p.step() + "/" + p.of() + " " + p.message());
            } else if (event instanceof RunEvent.StepDetail d) {
                err("[" + d.stageId() + "]     " + d.message());
            } else if (event instanceof RunEvent.StageFinished f && output == OutputFormat.TEXT) {
                print(out(), TextReport.stage(f.result(), title(s, f.result().stageId())));
            }
        };
        return s.runner().run(op, s.ids(), s.ctx(), s.run().events(listener));
    }

    /** Prints the closing summary (text) or the whole JSON document. */
    void report(Session s, RunReport report) {
        if (output == OutputFormat.JSON) {
            print(out(), new JsonReport(SecretRegistry.global()).render(report, id -> title(s, id)));
        } else {
            print(out(), TextReport.summary(report));
        }
    }

    /**
     * From the stages' results ({@link StageResult#state()}): 2 for an input error, 1 when a stage failed, was skipped
     * or cancelled, 0 when every stage passed or was left out as not available here (e.g. sso and portal in a sandbox
     * without Keycloak: said so, not failed, in plan, apply and verify alike), 3 when a stage ran but is not as it
     * should be (verify: drifted, not installed yet, waiting for another stage, a check asking for other input).
     */
    static int exitCode(RunReport report) {
        if (report.anyInvalidInput()) {
            return ExitCodes.INVALID_INPUT;
        }
        if (report.anyNotRun()) {
            return ExitCodes.FAILURE;
        }
        if (report.stages().stream().allMatch(r -> r.state().passes() || r.state() == StageState.NOT_AVAILABLE)) {
            return ExitCodes.OK; // a stage left out because it cannot be tried here is said so, not failed
        }
        if (!report.allOk()) {
            return report.operation() == Operation.VERIFY ? ExitCodes.VERIFY_PROBLEMS : ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
    }

    static boolean anyFailed(RunReport report) {
        return report.stages().stream().anyMatch(r -> r.outcome() == StageResult.Outcome.FAILED);
    }

    static String title(Session s, String id) {
        return s.runner().stage(id).title();
    }

    PrintWriter out() { return spec.commandLine().getOut(); }

    PrintWriter err() { return spec.commandLine().getErr(); }

    void err(String line) {
        print(err(), line + "\n");
        err().flush();
    }

    /** Every line the CLI prints passes through the secret registry. */
    static void print(PrintWriter where, String text) {
        where.print(SecretRegistry.global().redact(text));
        where.flush();
    }
}
