package dev.maas.installer.testing;

import dev.maas.installer.sandbox.CrdSource;
import dev.maas.installer.sandbox.SandboxCluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * One light sandbox cluster per test JVM, for tests whose stages only need a cluster to connect to (every run of the
 * CLI connects as it opens, see {@code engine.run.RunContext}): the strict API server with the OpenShift APIs, but
 * without CRDs, OLM or the served models, over plain HTTP (TLS is what {@code CliConnectionTest} tests, on servers of
 * its own), so that it starts in about a second and each run's connection costs tens of milliseconds. Started on first
 * use, shared by every test class of the JVM, closed by a shutdown hook.
 *
 * <p>Tests run one at a time per JVM (surefire runs the classes of a fork one after another), so the run lock an apply
 * takes on it ({@code cluster.RunLock}) never meets another test's: each run frees it as it closes, and a run that
 * did not would fail the next apply with "another maas-installer run holds the lock".
 */
public final class SharedTestCluster {
    /** The file each test's kubeconfig for the shared cluster is written to, in the test's folder. */
    public static final String KUBECONFIG_FILE = "shared-cluster-kubeconfig";

    /** No CustomResourceDefinitions: the stages run on it use none (parsing and serving them takes seconds). */
    private static final CrdSource NO_CRDS = new CrdSource() {
        @Override
        public List<Document> load() { return List.of(); }

        @Override
        public String describe() { return "no CRDs"; }
    };

    private static SandboxCluster cluster;

    private SharedTestCluster() { }

    /** The shared cluster, started on first use. */
    public static synchronized SandboxCluster get() {
        if (cluster == null) {
            cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withHttps(false).withCrdSource(NO_CRDS)
                    .withOlm(false).withModels(false));
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
