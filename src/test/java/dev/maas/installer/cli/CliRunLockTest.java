package dev.maas.installer.cli;

import dev.maas.installer.cluster.RunLock;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.sandbox.OlmSimulator;
import dev.maas.installer.sandbox.TestCluster;
import dev.maas.installer.stages.Stages;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two installer processes against one cluster: a real CLI process applies (and holds the run lock while its sso
 * stage waits for an operator that never installs), while a second CLI is refused with exit code 1 and a message
 * naming the first, without writing anything. plan in the meantime warns. SIGTERM to the first frees the lock.
 */
class CliRunLockTest {
    private static final long TIMEOUT_S = 120;

    @TempDir
    Path tmp;

    @Test
    void aSecondApplyIsRefusedWhileAnotherProcessHoldsTheLock() throws Exception {
        try (TestCluster cluster = TestCluster.start(TestCluster.Options.defaults()
                .withOlmBehaviour(OlmSimulator.Behaviour.noInstallPlan()));
             KubernetesClient client = cluster.newClient()) {
            Path kubeconfig = tmp.resolve("kubeconfig");
            Files.writeString(kubeconfig, cluster.kubeconfigYaml());
            Files.setPosixFilePermissions(kubeconfig, PosixFilePermissions.fromString("rw-------"));

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
