package dev.maas.installer.stages.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.EndpointsConfig;
import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.engine.config.InstallerConfig.PlansConfig;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.sandbox.apicast.ApicastGateway;
import dev.maas.installer.sandbox.apicast.ModelStandIn;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.stages.ModelStagesFixture;
import dev.maas.installer.stages.backends.BackendsStage;
import dev.maas.installer.stages.plans.PlansStage;
import dev.maas.installer.stages.products.ProductsStage;
import dev.maas.installer.stages.e2e.EndToEndReport.Check;
import dev.maas.installer.stages.e2e.EndToEndReport.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code maas-installer test} with tiers, on the 3scale simulator and the sandbox's gateway: the Free key is refused
 * with 429 after its 10 requests of the minute, Premium is not limited, a tier with a large limit is skipped, and
 * the temporary account and applications are gone afterwards.
 */
class TierCheckTest {
    private static final String GRANITE_URL = "http://granite-predictor.models.svc.cluster.local:8080";

    private ModelStagesFixture fx;
    private ModelStandIn granite;
    private ApicastGateway gateway;

    @AfterEach
    void tearDown() {
        if (gateway != null) {
            gateway.close();
        }
        if (granite != null) {
            granite.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void theFreeKeyGets429AfterItsLimitPremiumIsNotLimitedAndALargeLimitIsSkipped() throws Exception {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        granite = ModelStandIn.start("granite", ModelStandIn.Kind.GENERATE);
        gateway = ApicastGateway.start(fx.sim.store(), ApicastGateway.Environment.PRODUCTION,
                (scheme, host, port) -> host.equals("granite-predictor.models.svc.cluster.local")
                        ? Optional.of(granite.url()) : Optional.empty(),
                () -> Set.of("remove-bearer@0.1.0", "llm-token-usage@0.1.0"), Duration.ZERO);
        InstallerConfig c = fx.config(List.of(new ModelConfig("Granite", "granite", GRANITE_URL, null, null)), 2,
                false);
        InstallerConfig config = new InstallerConfig(c.cluster(), new EndpointsConfig(null, fx.sim.url(), null, null,
                gateway.url()), c.sso(), c.threescale(), c.models(), c.products(), new PlansConfig(null, false,
                List.of(new TierConfig("Free", false, null, List.of(new LimitConfig("requests", "minute", 10L),
                                new LimitConfig("total_tokens", "day", 1000L))),
                        new TierConfig("Premium", false, null, List.of(new LimitConfig("total_tokens", "day",
                                100_000L))),
                        new TierConfig("Team", false, null, List.of(new LimitConfig("requests", "hour", 5000L))))),
                c.portal());
        StageContext ctx = fx.ctx(config);
        new BackendsStage().apply(ctx, Progress.NONE);
        new ProductsStage().apply(ctx, Progress.NONE);
        new PlansStage().apply(ctx, Progress.NONE);
        int accounts = fx.sim.store().snapshot("accounts").size();
        int applications = fx.sim.store().snapshot("applications").size();

        List<String> progress = new ArrayList<>();
        EndToEndReport report = EndToEnd.run(fx.ctx(config), EndToEnd.Options.all().withSignIn(false),
                progress::add);

        EndToEndReport.ModelResult m = report.models().get(0);
        assertThat(m.status()).as(report.toText(SecretRegistry.global())).isEqualTo(Status.PASS);
        assertThat(check(m, "application").message()).isEqualTo("a key on plan 'Free'");
        Check free = check(m, "tier Free");
        assertThat(free.status()).isEqualTo(Status.PASS);
        assertThat(free.httpStatus()).isEqualTo(429);
        assertThat(free.message()).isEqualTo("Free: 429 after 10 requests (limit 10/minute)");
        assertThat(check(m, "tier Premium").message()).isEqualTo("Premium: not limited (11 requests answered)");
        Check team = check(m, "tier Team");
        assertThat(team.status()).isEqualTo(Status.SKIPPED);
        assertThat(team.message()).isEqualTo("Team: limit 5000/hour not exercised (over 50 requests; the test stays"
                + " short)");
        assertThat(report.toText(SecretRegistry.global())).contains("[PASS] tier Free HTTP 429",
                "Free: 429 after 10 requests (limit 10/minute)");
        JsonNode json = new ObjectMapper().readTree(report.toJson(SecretRegistry.global()));
        assertThat(json.path("models").get(0).path("checks").findValuesAsText("message"))
                .contains("Premium: not limited (11 requests answered)");
        // everything the test made is gone
        assertThat(fx.sim.store().snapshot("accounts")).hasSize(accounts);
        assertThat(fx.sim.store().snapshot("applications")).hasSize(applications);
    }

    private static Check check(EndToEndReport.ModelResult m, String name) {
        return m.checks().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + name + " in " + m.checks()));
    }
}
