package dev.maas.installer.ui;

import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.InstallerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The wizard's local sandbox and configuration loading, kept off the FX thread. At most one sandbox runs per wizard;
 * asking again gives the running one. The sandbox is stopped by {@link #close()} (the window closing) or, if the JVM
 * ends first, by a shutdown hook.
 */
public final class SandboxService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxService.class);

    private final SandboxLauncher launcher;
    private final Path dir;
    private final ExecutorService executor;
    private CompletableFuture<SandboxLauncher.Started> sandbox;
    private SandboxLauncher.Started running;
    private Thread shutdownHook;
    private boolean closed;

    public SandboxService(SandboxLauncher launcher, Path dir) {
        this.launcher = Objects.requireNonNull(launcher, "launcher");
        this.dir = Objects.requireNonNull(dir, "dir");
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "maas-sandbox-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    private volatile KeycloakOffer keycloakOffer;

    /** Who is asked, when the sandbox starts with no Keycloak at hand, whether to download it (null: nobody). */
    public void keycloakOffer(KeycloakOffer offer) { this.keycloakOffer = offer; }

    /** The folder the sandbox writes its files to. */
    public Path dir() { return dir; }

    /** Starts the sandbox on a background thread, or gives the one already started (or starting). */
    public CompletableFuture<SandboxLauncher.Started> start() {
        return start(phase -> { });
    }

    /**
     * Starts the sandbox as {@link #start()} does; {@code phase} hears what it is starting now (e.g. "Keycloak"),
     * on the sandbox thread. A sandbox already starting keeps the listener it was started with.
     */
    public synchronized CompletableFuture<SandboxLauncher.Started> start(java.util.function.Consumer<String> phase) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the wizard is closing"));
        }
        if (sandbox != null && !sandbox.isCompletedExceptionally()) {
            return sandbox;
        }
        sandbox = CompletableFuture.supplyAsync(() -> {
            LOG.info("starting the local sandbox in {}", dir);
            SandboxLauncher.Started started = launcher.start(dir, phase, keycloakOffer);
            if (!adopt(started)) {
                stop(started);
                throw new IllegalStateException("the wizard closed while the sandbox was starting");
            }
            LOG.info("the local sandbox is ready: kubeconfig {}", started.kubeconfig());
            return started;
        }, executor);
        return sandbox;
    }

    private synchronized boolean adopt(SandboxLauncher.Started started) {
        if (closed) {
            return false;
        }
        running = started;
        shutdownHook = new Thread(() -> stop(started), "maas-sandbox-shutdown");
        try {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            shutdownHook = null; // the JVM is already ending
            return false;
        }
        return true;
    }

    /** Loads a configuration file on a background thread (strictly, as the CLI does). */
    public CompletableFuture<InstallerConfig> loadConfig(Path file) {
        return CompletableFuture.supplyAsync(() -> ConfigLoader.load(file), executor);
    }

    private static void stop(SandboxLauncher.Started started) {
        try {
            started.stopper().close();
        } catch (Exception e) {
            LOG.warn("the local sandbox did not stop cleanly: {}", e.toString());
        }
    }

    private volatile boolean discardOnClose;

    /** Whether a sandbox this service started runs now. */
    public synchronized boolean isRunning() { return running != null; }

    /**
     * Whether {@link #close()} also discards what the sandbox kept in its folder (its cluster objects, 3scale and
     * Keycloak data, through the sandbox's own discard), so that the next start makes a new, empty sandbox; by
     * default it is kept.
     */
    public void discardOnClose(boolean yes) { this.discardOnClose = yes; }

    /** Stops the sandbox, if one runs, and the background threads. Safe to call more than once. */
    @Override
    public void close() {
        SandboxLauncher.Started toStop;
        Thread hook;
        synchronized (this) {
            closed = true;
            toStop = running;
            running = null;
            hook = shutdownHook;
            shutdownHook = null;
        }
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is ending: the hook stops the sandbox
            }
        }
        if (toStop != null) {
            LOG.info("stopping the local sandbox");
            stop(toStop);
        }
        if (discardOnClose) {
            discardOnClose = false;
            discard();
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The sandbox's own discard of what it kept in its folder (the user chose to discard the sandbox). */
    private void discard() {
        LOG.info("discarding the local sandbox in {}", dir);
        try {
            java.util.List<Path> deleted = launcher.discard(dir);
            LOG.info("discarded the local sandbox: deleted {}", deleted);
        } catch (RuntimeException e) {
            LOG.warn("could not discard the sandbox in {}: {}; delete the folder by hand", dir, e.toString());
        }
    }
}
