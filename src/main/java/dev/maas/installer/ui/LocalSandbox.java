package dev.maas.installer.ui;

import dev.maas.installer.engine.logging.LogHub;
import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.sandbox.KeycloakDownload;
import dev.maas.installer.sandbox.KeycloakProcess;
import dev.maas.installer.sandbox.Sandbox;
import dev.maas.installer.sandbox.SandboxKeycloak;
import dev.maas.installer.sandbox.SandboxCluster;

import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/** The wizard's only reference to the sandbox package; loaded by the sandbox thread when a sandbox starts. */
final class LocalSandbox {
    private LocalSandbox() { }

    static SandboxLauncher.Started start(Path dir) {
        return start(dir, phase -> { });
    }

    /**
     * Starts the sandbox ({@link Sandbox#run(Path)}: the simulated cluster, the 3scale simulator, then Keycloak) and
     * tells {@code phase} which part it is starting, as the sandbox's log lines of this thread show it.
     */
    static SandboxLauncher.Started start(Path dir, Consumer<String> phase) {
        return start(dir, phase, Sandbox::run);
    }

    /**
     * Starts the sandbox as {@link #start(Path, Consumer)} does; when no Keycloak distribution is at hand (none
     * unpacked, none in the Maven repository, none downloaded before) it first offers the download through
     * {@code offer} ({@link #keycloakChoice}), with the repository, cache and proxy of {@code env}.
     */
    static SandboxLauncher.Started start(Path dir, Consumer<String> phase, KeycloakOffer offer,
                                         Function<String, String> env) {
        return start(dir, phase, offer, KeycloakDownload.of(env), LocalSandbox::keycloakAtHand,
                choice -> Sandbox.run(dir, SandboxCluster.Options.defaults(), choice));
    }

    /** The same with the download, the "at hand" check and the sandbox's start given (tests). */
    static SandboxLauncher.Started start(Path dir, Consumer<String> phase, KeycloakOffer offer,
                                         KeycloakDownload download, BooleanSupplier atHand,
                                         Function<SandboxKeycloak, Sandbox> run) {
        return start(dir, phase, d -> run.apply(keycloakChoice(offer, download, atHand, phase)));
    }

    /**
     * The sandbox's Keycloak: started from what is at hand; else, when {@code offer} accepts the download, from the
     * verified download; else none, with the reason the sso and portal stages then give (declined, no network, a bad
     * checksum, cancelled). No offer (null) means no question: what is at hand or none.
     */
    static SandboxKeycloak keycloakChoice(KeycloakOffer offer, KeycloakDownload download, BooleanSupplier atHand,
                                          Consumer<String> phase) {
        if (download.cached()) {
            return SandboxKeycloak.startIfAvailable().withDownloadedZip(download.zip());
        }
        if (offer == null || atHand.getAsBoolean()) {
            return SandboxKeycloak.startIfAvailable();
        }
        long size;
        try {
            size = download.size();
        } catch (RuntimeException e) {
            offer.failed(e.getMessage());
            return SandboxKeycloak.none("Keycloak could not be downloaded: " + e.getMessage());
        }
        if (!offer.ask(download.version(), size, download.shownUrl())) {
            return SandboxKeycloak.none("the Keycloak download was declined when the sandbox started");
        }
        phase.accept(DOWNLOADING);
        try {
            Path zip = download.fetch(offer.cancellation(), offer::progress);
            offer.done();
            return SandboxKeycloak.startIfAvailable().withDownloadedZip(zip);
        } catch (CancelledException e) {
            String m = "the download was cancelled (what was fetched is kept: the next start resumes it)";
            offer.failed(m);
            return SandboxKeycloak.none("the Keycloak download was cancelled");
        } catch (RuntimeException e) {
            offer.failed(e.getMessage());
            return SandboxKeycloak.none("the Keycloak download failed: " + e.getMessage());
        }
    }

    /** Whether a Keycloak distribution of either generation is found without a download. */
    static boolean keycloakAtHand() {
        return KeycloakProcess.distributionAtHand(KeycloakProcess.Generation.WILDFLY, null)
                || KeycloakProcess.distributionAtHand(KeycloakProcess.Generation.QUARKUS, null);
    }

    private static SandboxLauncher.Started start(Path dir, Consumer<String> phase, Function<Path, Sandbox> run) {
        Thread self = Thread.currentThread();
        phase.accept(CLUSTER);
        Sandbox sandbox;
        try (AutoCloseable follow = LogHub.subscribe(line -> {
            String p = Thread.currentThread() == self ? phaseOf(line) : null;
            if (p != null) {
                phase.accept(p);
            }
        })) {
            sandbox = run.apply(dir);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);   // LogHub's unsubscribe throws nothing
        }
        phase.accept(READY);
        return new SandboxLauncher.Started(sandbox.kubeconfig(), sandbox.configFile(), sandbox::close);
    }

    /** {@link Sandbox#discard(Path)}: deletes the state a stopped sandbox kept in {@code dir}. */
    static java.util.List<Path> discard(Path dir) {
        return Sandbox.discard(dir);
    }

    static final String CLUSTER = "the simulated cluster and 3scale";
    static final String KEYCLOAK = "Keycloak";
    static final String DOWNLOADING = "downloading Keycloak (once)";
    static final String READY = "connecting";

    /**
     * The phase a sandbox log line starts, or null: Sandbox.run starts the cluster, then the 3scale simulator
     * (ThreescaleSimulator logs "… listening on …"), then its Keycloak (KeycloakProcess logs "unpacking …" and
     * "building Keycloak …" on a first start, then "starting Keycloak …").
     */
    static String phaseOf(LogLine line) {
        String logger = line.logger() == null ? "" : line.logger();
        String m = line.message() == null ? "" : line.message();
        if (logger.endsWith(".ThreescaleSimulator") && m.contains("listening")) {
            return KEYCLOAK;
        }
        if (logger.endsWith(".KeycloakProcess")) {
            if (m.startsWith("unpacking")) {
                return KEYCLOAK + " (unpacking it, on the first start only)";
            }
            if (m.startsWith("building Keycloak")) {
                return KEYCLOAK + " (building it, on the first start only)";
            }
            if (m.startsWith("starting Keycloak")) {
                return KEYCLOAK;
            }
        }
        return null;
    }
}
