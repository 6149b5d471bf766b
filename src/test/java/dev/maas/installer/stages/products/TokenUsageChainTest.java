package dev.maas.installer.stages.products;

import dev.maas.installer.catalog.PolicyChain;
import dev.maas.installer.catalog.policy.PolicyBundle;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.engine.config.InstallerConfig.PlansConfig;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.stages.ModelStagesFixture;
import dev.maas.installer.stages.backends.BackendsStage;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.PolicyConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The token usage policy in each product's chain when, and only when, a tier limits tokens. */
@StartsSandbox
class TokenUsageChainTest {
    private ModelStagesFixture fx;

    @AfterEach
    void tearDown() {
        if (fx != null) {
            fx.close();
        }
    }

    private InstallerConfig config(List<TierConfig> tiers) {
        InstallerConfig c = fx.config(List.of(new ModelConfig("Granite", "granite",
                "http://granite-predictor.models.svc.cluster.local:8080", null, null)), 2, false);
        return new InstallerConfig(c.cluster(), c.endpoints(), c.sso(), c.threescale(), c.models(), c.products(),
                new PlansConfig(null, false, tiers), c.portal());
    }

    @Test
    void theChainHasTheTokenPolicyAfterRemoveBearerOnlyWhenAskedFor() {
        List<PolicyBundle> custom = List.of(PolicyBundle.removeBearer());
        assertThat(PolicyChain.maas(custom).summary()).isEqualTo("cors, remove-bearer 0.1.0, apicast");
        PolicyChain tokens = PolicyChain.maas(custom, true);
        assertThat(tokens.summary()).isEqualTo("cors, remove-bearer 0.1.0, llm-token-usage 0.1.0, apicast");
        assertThat(tokens.policies().get(2).configuration().isEmpty()).isTrue();
    }

    @Test
    void aTierLimitingTokensPutsThePolicyInTheChainIdempotentlyAndRequestLimitsAloneDoNot() throws Exception {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        InstallerConfig requestsOnly = config(List.of(new TierConfig("Free", false, null,
                List.of(new LimitConfig("requests", "minute", 10L)))));
        new BackendsStage().apply(fx.ctx(requestsOnly), Progress.NONE);
        new ProductsStage().apply(fx.ctx(requestsOnly), Progress.NONE);
        ThreescaleClient api = ThreescaleClient.builder(fx.sim.url(), fx.sim.accessToken()).build();
        long sid = api.services().findBySystemName("granite").orElseThrow().id();
        assertThat(api.product(sid).policies()).extracting(PolicyConfig::name)
                .containsExactly("cors", "remove-bearer", "apicast");

        InstallerConfig tokens = config(List.of(new TierConfig("Free", false, null, List.of(
                new LimitConfig("requests", "minute", 10L), new LimitConfig("total_tokens", "day", 1000L)))));
        new ProductsStage().apply(fx.ctx(tokens), Progress.NONE);
        List<PolicyConfig> chain = api.product(sid).policies();
        assertThat(chain).extracting(PolicyConfig::name)
                .containsExactly("cors", "remove-bearer", "llm-token-usage", "apicast");
        assertThat(chain.get(2).version()).isEqualTo("0.1.0");

        fx.sim.journal().clear();
        assertThat(new ProductsStage().apply(fx.ctx(tokens), Progress.NONE)).allMatch(Change::isNoop);
        assertThat(fx.writes()).isEmpty();
        assertThat(new ProductsStage().verify(fx.ctx(tokens))).allMatch(c -> c.status() == CheckStatus.OK
                || c.status() == CheckStatus.WARN);
    }
}
