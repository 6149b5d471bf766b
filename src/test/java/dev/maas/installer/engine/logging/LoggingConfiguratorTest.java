package dev.maas.installer.engine.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LoggingConfiguratorTest {

    @Test
    void logsToStderrThroughTheRedactingLayoutAndToTheHubWithTheDefaultLevels() {
        LoggerContext context = new LoggerContext();
        Configurator.ExecutionStatus status = new LoggingConfigurator(k -> null).configure(context);

        assertThat(status).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("dev.maas.installer").getLevel()).isEqualTo(Level.INFO);
        assertThat(context.getLogger("dev.maas.installer.stages.sso").getEffectiveLevel()).isEqualTo(Level.INFO);
        assertThat(context.getLogger("io.fabric8").getLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils").getLevel())
                .isEqualTo(Level.ERROR);
        assertThat(context.getLogger("okhttp3").getLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("org.keycloak").getLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("org.jboss").getLevel()).isEqualTo(Level.WARN);

        List<Appender<?>> appenders = new ArrayList<>();
        root.iteratorForAppenders().forEachRemaining(appenders::add);
        assertThat(appenders).extracting(Appender::getName).containsExactly("STDERR", "HUB");
        assertThat(appenders).allMatch(a -> ((ch.qos.logback.core.spi.LifeCycle) a).isStarted());
        ConsoleAppender<?> stderr = (ConsoleAppender<?>) root.getAppender("STDERR");
        assertThat(stderr.getTarget()).isEqualTo("System.err");
        LayoutWrappingEncoder<?> encoder = (LayoutWrappingEncoder<?>) stderr.getEncoder();
        assertThat(encoder.getLayout()).isInstanceOf(RedactingPatternLayout.class);
        assertThat(((RedactingPatternLayout) encoder.getLayout()).getPattern())
                .isEqualTo(LoggingConfigurator.PATTERN);
        assertThat(root.getAppender("HUB")).isInstanceOf(LogHub.class);
    }

    @Test
    void theLevelPropertiesSetOursAndTheRoots() {
        LoggerContext context = new LoggerContext();
        Map<String, String> props = Map.of("maas.log.level", "DEBUG", "maas.root.log.level", " info ");
        new LoggingConfigurator(props::get).configure(context);
        assertThat(context.getLogger("dev.maas.installer").getLevel()).isEqualTo(Level.DEBUG);
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
    }

    @Test
    void aConfigurationFileOfOnesOwnWins() {
        LoggerContext context = new LoggerContext();
        Map<String, String> props = Map.of("logback.configurationFile", "/etc/my-logback.xml");
        Configurator.ExecutionStatus status = new LoggingConfigurator(props::get).configure(context);
        assertThat(status).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
    }

    @Test
    void logbackFindsItAsAService() {
        // the JVM's own logging: set up by this configurator, not by Logback's defaults (no logback.xml ships)
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getAppender("HUB")).isInstanceOf(LogHub.class);
        assertThat(root.getAppender("STDERR")).isInstanceOf(ConsoleAppender.class);
        assertThat(context.getLogger("org.keycloak").getLevel()).isEqualTo(Level.WARN);
    }
}
