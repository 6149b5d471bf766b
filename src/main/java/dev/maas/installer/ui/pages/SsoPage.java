package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.keycloak.KeycloakAdmin;
import dev.maas.installer.keycloak.RealmSpec;
import dev.maas.installer.stages.sso.KeycloakEndpoints;
import dev.maas.installer.ui.model.ConfigViewModel;
import dev.maas.installer.ui.model.StageStatus;
import dev.maas.installer.ui.model.StageViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import org.keycloak.representations.idm.ClientRepresentation;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Function;

/** The SSO stage's page: its inputs, and the realm's links and client secret once the stage ran. */
public final class SsoPage implements ConfigPage {
    public static final String DESCRIPTION = "Installs Red Hat SSO or the Red Hat build of Keycloak (the flavour)"
            + " through its operator, and creates the realm with the 3scale client (OpenID Connect) and, when chosen,"
            + " the identity provider people sign in with (Google, GitHub or any OpenID Connect provider).";
    public static final String SECRET_HELP = "The installer never stores the identity provider's client secret:"
            + " give the NAME of the environment variable that holds it (set before the installer starts), or the path"
            + " of a file that contains it and only you can read (e.g. mode 0600).";

    /** What each flavour means (sso-stage.md; SsoFlavour.choose decides "auto"). */
    static final String FLAVOUR_HELP = "auto: Red Hat SSO when the cluster's catalog offers it (operator"
            + " rhsso-operator, channel stable), else the Red Hat build of Keycloak. rhsso: Red Hat SSO 7.6 (legacy"
            + " Keycloak operator). rhbk: the Red Hat build of Keycloak (Keycloak operator).";
    static final String REALM_HELP = "The Keycloak realm that holds the 3scale client and the people who sign in to"
            + " the developer portal.";
    /** The redirect URIs of client 3scale, and what they allow (sso-stage.md). */
    static final String REDIRECT_HELP = "Where Keycloak may send a signed-in user back to. portal (recommended):"
            + " only the developer portal's sign-in callback, so a sign-in cannot be redirected elsewhere. any: every"
            + " address ('*'), as in the runbook: less safe, since a crafted link can send the sign-in's code to"
            + " another site.";
    static final String IDP_HELP = "Where people sign in: none (accounts in the realm itself), Google, GitHub, or"
            + " any OpenID Connect provider (give its issuer URL).";

    private ConfigViewModel config;
    private java.util.function.Consumer<String> openLink = PageSupport.COPY_ONLY;
    private SsoPageModel.Lookup lookup;
    private Executor background = PageSupport.BACKGROUND;

    @Override
    public String description() { return DESCRIPTION; }

    @Override
    public void attach(PageServices services, Function<Cancellation, StageContext> contexts) {
        this.config = services.config();
        this.openLink = services.openLink();
        if (lookup == null) {
            lookup = engineLookup(contexts);
        }
    }

    /** Replaces the look-ups and their executor (tests). */
    public SsoPage withLookup(SsoPageModel.Lookup lookup, Executor background) {
        this.lookup = Objects.requireNonNull(lookup, "lookup");
        this.background = Objects.requireNonNull(background, "background");
        return this;
    }

    @Override
    public Node inputs(StageViewModel stage, WizardViewModel wizard) {
        if (config == null) {
            return null;
        }
        SsoPageModel m = new SsoPageModel(config, lookup, background, Platform::runLater);
        stage.inputProblemProperty().bind(m.problemProperty());
        return view(m, stage, openLink);
    }

    static Node view(SsoPageModel m, StageViewModel stage) { return view(m, stage, PageSupport.COPY_ONLY); }

    static Node view(SsoPageModel m, StageViewModel stage, java.util.function.Consumer<String> openLink) {
        GridPane g = PageSupport.form();
        int r = 0;
        ComboBox<String> flavour = combo(SsoPageModel.FLAVOURS);
        flavour.valueProperty().bindBidirectional(m.flavourProperty());
        r = PageSupport.row(g, r, "Flavour", flavour, m.errorProperty("sso.flavour"), "sso-flavour", FLAVOUR_HELP);
        GridPane advanced = PageSupport.form();
        TextField ns = text(m.namespaceProperty());
        PageSupport.row(advanced, 0, "Namespace", ns, m.errorProperty("sso.namespace"), "sso-namespace",
                "The OpenShift project SSO is installed in (created when missing).");
        TextField realm = text(m.realmProperty());
        r = PageSupport.row(g, r, "Realm", realm, m.errorProperty("sso.realm"), "sso-realm", REALM_HELP);
        ComboBox<String> redirect = combo(SsoPageModel.REDIRECT_POLICIES);
        redirect.valueProperty().bindBidirectional(m.redirectPolicyProperty());
        r = PageSupport.row(g, r, "Redirect policy", redirect, m.errorProperty("sso.redirectPolicy"),
                "sso-redirect", REDIRECT_HELP);
        ComboBox<String> type = combo(SsoPageModel.IDP_TYPES);
        type.valueProperty().bindBidirectional(m.idpTypeProperty());
        r = PageSupport.row(g, r, "Identity provider", type, m.errorProperty("sso.identityProvider.type"),
                "sso-idp-type", IDP_HELP);
        TextField alias = idp(text(m.aliasProperty()), m);
        r = PageSupport.row(g, r, "Alias", alias, m.errorProperty("sso.identityProvider.alias"), "sso-idp-alias");
        TextField display = idp(text(m.displayNameProperty()), m);
        r = PageSupport.row(g, r, "Display name", display, null, "sso-idp-display");
        TextField clientId = idp(text(m.clientIdProperty()), m);
        r = PageSupport.row(g, r, "Client id", clientId, m.errorProperty("sso.identityProvider.clientId"),
                "sso-idp-client-id");
        ComboBox<String> source = combo(SsoPageModel.SECRET_SOURCES);
        source.valueProperty().bindBidirectional(m.secretSourceProperty());
        source.visibleProperty().bind(m.idpChosen());
        source.managedProperty().bind(m.idpChosen());
        r = PageSupport.row(g, r, "Client secret from", source, null, "sso-idp-secret-source",
                "Where the installer reads the provider's client secret when it applies; it never stores it.");
        TextField env = text(m.clientSecretEnvProperty());
        env.setPromptText("e.g. MAAS_IDP_CLIENT_SECRET");
        env.visibleProperty().bind(m.idpChosen().and(m.secretFromFile().not()));
        env.managedProperty().bind(env.visibleProperty());
        r = PageSupport.row(g, r, "Variable name", env, m.errorProperty("sso.identityProvider.clientSecretEnv"),
                "sso-idp-secret-env");
        TextField file = text(m.clientSecretFileProperty());
        file.setPromptText("path of a file readable only by you");
        file.visibleProperty().bind(m.idpChosen().and(m.secretFromFile()));
        file.managedProperty().bind(file.visibleProperty());
        r = PageSupport.row(g, r, "Secret file", file, m.errorProperty("sso.identityProvider.clientSecretFile"),
                "sso-idp-secret-file");
        TextField issuer = text(m.issuerProperty());
        issuer.setPromptText("https://issuer.example.com");
        issuer.visibleProperty().bind(m.issuerVisible());
        issuer.managedProperty().bind(m.issuerVisible());
        PageSupport.row(g, r, "Issuer URL", issuer, m.errorProperty("sso.identityProvider.issuer"),
                "sso-idp-issuer");

        Label help = new Label(SECRET_HELP);
        help.setId("sso-secret-help");
        help.setWrapText(true);
        help.visibleProperty().bind(m.idpChosen());
        help.managedProperty().bind(m.idpChosen());

        Label linksTitle = new Label("Realm");
        linksTitle.visibleProperty().bind(m.realmUrlProperty().isNotEmpty());
        linksTitle.managedProperty().bind(linksTitle.visibleProperty());
        Label linksError = new Label();
        linksError.setId("sso-links-error");
        linksError.setWrapText(true);
        linksError.textProperty().bind(m.linksErrorProperty());
        linksError.visibleProperty().bind(m.linksErrorProperty().isNotEmpty());
        linksError.managedProperty().bind(linksError.visibleProperty());
        VBox links = new VBox(2, linksTitle, PageSupport.link("sso-realm-url", m.realmUrlProperty(), openLink),
                PageSupport.link("sso-console-url", m.consoleUrlProperty(), openLink), linksError);

        Button show = new Button("Show client secret");
        show.setId("sso-show-secret");
        show.setOnAction(e -> m.showClientSecret());
        show.visibleProperty().bind(m.realmUrlProperty().isNotEmpty().and(m.secretShownProperty().not()));
        show.managedProperty().bind(show.visibleProperty());
        Button hide = new Button("Hide");
        hide.setId("sso-hide-secret");
        hide.setOnAction(e -> m.hideClientSecret());
        hide.visibleProperty().bind(m.secretShownProperty());
        hide.managedProperty().bind(hide.visibleProperty());
        TextField secret = new TextField();
        secret.setId("sso-client-secret");
        secret.setEditable(false);
        secret.textProperty().bind(m.clientSecretProperty());
        secret.visibleProperty().bind(m.secretShownProperty());
        secret.managedProperty().bind(secret.visibleProperty());
        HBox secretRow = new HBox(8, show, secret, hide);

        stage.statusProperty().addListener((o, was, now) -> {
            if (now == StageStatus.OK || now == StageStatus.WARNING) {
                m.refreshLinks();
            }
        });
        if (stage.status() == StageStatus.OK || stage.status() == StageStatus.WARNING) {
            m.refreshLinks();
        }
        VBox box = new VBox(6, g, help, PageSupport.advanced("sso-advanced", "The namespace SSO goes in.", advanced,
                m.errorProperty("sso.namespace")),
                links, secretRow);
        box.setId("sso-inputs");
        return box;
    }

    private static TextField idp(TextField f, SsoPageModel m) {
        f.visibleProperty().bind(m.idpChosen());
        f.managedProperty().bind(m.idpChosen());
        return f;
    }

    static TextField text(javafx.beans.property.StringProperty p) {
        TextField f = new TextField();
        f.textProperty().bindBidirectional(p);
        return f;
    }

    static ComboBox<String> combo(java.util.List<String> items) {
        ComboBox<String> c = new ComboBox<>();
        c.getItems().setAll(items);
        return c;
    }

    /** The real look-ups: the engine's stage context (connected to the cluster) and the sso stage's Keycloak access. */
    static SsoPageModel.Lookup engineLookup(Function<Cancellation, StageContext> contexts) {
        return new SsoPageModel.Lookup() {
            @Override
            public SsoPageModel.Links links(InstallerConfig config) {
                assertOffFx();
                try (StageContext ctx = contexts.apply(new Cancellation())) {
                    KeycloakAdmin admin = KeycloakEndpoints.admin(ctx);
                    String realm = config.sso().realm();
                    return new SsoPageModel.Links(admin.realmUrl(realm), admin.consoleUrl(realm));
                }
            }

            @Override
            public String clientSecret(InstallerConfig config) {
                assertOffFx();
                try (StageContext ctx = contexts.apply(new Cancellation())) {
                    KeycloakAdmin admin = KeycloakEndpoints.admin(ctx);
                    ClientRepresentation c = admin.realm(config.sso().realm()).clients()
                            .findByClientId(RealmSpec.CLIENT_ID).stream().findFirst()
                            .orElseThrow(() -> new IllegalStateException("realm " + config.sso().realm()
                                    + " has no client " + RealmSpec.CLIENT_ID + ": apply the sso stage first"));
                    String secret = admin.realm(config.sso().realm()).clients().get(c.getId()).getSecret()
                            .getValue();
                    return ctx.secrets().register(secret);
                }
            }
        };
    }

    static void assertOffFx() {
        if (Platform.isFxApplicationThread()) {
            throw new IllegalStateException("cluster look-ups must not run on the FX thread");
        }
    }
}
