package dev.maas.installer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.testing.SharedTestCluster;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * Runs the CLI in-process with test stages, a scripted terminal and a Ctrl-C hook the test fires. Every run connects
 * as it opens: unless the test sets {@code KUBECONFIG} (or gives {@code --kubeconfig}, {@code --api-url} or a config
 * that names a cluster), the CLI's default kubeconfig is one for the JVM's {@link SharedTestCluster}, written into the
 * test's folder when the CLI first looks for it.
 */
final class CliHarness {
    static final ObjectMapper JSON = new ObjectMapper();

    final List<Stage> stages = new ArrayList<>();
    final Path workDir;
    final ScriptedTerminal terminal = new ScriptedTerminal();
    final ManualInterruptHook interrupt = new ManualInterruptHook();
    /**
     * The environment variables the CLI sees: none unless a test sets them. The trust store lives in the test's
     * folder ({@code MAAS_CONFIG_DIR}), never in the user's. Without {@code KUBECONFIG} here, the CLI finds the shared
     * cluster's kubeconfig ({@link #withoutKubeconfig()}: none).
     */
    final Map<String, String> env = new HashMap<>();
    /** How often apply renews the run lock; null: the product's default (a third of the lease). */
    Duration runLockRenewal;

    CliHarness(Path workDir, Stage... stages) {
        this.workDir = workDir;
        this.stages.addAll(List.of(stages));
        env.put("MAAS_CONFIG_DIR", workDir.resolve("maas-config").toString());
        env.put("XDG_STATE_HOME", workDir.resolve("state").toString()); // run journals stay in the test's folder
    }

    CliHarness env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** No kubeconfig where the CLI looks by default ({@code KUBECONFIG} names a file that does not exist). */
    CliHarness withoutKubeconfig() {
        return env("KUBECONFIG", workDir.resolve("no-kubeconfig").toString());
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(out, err, args);
        return new Result(code, out.toString(), err.toString());
    }

    /** Runs the CLI writing to the given writers (e.g. one that signals a line); returns the exit code. */
    int run(Writer out, Writer err, String... args) {
        Map<String, String> vars = Map.copyOf(this.env);
        Function<String, String> lookup = name -> "KUBECONFIG".equals(name) && !vars.containsKey(name)
                ? SharedTestCluster.kubeconfigIn(workDir).toString() : vars.get(name);
        CliEnvironment env = new CliEnvironment(() -> List.copyOf(stages), terminal, interrupt, workDir, lookup,
                runLockRenewal);
        return Cli.commandLine(env, new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    }

    record Result(int code, String out, String err) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (Exception e) {
                throw new AssertionError("stdout is not JSON: " + out + "\nstderr: " + err, e);
            }
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** A terminal that is interactive or not and answers prompts from a script. */
    static final class ScriptedTerminal implements Terminal {
        boolean interactive;
        final List<String> answers = new ArrayList<>();
        final List<String> prompts = new ArrayList<>();

        @Override
        public boolean interactive() { return interactive; }

        @Override
        public String readLine(String prompt) {
            prompts.add(prompt);
            return answers.isEmpty() ? null : answers.remove(0);
        }
    }

    /** Keeps the installed action so a test can fire it, as the JVM would on Ctrl-C. */
    static final class ManualInterruptHook implements InterruptHook {
        volatile IntSupplier installed;
        volatile Integer exitCode;
        volatile int installs;
        volatile int removals;
        volatile Thread firedOn;

        @Override
        public AutoCloseable install(IntSupplier onInterrupt) {
            installed = onInterrupt;
            installs++;
            return () -> {
                installed = null;
                removals++;
            };
        }

        /** Runs the action on its own thread, as a shutdown hook runs; returns that thread. */
        Thread fire() {
            IntSupplier action = installed;
            if (action == null) {
                throw new IllegalStateException("no interrupt hook installed");
            }
            Thread t = new Thread(() -> exitCode = action.getAsInt(), "test-interrupt");
            firedOn = t;
            t.start();
            return t;
        }
    }
}
