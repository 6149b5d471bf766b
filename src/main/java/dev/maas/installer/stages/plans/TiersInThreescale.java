package dev.maas.installer.stages.plans;

import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.stages.common.DesiredCatalog;
import dev.maas.installer.stages.common.ThreescaleAccess;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.ApplicationPlan;
import dev.maas.installer.threescale.model.Service;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The tiers as 3scale has them, read back (GETs only): for each model of the configuration, its product's
 * application plans (customized plans of single applications aside) with their state, approval setting and usage
 * limits, the limits' metrics named as the configuration names them ({@code requests} for 3scale's hits). What the
 * wizard's summary shows; nothing here comes from the configuration's tiers. Read as the stage reads a product
 * ({@link LivePlans}).
 */
public final class TiersInThreescale {
    private TiersInThreescale() { }

    /** One application plan of a model's product, as 3scale has it. */
    public record Plan(String name, boolean published, boolean approvalRequired, List<LimitConfig> limits) {
        public Plan {
            limits = List.copyOf(limits);
        }
    }

    /** A model's product and its plans; {@code product} false when 3scale has no product for the model yet. */
    public record ModelTiers(String modelName, String systemName, boolean product, List<Plan> plans) {
        public ModelTiers {
            plans = List.copyOf(plans);
        }
    }

    /** Reads every model's plans and limits from the tenant of {@code ctx}. */
    public static List<ModelTiers> read(StageContext ctx) {
        List<ModelProduct> models = DesiredCatalog.of(ctx);
        ThreescaleClient client = ThreescaleAccess.client(ctx);
        Map<String, Service> services = PlansStage.services(client);
        List<ModelTiers> out = new ArrayList<>();
        for (ModelProduct m : models) {
            ctx.cancellation().throwIfCancelled();
            Service s = services.get(m.systemName());
            if (s == null) {
                out.add(new ModelTiers(m.modelName(), m.systemName(), false, List.of()));
                continue;
            }
            LivePlans live = LivePlans.read(client, s);
            List<Plan> plans = new ArrayList<>();
            for (ApplicationPlan plan : live.plans()) {
                if (Boolean.TRUE.equals(plan.custom())) {
                    continue;
                }
                List<LimitConfig> limits = live.limits(plan.id()).stream()
                        .map(l -> new LimitConfig(live.metricName(l.metricId()), l.period(), l.value()))
                        .toList();
                plans.add(new Plan(plan.name(), plan.published(), Boolean.TRUE.equals(plan.approvalRequired()),
                        limits));
            }
            out.add(new ModelTiers(m.modelName(), m.systemName(), true, plans));
        }
        return out;
    }
}
