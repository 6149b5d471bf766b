package dev.maas.installer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.sandbox.Sandbox;
import dev.maas.installer.sandbox.SandboxKeycloak;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.representations.idm.ClientRepresentation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drift is never reported as success, through the CLI on the sandbox with its real Keycloak: after every stage is
 * applied, the redirect URIs of client {@code 3scale} are changed by hand; {@code verify} then exits 3, its text
 * says DRIFTED (never OK) for the stages that read them, its JSON and its journal say the same; applying the sso
 * stage alone (it owns those URIs) repairs them for the portal too, and verify exits 0 for every stage.
 */
@StartsKeycloak
@StartsSandbox
class CliDriftSandboxTest {
    @TempDir
    static Path tmp;

    private static Sandbox sandbox;

    @AfterAll
    static void stop() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    void aHandEditIsDriftEverywhereAndTheSsoStageAloneRepairsItForThePortalToo() throws Exception {
        sandbox = Sandbox.run(tmp.resolve("sb"));
        SandboxKeycloak.Running kc = sandbox.keycloak();
        CliHarness cli = new CliHarness(tmp.resolve("client"), Stages.all().toArray(Stage[]::new));
        String cfg = sandbox.configFile().toString();

        CliHarness.Result applied = cli.run("apply", "--yes", "--config", cfg);
        assertThat(applied.code()).as(applied.toString()).isZero();
        CliHarness.Result clean = cli.run("verify", "--config", cfg);
        assertThat(clean.code()).as(clean.toString()).isZero();

        // by hand, in Keycloak: the client now redirects anywhere under another host
        try (Keycloak admin = KeycloakBuilder.builder().serverUrl(kc.url()).realm("master").clientId("admin-cli")
                .username(kc.adminUser()).password(kc.adminPassword()).grantType("password").build()) {
            ClientRepresentation client = admin.realm("maas").clients().findByClientId("3scale").get(0);
            client.setRedirectUris(List.of("https://evil.example.com/*"));
            admin.realm("maas").clients().get(client.getId()).update(client);
        }

        Path journal = tmp.resolve("verify-drift.jsonl");
        CliHarness.Result drift = cli.run("verify", "--config", cfg, "--journal", journal.toString());
        assertThat(drift.code()).as(drift.toString()).isEqualTo(ExitCodes.VERIFY_PROBLEMS);
        assertThat(drift.out()).contains("[sso] Red Hat SSO (Keycloak): DRIFTED\n")
                .contains("[portal] Developer portal: DRIFTED\n")
                .doesNotContain("[sso] Red Hat SSO (Keycloak): OK").doesNotContain("[portal] Developer portal: OK")
                .contains("what to do: rerun stage 'sso'")
                .contains("Stages: 5 OK, 2 drifted.");
        System.out.println("verify after the hand edit:\n" + drift.out());
        JsonNode finished = null;
        for (String line : Files.readAllLines(journal)) {
            JsonNode n = CliHarness.JSON.readTree(line);
            if (n.path("event").asText().equals("run-finished")) {
                finished = n;
            }
        }
        assertThat(finished).as("run-finished in the journal").isNotNull();
        assertThat(finished.path("allOk").asBoolean(true)).isFalse();
        assertThat(finished.path("outcomes").path(StageIds.SSO).asText()).isEqualTo("DRIFTED");
        assertThat(finished.path("outcomes").path(StageIds.PORTAL).asText()).isEqualTo("DRIFTED");

        CliHarness.Result json = cli.run("verify", "--config", cfg, "--output", "json");
        assertThat(json.code()).isEqualTo(ExitCodes.VERIFY_PROBLEMS);
        for (JsonNode s : json.json().path("stages")) {
            String id = s.path("id").asText();
            boolean readsTheUris = id.equals(StageIds.SSO) || id.equals(StageIds.PORTAL);
            if (readsTheUris) {
                assertThat(s.path("result").asText()).as(id).isEqualTo("DRIFTED");
            } else {
                assertThat(s.path("result").asText()).as(id).isIn("OK", "WARN");
            }
            if (readsTheUris) {
                assertThat(s.path("error").asText()).as(id).startsWith("1 check failed: ");
                assertThat(s.path("fix").path("target").asText()).as(id).isEqualTo(StageIds.SSO);
            }
        }

        // the sso stage alone: it owns the redirect URIs, so the portal stage verifies again too
        CliHarness.Result sso = cli.run("apply", "--stage", "sso", "--yes", "--config", cfg);
        assertThat(sso.code()).as(sso.toString()).isZero();
        CliHarness.Result after = cli.run("verify", "--config", cfg, "--output", "json");
        assertThat(after.code()).as(after.toString()).isZero();
        for (JsonNode s : after.json().path("stages")) {
            assertThat(s.path("result").asText()).as(s.path("id").asText()).isIn("OK", "WARN");
        }
        // and rerunning it once more changes nothing
        CliHarness.Result again = cli.run("apply", "--stage", "sso", "--yes", "--config", cfg, "--output", "json");
        assertThat(again.code()).isZero();
        for (JsonNode change : again.json().path("stages").get(0).path("changes")) {
            assertThat(change.path("action").asText()).as(change.toString()).isEqualTo("NOOP");
        }
    }
}
