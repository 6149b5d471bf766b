package dev.maas.installer.sandbox.apicast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.stages.ModelStagesFixture;
import dev.maas.installer.stages.backends.BackendsStage;
import dev.maas.installer.stages.plans.PlansStage;
import dev.maas.installer.stages.products.ProductsStage;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.Product;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Application;
import dev.maas.installer.threescale.model.Service;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sandbox's APIcast against products the model stages made in the 3scale simulator: each answer is the one
 * APIcast gives for the promoted configuration (see {@link ApicastGateway} for the sources).
 */
@StartsSandbox
class ApicastGatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GRANITE_URL = "http://granite-predictor.models.svc.cluster.local:8080";
    private static final String NOMIC_URL = "http://nomic-predictor.models.svc.cluster.local:8080";
    private static final Set<String> REMOVE_BEARER = Set.of("remove-bearer@0.1.0");

    private static ModelStagesFixture fx;
    private static InstallerConfig config;
    private static ThreescaleClient api;
    private static final Map<String, ModelStandIn> standIns = new ConcurrentHashMap<>();
    private static ApicastGateway production;
    private static OkHttpClient http;
    private static long graniteId;
    private static long nomicId;
    private static String graniteKey;
    private static String nomicKey;

    @BeforeAll
    static void setUp() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        List<ModelConfig> models = List.of(new ModelConfig("Granite", "granite", GRANITE_URL, null, null),
                new ModelConfig("Nomic Embed", "nomic", NOMIC_URL, ModelStagesFixture.DEFINITIONS
                        .resolve("nomic-embed-text-v1.5.json").toAbsolutePath().toString(), null));
        config = fx.config(models, 2, false);
        applyModelStages();
        api = ThreescaleClient.builder(fx.sim.url(), fx.sim.accessToken()).build();
        graniteId = serviceId("granite");
        nomicId = serviceId("nomic");
        long account = fx.sim.store().addDeveloperAccount("Gateway Tester").get("id").asLong();
        graniteKey = application(account, graniteId).userKey();
        nomicKey = application(account, nomicId).userKey();
        production = gateway(REMOVE_BEARER, Duration.ZERO);
        http = new OkHttpClient.Builder().followRedirects(false).build();
    }

    private static void applyModelStages() {
        StageContext ctx = fx.ctx(config);
        new BackendsStage().apply(ctx, Progress.NONE);
        new ProductsStage().apply(ctx, Progress.NONE);
        new PlansStage().apply(ctx, Progress.NONE);
    }

    private static ApicastGateway gateway(Set<String> installed, Duration cache) {
        return ApicastGateway.start(fx.sim.store(), ApicastGateway.Environment.PRODUCTION,
                ApicastGatewayTest::resolve, () -> installed, cache);
    }

    /** The test's cluster network: the two model URLs, each with its stand-in. */
    private static Optional<String> resolve(String scheme, String host, int port) {
        for (String url : List.of(GRANITE_URL, NOMIC_URL)) {
            URI u = URI.create(url);
            if (u.getHost().equals(host) && u.getPort() == port) {
                return Optional.of(standIns.computeIfAbsent(url, k -> ModelStandIn.start(
                        host.substring(0, host.indexOf('-')), url == NOMIC_URL ? ModelStandIn.Kind.EMBED
                                : ModelStandIn.Kind.GENERATE,
                        () -> ModelDocuments.operations(fx.sim.store(), List.of(url)))).url());
            }
        }
        return Optional.empty();
    }

    private static long serviceId(String systemName) {
        return api.services().list().stream().filter(s -> systemName.equals(s.systemName())).findFirst()
                .map(Service::id).orElseThrow();
    }

    private static Application application(long account, long serviceId) {
        long plan = api.product(serviceId).findApplicationPlan("Standard").orElseThrow().id();
        return api.tenant().createApplication(account, plan, "gateway test " + serviceId, "test");
    }

    private static String productionHost(long serviceId) {
        return URI.create(api.product(serviceId).proxy().endpoint()).getHost();
    }

    @AfterAll
    static void tearDown() {
        if (production != null) {
            production.close();
        }
        standIns.values().forEach(ModelStandIn::close);
        if (fx != null) {
            fx.close();
        }
    }

    private record Reply(int code, String contentType, String body, okhttp3.Headers headers) { }

    private static Reply call(ApicastGateway gw, String method, String host, String path, Map<String, String> headers,
                              String body) throws IOException {
        Request.Builder b = new Request.Builder().url(gw.url() + path).header("Host", host);
        headers.forEach(b::header);
        b.method(method, body == null ? null : RequestBody.create(body, MediaType.parse("application/json")));
        try (Response r = http.newCall(b.build()).execute()) {
            return new Reply(r.code(), r.header("Content-Type"), r.body() == null ? "" : r.body().string(),
                    r.headers());
        }
    }

    private static Reply get(String host, String path, Map<String, String> headers) throws IOException {
        return call(production, "GET", host, path, headers, null);
    }

    private static Map<String, String> bearer(String key) {
        return Map.of("Authorization", "Bearer " + key);
    }

    @Test
    void aValidKeyAsABearerTokenReachesTheModelWithTheBareKey() throws IOException {
        Reply r = get(productionHost(graniteId), "/v1/models", bearer(graniteKey));
        assertThat(r.code()).as(r.body()).isEqualTo(200);
        JsonNode list = JSON.readTree(r.body());
        assertThat(list.path("data").get(0).path("id").asText()).isEqualTo("granite");

        ModelStandIn.Received got = standIns.get(GRANITE_URL).requests().get(standIns.get(GRANITE_URL).requests()
                .size() - 1);
        assertThat(got.uri()).isEqualTo("/v1/models");
        assertThat(got.header("Authorization")).as("remove-bearer strips the scheme").isEqualTo(graniteKey);
        assertThat(got.header("Host")).isEqualTo("granite-predictor.models.svc.cluster.local:8080");
        assertThat(got.header("X-3scale-proxy-secret-token")).startsWith("Shared_secret_sent_from_proxy_to_API_");
    }

    @Test
    void aWrongKeyIsRefusedWithTheProxysAuthFailedAnswer() throws IOException {
        Reply r = get(productionHost(graniteId), "/v1/models", bearer("0123456789abcdef0123456789abcdef"));
        assertThat(r.code()).isEqualTo(403);
        assertThat(r.body()).isEqualTo("Authentication failed");
        assertThat(r.contentType()).isEqualTo("text/plain; charset=us-ascii");
        // another product's key is as wrong as any other
        Reply other = get(productionHost(graniteId), "/v1/models", bearer(nomicKey));
        assertThat(other.code()).isEqualTo(403);
    }

    @Test
    void aPathWithoutAMappingRuleAnswersNoMatchEvenWithAValidKey() throws IOException {
        Reply r = get(productionHost(graniteId), "/v2/nothing-here", bearer(graniteKey));
        assertThat(r.code()).isEqualTo(404);
        assertThat(r.body()).isEqualTo("No Mapping Rule matched");
        // the embedding model's document has no /v1/models: its product has no rule for it
        Reply nomic = get(productionHost(nomicId), "/v1/models", bearer(nomicKey));
        assertThat(nomic.code()).isEqualTo(404);
        assertThat(nomic.body()).isEqualTo("No Mapping Rule matched");
    }

    @Test
    void noKeyAnswersAuthenticationParametersMissing() throws IOException {
        Reply r = get(productionHost(graniteId), "/v1/models", Map.of());
        assertThat(r.code()).isEqualTo(403); // porta's default error_status_auth_missing
        assertThat(r.body()).isEqualTo("Authentication parameters missing");
    }

    @Test
    void anUnknownHostAnswers404WithAnEmptyBody() throws IOException {
        Reply r = get("nothing.apps.example.com", "/v1/models", bearer(graniteKey));
        assertThat(r.code()).isEqualTo(404);
        assertThat(r.body()).isEmpty();
    }

    @Test
    void theEmbeddingModelAnswersAnEmbeddingWithUsage() throws IOException {
        Reply r = call(production, "POST", productionHost(nomicId), "/v1/embeddings", bearer(nomicKey),
                "{\"model\":\"nomic\",\"input\":\"hello world\"}");
        assertThat(r.code()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("data").get(0).path("embedding").size()).isEqualTo(8);
        assertThat(body.path("usage").path("prompt_tokens").asInt()).isEqualTo(2);
    }

    @Test
    void aOneTokenChatAnswersOneWordWithUsage() throws IOException {
        Reply r = call(production, "POST", productionHost(graniteId), "/v1/chat/completions", bearer(graniteKey),
                "{\"model\":\"granite\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(r.code()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("choices").get(0).path("message").path("content").asText()).isEqualTo("Hello");
        assertThat(body.path("usage").path("completion_tokens").asInt()).isEqualTo(1);
        assertThat(body.path("choices").get(0).path("finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void withoutTheRemoveBearerPolicyInstalledABearerTokenIsNotAKey() throws IOException {
        try (ApicastGateway bare = gateway(Set.of(), Duration.ZERO)) {
            Reply bearer = call(bare, "GET", productionHost(graniteId), "/v1/models", bearer(graniteKey), null);
            assertThat(bearer.code()).isEqualTo(403);
            assertThat(bearer.body()).isEqualTo("Authentication failed");
            Reply raw = call(bare, "GET", productionHost(graniteId), "/v1/models",
                    Map.of("Authorization", graniteKey), null);
            assertThat(raw.code()).isEqualTo(200);
        }
    }

    @Test
    void theCorsPolicyAnswersPreflightsAndAddsItsHeadersToEveryAnswer() throws IOException {
        Reply preflight = call(production, "OPTIONS", productionHost(graniteId), "/v1/models",
                Map.of("Origin", "https://portal.example.com", "Access-Control-Request-Method", "GET"), null);
        assertThat(preflight.code()).isEqualTo(204);
        assertThat(preflight.headers().values("Access-Control-Allow-Headers"))
                .containsExactly("Authorization", "Content-type", "Accept");
        assertThat(preflight.headers().get("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(preflight.headers().get("Access-Control-Allow-Methods")).isEqualTo("GET");
        assertThat(preflight.headers().get("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(preflight.headers().get("Access-Control-Max-Age")).isEqualTo("600");

        Reply refused = get(productionHost(graniteId), "/v1/models",
                Map.of("Origin", "https://portal.example.com", "Authorization", "Bearer wrong"));
        assertThat(refused.code()).isEqualTo(403);
        assertThat(refused.headers().get("Access-Control-Allow-Origin")).isEqualTo("*");
        Reply noOrigin = get(productionHost(graniteId), "/v1/models", bearer(graniteKey));
        assertThat(noOrigin.headers().get("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void aPromotedConfigurationWithTheKeyInAnotherHeaderIsEnforcedUntilTheProductsStageRunsAgain()
            throws IOException {
        Product product = api.product(graniteId);
        try (ApicastGateway cached = gateway(REMOVE_BEARER, Duration.ofHours(1))) {
            product.updateProxy(Map.of("auth_user_key", "X-Api-Key"));
            int staging = product.deploy().orElseThrow().version();
            product.promote(Product.STAGING, staging, Product.PRODUCTION);

            Reply r = get(productionHost(graniteId), "/v1/models", bearer(graniteKey));
            assertThat(r.code()).isEqualTo(403);
            assertThat(r.body()).isEqualTo("Authentication parameters missing");
            Reply header = get(productionHost(graniteId), "/v1/models", Map.of("X-Api-Key", graniteKey));
            assertThat(header.code()).isEqualTo(200);
            // a production APIcast that loaded its configuration before the promotion still has the old one
            Reply old = call(cached, "GET", productionHost(graniteId), "/v1/models", bearer(graniteKey), null);
            assertThat(old.code()).isEqualTo(200);
        } finally {
            applyModelStages();
        }
        assertThat(get(productionHost(graniteId), "/v1/models", bearer(graniteKey)).code()).isEqualTo(200);
    }

    @Test
    void anUpstreamNothingAnswersForIs503() throws IOException {
        ApicastGateway.Upstreams none = (s, h, p) -> Optional.empty();
        try (ApicastGateway gw = ApicastGateway.start(fx.sim.store(), ApicastGateway.Environment.PRODUCTION, none,
                () -> REMOVE_BEARER, Duration.ZERO)) {
            Reply r = call(gw, "GET", productionHost(graniteId), "/v1/models", bearer(graniteKey), null);
            assertThat(r.code()).isEqualTo(503);
        }
    }

    @Test
    void mappingRulesMatchAsApicastsRegexpifiedPatterns() {
        MappingRule exact = rule("GET", "/v1/models/{model}$");
        assertThat(exact.matches("GET", "/v1/models/granite-3.1", Map.of())).isTrue();
        assertThat(exact.matches("GET", "/v1/models/granite/x", Map.of())).isFalse();
        assertThat(exact.matches("POST", "/v1/models/granite", Map.of())).isFalse();
        MappingRule prefix = rule("GET", "/v1/models");
        assertThat(prefix.matches("GET", "/v1/models/anything", Map.of())).isTrue();
        assertThat(prefix.matches("GET", "/v1/modelsXYZ", Map.of())).isTrue();
        assertThat(prefix.matches("GET", "/x/v1/models", Map.of())).isFalse();
        MappingRule dot = rule("GET", "/a.b");
        assertThat(dot.matches("GET", "/axb", Map.of())).isFalse();
        MappingRule query = rule("GET", "/search?q={term}&lang=en");
        assertThat(query.matches("GET", "/search", Map.of("q", List.of("x"), "lang", List.of("en")))).isTrue();
        assertThat(query.matches("GET", "/search", Map.of("q", List.of("x"), "lang", List.of("de")))).isFalse();
        assertThat(query.matches("GET", "/search", Map.of("lang", List.of("en")))).isFalse();
    }

    private static MappingRule rule(String method, String pattern) {
        com.fasterxml.jackson.databind.node.ObjectNode r = JSON.createObjectNode().put("http_method", method)
                .put("pattern", pattern).put("metric_system_name", "hits").put("delta", 1);
        com.fasterxml.jackson.databind.node.ObjectNode q = r.putObject("querystring_parameters");
        if (pattern.contains("?")) {
            for (String kv : pattern.substring(pattern.indexOf('?') + 1).split("&")) {
                q.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
        }
        return MappingRule.from(r);
    }
}
