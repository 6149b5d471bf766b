package dev.maas.installer.cli;

import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.cli.CliHarness.Result;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.sandbox.Sandbox;
import dev.maas.installer.sandbox.SandboxKeycloak;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.threescale.Product;
import dev.maas.installer.threescale.ThreescaleClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --prune} on the plans stage: a tier removed from the configuration loses its plan only when asked. */
@StartsSandbox
class CliTierPruneTest {
    @TempDir
    Path tmp;

    private static final String MODELS = """
            models:
              - name: Model A
                url: http://model-a.models.svc.cluster.local:8080
            """;
    private static final String FREE = """
                - name: Free
                  limits:
                    - {metric: requests, period: minute, value: 10}
                    - {metric: total_tokens, period: day, value: 1000}
            """;
    private static final String PREMIUM = """
                - name: Premium
                  approvalRequired: true
            """;

    @Test
    void aRemovedTiersPlanIsDeletedOnlyWithPrune() throws Exception {
        try (Sandbox sandbox = Sandbox.run(tmp.resolve("sandbox"), SandboxCluster.Options.defaults(),
                SandboxKeycloak.none())) {
            String base = Files.readString(sandbox.configFile());
            Path both = Files.writeString(tmp.resolve("both.yaml"), base + MODELS + "plans:\n  tiers:\n" + FREE + PREMIUM);
            Path onlyFree = Files.writeString(tmp.resolve("free.yaml"), base + MODELS + "plans:\n  tiers:\n" + FREE);
            CliHarness cli = new CliHarness(tmp.resolve("client"), Stages.all().toArray(Stage[]::new));

            Result first = cli.run("apply", "--config", both.toString(), "--stage", "threescale,backends,products,plans",
                    "--yes");
            assertThat(first.code()).as(first.toString()).isZero();
            ThreescaleClient client = ThreescaleClient.builder(sandbox.threescale().url(),
                    sandbox.threescale().accessToken()).build();
            Product a = client.product(client.services().findBySystemName("model-a").orElseThrow().id());
            assertThat(a.findApplicationPlan("Premium")).isPresent();

            Result keep = cli.run("apply", "--config", onlyFree.toString(), "--stage", "plans", "--yes");
            assertThat(keep.code()).as(keep.toString()).isZero();
            assertThat(a.findApplicationPlan("Premium")).isPresent();

            Result plan = cli.run("plan", "--config", onlyFree.toString(), "--stage", "plans", "--prune");
            assertThat(plan.code()).as(plan.toString()).isZero();
            assertThat(plan.out()).contains("DELETE 3scale application plan model-a Premium");
            Result prune = cli.run("apply", "--config", onlyFree.toString(), "--stage", "plans", "--prune", "--yes");
            assertThat(prune.code()).as(prune.toString()).isZero();
            assertThat(a.findApplicationPlan("Premium")).isEmpty();
            assertThat(a.findApplicationPlan("Free")).isPresent();
            Result verify = cli.run("verify", "--config", onlyFree.toString(), "--stage", "products,plans");
            assertThat(verify.code()).as(verify.toString()).isZero();
        }
    }
}
