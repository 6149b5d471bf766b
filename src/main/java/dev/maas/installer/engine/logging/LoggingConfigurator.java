package dev.maas.installer.engine.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;

import java.util.Map;
import java.util.function.Function;

/**
 * The logging set-up of the wizard and the CLI, found by Logback as a service
 * ({@code META-INF/services/ch.qos.logback.classic.spi.Configurator}) before it would look for a {@code logback.xml}:
 * <ul>
 *   <li>every line to stderr (stdout belongs to the CLI's output, text or JSON), through {@link RedactingPatternLayout}
 *       with {@link #PATTERN}, and to the {@link LogHub} (the wizard's log pane, the run journal);</li>
 *   <li>{@code dev.maas.installer} at {@code -Dmaas.log.level} (default INFO), the libraries at WARN (fabric8's
 *       "unstable version" notes about OLM's and KServe's APIs at ERROR: users cannot act on them), the root at
 *       {@code -Dmaas.root.log.level} (default WARN).</li>
 * </ul>
 * Set up in code rather than by Logback's XML configurator: that one parses the XML with the JDK's XML parser and
 * interprets it (several hundred classes, tens of milliseconds at every start of the wizard and the CLI). A
 * configuration file of one's own still wins: with {@code -Dlogback.configurationFile=...} this does nothing and
 * Logback reads that file.
 */
public final class LoggingConfigurator extends ContextAwareBase implements Configurator {
    /** The stderr line: time, level, stage (or "main"), logger, message. */
    public static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%X{stage:-main}] %logger{20} - %msg%n";

    /** Logger levels besides ours and the root's. */
    static final Map<String, Level> LIBRARIES = Map.of(
            "io.fabric8", Level.WARN,
            "io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils", Level.ERROR,
            "okhttp3", Level.WARN,
            "org.keycloak", Level.WARN,
            "org.jboss", Level.WARN);

    private final Function<String, String> properties;

    /** Logback's constructor: reads the JVM's system properties. */
    public LoggingConfigurator() {
        this(System::getProperty);
    }

    LoggingConfigurator(Function<String, String> properties) {
        this.properties = properties;
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        String file = properties.apply("logback.configurationFile");
        if (file != null && !file.isBlank()) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        RedactingPatternLayout layout = new RedactingPatternLayout();
        layout.setContext(context);
        layout.setPattern(PATTERN);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        LogHub hub = new LogHub();
        hub.setContext(context);
        hub.setName("HUB");
        hub.start();

        context.getLogger("dev.maas.installer").setLevel(level("maas.log.level", Level.INFO));
        LIBRARIES.forEach((name, level) -> context.getLogger(name).setLevel(level));
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level("maas.root.log.level", Level.WARN));
        root.addAppender(stderr);
        root.addAppender(hub);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private Level level(String property, Level otherwise) {
        String value = properties.apply(property);
        return value == null || value.isBlank() ? otherwise : Level.toLevel(value.trim(), otherwise);
    }
}
