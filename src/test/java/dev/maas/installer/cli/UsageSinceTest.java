package dev.maas.installer.cli;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code usage --since}: a time ago or a UTC date or time, in the past; anything else names the option. */
class UsageSinceTest {
    private static final Instant NOW = Instant.parse("2026-01-07T12:00:00Z");

    @Test
    void aTimeAgoOrADateOrATime() {
        assertThat(UsageCommand.since("24h", NOW)).isEqualTo(Instant.parse("2026-01-06T12:00:00Z"));
        assertThat(UsageCommand.since("7d", NOW)).isEqualTo(Instant.parse("2025-12-31T12:00:00Z"));
        assertThat(UsageCommand.since("30m", NOW)).isEqualTo(Instant.parse("2026-01-07T11:30:00Z"));
        assertThat(UsageCommand.since("1w", NOW)).isEqualTo(Instant.parse("2025-12-31T12:00:00Z"));
        assertThat(UsageCommand.since("2026-01-05", NOW)).isEqualTo(Instant.parse("2026-01-05T00:00:00Z"));
        assertThat(UsageCommand.since("2026-01-05T08:00:00Z", NOW)).isEqualTo(Instant.parse("2026-01-05T08:00:00Z"));
    }

    @Test
    void anythingElseNamesTheOptionAndTheForms() {
        assertThatThrownBy(() -> UsageCommand.since("yesterday", NOW)).isInstanceOf(InvalidInputException.class)
                .hasMessage("--since: 'yesterday' is neither a time ago (30m, 24h, 7d, 4w) nor a UTC date or time"
                        + " (2026-01-31, 2026-01-31T08:00:00Z)");
        assertThatThrownBy(() -> UsageCommand.since("2026-02-01", NOW)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--since: 2026-02-01 is not in the past");
    }
}
