package dev.maas.installer.cli;

import dev.maas.installer.cluster.ClusterConnection;
import dev.maas.installer.cluster.TrustStore;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.run.JsonReport;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunEvent;
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
            description = "text (default) or json (see docs/cli-json.md). JSON goes to stdout, everything else to"
                    + " stderr.")
    OutputFormat output;

    @Mixin
    ClusterConnectionOptions connection;

    final CliEnvironment env;

    /** The run's connection (set once the options are checked); the error handler reads its choice. */
    CliCluster cluster;

    StageCommand(CliEnvironment env) {
        this.env = env;
    }

    /** Whether products of models no longer in the configuration may be deleted (plan and apply offer it). */
    boolean prune() { return false; }

    private List<? extends Stage> withPrune(List<? extends Stage> stages) {
        if (!prune()) {
            return stages;
        }
        return stages.stream().map(s -> s instanceof dev.maas.installer.stages.products.ProductsStage
                ? new dev.maas.installer.stages.products.ProductsStage(true) : s).toList();
    }

    /** A run's working set: the runner, the chosen stage ids and the stage context (closed by the caller). */
    record Session(StageRunner runner, List<String> ids, StageContext ctx) { }

    @Override
    public final Integer call() {
        beforeLoading();
        InstallerConfig config = loadConfig();
        StageRunner runner = new StageRunner(withPrune(env.stages().get()));
        List<String> ids = checkStageIds(runner);
        ClusterConnectionOptions.Choice choice = connection.resolve(config.cluster(), env.env(),
                SecretRegistry.global());
        cluster = new CliCluster(choice, TrustStore.userDefault(env.env()), this::err);
        try (StageContext ctx = new StageContext(config, SecretRegistry.global(), new Cancellation())) {
            cluster.install(ctx);
            if (needsCluster(runner.select(ids))) {
                ctx.service(ClusterConnection.class); // connection errors are reported before any stage runs
            }
            int code = run(new Session(runner, ids, ctx));
            out().flush();
            err().flush();
            return code;
        }
    }

    /** Whether a chosen stage that is available talks to the cluster: then the command connects up front. */
    static boolean needsCluster(List<Stage> chosen) {
        return chosen.stream().anyMatch(st -> st.available() && st.needsCluster());
    }

    /** Checks that need nothing loaded (apply: --yes without a terminal). */
    void beforeLoading() { }

    abstract int run(Session session);

    InstallerConfig loadConfig() {
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
        return s.runner().run(op, s.ids(), s.ctx(), listener);
    }

    /** Prints the closing summary (text) or the whole JSON document. */
    void report(Session s, RunReport report) {
        if (output == OutputFormat.JSON) {
            print(out(), new JsonReport(SecretRegistry.global()).render(report, id -> title(s, id)));
        } else {
            print(out(), TextReport.summary(report));
        }
    }

    static int exitCode(RunReport report) {
        if (report.anyInvalidInput()) {
            return ExitCodes.INVALID_INPUT;
        }
        if (!report.allOk()) {
            return ExitCodes.FAILURE;
        }
        if (report.operation() == Operation.VERIFY && !report.allChecksPass()) {
            return ExitCodes.VERIFY_PROBLEMS;
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
