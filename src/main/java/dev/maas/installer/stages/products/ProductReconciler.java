package dev.maas.installer.stages.products;

import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.reconcile.Managed;
import dev.maas.installer.engine.reconcile.Reconciler;
import dev.maas.installer.stages.common.StageGuards;
import dev.maas.installer.stages.products.ProductObjects.Chain;
import dev.maas.installer.stages.products.ProductObjects.ProxySettings;
import dev.maas.installer.stages.products.ProductObjects.ServiceObject;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.BackendApi;
import dev.maas.installer.threescale.model.Service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reconciles one model's product, object by object, through the stage's {@link Reconciler}: with {@code write} it
 * applies each object (writes only what differs), without it plans each (plan, and verify, which judges the plan).
 * The objects, in seven steps: the product; its proxy settings; its backend usages; its token metrics and policy
 * chain; its methods; its mapping rules; its configuration deployed to staging and promoted to production, then the
 * methods no longer wanted (3scale refuses to delete a method the latest configuration of an environment still uses).
 * The product's objects are read once, after the product ({@link LiveProduct}), and each reads from there.
 */
final class ProductReconciler {
    static final int STEPS = 7;
    /** Plans, applies and verifies the products stage's objects. */
    static final Reconciler RECONCILER = StageGuards.reconciler(StageIds.PRODUCTS);

    /** Kinds with many objects per product: their unchanged objects are shown as one count. */
    private static final Map<String, String> COUNTED = Map.of(ProductObjects.METRIC, "token metrics",
            MethodsAndRules.METHOD, "methods", MethodsAndRules.RULE, "mapping rules");

    private final StageContext ctx;
    private final ThreescaleClient client;
    private final ModelProduct want;
    private final Service liveService;
    private final BackendApi backend;
    private final boolean write;
    private final Consumer<String> detail;
    private final Duration firstDeployWait;
    private final List<Change> out = new ArrayList<>();
    private Service service;

    /**
     * @param client          null for a plan before 3scale is applied (every product is then new)
     * @param liveService     the product as the stage read it, or null when there is none
     * @param backend         the model's backend as the stage read it, or null when there is none
     * @param detail          where each step is told ("granite: methods (5/7)")
     * @param firstDeployWait how long a new product's first deploy waits for its service token
     */
    ProductReconciler(StageContext ctx, ThreescaleClient client, ModelProduct want, Service liveService,
                      BackendApi backend, boolean write, Consumer<String> detail, Duration firstDeployWait) {
        this.ctx = ctx;
        this.client = client;
        this.want = want;
        this.liveService = liveService;
        this.backend = backend;
        this.write = write;
        this.detail = detail;
        this.firstDeployWait = firstDeployWait;
    }

    /** The changes, in the order of the steps; unchanged methods, rules and token metrics counted. */
    List<Change> run() {
        if (write && backend == null) {
            throw noBackend(want);
        }
        ServiceObject product = new ServiceObject(client, want, liveService);
        step("product", 1, List.of(product));
        service = product.current();
        LiveProduct live = service == null ? LiveProduct.none()
                : LiveProduct.read(client.product(service.id()), want.systemName());
        step("proxy settings", 2, List.of(new ProxySettings(want, live)));
        step("backend usage", 3, ProductObjects.usages(want, live, backend));
        // the metrics the chain's token usage policy reports exist before the chain names the policy
        List<Managed<?, ?>> chain = new ArrayList<>(ProductObjects.tokenMetrics(want, live));
        chain.add(new Chain(want, live));
        step("policy chain", 4, chain);
        List<Managed<?, ?>> extraMethods = MethodsAndRules.extraMethods(want, live);
        step("methods", 5, MethodsAndRules.methods(want, live));
        step("mapping rules", 6, MethodsAndRules.rules(want, live));
        List<Managed<?, ?>> last = new ArrayList<>();
        last.add(new Promotion(want, live, backend, () -> out.stream().anyMatch(c -> !c.isNoop()), detail,
                firstDeployWait));
        last.addAll(extraMethods);
        step("deploy and promote", 7, last);
        return out;
    }

    /** The product after {@link #run}: as created or updated; null when it does not exist (a plan). */
    Service service() { return service; }

    private void step(String what, int n, List<? extends Managed<?, ?>> objects) {
        ctx.cancellation().throwIfCancelled();
        detail.accept(want.systemName() + ": " + what + " (" + n + "/" + STEPS + ")");
        Map<String, Integer> unchanged = new java.util.LinkedHashMap<>();
        for (Managed<?, ?> m : objects) {
            Change c = write ? RECONCILER.apply(ctx, m) : RECONCILER.plan(ctx, m);
            if (c.isNoop() && COUNTED.containsKey(c.kind())) {
                unchanged.merge(c.kind(), 1, Integer::sum);
            } else {
                out.add(c);
            }
        }
        unchanged.forEach((kind, count) -> out.add(Change.noop(TargetSystem.THREESCALE, kind,
                want.systemName() + " (" + count + " " + COUNTED.get(kind) + ")")));
    }

    static StageException noBackend(ModelProduct want) {
        return new StageException("backend " + want.backendUsage().backendSystemName() + " of product "
                + want.systemName() + " does not exist", Fix.rerunStage(StageIds.BACKENDS,
                "it creates the model backends"));
    }
}
