package dev.maas.installer.testing;

import dev.maas.installer.sandbox.SandboxCluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * One light sandbox cluster per test JVM, for tests whose stages only need a cluster to connect to (every run of the
 * CLI connects as it opens, see {@code engine.run.RunContext}): the strict API server over HTTPS, without OLM and
 * without the served models, so it starts in well under a second. Started on first use, shared by every test class of
 * the JVM, closed by a shutdown hook.
 *
 * <p>Tests run one at a time per JVM (surefire runs the classes of a fork one after another), so the run lock an apply
 * takes on it ({@code cluster.RunLock}) never meets another test's: each run frees it as it closes, and a run that
 * did not would fail the next apply with "another maas-installer run holds the lock".
 */
public final class SharedTestCluster {
    /** The file each test's kubeconfig for the shared cluster is written to, in the test's folder. */
    public static final String KUBECONFIG_FILE = "shared-cluster-kubeconfig";

    private static SandboxCluster cluster;

    private SharedTestCluster() { }

    /** The shared cluster, started on first use. */
    public static synchronized SandboxCluster get() {
        if (cluster == null) {
            cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withOlm(false).withModels(false));
            SandboxCluster started = cluster;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "shared-test-cluster-stop"));
        }
        return cluster;
    }

    /**
     * A kubeconfig for the shared cluster in {@code dir} ({@value #KUBECONFIG_FILE}, owner-only, as {@code oc login}
     * writes it), written on the first call for that folder.
     */
    public static synchronized Path kubeconfigIn(Path dir) {
        Path file = dir.resolve(KUBECONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            try {
                Files.createDirectories(dir);
                Files.writeString(file, get().kubeconfigYaml());
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return file;
    }
}
