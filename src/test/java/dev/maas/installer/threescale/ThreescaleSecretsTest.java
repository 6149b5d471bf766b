package dev.maas.installer.threescale;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.maas.installer.sandbox.threescale.Faults;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import dev.maas.installer.testing.FastRetries;
import dev.maas.installer.testing.StartsSandbox;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The token (and SSO client secrets, application keys) never reach a log line, an error message or the journal. */
@StartsSandbox
class ThreescaleSecretsTest {
    private static final String TOKEN = "f00dbabe0123456789abcdef0123456789abcdef0123456789abcdef01234567";
    private ListAppender<ILoggingEvent> appender;
    private Logger root;
    private Level before;

    @BeforeEach
    void capture() {
        root = (Logger) LoggerFactory.getLogger("dev.maas.installer");
        before = root.getLevel();
        root.setLevel(Level.DEBUG);
        appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
        ((Logger) LoggerFactory.getLogger("okhttp3")).setLevel(Level.DEBUG);
        ((Logger) LoggerFactory.getLogger("okhttp3")).addAppender(appender);
    }

    @AfterEach
    void release() {
        root.detachAppender(appender);
        ((Logger) LoggerFactory.getLogger("okhttp3")).detachAppender(appender);
        root.setLevel(before);
    }

    @Test
    void tokenIsNeverLoggedNorJournaled() throws Exception {
        Path journal = Files.createTempDirectory("sim").resolve("3scale-requests.jsonl");
        List<String> messages = new ArrayList<>();
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults().withToken(TOKEN)
                .withVersion("2.16").withJournal(journal).withFaults(Faults.errors(11, 0.1, 0.05, 0.05)))) {
            ThreescaleClient c = ThreescaleClient.builder(sim.url(), TOKEN).retry(FastRetries.threescale(12, 2)).build();
            ClientTour.run(c, sim, true);
            // failures: a 422, a 404, a bad token
            try {
                c.backends().create("dup", "tour", null, "http://x.svc:80");
            } catch (ThreescaleApiException e) {
                messages.add(e.getMessage());
            }
            try {
                c.product(987654).proxy();
            } catch (ThreescaleApiException e) {
                messages.add(e.getMessage());
            }
            try {
                ThreescaleClient.builder(sim.url(), TOKEN + "x").retry(RetryPolicy.none()).build().services().list();
            } catch (ThreescaleApiException e) {
                messages.add(e.getMessage());
            }
        }
        assertThat(messages).hasSize(3).allSatisfy(m -> assertThat(m).doesNotContain(TOKEN));
        assertThat(appender.list).isNotEmpty();
        assertThat(appender.list).allSatisfy(e -> {
            assertThat(e.getFormattedMessage()).doesNotContain(TOKEN).doesNotContain("tour-client-secret-value");
            if (e.getThrowableProxy() != null) {
                assertThat(e.getThrowableProxy().getMessage()).doesNotContain(TOKEN);
            }
        });
        String text = Files.readString(journal);
        assertThat(text).contains("\"access_token\":\"******\"").contains("\"client_secret\":\"******\"")
                .doesNotContain(TOKEN).doesNotContain("tour-client-secret-value");
        assertThat(text).contains("\"fault\"");
    }
}
