package dev.maas.installer.engine.logging;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.maas.installer.engine.secrets.SecretRegistry;

/** A logback pattern layout that masks every registered secret in the whole formatted line, stack traces included. */
public class RedactingPatternLayout extends PatternLayout {
    @Override
    public String doLayout(ILoggingEvent event) {
        return SecretRegistry.global().redact(super.doLayout(event));
    }
}
