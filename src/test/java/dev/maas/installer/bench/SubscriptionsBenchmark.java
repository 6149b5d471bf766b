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
import dev.maas.installer.threescale.RetryPolicy;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Account;
import dev.maas.installer.threescale.model.Application;
import dev.maas.installer.threescale.model.ApplicationPlan;
import dev.maas.installer.threescale.model.Service;
import dev.maas.installer.catalog.CatalogMarker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark, not a test: subscribes A developer accounts (default 2,000) to P products (default 10) on the 3scale
 * simulator with a fixed latency per request (default 5 ms), each approach on a fresh simulator:
 * <ul>
 *   <li>ours, 2.16 (service subscriptions), default pool (4) and sequential, then a rerun;</li>
 *   <li>ours, 2.15 (application created and deleted, only where missing), default pool;</li>
 *   <li>the runbook project's approach: sequential, an application created and deleted for every pair.</li>
 * </ul>
 *
 * <pre>./mvnw -q -B test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.maas.installer.bench.SubscriptionsBenchmark -Dexec.args="2000 10 5"</pre>
 */
public final class SubscriptionsBenchmark {
    private SubscriptionsBenchmark() { }

    public static void main(String[] args) {
        int accounts = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int products = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        long latencyMs = args.length > 2 ? Long.parseLong(args[2]) : 5;
        ours(50, 2, "2.16", 4, latencyMs, false); // warm-up, not reported
        List<BenchSupport.Run> runs = new ArrayList<>();
        runs.addAll(ours(accounts, products, "2.16", 4, latencyMs, true));
        runs.addAll(ours(accounts, products, "2.16", 1, latencyMs, false));
        runs.addAll(ours(accounts, products, "2.15", 4, latencyMs, false));
        runs.add(runbook(accounts, products, latencyMs));
        StringBuilder out = new StringBuilder();
        out.append("| run (").append(String.format("%,d", accounts)).append(" accounts × ").append(products)
                .append(" products, ").append(latencyMs).append(" ms per request) | requests | writes | wall time |\n")
                .append("|---|---:|---:|---:|\n");
        runs.forEach(r -> out.append(r.row()).append('\n'));
        BenchSupport.Run pool = runs.get(0);
        out.append("\nours sequential / ours pool: ").append(BenchSupport.ratio(runs.get(2), pool)).append('\n');
        out.append("runbook approach / ours pool (2.16): ").append(BenchSupport.ratio(runs.get(4), pool)).append('\n');
        out.append("runbook approach / ours pool (2.15 workaround): ")
                .append(BenchSupport.ratio(runs.get(4), runs.get(3))).append('\n');
        System.out.print(out);
    }

    private static ModelStagesFixture setUp(int accounts, int products, String version) {
        ModelStagesFixture fx = new ModelStagesFixture(SimulatorOptions.defaults().withVersion(version)
                .withSampleData(false));
        for (int i = 0; i < accounts; i++) {
            fx.sim.store().addDeveloperAccount("Developer " + (i + 1));
        }
        InstallerConfig config = fx.config(ModelStagesFixture.manyModels(products), 4, false);
        StageContext ctx = fx.ctx(config);
        new BackendsStage().apply(ctx, Progress.NONE);
        new ProductsStage().apply(ctx, Progress.NONE);
        new PlansStage().apply(ctx, Progress.NONE);
        return fx;
    }

    private static List<BenchSupport.Run> ours(int accounts, int products, String version, int concurrency,
                                               long latencyMs, boolean rerun) {
        try (ModelStagesFixture fx = setUp(accounts, products, version)) {
            fx.sim.setFaults(Faults.none().withLatency(Duration.ofMillis(latencyMs)));
            InstallerConfig config = fx.config(ModelStagesFixture.manyModels(products), concurrency, true);
            String label = "ours, " + version + (version.equals("2.16") ? " service subscriptions"
                    : " create+delete where missing") + (concurrency == 1 ? ", sequential" : ", pool " + concurrency);
            List<BenchSupport.Run> out = new ArrayList<>();
            out.add(BenchSupport.measure(label, fx.sim.journal(),
                    () -> new PlansStage().apply(fx.ctx(config), Progress.NONE)));
            if (rerun) {
                out.add(BenchSupport.measure(label + ", rerun (nothing missing)", fx.sim.journal(),
                        () -> new PlansStage().apply(fx.ctx(config), Progress.NONE)));
            }
            long contracts = fx.sim.store().snapshot("service_subscriptions").size();
            if (contracts != (long) accounts * products) {
                throw new IllegalStateException(label + ": " + contracts + " subscriptions");
            }
            return out;
        }
    }

    /** The runbook project's way: for every account and product, create an application and delete it again. */
    private static BenchSupport.Run runbook(int accounts, int products, long latencyMs) {
        try (ModelStagesFixture fx = setUp(accounts, products, "2.15")) {
            fx.sim.setFaults(Faults.none().withLatency(Duration.ofMillis(latencyMs)));
            ThreescaleClient c = ThreescaleClient.builder(fx.sim.url(), fx.sim.accessToken())
                    .retry(RetryPolicy.defaults()).build();
            BenchSupport.Run run = BenchSupport.measure("runbook project: sequential, create+delete for every pair",
                    fx.sim.journal(), () -> {
                        List<long[]> plans = new ArrayList<>();
                        for (Service s : c.services().list()) {
                            if (CatalogMarker.isMarked(s.description())) {
                                ApplicationPlan p = c.product(s.id()).findApplicationPlan("Standard").orElseThrow();
                                plans.add(new long[] {s.id(), p.id()});
                            }
                        }
                        for (Account a : c.tenant().accounts(null)) {
                            for (long[] p : plans) {
                                Application app = c.tenant().createApplication(a.id(), p[1], "subscribe", null);
                                c.tenant().deleteApplication(a.id(), app.id());
                            }
                        }
                    });
            long contracts = fx.sim.store().snapshot("service_subscriptions").size();
            if (contracts != (long) accounts * products) {
                throw new IllegalStateException("runbook: " + contracts + " subscriptions");
            }
            return run;
        }
    }
}
