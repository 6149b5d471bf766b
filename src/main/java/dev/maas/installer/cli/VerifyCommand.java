package dev.maas.installer.cli;

import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunReport;
import picocli.CommandLine.Command;

@Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Checks the live systems against the configuration. Changes nothing.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every check is OK or WARN (a stage that cannot be tried where the run goes, such as sso in a"
                                + " sandbox without Keycloak, is left out and said so)", "1:a stage could not be verified, or the cluster could not be reached or refused the"
                                + " credentials (401) or a permission (403)",
                        "2:invalid input (configuration, options, connection settings, a certificate that is not"
                                + " trusted, or a stage reported invalid input)",
                        "3:verify found problems (a check FAILED_RETRYABLE or INVALID_INPUT)"})
final class VerifyCommand extends StageCommand {
    VerifyCommand(CliEnvironment env) {
        super(env);
    }

    @Override
    int run(Session s) {
        RunReport report = execute(s, Operation.VERIFY, false);
        report(s, report);
        return exitCode(report);
    }
}
