package dev.maas.installer.sandbox.threescale;

import dev.maas.installer.testing.StartsSandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulator's products, backends, proxy, APIcast configurations, policy chain and deletes on the wire, as porta
 * 2.15 behaves (the porta file behind each rule is cited in the simulator's parts, e.g. ProductsApi).
 */
@StartsSandbox
class PortaProductsBehaviourTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration NEVER = Duration.ofHours(1);
    private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
    private ThreescaleSimulator sim;

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    private void start(AsyncDelays delays) {
        sim = ThreescaleSimulator.start(SimulatorOptions.defaults().withDelays(delays));
    }

    private record Answer(int status, String text, JsonNode json) {
    }

    private Answer call(String method, String path, String... kv) throws IOException {
        Request.Builder b;
        if (method.equals("GET") || method.equals("DELETE")) {
            HttpUrl.Builder url = HttpUrl.get(sim.url() + path).newBuilder().addQueryParameter("access_token",
                    sim.accessToken());
            for (int i = 0; i < kv.length; i += 2) {
                url.addQueryParameter(kv[i], kv[i + 1]);
            }
            b = new Request.Builder().url(url.build()).method(method, null);
        } else {
            FormBody.Builder form = new FormBody.Builder().add("access_token", sim.accessToken());
            for (int i = 0; i < kv.length; i += 2) {
                form.add(kv[i], kv[i + 1]);
            }
            RequestBody body = form.build();
            b = new Request.Builder().url(sim.url() + path).method(method, body);
        }
        try (Response r = http.newCall(b.build()).execute()) {
            String text = r.body() == null ? "" : r.body().string();
            JsonNode json = null;
            if (String.valueOf(r.header("Content-Type")).startsWith("application/json") && !text.isEmpty()) {
                json = JSON.readTree(text);
            }
            return new Answer(r.code(), text, json);
        }
    }

    private long backend(String name, String systemName, String endpoint) throws IOException {
        Answer a = call("POST", "/admin/api/backend_apis.json", "name", name, "system_name", systemName,
                "private_endpoint", endpoint);
        assertThat(a.status()).as(a.text()).isEqualTo(201);
        return a.json().path("backend_api").path("id").asLong();
    }

    private long product(String name, String systemName) throws IOException {
        Answer a = call("POST", "/admin/api/services.json", "name", name, "system_name", systemName);
        assertThat(a.status()).as(a.text()).isEqualTo(201);
        return a.json().path("service").path("id").asLong();
    }

    private long methodUnderHits(long sid, String systemName) throws IOException {
        long hits = hits(sid);
        Answer a = call("POST", "/admin/api/services/" + sid + "/metrics/" + hits + "/methods.json",
                "friendly_name", systemName, "system_name", systemName);
        assertThat(a.status()).as(a.text()).isEqualTo(201);
        return a.json().path("method").path("id").asLong();
    }

    private long hits(long sid) throws IOException {
        for (JsonNode m : call("GET", "/admin/api/services/" + sid + "/metrics.json").json().path("metrics")) {
            if (m.path("metric").path("system_name").asText().equals("hits")) {
                return m.path("metric").path("id").asLong();
            }
        }
        throw new AssertionError("no hits");
    }

    // ------------------------------------------------------------------------------------------- proxy config

    @Test
    void theProxyConfigContentIsTheServiceWithItsProxyAsPortaSerialisesIt() throws IOException {
        start(AsyncDelays.none());
        long bid = backend("Granite", "granite", "http://granite.models.svc:8080");
        long sid = product("Granite", "granite");
        assertThat(call("POST", "/admin/api/services/" + sid + "/backend_usages.json", "backend_api_id",
                String.valueOf(bid), "path", "/").status()).isEqualTo(201);
        Answer put = call("PUT", "/admin/api/services/" + sid + "/proxy/policies.json", "policies_config",
                "[{\"name\":\"cors\",\"version\":\"builtin\",\"configuration\":{\"allow_origin\":\"*\"},\"enabled\":true},"
                        + "{\"name\":\"headers\",\"version\":\"builtin\",\"configuration\":{},\"enabled\":false},"
                        + "{\"name\":\"apicast\",\"version\":\"builtin\",\"configuration\":{},\"enabled\":true}]");
        assertThat(put.status()).as(put.text()).isEqualTo(200);
        long chat = methodUnderHits(sid, "chat");
        assertThat(call("POST", "/admin/api/services/" + sid + "/proxy/mapping_rules.json", "http_method", "POST",
                "pattern", "/v1/{model}/chat?stream={stream}", "delta", "2", "metric_id", String.valueOf(chat),
                "last", "true").status()).isEqualTo(201);
        Answer deploy = call("POST", "/admin/api/services/" + sid + "/proxy/deploy.json");
        assertThat(deploy.status()).isEqualTo(201);
        assertThat(deploy.json().has("proxy")).isTrue();

        JsonNode config = call("GET", "/admin/api/services/" + sid + "/proxy/configs/sandbox/latest.json").json()
                .path("proxy_config");
        assertThat(fieldNames(config)).containsExactly("id", "version", "environment", "content");
        JsonNode content = config.path("content");
        assertThat(content.has("backend_usages")).as("porta's content has no backend usages").isFalse();
        assertThat(content.path("id").asLong()).isEqualTo(sid);
        assertThat(content.path("system_name").asText()).isEqualTo("granite");
        assertThat(content.path("backend_version").asText()).isEqualTo("1");
        assertThat(content.path("proxiable?").asBoolean()).isTrue();
        assertThat(content.path("backend_authentication_type").asText()).isEqualTo("service_token");
        assertThat(content.path("backend_authentication_value").asText()).isNotBlank();
        assertThat(content.has("default_service_plan_id")).isTrue();
        JsonNode proxy = content.path("proxy");
        assertThat(proxy.has("policies_config")).isFalse();
        assertThat(proxy.path("api_backend").asText()).isEqualTo("http://granite.models.svc:8080");
        assertThat(proxy.path("hostname_rewrite_for_sandbox").asText()).isEqualTo("granite.models.svc");
        assertThat(proxy.path("endpoint_port").asInt()).isEqualTo(443);
        assertThat(proxy.path("hosts")).hasSize(2);
        assertThat(proxy.path("policy_chain").toString()).as("enabled policies only, without 'enabled'")
                .isEqualTo("[{\"name\":\"cors\",\"version\":\"builtin\",\"configuration\":{\"allow_origin\":\"*\"}},"
                        + "{\"name\":\"apicast\",\"version\":\"builtin\",\"configuration\":{}}]");
        JsonNode rules = proxy.path("proxy_rules");
        assertThat(rules).hasSize(2); // porta's default GET / on hits, and ours
        JsonNode rule = rules.get(1);
        assertThat(rule.path("metric_system_name").asText()).isEqualTo("chat");
        assertThat(rule.path("delta").asInt()).isEqualTo(2);
        assertThat(rule.path("last").asBoolean()).isTrue();
        assertThat(rule.path("owner_type").asText()).isEqualTo("Proxy");
        assertThat(rule.path("owner_id").asLong()).isEqualTo(proxy.path("id").asLong());
        assertThat(rule.path("parameters").toString()).isEqualTo("[\"model\"]");
        assertThat(rule.path("querystring_parameters").toString()).isEqualTo("{\"stream\":\"{stream}\"}");

        // a backend at a sub-path: api_backend null, the routing policy before apicast, the backend's rules prefixed
        long other = backend("Other", "other", "https://other.example.com");
        long otherHits = call("GET", "/admin/api/backend_apis/" + other + "/metrics.json").json().path("metrics")
                .get(0).path("metric").path("id").asLong();
        assertThat(call("POST", "/admin/api/backend_apis/" + other + "/mapping_rules.json", "http_method", "GET",
                "pattern", "/ping", "delta", "1", "metric_id", String.valueOf(otherHits)).status()).isEqualTo(201);
        assertThat(call("POST", "/admin/api/services/" + sid + "/backend_usages.json", "backend_api_id",
                String.valueOf(other), "path", "other/").status()).isEqualTo(201);
        call("POST", "/admin/api/services/" + sid + "/proxy/deploy.json");
        JsonNode v2 = call("GET", "/admin/api/services/" + sid + "/proxy/configs/sandbox/latest.json").json()
                .path("proxy_config");
        assertThat(v2.path("version").asInt()).isEqualTo(config.path("version").asInt() + 1);
        JsonNode p2 = v2.path("content").path("proxy");
        assertThat(p2.path("api_backend").isNull()).isTrue();
        assertThat(p2.path("policy_chain")).extracting(p -> p.path("name").asText())
                .containsExactly("cors", "routing", "apicast");
        JsonNode routing = p2.path("policy_chain").get(1).path("configuration").path("rules");
        assertThat(routing).extracting(r -> r.path("owner_id").asLong()).containsExactly(other, bid);
        assertThat(routing.get(0).path("url").asText()).isEqualTo("https://other.example.com:443");
        assertThat(routing.get(0).path("condition").path("operations").get(0).path("value").asText())
                .isEqualTo("^(/other/.*|/other/?)");
        assertThat(routing.get(0).path("replace_path").asText()).isEqualTo("{{uri | remove_first: '/other'}}");
        JsonNode backendRule = p2.path("proxy_rules").get(2);
        assertThat(backendRule.path("owner_type").asText()).isEqualTo("BackendApi");
        assertThat(backendRule.path("pattern").asText()).isEqualTo("/other/ping");
        assertThat(backendRule.path("metric_system_name").asText()).isEqualTo("hits." + other);
    }

    @Test
    void deployAnswers201ButSavesNothingUntilTheServiceTokenExists() throws IOException {
        start(AsyncDelays.none().withServiceToken(NEVER));
        long bid = backend("Granite", "granite", "http://granite.models.svc:8080");
        long sid = product("Granite", "granite");
        call("POST", "/admin/api/services/" + sid + "/backend_usages.json", "backend_api_id", String.valueOf(bid),
                "path", "/");
        assertThat(call("POST", "/admin/api/services/" + sid + "/proxy/deploy.json").status()).isEqualTo(201);
        assertThat(call("GET", "/admin/api/services/" + sid + "/proxy/configs/sandbox/latest.json").status())
                .isEqualTo(404);
        assertThat(sim.store().hasServiceToken(sid)).isFalse();
        sim.store().completePendingWork();
        assertThat(sim.store().hasServiceToken(sid)).isTrue();
        call("POST", "/admin/api/services/" + sid + "/proxy/deploy.json");
        assertThat(call("GET", "/admin/api/services/" + sid + "/proxy/configs/sandbox/latest.json").json()
                .path("proxy_config").path("version").asInt()).isEqualTo(1);
        // and the same deploy again saves nothing new (ProxyConfig#differs_from?)
        call("POST", "/admin/api/services/" + sid + "/proxy/deploy.json");
        assertThat(call("GET", "/admin/api/services/" + sid + "/proxy/configs/sandbox.json").json()
                .path("proxy_configs")).hasSize(1);
    }

    @Test
    void aProductWithoutABackendGetsNoConfiguration() throws IOException {
        start(AsyncDelays.none());
        long sid = product("Lonely", "lonely");
        assertThat(call("POST", "/admin/api/services/" + sid + "/proxy/deploy.json").status()).isEqualTo(201);
        assertThat(call("GET", "/admin/api/services/" + sid + "/proxy/configs/sandbox.json").json()
                .path("proxy_configs")).isEmpty();
    }

    @Test
    void theStagingAliasAnInvalidEnvironmentAndPromote() throws IOException {
        start(AsyncDelays.none());
        long bid = backend("Granite", "granite", "http://granite.models.svc:8080");
        long sid = product("Granite", "granite");
        call("POST", "/admin/api/services/" + sid + "/backend_usages.json", "backend_api_id", String.valueOf(bid),
                "path", "/");
        call("POST", "/admin/api/services/" + sid + "/proxy/deploy.json");
        String base = "/admin/api/services/" + sid + "/proxy/configs/";
        Answer staging = call("GET", base + "staging/latest.json");
        assertThat(staging.status()).isEqualTo(200);
        assertThat(staging.json().path("proxy_config").path("environment").asText()).isEqualTo("sandbox");
        assertThat(call("GET", base + "staging.json").json().path("proxy_configs")).hasSize(1);
        Answer invalid = call("GET", base + "preprod/latest.json");
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.json().path("error").asText()).isEqualTo("invalid environment");
        assertThat(call("GET", base + "production/latest.json").status()).isEqualTo(404);

        Answer noTo = call("POST", base + "sandbox/1/promote.json");
        assertThat(noTo.status()).isEqualTo(400);
        assertThat(noTo.text()).isEqualTo("Required parameter missing: to");
        Answer toStaging = call("POST", base + "sandbox/1/promote.json", "to", "staging");
        assertThat(toStaging.status()).as("no alias for the target").isEqualTo(422);
        assertThat(toStaging.json().path("errors").path("environment").get(0).asText())
                .isEqualTo("is not included in the list");
        Answer promoted = call("POST", base + "staging/1/promote.json", "to", "production");
        assertThat(promoted.status()).isEqualTo(201);
        assertThat(promoted.json().path("proxy_config").path("version").asInt()).isEqualTo(1);
        Answer again = call("POST", base + "sandbox/1/promote.json", "to", "production");
        assertThat(again.status()).isEqualTo(422);
        assertThat(again.json().path("errors").path("version").get(0).asText()).isEqualTo("has already been taken");
        assertThat(call("POST", base + "sandbox/7/promote.json", "to", "production").status()).isEqualTo(404);
    }

    // ------------------------------------------------------------------------------------------- policy chain

    @Test
    void thePolicyChainIsCheckedWithoutTheRegistry() throws IOException {
        start(AsyncDelays.none());
        assertThat(sim.store().registryPolicies()).isEmpty();
        long bid = backend("Granite", "granite", "http://granite.models.svc:8080");
        long sid = product("Granite", "granite");
        call("POST", "/admin/api/services/" + sid + "/backend_usages.json", "backend_api_id", String.valueOf(bid),
                "path", "/");
        String path = "/admin/api/services/" + sid + "/proxy/policies.json";
        Answer custom = call("PUT", path, "policies_config",
                "[{\"name\":\"remove-bearer\",\"version\":\"0.1.0\",\"configuration\":{},\"enabled\":true}]");
        assertThat(custom.status()).as("a policy the registry does not hold is taken").isEqualTo(200);
        assertThat(custom.json().path("policies_config").toString()).as("apicast appended").isEqualTo(
                "[{\"name\":\"remove-bearer\",\"version\":\"0.1.0\",\"configuration\":{},\"enabled\":true},"
                        + "{\"name\":\"apicast\",\"version\":\"builtin\",\"configuration\":{},\"enabled\":true}]");
        assertThat(call("GET", "/admin/api/services/" + sid + "/proxy/configs/sandbox/latest.json").status())
                .as("a policy chain update deploys to staging").isEqualTo(200);

        Answer invalid = call("PUT", path, "policies_config", "[{\"name\":\"alaska\"}]");
        assertThat(invalid.status()).isEqualTo(422);
        JsonNode first = invalid.json().path("policies_config").get(0);
        assertThat(first.path("errors").path("version").get(0).asText()).isEqualTo("can't be blank");
        assertThat(first.path("errors").path("configuration").get(0).asText()).isEqualTo("can't be blank");
        Answer object = call("PUT", path, "policies_config", "{\"name\":\"echo\"}");
        assertThat(object.status()).isEqualTo(422);
        assertThat(object.json().path("policies_config").get(0).path("errors").has("version")).isTrue();
        Answer notJson = call("PUT", path, "policies_config", "not json");
        assertThat(notJson.status()).isEqualTo(422);
        assertThat(notJson.json().path("errors").path("policies_config").get(0).asText()).startsWith("has invalid format");
        assertThat(call("GET", path).json().path("policies_config")).as("unchanged after refusals").hasSize(2);
    }

    // ------------------------------------------------------------------------------------------- deletes

    @Test
    void aDeletedProductLeavesTheListsButKeepsItsSystemNameUntilPurged() throws IOException {
        start(AsyncDelays.none().withPurge(NEVER));
        long sid = product("Granite", "granite");
        assertThat(call("DELETE", "/admin/api/services/" + sid + ".json").status()).isEqualTo(200);
        assertThat(call("GET", "/admin/api/services.json").json().path("services"))
                .noneMatch(s -> s.path("service").path("id").asLong() == sid);
        assertThat(call("GET", "/admin/api/services/" + sid + ".json").status()).isEqualTo(404);
        assertThat(call("GET", "/admin/api/services/" + sid + "/proxy.json").status()).isEqualTo(404);
        Answer again = call("POST", "/admin/api/services.json", "name", "Granite", "system_name", "granite");
        assertThat(again.status()).isEqualTo(422);
        assertThat(again.json().path("errors").path("system_name").get(0).asText()).isEqualTo("has already been taken");
        sim.store().completePendingWork();
        assertThat(call("POST", "/admin/api/services.json", "name", "Granite", "system_name", "granite").status())
                .as("purged").isEqualTo(201);
    }

    @Test
    void theLastProductCannotBeDeleted() throws IOException {
        sim = ThreescaleSimulator.start(SimulatorOptions.defaults().withDelays(AsyncDelays.none())
                .withSampleData(false));
        long sid = product("Only", "only");
        Answer refused = call("DELETE", "/admin/api/services/" + sid + ".json");
        assertThat(refused.status()).isEqualTo(422);
        JsonNode error = refused.json().path("error");
        assertThat(error.path("event").asText()).isEqualTo("mark_as_deleted");
        assertThat(error.path("from").asText()).isEqualTo("incomplete");
        assertThat(error.path("error").asText()).isEqualTo("State cannot transition via \"mark as deleted\"");
        assertThat(error.path("object").path("service").path("id").asLong()).isEqualTo(sid);
        assertThat(call("GET", "/admin/api/services/" + sid + ".json").status()).isEqualTo(200);
    }

    @Test
    void refusedDeletesAnswer403WithTheirCause() throws IOException {
        start(AsyncDelays.none());
        long bid = backend("Granite", "granite", "http://granite.models.svc:8080");
        long sid = product("Granite", "granite");
        call("POST", "/admin/api/services/" + sid + "/backend_usages.json", "backend_api_id", String.valueOf(bid),
                "path", "/");
        Answer used = call("DELETE", "/admin/api/backend_apis/" + bid + ".json");
        assertThat(used.status()).isEqualTo(403);
        assertThat(used.json().path("errors").path("base").get(0).asText())
                .isEqualTo("cannot be deleted because it is used by at least one Product");

        long chat = methodUnderHits(sid, "chat");
        long hits = hits(sid);
        call("POST", "/admin/api/services/" + sid + "/proxy/mapping_rules.json", "http_method", "POST", "pattern",
                "/v1/chat", "delta", "1", "metric_id", String.valueOf(chat));
        call("POST", "/admin/api/services/" + sid + "/proxy/deploy.json");
        Answer inConfig = call("DELETE", "/admin/api/services/" + sid + "/metrics/" + hits + "/methods/" + chat + ".json");
        assertThat(inConfig.status()).isEqualTo(403);
        assertThat(inConfig.json().path("errors").path("base").get(0).asText())
                .isEqualTo("Method is used by the latest gateway configuration and cannot be deleted");
        Answer theHits = call("DELETE", "/admin/api/services/" + sid + "/metrics/" + hits + ".json");
        assertThat(theHits.status()).isEqualTo(403);
        assertThat(theHits.json().path("errors").path("base")).extracting(JsonNode::asText)
                .contains("The Hits metric cannot be deleted");
    }

    @Test
    void aDeletedBackendKeepsItsSystemNameUntilPurged() throws IOException {
        start(AsyncDelays.none().withPurge(NEVER));
        long bid = backend("Granite", "granite", "http://granite.models.svc:8080");
        assertThat(call("DELETE", "/admin/api/backend_apis/" + bid + ".json").status()).isEqualTo(200);
        assertThat(call("GET", "/admin/api/backend_apis/" + bid + ".json").status()).isEqualTo(404);
        assertThat(call("POST", "/admin/api/backend_apis.json", "name", "Granite", "system_name", "granite",
                "private_endpoint", "http://granite.models.svc:8080").status()).isEqualTo(422);
        sim.store().completePendingWork();
        assertThat(call("POST", "/admin/api/backend_apis.json", "name", "Granite", "system_name", "granite",
                "private_endpoint", "http://granite.models.svc:8080").status()).isEqualTo(201);
    }

    // ------------------------------------------------------------------------------------------- shapes, sample

    @Test
    void representationsFollowPortasRepresenters() throws IOException {
        start(AsyncDelays.none());
        long bid = backend("Granite", "granite", "http://granite.models.svc");
        JsonNode b = call("GET", "/admin/api/backend_apis/" + bid + ".json").json().path("backend_api");
        assertThat(b.path("private_endpoint").asText()).isEqualTo("http://granite.models.svc:80");
        assertThat(b.has("state")).isFalse();
        long sid = product("Granite", "granite");
        JsonNode s = call("GET", "/admin/api/services/" + sid + ".json").json().path("service");
        assertThat(s.has("account_id")).as("ServiceRepresenter has no account_id").isFalse();
        assertThat(s.path("links")).extracting(l -> l.path("rel").asText()).contains("self", "metrics");
        JsonNode metrics = call("GET", "/admin/api/backend_apis/" + bid + "/metrics.json").json().path("metrics");
        assertThat(metrics.get(0).path("metric").has("name")).as("no name for a backend's metric").isFalse();
        methodUnderHits(sid, "chat");
        JsonNode all = call("GET", "/admin/api/services/" + sid + "/metrics.json").json().path("metrics");
        assertThat(all).as("methods are listed among the metrics").hasSize(2);
        assertThat(all.get(1).path("metric").path("parent_id").asLong()).isEqualTo(hits(sid));
        JsonNode rule = call("GET", "/admin/api/services/" + sid + "/proxy/mapping_rules.json").json()
                .path("mapping_rules").get(0).path("mapping_rule");
        assertThat(rule.has("owner_id")).isFalse();
        assertThat(rule.path("http_method").asText()).isEqualTo("GET");
        JsonNode proxy = call("GET", "/admin/api/services/" + sid + "/proxy.json").json().path("proxy");
        assertThat(proxy.has("api_backend")).as("rendered when nil").isTrue();
        assertThat(proxy.path("api_backend").isNull()).isTrue();
        assertThat(proxy.path("policies_config").isArray()).isTrue();
        Answer usage = call("POST", "/admin/api/services/" + sid + "/backend_usages.json", "backend_api_id",
                String.valueOf(bid), "path", "v1/");
        assertThat(usage.json().path("backend_usage").path("path").asText()).isEqualTo("/v1");
        assertThat(call("GET", "/admin/api/services/" + sid + "/proxy.json").json().path("proxy").path("api_backend")
                .asText()).isEqualTo("http://granite.models.svc:80");
        Answer lower = call("POST", "/admin/api/services/" + sid + "/proxy/mapping_rules.json", "http_method", "get",
                "pattern", "/x", "delta", "1", "metric_id", String.valueOf(hits(sid)));
        assertThat(lower.status()).isEqualTo(422);
        assertThat(call("POST", "/admin/api/services/" + sid + "/proxy/mapping_rules.json", "http_method", "GET",
                "pattern", "/x", "delta", "1", "metric_id", "999999").status()).as("unknown metric").isEqualTo(404);
        Answer tooShort = call("POST", "/admin/api/services.json", "name", "X", "system_name", "x");
        assertThat(tooShort.status()).isEqualTo(422);
        assertThat(tooShort.json().path("errors").path("system_name").get(0).asText()).isEqualTo("is invalid");
    }

    @Test
    void theSampleProductComesWithTheTenantItsPlansAndDeveloperLater() throws IOException {
        start(AsyncDelays.none().withSampleData(NEVER));
        List<String> products = new ArrayList<>();
        call("GET", "/admin/api/services.json").json().path("services")
                .forEach(s -> products.add(s.path("service").path("system_name").asText()));
        assertThat(products).containsExactly("api");
        assertThat(call("GET", "/admin/api/backend_apis.json").json().path("backend_apis").get(0).path("backend_api")
                .path("name").asText()).isEqualTo("API Backend");
        assertThat(call("GET", "/admin/api/accounts.json").json().path("accounts")).isEmpty();
        sim.store().completePendingWork();
        assertThat(call("GET", "/admin/api/accounts.json").json().path("accounts")).hasSize(1);
        assertThat(call("GET", "/admin/api/active_docs.json").json().path("api_docs").get(0).path("api_doc")
                .path("system_name").asText()).isEqualTo("echo");
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
