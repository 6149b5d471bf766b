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

import dev.maas.installer.cluster.DiscoveredModel;
import dev.maas.installer.cluster.ModelDiscovery;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Comparator;
import java.util.List;

/** The desired 3scale state of the configured models, for the backends, products and plans stages. */
public final class DesiredCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(DesiredCatalog.class);

    private DesiredCatalog() { }

    /**
     * The configuration, with the served models discovered on the cluster (KServe InferenceServices that are ready
     * and have a URL) as the model list when the configuration lists none. A discovered model is named after its
     * InferenceService, which is also the model name the server answers to, and gets the OpenAI-compatible default
     * methods; one APIcast cannot reach (ModelDiscovery says why) is left out with a warning. Listing models in the
     * configuration turns discovery off.
     */
    public static InstallerConfig withDiscoveredModels(StageContext ctx) {
        InstallerConfig c = ctx.config();
        if (!c.models().isEmpty() || !ctx.has(KubernetesClient.class)) {
            return c;
        }
        List<DiscoveredModel> found = new ModelDiscovery(ctx.service(KubernetesClient.class)).discover();
        List<InstallerConfig.ModelConfig> models = found.stream()
                .filter(DiscoveredModel::usable)
                .sorted(Comparator.comparing(DiscoveredModel::namespace).thenComparing(DiscoveredModel::name))
                .map(m -> new InstallerConfig.ModelConfig(m.displayName() == null ? m.name() : m.displayName(),
                        ConfigDefaults.slug(m.name()), m.url(), null, null))
                .toList();
        for (DiscoveredModel m : found) {
            if (m.problem() != null) {
                LOG.warn("served model {} left out: {}; to publish it: {}", m.qualifiedName(), m.problem(), m.fix());
            } else if (!m.usable()) {
                LOG.warn("served model {}/{} is not ready or has no URL yet: left out", m.namespace(), m.name());
            }
        }
        LOG.info("no models in the configuration: using the {} served models found on the cluster", models.size());
        return new InstallerConfig(c.cluster(), c.endpoints(), c.sso(), c.threescale(), models, c.products(),
                c.plans(), c.portal());
    }

    /**
     * One {@link ModelProduct} per configured model. The configuration is resolved first (system names from the
     * model names when not given; resolving an already resolved configuration changes nothing). A model the
     * catalog cannot use is invalid input naming the config field.
     */
    public static List<ModelProduct> of(StageContext ctx) {
        InstallerConfig config = ConfigDefaults.resolve(withDiscoveredModels(ctx), null);
        if (config.models().isEmpty() && ctx.has(KubernetesClient.class)) {
            // nothing to publish; with --prune an empty list would even delete every product we made
            throw StageException.invalidInput("no models to publish: the configuration lists none and no served"
                    + " model (KServe InferenceService that is ready and has a URL) was found on the cluster",
                    Fix.configField("models", "add the models to the configuration (name and url of each), or"
                            + " wait until the served models are ready, then rerun"));
        }
        try {
            return ModelCatalog.build(config, CustomPolicies.forConfig(config));
        } catch (CatalogException e) {
            throw StageException.invalidInput(e.getMessage(), Fix.configField(e.field(),
                    "correct this entry of the configuration and run the stage again"));
        }
    }
}
