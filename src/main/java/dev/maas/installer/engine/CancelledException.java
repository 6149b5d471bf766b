package dev.maas.installer.engine;

/** Thrown from inside a stage when the user cancelled the run. */
public class CancelledException extends RuntimeException {
    public CancelledException() { super("cancelled by the user"); }
}
