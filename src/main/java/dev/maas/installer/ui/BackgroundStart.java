package dev.maas.installer.ui;

/**
 * Work the wizard needs soon, but not for its first frame, started on a daemon thread when the wizard launches, so
 * that it overlaps with the JavaFX toolkit's start instead of delaying the first frame: the logging system
 * (SLF4J binds Logback, which reads {@code logback.xml}; about 900 classes and an XML parse). Loggers that the FX
 * thread asks for meanwhile are SLF4J's substitutes, which delegate to the real loggers once the binding is done.
 */
final class BackgroundStart {
    private BackgroundStart() { }

    static void begin() {
        Thread t = new Thread(BackgroundStart::initLogging, "maas-background-start");
        t.setDaemon(true);
        t.start();
    }

    private static void initLogging() {
        try {
            org.slf4j.LoggerFactory.getILoggerFactory();
        } catch (RuntimeException | LinkageError e) {
            // not fatal here: the first logger the app asks for meets the same problem and SLF4J reports it then
        }
    }
}
