package dev.maas.installer.sandbox;

/**
 * Processes the sandbox starts (Keycloak, its one-time build) end with the JVM that started them: a wizard or CLI
 * that is closed, interrupted (Ctrl-C) or terminated (SIGTERM) takes its Keycloak with it instead of leaving it
 * running on its port. A process stopped the normal way forgets its hook.
 */
final class ChildProcesses {
    private ChildProcesses() { }

    /** A hook that ends {@code process} and everything it started when the JVM ends; null when the JVM is ending. */
    static Thread endWithThisJvm(Process process, String name) {
        Thread hook = new Thread(() -> {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
        }, "maas-stop-" + name);
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            return hook;
        } catch (IllegalStateException e) {
            process.descendants().forEach(ProcessHandle::destroy); // the JVM is ending already
            process.destroy();
            return null;
        }
    }

    /** Forgets a hook of {@link #endWithThisJvm} once its process was stopped. */
    static void forget(Thread hook) {
        if (hook == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is ending: the hook runs or ran, and finds the process stopped
        }
    }
}
