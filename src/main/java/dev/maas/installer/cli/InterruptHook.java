package dev.maas.installer.cli;

/**
 * Runs an action when the user interrupts the process (Ctrl-C). The real one is a JVM shutdown hook;
 * tests pass their own to fire it on demand.
 */
interface InterruptHook {
    /** Installs {@code onInterrupt}; closing the returned handle removes it again. */
    AutoCloseable install(Runnable onInterrupt);

    /** A JVM shutdown hook (runs on SIGINT/SIGTERM). */
    static InterruptHook shutdownHook() {
        return onInterrupt -> {
            Thread hook = new Thread(onInterrupt, "maas-installer-interrupt");
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
