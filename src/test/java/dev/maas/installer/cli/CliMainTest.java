package dev.maas.installer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** What Main does with arguments: {@code System.exit(Cli.run(args))}, with the real stages and System.out. */
class CliMainTest {
    @Test
    void helpThroughTheRealEntryPoint() {
        PrintStream realOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Cli.run(new String[] {"--help"});
        } finally {
            System.setOut(realOut);
        }
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("maas-installer").contains("plan")
                .contains("apply").contains("verify");
    }

    @Test
    void verifyWithTheRealStagesSaysTheyAreNotAvailableYet(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("empty.yaml"), "");
        PrintStream realOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Cli.run(new String[] {"verify", "--stage", "threescale", "--config", config.toString(), "--output",
                    "json"});
        } finally {
            System.setOut(realOut);
        }
        assertThat(code).isZero();
        JsonNode stages = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8)).get("stages");
        assertThat(stages).hasSize(1);
        assertThat(stages.get(0).get("id").asText()).isEqualTo("threescale");
        assertThat(stages.get(0).get("checks").get(0).get("status").asText()).isEqualTo("WARN");
        assertThat(stages.get(0).get("checks").get(0).get("message").asText()).contains("not available yet");
    }
}
