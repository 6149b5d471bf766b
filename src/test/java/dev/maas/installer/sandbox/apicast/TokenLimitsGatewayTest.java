package dev.maas.installer.sandbox.apicast;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.engine.config.InstallerConfig.PlansConfig;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sandbox's APIcast with the llm-token-usage policy and the 3scale backend's limits: a Free application (10
 * requests per minute, 1,000 total tokens per day) is refused with the product's "limits exceeded" answer (porta's
 * defaults: 429, "Usage limit exceeded") once a limit is reached, a Premium one is not, and the counters start
 * again with the next period (a test clock, no waiting).
 */
class TokenLimitsGatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GRANITE_URL = "http://granite-predictor.models.svc.cluster.local:8080";
    private static final Set<String> INSTALLED = Set.of("remove-bearer@0.1.0", "llm-token-usage@0.1.0");
    /** A Monday, 10:00:30 UTC. */
    private static final Instant START = Instant.parse("2026-01-05T10:00:30Z");

    private final AtomicReference<Instant> now = new AtomicReference<>(START);
    private ModelStagesFixture fx;
    private ModelStandIn granite;
    private ApicastGateway gateway;
    private final OkHttpClient http = new OkHttpClient.Builder().followRedirects(false).build();
    private String host;
    private long serviceId;
    private Application free;
    private Application premium;

    @BeforeEach
    void setUp() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        InstallerConfig c = fx.config(List.of(new ModelConfig("Granite", "granite", GRANITE_URL, null, null)), 2,
                false);
        InstallerConfig config = new InstallerConfig(c.cluster(), c.endpoints(), c.sso(), c.threescale(), c.models(),
                c.products(), new PlansConfig(null, false, List.of(
                new TierConfig("Free", false, null, List.of(new LimitConfig("requests", "minute", 10L),
                        new LimitConfig("total_tokens", "day", 1000L))),
                new TierConfig("Premium", false, null, List.of(new LimitConfig("total_tokens", "day", 100_000L))))),
                c.portal());
        StageContext ctx = fx.ctx(config);
        new BackendsStage().apply(ctx, Progress.NONE);
        new ProductsStage().apply(ctx, Progress.NONE);
        new PlansStage().apply(ctx, Progress.NONE);
        fx.sim.store().useBackendClock(new Clock() {
            @Override public ZoneId getZone() { return ZoneOffset.UTC; }

            @Override public Clock withZone(ZoneId zone) { return this; }

            @Override public Instant instant() { return now.get(); }
        });
        ThreescaleClient api = ThreescaleClient.builder(fx.sim.url(), fx.sim.accessToken()).build();
        serviceId = api.services().findBySystemName("granite").orElseThrow().id();
        long account = fx.sim.store().addDeveloperAccount("Tier Tester").get("id").asLong();
        free = api.tenant().createApplication(account, api.product(serviceId).findApplicationPlan("Free")
                .orElseThrow().id(), "free app", "test");
        premium = api.tenant().createApplication(account, api.product(serviceId).findApplicationPlan("Premium")
                .orElseThrow().id(), "premium app", "test");
        granite = ModelStandIn.start("granite", ModelStandIn.Kind.GENERATE);
        gateway = ApicastGateway.start(fx.sim.store(), ApicastGateway.Environment.PRODUCTION, this::resolve,
                () -> INSTALLED, Duration.ZERO);
        host = URI.create(api.product(serviceId).proxy().endpoint()).getHost();
    }

    private Optional<String> resolve(String scheme, String h, int port) {
        return h.equals("granite-predictor.models.svc.cluster.local") ? Optional.of(granite.url()) : Optional.empty();
    }

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

    private record Reply(int code, String body, String retryAfter) { }

    private Reply call(String key, String method, String path, String body) throws IOException {
        Request.Builder b = new Request.Builder().url(gateway.url() + path).header("Host", host)
                .header("Authorization", "Bearer " + key).header("Accept-Encoding", "gzip");
        b.method(method, body == null ? null : RequestBody.create(body, MediaType.parse("application/json")));
        try (Response r = http.newCall(b.build()).execute()) {
            return new Reply(r.code(), r.body() == null ? "" : r.body().string(), r.header("Retry-After"));
        }
    }

    private Reply models(Application app) throws IOException {
        return call(app.userKey(), "GET", "/v1/models", null);
    }

    private long counted(Application app, String metric) {
        return fx.sim.store().counted(serviceId, app.id(), metric, START.minus(Duration.ofDays(1)),
                now.get().plus(Duration.ofDays(1)));
    }

    @Test
    void theFreeKeyIsRefusedOnItsEleventhRequestOfAMinuteThePremiumKeyIsNotAndTheNextMinuteStartsAgain()
            throws IOException {
        for (int i = 1; i <= 10; i++) {
            assertThat(models(free).code()).as("request " + i).isEqualTo(200);
        }
        Reply refused = models(free);
        assertThat(refused.code()).isEqualTo(429);
        // porta's default error_limits_exceeded (db/migrate/20190617100508_add_limit_exceeded_error_to_proxies.rb)
        assertThat(refused.body()).isEqualTo("Usage limit exceeded");
        assertThat(refused.retryAfter()).isEqualTo("30"); // the minute ends at 10:01:00
        assertThat(granite.requests()).as("the refused request never reaches the model").hasSize(10);
        assertThat(counted(free, "hits")).as("a refused request is not counted").isEqualTo(10);
        for (int i = 1; i <= 15; i++) {
            assertThat(models(premium).code()).as("premium request " + i).isEqualTo(200);
        }

        now.set(START.plusSeconds(30)); // 10:01:00, a new minute
        assertThat(models(free).code()).isEqualTo(200);
    }

    @Test
    void theFreeKeyIsRefusedOnceItsTokensOfTheDayPass1000UntilTheNextDay() throws IOException {
        String prompt = "word ".repeat(300).strip();
        String chat = "{\"model\":\"granite\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
        int sent = 0;
        Reply last;
        do {
            now.set(START.plus(Duration.ofMinutes(sent))); // one a minute: the request limit stays out of the way
            last = call(free.userKey(), "POST", "/v1/chat/completions", chat);
            sent++;
            assertThat(sent).as("refused before 10 requests").isLessThan(10);
        } while (last.code() == 200);
        assertThat(last.code()).isEqualTo(429);
        assertThat(last.body()).isEqualTo("Usage limit exceeded");
        long total = counted(free, "total_tokens");
        assertThat(total).as("the tokens the model answered with, counted by the policy").isGreaterThanOrEqualTo(1000);
        assertThat(counted(free, "prompt_tokens") + counted(free, "completion_tokens")).isEqualTo(total);
        // each answered request: 300 prompt words + 7 completion words
        assertThat(total).isEqualTo((sent - 1) * 307L);
        assertThat(granite.requests()).allSatisfy(r -> assertThat(r.header("Accept-Encoding"))
                .as("the policy removes Accept-Encoding").isNull());

        for (int i = 0; i < 5; i++) {
            now.set(START.plus(Duration.ofMinutes(20 + i)));
            assertThat(call(premium.userKey(), "POST", "/v1/chat/completions", chat).code()).isEqualTo(200);
        }

        now.set(Instant.parse("2026-01-06T00:00:05Z")); // the next day
        assertThat(call(free.userKey(), "POST", "/v1/chat/completions", chat).code()).isEqualTo(200);
    }

    @Test
    void aStreamedAnswerIsCountedFromTheUsageTheGatewayAskedFor() throws IOException {
        String chat = "{\"model\":\"granite\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"one two three\"}]}";
        Reply r = call(free.userKey(), "POST", "/v1/chat/completions", chat);
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.body()).contains("\"usage\"", "data: [DONE]");
        ModelStandIn.Received got = granite.requests().get(0);
        assertThat(JSON.readTree(got.body()).path("stream_options").path("include_usage").asBoolean())
                .as("the policy asks for the stream's usage").isTrue();
        assertThat(counted(free, "prompt_tokens")).isEqualTo(3);
        assertThat(counted(free, "completion_tokens")).isEqualTo(7);
        assertThat(counted(free, "total_tokens")).isEqualTo(10);
        assertThat(counted(free, "hits")).isEqualTo(1);
    }
}
