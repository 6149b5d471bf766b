package dev.maas.installer.sandbox;

/**
 * Sees each write request that a client of the sandbox (the installer, not the sandbox's own simulated operators)
 * sends to one of its servers, before the server applies it. For tests that need to act at an exact point of a run,
 * e.g. kill the installer while its k-th write is in flight (the kill-and-resume test). The observer runs on the
 * server's request thread and may block it briefly; the stages know nothing of it.
 *
 * <p>Set with {@link SandboxCluster#observeWrites} (POST, PUT, PATCH and DELETE on the API server, access reviews
 * excluded) and {@code ThreescaleSimulator.observeWrites} (every request but GET).
 */
@FunctionalInterface
public interface WriteObserver {
    /** Observes nothing and lets every write through. */
    WriteObserver NONE = (method, path) -> true;

    /**
     * Called before the server applies the write.
     *
     * @param method the HTTP method
     * @param path   the request path (with the query string for the API server)
     * @return true to apply the write as usual; false to drop it unapplied (the server then answers 503, or closes
     *         the connection without an answer, and changes nothing), as if the request had never arrived
     */
    boolean beforeWrite(String method, String path);
}
