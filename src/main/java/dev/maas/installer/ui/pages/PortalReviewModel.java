package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.ui.model.OffFxThread;
import dev.maas.installer.keycloak.RealmSpec;
import dev.maas.installer.ui.model.ConfigViewModel;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * What the portal page shows before an upload: the SSO summary of the portal's sign-in (kind Red Hat SSO, the realm
 * URL looked up on the cluster, client {@code 3scale}, the redirect policy) and, on demand, the content dry run (what
 * the upload would write). Both look-ups run on {@code background}, never on the FX thread; their results and errors
 * come back on {@code fx}. FX thread only.
 */
public final class PortalReviewModel {
    public static final String SSO_KIND = "Red Hat SSO";

    /** The blocking look-ups (run on the background executor). */
    public interface Lookups {
        /** The realm's URL, or null when not known. */
        String realmUrl(InstallerConfig config) throws Exception;

        /** The text of the content dry run. */
        String contentDryRun(InstallerConfig config) throws Exception;
    }

    private final ConfigViewModel config;
    private final Lookups lookups;
    private final Executor background;
    private final Executor fx;
    private final ReadOnlyStringWrapper ssoSummary = new ReadOnlyStringWrapper(this, "ssoSummary", "");
    private final ReadOnlyStringWrapper realmUrl = new ReadOnlyStringWrapper(this, "realmUrl", "");
    private final ReadOnlyStringWrapper contentDiff = new ReadOnlyStringWrapper(this, "contentDiff", "");
    private final ReadOnlyStringWrapper contentError = new ReadOnlyStringWrapper(this, "contentError", "");
    private final ReadOnlyBooleanWrapper computing = new ReadOnlyBooleanWrapper(this, "computing", false);

    public PortalReviewModel(ConfigViewModel config, Lookups lookups, Executor background, Executor fx) {
        this.config = Objects.requireNonNull(config, "config");
        this.lookups = Objects.requireNonNull(lookups, "lookups");
        this.background = Objects.requireNonNull(background, "background");
        this.fx = Objects.requireNonNull(fx, "fx");
        summarize();
    }

    /** The SSO summary, one line per item. */
    public ReadOnlyStringProperty ssoSummaryProperty() { return ssoSummary.getReadOnlyProperty(); }

    /** The realm URL as last looked up, or what went wrong; empty before. */
    public ReadOnlyStringProperty realmUrlProperty() { return realmUrl.getReadOnlyProperty(); }

    /** The content dry run's text; empty before the first one. */
    public ReadOnlyStringProperty contentDiffProperty() { return contentDiff.getReadOnlyProperty(); }

    /** Why the content dry run failed; empty when it did not. */
    public ReadOnlyStringProperty contentErrorProperty() { return contentError.getReadOnlyProperty(); }

    /** True while the content dry run runs. */
    public ReadOnlyBooleanProperty computingProperty() { return computing.getReadOnlyProperty(); }

    private void summarize() {
        InstallerConfig c = config.current();
        String url = realmUrl.get().isEmpty() ? "(not looked up yet)" : realmUrl.get();
        ssoSummary.set("Kind: " + SSO_KIND + "\nRealm: " + c.sso().realm() + "\nRealm URL: " + url
                + "\nClient: " + RealmSpec.CLIENT_ID + "\nRedirect policy: " + c.sso().redirectPolicy());
    }

    /** Looks the realm URL up (off the FX thread) and refreshes the summary; completes on the FX thread. */
    public CompletableFuture<Void> refreshSso() {
        InstallerConfig cfg = config.current();
        summarize();
        CompletableFuture<Void> done = new CompletableFuture<>();
        OffFxThread.supply(() -> lookups.realmUrl(cfg), background)
                .whenComplete((url, error) -> fx.execute(() -> {
                    if (error == null) {
                        realmUrl.set(url == null || url.isBlank() ? "(unknown: the realm was not found)" : url);
                    } else if (waitingFor(error) != null) {
                        // a fresh cluster: nothing is wrong, the realm is made by a stage not applied yet
                        realmUrl.set("(not there yet: stage " + waitingFor(error) + " is not applied)");
                    } else {
                        realmUrl.set("(cannot be read: " + message(error) + ")");
                    }
                    summarize();
                    done.complete(null);
                }));
        return done;
    }

    /** Computes the content dry run (off the FX thread) and shows its text; completes on the FX thread. */
    public CompletableFuture<Void> showContentChanges() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (computing.get()) {
            done.complete(null);
            return done;
        }
        InstallerConfig cfg = config.current();
        computing.set(true);
        contentError.set("");
        OffFxThread.supply(() -> lookups.contentDryRun(cfg), background)
                .whenComplete((text, error) -> fx.execute(() -> {
                    computing.set(false);
                    if (error == null) {
                        contentDiff.set(SecretRegistry.global().redact(text == null ? "" : text));
                    } else if (waitingFor(error) != null) {
                        contentDiff.set("Every content item is new until stage " + waitingFor(error)
                                + " is applied: the Review page lists them.");
                    } else {
                        contentDiff.set("");
                        contentError.set("Cannot compute the content changes: " + message(error));
                    }
                    done.complete(null);
                }));
        return done;
    }

    /** The stage a look-up waits for (it is not applied yet), or null when the error is another one. */
    private static String waitingFor(Throwable error) {
        return OffFxThread.cause(error) instanceof dev.maas.installer.engine.WaitingForStageException w
                ? w.stageId() : null;
    }

    private static String message(Throwable error) {
        return OffFxThread.message(error);
    }
}
