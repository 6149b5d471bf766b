package dev.maas.installer.cli;

import dev.maas.installer.engine.Stage;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the commands get from outside: the stages to run, the terminal to confirm on, the Ctrl-C hook and the
 * folder the default {@code maas-installer.yaml} is looked up in. Production values come from
 * {@link Cli#run(String[])}; tests pass their own.
 */
record CliEnvironment(Supplier<List<? extends Stage>> stages, Terminal terminal, InterruptHook interruptHook,
                      Path workDir) {
    static CliEnvironment system(Supplier<List<? extends Stage>> stages) {
        return new CliEnvironment(stages, Terminal.system(), InterruptHook.shutdownHook(), Path.of(""));
    }
}
