package dev.maas.installer.stages.backends;

import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.reconcile.Reconciler;
import dev.maas.installer.stages.common.BoundedPool;
import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.stages.common.DesiredCatalog;
import dev.maas.installer.stages.common.SerialProgress;
import dev.maas.installer.stages.common.StageGuards;
import dev.maas.installer.stages.common.ThreescaleAccess;
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.BackendApi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One 3scale Backend per model ({@link ModelBackend}): name, system_name (the natural key), private endpoint (the
 * model's in-cluster URL) and description with the installer's marker. A backend whose fields differ is updated (e.g. the model's URL
 * changed); one that is right is left alone, so a second apply sends no write. Backends of models no longer in the
 * configuration are never touched.
 */
public final class BackendsStage implements Stage {
    public static final String KIND = "backend";

    @Override public String id() { return StageIds.BACKENDS; }

    @Override public String title() { return "Model backends"; }

    @Override public List<String> dependencies() { return List.of(StageIds.THREESCALE); }

    /** Plans, applies and verifies each model's backend ({@link ModelBackend}). */
    private static final Reconciler RECONCILER = StageGuards.reconciler(StageIds.BACKENDS);

    @Override
    public List<Change> plan(StageContext ctx) {
        List<ModelProduct> models = DesiredCatalog.of(ctx); // the configuration's errors first, before any request
        // before 3scale is applied: as for a new tenant, which has none of them
        Optional<ThreescaleClient> client = ThreescaleAccess.clientForPlan(ctx);
        Map<String, BackendApi> live = client.map(BackendsStage::liveBySystemName).orElse(Map.of());
        return RECONCILER.plan(ctx, objects(models, client.orElse(null), live));
    }

    private static List<ModelBackend> objects(List<ModelProduct> models, ThreescaleClient client,
                                              Map<String, BackendApi> live) {
        return models.stream().map(m -> new ModelBackend(client, live, m)).toList();
    }

    @Override
    public List<Change> apply(StageContext ctx, Progress progress) {
        try {
            return applyBackends(ctx, progress);
        } catch (dev.maas.installer.threescale.ThreescaleApiException e) {
            throw ThreescaleAccess.failure(e, id());
        }
    }

    private List<Change> applyBackends(StageContext ctx, Progress progress) {
        List<ModelProduct> models = DesiredCatalog.of(ctx); // the configuration's errors first, before any request
        ThreescaleClient client = ThreescaleAccess.client(ctx);
        Progress p = new SerialProgress(progress);
        p.step(1, 2, "reading the tenant's backends");
        List<ModelBackend> backends = objects(models, client, liveBySystemName(client));
        ctx.cancellation().throwIfCancelled();
        p.step(2, 2, "creating or updating " + backends.size() + " backends");
        AtomicInteger done = new AtomicInteger();
        return BoundedPool.run("maas-backends", backends, ctx.config().products().concurrency(), ctx.cancellation(),
                b -> {
                    Change c = RECONCILER.apply(ctx, b);
                    p.detail(done.incrementAndGet() + " of " + backends.size() + " backends");
                    return c;
                });
    }

    @Override
    public List<Check> verify(StageContext ctx) {
        List<ModelProduct> models = DesiredCatalog.of(ctx);
        ThreescaleClient client = ThreescaleAccess.client(ctx);
        return RECONCILER.verify(ctx, objects(models, client, liveBySystemName(client)));
    }

    static Map<String, BackendApi> liveBySystemName(ThreescaleClient client) {
        return client.backends().list().stream().filter(b -> b.systemName() != null)
                .collect(Collectors.toMap(BackendApi::systemName, Function.identity(), (a, b) -> a,
                        LinkedHashMap::new));
    }

    /** "private_endpoint: 'a' -> 'b'; description: ..." */
    public static String describe(Map<String, FieldChange> fields) {
        return fields.entrySet().stream().map(e -> e.getKey() + ": " + quote(e.getValue().from()) + " -> "
                + quote(e.getValue().to())).collect(Collectors.joining("; "));
    }

    private static String quote(String s) { return s == null ? "(none)" : "'" + s + "'"; }
}
