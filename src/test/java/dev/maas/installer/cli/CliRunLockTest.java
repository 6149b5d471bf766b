package dev.maas.installer.cli;

import dev.maas.installer.cluster.RunLock;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.sandbox.OlmSimulator;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.io.StringWriter;
import java.io.Writer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two installer processes against one cluster: a real CLI process applies (and holds the run lock while its sso
 * stage waits for an operator that never installs), while a second CLI is refused with exit code 1 and a message
 * naming the first, without writing anything. plan in the meantime warns. SIGTERM to the first frees the lock.
 * And a run that loses the lock while it runs stops at its next step and says why.
 */
@StartsSandbox
class CliRunLockTest {
    private static final long TIMEOUT_S = 120;

    /** One sandbox for the class; its OLM never installs anything, so an sso stage waits until stopped. */
    private static SandboxCluster cluster;
    private static KubernetesClient client;

    @TempDir
    Path tmp;
    private Path kubeconfig;

    @BeforeAll
    static void startSandbox() {
        cluster = SandboxCluster.start(SandboxCluster.Options.defaults()
                .withOlmBehaviour(OlmSimulator.Behaviour.noInstallPlan()));
        client = cluster.newClient();
    }

    @AfterAll
    static void stopSandbox() {
        cluster.close();
    }

    @BeforeEach
    void freshLeaseAndKubeconfig() throws Exception {
        client.leases().inNamespace(RunLock.NAMESPACE).withName(RunLock.NAME).delete();
        kubeconfig = tmp.resolve("kubeconfig");
        Files.writeString(kubeconfig, cluster.kubeconfigYaml());
        Files.setPosixFilePermissions(kubeconfig, PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aSecondApplyIsRefusedWhileAnotherProcessHoldsTheLock() throws Exception {
        Path childDir = Files.createDirectories(tmp.resolve("first"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"),
                "dev.maas.installer.Main", "apply", "--yes", "--stage", "sso", "--kubeconfig",
                kubeconfig.toString());
        pb.directory(childDir.toFile());
        pb.environment().put("MAAS_CONFIG_DIR", childDir.resolve("maas-config").toString());
        pb.environment().put("HOME", childDir.toString());
        Process first = pb.start();
        CliSandboxTest.StreamReader stdout = new CliSandboxTest.StreamReader(first.getInputStream(), "first-out");
        LineWatcher stderr = new LineWatcher(first, "[sso]");
        try {
            // the first run prints its stage start only after it took the lock
            String started = stderr.matched.get(TIMEOUT_S, TimeUnit.SECONDS);
            assertThat(started).as(stderr.text()).contains("[sso]");
            Lease lease = client.leases().inNamespace(RunLock.NAMESPACE).withName(RunLock.NAME).get();
            String holder = lease.getSpec().getHolderIdentity();
            assertThat(holder).contains(" pid " + first.pid() + " (cli) ");

            // a second apply (another config, so any write of its own would show) is refused
            Path secondDir = Files.createDirectories(tmp.resolve("second"));
            Path config = secondDir.resolve("second.yaml");
            Files.writeString(config, "sso:\n  namespace: second-sso\nthreescale:\n  namespace: second-3scale\n");
            CliHarness second = new CliHarness(secondDir, Stages.all().toArray(Stage[]::new));
            CliHarness.Result refused = second.run("apply", "--yes", "--config", config.toString(),
                    "--kubeconfig", kubeconfig.toString());
            assertThat(refused.code()).as(refused.toString()).isEqualTo(ExitCodes.FAILURE);
            assertThat(refused.err()).contains("Another maas-installer run holds the lock: " + holder + " (since ")
                    .contains("rerun after ").contains("delete Lease maas-installer/maas-installer-run")
                    .doesNotContain("starting").doesNotContain(cluster.token());
            assertThat(refused.out()).isEmpty();
            assertThat(client.namespaces().withName("second-sso").get()).as("nothing of the second run").isNull();
            assertThat(client.namespaces().withName("second-3scale").get()).isNull();
            assertThat(client.leases().inNamespace(RunLock.NAMESPACE).withName(RunLock.NAME).get().getSpec()
                    .getHolderIdentity()).isEqualTo(holder);

            // plan needs no lock, but says that an apply runs now
            CliHarness.Result plan = second.run("plan", "--stage", "preflight", "--config", config.toString(),
                    "--kubeconfig", kubeconfig.toString());
            assertThat(plan.code()).as(plan.toString()).isZero();
            assertThat(plan.err()).contains("Warning: another installer is applying now: " + holder);

            // SIGTERM: the first run stops and gives the lock back before it exits
            assertThat(first.toHandle().destroy()).isTrue();
            assertThat(first.waitFor(TIMEOUT_S, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
            stderr.done.get(TIMEOUT_S, TimeUnit.SECONDS);
            assertThat(first.exitValue()).as(stderr.text()).isEqualTo(ExitCodes.FAILURE);
            assertThat(client.leases().inNamespace(RunLock.NAMESPACE).withName(RunLock.NAME).get().getSpec()
                    .getHolderIdentity()).as("released: " + stderr.text()).isNull();
        } finally {
            first.destroyForcibly();
            first.waitFor(30, TimeUnit.SECONDS);
            stdout.done.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aLostLockStopsTheRunAtItsNextStepWithAClearMessage() throws Exception {
        CountDownLatch atStep = new CountDownLatch(1);
        CountDownLatch lost = new CountDownLatch(1);
        AtomicBoolean secondStep = new AtomicBoolean();
        TestStage stage = new TestStage("a").apply((ctx, p) -> {
            p.step(1, 2, "first step");
            atStep.countDown();
            await(lost);
            p.step(2, 2, "second step"); // the run was cancelled: this throws
            secondStep.set(true);
            return List.of();
        });
        CliHarness cli = new CliHarness(tmp.resolve("cli"), stage);
        SignallingWriter err = new SignallingWriter("Lost the run lock", lost);
        StringWriter out = new StringWriter();
        cli.runLockRenewal = Duration.ofMillis(20);
        try {
            CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> cli.run(out, err, "apply",
                    "--yes", "--kubeconfig", kubeconfig.toString()));
            assertThat(atStep.await(TIMEOUT_S, TimeUnit.SECONDS)).as(err.toString()).isTrue();
            // someone takes the Lease away (as after deleting it, or after this run could not renew in time)
            // (an unconditional merge patch: the run renews every 20 ms, so a read-modify-write would get 409)
            client.leases().inNamespace(RunLock.NAMESPACE).withName(RunLock.NAME).patch(
                    PatchContext.of(PatchType.JSON_MERGE),
                    "{\"spec\":{\"holderIdentity\":\"bob@elsewhere pid 9 (cli) 0000beef\"}}");
            assertThat(run.get(TIMEOUT_S, TimeUnit.SECONDS)).as(err.toString()).isEqualTo(ExitCodes.FAILURE);
        } finally {
            lost.countDown();
        }
        assertThat(secondStep).isFalse();
        assertThat(err.toString()).contains("error: Lost the run lock: the Lease maas-installer/maas-installer-run"
                + " is now held by bob@elsewhere pid 9 (cli) 0000beef").contains("rerun apply")
                .contains("Apply was cancelled.");
        assertThat(out.toString()).contains("CANCELLED");
        assertThat(client.leases().inNamespace(RunLock.NAMESPACE).withName(RunLock.NAME).get().getSpec()
                .getHolderIdentity()).as("the lost run leaves the new holder alone")
                .isEqualTo("bob@elsewhere pid 9 (cli) 0000beef");
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(TIMEOUT_S, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Collects text and counts a latch down once it contains the given text. */
    static final class SignallingWriter extends Writer {
        private final StringBuffer text = new StringBuffer();
        private final String wanted;
        private final CountDownLatch latch;

        SignallingWriter(String wanted, CountDownLatch latch) {
            this.wanted = wanted;
            this.latch = latch;
        }

        @Override
        public void write(char[] cbuf, int off, int len) {
            text.append(cbuf, off, len);
            if (text.indexOf(wanted) >= 0) {
                latch.countDown();
            }
        }

        @Override public void flush() { }

        @Override public void close() { }

        @Override public String toString() { return text.toString(); }
    }

    /** Reads a process's stderr; completes {@code matched} with the first line containing the text. */
    static final class LineWatcher {
        final CompletableFuture<String> matched = new CompletableFuture<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();

        LineWatcher(Process p, String wanted) {
            Thread t = new Thread(() -> {
                try (var r = p.errorReader()) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        synchronized (text) {
                            text.append(line).append('\n');
                        }
                        if (line.contains(wanted)) {
                            matched.complete(line);
                        }
                    }
                } catch (java.io.IOException e) {
                    synchronized (text) {
                        text.append("[read failed: ").append(e.getMessage()).append("]\n");
                    }
                } finally {
                    matched.complete("[the process ended without printing " + wanted + "]\n" + text());
                    done.complete(null);
                }
            }, "first-err");
            t.setDaemon(true);
            t.start();
        }

        String text() {
            synchronized (text) {
                return text.toString();
            }
        }
    }
}
