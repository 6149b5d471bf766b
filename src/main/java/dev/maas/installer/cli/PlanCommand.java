package dev.maas.installer.cli;

import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "plan", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Shows what apply would change, stage by stage, without changing anything.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every stage was planned", "1:a stage failed or is not available, or the cluster could not be reached or refused"
                                + " the credentials (401) or a permission (403)",
                        "2:invalid input (configuration, options, connection settings, a certificate that is not"
                                + " trusted, or a stage reported invalid input)"})
final class PlanCommand extends StageCommand {
    @Option(names = "--prune", description = "Also delete the 3scale products of models no longer in the"
            + " configuration, but only those the installer created (their description carries its marker), and"
            + " the application plans of model products that are no tier in plans.tiers, except while applications"
            + " are on them."
            + " Shows what apply --prune would delete.")
    boolean prune;

    @Override
    boolean prune() { return prune; }

    PlanCommand(CliEnvironment env) {
        super(env);
    }

    @Override
    int run(Session s) {
        RunReport report = execute(s, Operation.PLAN, false);
        report(s, report);
        return exitCode(report);
    }
}
