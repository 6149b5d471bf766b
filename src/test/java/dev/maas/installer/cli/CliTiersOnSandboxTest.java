package dev.maas.installer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.sandbox.Sandbox;
import dev.maas.installer.sandbox.SandboxKeycloak;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.testing.StartsSandbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The end-to-end story on the sandbox (without Keycloak: the sign-in is not what this is about): a Free tier
 * (10 requests per minute, 1,000 tokens per day) and a Premium tier apply, a second apply changes nothing and
 * verify passes; {@code test} shows the Free key refused with 429 after its 10 requests and Premium not limited;
 * {@code usage} reports the requests and tokens the test spent.
 */
@StartsSandbox
class CliTiersOnSandboxTest {
    @TempDir
    Path tmp;

    @Test
    void freeAndPremiumApplyTestShowsTheLimitAndUsageReportsTheTokens() throws Exception {
        try (Sandbox sandbox = Sandbox.run(tmp.resolve("sandbox"), SandboxCluster.Options.defaults().withModels(true),
                SandboxKeycloak.none())) {
            String yaml = Files.readString(sandbox.configFile()) + """
                    plans:
                      tiers:
                        - name: Free
                          limits:
                            - {metric: requests, period: minute, value: 10}
                            - {metric: total_tokens, period: day, value: 1000}
                        - name: Premium
                    """;
            String cfg = Files.writeString(tmp.resolve("maas-installer.yaml"), yaml).toString();
            CliHarness cli = new CliHarness(tmp.resolve("client"));
            cli.stages.addAll(dev.maas.installer.stages.Stages.all());
            String[] stages = {"--stage", "threescale", "--stage", "backends", "--stage", "products", "--stage",
                    "plans"};
            CliHarness.Result apply = cli.run(concat(new String[] {"apply", "--yes", "--config", cfg}, stages));
            assertThat(apply.code()).as(apply.toString()).isZero();
            CliHarness.Result again = cli.run(concat(new String[] {"plan", "--config", cfg, "--output", "json"},
                    stages));
            assertThat(again.code()).as(again.toString()).isZero();
            assertThat(again.json().findValuesAsText("action")).as(again.toString()).containsOnly("NOOP");
            CliHarness.Result verify = cli.run(concat(new String[] {"verify", "--config", cfg}, stages));
            assertThat(verify.code()).as(verify.toString()).isZero();

            CliHarness.Result test = cli.run("test", "--config", cfg, "--inference", "--output", "json");
            JsonNode models = test.json().path("models");
            assertThat(models.size()).as(test.toString()).isPositive();
            int exercised = 0;
            for (JsonNode m : models) {
                for (JsonNode c : m.path("checks")) {
                    if (c.path("name").asText().startsWith("tier ") && !c.path("status").asText().equals("skipped")) {
                        assertThat(c.path("status").asText()).as(m.toString()).isEqualTo("pass");
                    }
                }
                if (m.path("checks").findValuesAsText("message").containsAll(java.util.List.of(
                        "Free: 429 after 10 requests (limit 10/minute)",
                        "Premium: not limited (11 requests answered)"))) {
                    exercised++;
                }
            }
            assertThat(exercised).as(test.toString()).isPositive();

            CliHarness.Result usage = cli.run("usage", "--config", cfg, "--since", "1h", "--output", "json");
            assertThat(usage.code()).as(usage.toString()).isZero();
            // on an exercised model: the model list, Free's 10 and Premium's 11 requests; tokens: 1 per request
            // counted before it (the policy's limit check), and the inference's usage
            assertThat(usage.json().path("models")).as(usage.toString()).anySatisfy(m -> {
                assertThat(m.path("requests").asLong()).isGreaterThanOrEqualTo(22);
                assertThat(m.path("totalTokens").asLong()).isGreaterThanOrEqualTo(22);
            });
            CliHarness.Result text = cli.run("usage", "--config", cfg);
            assertThat(text.code()).as(text.toString()).isZero();
            assertThat(text.out()).contains("TOTAL TOKENS");
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
