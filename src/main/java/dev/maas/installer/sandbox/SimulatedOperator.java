package dev.maas.installer.sandbox;

/**
 * An operator simulated inside the test cluster. It watches the cluster through the same HTTP API a real
 * operator uses (fabric8 informers on {@link SimulationContext#client()}), reacts to the objects it owns and writes
 * their status: {@link OlmSimulator}, {@link ApiManagerSimulator} (3scale), {@link KeycloakOperatorSimulator}.
 */
public interface SimulatedOperator extends AutoCloseable {
    /** A short name for logs, e.g. {@code olm}. */
    String name();

    /** Starts the informers; called once by {@link SandboxCluster#addOperator(SimulatedOperator)}. */
    void start(SimulationContext context);

    /** Stops the informers and any scheduled work. */
    @Override
    void close();
}
