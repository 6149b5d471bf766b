package dev.maas.installer.portal;

import java.util.Objects;

/**
 * One bad item of portal content: which file (relative to the content folder, '/'-separated), what is wrong and how to
 * fix it.
 */
public record PortalProblem(String file, String message, String fix) {
    public PortalProblem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(fix, "fix");
    }

    @Override
    public String toString() {
        return file + ": " + message + " Fix: " + fix;
    }
}
