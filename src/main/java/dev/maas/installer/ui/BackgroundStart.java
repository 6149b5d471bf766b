package dev.maas.installer.ui;

/**
 * Work the JavaFX thread would otherwise do on the way to the first frame, started on a daemon thread when the
 * wizard launches so that it overlaps with the JavaFX toolkit's start: the JDK's platform-logging lookup
 * ({@code System.getLogger}), which JavaFX makes on its first CSS pass. That lookup looks for a
 * {@code System.LoggerFinder} service in every jar of the class path, so it opens all of them (about 140 in the
 * packaged app: tens of milliseconds, against one jar for a plain JavaFX app); done here, the first frame finds them
 * open. The result is the JDK's own, cached for the JVM's life: the same whichever thread asks first.
 * <p>
 * The logging system (SLF4J with Logback) is not started here: it binds on the JavaFX thread when the wizard is built,
 * right after the first frame (binding it here as well made the first frame later: it competes with the toolkit's
 * start for the CPU; docs/benchmarks.md).
 */
final class BackgroundStart {
    private BackgroundStart() { }

    static void begin() {
        Thread t = new Thread(BackgroundStart::openClassPath, "maas-background-start");
        t.setDaemon(true);
        t.start();
    }

    private static void openClassPath() {
        try {
            System.getLogger("dev.maas.installer");
        } catch (RuntimeException | LinkageError e) {
            // not fatal: JavaFX makes the same lookup on its first CSS pass and meets the same problem then
        }
        StartupTrace.mark("class path opened");
    }
}
