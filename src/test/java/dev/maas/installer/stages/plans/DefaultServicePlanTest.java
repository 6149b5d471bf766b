package dev.maas.installer.stages.plans;

import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.stages.ModelStagesFixture;
import dev.maas.installer.stages.backends.BackendsStage;
import dev.maas.installer.stages.products.ProductsStage;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Service;
import dev.maas.installer.threescale.model.ServicePlan;
import okhttp3.FormBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default service plan is found without a system_name, which porta's JSON of a service plan never has
 * (app/representers/service_plan_representer.rb): by its name "Default" (porta's, app/models/service.rb
 * create_default_service_plan), else as the product's only service plan.
 */
@StartsSandbox
class DefaultServicePlanTest {
    private ModelStagesFixture fx;

    @AfterEach
    void tearDown() {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void chosenByNameOrAsTheOnlyOneNeverBySystemName() {
        ServicePlan dflt = new ServicePlan(1, "Default", "published", false, false);
        ServicePlan other = new ServicePlan(2, "Premium", "published", false, false);
        ServicePlan renamed = new ServicePlan(3, "Basic", "published", false, false);
        assertThat(PlansStage.defaultServicePlan(List.of(other, dflt))).isEqualTo(dflt);
        assertThat(PlansStage.defaultServicePlan(List.of(renamed))).isEqualTo(renamed);
        assertThat(PlansStage.defaultServicePlan(List.of(other, renamed))).isNull();
        assertThat(PlansStage.defaultServicePlan(List.of())).isNull();
    }

    @Test
    void aRenamedOnlyServicePlanIsMadeTheDefaultThenNothingIsWritten() throws IOException {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        InstallerConfig config = fx.config(List.of(new ModelConfig("Granite", "granite",
                "http://granite-predictor.models.svc.cluster.local:8080", null, null)), 2, false);
        StageContext ctx = fx.ctx(config);
        new BackendsStage().apply(ctx, Progress.NONE);
        new ProductsStage().apply(ctx, Progress.NONE);
        ThreescaleClient api = ThreescaleClient.builder(fx.sim.url(), fx.sim.accessToken()).build();
        Service s = api.services().findBySystemName("granite").orElseThrow();
        ServicePlan only = api.product(s.id()).servicePlans().get(0);
        // someone renamed porta's "Default" service plan in the admin portal
        try (Response r = new OkHttpClient().newCall(new Request.Builder().url(fx.sim.url() + "/admin/api/services/"
                + s.id() + "/service_plans/" + only.id() + ".json").put(new FormBody.Builder()
                .add("access_token", fx.sim.accessToken()).add("name", "Basic").build()).build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.body().string()).doesNotContain("system_name");
        }

        new PlansStage().apply(fx.ctx(config), Progress.NONE);
        assertThat(api.product(s.id()).servicePlans()).singleElement().satisfies(p -> {
            assertThat(p.name()).isEqualTo("Basic");
            assertThat(p.isDefault()).isTrue();
        });
        fx.sim.journal().clear();
        assertThat(new PlansStage().apply(fx.ctx(config), Progress.NONE)).allMatch(Change::isNoop);
        assertThat(fx.writes()).isEmpty();
        assertThat(new PlansStage().verify(fx.ctx(config)))
                .allSatisfy(c -> assertThat(c.status()).as(c.message()).isEqualTo(CheckStatus.OK));
    }
}
