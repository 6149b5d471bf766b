package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.engine.config.InstallerConfig.PlansConfig;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.stages.ModelStagesFixture;
import dev.maas.installer.stages.backends.BackendsStage;
import dev.maas.installer.stages.plans.PlansStage;
import dev.maas.installer.stages.products.ProductsStage;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.Product;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.UsageLimit;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The summary's tiers: each model's plans and limits as read back from 3scale (the simulator), not the config. */
@StartsSandbox
class SummaryTiersTest {
    private final ModelStagesFixture fx = new ModelStagesFixture(SimulatorOptions.defaults());

    @AfterEach
    void tearDown() { fx.close(); }

    @Test
    void eachModelsTiersWithTheirLimitsAsThreescaleHasThem() {
        InstallerConfig base = fx.config(List.of(new ModelConfig("Granite", "granite",
                "http://granite-predictor.models.svc.cluster.local:8080", null, null),
                new ModelConfig("Llama", "llama", "http://llama-predictor.models.svc.cluster.local:8080", null,
                        null)), 2, false);
        InstallerConfig config = new InstallerConfig(base.cluster(), base.endpoints(), base.sso(), base.threescale(),
                base.models(), base.products(), new PlansConfig(null, false, List.of(
                new TierConfig("Free", false, null, List.of(new LimitConfig("requests", "minute", 10L),
                        new LimitConfig("total_tokens", "day", 1000L))),
                new TierConfig("Premium", true, List.of("Granite"), null))), base.portal());
        new BackendsStage().apply(fx.ctx(config), Progress.NONE);
        new ProductsStage().apply(fx.ctx(config), Progress.NONE);
        new PlansStage().apply(fx.ctx(config), Progress.NONE);
        java.util.function.Function<dev.maas.installer.engine.Cancellation, StageContext> contexts = c ->
                new StageContext(config, SecretRegistry.global(), c)
                        .provide(KubernetesClient.class, () -> fx.cluster.newClient());

        assertThat(SummaryLookup.tiers(contexts)).containsExactly(
                "Granite: Free (10 requests/minute, 1,000 total tokens/day); Premium (approval required; no limits)",
                "Llama: Free (10 requests/minute, 1,000 total tokens/day)");

        // changed by hand in 3scale: the summary says what 3scale has, not what the configuration says
        ThreescaleClient api = ThreescaleClient.builder(fx.sim.url(), fx.sim.accessToken()).build();
        Product llama = api.product(api.services().findBySystemName("llama").orElseThrow().id());
        long free = llama.findApplicationPlan("Free").orElseThrow().id();
        UsageLimit perMinute = llama.limits(free).list().stream().filter(l -> l.period().equals("minute"))
                .findFirst().orElseThrow();
        llama.limits(free).update(perMinute.metricId(), perMinute.id(), "minute", 20L);
        assertThat(SummaryLookup.tiers(contexts)).contains(
                "Llama: Free (20 requests/minute, 1,000 total tokens/day)");
    }
}
