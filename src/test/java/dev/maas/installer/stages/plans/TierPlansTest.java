package dev.maas.installer.stages.plans;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
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
import dev.maas.installer.stages.products.ProductsStage;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.Product;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Account;
import dev.maas.installer.threescale.model.ApplicationPlan;
import dev.maas.installer.threescale.model.Metric;
import dev.maas.installer.threescale.model.UsageLimit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The plans stage with tiers, on the 3scale simulator: a Free tier (10 requests per minute, 1,000 total tokens per
 * day) and a Premium tier with approval; idempotent apply, verify, drift of a hand-edited limit, prune of a removed
 * tier (never while an application is on it).
 */
@StartsSandbox
class TierPlansTest {
    private static final TierConfig FREE = new TierConfig("Free", false, null, List.of(
            new LimitConfig("requests", "minute", 10L), new LimitConfig("total_tokens", "day", 1000L)));
    private static final TierConfig PREMIUM = new TierConfig("Premium", true, null, List.of(
            new LimitConfig("total_tokens", "day", 100_000L)));

    private ModelStagesFixture fx;
    private ThreescaleClient api;
    private Product granite;

    @BeforeEach
    void start() throws Exception {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        InstallerConfig base = config(List.of(FREE, PREMIUM));
        new BackendsStage().apply(fx.ctx(base), Progress.NONE);
        new ProductsStage().apply(fx.ctx(base), Progress.NONE);
        api = ThreescaleClient.builder(fx.sim.url(), fx.sim.accessToken()).build();
        granite = api.product(api.services().findBySystemName("granite").orElseThrow().id());
    }

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

    private long metric(String systemName) {
        return granite.metrics().findBySystemName(systemName).map(Metric::id).orElseThrow();
    }

    private ApplicationPlan plan(String name) {
        return granite.findApplicationPlan(name).orElseThrow();
    }

    @Test
    void freeAndPremiumApplyThenASecondApplyWritesNothingAndVerifyPasses() {
        InstallerConfig config = config(List.of(FREE, PREMIUM));
        List<Change> planned = new PlansStage().plan(fx.ctx(config));
        assertThat(planned).filteredOn(c -> c.action() == Action.CREATE).extracting(Change::name).containsExactly(
                "granite Free", "granite Free: requests per minute", "granite Free: total_tokens per day",
                "granite Premium", "granite Premium: total_tokens per day");
        // the token metrics are the products stage's: they are there before the plans stage runs

        assertThat(granite.metrics().findBySystemName("total_tokens")).get().satisfies(m -> {
            assertThat(m.unit()).isEqualTo("tokens");
            assertThat(m.friendlyName()).isEqualTo("Total tokens");
        });
        new PlansStage().apply(fx.ctx(config), Progress.NONE);
        ApplicationPlan free = plan("Free");
        ApplicationPlan premium = plan("Premium");
        assertThat(free.published()).isTrue();
        assertThat(free.approvalRequired()).isFalse();
        assertThat(premium.published()).isTrue();
        assertThat(premium.approvalRequired()).isTrue();
        assertThat(granite.limits(free.id()).list())
                .extracting(UsageLimit::metricId, UsageLimit::period, UsageLimit::value).containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(metric("hits"), "minute", 10L),
                        org.assertj.core.groups.Tuple.tuple(metric("total_tokens"), "day", 1000L));
        assertThat(granite.limits(premium.id()).list()).singleElement()
                .satisfies(l -> assertThat(l.value()).isEqualTo(100_000L));

        fx.sim.journal().clear();
        assertThat(new PlansStage().apply(fx.ctx(config), Progress.NONE)).allMatch(Change::isNoop);
        assertThat(fx.writes()).isEmpty();
        // the product's plans, and each plan's limits, are read once however many objects are reconciled from them
        assertThat(fx.sim.journal().entries()).filteredOn(e -> e.method().equals("GET")
                && e.path().endsWith("/application_plans.json")).hasSize(1);
        assertThat(fx.sim.journal().entries()).filteredOn(e -> e.method().equals("GET")
                && e.path().endsWith("/limits.json")).hasSize(2);
        assertThat(new PlansStage().plan(fx.ctx(config))).allMatch(Change::isNoop);

        List<Check> checks = new PlansStage().verify(fx.ctx(config));
        assertThat(checks).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(CheckStatus.OK);
            assertThat(c.message()).contains("plans 'Free', 'Premium' published with 3 limits");
        });
    }

    @Test
    void aLimitOrApprovalChangedByHandIsDriftThatApplyPutsBack() {
        InstallerConfig config = config(List.of(FREE, PREMIUM));
        new PlansStage().apply(fx.ctx(config), Progress.NONE);
        ApplicationPlan free = plan("Free");
        UsageLimit perDay = granite.limits(free.id()).find(metric("total_tokens"), "day").orElseThrow();
        // by hand in the admin portal: a higher token limit, an extra hourly request limit, Premium without approval
        granite.limits(free.id()).update(perDay.metricId(), perDay.id(), "day", 5000);
        granite.limits(free.id()).create(metric("hits"), "hour", 100);
        granite.updateApplicationPlan(plan("Premium").id(), Map.of("approval_required", "false"));

        assertThat(new PlansStage().verify(fx.ctx(config))).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
            assertThat(c.message()).contains("plan 'Free' limits total_tokens per day to 5000 in 3scale, configured"
                            + " 1000", "plan 'Free' has a limit on requests per hour (100) that is not configured",
                    "application plan 'Premium' does not require approval, the configuration says it does");
        });
        List<Change> planned = new PlansStage().plan(fx.ctx(config));
        assertThat(planned).filteredOn(c -> !c.isNoop()).extracting(Change::action, Change::name).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Action.UPDATE, "granite Free: total_tokens per day"),
                org.assertj.core.groups.Tuple.tuple(Action.DELETE, "granite Free: requests per hour"),
                org.assertj.core.groups.Tuple.tuple(Action.UPDATE, "granite Premium"));
        assertThat(planned).filteredOn(c -> c.action() == Action.DELETE).singleElement()
                .satisfies(c -> assertThat(c.fields()).containsEntry("value",
                        dev.maas.installer.engine.FieldChange.of(100, null)));
        new PlansStage().apply(fx.ctx(config), Progress.NONE);
        assertThat(new PlansStage().verify(fx.ctx(config))).allMatch(c -> c.status() == CheckStatus.OK);
    }

    @Test
    void aRemovedTierIsKeptWithoutPruneAndWhileAnApplicationIsOnItAndDeletedByPrune() {
        new PlansStage().apply(fx.ctx(config(List.of(FREE, PREMIUM))), Progress.NONE);
        InstallerConfig onlyFree = config(List.of(FREE));

        List<Change> kept = new PlansStage().apply(fx.ctx(onlyFree), Progress.NONE);
        assertThat(kept).filteredOn(c -> c.name().startsWith("granite Premium")).singleElement().satisfies(c -> {
            assertThat(c.isNoop()).isTrue();
            assertThat(c.kept()).as("a kept plan is flagged so").isTrue();
            assertThat(c.name()).contains("kept, --prune deletes it unless applications use it");
        });
        assertThat(granite.findApplicationPlan("Premium")).isPresent();
        assertThat(new PlansStage().verify(fx.ctx(onlyFree))).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(CheckStatus.WARN);
            assertThat(c.message()).contains("application plan 'Premium' is no tier in the configuration"
                    + " (0 applications on it); kept");
        });

        Account dev = api.tenant().signup("Dev Org", "dev-user", "dev@example.invalid", "Pw-1-dev-user");
        long app = api.tenant().createApplication(dev.id(), plan("Premium").id(), "My app", "An application").id();
        fx.sim.journal().clear();
        List<Change> refused = new PlansStage(true).apply(fx.ctx(onlyFree), Progress.NONE);
        assertThat(refused).filteredOn(c -> c.name().startsWith("granite Premium")).singleElement().satisfies(c -> {
            assertThat(c.isNoop()).isTrue();
            assertThat(c.kept()).as("a kept plan is flagged so").isTrue();
            assertThat(c.name()).contains("kept: 1 application is on it", "move them to another plan first");
        });
        assertThat(fx.writes()).isEmpty();

        api.tenant().deleteApplication(dev.id(), app);
        List<Change> planned = new PlansStage(true).plan(fx.ctx(onlyFree));
        assertThat(planned).filteredOn(c -> !c.isNoop()).singleElement().satisfies(c -> {
            assertThat(c.action()).isEqualTo(Action.DELETE);
            assertThat(c.name()).isEqualTo("granite Premium");
        });
        new PlansStage(true).apply(fx.ctx(onlyFree), Progress.NONE);
        assertThat(granite.findApplicationPlan("Premium")).isEmpty();
        assertThat(fx.sim.store().snapshot("usage_limits")).hasSize(2);
        assertThat(new PlansStage().verify(fx.ctx(onlyFree))).allMatch(c -> c.status() == CheckStatus.OK);
    }

    @Test
    void withoutTiersTheStandardPlanHasNoLimitsAndThePlansStageWritesNoMetric() {
        InstallerConfig config = config(null);
        fx.sim.journal().clear();
        new PlansStage().apply(fx.ctx(config), Progress.NONE);
        assertThat(granite.applicationPlans()).extracting(ApplicationPlan::name).containsExactly("Standard");
        assertThat(granite.limits(plan("Standard").id()).list()).isEmpty();
        assertThat(fx.writes()).noneMatch(w -> w.path().contains("/metrics"));
        assertThat(new PlansStage().verify(fx.ctx(config))).singleElement().satisfies(c -> assertThat(c.message())
                .isEqualTo("product granite: plan 'Standard' published, service plan 'Default' is the default"));
    }
}
