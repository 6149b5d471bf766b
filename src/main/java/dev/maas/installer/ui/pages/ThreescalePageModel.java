package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.config.ConfigProblem;
import dev.maas.installer.engine.config.ConfigValidator;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.StorageConfig;
import dev.maas.installer.engine.config.InstallerConfig.ThreescaleConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.ui.model.OffFxThread;
import dev.maas.installer.ui.model.ConfigViewModel;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import static dev.maas.installer.ui.pages.SsoPageModel.blankToNull;
import static dev.maas.installer.ui.pages.SsoPageModel.nz;
import static dev.maas.installer.ui.pages.SsoPageModel.trim;

/**
 * The 3scale page's form: namespace, operator channel, storage (an RWX StorageClass or S3), tenant, organisation and
 * the custom policy folders (one a line). Every edit is checked with {@link ConfigValidator}; each threescale field's
 * message shows next to its input, and every edit goes into the configuration the runs use with its problems
 * ({@link ConfigViewModel#edit}): while a field is invalid the stages it feeds do not run.
 * After a successful run the admin portal link is read back through {@link Lookup} on the background executor; the
 * admin credentials (Secret system-seed) only when asked for, registered as secrets. FX thread unless noted.
 */
public final class ThreescalePageModel {
    /** Read-only look-ups against the cluster; called on the background executor, never on the FX thread. */
    public interface Lookup {
        String adminUrl(InstallerConfig config) throws Exception;

        Credentials credentials(InstallerConfig config) throws Exception;
    }

    /** The tenant admin's user and password. */
    public record Credentials(String user, String password) {
        @Override
        public String toString() { return "Credentials[" + user + ", ******]"; }
    }

    public static final List<String> STORAGE_TYPES = List.of("rwx", "s3");

    static final String[] FIELDS = {"threescale.namespace", "threescale.channel", "threescale.tenantName",
        "threescale.organizationName", "threescale.storage.type", "threescale.storage.storageClass",
        "threescale.storage.s3SecretName", "threescale.policies"};

    private final ConfigViewModel config;
    private final Lookup lookup;
    private final Executor background;
    private final Executor fx;

    private final StringProperty namespace = new SimpleStringProperty(this, "namespace");
    private final StringProperty channel = new SimpleStringProperty(this, "channel");
    private final StringProperty tenantName = new SimpleStringProperty(this, "tenantName");
    private final StringProperty organizationName = new SimpleStringProperty(this, "organizationName");
    private final StringProperty storageType = new SimpleStringProperty(this, "storageType");
    private final StringProperty storageClass = new SimpleStringProperty(this, "storageClass");
    private final StringProperty s3SecretName = new SimpleStringProperty(this, "s3SecretName");
    private final StringProperty policies = new SimpleStringProperty(this, "policies");
    private final BooleanProperty timezoneConfirmed = new SimpleBooleanProperty(this, "timezoneConfirmed");
    private final Map<String, ReadOnlyStringWrapper> errors = new LinkedHashMap<>();
    private final ReadOnlyBooleanWrapper valid = new ReadOnlyBooleanWrapper(this, "valid", true);
    private final ReadOnlyStringWrapper problem = new ReadOnlyStringWrapper(this, "problem", "");
    private final ReadOnlyStringWrapper adminUrl = new ReadOnlyStringWrapper(this, "adminUrl", "");
    private final ReadOnlyStringWrapper lookupError = new ReadOnlyStringWrapper(this, "lookupError", "");
    private final ReadOnlyStringWrapper adminUser = new ReadOnlyStringWrapper(this, "adminUser", "");
    private final ReadOnlyStringWrapper adminPassword = new ReadOnlyStringWrapper(this, "adminPassword", "");
    private final ReadOnlyBooleanWrapper credentialsShown = new ReadOnlyBooleanWrapper(this, "credentialsShown");
    private final BooleanBinding s3 = Bindings.createBooleanBinding(() -> "s3".equals(storageType.get()),
            storageType);
    private boolean loading;

    public ThreescalePageModel(ConfigViewModel config, Lookup lookup, Executor background, Executor fx) {
        this.config = Objects.requireNonNull(config, "config");
        this.lookup = Objects.requireNonNull(lookup, "lookup");
        this.background = Objects.requireNonNull(background, "background");
        this.fx = Objects.requireNonNull(fx, "fx");
        for (String f : FIELDS) {
            errors.put(f, new ReadOnlyStringWrapper(this, f, ""));
        }
        reload();
        for (StringProperty p : List.of(namespace, channel, tenantName, organizationName, storageType, storageClass,
                s3SecretName, policies)) {
            p.addListener((o, was, now) -> edited());
        }
        timezoneConfirmed.addListener((o, was, now) -> edited());
        config.fileProperty().addListener((o, was, now) -> reload());
    }

    /** Fills the form from the configuration in use. */
    public void reload() {
        loading = true;
        try {
            ThreescaleConfig t = config.current().threescale();
            namespace.set(t.namespace());
            channel.set(t.channel());
            tenantName.set(t.tenantName());
            organizationName.set(nz(t.organizationName()));
            storageType.set(t.storage().type());
            storageClass.set(nz(t.storage().storageClass()));
            s3SecretName.set(nz(t.storage().s3SecretName()));
            policies.set(String.join("\n", t.policies()));
            timezoneConfirmed.set(Boolean.TRUE.equals(t.timezoneConfirmed()));
        } finally {
            loading = false;
        }
        edited();
    }

    /** The threescale section the form describes. */
    ThreescaleConfig section() {
        boolean isS3 = s3.get();
        StorageConfig storage = new StorageConfig(storageType.get(), isS3 ? null : blankToNull(storageClass.get()),
                isS3 ? trim(s3SecretName.get()) : null);
        List<String> folders = policies.get() == null ? List.of() : Arrays.stream(policies.get().split("\\R"))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        return new ThreescaleConfig(trim(namespace.get()), trim(channel.get()), trim(tenantName.get()),
                blankToNull(organizationName.get()), storage, folders, timezoneConfirmed.get());
    }

    private void edited() {
        if (loading) {
            return;
        }
        InstallerConfig cur = config.current();
        InstallerConfig candidate = new InstallerConfig(cur.cluster(), cur.endpoints(), cur.sso(), section(),
                cur.models(), cur.products(), cur.plans(), cur.portal());
        List<ConfigProblem> problems = ConfigValidator.validate(candidate).stream()
                .filter(p -> p.path() != null && p.path().startsWith("threescale.")).toList();
        errors.values().forEach(e -> e.set(""));
        for (ConfigProblem p : problems) {
            String key = p.path().startsWith("threescale.policies[") ? "threescale.policies" : p.path();
            ReadOnlyStringWrapper e = errors.getOrDefault(key, errors.get("threescale.namespace"));
            e.set(e.get().isEmpty() ? p.message() : e.get() + "\n" + p.message());
        }
        valid.set(problems.isEmpty());
        problem.set(problems.isEmpty() ? "" : dev.maas.installer.ui.model.FieldLabels.describe(problems.get(0)));
        // what the form shows is what the runs get, valid or not; while it is not, its stages do not run
        config.edit("threescale", candidate, problems);
    }

    /** Reads the admin portal link back (after a successful apply or verify). */
    public CompletableFuture<Void> refreshLinks() {
        InstallerConfig cfg = config.current();
        return OffFxThread.supply(() -> lookup.adminUrl(cfg), background)
                .handle((url, error) -> {
                    fx.execute(() -> {
                        if (error == null) {
                            adminUrl.set(nz(url));
                            lookupError.set("");
                        } else {
                            lookupError.set("cannot read the admin portal's address: " + OffFxThread.message(error));
                        }
                    });
                    return null;
                });
    }

    /** Reads the tenant admin's credentials and shows them (the user clicked "Show credentials"). */
    public CompletableFuture<Void> showCredentials() {
        InstallerConfig cfg = config.current();
        return OffFxThread.supply(() -> {
            Credentials c = lookup.credentials(cfg);
            if (c != null) {
                SecretRegistry.global().register(c.password());
            }
            return c;
        }, background).handle((c, error) -> {
            fx.execute(() -> {
                if (error == null && c != null) {
                    adminUser.set(nz(c.user()));
                    adminPassword.set(nz(c.password()));
                    credentialsShown.set(true);
                } else {
                    hideCredentials();
                    lookupError.set("cannot read the admin credentials: " + (error == null ? "none found"
                            : OffFxThread.message(error)));
                }
            });
            return null;
        });
    }

    public void hideCredentials() {
        adminUser.set("");
        adminPassword.set("");
        credentialsShown.set(false);
    }

    public StringProperty namespaceProperty() { return namespace; }
    public StringProperty channelProperty() { return channel; }
    public StringProperty tenantNameProperty() { return tenantName; }
    public StringProperty organizationNameProperty() { return organizationName; }
    public StringProperty storageTypeProperty() { return storageType; }
    public StringProperty storageClassProperty() { return storageClass; }
    public StringProperty s3SecretNameProperty() { return s3SecretName; }
    /** The custom policy folders, one a line. */
    public StringProperty policiesProperty() { return policies; }
    public BooleanProperty timezoneConfirmedProperty() { return timezoneConfirmed; }
    public BooleanBinding s3() { return s3; }

    /** The validator's message for a field path (e.g. {@code threescale.tenantName}); empty when it is fine. */
    public ReadOnlyStringProperty errorProperty(String path) {
        ReadOnlyStringWrapper e = errors.get(path);
        if (e == null) {
            throw new IllegalArgumentException("not a threescale field: " + path);
        }
        return e.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty validProperty() { return valid.getReadOnlyProperty(); }

    /** The first problem of the form as "field: message"; empty when it is valid (the journey's Next reason). */
    public ReadOnlyStringProperty problemProperty() { return problem.getReadOnlyProperty(); }
    public ReadOnlyStringProperty adminUrlProperty() { return adminUrl.getReadOnlyProperty(); }
    public ReadOnlyStringProperty lookupErrorProperty() { return lookupError.getReadOnlyProperty(); }
    public ReadOnlyStringProperty adminUserProperty() { return adminUser.getReadOnlyProperty(); }
    public ReadOnlyStringProperty adminPasswordProperty() { return adminPassword.getReadOnlyProperty(); }
    public ReadOnlyBooleanProperty credentialsShownProperty() { return credentialsShown.getReadOnlyProperty(); }
}
