package dev.maas.installer.cli;

import dev.maas.installer.cluster.TrustStore;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.run.RunContext;
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
        RunJournal journal = noJournal ? null : RunContext.defaultJournal("test", env.env(),
                line -> err(line + " (set XDG_STATE_HOME, or use --no-journal)"));
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
            // the test changes nothing of the MaaS, so it takes no lock; the run says when an apply runs now
            RunContext run = RunContext.open(ctx, journal, new RunContext.Options("cli", false, true, null, this::err));
            EndToEnd.Options options = EndToEnd.Options.all().withModels(models).withInference(inference);
            EndToEndReport report;
            try {
                report = EndToEnd.run(ctx, options, line -> {
                    err(line);
                    run.note(line);
                });
            } catch (CancelledException e) {
                err("Cancelled: the temporary objects were removed.");
                exit.set(ExitCodes.FAILURE);
                return finish(run, ExitCodes.FAILURE);
            } catch (StageException e) {
                err("error: " + e.getMessage());
                if (e.fix() != null) {
                    err("fix: " + e.fix().hint());
                }
                int code = e.invalidInput() ? ExitCodes.INVALID_INPUT : ExitCodes.FAILURE;
                exit.set(code);
                return finish(run, code);
            }
            if (output == OutputFormat.JSON) {
                StageCommand.print(out(), report.toJson(SecretRegistry.global()));
            } else {
                StageCommand.print(out(), report.toText(SecretRegistry.global()));
            }
            int code = report.allPass() ? ExitCodes.OK : report.anyFailed() ? ExitCodes.VERIFY_PROBLEMS
                    : ExitCodes.FAILURE;
            run.note(report.toText(SecretRegistry.global()).strip());
            exit.set(code);
            return finish(run, code);
        } finally {
            finished.countDown();
            try {
                hook.close();
            } catch (Exception e) {
                // the JVM is shutting down
            }
        }
    }

    private int finish(RunContext run, int code) {
        out().flush();
        run.note("exit code " + code);
        run.close();
        return code;
    }

    private InstallerConfig loadConfig() {
        return StageCommand.loadConfig(configFile, env);
    }

    private PrintWriter out() { return spec.commandLine().getOut(); }

    private void err(String line) {
        StageCommand.print(spec.commandLine().getErr(), line + "\n");
    }
}
