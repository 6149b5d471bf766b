package dev.maas.installer.bench;

import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.sandbox.threescale.Faults;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.stages.ModelStagesFixture;
import dev.maas.installer.stages.backends.BackendsStage;
import dev.maas.installer.stages.plans.PlansStage;
import dev.maas.installer.stages.products.ProductsStage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark, not a test: configures N models (default 100) with the backends, products and plans stages against
 * the 3scale simulator with a fixed latency per request (default 20 ms), once with the default pool
 * (products.concurrency 4) and once sequentially (concurrency 1), each on a fresh simulator, then a second apply
 * of the pooled run (nothing to change). Prints a Markdown table.
 *
 * <pre>./mvnw -q -B test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.maas.installer.bench.ProductsBenchmark -Dexec.args="100 20"</pre>
 */
public final class ProductsBenchmark {
    private ProductsBenchmark() { }

    public static void main(String[] args) {
        int models = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        long latencyMs = args.length > 1 ? Long.parseLong(args[1]) : 20;
        run(5, 4, latencyMs); // warm-up (JIT, class loading), not reported
        List<BenchSupport.Run> runs = new ArrayList<>();
        runs.addAll(run(models, 4, latencyMs));
        runs.addAll(run(models, 1, latencyMs));
        StringBuilder out = new StringBuilder();
        out.append("| run (").append(models).append(" models, ").append(latencyMs)
                .append(" ms per request) | requests | writes | wall time |\n|---|---:|---:|---:|\n");
        runs.forEach(r -> out.append(r.row()).append('\n'));
        out.append("\nsequential / pool (first apply): ").append(BenchSupport.ratio(runs.get(2), runs.get(0)))
                .append('\n');
        System.out.print(out);
    }

    private static List<BenchSupport.Run> run(int models, int concurrency, long latencyMs) {
        try (ModelStagesFixture fx = new ModelStagesFixture(SimulatorOptions.defaults().withVersion("2.16"))) {
            fx.sim.setFaults(Faults.none().withLatency(Duration.ofMillis(latencyMs)));
            InstallerConfig config = fx.config(ModelStagesFixture.manyModels(models), concurrency, false);
            String label = concurrency == 1 ? "sequential (concurrency 1)" : "default pool (concurrency " + concurrency + ")";
            BenchSupport.Run first = BenchSupport.measure(label + ", first apply", fx.sim.journal(), () -> {
                StageContext ctx = fx.ctx(config);
                new BackendsStage().apply(ctx, Progress.NONE);
                new ProductsStage().apply(ctx, Progress.NONE);
                new PlansStage().apply(ctx, Progress.NONE);
            });
            BenchSupport.Run second = BenchSupport.measure(label + ", second apply", fx.sim.journal(), () -> {
                StageContext ctx = fx.ctx(config);
                new BackendsStage().apply(ctx, Progress.NONE);
                new ProductsStage().apply(ctx, Progress.NONE);
                new PlansStage().apply(ctx, Progress.NONE);
            });
            if (second.writes() != 0) {
                throw new IllegalStateException("the second apply wrote " + second.writes() + " times");
            }
            return List.of(first, second);
        }
    }
}
