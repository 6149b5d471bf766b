package dev.maas.installer.ui.pages;

import atlantafx.base.theme.PrimerLight;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.ui.WizardShell;
import dev.maas.installer.ui.model.StageStatus;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.TextInputControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SSO and 3scale pages in the wizard, headless: validation as typed, the configuration the next run uses, the
 * issuer field of an OIDC provider, links after a successful apply, and secrets revealed only on click, read off the
 * FX thread (fake look-ups injected into the pages).
 */
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class SsoAndThreescalePagesFxTest {
    private static final long TIMEOUT_S = 20;
    private static final String CLIENT_SECRET = "fx-client-secret-51c0a7e2";
    private static final String ADMIN_PASSWORD = "fx-admin-password-a83d";

    @TempDir
    static Path dir;

    private final ExecutorService background = Executors.newSingleThreadExecutor();
    private final Queue<String> realmsSeenByRuns = new ConcurrentLinkedQueue<>();
    private final Queue<Boolean> lookupsOnFx = new ConcurrentLinkedQueue<>();
    private final AtomicInteger secretReads = new AtomicInteger();
    private final Queue<String> opened = new ConcurrentLinkedQueue<>();
    /** Set: the opener fails as the app's does on a desktop without a web browser. */
    private volatile String noBrowser;
    private WizardShell shell;
    private WizardViewModel model;

    private Stage stage(String id, String title) {
        return new Stage() {
            @Override public String id() { return id; }

            @Override public String title() { return title; }

            @Override public List<String> dependencies() { return List.of(); }


            @Override
            public List<Change> plan(StageContext ctx) {
                realmsSeenByRuns.add(ctx.config().sso().realm());
                return List.of();
            }

            @Override public List<Change> apply(StageContext ctx, Progress p) { return plan(ctx); }

            @Override public List<Check> verify(StageContext ctx) { return List.of(); }
        };
    }

    @Start
    void start(javafx.stage.Stage window) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        SsoPage sso = new SsoPage().withLookup(new SsoPageModel.Lookup() {
            @Override
            public SsoPageModel.Links links(InstallerConfig c) {
                lookupsOnFx.add(Platform.isFxApplicationThread());
                return new SsoPageModel.Links("https://kc.example.com/realms/" + c.sso().realm(),
                        "https://kc.example.com/admin/master/console/#/" + c.sso().realm());
            }

            @Override
            public String clientSecret(InstallerConfig c) {
                lookupsOnFx.add(Platform.isFxApplicationThread());
                secretReads.incrementAndGet();
                return CLIENT_SECRET;
            }
        }, background);
        ThreescalePage threescale = new ThreescalePage().withLookup(new ThreescalePageModel.Lookup() {
            @Override
            public String adminUrl(InstallerConfig c) {
                lookupsOnFx.add(Platform.isFxApplicationThread());
                return "https://" + c.threescale().tenantName() + "-admin.apps.example.com";
            }

            @Override
            public ThreescalePageModel.Credentials credentials(InstallerConfig c) {
                lookupsOnFx.add(Platform.isFxApplicationThread());
                secretReads.incrementAndGet();
                return new ThreescalePageModel.Credentials("admin", ADMIN_PASSWORD);
            }
        }, background);
        shell = WizardShell.builder()
                .stages(List.of(stage(StageIds.SSO, "Red Hat SSO"), stage(StageIds.THREESCALE, "3scale")))
                .page(StageIds.SSO, sso)
                .page(StageIds.THREESCALE, threescale)
                .kubeconfig(dir.resolve("no-such-kubeconfig"))
                .home(dir)
                .linkOpener(url -> {
                    if (noBrowser != null) {
                        throw new IllegalStateException(noBrowser);
                    }
                    opened.add(url);
                })
                .build();
        model = shell.model();
        window.setScene(shell.scene(1280, 900));
        window.show();
    }

    @AfterEach
    void tearDown() {
        shell.close();
        background.shutdownNow();
    }

    @Test
    void anInvalidRealmIsShownAndBlocksTheSsoStageAValidOneIsUsedByTheNextRun(FxRobot robot) throws Exception {
        select(robot, StageIds.SSO);
        assertThat(label(robot, "#stageDescription").getText()).isEqualTo(SsoPage.DESCRIPTION);
        assertThat(robot.lookup("#sso-realm-error").query().isVisible()).isFalse();

        // the whole new value at once (typed key by key, its valid prefix "bad" would be applied first)
        robot.interact(() -> ((TextInputControl) robot.lookup("#sso-realm").query()).setText("bad realm!"));
        WaitForAsyncUtils.waitForFxEvents();
        Label error = label(robot, "#sso-realm-error");
        assertThat(error.isVisible()).isTrue();
        assertThat(error.getText()).isEqualTo("'bad realm!' is not a valid realm name: use letters, digits, '.', '_'"
                + " and '-' (e.g. maas)");
        // the configuration holds what the form shows, with its problem: the stages it feeds cannot run
        assertThat(shell.config().current().sso().realm()).isEqualTo("bad realm!");
        assertThat(shell.config().problems().values()).anySatisfy(p -> assertThat(p.stages()).contains(StageIds.SSO));

        click(robot, "#sso-realm").eraseText(10).write("models");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup("#sso-realm-error").query().isVisible()).isFalse();
        assertThat(shell.config().current().sso().realm()).isEqualTo("models");
        assertThat(shell.config().problems()).isEmpty();

        robot.interact(() -> model.plan());
        FxWait.until(TIMEOUT_S, () -> realmsSeenByRuns.contains("models"));
        assertThat(realmsSeenByRuns).containsExactly("models");
    }

    @Test
    void anOidcProviderShowsTheIssuerFieldAndExplainsTheSecret(FxRobot robot) {
        select(robot, StageIds.SSO);
        assertThat(robot.lookup("#sso-idp-issuer").query().isVisible()).isFalse();
        assertThat(robot.lookup("#sso-secret-help").query().isVisible()).isFalse();

        @SuppressWarnings("unchecked")
        ComboBox<String> type = (ComboBox<String>) robot.lookup("#sso-idp-type").query();
        robot.interact(() -> type.setValue("oidc"));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup("#sso-idp-issuer").query().isVisible()).isTrue();
        assertThat(label(robot, "#sso-secret-help").getText()).contains("NAME of the environment variable");
        assertThat(label(robot, "#sso-idp-issuer-error").getText()).contains("issuer URL");

        click(robot, "#sso-idp-client-id").write("maas");
        click(robot, "#sso-idp-secret-env").write("MAAS_IDP_SECRET");
        click(robot, "#sso-idp-issuer").write("https://login.example.com");
        WaitForAsyncUtils.waitForFxEvents();
        var idp = shell.config().current().sso().identityProvider();
        assertThat(idp).isNotNull();
        assertThat(idp.type()).isEqualTo("oidc");
        assertThat(idp.issuer()).isEqualTo("https://login.example.com");
        assertThat(idp.clientSecretEnv()).isEqualTo("MAAS_IDP_SECRET");

        robot.interact(() -> type.setValue("google"));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup("#sso-idp-issuer").query().isVisible()).isFalse();
        assertThat(shell.config().current().sso().identityProvider().issuer()).isNull();
    }

    @Test
    void theRealmLinksFollowASuccessfulApplyAndTheClientSecretOnlyAClick(FxRobot robot) throws Exception {
        select(robot, StageIds.SSO);
        assertThat(robot.lookup("#sso-show-secret").query().isVisible()).isFalse();
        robot.interact(() -> model.apply());
        FxWait.until(TIMEOUT_S, () -> model.stage(StageIds.SSO).status() == StageStatus.OK);
        FxWait.until(TIMEOUT_S, () -> robot.lookup("#sso-realm-url").query().isVisible());
        assertThat(((javafx.scene.control.Hyperlink) robot.lookup("#sso-realm-url").query()).getText())
                .isEqualTo("https://kc.example.com/realms/maas");
        assertThat(robot.lookup("#sso-console-url").query().isVisible()).isTrue();
        // a click opens the address in the web browser (the app's opener), it is not only copied
        click(robot, "#sso-realm-url");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(opened).containsExactly("https://kc.example.com/realms/maas");
        assertThat(label(robot, "#sso-realm-url-status").getText())
                .isEqualTo("Opened https://kc.example.com/realms/maas in your browser.");
        // no browser: it says so, and the address is on the clipboard
        noBrowser = "no web browser was found";
        click(robot, "#sso-console-url");
        WaitForAsyncUtils.waitForFxEvents();
        String console = ((javafx.scene.control.Hyperlink) robot.lookup("#sso-console-url").query()).getText();
        assertThat(label(robot, "#sso-console-url-status").getText()).isEqualTo("Could not open a browser (no web"
                + " browser was found). Copied " + console + " to the clipboard: paste it into your browser's address"
                + " bar.");
        assertThat(WaitForAsyncUtils.asyncFx(() -> javafx.scene.input.Clipboard.getSystemClipboard().getString())
                .get()).isEqualTo(console);
        noBrowser = null;
        assertThat(robot.lookup("#sso-client-secret").query().isVisible()).isFalse();
        assertThat(secretReads).hasValue(0);

        click(robot, "#sso-show-secret");
        FxWait.until(TIMEOUT_S, () -> robot.lookup("#sso-client-secret").query().isVisible());
        assertThat(text(robot, "#sso-client-secret")).isEqualTo(CLIENT_SECRET);
        assertThat(secretReads).hasValue(1);
        assertThat(lookupsOnFx).isNotEmpty().containsOnly(false);
        assertThat(SecretRegistry.global().redact(CLIENT_SECRET)).isEqualTo(SecretRegistry.MASK);

        click(robot, "#sso-hide-secret");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup("#sso-client-secret").query().isVisible()).isFalse();
        assertThat(text(robot, "#sso-client-secret")).isEmpty();
        assertThat(robot.lookup("#sso-show-secret").query().isVisible()).isTrue();
    }

    @Test
    void threescaleValidatesAsTypedAndShowsTheAdminCredentialsOnlyOnRequest(FxRobot robot) throws Exception {
        select(robot, StageIds.THREESCALE);
        assertThat(label(robot, "#stageDescription").getText()).isEqualTo(ThreescalePage.DESCRIPTION);
        robot.interact(() -> ((TextInputControl) robot.lookup("#threescale-tenant").query()).setText("Bad_Tenant"));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(label(robot, "#threescale-tenant-error").getText()).contains("'Bad_Tenant' is not a valid name");
        assertThat(shell.config().current().threescale().tenantName()).isEqualTo("Bad_Tenant");
        assertThat(shell.config().problems().values())
                .anySatisfy(p -> assertThat(p.stages()).contains(StageIds.THREESCALE));
        click(robot, "#threescale-tenant").eraseText(10).write("models");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup("#threescale-tenant-error").query().isVisible()).isFalse();
        assertThat(shell.config().current().threescale().tenantName()).isEqualTo("models");
        assertThat(shell.config().problems()).isEmpty();

        assertThat(robot.lookup("#threescale-s3-secret").query().isVisible()).isFalse();
        @SuppressWarnings("unchecked")
        ComboBox<String> storage = (ComboBox<String>) robot.lookup("#threescale-storage-type").query();
        robot.interact(() -> storage.setValue("s3"));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup("#threescale-s3-secret").query().isVisible()).isTrue();
        assertThat(label(robot, "#threescale-s3-secret-error").getText()).contains("required");
        click(robot, "#threescale-s3-secret").write("s3-creds");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(shell.config().current().threescale().storage().s3SecretName()).isEqualTo("s3-creds");

        robot.interact(() -> model.apply());
        FxWait.until(TIMEOUT_S, () -> robot.lookup("#threescale-admin-url").query().isVisible());
        assertThat(((javafx.scene.control.Hyperlink) robot.lookup("#threescale-admin-url").query()).getText())
                .isEqualTo("https://models-admin.apps.example.com");
        click(robot, "#threescale-admin-url");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(opened).containsExactly("https://models-admin.apps.example.com");
        assertThat(robot.lookup("#threescale-admin-password").query().isVisible()).isFalse();
        assertThat(secretReads).hasValue(0);

        click(robot, "#threescale-show-credentials");
        FxWait.until(TIMEOUT_S, () -> robot.lookup("#threescale-admin-password").query().isVisible());
        assertThat(text(robot, "#threescale-admin-user")).isEqualTo("admin");
        assertThat(text(robot, "#threescale-admin-password")).isEqualTo(ADMIN_PASSWORD);
        assertThat(lookupsOnFx).isNotEmpty().containsOnly(false);
        click(robot, "#threescale-hide-credentials");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(text(robot, "#threescale-admin-password")).isEmpty();
        assertThat(robot.lookup("#threescale-admin-password").query().isVisible()).isFalse();
    }

    @Test
    void theRealLookupsRefuseTheFxThreadAndRunElsewhere(FxRobot robot) throws Exception {
        var sso = SsoPage.engineLookup(c -> new StageContext(InstallerConfig.defaults(), new SecretRegistry(), c));
        var threescale = ThreescalePage.engineLookup(
                c -> new StageContext(InstallerConfig.defaults(), new SecretRegistry(), c));
        CompletableFuture<Throwable> onFx = new CompletableFuture<>();
        Platform.runLater(() -> {
            try {
                sso.clientSecret(InstallerConfig.defaults());
                onFx.complete(null);
            } catch (Throwable t) {
                onFx.complete(t);
            }
        });
        assertThat(onFx.get(TIMEOUT_S, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("FX thread");
        CompletableFuture<Throwable> onFx2 = new CompletableFuture<>();
        Platform.runLater(() -> {
            try {
                threescale.credentials(InstallerConfig.defaults());
                onFx2.complete(null);
            } catch (Throwable t) {
                onFx2.complete(t);
            }
        });
        assertThat(onFx2.get(TIMEOUT_S, TimeUnit.SECONDS)).hasMessageContaining("FX thread");

        // off the FX thread it gets past the guard and asks the (here unconnected) context for the cluster
        Throwable off = dev.maas.installer.ui.model.OffFxThread.supply(
                () -> threescale.credentials(InstallerConfig.defaults()), background)
                .handle((v, t) -> t).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(off).isNotNull();
        assertThat(String.valueOf(off.getMessage())).doesNotContain("FX thread");
    }

    private void select(FxRobot robot, String id) {
        robot.interact(() -> {
            model.showStagePage();
            model.select(id);
        });
        WaitForAsyncUtils.waitForFxEvents();
    }

    private static Label label(FxRobot robot, String query) { return robot.lookup(query).queryAs(Label.class); }

    private static String text(FxRobot robot, String query) {
        return ((TextInputControl) robot.lookup(query).query()).getText();
    }

    /** Scrolls the page to the control (as the focus would), then clicks it: the pages are taller than the window. */
    private static org.testfx.api.FxRobotInterface click(FxRobot robot, String query) {
        robot.interact(() -> {
            javafx.scene.Node n = robot.lookup(query).query();
            n.getScene().getRoot().applyCss();
            n.getScene().getRoot().layout();
            dev.maas.installer.ui.view.FocusScroller.ensureVisible(n);
        });
        WaitForAsyncUtils.waitForFxEvents();
        return robot.clickOn(query);
    }
}
