package dev.maas.installer.sandbox.threescale;

import dev.maas.installer.testing.StartsSandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import okhttp3.FormBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The simulator on the wire, without the client: shapes, status codes and faults. */
@StartsSandbox
class ThreescaleSimulatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
    private ThreescaleSimulator sim;

    @BeforeEach
    void start() {
        sim = ThreescaleSimulator.start(SimulatorOptions.defaults());
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private Response get(String path) throws IOException {
        return http.newCall(new Request.Builder().url(sim.url() + path + (path.contains("?") ? "&" : "?")
                + "access_token=" + sim.accessToken()).build()).execute();
    }

    private Response post(String path, String... kv) throws IOException {
        FormBody.Builder form = new FormBody.Builder().add("access_token", sim.accessToken());
        for (int i = 0; i < kv.length; i += 2) {
            form.add(kv[i], kv[i + 1]);
        }
        return http.newCall(new Request.Builder().url(sim.url() + path).post(form.build()).build()).execute();
    }

    private static JsonNode body(Response r) throws IOException {
        try (r) {
            return JSON.readTree(r.body().string());
        }
    }

    @Test
    void wrapsEntitiesAndListsLikePorta() throws IOException {
        try (Response r = post("/admin/api/services.json", "name", "Granite")) {
            assertThat(r.code()).isEqualTo(201);
            JsonNode s = JSON.readTree(r.body().string()).get("service");
            assertThat(s.get("system_name").asText()).isEqualTo("granite");
            long id = s.get("id").asLong();
            assertThat(body(get("/admin/api/services.json")).get("services").get(1).get("service").get("id").asLong())
                    .isEqualTo(id);
            assertThat(body(get("/admin/api/services/" + id + "/service_plans.json")).get("plans").get(0)
                    .get("service_plan").get("name").asText()).isEqualTo("Default");
            assertThat(body(get("/admin/api/services/" + id + "/backend_usages.json")).isArray()).isTrue();
            JsonNode cms = body(get("/admin/api/cms/sections.json"));
            assertThat(cms.get("collection").get(0).has("partial_path")).isTrue();
            assertThat(cms.get("metadata").get("per_page").asInt()).isEqualTo(20);
        }
    }

    @Test
    void unknownPathsXmlAndMissingObjects() throws IOException {
        try (Response r = get("/admin/api/nothing.json")) {
            assertThat(r.code()).isEqualTo(404);
        }
        try (Response r = get("/admin/api/services.xml")) {
            assertThat(r.code()).isEqualTo(406);
        }
        try (Response r = get("/admin/api/services/424242.json")) {
            assertThat(r.code()).isEqualTo(404);
            assertThat(r.body().string()).contains("Not found");
        }
        try (Response r = get("/admin/api/accounts/1/service_subscriptions.json")) {
            assertThat(r.code()).as("2.15 has no service subscriptions").isEqualTo(404);
        }
        try (Response r = post("/admin/api/backend_apis.json", "name", "xx", "private_endpoint", "http://x.svc",
                "colour", "blue")) {
            assertThat(r.code()).as("porta ignores parameters it does not permit, outside the CMS API").isEqualTo(201);
        }
        assertThat(sim.journal().entries()).allSatisfy(e -> assertThat(e.path()).doesNotContain("?"));
    }

    @Test
    void droppedConnectionsAndLatency() {
        sim.setFaults(new Faults(1, 0, 0, 1.0, Duration.ZERO));
        assertThatThrownBy(() -> get("/admin/api/services.json").close()).isInstanceOf(IOException.class);
        assertThat(sim.journal().entries()).last().satisfies(e -> {
            assertThat(e.status()).isZero();
            assertThat(e.fault()).isEqualTo("dropped-before");
        });
        sim.setFaults(Faults.none().withLatency(Duration.ofMillis(50)));
        long start = System.nanoTime();
        try (Response r = get("/admin/api/services.json")) {
            assertThat(r.code()).isEqualTo(200);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(50));
    }

    @Test
    void writesAppliedBeforeALostResponseAreVisible() throws IOException {
        sim.setFaults(new Faults(3, 1.0, 0, 0, Duration.ZERO));
        int applied = 0;
        for (int i = 0; i < 20; i++) {
            try (Response r = post("/admin/api/backend_apis.json", "name", "b" + i, "private_endpoint", "http://b.svc")) {
                assertThat(r.code()).isIn(500, 503);
            }
        }
        sim.setFaults(Faults.none());
        applied = (int) sim.store().snapshot("backend_apis").stream()
                .filter(b -> b.get("system_name").asText().startsWith("b")).count();
        long after = sim.journal().entries().stream().filter(e -> "5xx-after-commit".equals(e.fault())).count();
        assertThat(applied).isEqualTo((int) after).isBetween(1, 19);
    }
}
