package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.config.ConfigProblem;
import dev.maas.installer.engine.config.ConfigValidator;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.IdentityProviderConfig;
import dev.maas.installer.engine.config.InstallerConfig.SsoConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.ui.model.ConfigViewModel;
import dev.maas.installer.ui.model.OffFxThread;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The SSO page's form: flavour, namespace, realm, redirect policy and the identity provider. Every edit is checked
 * with {@link ConfigValidator} on the configuration it would produce; the message of each sso field shows next to its
 * input. Every edit goes into the configuration the runs use ({@link ConfigViewModel#edit}), with its problems: while
 * a field is invalid the stages it feeds do not run, and no earlier value is used instead. After a successful run the
 * realm URL and admin console link are read back through {@link Lookup} on the background executor; the realm's
 * client secret only when asked for, registered as a secret, and hidden again on request. FX thread unless noted.
 */
public final class SsoPageModel {
    /** Read-only look-ups against the cluster; called on the background executor, never on the FX thread. */
    public interface Lookup {
        Links links(InstallerConfig config) throws Exception;

        String clientSecret(InstallerConfig config) throws Exception;
    }

    public record Links(String realmUrl, String consoleUrl) { }

    public static final String NO_IDP = "none";
    public static final String SECRET_ENV = "environment variable";
    public static final String SECRET_FILE = "file";
    public static final List<String> FLAVOURS = List.of("auto", "rhsso", "rhbk");
    public static final List<String> REDIRECT_POLICIES = List.of("portal", "any");
    public static final List<String> IDP_TYPES = List.of(NO_IDP, "google", "github", "oidc");
    public static final List<String> SECRET_SOURCES = List.of(SECRET_ENV, SECRET_FILE);

    static final String[] FIELDS = {"sso.flavour", "sso.namespace", "sso.realm", "sso.redirectPolicy",
        "sso.identityProvider.type", "sso.identityProvider.alias", "sso.identityProvider.clientId",
        "sso.identityProvider.clientSecretEnv", "sso.identityProvider.clientSecretFile",
        "sso.identityProvider.issuer"};

    private final ConfigViewModel config;
    private final Lookup lookup;
    private final Executor background;
    private final Executor fx;

    private final StringProperty flavour = new SimpleStringProperty(this, "flavour");
    private final StringProperty namespace = new SimpleStringProperty(this, "namespace");
    private final StringProperty realm = new SimpleStringProperty(this, "realm");
    private final StringProperty redirectPolicy = new SimpleStringProperty(this, "redirectPolicy");
    private final StringProperty idpType = new SimpleStringProperty(this, "idpType");
    private final StringProperty alias = new SimpleStringProperty(this, "alias");
    private final StringProperty displayName = new SimpleStringProperty(this, "displayName");
    private final StringProperty clientId = new SimpleStringProperty(this, "clientId");
    private final StringProperty secretSource = new SimpleStringProperty(this, "secretSource");
    private final StringProperty clientSecretEnv = new SimpleStringProperty(this, "clientSecretEnv");
    private final StringProperty clientSecretFile = new SimpleStringProperty(this, "clientSecretFile");
    private final StringProperty issuer = new SimpleStringProperty(this, "issuer");
    private final Map<String, ReadOnlyStringWrapper> errors = new LinkedHashMap<>();
    private final ReadOnlyBooleanWrapper valid = new ReadOnlyBooleanWrapper(this, "valid", true);
    private final ReadOnlyStringWrapper problem = new ReadOnlyStringWrapper(this, "problem", "");
    private final ReadOnlyStringWrapper realmUrl = new ReadOnlyStringWrapper(this, "realmUrl", "");
    private final ReadOnlyStringWrapper consoleUrl = new ReadOnlyStringWrapper(this, "consoleUrl", "");
    private final ReadOnlyStringWrapper linksError = new ReadOnlyStringWrapper(this, "linksError", "");
    private final ReadOnlyStringWrapper clientSecret = new ReadOnlyStringWrapper(this, "clientSecret", "");
    private final ReadOnlyBooleanWrapper secretShown = new ReadOnlyBooleanWrapper(this, "secretShown", false);
    private final BooleanBinding idpChosen = Bindings.createBooleanBinding(
            () -> idpType.get() != null && !NO_IDP.equals(idpType.get()), idpType);
    private final BooleanBinding issuerVisible = Bindings.createBooleanBinding(() -> "oidc".equals(idpType.get()),
            idpType);
    private final BooleanBinding secretFromFile = Bindings.createBooleanBinding(
            () -> SECRET_FILE.equals(secretSource.get()), secretSource);
    private boolean loading;

    /**
     * @param lookup     the read-only cluster look-ups (the real one goes through the engine's stage context)
     * @param background where the look-ups run (never the FX thread)
     * @param fx         runs their outcome on the FX thread
     */
    public SsoPageModel(ConfigViewModel config, Lookup lookup, Executor background, Executor fx) {
        this.config = Objects.requireNonNull(config, "config");
        this.lookup = Objects.requireNonNull(lookup, "lookup");
        this.background = Objects.requireNonNull(background, "background");
        this.fx = Objects.requireNonNull(fx, "fx");
        for (String f : FIELDS) {
            errors.put(f, new ReadOnlyStringWrapper(this, f, ""));
        }
        reload();
        for (StringProperty p : List.of(flavour, namespace, realm, redirectPolicy, idpType, alias, displayName,
                clientId, secretSource, clientSecretEnv, clientSecretFile, issuer)) {
            p.addListener((o, was, now) -> edited());
        }
        config.fileProperty().addListener((o, was, now) -> reload());
    }

    /** Fills the form from the configuration in use (after a file was loaded). */
    public void reload() {
        loading = true;
        try {
            SsoConfig s = config.current().sso();
            flavour.set(s.flavour());
            namespace.set(s.namespace());
            realm.set(s.realm());
            redirectPolicy.set(s.redirectPolicy());
            IdentityProviderConfig idp = s.identityProvider();
            idpType.set(idp == null || idp.type() == null ? NO_IDP : idp.type());
            alias.set(idp == null ? "" : nz(idp.alias()));
            displayName.set(idp == null ? "" : nz(idp.displayName()));
            clientId.set(idp == null ? "" : nz(idp.clientId()));
            boolean file = idp != null && idp.clientSecretFile() != null && !idp.clientSecretFile().isBlank();
            secretSource.set(file ? SECRET_FILE : SECRET_ENV);
            clientSecretEnv.set(idp == null ? "" : nz(idp.clientSecretEnv()));
            clientSecretFile.set(idp == null ? "" : nz(idp.clientSecretFile()));
            issuer.set(idp == null ? "" : nz(idp.issuer()));
        } finally {
            loading = false;
        }
        edited();
    }

    /** The sso section the form describes. */
    SsoConfig section() {
        IdentityProviderConfig idp = null;
        if (idpChosen.get()) {
            boolean file = secretFromFile.get();
            idp = new IdentityProviderConfig(idpType.get(), blankToNull(alias.get()), blankToNull(displayName.get()),
                    trim(clientId.get()), file ? null : trim(clientSecretEnv.get()),
                    issuerVisible.get() ? trim(issuer.get()) : null, file ? trim(clientSecretFile.get()) : null);
        }
        // the database settings have no field here: they come from the file, unchanged
        return new SsoConfig(flavour.get(), trim(namespace.get()), trim(realm.get()), redirectPolicy.get(), idp,
                config.current().sso().database());
    }

    private void edited() {
        if (loading) {
            return;
        }
        InstallerConfig cur = config.current();
        InstallerConfig candidate = new InstallerConfig(cur.cluster(), cur.endpoints(), section(), cur.threescale(),
                cur.models(), cur.products(), cur.plans(), cur.portal());
        List<ConfigProblem> problems = ConfigValidator.validate(candidate).stream()
                .filter(p -> p.path() != null && p.path().startsWith("sso.")).toList();
        errors.values().forEach(e -> e.set(""));
        for (ConfigProblem p : problems) {
            ReadOnlyStringWrapper e = errors.get(p.path());
            if (e == null) {
                e = errors.get("sso.realm");
            }
            e.set(e.get().isEmpty() ? p.message() : e.get() + "\n" + p.message());
        }
        valid.set(problems.isEmpty());
        problem.set(problems.isEmpty() ? "" : dev.maas.installer.ui.model.FieldLabels.describe(problems.get(0)));
        // what the form shows is what the runs get, valid or not; while it is not, its stages do not run
        config.edit("sso", candidate, problems);
    }

    /** Reads the realm URL and the admin console link back (after a successful apply or verify). */
    public CompletableFuture<Void> refreshLinks() {
        InstallerConfig cfg = config.current();
        return OffFxThread.supply(() -> lookup.links(cfg), background)
                .handle((links, error) -> {
                    fx.execute(() -> {
                        if (error == null) {
                            realmUrl.set(nz(links.realmUrl()));
                            consoleUrl.set(nz(links.consoleUrl()));
                            linksError.set("");
                        } else {
                            linksError.set("cannot read the realm's links: " + OffFxThread.message(error));
                        }
                    });
                    return null;
                });
    }

    /** Reads the realm client's secret and shows it (the user clicked "Show client secret"). */
    public CompletableFuture<Void> showClientSecret() {
        InstallerConfig cfg = config.current();
        return OffFxThread.supply(() -> {
            String s = lookup.clientSecret(cfg);
            if (s != null && !s.isEmpty()) {
                SecretRegistry.global().register(s);
            }
            return s;
        }, background).handle((s, error) -> {
            fx.execute(() -> {
                if (error == null) {
                    clientSecret.set(nz(s));
                    secretShown.set(true);
                } else {
                    clientSecret.set("");
                    secretShown.set(false);
                    linksError.set("cannot read the client secret: " + OffFxThread.message(error));
                }
            });
            return null;
        });
    }

    public void hideClientSecret() {
        clientSecret.set("");
        secretShown.set(false);
    }

    public StringProperty flavourProperty() { return flavour; }
    public StringProperty namespaceProperty() { return namespace; }
    public StringProperty realmProperty() { return realm; }
    public StringProperty redirectPolicyProperty() { return redirectPolicy; }
    public StringProperty idpTypeProperty() { return idpType; }
    public StringProperty aliasProperty() { return alias; }
    public StringProperty displayNameProperty() { return displayName; }
    public StringProperty clientIdProperty() { return clientId; }
    public StringProperty secretSourceProperty() { return secretSource; }
    public StringProperty clientSecretEnvProperty() { return clientSecretEnv; }
    public StringProperty clientSecretFileProperty() { return clientSecretFile; }
    public StringProperty issuerProperty() { return issuer; }
    public BooleanBinding idpChosen() { return idpChosen; }
    public BooleanBinding issuerVisible() { return issuerVisible; }
    public BooleanBinding secretFromFile() { return secretFromFile; }

    /** The validator's message for a field path (e.g. {@code sso.realm}); empty when it is fine. */
    public ReadOnlyStringProperty errorProperty(String path) {
        ReadOnlyStringWrapper e = errors.get(path);
        if (e == null) {
            throw new IllegalArgumentException("not an sso field: " + path);
        }
        return e.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty validProperty() { return valid.getReadOnlyProperty(); }

    /** The first problem of the form as "field: message"; empty when it is valid (the journey's Next reason). */
    public ReadOnlyStringProperty problemProperty() { return problem.getReadOnlyProperty(); }
    public ReadOnlyStringProperty realmUrlProperty() { return realmUrl.getReadOnlyProperty(); }
    public ReadOnlyStringProperty consoleUrlProperty() { return consoleUrl.getReadOnlyProperty(); }
    public ReadOnlyStringProperty linksErrorProperty() { return linksError.getReadOnlyProperty(); }
    public ReadOnlyStringProperty clientSecretProperty() { return clientSecret.getReadOnlyProperty(); }
    public ReadOnlyBooleanProperty secretShownProperty() { return secretShown.getReadOnlyProperty(); }

    static String nz(String s) { return s == null ? "" : s; }

    static String trim(String s) { return s == null ? null : s.trim(); }

    static String blankToNull(String s) { return s == null || s.isBlank() ? null : s.trim(); }
}
