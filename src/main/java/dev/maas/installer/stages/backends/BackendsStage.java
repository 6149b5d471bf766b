package dev.maas.installer.stages.backends;

import dev.maas.installer.catalog.FieldDiff;
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
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.BackendApi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One 3scale Backend per model: name, system_name (the natural key), private endpoint (the model's in-cluster
 * URL) and description with the installer's marker. A backend whose fields differ is updated (e.g. the model's URL
 * changed); one that is right is left alone, so a second apply sends no write. Backends of models no longer in the
 * configuration are never touched.
 */
public final class BackendsStage implements Stage {
    public static final String KIND = "backend";

    @Override public String id() { return StageIds.BACKENDS; }

    @Override public String title() { return "Model backends"; }

    @Override public List<String> dependencies() { return List.of(StageIds.THREESCALE); }

    @Override
    public List<Change> plan(StageContext ctx) {
        List<ModelProduct> models = DesiredCatalog.of(ctx);
        // before 3scale is applied: as for a new tenant, which has none of them
        Map<String, BackendApi> live = ThreescaleAccess.clientForPlan(ctx).map(BackendsStage::liveBySystemName)
                .orElse(Map.of());
        List<Change> out = new ArrayList<>();
        for (ModelProduct m : models) {
            out.add(change(m, live.get(m.systemName())));
        }
        return out;
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
        List<ModelProduct> models = DesiredCatalog.of(ctx);
        ThreescaleClient client = ThreescaleAccess.client(ctx);
        Progress p = new SerialProgress(progress);
        p.step(1, 2, "reading the tenant's backends");
        Map<String, BackendApi> live = liveBySystemName(client);
        ctx.cancellation().throwIfCancelled();
        p.step(2, 2, "creating or updating " + models.size() + " backends");
        AtomicInteger done = new AtomicInteger();
        return BoundedPool.run("maas-backends", models, ctx.config().products().concurrency(), ctx.cancellation(),
                m -> {
                    Change c = change(m, live.get(m.systemName()));
                    ModelProduct.Backend want = m.backend();
                    if (c.action() == Action.CREATE) {
                        create(client, want);
                    } else if (c.action() == Action.UPDATE) {
                        Map<String, String> fields = new LinkedHashMap<>();
                        c.fields().forEach((k, v) -> fields.put(k, v.to()));
                        client.backends().update(live.get(m.systemName()).id(), fields);
                    }
                    p.detail(done.incrementAndGet() + " of " + models.size() + " backends");
                    return c;
                });
    }

    /**
     * Creates a backend. A system_name that is taken although no backend in the list has it belongs to a backend
     * deleted recently: porta marks a deleted backend and purges it in the background, and keeps its system_name
     * until then (app/models/backend_api.rb, DeleteObjectHierarchyWorker).
     */
    private static void create(ThreescaleClient client, ModelProduct.Backend want) {
        try {
            client.backends().create(want.name(), want.systemName(), want.description(), want.privateEndpoint());
        } catch (ThreescaleApiException e) {
            if (e.hasFieldError("system_name", "has already been taken")) {
                throw new StageException("backend " + want.systemName() + " cannot be created yet: 3scale still holds"
                        + " the system_name '" + want.systemName() + "' for a backend that was deleted recently and"
                        + " that it is still removing in the background (seconds to a few minutes on a busy tenant).",
                        Fix.rerunStage(StageIds.BACKENDS, "wait a few minutes for 3scale to finish removing the"
                        + " deleted backend, then rerun the stage"), false, e);
            }
            throw e;
        }
    }

    @Override
    public List<Check> verify(StageContext ctx) {
        List<ModelProduct> models = DesiredCatalog.of(ctx);
        Map<String, BackendApi> live = liveBySystemName(ThreescaleAccess.client(ctx));
        List<Check> out = new ArrayList<>();
        for (ModelProduct m : models) {
            Change c = change(m, live.get(m.systemName()));
            String name = KIND + " " + m.systemName();
            if (c.isNoop()) {
                out.add(Check.ok(name, "backend " + m.systemName() + " points at " + m.backend().privateEndpoint()));
            } else if (c.action() == Action.CREATE) {
                out.add(Check.retryable(name, "backend " + m.systemName() + " does not exist",
                        Fix.rerunStage(StageIds.BACKENDS, "creates it")));
            } else {
                out.add(Check.retryable(name, "backend " + m.systemName() + " differs: " + describe(c.fields()),
                        Fix.rerunStage(StageIds.BACKENDS, "updates it")));
            }
        }
        return out;
    }

    static Map<String, BackendApi> liveBySystemName(ThreescaleClient client) {
        return client.backends().list().stream().filter(b -> b.systemName() != null)
                .collect(Collectors.toMap(BackendApi::systemName, Function.identity(), (a, b) -> a,
                        LinkedHashMap::new));
    }

    private static Change change(ModelProduct m, BackendApi live) {
        Map<String, Object> want = new LinkedHashMap<>(m.backend().attributes());
        if (live == null) {
            Map<String, FieldChange> fields = new LinkedHashMap<>();
            want.forEach((k, v) -> fields.put(k, FieldChange.of(null, v)));
            return new Change(Action.CREATE, TargetSystem.THREESCALE, KIND, m.systemName(), fields);
        }
        want.remove("system_name");
        Map<String, Object> have = new LinkedHashMap<>();
        have.put("name", live.name());
        have.put("private_endpoint", live.privateEndpoint());
        have.put("description", live.description());
        Map<String, FieldChange> diff = FieldDiff.compare(want, have);
        return diff.isEmpty() ? Change.noop(TargetSystem.THREESCALE, KIND, m.systemName())
                : new Change(Action.UPDATE, TargetSystem.THREESCALE, KIND, m.systemName(), diff);
    }

    /** "private_endpoint: 'a' -> 'b'; description: ..." */
    public static String describe(Map<String, FieldChange> fields) {
        return fields.entrySet().stream().map(e -> e.getKey() + ": " + quote(e.getValue().from()) + " -> "
                + quote(e.getValue().to())).collect(Collectors.joining("; "));
    }

    private static String quote(String s) { return s == null ? "(none)" : "'" + s + "'"; }
}
