package dev.maas.installer.ui;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Work the wizard needs soon, but not for its first frame, started on a daemon thread when the wizard launches, so
 * that it overlaps with the JavaFX toolkit's start instead of delaying the first frame: the logging system
 * (SLF4J binds Logback, which reads {@code logback.xml}; about 900 classes and an XML parse).
 * <p>
 * The FX thread calls {@link #awaitLogging()} before it builds anything that holds a logger (the stages, the engine
 * service): by then the toolkit has started and the binding is normally long done, so the call returns at once.
 * Waiting for it, instead of letting SLF4J hand out substitute loggers while the binding is under way, keeps every
 * logger a real one.
 */
final class BackgroundStart {
    private static final CountDownLatch LOGGING = new CountDownLatch(1);
    private static volatile boolean started;

    private BackgroundStart() { }

    static void begin() {
        started = true;
        Thread t = new Thread(BackgroundStart::initLogging, "maas-background-start");
        t.setDaemon(true);
        t.start();
    }

    /** Waits (at most 30 s) until the logging system is bound, if {@link #begin()} started that. FX thread. */
    static void awaitLogging() {
        if (!started) {
            return;
        }
        try {
            LOGGING.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void initLogging() {
        try {
            org.slf4j.LoggerFactory.getILoggerFactory();
        } catch (RuntimeException | LinkageError e) {
            // not fatal here: the first logger the app asks for meets the same problem and SLF4J reports it then
        } finally {
            LOGGING.countDown();
        }
    }
}
