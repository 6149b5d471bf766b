package dev.maas.installer.sandbox;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A JVM that started a process for the sandbox (Keycloak, its build) and is then terminated (SIGTERM, as a desktop
 * closing a window's process or a user's {@code kill}) leaves nothing running: the real JVM in a child process,
 * with {@code sleep} standing in for Keycloak.
 */
class ChildProcessesTest {

    /** The child JVM: starts the stand-in, says its pid, and waits to be terminated. */
    public static void main(String[] args) throws Exception {
        Process standIn = new ProcessBuilder("sleep", "600").start();
        ChildProcesses.endWithThisJvm(standIn, "test");
        System.out.println(standIn.pid());
        System.out.flush();
        Thread.sleep(600_000);
    }

    @Test
    void aTerminatedJvmTakesTheProcessesItStartedWithIt() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ChildProcessesTest.class.getName()).redirectErrorStream(true).start();
        long pid;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(),
                StandardCharsets.UTF_8))) {
            pid = Long.parseLong(out.readLine().trim());
            Optional<ProcessHandle> standIn = ProcessHandle.of(pid);
            assertThat(standIn).as("the stand-in runs").isPresent();
            assertThat(standIn.get().isAlive()).isTrue();

            jvm.destroy(); // SIGTERM
            assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).as("the JVM ends").isTrue();
            standIn.get().onExit().get(30, TimeUnit.SECONDS);
            assertThat(standIn.get().isAlive()).as("the stand-in ended with the JVM").isFalse();
        } finally {
            jvm.destroyForcibly();
        }
    }

    @Test
    void aProcessStoppedTheNormalWayForgetsItsHook() throws Exception {
        Process standIn = new ProcessBuilder("sleep", "600").start();
        Thread hook = ChildProcesses.endWithThisJvm(standIn, "test");
        assertThat(hook).isNotNull();
        standIn.destroy();
        standIn.waitFor(10, TimeUnit.SECONDS);
        ChildProcesses.forget(hook);
        assertThat(Runtime.getRuntime().removeShutdownHook(hook)).as("already forgotten").isFalse();
    }
}
