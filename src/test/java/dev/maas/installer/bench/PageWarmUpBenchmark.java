package dev.maas.installer.bench;

import dev.maas.installer.ui.WizardShell;
import javafx.application.Platform;
import javafx.stage.Stage;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.maas.installer.bench.BenchWindow.fx;
import static dev.maas.installer.bench.BenchWindow.onFx;
import static dev.maas.installer.bench.BenchWindow.waitFor;

/**
 * What each step of the pages' warm-up ({@code MainView.warmUpPages}) costs the FX thread, in CPU time: the app's
 * wizard (journey on, 1366x768, no cluster, no sandbox) is shown, its warm-up runs, and every step is listed with the
 * CPU time the FX thread spent on it, the costliest first, then a summary. A warm-up step runs inside a pulse, so a
 * step's cost is how long it holds up that frame. Same command as {@link FxStallBenchmark}, with this class's name;
 * headless (Monocle, software rendering) unless {@code -Dbench.display=true} with a {@code DISPLAY}.
 */
public final class PageWarmUpBenchmark {
    private PageWarmUpBenchmark() { }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("maas-warm-up");
        BenchWindow.startFx();
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, load average "
                + String.format(Locale.ROOT, "%.1f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        WizardShell[] shell = new WizardShell[1];
        Stage[] window = new Stage[1];
        try {
            onFx(() -> {
                window[0] = BenchWindow.show(BenchWindow.shell(work, "bench")
                        .deferKubeconfigRead(true), shell);
                return null;
            });
            BenchWindow.sleep(3_000);   // the first frames
            onFx(() -> { shell[0].windowShown(); return null; });
            waitFor(() -> fx(() -> shell[0].view().pagesWarmProperty().get()), 600);
            List<Map.Entry<String, Long>> costs = fx(() -> shell[0].view().warmUpCosts());
            System.out.println();
            System.out.println("| warm-up step, in order | FX thread CPU |");
            System.out.println("|---|---:|");
            costs.forEach(c -> System.out.println("| " + c.getKey() + " | " + ms(c.getValue()) + " |"));
            List<Long> sorted = costs.stream().filter(c -> !c.getKey().startsWith(" ")).map(Map.Entry::getValue)
                    .sorted().toList();
            long total = sorted.stream().mapToLong(Long::longValue).sum();
            System.out.println();
            System.out.println("| steps | total | max | p90 | median | > 20 ms | > 30 ms | > 50 ms |");
            System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
            System.out.println("| " + sorted.size() + " | " + ms(total) + " | " + ms(sorted.get(sorted.size() - 1))
                    + " | " + ms(sorted.get((int) Math.ceil(sorted.size() * 0.9) - 1)) + " | "
                    + ms(sorted.get(sorted.size() / 2)) + " | " + over(sorted, 20) + " | " + over(sorted, 30) + " | "
                    + over(sorted, 50) + " |");
        } finally {
            if (shell[0] != null) {
                onFx(() -> { window[0].hide(); shell[0].close(); return null; });
            }
            Platform.exit();
        }
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    private static long over(List<Long> sorted, long millis) {
        return sorted.stream().filter(n -> n > TimeUnit.MILLISECONDS.toNanos(millis)).count();
    }
}
