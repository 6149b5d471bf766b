package dev.maas.installer.ui;

import javafx.application.Platform;
import javafx.scene.Scene;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * What happens once a window's first frame is out: the scene's first pulse after {@code show()} has laid the
 * content out and handed it to the renderer. Normally the given action runs (the wizard's {@code windowShown}); two
 * system properties make the app exit there instead:
 * <ul>
 *   <li>{@code -Dmaas.cds.training=true}: packaging trains the AppCDS archive on exactly what the first frame
 *       needs;</li>
 *   <li>{@code -Dmaas.firstframe.report=FILE}: the startup benchmark ({@code jpackage/bench-first-frame.sh}); writes
 *       the wall-clock times of the first frame, of the whole window (after what the app builds right after its
 *       first frame) and of the JVM's start to FILE (see {@link #report}).</li>
 * </ul>
 * Self-contained (JavaFX and the JDK only): the benchmark's minimal window uses this same class.
 */
public final class FirstFrame {
    /** {@code -Dmaas.firstframe.report=FILE}: write the first frame's time to FILE and exit. */
    public static final String REPORT_PROPERTY = "maas.firstframe.report";
    /** {@code -Dmaas.cds.training=true}: exit after the first frame (AppCDS training at packaging time). */
    public static final String CDS_TRAINING_PROPERTY = "maas.cds.training";

    private FirstFrame() { }

    /**
     * Call on the FX thread right after {@code window.show()}: once the scene's first pulse has run, either exits
     * (one of the properties above is set) or runs {@code then} on the FX thread.
     */
    public static void whenShown(Scene scene, Runnable then) {
        whenShown(scene, null, then);
    }

    /**
     * Like {@link #whenShown(Scene, Runnable)}, for an app that builds part of its window right after the first
     * frame: {@code deferred} (may be null) is that part, which {@code then} is expected to run too. In AppCDS
     * training, {@code deferred} runs and the app exits only after the next pulse has laid it out, so that the
     * archive also holds the classes it needs (they are loaded right after the first frame, not before it); with the
     * report property, likewise, and the report gives both times.
     */
    public static void whenShown(Scene scene, Runnable deferred, Runnable then) {
        scene.addPostLayoutPulseListener(new Runnable() {
            @Override
            public void run() {
                scene.removePostLayoutPulseListener(this);
                // runLater: after the rest of this pulse (the frame is synchronised to the render thread)
                Platform.runLater(() -> {
                    long now = System.currentTimeMillis();
                    String report = System.getProperty(REPORT_PROPERTY);
                    if (report != null && !report.isBlank()) {
                        // read after the time was taken: what the process and this (the FX) thread used until then
                        String cpu = "processCpuMillisAtFirstFrame=" + cpuMillis("/proc/self/stat") + "\n"
                                + "fxThreadCpuMillisAtFirstFrame=" + cpuMillis("/proc/thread-self/stat") + "\n";
                        if (deferred == null) {
                            exit(writeReport(Path.of(report), now, now, cpu));
                        } else {
                            deferred.run();
                            afterNextPulse(scene, () -> exit(
                                    writeReport(Path.of(report), now, System.currentTimeMillis(), cpu)));
                        }
                    } else if (Boolean.getBoolean(CDS_TRAINING_PROPERTY)) {
                        if (deferred == null) {
                            exit(0);
                        } else {
                            deferred.run();
                            afterNextPulse(scene, () -> exit(0));
                        }
                    } else {
                        then.run();
                    }
                });
            }
        });
    }

    private static void afterNextPulse(Scene scene, Runnable action) {
        scene.addPostLayoutPulseListener(new Runnable() {
            @Override
            public void run() {
                scene.removePostLayoutPulseListener(this);
                Platform.runLater(action);
            }
        });
        Platform.requestNextPulse();
    }

    /**
     * The report, one {@code key=value} a line: {@code firstFrameEpochMillis} (wall clock at the first frame),
     * {@code readyEpochMillis} (wall clock once what the app builds right after its first frame is laid out and
     * drawn: the whole window; the first frame's time for an app that defers nothing), {@code jvmStartEpochMillis}
     * (when the JVM was created, after the launcher's own work), {@code jvmToFirstFrameMillis} and
     * {@code jvmToReadyMillis}. On Linux the file then also holds {@code processCpuMillisAtFirstFrame} and
     * {@code fxThreadCpuMillisAtFirstFrame}: the CPU time the whole process and the JavaFX thread had used by the
     * first frame ({@link #cpuMillis}).
     */
    static String report(long firstFrameEpochMillis, long readyEpochMillis, long jvmStartEpochMillis) {
        return "firstFrameEpochMillis=" + firstFrameEpochMillis + "\n"
                + "readyEpochMillis=" + readyEpochMillis + "\n"
                + "jvmStartEpochMillis=" + jvmStartEpochMillis + "\n"
                + "jvmToFirstFrameMillis=" + (firstFrameEpochMillis - jvmStartEpochMillis) + "\n"
                + "jvmToReadyMillis=" + (readyEpochMillis - jvmStartEpochMillis) + "\n";
    }

    /**
     * The CPU time (user and system) in a Linux {@code stat} file of {@code /proc} (a process's or a thread's), in
     * milliseconds (clock ticks of 10 ms); -1 where there is no such file. CPU time holds where wall-clock times
     * scatter, on a machine busy with other work.
     */
    static long cpuMillis(String statFile) {
        try {
            String stat = Files.readString(Path.of(statFile), StandardCharsets.US_ASCII);
            // after the command name in parentheses: state is field 3, utime field 14, stime field 15 (proc(5))
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static int writeReport(Path file, long firstFrame, long ready, String cpu) {
        // read only now, after the time was taken (java.management is not needed for the first frame)
        long start = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, report(firstFrame, ready, start) + cpu, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return 0;
        } catch (IOException | RuntimeException e) {
            System.err.println("cannot write the first-frame report " + file + ": " + e);
            return 3;
        }
    }

    private static void exit(int status) {
        Platform.exit();
        System.exit(status);
    }
}
