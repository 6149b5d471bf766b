package dev.maas.installer.stages.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.engine.config.InstallerConfig.PlansConfig;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;
import dev.maas.installer.sandbox.apicast.ApicastGateway;
import dev.maas.installer.sandbox.apicast.ModelStandIn;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.stages.ModelStagesFixture;
import dev.maas.installer.stages.backends.BackendsStage;
import dev.maas.installer.stages.plans.PlansStage;
import dev.maas.installer.stages.products.ProductsStage;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Application;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The usage report after traffic through the sandbox's gateway: the requests and the tokens the llm-token-usage
 * policy reported, per model and per application, read through 3scale's Analytics API as the simulator serves it.
 */
class UsageReportTest {
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
    void theTokensOfTheTrafficAreReportedPerModelAndApplication() throws Exception {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        granite = ModelStandIn.start("granite", ModelStandIn.Kind.GENERATE);
        gateway = ApicastGateway.start(fx.sim.store(), ApicastGateway.Environment.PRODUCTION,
                (scheme, host, port) -> host.equals("granite-predictor.models.svc.cluster.local")
                        ? Optional.of(granite.url()) : Optional.empty(),
                () -> Set.of("remove-bearer@0.1.0", "llm-token-usage@0.1.0"), Duration.ZERO);
        InstallerConfig c = fx.config(List.of(new ModelConfig("Granite", "granite", GRANITE_URL, null, null)), 2,
                false);
        InstallerConfig config = new InstallerConfig(c.cluster(), c.endpoints(), c.sso(), c.threescale(), c.models(),
                c.products(), new PlansConfig(null, false, List.of(new TierConfig("Free", false, null,
                List.of(new LimitConfig("total_tokens", "day", 1000L))))), c.portal());
        StageContext ctx = fx.ctx(config);
        new BackendsStage().apply(ctx, Progress.NONE);
        new ProductsStage().apply(ctx, Progress.NONE);
        new PlansStage().apply(ctx, Progress.NONE);
        ThreescaleClient api = ThreescaleClient.builder(fx.sim.url(), fx.sim.accessToken()).build();
        long sid = api.services().findBySystemName("granite").orElseThrow().id();
        long account = fx.sim.store().addDeveloperAccount("Usage Org").get("id").asLong();
        Application app = api.tenant().createApplication(account, api.product(sid).findApplicationPlan("Free")
                .orElseThrow().id(), "usage app", "test");
        String host = URI.create(api.product(sid).proxy().endpoint()).getHost();
        Instant before = Instant.now().minusSeconds(60);

        OkHttpClient http = new OkHttpClient();
        String chat = "{\"model\":\"granite\",\"messages\":[{\"role\":\"user\",\"content\":\"one two three four\"}]}";
        for (int i = 0; i < 3; i++) {
            try (Response r = http.newCall(new Request.Builder().url(gateway.url() + "/v1/chat/completions")
                    .header("Host", host).header("Authorization", "Bearer " + app.userKey())
                    .post(RequestBody.create(chat, MediaType.parse("application/json"))).build()).execute()) {
                assertThat(r.code()).isEqualTo(200);
            }
        }

        UsageReport report = UsageReport.read(fx.ctx(config), List.of(), before, Instant.now().plusSeconds(60));
        UsageReport.ModelUsage m = report.models().get(0);
        assertThat(m.systemName()).isEqualTo("granite");
        // 4 prompt words and the 7 words of the stand-in's answer, three times
        assertThat(m.counts()).isEqualTo(new UsageReport.Counts(3, 12L, 21L, 33L));
        assertThat(m.applications()).singleElement().satisfies(a -> {
            assertThat(a.name()).isEqualTo("usage app");
            assertThat(a.plan()).isEqualTo("Free");
            assertThat(a.account()).isEqualTo("Usage Org");
            assertThat(a.counts()).isEqualTo(new UsageReport.Counts(3, 12L, 21L, 33L));
        });
        assertThat(report.toText()).contains("granite", "usage app (" + app.id() + ")", "33");
        JsonNode json = new ObjectMapper().readTree(report.toJson());
        assertThat(json.path("models").get(0).path("totalTokens").asLong()).isEqualTo(33);
        assertThat(json.path("models").get(0).path("applications").get(0).path("plan").asText()).isEqualTo("Free");
        assertThat(report.toJson()).doesNotContain(app.userKey());

        // porta's answer, as the Analytics API documents it
        String url = fx.sim.url() + "/stats/applications/" + app.id() + "/usage.json?metric_name=total_tokens"
                + "&period=day&access_token=" + fx.sim.accessToken();
        try (Response r = http.newCall(new Request.Builder().url(url).build()).execute()) {
            JsonNode body = new ObjectMapper().readTree(r.body().string());
            assertThat(r.code()).isEqualTo(200);
            assertThat(body.path("metric").path("system_name").asText()).isEqualTo("total_tokens");
            assertThat(body.path("period").path("granularity").asText()).isEqualTo("hour");
            assertThat(body.path("total").asLong()).isEqualTo(33);
            assertThat(body.path("values").size()).isBetween(24, 25);
            assertThat(body.path("application").path("plan").path("name").asText()).isEqualTo("Free");
        }
        try (Response r = http.newCall(new Request.Builder().url(fx.sim.url() + "/stats/services/" + sid
                + "/usage.json?period=day&access_token=" + fx.sim.accessToken()).build()).execute()) {
            assertThat(r.code()).as("metric_name is required").isEqualTo(400);
        }

        assertThatThrownBy(() -> UsageReport.read(fx.ctx(config), List.of("nope"), before, Instant.now()))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.invalidInput()).isTrue())
                .hasMessageContaining("--model");
    }

    @Test
    void aProductWithoutTokenMetricsReportsItsRequestsAndNoTokens() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        InstallerConfig config = fx.config(List.of(new ModelConfig("Granite", "granite", GRANITE_URL, null, null)), 2,
                false); // the runbook's plan: no tier limits tokens, so the products carry no token metrics
        StageContext ctx = fx.ctx(config);
        new BackendsStage().apply(ctx, Progress.NONE);
        new ProductsStage().apply(ctx, Progress.NONE);
        new PlansStage().apply(ctx, Progress.NONE);

        UsageReport report = UsageReport.read(fx.ctx(config), List.of(), Instant.now().minusSeconds(3600),
                Instant.now().plusSeconds(60));
        assertThat(report.models()).singleElement().satisfies(m -> {
            assertThat(m.systemName()).isEqualTo("granite");
            // porta answers 400 "metric total_tokens not found" for such a product: no tokens, not a failure
            assertThat(m.counts()).isEqualTo(new UsageReport.Counts(0, null, null, null));
        });
    }
}
