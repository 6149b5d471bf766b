package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Application;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Analytics API's top applications of a product as porta 3scale-2.15.1-GA answers them
 * (app/controllers/stats/api/services_controller.rb#top_applications, app/lib/stats/service.rb#top_clients; the
 * shape as test/integration/stats/services_test.rb 'top_clients as json' asserts it), from the simulated backend's
 * counters.
 */
@StartsSandbox
class PortaTopApplicationsSimulatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
    private ThreescaleSimulator sim;
    private ThreescaleClient api;

    private record Answer(int status, JsonNode json) {
    }

    @BeforeEach
    void start() {
        sim = ThreescaleSimulator.start(SimulatorOptions.defaults().withDelays(AsyncDelays.none()));
        api = ThreescaleClient.builder(sim.url(), sim.accessToken()).build();
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private Answer top(long serviceId, String... kv) throws IOException {
        return stats("/stats/services/" + serviceId + "/top_applications.json", kv);
    }

    private Answer stats(String path, String... kv) throws IOException {
        HttpUrl.Builder url = HttpUrl.get(sim.url() + path)
                .newBuilder().addQueryParameter("access_token", sim.accessToken());
        for (int i = 0; i < kv.length; i += 2) {
            url.addQueryParameter(kv[i], kv[i + 1]);
        }
        try (Response r = http.newCall(new Request.Builder().url(url.build()).build()).execute()) {
            return new Answer(r.code(), JSON.readTree(r.body().string()));
        }
    }

    private void at(String instant) {
        sim.store().useBackendClock(Clock.fixed(Instant.parse(instant), ZoneOffset.UTC));
    }

    @Test
    void theApplicationsWithTheMostTrafficInThePeriodOfSinceLargestFirst() throws IOException {
        long sid = api.services().create("Granite", "granite", Map.of()).id();
        long plan = api.product(sid).createApplicationPlan("Free", Map.of()).id();
        long account = sim.store().addDeveloperAccount("Top Org").get("id").asLong();
        Application busy = api.tenant().createApplication(account, plan, "busy", "busy app");
        Application quiet = api.tenant().createApplication(account, plan, "quiet", "quiet app");
        Application idle = api.tenant().createApplication(account, plan, "idle", "no traffic");

        at("2026-11-30T10:00:00Z"); // November: not in December's answer
        sim.store().authrep(sid, quiet.userKey(), Map.of("hits", 5L));
        at("2026-12-02T10:00:00Z");
        sim.store().authrep(sid, busy.userKey(), Map.of("hits", 1L));
        sim.store().authrep(sid, busy.userKey(), Map.of("hits", 1L));
        at("2026-12-15T23:59:00Z");
        sim.store().authrep(sid, quiet.userKey(), Map.of("hits", 1L));
        sim.store().authrep(sid, busy.userKey(), Map.of("hits", 1L));
        at("2026-12-22T08:00:00Z");

        Answer a = top(sid, "period", "month", "metric_name", "hits");
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.json().path("period").path("name").asText()).isEqualTo("month");
        assertThat(a.json().path("period").path("since").asText()).isEqualTo("2026-12-01T00:00:00Z");
        assertThat(a.json().path("period").path("until").asText()).isEqualTo("2026-12-31T23:59:59Z");
        assertThat(a.json().path("metric").path("system_name").asText()).isEqualTo("hits");
        assertThat(a.json().path("metric").path("name").asText()).isEqualTo("Hits");
        JsonNode apps = a.json().path("applications");
        assertThat(apps).hasSize(2);
        JsonNode first = apps.get(0);
        assertThat(first.path("id").asLong()).isEqualTo(busy.id());
        assertThat(first.path("name").asText()).isEqualTo("busy");
        assertThat(first.path("value").isTextual()).as("porta gives Redis' string").isTrue();
        assertThat(first.path("value").asText()).isEqualTo("3");
        assertThat(first.path("account").path("id").asLong()).isEqualTo(account);
        assertThat(first.path("account").path("name").asText()).isEqualTo("Top Org");
        assertThat(first.path("plan").path("id").asLong()).isEqualTo(plan);
        assertThat(first.path("plan").path("name").asText()).isEqualTo("Free");
        assertThat(first.path("service").path("id").asLong()).isEqualTo(sid);
        assertThat(apps.get(1).path("id").asLong()).isEqualTo(quiet.id());
        assertThat(apps.get(1).path("value").asText()).isEqualTo("1");
        assertThat(apps.findValues("id")).noneMatch(id -> id.asLong() == idle.id());

        // since is moved to the start of its period: a day in November gives all of November
        Answer november = top(sid, "period", "month", "metric_name", "hits", "since", "2026-11-20");
        assertThat(november.json().path("period").path("since").asText()).isEqualTo("2026-11-01T00:00:00Z");
        assertThat(november.json().path("applications")).singleElement()
                .satisfies(x -> assertThat(x.path("value").asText()).isEqualTo("5"));
        // a week runs from Monday: 2026-12-15 is a Tuesday
        Answer week = top(sid, "period", "week", "metric_name", "hits", "since", "2026-12-15 12:00:00");
        assertThat(week.json().path("period").path("since").asText()).isEqualTo("2026-12-14T00:00:00Z");
        assertThat(week.json().path("period").path("until").asText()).isEqualTo("2026-12-20T23:59:59Z");
        assertThat(week.json().path("applications").findValuesAsText("value")).containsExactly("1", "1");
        assertThat(week.json().path("applications").get(0).path("id").asLong())
                .as("equal values: the simulator puts the larger id first").isEqualTo(quiet.id());

        // a deleted application is left out
        api.tenant().deleteApplication(account, busy.id());
        assertThat(top(sid, "period", "month", "metric_name", "hits").json().path("applications"))
                .singleElement().satisfies(x -> assertThat(x.path("id").asLong()).isEqualTo(quiet.id()));
    }

    @Test
    void atMostTenAndPortasErrors() throws IOException {
        long sid = api.services().create("Granite", "granite", Map.of()).id();
        long plan = api.product(sid).createApplicationPlan("Free", Map.of()).id();
        long account = sim.store().addDeveloperAccount("Many Org").get("id").asLong();
        for (int i = 1; i <= 12; i++) {
            Application app = api.tenant().createApplication(account, plan, "app " + i, "app");
            sim.store().authrep(sid, app.userKey(), Map.of("hits", (long) i));
        }
        JsonNode apps = top(sid, "period", "day", "metric_name", "hits").json().path("applications");
        assertThat(apps.findValuesAsText("value"))
                .containsExactly("12", "11", "10", "9", "8", "7", "6", "5", "4", "3");

        Answer noPeriod = top(sid, "metric_name", "hits");
        assertThat(noPeriod.status()).isEqualTo(400);
        assertThat(noPeriod.json().path("error").asText())
                .isEqualTo("Period must be one of [\"year\", \"month\", \"week\", \"day\"] not nil");
        assertThat(top(sid, "period", "hour", "metric_name", "hits").json().path("error").asText())
                .isEqualTo("Period must be one of [\"year\", \"month\", \"week\", \"day\"] not \"hour\"");
        Answer noMetric = top(sid, "period", "day");
        assertThat(noMetric.status()).isEqualTo(400);
        assertThat(noMetric.json().path("error").asText()).isEqualTo("Missing key(s): metric_name");
        Answer unknown = top(sid, "period", "day", "metric_name", "nope");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().path("error").asText()).isEqualTo("metric nope not found");
        // the usage endpoint too: porta app/lib/stats/base.rb extract_metric, a 400 (stats/data/base_controller.rb)
        Answer unknownUsage = stats("/stats/services/" + sid + "/usage.json", "period", "day", "metric_name", "nope");
        assertThat(unknownUsage.status()).isEqualTo(400);
        assertThat(unknownUsage.json().path("error").asText()).isEqualTo("metric nope not found");
        Answer noService = top(424242, "period", "day", "metric_name", "hits");
        assertThat(noService.status()).isEqualTo(404);
        assertThat(noService.json().path("error").asText()).isEqualTo("Service not found");
    }
}
