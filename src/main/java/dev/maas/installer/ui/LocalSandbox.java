package dev.maas.installer.ui;

import dev.maas.installer.engine.logging.LogHub;
import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.sandbox.Sandbox;

import java.nio.file.Path;
import java.util.function.Consumer;

/** The wizard's only reference to the sandbox package; loaded by the sandbox thread when a sandbox starts. */
final class LocalSandbox {
    private LocalSandbox() { }

    static SandboxLauncher.Started start(Path dir) {
        return start(dir, phase -> { });
    }

    /**
     * Starts the sandbox ({@link Sandbox#run(Path)}: the simulated cluster, the 3scale simulator, then Keycloak) and
     * tells {@code phase} which part it is starting, as the sandbox's log lines of this thread show it.
     */
    static SandboxLauncher.Started start(Path dir, Consumer<String> phase) {
        Thread self = Thread.currentThread();
        phase.accept(CLUSTER);
        Sandbox sandbox;
        try (AutoCloseable follow = LogHub.subscribe(line -> {
            String p = Thread.currentThread() == self ? phaseOf(line) : null;
            if (p != null) {
                phase.accept(p);
            }
        })) {
            sandbox = Sandbox.run(dir);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);   // LogHub's unsubscribe throws nothing
        }
        phase.accept(READY);
        return new SandboxLauncher.Started(sandbox.kubeconfig(), sandbox.configFile(), sandbox::close);
    }

    /** {@link Sandbox#discard(Path)}: deletes the state a stopped sandbox kept in {@code dir}. */
    static java.util.List<Path> discard(Path dir) {
        return Sandbox.discard(dir);
    }

    static final String CLUSTER = "the simulated cluster and 3scale";
    static final String KEYCLOAK = "Keycloak";
    static final String READY = "connecting";

    /**
     * The phase a sandbox log line starts, or null: Sandbox.run starts the cluster, then the 3scale simulator
     * (ThreescaleSimulator logs "… listening on …"), then its Keycloak (KeycloakProcess logs "unpacking …" and
     * "building Keycloak …" on a first start, then "starting Keycloak …").
     */
    static String phaseOf(LogLine line) {
        String logger = line.logger() == null ? "" : line.logger();
        String m = line.message() == null ? "" : line.message();
        if (logger.endsWith(".ThreescaleSimulator") && m.contains("listening")) {
            return KEYCLOAK;
        }
        if (logger.endsWith(".KeycloakProcess")) {
            if (m.startsWith("unpacking")) {
                return KEYCLOAK + " (unpacking it, on the first start only)";
            }
            if (m.startsWith("building Keycloak")) {
                return KEYCLOAK + " (building it, on the first start only)";
            }
            if (m.startsWith("starting Keycloak")) {
                return KEYCLOAK;
            }
        }
        return null;
    }
}
