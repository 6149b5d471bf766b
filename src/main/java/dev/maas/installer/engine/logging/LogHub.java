package dev.maas.installer.engine.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import dev.maas.installer.engine.secrets.SecretRegistry;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A logback appender that hands every log line, redacted, to the listeners that subscribed (the runner, the UI).
 * Set up by {@link LoggingConfigurator}; listeners subscribe through the static methods.
 */
public class LogHub extends AppenderBase<ILoggingEvent> {
    /** MDC key holding the id of the stage a log line belongs to. */
    public static final String STAGE_KEY = "stage";

    private static final List<Consumer<LogLine>> LISTENERS = new CopyOnWriteArrayList<>();

    public static AutoCloseable subscribe(Consumer<LogLine> listener) {
        LISTENERS.add(listener);
        return () -> LISTENERS.remove(listener);
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (LISTENERS.isEmpty()) {
            return;
        }
        SecretRegistry secrets = SecretRegistry.global();
        String message = event.getFormattedMessage();
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            message = message + ": " + thrown.getClassName() + ": " + thrown.getMessage();
        }
        String stage = event.getMDCPropertyMap().getOrDefault(STAGE_KEY, "");
        LogLine line = new LogLine(Instant.ofEpochMilli(event.getTimeStamp()), event.getLevel().toString(), stage,
                event.getLoggerName(), secrets.redact(message));
        for (Consumer<LogLine> listener : LISTENERS) {
            try {
                listener.accept(line);
            } catch (RuntimeException ignored) {
                // a broken listener must not break logging
            }
        }
    }
}
