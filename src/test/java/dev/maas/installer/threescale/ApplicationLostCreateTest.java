package dev.maas.installer.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import dev.maas.installer.testing.FastRetries;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.model.Application;
import dev.maas.installer.threescale.model.ApplicationPlan;
import dev.maas.installer.threescale.model.Service;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A create of an application whose answer is lost is looked up by the user_key the client chose, never by name:
 * porta renders an application's name only as one of its fields (app/representers/cinstance_representer.rb,
 * fields_representer.rb), so a listing may have none, and a look-up by name would then send the create again.
 */
@StartsSandbox
class ApplicationLostCreateTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aLostCreateIsFoundByItsUserKeyAndNotMadeTwice() throws IOException {
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults())) {
            ThreescaleClient setup = ThreescaleClient.builder(sim.url(), sim.accessToken()).build();
            Service s = setup.services().create("Granite", "granite", Map.of());
            ApplicationPlan plan = setup.product(s.id()).createApplicationPlan("Standard",
                    Map.of("state_event", "publish"));
            long account = sim.store().addDeveloperAccount("ACME").get("id").asLong();

            AtomicInteger posts = new AtomicInteger();
            Interceptor loseFirstCreateAndNames = chain -> {
                Response r = chain.proceed(chain.request());
                String path = chain.request().url().encodedPath();
                if (chain.request().method().equals("POST") && path.endsWith("/applications.json")
                        && posts.incrementAndGet() == 1) {
                    r.close();
                    throw new IOException("connection reset after the server applied the create");
                }
                if (chain.request().method().equals("GET") && path.endsWith("/applications.json")) {
                    // as a tenant whose listing renders no name
                    JsonNode body = JSON.readTree(r.body().string());
                    body.path("applications").forEach(a -> ((ObjectNode) a.get("application")).remove("name"));
                    return r.newBuilder().body(ResponseBody.create(JSON.writeValueAsBytes(body),
                            MediaType.get("application/json"))).build();
                }
                return r;
            };
            ThreescaleClient c = ThreescaleClient.builder(sim.url(), sim.accessToken())
                    .retry(FastRetries.threescale(4, 1))
                    .okHttp(new OkHttpClient.Builder().addInterceptor(loseFirstCreateAndNames).build()).build();

            Application app = c.tenant().createApplication(account, plan.id(), "probe", "subscribe");
            assertThat(posts.get()).as("the create was not sent again").isEqualTo(1);
            assertThat(sim.store().snapshot("applications"))
                    .filteredOn(a -> a.get("account_id").asLong() == account).singleElement()
                    .satisfies(a -> assertThat(a.get("id").asLong()).isEqualTo(app.id()));
            assertThat(app.userKey()).matches("[0-9a-f]{32}");
        }
    }
}
