package dev.maas.installer.threescale;

import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import dev.maas.installer.testing.FastRetries;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.model.Service;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** 422 messages name the field; 403 messages say which scope or permission is missing and how to fix the token. */
@StartsSandbox
class ThreescaleErrorsTest {

    private static ThreescaleClient client(ThreescaleSimulator sim, String token) {
        return ThreescaleClient.builder(sim.url(), token).retry(FastRetries.threescale(3, 7)).build();
    }

    @Test
    void duplicateSystemNameNamesTheField() {
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults())) {
            ThreescaleClient c = client(sim, sim.accessToken());
            c.backends().create("Granite", "granite", null, "http://granite.svc:8080");
            assertThatThrownBy(() -> c.backends().create("Granite 2", "granite", null, "http://granite2.svc:8080"))
                    .isInstanceOfSatisfying(ThreescaleApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(422);
                        assertThat(e.fieldErrors()).containsEntry("system_name", java.util.List.of("has already been taken"));
                        assertThat(e.getMessage()).contains("POST /admin/api/backend_apis.json")
                                .contains("system_name has already been taken");
                    });
        }
    }

    @Test
    void localhostPrivateEndpointAndMissingFieldsAreNamed() {
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults())) {
            ThreescaleClient c = client(sim, sim.accessToken());
            assertThatThrownBy(() -> c.backends().create("Local", "local", null, "http://localhost:8080"))
                    .isInstanceOfSatisfying(ThreescaleApiException.class, e -> {
                        assertThat(e.fieldErrors()).containsKey("private_endpoint");
                        assertThat(e.getMessage()).contains("private_endpoint Sorry, this domain is protected");
                    });
            assertThatThrownBy(() -> c.backends().create("Loop", "loop", null, "http://127.0.0.1"))
                    .hasMessageContaining("private_endpoint");
            assertThatThrownBy(() -> c.backends().create("", "empty", null, "ftp://x"))
                    .hasMessageContaining("name can't be blank").hasMessageContaining("private_endpoint the accepted"
                            + " format is 'scheme://address(:port)(/path)'");
            Service s = c.services().create("S", "ss", Map.of());
            assertThatThrownBy(() -> c.product(s.id()).updateProxy(Map.of("credentials_location", "cookie")))
                    .hasMessageContaining("credentials_location is not included in the list");
        }
    }

    @Test
    void unknownTokenIsExplained() {
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults())) {
            ThreescaleClient c = client(sim, "not-the-token-0123456789");
            assertThatThrownBy(() -> c.services().list()).isInstanceOfSatisfying(ThreescaleApiException.class, e -> {
                assertThat(e.status()).isEqualTo(403);
                assertThat(e.getMessage()).contains("did not accept the access token")
                        .contains("ADMIN_ACCESS_TOKEN").contains("system-seed")
                        .doesNotContain("not-the-token-0123456789");
            });
        }
    }

    @Test
    void missingScopeAndReadOnlyTokenAreExplained() {
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults()
                .withScopes(Set.of("account_management"), false))) {
            ThreescaleClient c = client(sim, sim.accessToken());
            assertThat(c.services().list()).isNotEmpty();
            assertThatThrownBy(() -> c.cms().sections()).isInstanceOfSatisfying(ThreescaleApiException.class, e -> {
                assertThat(e.status()).isEqualTo(403);
                assertThat(e.getMessage()).contains("'Developer Portal API' scope");
            });
            assertThatThrownBy(() -> c.tenant().registryPolicies()).hasMessageContaining("'Policy Registry API' scope");
        }
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults()
                .withScopes(SimulatorOptions.ALL_SCOPES, true))) {
            ThreescaleClient c = client(sim, sim.accessToken());
            assertThat(c.backends().list()).isNotEmpty();
            assertThatThrownBy(() -> c.backends().create("B", "b", null, "http://b.svc:80"))
                    .isInstanceOfSatisfying(ThreescaleApiException.class, e -> assertThat(e.getMessage())
                            .contains("may not change").contains("'Account Management API' scope with Read & Write permission"));
        }
    }

    @Test
    void bearerHeaderIsNotAToken() throws Exception {
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults())) {
            okhttp3.Request req = new okhttp3.Request.Builder().url(sim.url() + "/admin/api/services.json")
                    .header("Authorization", "Bearer " + sim.accessToken()).build();
            try (okhttp3.Response r = new okhttp3.OkHttpClient().newCall(req).execute()) {
                assertThat(r.code()).isEqualTo(403);
            }
            okhttp3.Request basic = new okhttp3.Request.Builder().url(sim.url() + "/admin/api/services.json")
                    .header("Authorization", okhttp3.Credentials.basic("", sim.accessToken())).build();
            try (okhttp3.Response r = new okhttp3.OkHttpClient().newCall(basic).execute()) {
                assertThat(r.code()).as("HTTP Basic with the token as password is accepted").isEqualTo(200);
            }
        }
    }

    /**
     * porta refuses unknown parameters only in the CMS API (ApiSupport::ForbidParams); elsewhere they are ignored, as
     * strong parameters do.
     */
    @Test
    void unknownParametersAreRefusedOnlyByTheCmsApi() throws Exception {
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults())) {
            okhttp3.Request req = new okhttp3.Request.Builder()
                    .url(sim.url() + "/admin/api/services/" + sim.store().snapshot("services").get(0).get("id").asLong()
                            + "/metrics.json?access_token=" + sim.accessToken() + "&per_page=500&colour=blue").build();
            try (okhttp3.Response r = new okhttp3.OkHttpClient().newCall(req).execute()) {
                assertThat(r.code()).isEqualTo(200);
            }
            okhttp3.Request cms = new okhttp3.Request.Builder()
                    .url(sim.url() + "/admin/api/cms/sections.json?access_token=" + sim.accessToken() + "&colour=blue")
                    .build();
            try (okhttp3.Response r = new okhttp3.OkHttpClient().newCall(cms).execute()) {
                assertThat(r.code()).isEqualTo(422);
                assertThat(r.body().string()).contains("colour");
            }
        }
    }
}
