package dev.maas.installer.ui.model;

import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.diagnostics.Diagnostics;
import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunReport;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.value.ChangeListener;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The summary page after apply: the links (3scale admin portal, developer portal, Keycloak console) read from the
 * cluster off the FX thread; the credentials, read from the cluster's Secrets only when "Show" is pressed, never
 * logged, and forgotten again by {@link #hideCredentials()} (the shell calls it when the page is left); what to do
 * next; and "Save diagnostics…". FX thread only.
 */
public final class SummaryViewModel {
    /** Read-only look-ups against the cluster; called on the background executor, never on the FX thread. */
    public interface Lookup {
        /** The links; a link that cannot be found is empty (the others are still shown). */
        Links links(InstallerConfig config) throws Exception;

        /** Reads the admin credentials from the cluster's Secrets; passwords are registered as secrets. */
        Credentials credentials(InstallerConfig config) throws Exception;

        /**
         * Each model's tiers with their limits as 3scale has them, one line per model ("Granite: Free (10
         * requests/minute, 1,000 total tokens/day); Premium (approval required; no limits)"). Default: none.
         */
        default java.util.List<String> tiers(InstallerConfig config) throws Exception {
            return java.util.List.of();
        }
    }

    public record Links(String adminPortal, String developerPortal, String keycloakConsole) {
        public Links {
            adminPortal = adminPortal == null ? "" : adminPortal;
            developerPortal = developerPortal == null ? "" : developerPortal;
            keycloakConsole = keycloakConsole == null ? "" : keycloakConsole;
        }
    }

    public record Credentials(String threescaleUser, String threescalePassword, String keycloakUser,
                              String keycloakPassword) {
        @Override
        public String toString() {
            return "Credentials[" + threescaleUser + ", ******, " + keycloakUser + ", ******]";
        }
    }

    public static final String NEXT_STEPS = """
            What to do next:
            1. Open the developer portal and sign in with Red Hat SSO: developers sign up there, create an \
            application on a model's plan and get its API key.
            2. In the 3scale admin portal, check the products (one per model) and their application plans; set the \
            tenant's time zone by hand (3scale has no API for it).
            3. In the Keycloak console, add your identity provider or users to the realm if you have not configured \
            one.
            4. To add a model later: start the installer again, press "I have installed before: check my cluster", \
            add it on the Backends page and rerun the backends, products, plans and portal stages.
            5. Keep the exported configuration (Review page, "Export config…"): the CLI replays it with \
            maas-installer apply --config FILE.""";

    private final WizardViewModel wizard;
    private final Supplier<InstallerConfig> config;
    private final Lookup lookup;
    private final Executor background;
    private final Executor fx;
    private final Consumer<String> opener;
    private final String version;
    private final Supplier<Path> lastJournal;
    private final ReadOnlyStringWrapper adminPortal = new ReadOnlyStringWrapper(this, "adminPortal", "");
    private final ReadOnlyStringWrapper developerPortal = new ReadOnlyStringWrapper(this, "developerPortal", "");
    private final ReadOnlyStringWrapper keycloakConsole = new ReadOnlyStringWrapper(this, "keycloakConsole", "");
    private final ReadOnlyStringWrapper linksStatus = new ReadOnlyStringWrapper(this, "linksStatus", "");
    private final ReadOnlyStringWrapper tiers = new ReadOnlyStringWrapper(this, "tiers", "");
    private final ReadOnlyBooleanWrapper credentialsShown = new ReadOnlyBooleanWrapper(this, "credentialsShown");
    private final ReadOnlyStringWrapper threescaleUser = new ReadOnlyStringWrapper(this, "threescaleUser", "");
    private final ReadOnlyStringWrapper threescalePassword = new ReadOnlyStringWrapper(this, "threescalePassword", "");
    private final ReadOnlyStringWrapper keycloakUser = new ReadOnlyStringWrapper(this, "keycloakUser", "");
    private final ReadOnlyStringWrapper keycloakPassword = new ReadOnlyStringWrapper(this, "keycloakPassword", "");
    private final ReadOnlyStringWrapper credentialsStatus = new ReadOnlyStringWrapper(this, "credentialsStatus", "");
    private final ReadOnlyStringWrapper diagnosticsStatus = new ReadOnlyStringWrapper(this, "diagnosticsStatus", "");
    private long credentialsRequest;

    /**
     * @param opener opens a link in the browser (the app passes HostServices::showDocument; tests capture it)
     */
    public SummaryViewModel(WizardViewModel wizard, Supplier<InstallerConfig> config, Lookup lookup,
                            Executor background, Executor fx, Consumer<String> opener, String version) {
        this(wizard, config, lookup, background, fx, opener, version, () -> null);
    }

    /** @param lastJournal the last run's journal file (or null), added to the diagnostics zip */
    public SummaryViewModel(WizardViewModel wizard, Supplier<InstallerConfig> config, Lookup lookup,
                            Executor background, Executor fx, Consumer<String> opener, String version,
                            Supplier<Path> lastJournal) {
        this.lastJournal = Objects.requireNonNull(lastJournal, "lastJournal");
        this.wizard = Objects.requireNonNull(wizard, "wizard");
        this.config = Objects.requireNonNull(config, "config");
        this.lookup = Objects.requireNonNull(lookup, "lookup");
        this.background = Objects.requireNonNull(background, "background");
        this.fx = Objects.requireNonNull(fx, "fx");
        this.opener = Objects.requireNonNull(opener, "opener");
        this.version = version == null ? "unknown" : version;
        wizard.pageProperty().addListener((o, was, now) -> {
            if (now == WizardViewModel.Page.SUMMARY) {
                refreshLinks();
            } else if (was == WizardViewModel.Page.SUMMARY) {
                hideCredentials();
            }
        });
    }

    public ReadOnlyStringProperty adminPortalProperty() { return adminPortal.getReadOnlyProperty(); }

    public ReadOnlyStringProperty developerPortalProperty() { return developerPortal.getReadOnlyProperty(); }

    public ReadOnlyStringProperty keycloakConsoleProperty() { return keycloakConsole.getReadOnlyProperty(); }

    public ReadOnlyStringProperty linksStatusProperty() { return linksStatus.getReadOnlyProperty(); }

    /** Each model's tiers and limits as read from 3scale, one line per model; or why they could not be read. */
    public ReadOnlyStringProperty tiersProperty() { return tiers.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty credentialsShownProperty() { return credentialsShown.getReadOnlyProperty(); }

    public ReadOnlyStringProperty threescaleUserProperty() { return threescaleUser.getReadOnlyProperty(); }

    public ReadOnlyStringProperty threescalePasswordProperty() { return threescalePassword.getReadOnlyProperty(); }

    public ReadOnlyStringProperty keycloakUserProperty() { return keycloakUser.getReadOnlyProperty(); }

    public ReadOnlyStringProperty keycloakPasswordProperty() { return keycloakPassword.getReadOnlyProperty(); }

    public ReadOnlyStringProperty credentialsStatusProperty() { return credentialsStatus.getReadOnlyProperty(); }

    public ReadOnlyStringProperty diagnosticsStatusProperty() { return diagnosticsStatus.getReadOnlyProperty(); }

    public String nextSteps() { return NEXT_STEPS; }

    /** Reads the links again, off the FX thread; completes on the FX thread. */
    public CompletableFuture<Void> refreshLinks() {
        InstallerConfig cfg = config.get();
        linksStatus.set("Looking up the links...");
        refreshTiers(cfg);
        CompletableFuture<Void> done = new CompletableFuture<>();
        OffFxThread.supply(() -> lookup.links(cfg), background).whenComplete((links, e) ->
                fx.execute(() -> {
                    if (e == null) {
                        adminPortal.set(links.adminPortal());
                        developerPortal.set(links.developerPortal());
                        keycloakConsole.set(links.keycloakConsole());
                        boolean all = !links.adminPortal().isEmpty() && !links.developerPortal().isEmpty()
                                && !links.keycloakConsole().isEmpty();
                        linksStatus.set(all ? "" : "Some links could not be found on the cluster: apply the stages"
                                + " that make them, then come back to this page.");
                    } else {
                        linksStatus.set("Could not read the links: " + OffFxThread.message(e));
                    }
                    done.complete(null);
                }));
        return done;
    }

    /** Reads each model's tiers from 3scale, off the FX thread. */
    private void refreshTiers(InstallerConfig cfg) {
        tiers.set("Reading the plans from 3scale...");
        OffFxThread.supply(() -> lookup.tiers(cfg), background).whenComplete((lines, e) ->
                fx.execute(() -> tiers.set(e != null ? "Could not read the plans from 3scale: " + OffFxThread.message(e)
                        : lines.isEmpty() ? "No model products in 3scale yet." : String.join("\n", lines))));
    }

    private final ReadOnlyStringWrapper openStatus = new ReadOnlyStringWrapper(this, "openStatus", "");

    /** What the last click on a link did: "Opened … in your browser.", "Copied … to the clipboard.", or why not. */
    public ReadOnlyStringProperty openStatusProperty() { return openStatus.getReadOnlyProperty(); }

    /**
     * Opens a link with the opener (the browser) and says so; an empty link does nothing. When no browser can be
     * opened it says why and returns false: the view then puts the link on the clipboard, as the message says.
     */
    public boolean open(String url) {
        if (url == null || url.isBlank()) {
            return true;
        }
        try {
            opener.accept(url);
            openStatus.set("Opened " + url + " in your browser. (Copy puts the link on the clipboard instead.)");
            return true;
        } catch (RuntimeException e) {
            openStatus.set("Could not open a browser (" + e.getMessage() + "). Copied " + url
                    + " to the clipboard: paste it into your browser's address bar.");
            return false;
        }
    }

    /** Says that a link was copied to the clipboard (the view copies it). */
    public void copied(String url) {
        if (url != null && !url.isBlank()) {
            openStatus.set("Copied " + url + " to the clipboard.");
        }
    }

    /** "Show": reads the credentials from the cluster's Secrets off the FX thread; completes on the FX thread. */
    public CompletableFuture<Boolean> showCredentials() {
        InstallerConfig cfg = config.get();
        long request = ++credentialsRequest;
        credentialsStatus.set("Reading the credentials from the cluster...");
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        OffFxThread.supply(() -> lookup.credentials(cfg), background).whenComplete((c, e) ->
                fx.execute(() -> {
                    if (request != credentialsRequest) {
                        done.complete(false); // hidden (or asked again) meanwhile
                        return;
                    }
                    if (e == null) {
                        threescaleUser.set(nz(c.threescaleUser()));
                        threescalePassword.set(nz(c.threescalePassword()));
                        keycloakUser.set(nz(c.keycloakUser()));
                        keycloakPassword.set(nz(c.keycloakPassword()));
                        credentialsShown.set(true);
                        credentialsStatus.set("");
                    } else {
                        credentialsStatus.set("Could not read the credentials: " + OffFxThread.message(e));
                    }
                    done.complete(e == null);
                }));
        return done;
    }

    /** "Hide", and leaving the page: forgets the credentials. */
    public void hideCredentials() {
        credentialsRequest++;
        credentialsShown.set(false);
        threescaleUser.set("");
        threescalePassword.set("");
        keycloakUser.set("");
        keycloakPassword.set("");
        credentialsStatus.set("");
    }

    /**
     * "Save diagnostics…": a zip with the wizard's log, the configuration in use and the last verify report; when no
     * verify has run yet, verifies every stage first. Completes on the FX thread with whether the zip was written.
     */
    public CompletableFuture<Boolean> saveDiagnostics(Path file) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        RunReport last = wizard.lastVerifyReportProperty().get();
        if (last != null) {
            write(file, last, done);
            return done;
        }
        if (!wizard.runAll(Operation.VERIFY)) {
            diagnosticsStatus.set("Wait for the current run to finish, then save the diagnostics again.");
            done.complete(false);
            return done;
        }
        diagnosticsStatus.set("Verifying every stage first...");
        ChangeListener<RunReport> once = new ChangeListener<>() {
            @Override
            public void changed(javafx.beans.value.ObservableValue<? extends RunReport> o, RunReport was,
                                RunReport now) {
                if (now != null) {
                    wizard.lastReportProperty().removeListener(this);
                    write(file, wizard.lastVerifyReportProperty().get(), done);
                }
            }
        };
        wizard.lastReportProperty().addListener(once);
        return done;
    }

    private void write(Path file, RunReport verify, CompletableFuture<Boolean> done) {
        List<String> log = wizard.log().lines().stream().map(LogViewModel::format).toList();
        Diagnostics.Contents contents = new Diagnostics.Contents(log, config.get(), verify,
                id -> wizard.stages().stream().filter(s -> s.id().equals(id)).map(StageViewModel::title)
                        .findFirst().orElse(id), version, lastJournal.get());
        diagnosticsStatus.set("Saving the diagnostics...");
        CompletableFuture.runAsync(() -> Diagnostics.write(file, contents), background).whenComplete((v, e) ->
                fx.execute(() -> {
                    diagnosticsStatus.set(e == null ? "Diagnostics saved to " + file
                            + " (secrets masked): attach it to your support request."
                            : "Could not save the diagnostics: " + OffFxThread.message(e));
                    done.complete(e == null);
                }));
    }




    private static String nz(String s) { return s == null ? "" : s; }
}
