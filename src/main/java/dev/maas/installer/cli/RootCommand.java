package dev.maas.installer.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "maas-installer", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Sets up Models as a Service on OpenShift: Red Hat SSO, 3scale, one 3scale product per"
                + " served model, and the developer portal.",
                "Run without arguments to open the wizard. No cluster at hand? Start a local one with 'maas-installer"
                        + " sandbox' and point plan/verify at its --config."},
        synopsisSubcommandLabel = "(plan | apply | verify | sandbox)",
        commandListHeading = "%nCommands:%n",
        footerHeading = "%n",
        footer = "Run 'maas-installer <command> --help' for a command's options. Docs: ${sys:maas.docs:-docs}/cli.md",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success (verify: all checks OK or WARN)", "1:failure (a stage failed, was skipped or"
                + " cancelled)", "2:invalid input (configuration or usage)", "3:verify found problems"})
final class RootCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing command: use plan, apply, verify or sandbox");
    }
}
