package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Account;
import okhttp3.FormBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The simulator's developer signup and account deletion as porta answers them (signups_controller.rb,
 * accounts_controller.rb#destroy): validation errors, the default plans' contracts, and the account's applications
 * gone with it.
 */
@StartsSandbox
class PortaSignupSimulatorTest {
    private ThreescaleSimulator sim;
    private ThreescaleClient api;

    @BeforeEach
    void start() {
        sim = ThreescaleSimulator.start(SimulatorOptions.defaults().withDelays(AsyncDelays.none()));
        api = ThreescaleClient.builder(sim.url(), sim.accessToken()).build();
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void aSignupWithoutOrganizationOrWithAShortUsernameIsRefusedNamingTheField() throws Exception {
        OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();
        FormBody form = new FormBody.Builder().add("access_token", sim.accessToken()).add("username", "ab")
                .add("email", "not an email").build();
        try (Response r = http.newCall(new Request.Builder().url(sim.url() + "/admin/api/signup.json").post(form)
                .build()).execute()) {
            assertThat(r.code()).isEqualTo(422);
            var errors = new ObjectMapper().readTree(r.body().string()).path("errors");
            assertThat(errors.path("org_name").get(0).asText()).isEqualTo("can't be blank");
            assertThat(errors.path("username").get(0).asText()).isEqualTo("is too short (minimum is 3 characters)");
            assertThat(errors.has("email")).as("a minimal signup's email format is not checked").isFalse();
        }
    }

    @Test
    void aSignupGetsTheDefaultPlansAndDeletingTheAccountRemovesItsApplications() {
        long before = sim.store().snapshot("applications").size();
        // the sample product "API" has a default service plan and a default application plan (Basic)
        Account a = api.tenant().signup("Signup Org", "signup-user", "signup@example.invalid", "Pw-1-signup");
        assertThat(a.state()).isEqualTo("approved");
        assertThat(api.tenant().applications(a.id())).singleElement()
                .satisfies(app -> assertThat(app.name()).isEqualTo("API signup"));
        assertThat(sim.store().snapshot("applications")).hasSize((int) before + 1);

        long plan = sim.store().snapshot("application_plans").stream()
                .filter(p -> "Unlimited".equals(p.path("name").asText())).findFirst().orElseThrow()
                .path("id").asLong();
        api.tenant().createApplication(a.id(), plan, "second", "second");
        api.tenant().deleteAccount(a.id());
        assertThat(api.tenant().accounts(null)).noneMatch(x -> x.id() == a.id());
        assertThat(sim.store().snapshot("applications")).hasSize((int) before);
        assertThat(sim.store().snapshot("service_subscriptions"))
                .noneMatch(c -> c.path("user_account_id").asLong() == a.id());
        assertThatThrownBy(() -> api.tenant().applications(a.id())).isInstanceOf(ThreescaleApiException.class)
                .satisfies(e -> assertThat(((ThreescaleApiException) e).status()).isEqualTo(404));
    }
}
