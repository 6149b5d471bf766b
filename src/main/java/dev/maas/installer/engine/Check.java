package dev.maas.installer.engine;

import java.util.Objects;

/** One verify check against a live system. {@code fix} is null when the check passed. */
public record Check(CheckStatus status, String name, String message, Fix fix) {
    public Check {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(name, "name");
        message = message == null ? "" : message;
    }

    public static Check ok(String name, String message) { return new Check(CheckStatus.OK, name, message, null); }

    public static Check warn(String name, String message, Fix fix) { return new Check(CheckStatus.WARN, name, message, fix); }

    public static Check retryable(String name, String message, Fix fix) {
        return new Check(CheckStatus.FAILED_RETRYABLE, name, message, fix);
    }

    public static Check invalidInput(String name, String message, Fix fix) {
        return new Check(CheckStatus.INVALID_INPUT, name, message, fix);
    }
}
