package dev.maas.installer.bench;

import dev.maas.installer.ui.WizardShell;
import dev.maas.installer.ui.model.ConnectionViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.application.Platform;
import javafx.stage.Stage;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.maas.installer.bench.BenchWindow.fx;
import static dev.maas.installer.bench.BenchWindow.onFx;
import static dev.maas.installer.bench.BenchWindow.sleep;
import static dev.maas.installer.bench.BenchWindow.waitFor;

/**
 * How long the JavaFX application thread stalls while the wizard runs a whole first install on the local sandbox: the
 * real wizard (the app's {@link WizardShell}, journey on, 1366x768) starts the sandbox, connects and verifies; then the
 * Review page plans every stage, and its Apply all (confirmed) applies all seven stages and verifies them.
 *
 * <p>A heartbeat thread posts a {@code Platform.runLater} every 5 ms and records how late each one runs: that lateness
 * is the time the FX thread was busy with something else (a stall: the window cannot repaint or take input). When a
 * heartbeat is more than 50 ms late, a sampler takes the FX thread's stack every 10 ms until it runs, so the report
 * names what the FX thread was doing. The same heartbeat over an idle window, in the same JVM just before the run, is
 * the baseline (garbage collection and the machine's own load). For each heartbeat it also records the CPU time the
 * FX thread itself used while the heartbeat waited: the wizard's own work, apart from the time the machine did not run
 * the FX thread at all (on a loaded machine the larger part of a late heartbeat). {@code -Dmaas.ui.noWarmUp=true}
 * measures the wizard without its pages' warm-up.
 *
 * <pre>
 * ./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) dev.maas.installer.bench.FxStallBenchmark
 * </pre>
 * (not {@code exec:java}: the FX thread loads the wizard's classes through the system class loader, which does not
 * see the project's classes there).
 * Headless (Monocle, software rendering) unless {@code -Dbench.display=true} with a {@code DISPLAY} (e.g. Xvfb).
 */
public final class FxStallBenchmark {
    private static final long HEARTBEAT_MS = 5;
    private static final long STALL_MS = 50;

    private FxStallBenchmark() { }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("maas-fx-stall");
        BenchWindow.startFx();
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, load average "
                + String.format(Locale.ROOT, "%.1f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));

        Heartbeat beat = new Heartbeat();
        beat.start();
        Map<String, Heartbeat.Phase> phases = new LinkedHashMap<>();
        WizardShell[] shell = new WizardShell[1];
        Stage[] window = new Stage[1];
        try {
            onFx(() -> {
                window[0] = BenchWindow.show(BenchWindow.shell(work, "bench")
                        .sandboxWhenNoCluster(true)
                        .deferKubeconfigRead(true), shell);
                return null;
            });
            WizardShell s = shell[0];
            WizardViewModel w = s.model();

            phases.put("idle window (baseline), 10 s", beat.measure(() -> sleep(10_000)));

            phases.put("sandbox start, connect and first verify", beat.measure(() -> {
                onFx(() -> { s.windowShown(); return null; });
                long[] told = {System.nanoTime()};
                waitFor(() -> {
                    String seen = fx(() -> "sandbox " + s.sandbox().state() + " (" + s.sandbox().statusTextProperty()
                            .get() + "), connection " + s.connection().state() + " (" + s.connection()
                            .statusTextProperty().get() + " " + s.connection().errorMessageProperty().get() + ")");
                    if (seen.contains("FAILED")) {
                        throw new IllegalStateException("the sandbox did not connect: " + seen);
                    }
                    if (System.nanoTime() - told[0] > TimeUnit.SECONDS.toNanos(30)) {
                        told[0] = System.nanoTime();
                        System.out.println("waiting: " + seen);
                    }
                    return s.connection().state() == ConnectionViewModel.State.CONNECTED;
                }, 900);
                waitFor(() -> fx(() -> !w.run().isRunning() && w.lastVerifyReportProperty().get() != null), 300);
            }));

            phases.put("every stage page, then Review planning every stage", beat.measure(() -> {
                for (var st : fx(() -> List.copyOf(w.stages()))) {
                    onFx(() -> { w.select(st.id()); w.showStagePage(); return null; });
                    sleep(300);
                }
                onFx(() -> { w.showPage(WizardViewModel.Page.REVIEW); return null; });
                waitFor(() -> fx(() -> !s.review().planningProperty().get() && !w.run().isRunning()), 600);
            }));

            phases.put("Apply all (seven stages) and the verify after it", beat.measure(() -> {
                boolean asked = fx(() -> s.review().applyAll());
                if (!asked) {
                    throw new IllegalStateException("Apply all could not be asked: " + fx(() ->
                            w.allBlockedReason().get()));
                }
                onFx(() -> s.review().confirmApply());
                waitFor(() -> fx(() -> w.run().isRunning()), 60);
                waitFor(() -> fx(() -> !w.run().isRunning()), 1800);
            }));
            String statuses = fx(() -> w.stages().stream().map(st -> st.id() + "=" + st.status()).toList()).toString();
            System.out.println("stages after Apply all: " + statuses);
        } finally {
            beat.stop();
            if (shell[0] != null) {
                onFx(() -> { window[0].hide(); shell[0].close(); return null; });
            }
            Platform.exit();
        }

        System.out.println();
        System.out.println("| phase | time | heartbeats | max stall | p99 | stalls > 50 ms | > 100 ms | > 250 ms |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        phases.forEach((name, p) -> System.out.println(p.row(name)));
        System.out.println();
        System.out.println("CPU time the FX thread itself used while a heartbeat waited (its own work: what the wizard"
                + " controls; the rest of a stall is the machine not scheduling it, or the render thread):");
        System.out.println();
        System.out.println("| phase | time | heartbeats | max | p99 | > 50 ms | > 100 ms | > 250 ms |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        phases.forEach((name, p) -> System.out.println(p.busyRow(name)));
        phases.forEach((name, p) -> {
            System.out.println();
            System.out.println(name + ": what the FX thread was doing during stalls over " + STALL_MS + " ms (samples,"
                    + " top frames of our code or JavaFX):");
            p.hotspots().entrySet().stream()
                    .sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(25)
                    .forEach(e -> System.out.println(String.format(Locale.ROOT, "%6d  %s", e.getValue(), e.getKey())));
        });
        System.exit(0);
    }

    /** Heartbeats through {@code Platform.runLater}, their lateness, and stacks of the FX thread while one is late. */
    private static final class Heartbeat {
        private final List<Long> lateness = Collections.synchronizedList(new ArrayList<>());
        /** Per heartbeat: CPU time the FX thread used while the heartbeat waited (its own work, not the machine's). */
        private final List<Long> busy = Collections.synchronizedList(new ArrayList<>());
        private final java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        private final Map<String, Integer> hotspots = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean();
        private volatile Thread fxThread;

        record Phase(long millis, List<Long> lateness, List<Long> busy, Map<String, Integer> hotspots) {
            String row(String name) {
                return row(name, lateness, millis);
            }

            /** The same, for the CPU time the FX thread itself used while each heartbeat waited. */
            String busyRow(String name) {
                return row(name, busy, millis);
            }

            private static String row(String name, List<Long> lateness, long millis) {
                List<Long> sorted = new ArrayList<>(lateness);
                sorted.sort(Comparator.naturalOrder());
                long max = sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1);
                long p99 = sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * 0.99)));
                return String.format(Locale.ROOT, "| %s | %.1f s | %,d | %,d ms | %,d ms | %d | %d | %d |", name,
                        millis / 1000.0, sorted.size(), max, p99, count(sorted, 50), count(sorted, 100),
                        count(sorted, 250));
            }

            private static long count(List<Long> sorted, long over) {
                return sorted.stream().filter(l -> l > over).count();
            }
        }

        void start() throws Exception {
            fxThread = fx(Thread::currentThread);
            running.set(true);
            Thread t = new Thread(() -> {
                while (running.get()) {
                    long posted = System.nanoTime();
                    long cpuBefore = threads.getThreadCpuTime(fxThread.getId());
                    CompletableFuture<Void> ran = new CompletableFuture<>();
                    Platform.runLater(() -> {
                        lateness.add((System.nanoTime() - posted) / 1_000_000);
                        busy.add(Math.max(0, threads.getCurrentThreadCpuTime() - cpuBefore) / 1_000_000);
                        ran.complete(null);
                    });
                    try {
                        ran.get(STALL_MS, TimeUnit.MILLISECONDS);
                    } catch (TimeoutException late) {
                        while (!ran.isDone()) {
                            sample();
                            try {
                                ran.get(10, TimeUnit.MILLISECONDS);
                            } catch (TimeoutException stillLate) {
                                // sample again
                            } catch (Exception e) {
                                return;
                            }
                        }
                    } catch (Exception e) {
                        return;
                    }
                    sleep(HEARTBEAT_MS);
                }
            }, "fx-heartbeat");
            t.setDaemon(true);
            t.start();
        }

        private void sample() {
            StackTraceElement[] stack = fxThread.getStackTrace();
            // the first frames of our own code and of JavaFX's controls/scene graph say what took the time
            List<String> frames = new ArrayList<>();
            for (StackTraceElement e : stack) {
                String c = e.getClassName();
                if (c.startsWith("dev.maas.") || c.startsWith("javafx.") || c.startsWith("com.sun.javafx.scene")
                        || c.startsWith("com.sun.javafx.css") || c.startsWith("java.lang.ClassLoader")) {
                    frames.add(c.substring(c.lastIndexOf('.') + 1) + "." + e.getMethodName());
                    if (frames.size() == 4) {
                        break;
                    }
                }
            }
            String top = stack.length == 0 ? "?" : stack[0].getClassName() + "." + stack[0].getMethodName();
            if (stack.length > 2 && stack[2].getMethodName().equals("getNextRunnable")) {
                top = "(idle, waiting for work: the machine did not run the heartbeat or the FX thread)";
            }
            hotspots.merge(top + "  <  " + String.join(" < ", frames), 1, Integer::sum);
        }

        Phase measure(Runnable body) {
            lateness.clear();
            busy.clear();
            hotspots.clear();
            long start = System.nanoTime();
            body.run();
            long millis = (System.nanoTime() - start) / 1_000_000;
            synchronized (lateness) {
                synchronized (busy) {
                    return new Phase(millis, List.copyOf(lateness), List.copyOf(busy), Map.copyOf(hotspots));
                }
            }
        }

        void stop() { running.set(false); }
    }
}
