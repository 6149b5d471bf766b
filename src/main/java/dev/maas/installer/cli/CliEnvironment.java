package dev.maas.installer.cli;

import dev.maas.installer.engine.Stage;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the commands get from outside: the stages to run, the terminal to confirm on, the Ctrl-C hook, the
 * folder the default {@code maas-installer.yaml} is looked up in, and the environment variables (the cluster token,
 * {@code KUBECONFIG}, {@code HTTPS_PROXY}/{@code NO_PROXY}, {@code MAAS_CONFIG_DIR}). Production values come from
 * {@link Cli#run(String[])}; tests pass their own instead of changing the process environment.
 *
 * @param env              looks up one environment variable; null when it is not set
 * @param runLockRenewal   how often apply renews the run lock; null: a third of the lease
 *                         ({@link dev.maas.installer.cluster.RunLock.Held#keepRenewed})
 */
record CliEnvironment(Supplier<List<? extends Stage>> stages, Terminal terminal, InterruptHook interruptHook,
                      Path workDir, Function<String, String> env, Duration runLockRenewal) {
    static CliEnvironment system(Supplier<List<? extends Stage>> stages) {
        return new CliEnvironment(stages, Terminal.system(), InterruptHook.shutdownHook(), Path.of(""),
                System::getenv, null);
    }
}
