package dev.maas.installer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.sandbox.ApiRequest;
import dev.maas.installer.sandbox.Sandbox;
import dev.maas.installer.sandbox.SandboxKeycloak;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.stages.sso.SsoStageForTests;
import dev.maas.installer.testing.RequestRecorder;
import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coming back to the sandbox: a sandbox stopped (or killed) after some stages were applied resumes its state from its
 * folder; verify reports those stages done and a second apply sends no write to the cluster, 3scale or Keycloak.
 */
@StartsKeycloak
@StartsSandbox
class CliSandboxResumeTest {
    private static final long READY_TIMEOUT_S = 120;
    /** The stages that need no Keycloak. */
    private static final String WITHOUT_SSO = "preflight,threescale,backends,products,plans";

    @TempDir
    Path tmp;

    /** The accepted writes of the user (the installer) but the run lock's (see {@link BadInputTest#installWrites}). */
    private static List<ApiRequest> installWrites(SandboxCluster cluster) {
        return BadInputTest.installWrites(cluster);
    }

    private static void assertEveryStageDone(CliHarness.Result verify) {
        assertThat(verify.code()).as(verify.toString()).isZero();
        assertThat(verify.json().path("stages")).isNotEmpty();
        for (JsonNode s : verify.json().path("stages")) {
            assertThat(s.path("result").asText()).as(s.toString()).isIn("OK", "WARN");
        }
    }

    private static void assertNothingToChange(CliHarness.Result apply) {
        assertThat(apply.code()).as(apply.toString()).isZero();
        for (JsonNode stage : apply.json().path("stages")) {
            for (JsonNode change : stage.path("changes")) {
                assertThat(change.path("action").asText()).as(stage.path("id") + " " + change).isEqualTo("NOOP");
            }
        }
    }

    @Test
    void aStoppedSandboxResumesEveryStageAppliedAndASecondApplySendsNoWrite() throws Exception {
        Path dir = tmp.resolve("sb").toAbsolutePath();
        RequestRecorder keycloakRequests = new RequestRecorder();
        Stage sso = SsoStageForTests.withAdminFilters(Duration.ofSeconds(180), keycloakRequests);
        CliHarness cli = new CliHarness(tmp.resolve("client"), Stages.all().stream()
                .map(s -> s.id().equals(StageIds.SSO) ? sso : s).toArray(Stage[]::new));
        String kubernetesUrl;
        String threescaleUrl;
        String keycloakUrl;
        String apicastUrl;
        try (Sandbox first = Sandbox.run(dir)) {
            assertThat(first.keycloak()).as("the sandbox needs its Keycloak (the build unpacks it)").isNotNull();
            assertThat(first.resumed()).isFalse();
            assertThat(first.startLine()).isEqualTo("Started a new sandbox in " + dir);
            kubernetesUrl = first.cluster().url();
            threescaleUrl = first.threescaleUrl();
            keycloakUrl = first.keycloakUrl();
            apicastUrl = first.apicastProductionUrl();
            CliHarness.Result applied = cli.run("apply", "--yes", "--config", first.configFile().toString());
            assertThat(applied.code()).as(applied.toString()).isZero();
        }

        Sandbox.SavedState saved = Sandbox.saved(dir).orElseThrow();
        assertThat(saved.tenant()).isEqualTo("maas");
        assertThat(saved.products()).as(saved.summary()).isGreaterThan(1); // the sample "API" and the models'
        assertThat(saved.keycloakData()).isNotNull();

        try (Sandbox second = Sandbox.run(dir)) {
            assertThat(second.resumed()).isTrue();
            assertThat(second.startLine()).startsWith("Resumed the sandbox in " + dir + ": ")
                    .contains(" cluster objects, 3scale tenant maas (", "Keycloak data in " + dir);
            // the same endpoints, so that a configuration saved before still reaches it
            assertThat(second.cluster().url()).isEqualTo(kubernetesUrl);
            assertThat(second.threescaleUrl()).isEqualTo(threescaleUrl);
            assertThat(second.keycloakUrl()).isEqualTo(keycloakUrl);
            assertThat(second.apicastProductionUrl()).isEqualTo(apicastUrl);
            String cfg = second.configFile().toString();

            assertEveryStageDone(cli.run("verify", "--config", cfg, "--output", "json"));

            second.cluster().clearRequests();
            second.threescale().journal().clear();
            keycloakRequests.clear();
            assertNothingToChange(cli.run("apply", "--yes", "--config", cfg, "--output", "json"));
            assertThat(installWrites(second.cluster())).as("writes to the cluster").isEmpty();
            assertThat(second.threescale().journal().writes()).as("writes to 3scale").isZero();
            assertThat(keycloakRequests.all()).as("the sso stage did read Keycloak").isNotEmpty();
            assertThat(keycloakRequests.writes()).as("writes to Keycloak")
                    .allMatch(r -> r.path().endsWith("/protocol/openid-connect/logout"));
        }
    }

    @Test
    void aKilledSandboxResumesItsAcknowledgedWrites() throws Exception {
        Path dir = tmp.resolve("killed").toAbsolutePath();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "dev.maas.installer.Main", "sandbox", "--dir", dir.toString(), "--no-keycloak")
                .directory(tmp.toFile()).start();
        CliSandboxTest.StreamReader stdout = new CliSandboxTest.StreamReader(process.getInputStream(), "sb-out");
        CliSandboxTest.StreamReader stderr = new CliSandboxTest.StreamReader(process.getErrorStream(), "sb-err");
        CliHarness cli = new CliHarness(tmp.resolve("client"), Stages.all().toArray(Stage[]::new));
        try {
            String ready = CompletableFuture.anyOf(stdout.firstLine,
                            process.onExit().thenApply(p -> "exited " + p.exitValue() + ": " + stderr.text()))
                    .get(READY_TIMEOUT_S, TimeUnit.SECONDS).toString();
            assertThat(ready).startsWith("SANDBOX READY");
            assertThat(stderr.text()).contains("Started a new sandbox in " + dir);
            CliHarness.Result applied = cli.run("apply", "--yes", "--config", dir.resolve(Sandbox.CONFIG).toString(),
                    "--stage", WITHOUT_SSO);
            assertThat(applied.code()).as(applied.toString()).isZero();
        } finally {
            process.destroyForcibly(); // SIGKILL: no stop, no last snapshot
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.size(dir.resolve(Sandbox.STATE_DIR).resolve("cluster.log")))
                .as("the changes since the snapshot are in the log").isPositive();

        try (Sandbox resumed = Sandbox.run(dir, SandboxCluster.Options.defaults(), SandboxKeycloak.none())) {
            assertThat(resumed.resumed()).isTrue();
            String cfg = resumed.configFile().toString();
            assertEveryStageDone(cli.run("verify", "--config", cfg, "--stage", WITHOUT_SSO, "--output", "json"));
            resumed.cluster().clearRequests();
            resumed.threescale().journal().clear();
            assertNothingToChange(cli.run("apply", "--yes", "--config", cfg, "--stage", WITHOUT_SSO,
                    "--output", "json"));
            assertThat(installWrites(resumed.cluster())).as("writes to the cluster").isEmpty();
            assertThat(resumed.threescale().journal().writes()).as("writes to 3scale").isZero();
        }
    }

    @Test
    void freshSaysWhatItDiscardsAndStartsANewSandbox() throws Exception {
        Path dir = tmp.resolve("fresh").toAbsolutePath();
        try (Sandbox first = Sandbox.run(dir, SandboxCluster.Options.defaults(), SandboxKeycloak.none())) {
            assertThat(first.resumed()).isFalse();
        }
        CliHarness sandboxCli = new CliHarness(tmp);
        CliSandboxTest.LineWriter out = new CliSandboxTest.LineWriter();
        CliSandboxTest.LineWriter err = new CliSandboxTest.LineWriter();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
                () -> sandboxCli.run(out, err, "sandbox", "--dir", dir.toString(), "--no-keycloak", "--fresh"));
        try {
            String ready = CompletableFuture.anyOf(out.firstLine, exit.thenApply(code -> "exited " + code + ": " + err))
                    .get(READY_TIMEOUT_S, TimeUnit.SECONDS).toString();
            assertThat(ready).startsWith("SANDBOX READY");
            assertThat(err.toString()).contains("Discarding the sandbox in " + dir + ": ",
                    " cluster objects, 3scale tenant maas (1 product, 1 backend)", "Started a new sandbox in " + dir);
        } finally {
            if (sandboxCli.interrupt.installed != null) {
                sandboxCli.interrupt.fire().join(TimeUnit.SECONDS.toMillis(30));
            }
        }
        assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();

        // without --fresh: resumed, and said so
        CliSandboxTest.LineWriter out2 = new CliSandboxTest.LineWriter();
        CliSandboxTest.LineWriter err2 = new CliSandboxTest.LineWriter();
        CliHarness again = new CliHarness(tmp);
        CompletableFuture<Integer> exit2 = CompletableFuture.supplyAsync(
                () -> again.run(out2, err2, "sandbox", "--dir", dir.toString(), "--no-keycloak"));
        try {
            String ready = CompletableFuture.anyOf(out2.firstLine, exit2.thenApply(code -> "exited " + code + ": "
                    + err2)).get(READY_TIMEOUT_S, TimeUnit.SECONDS).toString();
            assertThat(ready).startsWith("SANDBOX READY");
            assertThat(err2.toString()).contains("Resumed the sandbox in " + dir + ": ");
            // a second sandbox on the same folder is refused while this one runs
            CliHarness.Result twice = new CliHarness(tmp).run("sandbox", "--dir", dir.toString(), "--no-keycloak");
            assertThat(twice.code()).as(twice.toString()).isEqualTo(2);
            assertThat(twice.err()).contains("a sandbox already runs on " + dir);
        } finally {
            if (again.interrupt.installed != null) {
                again.interrupt.fire().join(TimeUnit.SECONDS.toMillis(30));
            }
        }
        assertThat(exit2.get(30, TimeUnit.SECONDS)).isZero();
    }
}
