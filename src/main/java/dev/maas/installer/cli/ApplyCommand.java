package dev.maas.installer.cli;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.run.StageResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

@Command(name = "apply", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Brings the live systems to the configured state, stage by stage.",
                       "On a terminal it shows the plan and asks first; elsewhere it needs --yes.",
                       "Ctrl-C stops the running stage at its next step; rerun apply to continue.",
                       "Holds the cluster's run lock (Lease maas-installer/maas-installer-run) while it runs:"
                               + " a second apply against the same cluster is refused."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every stage was applied",
                        "1:a stage failed, was skipped or cancelled, the apply was declined, another installer run"
                                + " holds the cluster's run lock, or the cluster could not be reached or refused the"
                                + " credentials (401) or a permission (403)",
                        "2:invalid input (configuration, options, connection settings, an untrusted certificate,"
                                + " missing --yes, or a stage reported invalid input)"})
final class ApplyCommand extends StageCommand {
    @Option(names = "--prune", description = "Also delete the 3scale products of models no longer in the"
            + " configuration, but only those the installer created (their description carries its marker), and"
            + " the application plans of model products that are no tier in plans.tiers, except while applications"
            + " are on them."
            + " Shown in the plan first; asks again on a terminal.")
    boolean prune;

    @Override
    boolean prune() { return prune; }

    @Override
    boolean takesRunLock() { return true; }

    private static final Logger LOG = LoggerFactory.getLogger(ApplyCommand.class);
    /** How long Ctrl-C waits for the running stage to stop and the report to be printed before the JVM exits. */
    static final Duration INTERRUPT_GRACE = Duration.ofSeconds(30);

    @Option(names = {"-y", "--yes"}, description = "Apply without asking (needed when there is no terminal).")
    boolean yes;

    ApplyCommand(CliEnvironment env) {
        super(env);
    }

    @Override
    void beforeLoading() {
        if (!yes && !env.terminal().interactive()) {
            throw new InvalidInputException("apply changes the cluster and there is no terminal to confirm on:"
                    + " add --yes to apply without asking");
        }
    }

    @Override
    int run(Session s) {
        if (!yes) {
            Integer declined = confirm(s);
            if (declined != null) {
                return declined;
            }
        }
        Cancellation cancellation = s.ctx().cancellation();
        CountDownLatch finished = new CountDownLatch(1);
        AtomicInteger exitCode = new AtomicInteger(ExitCodes.FAILURE);
        AutoCloseable hook = env.interruptHook().install(() -> {
            cancellation.cancel();
            err("Cancelling: the running stage stops at its next step...");
            try {
                if (!finished.await(INTERRUPT_GRACE.toSeconds(), TimeUnit.SECONDS)) {
                    err("The stage did not stop within " + INTERRUPT_GRACE.toSeconds() + "s; exiting anyway."
                            + " Rerun apply to continue.");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return exitCode.get();
        });
        try {
            RunReport report = execute(s, Operation.APPLY, true);
            report(s, report);
            if (cancellation.isCancelled()) {
                err("Apply was cancelled. Rerun it to continue where it stopped.");
            }
            out().flush();
            err().flush();
            exitCode.set(exitCode(report));
            return exitCode.get();
        } finally {
            s.releaseLock(); // before an interrupted JVM may halt
            try {
                hook.close();
            } catch (Exception e) {
                LOG.debug("could not remove the interrupt hook", e);
            }
            finished.countDown();
        }
    }

    /** Shows the plan and asks. Returns null to go on, or the exit code when nothing is to be applied. */
    private Integer confirm(Session s) {
        PrintWriter where = output == OutputFormat.JSON ? err() : out();
        RunReport plan = s.runner().run(Operation.PLAN, s.ids(), s.ctx(), s.run().events(e -> { }));
        print(where, "Plan:\n");
        for (StageResult r : plan.stages()) {
            print(where, TextReport.stage(r, title(s, r.stageId())));
        }
        print(where, TextReport.summary(plan));
        if (anyFailed(plan)) {
            err("The plan failed for: " + String.join(", ", plan.stages().stream()
                    .filter(r -> r.outcome() == StageResult.Outcome.FAILED).map(StageResult::stageId).toList())
                    + ". Nothing was applied; fix that first.");
            return exitCode(plan);
        }
        String answer = env.terminal().readLine("Apply these changes? [y/N] ");
        String a = answer == null ? "" : answer.trim().toLowerCase(Locale.ROOT);
        if (!a.equals("y") && !a.equals("yes")) {
            err("Nothing was applied.");
            return ExitCodes.FAILURE;
        }
        return null;
    }
}
