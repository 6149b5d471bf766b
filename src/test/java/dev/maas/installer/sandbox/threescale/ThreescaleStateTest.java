package dev.maas.installer.sandbox.threescale;

import dev.maas.installer.testing.StartsSandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import okhttp3.FormBody;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The simulator keeps its tenant in a state file and resumes it: objects, ids, tokens, CMS, background work. */
@StartsSandbox
class ThreescaleStateTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();

    @TempDir
    Path tmp;

    private JsonNode get(ThreescaleSimulator sim, String path) throws IOException {
        try (Response r = http.newCall(new Request.Builder().url(sim.url() + path + (path.contains("?") ? "&" : "?")
                + "access_token=" + sim.accessToken()).build()).execute()) {
            assertThat(r.code()).as(path).isEqualTo(200);
            return JSON.readTree(r.body().string());
        }
    }

    private JsonNode send(ThreescaleSimulator sim, String method, String path, String... kv) throws IOException {
        FormBody.Builder form = new FormBody.Builder().add("access_token", sim.accessToken());
        for (int i = 0; i < kv.length; i += 2) {
            form.add(kv[i], kv[i + 1]);
        }
        try (Response r = http.newCall(new Request.Builder().url(sim.url() + path).method(method, form.build())
                .build()).execute()) {
            assertThat(r.code()).as(method + " " + path).isBetween(200, 299);
            String body = r.body().string();
            return body.isEmpty() ? null : JSON.readTree(body);
        }
    }

    private static SimulatorOptions options() {
        // porta's moments of background work, made long enough that some is still to come at the stop
        return SimulatorOptions.defaults().withDelays(new AsyncDelays(Duration.ofSeconds(5), Duration.ofSeconds(3),
                Duration.ofSeconds(5)));
    }

    @Test
    void aStoppedSimulatorResumesItsTenantWithTheSameIdsTokensPortAndCms() throws IOException {
        Path file = tmp.resolve("3scale-state.json");
        String url;
        String token;
        String master;
        long product;
        long backend;
        String services;
        String backends;
        String configs;
        String fileUrl;
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(options(), file)) {
            assertThat(sim.resumed()).isFalse();
            url = sim.url();
            token = sim.accessToken();
            master = sim.masterToken();
            product = send(sim, "POST", "/admin/api/services.json", "name", "Granite").path("service").path("id")
                    .asLong();
            backend = send(sim, "POST", "/admin/api/backend_apis.json", "name", "granite-be", "private_endpoint",
                    "http://granite.models.svc:8080").path("backend_api").path("id").asLong();
            send(sim, "POST", "/admin/api/services/" + product + "/backend_usages.json", "backend_api_id",
                    String.valueOf(backend), "path", "/");
            send(sim, "POST", "/admin/api/services/" + product + "/proxy/deploy.json");
            long gone = send(sim, "POST", "/admin/api/backend_apis.json", "name", "gone", "private_endpoint",
                    "http://gone.models.svc:8080").path("backend_api").path("id").asLong();
            send(sim, "DELETE", "/admin/api/backend_apis/" + gone + ".json"); // its purge is still to come
            RequestBody upload = new MultipartBody.Builder().setType(MultipartBody.FORM)
                    .addFormDataPart("access_token", sim.accessToken()).addFormDataPart("path", "/logo.png")
                    .addFormDataPart("attachment", "logo.png", RequestBody.create(new byte[] {1, 2, 3, (byte) 250},
                            MediaType.get("image/png"))).build();
            try (Response r = http.newCall(new Request.Builder().url(sim.url() + "/admin/api/cms/files.json")
                    .post(upload).build()).execute()) {
                assertThat(r.code()).isEqualTo(201);
                fileUrl = JSON.readTree(r.body().string()).path("url").asText();
            }
            services = get(sim, "/admin/api/services.json").toString();
            backends = get(sim, "/admin/api/backend_apis.json").toString();
            configs = get(sim, "/admin/api/services/" + product + "/proxy/configs/sandbox.json").toString();
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        http.connectionPool().evictAll(); // a new process would not hold the stopped simulator's connections

        try (ThreescaleSimulator sim = ThreescaleSimulator.start(options(), file)) {
            assertThat(sim.resumed()).isTrue();
            assertThat(sim.url()).isEqualTo(url);
            assertThat(sim.accessToken()).isEqualTo(token);
            assertThat(sim.masterToken()).isEqualTo(master);
            assertThat(get(sim, "/admin/api/services.json").toString()).isEqualTo(services);
            assertThat(get(sim, "/admin/api/backend_apis.json").toString()).isEqualTo(backends);
            assertThat(get(sim, "/admin/api/services/" + product + "/proxy/configs/sandbox.json").toString())
                    .isEqualTo(configs);
            try (Response r = http.newCall(new Request.Builder().url(fileUrl).build()).execute()) {
                assertThat(r.body().bytes()).containsExactly(1, 2, 3, (byte) 250);
            }
            // the sequence goes on: a new object gets a new id
            long next = send(sim, "POST", "/admin/api/services.json", "name", "Llama").path("service").path("id")
                    .asLong();
            assertThat(next).isGreaterThan(Math.max(product, backend));
            // the background work still to come at the stop happens after the resume
            sim.store().completePendingWork();
            assertThat(sim.store().hasServiceToken(product)).isTrue();
            assertThat(sim.store().snapshot("backend_apis")).extracting(b -> b.path("name").asText())
                    .containsExactly("API Backend", "granite-be");
        }
    }

    @Test
    void aKilledSimulatorKeepsEveryAnsweredWrite() throws IOException {
        Path file = tmp.resolve("3scale-state.json");
        Path copy = tmp.resolve("killed.json");
        long product;
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(options(), file)) {
            product = send(sim, "POST", "/admin/api/services.json", "name", "Granite").path("service").path("id")
                    .asLong();
            send(sim, "PUT", "/admin/api/services/" + product + ".json", "description", "answered");
            Files.copy(file, copy); // what a killed process leaves: no save at close
        }
        http.connectionPool().evictAll();
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(options(), copy)) {
            assertThat(get(sim, "/admin/api/services/" + product + ".json").path("service").path("description")
                    .asText()).isEqualTo("answered");
        }
    }

    @Test
    void aResumedSimulatorKeepsTheBackendsCountersSoALimitReachedStaysReached() throws IOException {
        // apisonator keeps its counters in Redis: a 3scale that restarts does not forget what was used
        Path file = tmp.resolve("3scale-state.json");
        long sid;
        String key = "0123456789abcdef0123456789abcdef";
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(options(), file)) {
            sid = send(sim, "POST", "/admin/api/services.json", "name", "Granite").get("service").get("id").asLong();
            long plan = send(sim, "POST", "/admin/api/services/" + sid + "/application_plans.json", "name", "Free",
                    "state_event", "publish").get("application_plan").get("id").asLong();
            long hits = -1;
            for (JsonNode m : get(sim, "/admin/api/services/" + sid + "/metrics.json").get("metrics")) {
                if (m.get("metric").get("system_name").asText().equals("hits")) {
                    hits = m.get("metric").get("id").asLong();
                }
            }
            send(sim, "POST", "/admin/api/application_plans/" + plan + "/metrics/" + hits + "/limits.json",
                    "period", "eternity", "value", "2");
            long account = sim.store().addDeveloperAccount("ACME").get("id").asLong();
            send(sim, "POST", "/admin/api/accounts/" + account + "/applications.json", "plan_id",
                    String.valueOf(plan), "user_key", key);
            assertThat(sim.store().authrep(sid, key, Map.of("hits", 1L)).authorized()).isTrue();
            assertThat(sim.store().authrep(sid, key, Map.of("hits", 1L)).authorized()).isTrue();
            assertThat(sim.store().authrep(sid, key, Map.of("hits", 1L)).code()).isEqualTo("limits_exceeded");
        }
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(options(), file)) {
            assertThat(sim.resumed()).isTrue();
            assertThat(sim.store().authrep(sid, key, Map.of("hits", 1L)).code()).as("the two hits are remembered")
                    .isEqualTo("limits_exceeded");
        }
    }

    @Test
    void aFileThatIsNotAStateIsAClearErrorAndLeftAsItWas() throws IOException {
        Path file = tmp.resolve("3scale-state.json");
        Files.writeString(file, "{\"format\":42}");
        assertThatThrownBy(() -> ThreescaleSimulator.start(options(), file))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(file.toString());
        assertThat(Files.readString(file)).isEqualTo("{\"format\":42}");
    }

    /**
     * Every field of the simulated tenant is in its state file: a field added to {@link SimState} must be saved and
     * restored ({@code SimState.state()}, {@code SimState.restore}) and named here, or be named as not state.
     */
    @Test
    void everyFieldOfTheTenantIsSavedOrNamedAsNotState() {
        java.util.Set<String> saved = java.util.Set.of("sequence", "provider", "backends", "deletedBackends", "services",
                "serviceTokens", "pending", "pendingOrder", "proxies", "policyChains", "proxyConfigs", "metrics",
                "metricOwner", "rules", "usages", "appPlans", "servicePlans", "accounts", "applications", "contracts",
                "ssoProviders", "registry", "sections", "templates", "files", "activeDocs", "fileContents",
                "rejectedTemplates", "limits", "backend");
        // the options and URL it is made with, its routes, its random source, a flag for the saver, the parts that
        // handle it
        java.util.Set<String> notState = java.util.Set.of("options", "baseUrl", "routes", "secure", "workDone",
                "accountsApi", "productsApi", "activeDocsApi", "metricsApi", "proxiesApi", "plansApi",
                "applicationsApi", "ssoApi", "registryApi", "cmsApi", "work");
        java.util.List<String> fields = java.util.Arrays.stream(SimState.class.getDeclaredFields())
                .filter(f -> !java.lang.reflect.Modifier.isStatic(f.getModifiers()) && !f.isSynthetic())
                .map(java.lang.reflect.Field::getName).toList();
        assertThat(fields).allSatisfy(f -> assertThat(saved.contains(f) || notState.contains(f))
                .as("SimState field '%s' is neither saved nor named as not state", f).isTrue());
    }
}
