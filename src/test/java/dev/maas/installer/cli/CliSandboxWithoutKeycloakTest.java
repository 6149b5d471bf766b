package dev.maas.installer.cli;

import dev.maas.installer.testing.StartsSandbox;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.cli.CliSandboxTest.LineWriter;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.stages.Stages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sandbox that runs without Keycloak says so (sandbox.json, its marker ConfigMap), and nothing waits for a Keycloak
 * that cannot come: {@code apply} of all stages leaves sso and portal out with the reason and applies the other
 * five (exit 0); {@code apply --stage sso} stops at once with the reason and a fix that fits a sandbox.
 */
@StartsSandbox
class CliSandboxWithoutKeycloakTest {
    @TempDir
    Path tmp;

    @Test
    void applyAllLeavesSsoAndPortalOutWithTheReasonAndTheSsoStageAloneStopsAtOnce() throws Exception {
        Path dir = tmp.resolve("sb");
        CliHarness sandboxCli = new CliHarness(tmp);
        LineWriter out = new LineWriter();
        LineWriter err = new LineWriter();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
                () -> sandboxCli.run(out, err, "sandbox", "--dir", dir.toString(), "--no-keycloak"));
        try {
            String ready = CompletableFuture.anyOf(out.firstLine, exit.thenApply(code -> "exited " + code + ": " + err))
                    .get(120, TimeUnit.SECONDS).toString();
            assertThat(ready).startsWith("SANDBOX READY");
            assertThat(err.toString()).contains("without Keycloak").doesNotContain("mvnw");
            JsonNode sandboxJson = new ObjectMapper().readTree(Files.readString(dir.resolve("sandbox.json")));
            assertThat(sandboxJson.path("keycloakAbsent").path("reason").asText())
                    .isEqualTo("it was started with --no-keycloak");
            assertThat(sandboxJson.has("keycloak")).isFalse();
            String config = dir.resolve("maas-installer.yaml").toString();

            CliHarness cli = new CliHarness(tmp.resolve("client"), Stages.all().toArray(Stage[]::new));
            long t0 = System.nanoTime();
            CliHarness.Result all = cli.run("apply", "--yes", "--config", config, "--output", "json");
            Duration took = Duration.ofNanos(System.nanoTime() - t0);

            assertThat(all.code()).as(all.toString()).isZero();
            Map<String, String> results = new LinkedHashMap<>();
            for (JsonNode s : all.json().path("stages")) {
                results.put(s.path("id").asText(), s.path("result").asText());
            }
            assertThat(results).containsExactly(Map.entry("preflight", "OK"), Map.entry("sso", "NOT_AVAILABLE"),
                    Map.entry("threescale", "OK"), Map.entry("backends", "OK"), Map.entry("products", "OK"),
                    Map.entry("plans", "OK"), Map.entry("portal", "NOT_AVAILABLE"));
            JsonNode sso = all.json().path("stages").get(1);
            assertThat(sso.path("error").asText()).startsWith("left out: SSO cannot be tried in this sandbox: it runs"
                    + " without Keycloak (");
            assertThat(sso.path("fix").path("hint").asText()).contains("--download-keycloak")
                    .doesNotContain("oc describe").doesNotContain("mvnw");
            assertThat(all.json().path("stages").get(6).path("error").asText())
                    .contains("the developer portal cannot be tried in this sandbox");
            assertThat(took).as("no wait for a Keycloak that cannot come").isLessThan(Duration.ofMinutes(4));

            // verify: what could be applied is verified (the tenant's time zone is a manual step: WARN), the two
            // stages left out are neutral, not failures
            CliHarness.Result verify = cli.run("verify", "--config", config, "--output", "json");
            Map<String, String> verified = new LinkedHashMap<>();
            for (JsonNode s : verify.json().path("stages")) {
                verified.put(s.path("id").asText(), s.path("result").asText());
            }
            assertThat(verified).as(verify.toString()).containsExactly(Map.entry("preflight", "OK"),
                    Map.entry("sso", "NOT_AVAILABLE"), Map.entry("threescale", "WARN"), Map.entry("backends", "OK"),
                    Map.entry("products", "OK"), Map.entry("plans", "OK"), Map.entry("portal", "NOT_AVAILABLE"));
            assertThat(verify.code()).as(verify.toString()).isZero();

            long t1 = System.nanoTime();
            CliHarness.Result alone = cli.run("apply", "--yes", "--stage", "sso", "--config", config);
            assertThat(alone.code()).as(alone.toString()).isEqualTo(1);
            assertThat(alone.toString()).contains("SSO cannot be tried in this sandbox", "--download-keycloak")
                    .doesNotContain("oc describe");
            assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(Duration.ofSeconds(30));
        } finally {
            if (sandboxCli.interrupt.installed != null) {
                sandboxCli.interrupt.fire().join(TimeUnit.SECONDS.toMillis(30));
            }
        }
        assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
    }
}
