package dev.maas.installer.stages.products;

import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.stages.products.ProductObjects.ThreescaleObject;
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Service;

import java.util.Map;
import java.util.Optional;

/**
 * A product the installer made (its description carries the marker) for a model no longer in the configuration: kept
 * as it is, or, with {@code prune} (the CLI's --prune, the wizard's prune choice), deleted.
 */
final class UnconfiguredProduct extends ThreescaleObject<Service, Service> {
    private final ThreescaleClient client;
    private final Service service;
    private final boolean prune;

    UnconfiguredProduct(ThreescaleClient client, Service service, boolean prune) {
        this.client = client;
        this.service = service;
        this.prune = prune;
    }

    @Override public String kind() { return ProductObjects.PRODUCT; }

    @Override
    public String name() {
        return prune ? service.systemName()
                : service.systemName() + " (no longer in the configuration; kept, --prune deletes it)";
    }

    @Override public String checkName() { return "product " + service.systemName(); }

    /** Without prune it stays as it is: a kept change. */
    @Override public boolean kept() { return !prune; }

    /** Without prune, the product as it is; with it, none. */
    @Override public Optional<Service> desired(StageContext ctx) { return prune ? Optional.empty() : Optional.of(service); }

    @Override public Optional<Service> fetch(StageContext ctx) { return Optional.of(service); }

    @Override public Map<String, FieldChange> diff(Service desired, Optional<Service> actual) { return Map.of(); }

    @Override
    public Service create(StageContext ctx, Service desired) { throw new IllegalStateException("never made"); }

    @Override
    public Service update(StageContext ctx, Service desired, Service actual, Map<String, FieldChange> diff) {
        throw new IllegalStateException("never updated");
    }

    /**
     * porta marks the product deleted (it leaves the lists at once) and removes it in the background; it refuses to
     * delete the tenant's default product or its last one (422, app/models/service.rb
     * {@code mark_as_deleted unless: :default_or_last?}).
     */
    @Override
    public void delete(StageContext ctx, Service s) {
        try {
            client.services().delete(s.id());
        } catch (ThreescaleApiException e) {
            if (e.status() == 422) {
                throw new StageException("3scale refuses to delete product " + s.systemName() + ": it keeps a tenant's"
                        + " last product and its default product, and " + s.systemName() + " is one of them ("
                        + e.getMessage() + ")", Fix.manual("keep the product: apply without --prune, or add another"
                        + " product to the tenant first (in the Admin Portal) and then prune"), false, e);
            }
            throw e;
        }
    }

    @Override
    public String okMessage(Service desired, Service actual) {
        return "product " + service.systemName() + " is no longer in the configuration and is kept";
    }

    @Override
    public String extraMessage(Service actual) {
        return "product " + service.systemName() + " is no longer in the configuration and is still there (pruning"
                + " deletes it)";
    }
}
