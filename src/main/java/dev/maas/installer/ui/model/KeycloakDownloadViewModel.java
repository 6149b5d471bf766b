package dev.maas.installer.ui.model;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.ui.KeycloakOffer;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Keycloak download dialog's state: the offer when the sandbox has no Keycloak at hand (what, why, its size;
 * Download or Continue without SSO), then the progress (bytes, Cancel), then, when it failed, why and that the sandbox
 * runs without SSO. The sandbox's starting thread drives it through {@link KeycloakOffer}; the properties change on the
 * FX thread only. Testable without a window.
 */
public final class KeycloakDownloadViewModel implements KeycloakOffer {
    /** HIDDEN: no dialog; ASKING: the offer; DOWNLOADING: the progress; FAILED: why there is no Keycloak. */
    public enum State { HIDDEN, ASKING, DOWNLOADING, FAILED }

    public static final String TITLE = "Keycloak for the local sandbox";
    public static final String DOWNLOAD = "Download";
    public static final String DECLINE = "Continue without SSO";
    public static final String CANCEL = "Cancel";
    public static final String CLOSE = "Continue without SSO";

    private final Executor fx;
    private final LogViewModel log;
    private final ReadOnlyObjectWrapper<State> state = new ReadOnlyObjectWrapper<>(this, "state", State.HIDDEN);
    private final ReadOnlyStringWrapper heading = new ReadOnlyStringWrapper(this, "heading", "");
    private final ReadOnlyStringWrapper text = new ReadOnlyStringWrapper(this, "text", "");
    private final ReadOnlyStringWrapper progressText = new ReadOnlyStringWrapper(this, "progressText", "");
    private final ReadOnlyDoubleWrapper progress = new ReadOnlyDoubleWrapper(this, "progress", 0);
    private volatile CompletableFuture<Boolean> answer = new CompletableFuture<>();
    private volatile Cancellation cancellation = new Cancellation();
    private final AtomicLong shownDone = new AtomicLong();
    private final AtomicLong shownTotal = new AtomicLong(-1);
    private final AtomicBoolean progressQueued = new AtomicBoolean();

    public KeycloakDownloadViewModel(Executor fx, LogViewModel log) {
        this.fx = Objects.requireNonNull(fx, "fx");
        this.log = Objects.requireNonNull(log, "log");
    }

    public ReadOnlyObjectProperty<State> stateProperty() { return state.getReadOnlyProperty(); }

    public State state() { return state.get(); }

    /** The dialog's header: the question, the progress, or that SSO is not available. */
    public ReadOnlyStringProperty headingProperty() { return heading.getReadOnlyProperty(); }

    /** What and why (the offer), or the cause and what follows (a failure). */
    public ReadOnlyStringProperty textProperty() { return text.getReadOnlyProperty(); }

    /** "12.0 MiB of 190.3 MiB (6 %)". */
    public ReadOnlyStringProperty progressTextProperty() { return progressText.getReadOnlyProperty(); }

    /** 0 to 1, or -1 (indeterminate) when the size is unknown. */
    public ReadOnlyDoubleProperty progressProperty() { return progress.getReadOnlyProperty(); }

    // --- the user's answers (FX thread) ----------------------------------------------------------------------------

    /** Download. */
    public void accept() {
        if (state.get() == State.ASKING) {
            state.set(State.DOWNLOADING);
            heading.set("Downloading Keycloak…");
            progressText.set("starting…");
            progress.set(-1);
            answer.complete(true);
        }
    }

    /** Continue without SSO (the offer declined). */
    public void decline() {
        if (state.get() == State.ASKING) {
            state.set(State.HIDDEN);
            note("INFO", "the Keycloak download was declined: the local sandbox runs without SSO (the sso and portal"
                    + " stages are not available in it)");
            answer.complete(false);
        }
    }

    /** Cancel of the running download: the sandbox goes on without SSO; what was fetched is kept for next time. */
    public void cancel() {
        if (state.get() == State.DOWNLOADING) {
            cancellation.cancel();
        }
    }

    /** Closes the message of a failed download. */
    public void dismiss() {
        if (state.get() == State.FAILED) {
            state.set(State.HIDDEN);
        }
    }

    /** Any of: declines an open offer, cancels a download, closes a message (the dialog's window closed). */
    public void close() {
        switch (state.get()) {
            case ASKING -> decline();
            case DOWNLOADING -> cancel();
            case FAILED -> dismiss();
            default -> { }
        }
    }

    // --- KeycloakOffer: the sandbox's thread -----------------------------------------------------------------------

    @Override
    public boolean ask(String version, long size, String url) {
        CompletableFuture<Boolean> a = new CompletableFuture<>();
        answer = a;
        cancellation = new Cancellation();
        shownDone.set(0);
        shownTotal.set(size);
        String sizeText = size < 0 ? "its size is not given by the repository" : "about " + mebibytes(size);
        fx.execute(() -> {
            heading.set("Download Keycloak " + version + " for the local sandbox?");
            text.set("The local sandbox runs Keycloak on this computer so that the sso and portal stages (single sign-on"
                    + " and the developer portal) can be tried. No Keycloak is installed here, so the wizard can"
                    + " download it once (" + sizeText + ", from " + host(url) + "; its checksum is verified) and keep"
                    + " it for the next starts. Without it the sandbox runs every other stage.");
            progressText.set("");
            progress.set(0);
            state.set(State.ASKING);
        });
        try {
            return a.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return false;
        }
    }

    @Override
    public void progress(long done, long total) {
        shownDone.set(done);
        shownTotal.set(total);
        if (progressQueued.compareAndSet(false, true)) { // one update queued at a time: the FX thread is never flooded
            fx.execute(() -> {
                progressQueued.set(false);
                long d = shownDone.get();
                long t = shownTotal.get();
                if (state.get() == State.DOWNLOADING) {
                    progress.set(t > 0 ? Math.min(1.0, (double) d / t) : -1);
                    progressText.set(t > 0 ? String.format(Locale.ROOT, "%s of %s (%d %%)", mebibytes(d), mebibytes(t),
                            d * 100 / t) : mebibytes(d));
                }
            });
        }
    }

    @Override
    public void done() {
        fx.execute(() -> {
            note("INFO", "Keycloak was downloaded and verified; the local sandbox starts with it");
            state.set(State.HIDDEN);
        });
    }

    @Override
    public void failed(String message) {
        String m = SecretRegistry.global().redact(message == null ? "unknown error" : message);
        fx.execute(() -> {
            heading.set("SSO is not available in the local sandbox");
            text.set("Keycloak could not be downloaded: " + m + ". The sandbox starts without it: the sso and portal"
                    + " stages cannot be tried in it, every other stage can. To get Keycloak, stop the sandbox"
                    + " (Sandbox, Stop) and start it again once the network is back: the download resumes where it"
                    + " stopped.");
            progressText.set("");
            state.set(State.FAILED);
            note("WARN", "Keycloak could not be downloaded: " + m + "; the local sandbox runs without SSO");
        });
    }

    @Override
    public Cancellation cancellation() { return cancellation; }

    private static String host(String url) {
        try {
            String h = java.net.URI.create(url).getHost();
            return h == null ? url : h;
        } catch (IllegalArgumentException e) {
            return url;
        }
    }

    /** "190.3 MiB". */
    public static String mebibytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    private void note(String level, String message) {
        log.add(new LogLine(Instant.now(), level, "", "sandbox", message));
    }
}
