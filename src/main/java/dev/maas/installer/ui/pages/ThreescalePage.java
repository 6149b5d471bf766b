package dev.maas.installer.ui.pages;

import dev.maas.installer.cluster.Resources;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.stages.common.ClusterFacts;
import dev.maas.installer.stages.common.ThreescaleAccess;
import dev.maas.installer.ui.model.ConfigViewModel;
import dev.maas.installer.ui.model.StageStatus;
import dev.maas.installer.ui.model.StageViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import io.fabric8.kubernetes.client.KubernetesClient;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Function;

import static dev.maas.installer.ui.pages.SsoPage.assertOffFx;
import static dev.maas.installer.ui.pages.SsoPage.combo;
import static dev.maas.installer.ui.pages.SsoPage.text;

/** The 3scale stage's page: its inputs, and the admin portal link and admin credentials once the stage ran. */
public final class ThreescalePage implements ConfigPage {
    public static final String DESCRIPTION = "Installs 3scale API Management: the operator, the APIManager with its"
            + " storage (an RWX StorageClass or S3), the tenant and its organisation name, and the custom APIcast"
            + " policies; waits until the admin portal answers.";
    public static final String ADMIN_USER_KEY = "ADMIN_USER";
    public static final String ADMIN_PASSWORD_KEY = "ADMIN_PASSWORD";

    private ConfigViewModel config;
    private java.util.function.Consumer<String> openLink = PageSupport.COPY_ONLY;
    private ThreescalePageModel.Lookup lookup;
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
    public ThreescalePage withLookup(ThreescalePageModel.Lookup lookup, Executor background) {
        this.lookup = Objects.requireNonNull(lookup, "lookup");
        this.background = Objects.requireNonNull(background, "background");
        return this;
    }

    @Override
    public Node inputs(StageViewModel stage, WizardViewModel wizard) {
        if (config == null) {
            return null;
        }
        ThreescalePageModel m = new ThreescalePageModel(config, lookup, background, Platform::runLater);
        stage.inputProblemProperty().bind(m.problemProperty());
        return view(m, stage, openLink);
    }

    static Node view(ThreescalePageModel m, StageViewModel stage) { return view(m, stage, PageSupport.COPY_ONLY); }

    static Node view(ThreescalePageModel m, StageViewModel stage, java.util.function.Consumer<String> openLink) {
        GridPane g = PageSupport.form();
        int r = 0;
        GridPane advanced = PageSupport.form();
        int a = 0;
        a = PageSupport.row(advanced, a, "Namespace", text(m.namespaceProperty()),
                m.errorProperty("threescale.namespace"), "threescale-namespace",
                "The OpenShift project 3scale is installed in (created when missing).");
        TextField channel = text(m.channelProperty());
        channel.setPromptText("threescale-2.15");
        a = PageSupport.row(advanced, a, "Operator channel", channel, m.errorProperty("threescale.channel"),
                "threescale-channel", "The 3scale operator's OLM channel, e.g. threescale-2.15; 2.16 and later"
                        + " need external databases (Secrets system-database, backend-redis, system-redis).");
        r = PageSupport.row(g, r, "Tenant", text(m.tenantNameProperty()), m.errorProperty("threescale.tenantName"),
                "threescale-tenant", "The first part of the portals' host names: <tenant>-admin.<apps domain> for"
                        + " the admin portal, <tenant>.<apps domain> for the developer portal.");
        r = PageSupport.row(g, r, "Organisation", text(m.organizationNameProperty()),
                m.errorProperty("threescale.organizationName"), "threescale-organization");
        ComboBox<String> storage = combo(ThreescalePageModel.STORAGE_TYPES);
        storage.valueProperty().bindBidirectional(m.storageTypeProperty());
        r = PageSupport.row(g, r, "Storage", storage, m.errorProperty("threescale.storage.type"),
                "threescale-storage-type", "Where 3scale keeps uploaded files: a shared (ReadWriteMany) volume, or"
                        + " an S3 bucket whose credentials are in a Secret.");
        TextField sc = text(m.storageClassProperty());
        sc.setPromptText("empty: detect an RWX StorageClass");
        sc.visibleProperty().bind(m.s3().not());
        sc.managedProperty().bind(sc.visibleProperty());
        r = PageSupport.row(g, r, "RWX StorageClass", sc, m.errorProperty("threescale.storage.storageClass"),
                "threescale-storage-class");
        TextField s3 = text(m.s3SecretNameProperty());
        s3.setPromptText("Secret with the S3 credentials, in the namespace");
        s3.visibleProperty().bind(m.s3());
        s3.managedProperty().bind(s3.visibleProperty());
        r = PageSupport.row(g, r, "S3 Secret", s3, m.errorProperty("threescale.storage.s3SecretName"),
                "threescale-s3-secret");
        TextArea policies = new TextArea();
        policies.setPrefRowCount(3);
        policies.setPromptText("custom APIcast policy folders, one a line");
        policies.textProperty().bindBidirectional(m.policiesProperty());
        PageSupport.row(advanced, a, "Policy folders", policies, m.errorProperty("threescale.policies"),
                "threescale-policies", "Custom APIcast policies to register, one folder a line (each with its"
                        + " apicast-policy.json); empty: none.");
        CheckBox tz = new CheckBox("I have set the tenant's time zone in the admin portal");
        tz.selectedProperty().bindBidirectional(m.timezoneConfirmedProperty());
        PageSupport.row(g, r, "Time zone", tz, null, "threescale-timezone", "3scale has no API for the"
                + " tenant's time zone: set it in the admin portal (Account settings), then tick this.");

        Label error = new Label();
        error.setId("threescale-lookup-error");
        error.setWrapText(true);
        error.textProperty().bind(m.lookupErrorProperty());
        error.visibleProperty().bind(m.lookupErrorProperty().isNotEmpty());
        error.managedProperty().bind(error.visibleProperty());
        Label portal = new Label("Admin portal");
        portal.visibleProperty().bind(m.adminUrlProperty().isNotEmpty());
        portal.managedProperty().bind(portal.visibleProperty());

        Button show = new Button("Show credentials");
        show.setId("threescale-show-credentials");
        show.setOnAction(e -> m.showCredentials());
        show.visibleProperty().bind(m.adminUrlProperty().isNotEmpty().and(m.credentialsShownProperty().not()));
        show.managedProperty().bind(show.visibleProperty());
        Button hide = new Button("Hide");
        hide.setId("threescale-hide-credentials");
        hide.setOnAction(e -> m.hideCredentials());
        hide.visibleProperty().bind(m.credentialsShownProperty());
        hide.managedProperty().bind(hide.visibleProperty());
        TextField user = readOnly("threescale-admin-user", m.adminUserProperty());
        user.visibleProperty().bind(m.credentialsShownProperty());
        user.managedProperty().bind(user.visibleProperty());
        TextField password = readOnly("threescale-admin-password", m.adminPasswordProperty());
        password.visibleProperty().bind(m.credentialsShownProperty());
        password.managedProperty().bind(password.visibleProperty());
        HBox credentials = new HBox(8, show, user, password, hide);

        stage.statusProperty().addListener((o, was, now) -> {
            if (now == StageStatus.OK || now == StageStatus.WARNING) {
                m.refreshLinks();
            }
        });
        if (stage.status() == StageStatus.OK || stage.status() == StageStatus.WARNING) {
            m.refreshLinks();
        }
        VBox box = new VBox(6, g, PageSupport.advanced("threescale-advanced",
                "The namespace, the operator channel and custom policies.", advanced,
                m.errorProperty("threescale.namespace"), m.errorProperty("threescale.channel"),
                m.errorProperty("threescale.policies")),
                portal, PageSupport.link("threescale-admin-url", m.adminUrlProperty(), openLink), credentials, error);
        box.setId("threescale-inputs");
        return box;
    }

    private static TextField readOnly(String id, javafx.beans.value.ObservableValue<String> value) {
        TextField f = new TextField();
        f.setId(id);
        f.setEditable(false);
        f.textProperty().bind(value);
        return f;
    }

    /** The real look-ups: the engine's stage context (connected to the cluster) and the stages' 3scale access. */
    static ThreescalePageModel.Lookup engineLookup(Function<Cancellation, StageContext> contexts) {
        return new ThreescalePageModel.Lookup() {
            @Override
            public String adminUrl(InstallerConfig config) {
                assertOffFx();
                try (StageContext ctx = contexts.apply(new Cancellation())) {
                    try {
                        return ThreescaleAccess.adminUrl(ctx);
                    } catch (StageException noRoute) {
                        String domain = ClusterFacts.appsDomain(ctx.service(KubernetesClient.class))
                                .orElseThrow(() -> noRoute);
                        return "https://" + config.threescale().tenantName() + "-admin." + domain;
                    }
                }
            }

            @Override
            public ThreescalePageModel.Credentials credentials(InstallerConfig config) {
                assertOffFx();
                try (StageContext ctx = contexts.apply(new Cancellation())) {
                    String ns = config.threescale().namespace();
                    Map<String, String> seed = new Resources(ctx.service(KubernetesClient.class))
                            .readSecret(ns, ThreescaleAccess.SEED_SECRET)
                            .orElseThrow(() -> new IllegalStateException("Secret " + ThreescaleAccess.SEED_SECRET
                                    + " not found in namespace " + ns + ": apply the threescale stage first"));
                    String user = seed.get(ADMIN_USER_KEY);
                    String password = seed.get(ADMIN_PASSWORD_KEY);
                    if (user == null || password == null) {
                        throw new IllegalStateException("Secret " + ThreescaleAccess.SEED_SECRET + " in namespace "
                                + ns + " has no " + ADMIN_USER_KEY + "/" + ADMIN_PASSWORD_KEY);
                    }
                    return new ThreescalePageModel.Credentials(user, ctx.secrets().register(password));
                }
            }
        };
    }
}
