package dev.maas.installer.stages.products;

import dev.maas.installer.catalog.CatalogMarker;
import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.reconcile.Reconciler;
import dev.maas.installer.stages.common.BoundedPool;
import dev.maas.installer.stages.common.DesiredCatalog;
import dev.maas.installer.stages.common.SerialProgress;
import dev.maas.installer.stages.common.ThreescaleAccess;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.ActiveDoc;
import dev.maas.installer.threescale.model.BackendApi;
import dev.maas.installer.threescale.model.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One 3scale product per model: the product (hosted APIcast, API key authentication), proxy settings, the
 * model's backend at {@code /}, the policy chain (CORS, custom policies, APIcast), one method under {@code hits}
 * and one mapping rule per API operation, without 3scale's default {@code GET /} rule; deployed to staging and
 * promoted to production when staging's latest content differs from production's. Products are configured
 * concurrently on a bounded pool ({@code products.concurrency}, default 4).
 *
 * <p>A product whose model left the configuration is kept, unless the stage was made with {@code prune}: then it
 * is deleted, but only when its description carries the installer's marker ({@link CatalogMarker}).
 *
 * <p>ActiveDocs ({@code products.activeDocs}, default true): one ActiveDocs spec per product, with the product's
 * system_name and name, the model's OpenAPI document (or a generated one of the default operations) as its body,
 * linked to the product and published; updated only when a field differs (bodies compared as JSON trees). With
 * {@code products.activeDocs} false the installer leaves ActiveDocs alone.
 *
 * <p>Every object is a {@link dev.maas.installer.engine.reconcile.Managed} object ({@link ProductObjects},
 * {@link MethodsAndRules}, {@link Promotion}, {@link ModelActiveDoc}, {@link UnconfiguredProduct}), so plan, apply and
 * verify of each come from one definition; {@link ProductReconciler} takes one model's objects in order.
 */
public final class ProductsStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger(ProductsStage.class);
    private static final Reconciler RECONCILER = ProductReconciler.RECONCILER;
    /**
     * How long a new product's first deploy waits for 3scale to make the product's service token (a background job
     * of system-sidekiq, normally done in a second or two).
     */
    static final Duration FIRST_DEPLOY_WAIT = Duration.ofMinutes(3);
    private final boolean prune;
    private final Duration firstDeployWait;

    public ProductsStage() { this(false); }

    /**
     * {@code prune}: delete marked products of models no longer in the configuration (the CLI's --prune, the wizard's
     * prune choice).
     */
    public ProductsStage(boolean prune) { this(prune, FIRST_DEPLOY_WAIT); }

    /** {@code firstDeployWait}: how long a new product's first deploy waits for its service token (tests). */
    ProductsStage(boolean prune, Duration firstDeployWait) {
        this.prune = prune;
        this.firstDeployWait = firstDeployWait;
    }

    public boolean prune() { return prune; }

    @Override public String id() { return StageIds.PRODUCTS; }

    @Override public String title() { return "Model products"; }

    @Override public List<String> dependencies() { return List.of(StageIds.BACKENDS); }

    @Override
    public List<Change> plan(StageContext ctx) {
        return reconcileAll(ctx, false, Progress.NONE);
    }

    @Override
    public List<Change> apply(StageContext ctx, Progress progress) {
        try {
            return reconcileAll(ctx, true, new SerialProgress(progress));
        } catch (dev.maas.installer.threescale.ThreescaleApiException e) {
            throw ThreescaleAccess.failure(e, id());
        }
    }

    /**
     * One check per product, judging the plan of its objects (one definition for the three: {@link ProductReconciler});
     * one per ActiveDoc; with {@code prune}, one per marked product still to delete.
     */
    @Override
    public List<Check> verify(StageContext ctx) {
        List<ModelProduct> models = DesiredCatalog.of(ctx);
        ThreescaleClient client = ThreescaleAccess.client(ctx);
        Map<String, Service> services = services(client);
        Map<String, BackendApi> backends = backends(client);
        List<Check> out = new ArrayList<>(BoundedPool.run("maas-verify-products", models,
                ctx.config().products().concurrency(), ctx.cancellation(),
                m -> RECONCILER.check("product " + m.systemName(), () -> verify(ctx, client, m,
                        services.get(m.systemName()), backends.get(m.systemName())))));
        if (ctx.config().products().activeDocs()) {
            List<ModelActiveDoc> docs;
            try {
                docs = activeDocs(client, models, services);
            } catch (RuntimeException e) {
                out.add(RECONCILER.guard().failure("activedocs", e));
                return out;
            }
            out.addAll(RECONCILER.verify(ctx, docs));
        }
        if (prune) {
            out.addAll(RECONCILER.verify(ctx, unconfigured(models, services, client)));
        }
        return out;
    }

    private Check verify(StageContext ctx, ThreescaleClient client, ModelProduct m, Service service,
                         BackendApi backend) {
        String name = "product " + m.systemName();
        if (service == null) {
            return Check.retryable(name, "product " + m.systemName() + " does not exist",
                    Fix.rerunStage(StageIds.PRODUCTS, "creates it"));
        }
        List<String> differences = new ProductReconciler(ctx, client, m, service, backend, false, s -> { },
                firstDeployWait).run().stream().filter(c -> !c.isNoop()).map(ProductsStage::describe).toList();
        if (differences.isEmpty()) {
            return Check.ok(name, "product " + m.systemName() + " matches: " + m.methods().size()
                    + " methods and mapping rules, policy chain " + m.policyChain().summary()
                    + ", production up to date");
        }
        return Check.retryable(name, "product " + m.systemName() + " differs: " + String.join("; ", differences),
                Fix.rerunStage(StageIds.PRODUCTS, "repairs it"));
    }

    /** "mapping rule x differs (pattern '/a' -> '/b')". */
    static String describe(Change c) {
        String fields = c.fields().entrySet().stream().map(e -> e.getKey() + " "
                + show(e.getValue().from()) + " -> " + show(e.getValue().to())).collect(Collectors.joining(", "));
        String what = switch (c.action()) {
            case CREATE -> "missing";
            case DELETE -> "extra";
            default -> "differs";
        };
        return c.kind() + " " + c.name() + " " + what + (fields.isEmpty() ? "" : " (" + fields + ")");
    }

    private static String show(String s) { return s == null ? "(none)" : "'" + s + "'"; }

    /** The products, concurrently on the bounded pool; then the ActiveDocs likewise; then the products to prune. */
    private List<Change> reconcileAll(StageContext ctx, boolean write, Progress progress) {
        List<ModelProduct> models = DesiredCatalog.of(ctx);
        // a plan before 3scale is applied: as for a new tenant (no client is used: every product is new)
        ThreescaleClient client = write ? ThreescaleAccess.client(ctx)
                : ThreescaleAccess.clientForPlan(ctx).orElse(null);
        int total = models.size();
        progress.detail("0 of " + total + " products");
        Map<String, Service> services = client == null ? Map.of() : services(client);
        Map<String, BackendApi> backends = client == null ? Map.of() : backends(client);
        ctx.cancellation().throwIfCancelled();
        AtomicInteger done = new AtomicInteger();
        Map<String, Service> reconciled = new ConcurrentHashMap<>();
        List<List<Change>> perModel = BoundedPool.run("maas-products", models, ctx.config().products().concurrency(),
                ctx.cancellation(), m -> {
                    ProductReconciler product = new ProductReconciler(ctx, client, m, services.get(m.systemName()),
                            backends.get(m.systemName()), write, progress::detail, firstDeployWait);
                    List<Change> changes = product.run();
                    if (product.service() != null) {
                        reconciled.put(m.systemName(), product.service());
                    }
                    int n = done.incrementAndGet();
                    progress.step(n, total, n + " of " + total + " products");
                    return changes;
                });
        List<Change> out = new ArrayList<>();
        perModel.forEach(out::addAll);
        if (ctx.config().products().activeDocs()) {
            ctx.cancellation().throwIfCancelled();
            List<ModelActiveDoc> docs = activeDocs(client, models, reconciled);
            out.addAll(BoundedPool.run("maas-activedocs", docs, ctx.config().products().concurrency(),
                    ctx.cancellation(), d -> write ? RECONCILER.apply(ctx, d) : RECONCILER.plan(ctx, d)));
            if (write) {
                LOG.info("ActiveDocs: {} of {} created or updated",
                        out.stream().filter(c -> c.kind().equals(ModelActiveDoc.ACTIVE_DOC) && !c.isNoop()).count(),
                        models.size());
            }
        }
        for (UnconfiguredProduct p : unconfigured(models, services, client)) {
            out.add(write ? RECONCILER.apply(ctx, p) : RECONCILER.plan(ctx, p));
        }
        return out;
    }

    /** One ActiveDoc per model, in the models' order, read from the tenant's list read once here. */
    private static List<ModelActiveDoc> activeDocs(ThreescaleClient client, List<ModelProduct> models,
                                                   Map<String, Service> services) {
        Map<String, ActiveDoc> live = client == null ? Map.of() : client.activeDocs().list().stream()
                .filter(d -> d.systemName() != null)
                .collect(Collectors.toMap(ActiveDoc::systemName, Function.identity(), (a, b) -> a));
        return models.stream().map(m -> new ModelActiveDoc(client, m, services.get(m.systemName()),
                live.get(m.activeDoc().systemName()))).toList();
    }

    /** The marked products of models no longer in the configuration. */
    private List<UnconfiguredProduct> unconfigured(List<ModelProduct> models, Map<String, Service> services,
                                                   ThreescaleClient client) {
        Set<String> wanted = models.stream().map(ModelProduct::systemName).collect(Collectors.toSet());
        return services.values().stream()
                .filter(s -> !wanted.contains(s.systemName()) && CatalogMarker.isMarked(s.description()))
                .map(s -> new UnconfiguredProduct(client, s, prune)).toList();
    }

    static Map<String, Service> services(ThreescaleClient client) {
        return client.services().list().stream().filter(s -> s.systemName() != null)
                .collect(Collectors.toMap(Service::systemName, Function.identity(), (a, b) -> a, LinkedHashMap::new));
    }

    static Map<String, BackendApi> backends(ThreescaleClient client) {
        return client.backends().list().stream().filter(b -> b.systemName() != null)
                .collect(Collectors.toMap(BackendApi::systemName, Function.identity(), (a, b) -> a,
                        LinkedHashMap::new));
    }
}
