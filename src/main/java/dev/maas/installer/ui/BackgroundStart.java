package dev.maas.installer.ui;

import dev.maas.installer.ui.view.Themes;

import java.net.URL;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Work the JavaFX thread would otherwise do on the way to the first frame, done on a daemon thread started when the
 * wizard launches, while the JavaFX toolkit starts:
 * <ol>
 *   <li>the JDK's platform-logging lookup ({@code System.getLogger}), which JavaFX makes on its first CSS pass. It
 *       looks for a {@code System.LoggerFinder} service in every jar of the class path, so it opens all of them
 *       (about 140 with {@code java -jar} and {@code target/lib/}: tens of milliseconds; one in the packaged app);
 *       done here, the first frame finds them open. The result is the JDK's own, cached for the JVM's life.</li>
 *   <li>one read of the opening stylesheet's binary form ({@code Stylesheet.loadBinary}, result dropped; see
 *       {@link Themes#openingStylesheet}): the first read of a stylesheet in a JVM loads and initialises JavaFX's CSS
 *       classes (selectors, declarations, converters) and costs about ten times the next one; the JavaFX thread's
 *       own read of it then is the cheap one.</li>
 * </ol>
 * JavaFX's CSS classes are meant for one thread at a time: the JavaFX thread calls {@link #awaitStylesheets()}
 * before its first CSS work (setting the theme), so the two never run at once, and the latch makes this thread's
 * work visible to it. Normally this is done before the toolkit has started, and the call returns at once.
 * <p>
 * The logging system (SLF4J with Logback) is not started here: it binds on the JavaFX thread when the wizard is built,
 * right after the first frame (binding it here as well would make the first frame later: it competes with the
 * toolkit's start for the CPU).
 */
final class BackgroundStart {
    private static final CountDownLatch STYLESHEETS = new CountDownLatch(1);
    private static volatile boolean started;

    private BackgroundStart() { }

    static void begin() {
        started = true;
        Thread t = new Thread(BackgroundStart::run, "maas-background-start");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Waits until the background thread is done with JavaFX's CSS classes, if {@link #begin()} started it (at most
     * 10 s, far longer than it takes). FX thread, before its first CSS work.
     */
    static void awaitStylesheets() {
        if (!started) {
            return;
        }
        try {
            STYLESHEETS.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void run() {
        try {
            openClassPath();
            StartupTrace.mark("class path opened");
            readStylesheetOnce(Themes.binaryOpeningStylesheet(false));
            StartupTrace.mark("stylesheet classes ready");
        } finally {
            STYLESHEETS.countDown();
        }
    }

    private static void openClassPath() {
        try {
            System.getLogger("dev.maas.installer");
        } catch (RuntimeException | LinkageError e) {
            // not fatal: JavaFX makes the same lookup on its first CSS pass and meets the same problem then
        }
    }

    /** Reads the binary stylesheet at {@code resource} (a class-path resource) and drops it. */
    private static void readStylesheetOnce(String resource) {
        try {
            URL url = resource == null ? null : BackgroundStart.class.getResource(resource);
            if (url != null) {
                javafx.css.Stylesheet.loadBinary(url);
            }
        } catch (java.io.IOException | RuntimeException | LinkageError e) {
            // not fatal: only a warm-up; the JavaFX thread reads the stylesheet itself
        }
    }
}
