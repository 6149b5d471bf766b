package dev.maas.installer.sandbox;

/**
 * One field problem of a rejected object, as the API server reports it in a Status cause.
 *
 * @param field   the field path, e.g. {@code spec.replicas} or {@code spec.items[0].name}
 * @param reason  the Kubernetes cause reason, e.g. {@code FieldValueTypeInvalid}, {@code FieldValueRequired}
 * @param message the message without the field prefix, e.g. {@code Required value}
 */
public record FieldError(String field, String reason, String message) {
    /** The message as it appears in the Status message: {@code field: message}. */
    public String full() {
        return field + ": " + message;
    }
}
