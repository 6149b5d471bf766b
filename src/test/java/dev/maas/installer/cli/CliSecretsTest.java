package dev.maas.installer.cli;

import dev.maas.installer.cli.CliHarness.Result;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.testing.StartsSandbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@StartsSandbox
class CliSecretsTest {
    private static final Logger LOG = LoggerFactory.getLogger(CliSecretsTest.class);

    @TempDir
    Path dir;

    @Test
    void aSecretRegisteredByAStageNeverReachesStdoutOrStderr() {
        String secret = "Tr0ub4dor-" + System.nanoTime();
        TestStage leaky = new TestStage("leaky")
                .verify(ctx -> {
                    ctx.secrets().register(secret);
                    LOG.info("logged in with token {}", secret);
                    return List.of(Check.retryable("login", "token " + secret + " was rejected",
                            Fix.manual("rotate " + secret)));
                })
                .apply((ctx, p) -> {
                    ctx.secrets().register(secret);
                    p.step(1, 2, "using token " + secret);
                    LOG.warn("about to fail with {}", secret);
                    throw new StageException("login failed with token " + secret, Fix.manual("token " + secret));
                })
                .plan(ctx -> {
                    ctx.secrets().register(secret);
                    throw new IllegalStateException("unexpected: " + secret);
                });

        PrintStream realErr = System.err;
        ByteArrayOutputStream processErr = new ByteArrayOutputStream();
        System.setErr(new PrintStream(processErr, true, StandardCharsets.UTF_8));
        try {
            for (String[] args : List.of(
                    new String[] {"apply", "--yes"}, new String[] {"apply", "--yes", "--output", "json"},
                    new String[] {"verify"}, new String[] {"verify", "--output", "json"},
                    new String[] {"plan"}, new String[] {"plan", "--output", "json"})) {
                Result r = new CliHarness(dir, leaky).run(args);
                assertThat(r.code()).as(r.toString()).isNotZero();
                assertThat(r.out()).as(String.join(" ", args)).doesNotContain(secret);
                assertThat(r.err()).as(String.join(" ", args)).doesNotContain(secret);
                assertThat(r.out() + r.err()).as(String.join(" ", args)).contains("******");
            }
        } finally {
            System.setErr(realErr);
        }
        String logs = processErr.toString(StandardCharsets.UTF_8);
        assertThat(logs).contains("logged in with token ******").doesNotContain(secret);
    }
}
