package dev.maas.installer.engine;

/**
 * One field that differs between the live object and the desired one.
 * Secret fields never carry their values: use {@link #secret(boolean, boolean)}.
 */
public record FieldChange(String from, String to) {
    public static final String MASK = "******";

    public static FieldChange of(Object from, Object to) {
        return new FieldChange(from == null ? null : String.valueOf(from), to == null ? null : String.valueOf(to));
    }

    /** A secret field: only whether it is set is shown. */
    public static FieldChange secret(boolean setBefore, boolean setAfter) {
        return new FieldChange(setBefore ? MASK : null, setAfter ? MASK : null);
    }
}
