package dev.maas.installer.threescale;

import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import dev.maas.installer.threescale.model.Account;
import dev.maas.installer.threescale.model.ApplicationPlan;
import dev.maas.installer.threescale.model.Metric;
import dev.maas.installer.threescale.model.UsageLimit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Plan limits, a product's token metric, plan approval and plan deletion through the client, on the simulator. */
class UsageLimitsClientTest {
    private ThreescaleSimulator sim;
    private ThreescaleClient client;

    @BeforeEach
    void start() {
        sim = ThreescaleSimulator.start(SimulatorOptions.defaults());
        sim.store().completePendingWork();
        client = ThreescaleClient.builder(sim.url(), sim.accessToken()).retry(dev.maas.installer.testing.FastRetries.threescale(4, 1)).build();
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void limitsOfAPlanAreCreatedListedUpdatedAndDeleted() {
        long sid = client.services().create("Granite", "granite", Map.of()).id();
        Product p = client.product(sid);
        ApplicationPlan free = p.createApplicationPlan("Free", Map.of("state_event", "publish",
                "approval_required", "true"));
        assertThat(free.approvalRequired()).isTrue();
        Metric hits = p.metrics().findBySystemName("hits").orElseThrow();
        Metric tokens = p.metrics().create("Total tokens", "total_tokens", "tokens", "LLM tokens");
        UsageLimits limits = p.limits(free.id());
        UsageLimit perMinute = limits.create(hits.id(), "minute", 10);
        limits.create(tokens.id(), "day", 1000);
        assertThat(limits.list()).extracting(UsageLimit::metricId, UsageLimit::period, UsageLimit::value)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(hits.id(), "minute", 10L),
                        org.assertj.core.groups.Tuple.tuple(tokens.id(), "day", 1000L));
        assertThat(limits.update(hits.id(), perMinute.id(), "minute", 20).value()).isEqualTo(20);
        limits.delete(hits.id(), perMinute.id());
        assertThat(limits.list()).extracting(UsageLimit::period).containsExactly("day");
        assertThatThrownBy(() -> limits.create(tokens.id(), "day", 5)).isInstanceOfSatisfying(
                ThreescaleApiException.class, e -> assertThat(e.hasFieldError("period", "has already been taken"))
                        .isTrue());
    }

    @Test
    void aPlanIsDeletedOnlyWhenNoApplicationIsOnIt() {
        long sid = client.services().create("Granite", "granite", Map.of()).id();
        Product p = client.product(sid);
        ApplicationPlan gold = p.createApplicationPlan("Gold", Map.of("state_event", "publish"));
        assertThat(client.tenant().applicationsOnPlan(gold.id())).isZero();
        Account dev = client.tenant().signup("Dev Org", "dev-user", "dev@example.invalid", "Pw-1-dev-user");
        client.tenant().createApplication(dev.id(), gold.id(), "My app", "An application");
        assertThat(client.tenant().applicationsOnPlan(gold.id())).isEqualTo(1);
        assertThatThrownBy(() -> p.deleteApplicationPlan(gold.id())).isInstanceOfSatisfying(
                ThreescaleApiException.class, e -> assertThat(e.refusedDelete()).isTrue());
        ApplicationPlan spare = p.createApplicationPlan("Spare", Map.of());
        p.deleteApplicationPlan(spare.id());
        assertThat(p.findApplicationPlan("Spare")).isEmpty();
    }
}
