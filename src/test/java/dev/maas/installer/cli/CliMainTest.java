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
    void verifyWithTheRealStagesAndAMissingKubeconfigIsAnInputError(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("empty.yaml"), "");
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Cli.run(new String[] {"verify", "--stage", "threescale", "--config", config.toString(),
                    "--kubeconfig", dir.resolve("absent-kubeconfig").toString(), "--output", "json"});
        } finally {
            System.setOut(realOut);
            System.setErr(realErr);
        }
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--kubeconfig").contains("absent-kubeconfig");
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("\"result\" : \"OK\"");
    }
}
