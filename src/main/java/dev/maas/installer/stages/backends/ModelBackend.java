package dev.maas.installer.stages.backends;

import dev.maas.installer.catalog.FieldDiff;
import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.reconcile.Managed;
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.BackendApi;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A model's 3scale Backend, found by system_name in the tenant's list the stage read once ({@code live}): name,
 * private endpoint (the model's in-cluster URL) and description with the installer's marker. {@code client} is null
 * for a plan before 3scale is applied (every backend is then missing; nothing is written).
 */
final class ModelBackend implements Managed<ModelProduct.Backend, BackendApi> {
    private final ThreescaleClient client;
    private final Map<String, BackendApi> live;
    private final ModelProduct model;

    ModelBackend(ThreescaleClient client, Map<String, BackendApi> live, ModelProduct model) {
        this.client = client;
        this.live = live;
        this.model = model;
    }

    @Override public TargetSystem system() { return TargetSystem.THREESCALE; }

    @Override public String kind() { return BackendsStage.KIND; }

    @Override public String name() { return model.systemName(); }

    @Override public Optional<ModelProduct.Backend> desired(StageContext ctx) { return Optional.of(model.backend()); }

    @Override public Optional<BackendApi> fetch(StageContext ctx) { return Optional.ofNullable(live.get(name())); }

    @Override
    public Map<String, FieldChange> diff(ModelProduct.Backend desired, Optional<BackendApi> actual) {
        Map<String, Object> want = new LinkedHashMap<>(desired.attributes());
        if (actual.isEmpty()) {
            Map<String, FieldChange> fields = new LinkedHashMap<>();
            want.forEach((k, v) -> fields.put(k, FieldChange.of(null, v)));
            return fields;
        }
        want.remove("system_name");
        Map<String, Object> have = new LinkedHashMap<>();
        have.put("name", actual.get().name());
        have.put("private_endpoint", actual.get().privateEndpoint());
        have.put("description", actual.get().description());
        return FieldDiff.compare(want, have);
    }

    /**
     * A system_name that is taken although no backend in the list has it belongs to a backend deleted recently:
     * porta marks a deleted backend and purges it in the background, and keeps its system_name until then
     * (app/models/backend_api.rb, DeleteObjectHierarchyWorker).
     */
    @Override
    public BackendApi create(StageContext ctx, ModelProduct.Backend want) {
        try {
            return client.backends().create(want.name(), want.systemName(), want.description(),
                    want.privateEndpoint());
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
    public BackendApi update(StageContext ctx, ModelProduct.Backend desired, BackendApi actual,
                             Map<String, FieldChange> diff) {
        Map<String, String> fields = new LinkedHashMap<>();
        diff.forEach((k, v) -> fields.put(k, v.to()));
        return client.backends().update(actual.id(), fields);
    }

    @Override public String name(BackendApi actual) { return name(); }

    @Override
    public String okMessage(ModelProduct.Backend desired, BackendApi actual) {
        return "backend " + name() + " points at " + desired.privateEndpoint();
    }

    @Override
    public String missingMessage(ModelProduct.Backend desired) { return "backend " + name() + " does not exist"; }

    @Override
    public String driftMessage(ModelProduct.Backend desired, BackendApi actual, Map<String, FieldChange> diff) {
        return "backend " + name() + " differs: " + BackendsStage.describe(diff);
    }

    @Override
    public Fix fix(String stageId, Action action) {
        return Fix.rerunStage(StageIds.BACKENDS, action == Action.CREATE ? "creates it" : "updates it");
    }
}
