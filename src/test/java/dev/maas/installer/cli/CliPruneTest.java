package dev.maas.installer.cli;

import dev.maas.installer.cli.CliHarness.Result;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.sandbox.Sandbox;
import dev.maas.installer.sandbox.SandboxKeycloak;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.sandbox.threescale.RequestJournal;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.ThreescaleClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Against the sandbox (3scale behind its APIManager; the 3scale simulator with porta's background work on: the
 * service token after the product, the sample data after the tenant, the purge after a delete). The 3scale stages
 * apply, a second apply sends no write to 3scale (no deploy, no promote), verify passes every check. Removing a model
 * from the configuration keeps its product, unless the user asks with {@code --prune}; even then only products
 * carrying the installer's marker are deleted.
 */
@StartsKeycloak
@StartsSandbox
class CliPruneTest {
    @TempDir
    Path tmp;

    private static final String MODEL_A = """
              - name: Model A
                url: http://model-a.models.svc.cluster.local:8080
            """;
    private static final String MODEL_B = """
              - name: Model B
                url: http://model-b.models.svc.cluster.local:8080
            """;

    @Test
    void pruneDeletesOnlyWhenAskedAndOnlyOurs() throws Exception {
        try (Sandbox sandbox = Sandbox.run(tmp.resolve("sandbox"), SandboxCluster.Options.defaults(),
                SandboxKeycloak.none())) {
            String base = Files.readString(sandbox.configFile());
            Path both = Files.writeString(tmp.resolve("both.yaml"), base + "models:\n" + MODEL_A + MODEL_B);
            Path onlyA = Files.writeString(tmp.resolve("only-a.yaml"), base + "models:\n" + MODEL_A);
            CliHarness cli = new CliHarness(tmp.resolve("client"), Stages.all().toArray(Stage[]::new));
            String stages = "threescale,backends,products,plans";

            assertThat(sandbox.threescale().options().delays().serviceToken()).as("porta's delays on").isPositive();
            Result first = cli.run("apply", "--config", both.toString(), "--stage", stages, "--yes");
            assertThat(first.code()).as(first.toString()).isZero();
            assertThat(writes(sandbox)).extracting(RequestJournal.Entry::path)
                    .anyMatch(p -> p.endsWith("/proxy/deploy.json")).anyMatch(p -> p.endsWith("/promote.json"));
            sandbox.threescale().journal().clear();
            Result second = cli.run("apply", "--config", both.toString(), "--stage", stages, "--yes");
            assertThat(second.code()).as(second.toString()).isZero();
            assertThat(writes(sandbox)).as("no write to 3scale on the second apply").isEmpty();
            Result verify = cli.run("verify", "--config", both.toString(), "--stage", stages, "--output", "json");
            assertThat(verify.code()).as(verify.toString()).isZero();
            // every stage OK but threescale: its result is its worst check, the time zone's WARN (a manual step)
            assertThat(verify.json().path("stages")).hasSize(4).allSatisfy(st -> assertThat(st.path("result")
                    .asText()).as(st.toString()).isEqualTo(st.path("id").asText().equals("threescale") ? "WARN" : "OK"));
            assertThat(writes(sandbox)).as("verify writes nothing").isEmpty();

            ThreescaleClient client = ThreescaleClient.builder(sandbox.threescale().url(),
                    sandbox.threescale().accessToken()).build();
            // a product someone made by hand, without our marker: never pruned
            client.services().create("Hand made", "hand-made", java.util.Map.of());

            Result keep = cli.run("apply", "--config", onlyA.toString(), "--stage", "products", "--yes");
            assertThat(keep.code()).as(keep.toString()).isZero();
            assertThat(client.services().findBySystemName("model-b")).isPresent();

            Result plan = cli.run("plan", "--config", onlyA.toString(), "--stage", "products", "--prune");
            assertThat(plan.code()).as(plan.toString()).isZero();
            assertThat(plan.out()).contains("DELETE 3scale product model-b").doesNotContain("DELETE 3scale product hand-made");
            assertThat(client.services().findBySystemName("model-b")).as("plan changes nothing").isPresent();

            Result prune = cli.run("apply", "--config", onlyA.toString(), "--stage", "products", "--prune", "--yes");
            assertThat(prune.code()).as(prune.toString()).isZero();
            assertThat(client.services().findBySystemName("model-b")).isEmpty();
            assertThat(client.services().findBySystemName("hand-made")).isPresent();
            assertThat(client.services().findBySystemName("model-a")).isPresent();
        }
    }

    private static List<RequestJournal.Entry> writes(Sandbox sandbox) {
        return sandbox.threescale().journal().entries().stream().filter(e -> !e.method().equals("GET")).toList();
    }
}
