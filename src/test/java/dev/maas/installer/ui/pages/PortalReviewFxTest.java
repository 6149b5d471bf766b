package dev.maas.installer.ui.pages;

import atlantafx.base.theme.PrimerLight;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.ui.WizardShell;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The portal page in the real shell: the SSO summary with the configured realm, and the content changes. */
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class PortalReviewFxTest {
    private static final long TIMEOUT_S = 15;

    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "test-pages");
        t.setDaemon(true);
        return t;
    });
    private final Queue<Boolean> onFx = new ConcurrentLinkedQueue<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean failDiff;
    private WizardShell shell;
    private WizardViewModel model;

    private static Stage stage(String id) {
        return new Stage() {
            @Override public String id() { return id; }

            @Override public String title() { return "Developer portal"; }

            @Override public List<String> dependencies() { return List.of(); }

            @Override public List<Change> plan(StageContext ctx) { return List.of(); }

            @Override public List<Change> apply(StageContext ctx, Progress p) { return List.of(); }

            @Override public List<Check> verify(StageContext ctx) { return List.of(); }
        };
    }

    @Start
    void start(javafx.stage.Stage window) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        PortalPage page = new PortalPage("portal").withLookups(new PortalReviewModel.Lookups() {
            @Override
            public String realmUrl(InstallerConfig c) {
                onFx.add(Platform.isFxApplicationThread());
                return "https://keycloak.apps.example.com/auth/realms/" + c.sso().realm();
            }

            @Override
            public String contentDryRun(InstallerConfig c) throws Exception {
                onFx.add(Platform.isFxApplicationThread());
                assertThat(release.await(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();
                if (failDiff) {
                    throw new IllegalStateException("3scale admin API refused: 403");
                }
                return "portal content: 1 to create, 0 to update\n  create page /docs";
            }
        }, background);
        shell = WizardShell.builder().stages(List.of(stage(StageIds.PLANS), stage(StageIds.PORTAL))).page(StageIds.PORTAL, page).build();
        model = shell.model();
        window.setScene(shell.scene(1280, 768));
        window.show();
    }

    @AfterEach
    void tearDown() {
        shell.close();
        background.shutdownNow();
    }

    @Test
    void showsTheSsoSummaryAndTheContentChangesComputedOffTheFxThread(FxRobot robot) throws Exception {
        robot.interact(() -> {
            model.select(StageIds.PLANS);
            InstallerConfig c = shell.config().current();
            shell.config().use(new InstallerConfig(c.cluster(), c.endpoints(),
                    new InstallerConfig.SsoConfig(c.sso().flavour(), c.sso().namespace(), "models-realm",
                            c.sso().redirectPolicy(), c.sso().identityProvider()),
                    c.threescale(), c.models(), c.products(), c.plans(), c.portal()));
            model.select(StageIds.PORTAL);
        });
        Label sso = robot.lookup("#portal-sso-summary").queryAs(Label.class);
        FxWait.until(TIMEOUT_S, () -> sso.getText()
                .contains("Realm URL: https://keycloak.apps.example.com/auth/realms/models-realm"));
        assertThat(sso.getText()).contains("Kind: Red Hat SSO", "Realm: models-realm", "Client: 3scale",
                "Redirect policy: portal");

        robot.clickOn("#portal-show-content-changes");
        FxWait.until(TIMEOUT_S,
                () -> robot.lookup("#portal-show-content-changes").queryButton().isDisabled());
        release.countDown();
        TextArea diff = robot.lookup("#portal-content-changes").queryAs(TextArea.class);
        FxWait.until(TIMEOUT_S, () -> diff.getText().contains("create page /docs"));
        assertThat(diff.isEditable()).isFalse();
        assertThat(onFx).isNotEmpty().containsOnly(false);

        failDiff = true;
        robot.interact(() -> robot.lookup("#portal-show-content-changes").queryButton().fire());
        Label error = robot.lookup("#portal-content-changes-error").queryAs(Label.class);
        FxWait.until(TIMEOUT_S, () -> !error.getText().isEmpty());
        assertThat(error.getText()).isEqualTo("Cannot compute the content changes: 3scale admin API refused: 403");
        assertThat(diff.getText()).isEmpty();
    }
}
