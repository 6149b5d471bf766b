package dev.maas.installer.engine;

import ch.qos.logback.classic.LoggerContext;
import dev.maas.installer.engine.logging.LogHub;
import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.engine.secrets.SecretRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class SecretRegistryTest {
    private final SecretRegistry secrets = SecretRegistry.global();

    @AfterEach
    void clear() { secrets.clear(); }

    @Test
    void masksEveryRegisteredValueLongestFirst() {
        secrets.register("s3cr3t-token");
        secrets.register("s3cr3t");
        assertThat(secrets.redact("a s3cr3t-token and s3cr3t")).isEqualTo("a ****** and ******");
        assertThat(secrets.redact(null)).isNull();
    }

    @Test
    void ignoresTooShortValues() {
        secrets.register("ab");
        assertThat(secrets.redact("tab stab")).isEqualTo("tab stab");
    }

    @Test
    void logLinesHandedToListenersAndWrittenToStderrAreRedacted() throws Exception {
        String password = secrets.register("Admin-Pa55word!");
        List<LogLine> seen = new CopyOnWriteArrayList<>();
        Logger log = LoggerFactory.getLogger("dev.maas.installer.test");
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (AutoCloseable sub = LogHub.subscribe(seen::add)) {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            // logback's console appender caches the stream at start: restart it so it picks up the redirected one
            restartConsoleAppender();
            log.warn("logging in with {}", password, new IllegalStateException("bad " + password));
        } finally {
            System.setErr(oldErr);
            restartConsoleAppender();
        }
        assertThat(seen).isNotEmpty();
        assertThat(seen).allSatisfy(l -> assertThat(l.message()).doesNotContain(password).contains("******"));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertThat(stderr).contains("logging in with ******").contains("bad ******").doesNotContain(password);
    }

    private static void restartConsoleAppender() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        var appender = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
        appender.stop();
        appender.start();
    }
}
