package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Application plan usage limits on the wire, as porta 3scale-2.15.1-GA answers them (application_plan_limits and
 * application_plan_metric_limits controllers, app/models/usage_limit.rb; see {@link SimLimits}), and the delete of
 * a plan applications use.
 */
class PortaUsageLimitsSimulatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
    private ThreescaleSimulator sim;
    private long sid;
    private long plan;
    private long hits;

    private record Answer(int status, String text, JsonNode json) {
    }

    @BeforeEach
    void start() throws IOException {
        sim = ThreescaleSimulator.start(SimulatorOptions.defaults());
        sim.store().completePendingWork();
        sid = call("POST", "/admin/api/services.json", "name", "Granite", "system_name", "granite")
                .json().path("service").path("id").asLong();
        plan = call("POST", "/admin/api/services/" + sid + "/application_plans.json", "name", "Free",
                "state_event", "publish").json().path("application_plan").path("id").asLong();
        for (JsonNode m : call("GET", "/admin/api/services/" + sid + "/metrics.json").json().path("metrics")) {
            if (m.path("metric").path("system_name").asText().equals("hits")) {
                hits = m.path("metric").path("id").asLong();
            }
        }
        assertThat(hits).isPositive();
    }

    @AfterEach
    void stop() {
        sim.close();
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
            b = new Request.Builder().url(sim.url() + path).method(method, form.build());
        }
        try (Response r = http.newCall(b.build()).execute()) {
            String text = r.body() == null ? "" : r.body().string();
            JsonNode json = text.isEmpty() || !String.valueOf(r.header("Content-Type")).startsWith("application/json")
                    ? null : JSON.readTree(text);
            return new Answer(r.code(), text, json);
        }
    }

    private String limits(long planId, long metricId) {
        return "/admin/api/application_plans/" + planId + "/metrics/" + metricId + "/limits";
    }

    private long tokenMetric(String systemName) throws IOException {
        Answer a = call("POST", "/admin/api/services/" + sid + "/metrics.json", "friendly_name", systemName,
                "system_name", systemName, "unit", "tokens");
        assertThat(a.status()).as(a.text()).isEqualTo(201);
        return a.json().path("metric").path("id").asLong();
    }

    @Test
    void aLimitIsCreatedReadListedUpdatedAndDeletedWithPortasShape() throws IOException {
        Answer created = call("POST", limits(plan, hits) + ".json", "period", "minute", "value", "10");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        JsonNode l = created.json().path("limit");
        List<String> fields = new ArrayList<>();
        l.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("id", "period", "value", "metric_id", "plan_id", "created_at",
                "updated_at", "links");
        assertThat(l.path("period").asText()).isEqualTo("minute");
        assertThat(l.path("value").asLong()).isEqualTo(10);
        assertThat(l.path("metric_id").asLong()).isEqualTo(hits);
        assertThat(l.path("plan_id").asLong()).isEqualTo(plan);
        assertThat(l.path("links").findValuesAsText("rel")).containsExactly("metric", "self", "plan");
        assertThat(l.path("links").get(2).path("href").asText())
                .endsWith("/admin/api/services/" + sid + "/application_plans/" + plan);
        long id = l.path("id").asLong();

        assertThat(call("GET", limits(plan, hits) + "/" + id + ".json").json().path("limit").path("value").asLong())
                .isEqualTo(10);
        assertThat(call("GET", limits(plan, hits) + ".json").json().path("limits")).hasSize(1);
        assertThat(call("GET", "/admin/api/application_plans/" + plan + "/limits.json").json().path("limits")
                .get(0).path("limit").path("id").asLong()).isEqualTo(id);

        Answer updated = call("PUT", limits(plan, hits) + "/" + id + ".json", "value", "20");
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.json().path("limit").path("value").asLong()).isEqualTo(20);
        assertThat(updated.json().path("limit").path("period").asText()).isEqualTo("minute");

        Answer deleted = call("DELETE", limits(plan, hits) + "/" + id + ".json");
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(call("GET", limits(plan, hits) + "/" + id + ".json").status()).isEqualTo(404);
        assertThat(call("GET", "/admin/api/application_plans/" + plan + "/limits.json").json().path("limits"))
                .isEmpty();
    }

    @Test
    void aSecondLimitOnTheSameMetricAndPeriodAndAnUnknownPeriodAre422() throws IOException {
        assertThat(call("POST", limits(plan, hits) + ".json", "period", "day", "value", "100").status())
                .isEqualTo(201);
        Answer twice = call("POST", limits(plan, hits) + ".json", "period", "day", "value", "5");
        assertThat(twice.status()).isEqualTo(422);
        assertThat(twice.json().path("errors").path("period").get(0).asText()).isEqualTo("has already been taken");
        Answer fortnight = call("POST", limits(plan, hits) + ".json", "period", "fortnight", "value", "5");
        assertThat(fortnight.status()).isEqualTo(422);
        assertThat(fortnight.json().path("errors").path("period").get(0).asText()).isEqualTo("is invalid");
        // an update onto a taken period is refused the same way
        long hour = call("POST", limits(plan, hits) + ".json", "period", "hour", "value", "5").json()
                .path("limit").path("id").asLong();
        Answer onto = call("PUT", limits(plan, hits) + "/" + hour + ".json", "period", "day");
        assertThat(onto.status()).isEqualTo(422);
        assertThat(onto.json().path("errors").path("period").get(0).asText()).isEqualTo("has already been taken");
        // the same period on another metric or another plan is fine
        long tokens = tokenMetric("total_tokens");
        assertThat(call("POST", limits(plan, tokens) + ".json", "period", "day", "value", "1000").status())
                .isEqualTo(201);
        long premium = call("POST", "/admin/api/services/" + sid + "/application_plans.json", "name", "Premium")
                .json().path("application_plan").path("id").asLong();
        assertThat(call("POST", limits(premium, hits) + ".json", "period", "day", "value", "9").status())
                .isEqualTo(201);
    }

    @Test
    void aValueIsNotValidatedBlankOrNegativeIsSavedAsZero() throws IOException {
        assertThat(call("POST", limits(plan, hits) + ".json", "period", "day", "value", "-3").json()
                .path("limit").path("value").asLong()).isZero();
        assertThat(call("POST", limits(plan, hits) + ".json", "period", "hour").json()
                .path("limit").path("value").asLong()).isZero();
    }

    @Test
    void unknownPlanMetricOrLimitAre404AndAnotherProductsMetricIsUnknown() throws IOException {
        assertThat(call("GET", limits(999_999, hits) + ".json").status()).isEqualTo(404);
        assertThat(call("GET", "/admin/api/application_plans/999999/limits.json").status()).isEqualTo(404);
        assertThat(call("POST", limits(plan, 999_999) + ".json", "period", "day", "value", "1").status())
                .isEqualTo(404);
        assertThat(call("GET", limits(plan, hits) + "/999999.json").status()).isEqualTo(404);
        long other = call("POST", "/admin/api/services.json", "name", "Llama", "system_name", "llama")
                .json().path("service").path("id").asLong();
        long otherHits = -1;
        for (JsonNode m : call("GET", "/admin/api/services/" + other + "/metrics.json").json().path("metrics")) {
            if (m.path("metric").path("system_name").asText().equals("hits")) {
                otherHits = m.path("metric").path("id").asLong();
            }
        }
        Answer a = call("POST", limits(plan, otherHits) + ".json", "period", "day", "value", "1");
        assertThat(a.status()).isEqualTo(404);
        assertThat(a.json().path("status").asText()).isEqualTo("Not found");
    }

    @Test
    void aPlansOrAMetricsLimitsGoWithIt() throws IOException {
        long tokens = tokenMetric("prompt_tokens");
        call("POST", limits(plan, hits) + ".json", "period", "minute", "value", "10");
        call("POST", limits(plan, tokens) + ".json", "period", "day", "value", "1000");
        assertThat(sim.store().snapshot("usage_limits")).hasSize(2);
        assertThat(call("DELETE", "/admin/api/services/" + sid + "/metrics/" + tokens + ".json").status())
                .isEqualTo(200);
        assertThat(sim.store().snapshot("usage_limits")).hasSize(1);
        assertThat(call("DELETE", "/admin/api/services/" + sid + "/application_plans/" + plan + ".json").status())
                .isEqualTo(200);
        assertThat(sim.store().snapshot("usage_limits")).isEmpty();
    }

    @Test
    void aPlanAnApplicationUsesCannotBeDeleted() throws IOException {
        Answer signup = call("POST", "/admin/api/signup.json", "org_name", "Dev Org", "username", "dev-user",
                "email", "dev@example.invalid", "password", "Pw-1-dev-user");
        assertThat(signup.status()).as(signup.text()).isEqualTo(201);
        long account = signup.json().path("account").path("id").asLong();
        Answer app = call("POST", "/admin/api/accounts/" + account + "/applications.json", "plan_id",
                String.valueOf(plan), "name", "My app", "description", "An application");
        assertThat(app.status()).as(app.text()).isEqualTo(201);
        Answer refused = call("DELETE", "/admin/api/services/" + sid + "/application_plans/" + plan + ".json");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().path("errors").path("base").get(0).asText())
                .isEqualTo("This application plan cannot be deleted! At least one application depends on it.");
    }

    @Test
    void limitsAreKeptInTheSavedState() throws IOException {
        call("POST", limits(plan, hits) + ".json", "period", "minute", "value", "10");
        byte[] state = sim.store().state();
        call("DELETE", "/admin/api/services/" + sid + "/application_plans/" + plan + ".json");
        assertThat(sim.store().snapshot("usage_limits")).isEmpty();
        sim.store().restore(JSON.readTree(state));
        assertThat(call("GET", "/admin/api/application_plans/" + plan + "/limits.json").json().path("limits"))
                .hasSize(1);
    }
}
