package dev.maas.installer.cli;

import java.util.function.IntSupplier;

/**
 * Runs an action when the user interrupts the process (Ctrl-C, or SIGTERM). The real one is a JVM shutdown hook;
 * tests pass their own to fire it on demand.
 */
interface InterruptHook {
    /**
     * Installs {@code onInterrupt}, which stops the run, waits for its report and returns the exit code the
     * process should end with. Closing the returned handle removes the hook again.
     */
    AutoCloseable install(IntSupplier onInterrupt);

    /**
     * A JVM shutdown hook. Once the action has returned (the report is printed) it ends the process with the run's
     * exit code, so an interrupted apply exits 1 like any other cancelled run rather than 130/143.
     */
    static InterruptHook shutdownHook() {
        return onInterrupt -> {
            Thread hook = new Thread(() -> {
                int code = onInterrupt.getAsInt();
                System.out.flush();
                System.err.flush();
                Runtime.getRuntime().halt(code);
            }, "maas-installer-interrupt");
            Runtime.getRuntime().addShutdownHook(hook);
            return () -> {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the JVM is already shutting down: the hook is running or has run
                }
            };
        };
    }
}
