package dev.maas.installer.stages.products;

import dev.maas.installer.catalog.CatalogMarker;
import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.TargetSystem;
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
 */
public final class ProductsStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger(ProductsStage.class);
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

    @Override
    public List<Check> verify(StageContext ctx) {
        List<ModelProduct> models = DesiredCatalog.of(ctx);
        ThreescaleClient client = ThreescaleAccess.client(ctx);
        Map<String, Service> services = services(client);
        Map<String, BackendApi> backends = backends(client);
        List<List<Change>> perModel = BoundedPool.run("maas-verify-products", models,
                ctx.config().products().concurrency(), ctx.cancellation(),
                m -> new ProductReconciler(client, m, services.get(m.systemName()), backends.get(m.systemName()),
                        false, s -> { }, ctx.cancellation()).run());
        List<Check> out = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            ModelProduct m = models.get(i);
            String name = "product " + m.systemName();
            if (services.get(m.systemName()) == null) {
                out.add(Check.retryable(name, "product " + m.systemName() + " does not exist",
                        Fix.rerunStage(StageIds.PRODUCTS, "creates it")));
                continue;
            }
            List<String> differences = perModel.get(i).stream().filter(c -> !c.isNoop())
                    .map(ProductsStage::describe).toList();
            if (differences.isEmpty()) {
                out.add(Check.ok(name, "product " + m.systemName() + " matches: " + m.methods().size()
                        + " methods and mapping rules, policy chain " + m.policyChain().summary()
                        + ", production up to date"));
            } else {
                out.add(Check.retryable(name, "product " + m.systemName() + " differs: "
                        + String.join("; ", differences), Fix.rerunStage(StageIds.PRODUCTS, "repairs it")));
            }
        }
        if (ctx.config().products().activeDocs()) {
            List<Change> docs = activeDocs(ctx, client, models, services, false);
            for (int i = 0; i < models.size(); i++) {
                String sn = models.get(i).systemName();
                Change c = docs.get(i);
                String name = "activedoc " + sn;
                if (c.isNoop()) {
                    out.add(Check.ok(name, "ActiveDoc " + sn + " matches the model's OpenAPI document, is linked to"
                            + " product " + sn + " and published"));
                } else {
                    out.add(Check.retryable(name, "ActiveDoc " + describe(c),
                            Fix.rerunStage(StageIds.PRODUCTS, "creates or repairs it")));
                }
            }
        }
        return out;
    }

    /** "UPDATE mapping rule x: pattern '/a' -> '/b'". */
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
        List<List<Change>> perModel = BoundedPool.run("maas-products", models, ctx.config().products().concurrency(),
                ctx.cancellation(), m -> {
                    List<Change> changes = new ProductReconciler(client, m, services.get(m.systemName()),
                            backends.get(m.systemName()), write, progress::detail, ctx.cancellation(),
                            firstDeployWait).run();
                    int n = done.incrementAndGet();
                    progress.step(n, total, n + " of " + total + " products");
                    return changes;
                });
        List<Change> out = new ArrayList<>();
        perModel.forEach(out::addAll);
        if (ctx.config().products().activeDocs()) {
            out.addAll(activeDocs(ctx, client, models, write ? services(client) : services, write));
        }
        out.addAll(prune(ctx, client, models, services, write));
        return out;
    }

    /** One change per model, in the models' order: its ActiveDoc created, updated or unchanged. */
    private static List<Change> activeDocs(StageContext ctx, ThreescaleClient client, List<ModelProduct> models,
                                           Map<String, Service> services, boolean write) {
        ctx.cancellation().throwIfCancelled();
        Map<String, ActiveDoc> live = client == null ? Map.of() : client.activeDocs().list().stream()
                .filter(d -> d.systemName() != null)
                .collect(Collectors.toMap(ActiveDoc::systemName, Function.identity(), (a, b) -> a));
        List<Change> changes = BoundedPool.run("maas-activedocs", models, ctx.config().products().concurrency(),
                ctx.cancellation(), m -> ActiveDocReconciler.reconcile(client, m, services.get(m.systemName()),
                        live.get(m.activeDoc().systemName()), write));
        if (write) {
            long written = changes.stream().filter(c -> !c.isNoop()).count();
            LOG.info("ActiveDocs: {} of {} created or updated", written, models.size());
        }
        return changes;
    }

    private List<Change> prune(StageContext ctx, ThreescaleClient client, List<ModelProduct> models,
                               Map<String, Service> services, boolean write) {
        Set<String> wanted = models.stream().map(ModelProduct::systemName).collect(Collectors.toSet());
        List<Change> out = new ArrayList<>();
        for (Service s : services.values()) {
            if (wanted.contains(s.systemName()) || !CatalogMarker.isMarked(s.description())) {
                continue;
            }
            if (!prune) {
                out.add(Change.kept(TargetSystem.THREESCALE, ProductReconciler.PRODUCT, s.systemName()
                        + " (no longer in the configuration; kept, --prune deletes it)"));
                continue;
            }
            ctx.cancellation().throwIfCancelled();
            out.add(new Change(Action.DELETE, TargetSystem.THREESCALE, ProductReconciler.PRODUCT, s.systemName(),
                    Map.of("name", FieldChange.of(s.name(), null))));
            if (write) {
                delete(client, s);
            }
        }
        return out;
    }

    /**
     * Deletes a pruned product. porta marks it deleted (it leaves the lists at once) and removes it in the background;
     * it refuses to delete the tenant's default product or its last one (422, app/models/service.rb
     * {@code mark_as_deleted unless: :default_or_last?}).
     */
    private static void delete(ThreescaleClient client, Service s) {
        try {
            client.services().delete(s.id());
        } catch (dev.maas.installer.threescale.ThreescaleApiException e) {
            if (e.status() == 422) {
                throw new StageException("3scale refuses to delete product " + s.systemName() + ": it keeps a tenant's"
                        + " last product and its default product, and " + s.systemName() + " is one of them ("
                        + e.getMessage() + ")", Fix.manual("keep the product: apply without --prune, or add another"
                        + " product to the tenant first (in the Admin Portal) and then prune"), false, e);
            }
            throw e;
        }
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
