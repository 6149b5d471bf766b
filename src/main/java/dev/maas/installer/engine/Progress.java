package dev.maas.installer.engine;

/** How a stage reports its sub-steps while it applies. */
public interface Progress {
    /** Sub-step {@code n} of {@code of} (1-based) is starting; {@code message} says what it does. */
    void step(int n, int of, String message);

    /** Free text shown under the current step, e.g. "3 of 15 deployments available". */
    default void detail(String message) { }

    Progress NONE = (n, of, message) -> { };
}
