package dev.maas.installer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.sandbox.Sandbox;
import dev.maas.installer.sandbox.SandboxKeycloak;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.stages.e2e.Marker;
import dev.maas.installer.testing.KeycloakServer;
import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.Product;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Service;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.representations.idm.ProtocolMapperRepresentation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code maas-installer test} on the sandbox after a full apply, end to end: a real Keycloak's login form and token
 * endpoint, the 3scale simulator's accounts and applications, and the sandbox's production APIcast in front of the
 * served models' stand-ins. Breaking the realm or a product's promoted configuration makes it exit 3 naming what
 * broke and the stage that repairs it; after that stage runs, it passes again.
 */
@StartsKeycloak
@StartsSandbox
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@org.junit.jupiter.api.TestInstance(org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS)
class CliTestCommandTest {
    private static final String REALM = "maas-e2e";

    @TempDir
    static Path tmp;

    private KeycloakServer.Endpoint kc;
    private Sandbox sandbox;
    private CliHarness cli;
    private String cfg;
    private List<String> models;

    /** The Keycloak the sandbox uses (the legacy variant overrides it). */
    KeycloakServer.Endpoint server() {
        return KeycloakServer.get();
    }

    @BeforeAll
    void applyEverything() throws Exception {
        kc = server();
        sandbox = Sandbox.run(tmp.resolve("sandbox"), SandboxCluster.Options.defaults().withModels(true),
                SandboxKeycloak.existing(kc.url(), kc.adminUser(), kc.adminPassword()));
        String yaml = Files.readString(sandbox.configFile()).replaceFirst("(?m)^sso:\\n", "sso:\n  realm: " + REALM
                + "\n");
        cfg = Files.writeString(tmp.resolve("maas-installer.yaml"), yaml).toString();
        cli = new CliHarness(tmp.resolve("client"));
        cli.stages.addAll(dev.maas.installer.stages.Stages.all());
        CliHarness.Result apply = cli.run("apply", "--yes", "--config", cfg, "--output", "json");
        assertThat(apply.code()).as(apply.toString()).isZero();
        models = new ArrayList<>();
        for (Service s : threescale().services().list()) {
            if (!"api".equals(s.systemName())) {
                models.add(s.systemName());
            }
        }
        assertThat(models).isNotEmpty();
    }

    @AfterAll
    void stop() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    private ThreescaleClient threescale() {
        return ThreescaleClient.builder(sandbox.threescale().url(), sandbox.threescale().accessToken()).build();
    }

    private Keycloak admin() {
        return KeycloakBuilder.builder().serverUrl(kc.url()).realm("master").clientId("admin-cli")
                .username(kc.adminUser()).password(kc.adminPassword()).grantType("password").build();
    }

    /** Users of the realm, developer accounts and applications: what the test must leave as it found. */
    private Map<String, Integer> counts() {
        try (Keycloak k = admin()) {
            var store = sandbox.threescale().store();
            return Map.of("users", k.realm(REALM).users().count(),
                    "accounts", store.snapshot("accounts").size(),
                    "applications", store.snapshot("applications").size());
        }
    }

    private CliHarness.Result test(String... more) {
        List<String> args = new ArrayList<>(List.of("test", "--config", cfg, "--output", "json"));
        args.addAll(List.of(more));
        return cli.run(args.toArray(String[]::new));
    }

    private static JsonNode check(JsonNode checks, String name) {
        for (JsonNode c : checks) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no check " + name + " in " + checks);
    }

    @Test
    @Order(1)
    void afterAFullApplyEveryCheckPassesAndNothingIsLeftBehind() {
        Map<String, Integer> before = counts();
        CliHarness.Result r = test("--inference");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode json = r.json();
        assertThat(json.path("signIn").path("status").asText()).isEqualTo("pass");
        assertThat(check(json.path("signIn").path("checks"), "org_name").path("status").asText()).isEqualTo("pass");
        List<String> tested = new ArrayList<>();
        for (JsonNode m : json.path("models")) {
            tested.add(m.path("systemName").asText());
            assertThat(m.path("status").asText()).as(m.toString()).isEqualTo("pass");
            assertThat(check(m.path("checks"), "models list").path("httpStatus").asInt()).isEqualTo(200);
            assertThat(check(m.path("checks"), "wrong key").path("httpStatus").asInt()).isEqualTo(403);
            assertThat(check(m.path("checks"), "unmapped path").path("httpStatus").asInt()).isEqualTo(404);
            assertThat(check(m.path("checks"), "inference").path("status").asText()).isEqualTo("pass");
            assertThat(check(m.path("checks"), "models list").path("latencyMs").isNumber()).isTrue();
            assertThat(m.path("answer").asText()).contains("\"data\"");
        }
        assertThat(tested).containsExactlyInAnyOrderElementsOf(models);
        assertThat(json.path("leftovers")).isEmpty();
        assertThat(counts()).isEqualTo(before);
        // the text report names every model it called
        CliHarness.Result text = cli.run("test", "--config", cfg);
        assertThat(text.code()).as(text.toString()).isZero();
        assertThat(text.out()).contains(models.toArray(String[]::new)).contains("PASS");
    }

    @Test
    @Order(2)
    void withoutTheOrgNameMapperTheSignInFailsNamingItUntilTheSsoStageRunsAgain() {
        try (Keycloak k = admin()) {
            var client = k.realm(REALM).clients().findByClientId("3scale").get(0);
            var mappers = k.realm(REALM).clients().get(client.getId()).getProtocolMappers();
            ProtocolMapperRepresentation orgName = mappers.getMappers().stream()
                    .filter(m -> "org_name".equals(m.getName())).findFirst().orElseThrow();
            mappers.delete(orgName.getId());
        }
        Map<String, Integer> before = counts();
        CliHarness.Result r = test();
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.VERIFY_PROBLEMS);
        JsonNode signIn = r.json().path("signIn");
        assertThat(signIn.path("status").asText()).isEqualTo("fail");
        JsonNode org = check(signIn.path("checks"), "org_name");
        assertThat(org.path("status").asText()).isEqualTo("fail");
        assertThat(org.path("message").asText()).contains("org_name");
        assertThat(org.path("fix").asText()).contains("--stage sso");
        assertThat(counts()).isEqualTo(before);

        CliHarness.Result sso = cli.run("apply", "--yes", "--stage", "sso", "--config", cfg);
        assertThat(sso.code()).as(sso.toString()).isZero();
        CliHarness.Result again = test();
        assertThat(again.code()).as(again.toString()).isZero();
    }

    @Test
    @Order(3)
    void aProductPromotedWithTheKeyInAnotherHeaderFailsNamingTheModelUntilTheProductsStageRunsAgain() {
        String broken = models.get(0);
        ThreescaleClient api = threescale();
        long id = api.services().findBySystemName(broken).orElseThrow().id();
        Product p = api.product(id);
        p.updateProxy(Map.of("credentials_location", "headers", "auth_user_key", "X-Api-Key"));
        var staging = p.deploy().orElseThrow();
        p.promote(Product.STAGING, staging.version(), Product.PRODUCTION);

        CliHarness.Result r = test();
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.VERIFY_PROBLEMS);
        assertThat(r.json().path("signIn").path("status").asText()).isEqualTo("pass");
        for (JsonNode m : r.json().path("models")) {
            boolean isBroken = m.path("systemName").asText().equals(broken);
            assertThat(m.path("status").asText()).as(m.toString()).isEqualTo(isBroken ? "fail" : "pass");
            if (isBroken) {
                JsonNode list = check(m.path("checks"), "models list");
                assertThat(list.path("message").asText()).contains("X-Api-Key");
                assertThat(list.path("fix").asText()).contains("--stage products");
            }
        }
        assertThat(r.err()).doesNotContain("Bearer ");

        CliHarness.Result products = cli.run("apply", "--yes", "--stage", "products", "--config", cfg);
        assertThat(products.code()).as(products.toString()).isZero();
        CliHarness.Result again = test();
        assertThat(again.code()).as(again.toString()).isZero();
    }

    @Test
    @Order(4)
    void anUnknownModelIsInvalidInputNamingTheOption() {
        CliHarness.Result r = test("--model", "no-such-model");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("--model", "no-such-model", models.get(0));
    }

    @Test
    @Order(5)
    void leftoversOfAnEarlierRunAreRemovedFirst() {
        Map<String, Integer> before = counts();
        sandbox.threescale().store().addDeveloperAccount(Marker.PREFIX + "leftover");
        CliHarness.Result r = test("--model", models.get(0));
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).contains("removed developer account " + Marker.PREFIX + "leftover");
        assertThat(r.json().path("models")).hasSize(1);
        assertThat(counts()).isEqualTo(before);
    }

    @Test
    @Order(6)
    void unreachableRoutesAreSaidPlainlyWithTheCurlCommandsToRunElsewhere() throws Exception {
        String yaml = Files.readString(Path.of(cfg)).replaceFirst("apicastProductionUrl: .*",
                "apicastProductionUrl: \"https://127.0.0.1:9\"");
        Path other = Files.writeString(tmp.resolve("unreachable.yaml"), yaml);
        Map<String, Integer> before = counts();
        CliHarness.Result r = cli.run("test", "--config", other.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.out()).contains("This machine cannot reach the gateway's routes")
                .contains("curl -sS -H \"Authorization: Bearer $KEY\" https://");
        assertThat(counts()).isEqualTo(before);
    }

    @Test
    @Order(7)
    void ctrlCWhileAModelIsCalledRemovesTheTemporaryObjectsAndExits1() throws Exception {
        Map<String, Integer> before = counts();
        java.io.StringWriter out = new java.io.StringWriter();
        StringBuffer seen = new StringBuffer();
        Thread[] fired = new Thread[1];
        java.io.Writer err = new java.io.Writer() {
            @Override
            public void write(char[] buf, int off, int len) {
                seen.append(buf, off, len);
                if (fired[0] == null && seen.indexOf("Calling ") >= 0) {
                    fired[0] = cli.interrupt.fire(); // Ctrl-C as the first model is called
                }
            }

            @Override
            public void flush() { }

            @Override
            public void close() { }
        };
        int code = cli.run(out, err, "test", "--config", cfg);
        fired[0].join(60_000);
        assertThat(code).as(seen.toString()).isEqualTo(ExitCodes.FAILURE);
        assertThat(cli.interrupt.exitCode).isEqualTo(ExitCodes.FAILURE);
        assertThat(seen.toString()).contains("Cancelling", "Removed the temporary developer account");
        assertThat(counts()).isEqualTo(before);
    }
}
