package dev.maas.installer.ui;

/**
 * Startup timing marks for profiling the path to the first frame: with {@code -Dmaas.startup.trace=true} each
 * {@link #mark} prints one line to stderr, {@code [startup] +N ms label}, N counted from the wizard's launch
 * ({@code WizardApp.launchWizard}). Without the property a mark costs one static read.
 */
public final class StartupTrace {
    /** {@code -Dmaas.startup.trace=true}: print the marks. */
    public static final String PROPERTY = "maas.startup.trace";
    private static final boolean ON = Boolean.getBoolean(PROPERTY);
    private static volatile long origin = System.nanoTime();

    private StartupTrace() { }

    /** Restarts the clock (the wizard's launch). */
    static void begin() {
        origin = System.nanoTime();
    }

    /** Prints {@code label} with the time since the launch, when the property is set. Any thread. */
    public static void mark(String label) {
        if (ON) {
            System.err.printf("[startup] +%d ms %s (%s)%n", (System.nanoTime() - origin) / 1_000_000, label,
                    Thread.currentThread().getName());
        }
    }
}
