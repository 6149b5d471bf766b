package dev.maas.installer.cli;

import dev.maas.installer.cluster.ClusterException;
import dev.maas.installer.engine.config.ConfigException;
import dev.maas.installer.engine.run.StageRunner;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.stages.Stages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * The command line: {@code maas-installer plan|apply|verify|sandbox}. The only place in the project that writes to
 * {@link System#out}; results go to stdout, progress, messages and logs to stderr.
 */
public final class Cli {
    private static final Logger LOG = LoggerFactory.getLogger(Cli.class);

    private Cli() { }

    /** Runs the CLI on the process's stdout/stderr and console; returns the exit code (see {@link ExitCodes}). */
    public static int run(String[] args) {
        quietRunnerLog();
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        try {
            return commandLine(CliEnvironment.system(Stages::all), out, err).execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * The CLI prints each stage's start and sub-steps itself, so the runner's own INFO lines ("applying ...",
     * "step 1 of 3: ...") would only repeat them on stderr. Unless the user chose a level with
     * {@code -Dmaas.log.level}, the runner logs warnings and errors only; stages' own log lines are unchanged.
     */
    private static void quietRunnerLog() {
        if (System.getProperty("maas.log.level") == null
                && LoggerFactory.getLogger(StageRunner.class) instanceof ch.qos.logback.classic.Logger runnerLog) {
            runnerLog.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    /** The picocli command tree, writing to {@code out} and {@code err}; tests call this with their own stages. */
    static CommandLine commandLine(CliEnvironment env, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new RootCommand())
                .addSubcommand(new PlanCommand(env))
                .addSubcommand(new ApplyCommand(env))
                .addSubcommand(new VerifyCommand(env))
                .addSubcommand(new SandboxCommand(env))
                .addSubcommand(new TestCommand(env))
                .addSubcommand(new UsageCommand(env))
                .addSubcommand(new CommandLine.HelpCommand());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter e = commandLine.getErr();
            SecretRegistry secrets = SecretRegistry.global();
            StageCommand stageCommand = commandLine.getCommand() instanceof StageCommand sc ? sc : null;
            int code;
            String message;
            if (ex instanceof ClusterException ce) {
                String tokenVariable = stageCommand != null && stageCommand.cluster != null
                        ? stageCommand.cluster.choice().tokenVariable() : null;
                message = secrets.redact(ConnectionErrors.describe(ce, tokenVariable));
                e.print(message);
                code = ConnectionErrors.exitCode(ce);
            } else if (ex instanceof ConfigException || ex instanceof InvalidInputException) {
                message = secrets.redact("error: " + ex.getMessage());
                e.println(message);
                code = ExitCodes.INVALID_INPUT;
            } else {
                LOG.debug("unexpected error", ex);
                message = secrets.redact("error: " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
                e.println(message);
                e.println("Rerun with -Dmaas.log.level=DEBUG for details, and report it if it persists.");
                code = ExitCodes.FAILURE;
            }
            if (stageCommand != null) {
                stageCommand.journalError(message.strip(), code);
                stageCommand.finishJournal(e);
            }
            e.flush();
            return code;
        });
        return cl;
    }
}
