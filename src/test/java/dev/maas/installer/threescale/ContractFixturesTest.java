package dev.maas.installer.threescale;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.model.BackendApi;
import dev.maas.installer.threescale.model.BackendUsage;
import dev.maas.installer.threescale.model.MappingRule;
import dev.maas.installer.threescale.model.Metric;
import dev.maas.installer.threescale.model.PolicyConfig;
import dev.maas.installer.threescale.model.Proxy;
import dev.maas.installer.threescale.model.ProxyConfig;
import dev.maas.installer.threescale.model.Service;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The client parses porta's responses for products, backends and the proxy into its typed records: each fixture of
 * {@code src/test/resources/threescale/contract/products} (recorded by 3scale-porta-go-client, or written from porta's
 * representers; see its PROVENANCE.md) is served for the request the client makes.
 */
@StartsSandbox
class ContractFixturesTest {
    private static final String DIR = "/threescale/contract/products/";
    private static final long SERVICE = 2555417982116L;
    private static final long BACKEND = 56913L;
    private static final long HITS = 2555419020711L;
    private static final long METHOD = 2555419020712L;

    private record Fixture(int status, String file) {
    }

    private final Map<String, Fixture> routes = new ConcurrentHashMap<>();
    private HttpServer server;
    private ThreescaleClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            try (ex) {
                Fixture f = routes.get(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
                byte[] body;
                if (f == null) {
                    body = "{\"status\":\"Not found\"}".getBytes();
                    ex.getResponseHeaders().add("Content-Type", "application/json");
                    ex.sendResponseHeaders(404, body.length);
                } else {
                    try (InputStream in = ContractFixturesTest.class.getResourceAsStream(DIR + f.file())) {
                        body = in.readAllBytes();
                    }
                    ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
                    ex.sendResponseHeaders(f.status(), body.length);
                }
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
        client = ThreescaleClient.builder("http://127.0.0.1:" + server.getAddress().getPort(), "contract-token")
                .retry(RetryPolicy.none()).build();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void serve(String method, String path, String file) {
        serve(method, path, 200, file);
    }

    private void serve(String method, String path, int status, String file) {
        routes.put(method + " " + path, new Fixture(status, file));
    }

    @Test
    void productsAndBackends() {
        serve("GET", "/admin/api/services.json", "go-client-product_list_fixture.json");
        assertThat(client.services().list()).extracting(Service::id, Service::systemName)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(45498L, "product_01"),
                        org.assertj.core.groups.Tuple.tuple(55498L, "product_02"));
        serve("GET", "/admin/api/services/" + SERVICE + ".json", "service.json");
        Service s = client.services().read(SERVICE).orElseThrow();
        assertThat(s).isEqualTo(new Service(SERVICE, "Granite 3 8B Instruct", "granite-3-8b-instruct",
                "Granite 3 8B Instruct [managed by maas-installer]", "hosted", "1", "incomplete", false));

        serve("GET", "/admin/api/backend_apis.json", "go-client-backend_api_list_fixture.json");
        assertThat(client.backends().list()).hasSize(3).first().isEqualTo(new BackendApi(45498, "Backend 01",
                "backend_01", "", "https://echo-api.3scale.net:443", 2445581100447L));
        serve("GET", "/admin/api/backend_apis/" + BACKEND + ".json", "backend_api.json");
        assertThat(client.backends().read(BACKEND)).contains(new BackendApi(BACKEND, "Granite 3 8B Instruct",
                "granite-3-8b-instruct", "Granite 3 8B Instruct [managed by maas-installer]",
                "http://granite-3-8b-instruct-predictor.models.svc.cluster.local:8080", 2445581100447L));
        serve("GET", "/admin/api/backend_apis/" + BACKEND + "/metrics.json", "backend_metrics.json");
        assertThat(client.backends().metrics(BACKEND).findBySystemName("hits")).get()
                .extracting(Metric::systemName).isEqualTo("hits." + BACKEND);

        serve("GET", "/admin/api/services/" + SERVICE + "/backend_usages.json", "backend_usages.json");
        assertThat(client.product(SERVICE).backendUsages())
                .containsExactly(new BackendUsage(3417, "/", SERVICE, BACKEND));
    }

    @Test
    void metricsMethodsAndMappingRules() {
        Product p = client.product(SERVICE);
        serve("GET", "/admin/api/services/" + SERVICE + "/metrics.json", "metrics.json");
        List<Metric> metrics = p.metrics().list();
        assertThat(metrics).extracting(Metric::systemName).containsExactly("hits", "chat_completions");
        assertThat(metrics.get(1).parentId()).isEqualTo(HITS);
        assertThat(p.metrics().findBySystemName("hits")).get().satisfies(h -> {
            assertThat(h.id()).isEqualTo(HITS);
            assertThat(h.unit()).isEqualTo("hit");
            assertThat(h.parentId()).isNull();
        });
        serve("GET", "/admin/api/services/" + SERVICE + "/metrics/" + HITS + "/methods.json", "methods.json");
        assertThat(p.metrics().methods(HITS)).singleElement().isEqualTo(new Metric(METHOD, "chat_completions",
                "chat_completions", "POST /v1/chat/completions", null, "Create chat completion", HITS));
        serve("GET", "/admin/api/services/" + SERVICE + "/proxy/mapping_rules.json", "mapping_rules.json");
        assertThat(p.mappingRules().list()).singleElement().isEqualTo(new MappingRule(966315, METHOD,
                "/v1/chat/completions$", "POST", 1, 2, false, null, null));
    }

    @Test
    void proxyPolicyChainAndConfigurations() {
        Product p = client.product(SERVICE);
        serve("GET", "/admin/api/services/" + SERVICE + "/proxy.json", "proxy.json");
        Proxy proxy = p.proxy();
        assertThat(proxy.authUserKey()).isEqualTo("Authorization");
        assertThat(proxy.credentialsLocation()).isEqualTo("headers");
        assertThat(proxy.serviceId()).isEqualTo(SERVICE);
        assertThat(proxy.sandboxEndpoint()).endsWith("-apicast-staging.apps.example.com:443");
        assertThat(proxy.deploymentOption()).isEqualTo("hosted");
        assertThat(proxy.lockVersion()).isEqualTo(2L);

        serve("GET", "/admin/api/services/" + SERVICE + "/proxy/policies.json", "policies.json");
        List<PolicyConfig> chain = p.policies();
        assertThat(chain).extracting(PolicyConfig::name).containsExactly("cors", "remove-bearer", "headers", "apicast");
        assertThat(chain).extracting(PolicyConfig::enabled).as("no 'enabled': off").containsExactly(true, true, false,
                true);
        assertThat(chain.get(0).configuration().get("allow_origin").asText()).isEqualTo("*");

        serve("GET", "/admin/api/services/" + SERVICE + "/proxy/configs/sandbox/latest.json",
                "proxy_config_latest.json");
        ProxyConfig staging = p.latestConfig(Product.STAGING).orElseThrow();
        assertThat(staging.version()).isEqualTo(3);
        assertThat(staging.environment()).isEqualTo("sandbox");
        assertThat(staging.content().has("backend_usages")).isFalse();
        assertThat(staging.content().path("proxy").path("api_backend").asText())
                .isEqualTo("http://granite-3-8b-instruct-predictor.models.svc.cluster.local:8080");
        assertThat(staging.content().path("proxy").path("policy_chain")).hasSize(3);

        serve("GET", "/admin/api/services/" + SERVICE + "/proxy/configs/production.json",
                "go-client-account_proxy_fixture.json");
        assertThat(p.configs(Product.PRODUCTION)).singleElement().satisfies(c -> {
            assertThat(c.version()).isEqualTo(1);
            assertThat(c.environment()).isEqualTo("production");
            assertThat(c.content().path("proxy").path("proxy_rules").get(0).path("metric_system_name").asText())
                    .isEqualTo("hits");
            assertThat(c.content().path("proxy").path("policy_chain").get(0).has("enabled")).isFalse();
        });
    }

    @Test
    void refusalsNameTheirCause() {
        serve("DELETE", "/admin/api/backend_apis/" + BACKEND + ".json", 403, "refused_delete_backend.json");
        assertThatThrownBy(() -> client.backends().delete(BACKEND)).isInstanceOfSatisfying(
                ThreescaleApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.refusedDelete()).isTrue();
                    assertThat(e.fix()).isNull();
                    assertThat(e.fieldErrors().get("base"))
                            .containsExactly("cannot be deleted because it is used by at least one Product");
                    assertThat(e.getMessage()).contains("cannot be deleted because it is used by at least one Product")
                            .contains("A product still uses this backend").doesNotContainIgnoringCase("token");
                });
        String method = "/admin/api/services/" + SERVICE + "/metrics/" + HITS + "/methods/" + METHOD + ".json";
        serve("DELETE", method, 403, "refused_delete_method.json");
        assertThatThrownBy(() -> client.product(SERVICE).metrics().deleteMethod(HITS, METHOD))
                .isInstanceOfSatisfying(ThreescaleApiException.class, e -> assertThat(e.getMessage())
                        .contains("Method is used by the latest gateway configuration")
                        .contains("promote it to production first").doesNotContainIgnoringCase("token"));
        serve("DELETE", "/admin/api/services/" + SERVICE + ".json", 422, "refused_delete_service.json");
        assertThatThrownBy(() -> client.services().delete(SERVICE)).isInstanceOfSatisfying(
                ThreescaleApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(422);
                    assertThat(e.getMessage()).contains("State cannot transition via \"mark as deleted\"")
                            .contains("last product").doesNotContain("no details").doesNotContain(": .");
                });
        serve("GET", "/admin/api/services/" + SERVICE + "/proxy/configs/preprod/latest.json", 400,
                "invalid_environment.json");
        assertThatThrownBy(() -> client.product(SERVICE).latestConfig("preprod"))
                .isInstanceOfSatisfying(ThreescaleApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("invalid environment");
                });
        serve("POST", "/admin/api/services.json", 422, "go-client-unprocessable_error_response_fixture.json");
        assertThatThrownBy(() -> client.services().create("P", "product_01", Map.of()))
                .isInstanceOfSatisfying(ThreescaleApiException.class, e -> {
                    assertThat(e.hasFieldError("system_name", "has already been taken")).isTrue();
                    assertThat(e.getMessage()).contains("system_name has already been taken");
                });
        ObjectMapper json = new ObjectMapper();
        List<PolicyConfig> chain = List.of(new PolicyConfig("alaska", null, null, true));
        serve("PUT", "/admin/api/services/" + SERVICE + "/proxy/policies.json", 422, "policies_invalid.json");
        assertThatThrownBy(() -> client.product(SERVICE).updatePolicies(chain)).hasMessageContaining(
                "policies_config alaska (policy 1): version can't be blank, configuration can't be blank");
        serve("PUT", "/admin/api/services/" + SERVICE + "/proxy/policies.json", 422, "policies_invalid_format.json");
        assertThatThrownBy(() -> client.product(SERVICE).updatePolicies(List.of(new PolicyConfig("apicast",
                "builtin", json.createObjectNode(), true)))).hasMessageContaining("policies_config has invalid format");
    }

    /** The files copied from 3scale-porta-go-client are unchanged: their git blob ids are those PROVENANCE.md records. */
    @Test
    void theRecordedResponsesAreTheGoClientsFiles() throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of(ContractFixturesTest.class.getResource(DIR + "PROVENANCE.md")
                .toURI()).getParent();
        String provenance = java.nio.file.Files.readString(dir.resolve("PROVENANCE.md"));
        java.util.regex.Matcher row = java.util.regex.Pattern
                .compile("(?m)^\\| ([\\w.-]+) \\| [^|]+ \\| ([0-9a-f]{40}) \\|$").matcher(provenance);
        int rows = 0;
        while (row.find()) {
            rows++;
            assertThat(ThreescaleConformanceTest.gitBlobId(java.nio.file.Files.readAllBytes(dir.resolve(row.group(1)))))
                    .as(row.group(1)).isEqualTo(row.group(2));
        }
        assertThat(rows).isEqualTo(5);
    }
}
