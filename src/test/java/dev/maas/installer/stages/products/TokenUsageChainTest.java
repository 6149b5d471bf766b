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
import dev.maas.installer.threescale.model.Metric;
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

    @Test
    void theProductsStageOwnsTheTokenMetricsMakingThemBeforeTheChainNamesThePolicy() throws Exception {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        InstallerConfig requestsOnly = config(List.of(new TierConfig("Free", false, null,
                List.of(new LimitConfig("requests", "minute", 10L)))));
        new BackendsStage().apply(fx.ctx(requestsOnly), Progress.NONE);
        new ProductsStage().apply(fx.ctx(requestsOnly), Progress.NONE);
        ThreescaleClient api = ThreescaleClient.builder(fx.sim.url(), fx.sim.accessToken()).build();
        long sid = api.services().findBySystemName("granite").orElseThrow().id();
        dev.maas.installer.threescale.Metrics metrics = api.product(sid).metrics();
        assertThat(metrics.list()).extracting(Metric::systemName).doesNotContain("prompt_tokens",
                "completion_tokens", "total_tokens");

        InstallerConfig tokens = config(List.of(new TierConfig("Free", false, null, List.of(
                new LimitConfig("total_tokens", "day", 1000L)))));
        List<Change> planned = new ProductsStage().plan(fx.ctx(tokens));
        assertThat(planned).filteredOn(c -> c.kind().equals("metric") && !c.isNoop()).extracting(Change::name)
                .containsExactly("granite prompt_tokens", "granite completion_tokens", "granite total_tokens");
        fx.sim.journal().clear();
        new ProductsStage().apply(fx.ctx(tokens), Progress.NONE);
        List<String> writes = fx.writes().stream().map(e -> e.method() + " " + e.path()).toList();
        int firstMetric = indexOf(writes, "/metrics");
        int chain = indexOf(writes, "/proxy/policies");
        assertThat(firstMetric).as("metrics before the chain: " + writes).isGreaterThanOrEqualTo(0).isLessThan(chain);
        assertThat(metrics.findBySystemName("prompt_tokens")).get().satisfies(m -> {
            assertThat(m.unit()).isEqualTo("tokens");
            assertThat(m.friendlyName()).isEqualTo("Prompt tokens");
        });

        // drift: a token metric deleted by hand is reported by verify and made again by apply
        metrics.delete(metrics.findBySystemName("completion_tokens").orElseThrow().id());
        assertThat(new ProductsStage().verify(fx.ctx(tokens))).anySatisfy(c -> {
            assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
            assertThat(c.message()).contains("completion_tokens");
        });
        new ProductsStage().apply(fx.ctx(tokens), Progress.NONE);
        assertThat(metrics.findBySystemName("completion_tokens")).isPresent();
        fx.sim.journal().clear();
        assertThat(new ProductsStage().apply(fx.ctx(tokens), Progress.NONE)).allMatch(Change::isNoop);
        assertThat(fx.writes()).isEmpty();
    }

    private static int indexOf(List<String> writes, String part) {
        for (int i = 0; i < writes.size(); i++) {
            if (writes.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }
}
