package dev.maas.installer.cli;

import dev.maas.installer.cluster.ClusterConnection;
import dev.maas.installer.cluster.RunLock;
import dev.maas.installer.cluster.TrustStore;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.run.RunJournal;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.stages.e2e.EndToEnd;
import dev.maas.installer.stages.e2e.EndToEndReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code maas-installer test}: proves the finished MaaS works end to end ({@link EndToEnd}): a developer signs in
 * through Red Hat SSO, and a key from the portal gets an answer from each model through the production gateway.
 * Makes only temporary, marked objects and removes them, also on Ctrl-C.
 */
@Command(name = "test", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Proves the MaaS works: signs in through Red Hat SSO as a temporary user, and calls each model"
                + " through the production gateway with a key on its plan (a wrong key must get 403, a path without"
                + " a mapping rule 404). Removes the temporary user, developer account and applications afterwards."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every check passed", "1:the test could not run (cluster, 3scale or the routes unreachable,"
                + " cancelled)", "2:invalid input (configuration, options, an unknown --model)",
                "3:a check failed (the report names what is wrong and what fixes it)"})
final class TestCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Configuration file (default: ./" + StageCommand.DEFAULT_CONFIG + " if it exists, else"
                    + " built-in defaults).")
    Path configFile;

    @Option(names = "--model", paramLabel = "SYSTEM_NAME",
            description = "Only this model (its system name); repeat it for several. Default: every model.")
    List<String> models = new ArrayList<>();

    @Option(names = "--inference", description = "Also send each model a one-token chat completion or embedding.")
    boolean inference;

    @Option(names = "--output", paramLabel = "text|json", defaultValue = "TEXT",
            description = "text (default) or json (see ${sys:maas.docs:-docs}/cli.md). JSON goes to stdout, everything else to stderr.")
    OutputFormat output;

    @Option(names = "--no-journal", description = "Write no run journal.")
    boolean noJournal;

    @Mixin
    ClusterConnectionOptions connection;

    private final CliEnvironment env;

    TestCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        InstallerConfig config = loadConfig();
        RunJournal journal = openJournal();
        ClusterConnectionOptions.Choice choice = connection.resolve(config.cluster(), env.env(),
                SecretRegistry.global());
        CliCluster cluster = new CliCluster(choice, TrustStore.userDefault(env.env()), this::err);
        Cancellation cancellation = new Cancellation();
        AtomicInteger exit = new AtomicInteger(ExitCodes.FAILURE);
        CountDownLatch finished = new CountDownLatch(1);
        AutoCloseable hook = env.interruptHook().install(() -> {
            cancellation.cancel();
            err("Cancelling: removing the temporary user, account and applications...");
            try {
                finished.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return exit.get();
        });
        try (StageContext ctx = new StageContext(config, SecretRegistry.global(), cancellation)) {
            cluster.install(ctx);
            ClusterConnection conn = ctx.service(ClusterConnection.class);
            warnIfApplying(conn);
            EndToEnd.Options options = EndToEnd.Options.all().withModels(models).withInference(inference);
            EndToEndReport report;
            try {
                report = EndToEnd.run(ctx, options, line -> {
                    err(line);
                    if (journal != null) {
                        journal.note(line);
                    }
                });
            } catch (CancelledException e) {
                err("Cancelled: the temporary objects were removed.");
                exit.set(ExitCodes.FAILURE);
                return finish(journal, ExitCodes.FAILURE);
            } catch (StageException e) {
                err("error: " + e.getMessage());
                if (e.fix() != null) {
                    err("fix: " + e.fix().hint());
                }
                int code = e.invalidInput() ? ExitCodes.INVALID_INPUT : ExitCodes.FAILURE;
                exit.set(code);
                return finish(journal, code);
            }
            if (output == OutputFormat.JSON) {
                StageCommand.print(out(), report.toJson(SecretRegistry.global()));
            } else {
                StageCommand.print(out(), report.toText(SecretRegistry.global()));
            }
            int code = report.allPass() ? ExitCodes.OK : report.anyFailed() ? ExitCodes.VERIFY_PROBLEMS
                    : ExitCodes.FAILURE;
            if (journal != null) {
                journal.note(report.toText(SecretRegistry.global()).strip());
            }
            exit.set(code);
            return finish(journal, code);
        } finally {
            finished.countDown();
            try {
                hook.close();
            } catch (Exception e) {
                // the JVM is shutting down
            }
        }
    }

    private int finish(RunJournal journal, int code) {
        out().flush();
        if (journal != null) {
            journal.note("exit code " + code);
            journal.close();
            err("Run journal: " + journal.file());
        }
        return code;
    }

    private RunJournal openJournal() {
        if (noJournal) {
            return null;
        }
        try {
            return RunJournal.startIn(RunJournal.defaultDirectory(env.env()), "test", SecretRegistry.global(),
                    java.time.Clock.systemDefaultZone());
        } catch (java.io.UncheckedIOException e) {
            err("warning: no run journal: " + e.getMessage() + " (set XDG_STATE_HOME, or use --no-journal)");
            return null;
        }
    }

    /** The test changes nothing of the MaaS, so it takes no lock; it says when an apply runs now. */
    private void warnIfApplying(ClusterConnection conn) {
        try {
            new RunLock(conn.client()).holder().filter(h -> !h.expiredAt(java.time.Instant.now()))
                    .ifPresent(h -> err("Warning: another installer is applying now: " + h.describe()
                            + "; the test may see half-made objects."));
        } catch (RuntimeException e) {
            // no lock to read: nothing to say
        }
    }

    private InstallerConfig loadConfig() {
        Path file = configFile;
        if (file == null) {
            Path fallback = env.workDir().resolve(StageCommand.DEFAULT_CONFIG);
            if (Files.isRegularFile(fallback)) {
                file = fallback;
            }
        }
        return file == null ? InstallerConfig.defaults() : ConfigLoader.load(file);
    }

    private PrintWriter out() { return spec.commandLine().getOut(); }

    private void err(String line) {
        StageCommand.print(spec.commandLine().getErr(), line + "\n");
    }
}
