package dev.maas.installer.stages.common;

import dev.maas.installer.catalog.CatalogException;
import dev.maas.installer.catalog.CustomPolicies;
import dev.maas.installer.catalog.ModelCatalog;
import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.ConfigDefaults;
import dev.maas.installer.engine.config.InstallerConfig;

import java.util.List;

/** The desired 3scale state of the configured models, for the backends, products and plans stages. */
public final class DesiredCatalog {
    private DesiredCatalog() { }

    /**
     * One {@link ModelProduct} per configured model. The configuration is resolved first (system names from the
     * model names when not given; resolving an already resolved configuration changes nothing). A model the
     * catalog cannot use is invalid input naming the config field.
     */
    public static List<ModelProduct> of(StageContext ctx) {
        InstallerConfig config = ConfigDefaults.resolve(ctx.config(), null);
        try {
            return ModelCatalog.build(config, CustomPolicies.forConfig(config.threescale()));
        } catch (CatalogException e) {
            throw StageException.invalidInput(e.getMessage(), Fix.configField(e.field(),
                    "correct this entry of the configuration and run the stage again"));
        }
    }
}
