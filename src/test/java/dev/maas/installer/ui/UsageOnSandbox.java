package dev.maas.installer.ui;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
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
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Application;
import io.fabric8.kubernetes.client.KubernetesClient;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Usage to read: the sandbox's 3scale simulator and API server with two models applied by the backends, products and
 * plans stages (a Free tier that limits tokens, so the token usage policy meters them), Granite's stand-in behind the
 * sandbox's production gateway, and a developer's application on Granite's Free plan that calls it. Llama gets no
 * traffic. For the usage panel's FX test and its screenshot.
 */
public final class UsageOnSandbox implements AutoCloseable {
    static final String GRANITE_URL = "http://granite-predictor.models.svc.cluster.local:8080";
    static final String CHAT = "{\"model\":\"granite\",\"messages\":[{\"role\":\"user\",\"content\":"
            + "\"one two three four\"}]}";

    final ModelStagesFixture fx;
    final InstallerConfig config;
    private final ModelStandIn granite;
    private final ApicastGateway gateway;
    private final String host;
    private final Application app;

    public UsageOnSandbox() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        ModelStandIn stand = null;
        ApicastGateway gw = null;
        try {
            stand = ModelStandIn.start("granite", ModelStandIn.Kind.GENERATE);
            ModelStandIn g = stand;
            gw = ApicastGateway.start(fx.sim.store(), ApicastGateway.Environment.PRODUCTION,
                    (scheme, h, port) -> h.equals("granite-predictor.models.svc.cluster.local")
                            ? Optional.of(g.url()) : Optional.empty(),
                    () -> Set.of("remove-bearer@0.1.0", "llm-token-usage@0.1.0"), Duration.ZERO);
            InstallerConfig c = fx.config(List.of(new ModelConfig("Granite", "granite", GRANITE_URL, null, null),
                    new ModelConfig("Llama", "llama", "http://llama-predictor.models.svc.cluster.local:8080", null,
                            null)), 2, false);
            config = new InstallerConfig(c.cluster(), c.endpoints(), c.sso(), c.threescale(), c.models(),
                    c.products(), new PlansConfig(null, false, List.of(new TierConfig("Free", false, null,
                    List.of(new LimitConfig("requests", "minute", 10L), new LimitConfig("total_tokens", "day",
                            1000L))))), c.portal());
            new BackendsStage().apply(fx.ctx(config), Progress.NONE);
            new ProductsStage().apply(fx.ctx(config), Progress.NONE);
            new PlansStage().apply(fx.ctx(config), Progress.NONE);
            ThreescaleClient api = ThreescaleClient.builder(fx.sim.url(), fx.sim.accessToken()).build();
            long sid = api.services().findBySystemName("granite").orElseThrow().id();
            long account = fx.sim.store().addDeveloperAccount("Usage Org").get("id").asLong();
            app = api.tenant().createApplication(account, api.product(sid).findApplicationPlan("Free")
                    .orElseThrow().id(), "usage app", "calls Granite");
            host = URI.create(api.product(sid).proxy().endpoint()).getHost();
        } catch (RuntimeException e) {
            close(gw, stand, fx);
            throw e;
        }
        granite = stand;
        gateway = gw;
    }

    /** Calls Granite's chat completions {@code n} times with the application's key; each must answer 200. */
    public void chat(int n) throws IOException {
        OkHttpClient http = new OkHttpClient();
        for (int i = 0; i < n; i++) {
            try (Response r = http.newCall(new Request.Builder().url(gateway.url() + "/v1/chat/completions")
                    .header("Host", host).header("Authorization", "Bearer " + app.userKey())
                    .post(RequestBody.create(CHAT, MediaType.parse("application/json"))).build()).execute()) {
                if (r.code() != 200) {
                    throw new IllegalStateException("the gateway answered " + r.code());
                }
            }
        }
    }

    /** Stage contexts as the wizard's runs get them: this configuration, the sandbox's API server. */
    public Function<Cancellation, StageContext> contexts() {
        return c -> new StageContext(config, SecretRegistry.global(), c)
                .provide(KubernetesClient.class, () -> fx.cluster.newClient());
    }

    @Override
    public void close() {
        close(gateway, granite, fx);
    }

    private static void close(AutoCloseable... all) {
        for (AutoCloseable a : all) {
            if (a != null) {
                try {
                    a.close();
                } catch (Exception e) {
                    // closing the rest anyway
                }
            }
        }
    }
}
