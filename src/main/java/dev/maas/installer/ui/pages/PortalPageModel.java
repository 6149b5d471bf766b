package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.config.ConfigProblem;
import dev.maas.installer.engine.config.ConfigValidator;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.PortalConfig;
import dev.maas.installer.ui.model.ConfigViewModel;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The portal page's inputs: the content folder (empty = the built-in MaaS content) and what a bad content item does
 * ({@code continue} or {@code stop}); both validated with {@link ConfigValidator} and written into the configuration
 * the next run uses when valid. After a successful apply or verify it shows the developer portal link:
 * {@code endpoints.developerPortalUrl} when set, else {@code https://<tenant>.<apps domain>}. FX thread only.
 */
public final class PortalPageModel {
    public static final String BUILT_IN = "built-in MaaS portal content";

    public enum OnError {
        CONTINUE(PortalConfig.ON_ERROR_CONTINUE, "continue with the other items, fail at the end"),
        STOP(PortalConfig.ON_ERROR_STOP, "stop at the first bad item");

        private final String value;
        private final String label;

        OnError(String value, String label) {
            this.value = value;
            this.label = label;
        }

        public String value() { return value; }

        static OnError of(String value) { return PortalConfig.ON_ERROR_STOP.equals(value) ? STOP : CONTINUE; }

        @Override
        public String toString() { return label; }
    }

    private final ConfigViewModel config;
    private final Supplier<String> appsDomain;
    private final Executor background;
    private final Executor fx;
    private final StringProperty contentDir = new SimpleStringProperty(this, "contentDir", "");
    private final ObjectProperty<OnError> onError = new SimpleObjectProperty<>(this, "onError", OnError.CONTINUE);
    private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper(this, "error", "");
    private final ReadOnlyBooleanWrapper valid = new ReadOnlyBooleanWrapper(this, "valid", true);
    private final ReadOnlyStringWrapper portalLink = new ReadOnlyStringWrapper(this, "portalLink", "");
    private final ReadOnlyStringWrapper contentText = new ReadOnlyStringWrapper(this, "contentText", BUILT_IN);
    private boolean loading;

    /**
     * @param appsDomain the cluster's apps domain, or null when unknown (blocking; run on {@code background})
     */
    public PortalPageModel(ConfigViewModel config, Supplier<String> appsDomain, Executor background, Executor fx) {
        this.config = Objects.requireNonNull(config, "config");
        this.appsDomain = Objects.requireNonNull(appsDomain, "appsDomain");
        this.background = Objects.requireNonNull(background, "background");
        this.fx = Objects.requireNonNull(fx, "fx");
        reload();
        // a configuration file loaded later (by hand or by the sandbox) replaces what the page shows
        config.fileProperty().addListener((o, was, now) -> reload());
        contentDir.addListener((o, a, b) -> edited());
        onError.addListener((o, a, b) -> edited());
    }

    public PortalPageModel(PageServices s) {
        this(s.config(), s.appsDomain(), s.background(), s.fx());
    }

    /** The content folder; empty means the built-in content. */
    public StringProperty contentDirProperty() { return contentDir; }

    public ObjectProperty<OnError> onErrorProperty() { return onError; }

    /** What is wrong with the portal settings; empty when valid. */
    public ReadOnlyStringProperty errorProperty() { return error.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty validProperty() { return valid.getReadOnlyProperty(); }

    /** The content folder in words ({@link #BUILT_IN} when empty). */
    public ReadOnlyStringProperty contentTextProperty() { return contentText.getReadOnlyProperty(); }

    /** The developer portal URL once the stage succeeded; empty before. */
    public ReadOnlyStringProperty portalLinkProperty() { return portalLink.getReadOnlyProperty(); }

    /** Shows the portal settings of the configuration in use. */
    public void reload() {
        loading = true;
        try {
            PortalConfig p = config.current().portal();
            contentDir.set(p.contentDir() == null ? "" : p.contentDir());
            onError.set(OnError.of(p.onError()));
        } finally {
            loading = false;
        }
        validate();
    }

    /** Back to the built-in content. */
    public void useBuiltInContent() { contentDir.set(""); }

    private void edited() {
        if (!loading) {
            validate();
        }
    }

    /** Validates the settings as shown and writes them, with their problems, into the configuration. */
    public boolean validate() {
        String dir = contentDir.get() == null || contentDir.get().isBlank() ? null : contentDir.get().trim();
        contentText.set(dir == null ? BUILT_IN : dir);
        InstallerConfig c = config.current();
        PortalConfig portal = new PortalConfig(dir, (onError.get() == null ? OnError.CONTINUE : onError.get()).value(),
                c.portal().skipKeycloakCertificateVerification());
        InstallerConfig edited = new InstallerConfig(c.cluster(), c.endpoints(), c.sso(), c.threescale(), c.models(),
                c.products(), c.plans(), portal);
        List<ConfigProblem> problems = ConfigValidator.validate(edited).stream()
                .filter(p -> p.path().startsWith("portal")).toList();
        error.set(problems.stream().map(dev.maas.installer.ui.model.FieldLabels::describe).collect(Collectors.joining("\n")));
        valid.set(problems.isEmpty());
        // what the form shows is what the runs get, valid or not; while it is not, its stage does not run
        config.edit("portal", edited, problems);
        return problems.isEmpty();
    }

    /**
     * The stage applied or verified successfully: shows the portal link (the apps domain is looked up off the FX
     * thread when the configuration has no developerPortalUrl). Completes on the FX thread with the link, empty when
     * it cannot be told.
     */
    public CompletableFuture<String> succeeded() {
        CompletableFuture<String> done = new CompletableFuture<>();
        InstallerConfig c = config.current();
        String override = c.endpoints().developerPortalUrl();
        if (override != null && !override.isBlank()) {
            portalLink.set(override.trim());
            done.complete(portalLink.get());
            return done;
        }
        String tenant = c.threescale().tenantName();
        CompletableFuture.supplyAsync(appsDomain, background).whenComplete((domain, err) -> fx.execute(() -> {
            portalLink.set(err == null && domain != null && !domain.isBlank() ? "https://" + tenant + "." + domain
                    : "");
            done.complete(portalLink.get());
        }));
        return done;
    }

    /** The stage is run again or failed: the link is no longer known to work. */
    public void clearLink() { portalLink.set(""); }
}
