package dev.maas.installer.engine.logging;

import java.time.Instant;

/** A log line as the UI and the run journal see it: already redacted. {@code stageId} is empty outside a stage. */
public record LogLine(Instant time, String level, String stageId, String logger, String message) { }
