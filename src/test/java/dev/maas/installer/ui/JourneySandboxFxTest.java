package dev.maas.installer.ui;

import atlantafx.base.theme.PrimerLight;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.cluster.ProxySettings;
import dev.maas.installer.cluster.TrustStore;
import dev.maas.installer.keycloak.KeycloakAdmin;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.diagnostics.Diagnostics;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.ui.model.ConnectionViewModel;
import dev.maas.installer.ui.model.JourneyViewModel;
import dev.maas.installer.ui.model.LiveState;
import dev.maas.installer.ui.model.ReviewViewModel;
import dev.maas.installer.ui.model.StageStatus;
import dev.maas.installer.ui.model.StageViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.application.Application;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.TextField;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.keycloak.representations.idm.ClientRepresentation;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The first-time setup of every stage through the guided journey, by clicking, against the real
 * sandbox (with its Keycloak); then the app "starts again" (a new shell on the same sandbox) and sees every stage
 * verified done from the live cluster; then one stage is rerun from the stage list. One sandbox for the class.
 */
@StartsSandbox
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class JourneySandboxFxTest {
    private static final long TIMEOUT_S = 240;
    /** The first start of the sandbox starts its Keycloak: minutes on a busy 2-core machine. */
    private static final long SANDBOX_START_TIMEOUT_S = 600;

    @TempDir
    static Path dir;

    /** One real sandbox for the class; the shells' launcher hands it out and does not stop it. */
    private static SandboxLauncher.Started sandbox;

    private javafx.stage.Stage window;
    private WizardShell shell;
    private final List<String> opened = Collections.synchronizedList(new ArrayList<>());

    @Start
    void start(javafx.stage.Stage window) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        this.window = window;
    }

    @AfterEach
    void tearDown() {
        if (shell != null) {
            shell.close();
        }
    }

    @AfterAll
    static void stopSandbox() throws Exception {
        if (sandbox != null) {
            sandbox.stopper().close();
        }
    }

    private static synchronized SandboxLauncher.Started sharedSandbox(Path ignored) {
        if (sandbox == null) {
            sandbox = LocalSandbox.start(dir.resolve("sandbox"));
        }
        return new SandboxLauncher.Started(sandbox.kubeconfig(), sandbox.configFile(), () -> { });
    }

    /** A shell as the app builds it (journey, sandbox when no cluster), with a fake home. */
    private WizardShell show(FxRobot robot, Path home) {
        WizardShell s = WizardShell.builder()
                .env(Map.of("PATH", "/usr/bin")::get)
                .home(home)
                .trustStore(new TrustStore(home.resolve("config/trusted-clusters.json")))
                .proxyDefaults(ProxySettings.NONE)
                .sandboxWhenNoCluster(true)
                .deferKubeconfigRead(true)
                .sandboxLauncher(JourneySandboxFxTest::sharedSandbox)
                .linkOpener(opened::add)
                .saveChooser((owner, title, name) -> home.resolve(name))
                .version("test")
                .build();
        robot.interact(() -> {
            window.setScene(s.scene(1366, 768));
            window.show();
        });
        shell = s;
        return s;
    }

    @Test
    void firstTimeSetupThroughTheJourneyThenComingBackSeesEveryStageDoneAndRerunsOne(FxRobot robot)
            throws Exception {
        long t0 = System.nanoTime();
        Path home = Files.createTempDirectory(dir, "home");
        WizardShell s = show(robot, home);
        WizardViewModel w = s.model();

        // welcome: what will be installed, Start
        assertThat(w.page()).isEqualTo(WizardViewModel.Page.WELCOME);
        assertThat(visible(robot, "#welcomePage")).isTrue();
        assertThat(button(robot, "#journeyBack").isDisabled()).isTrue();
        robot.clickOn("#welcomeStart");
        assertThat(w.page()).isEqualTo(WizardViewModel.Page.CONNECT);
        assertThat(button(robot, "#journeyNext").isDisabled()).isTrue();
        assertThat(label(robot, "#journeyReason").getText()).isEqualTo(JourneyViewModel.CONNECT_FIRST);

        // the window is shown: the sandbox starts, the wizard connects and verifies every stage
        robot.interact(s::windowShown);
        waitUntil(() -> s.connection().state() == ConnectionViewModel.State.CONNECTED, s, SANDBOX_START_TIMEOUT_S);
        waitUntil(() -> !w.run().isRunning() && w.lastVerifyReportProperty().get() != null, s);
        Map<String, LiveState> before = liveStates(w);
        // an empty sandbox: the preflight passes, nothing of the other stages is there yet
        assertThat(before).as("live states on an empty sandbox: %s", describe(w))
                .containsEntry(StageIds.PREFLIGHT, LiveState.DONE);
        before.forEach((id, state) -> {
            if (!id.equals(StageIds.PREFLIGHT)) {
                assertThat(state).as("%s on an empty sandbox: %s", id, describe(w)).isEqualTo(LiveState.PENDING);
            }
        });
        // and the stage list says so in neutral words, not as red failures: the stages of 3scale wait for it
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup(".stage-status").queryAllAs(Label.class)).extracting(Label::getText)
                .contains("● OK · done", "● not installed yet · pending", "● waiting for threescale · pending")
                .noneMatch(t -> t.contains("failed"));
        // no red ERROR line on a fresh cluster (not even "Secret system-seed not found"), and Overall counts what
        // the list shows
        assertThat(logLines(w)).as("the log of a fresh sandbox").noneMatch(l -> l.level().equals("ERROR"));
        assertThat(label(robot, "#overallText").getText()).isEqualTo(
                "Verify finished: 1 ok, 4 waiting, 2 not installed yet");

        // connect → preflight (verified OK by the connection's verify) → every stage page
        clickNext(robot);
        assertThat(s.journey().current().stageId()).isEqualTo(StageIds.PREFLIGHT);
        assertThat(w.stage(StageIds.PREFLIGHT).status()).isEqualTo(StageStatus.OK);
        clickNext(robot);
        assertThat(s.journey().current().stageId()).isEqualTo(StageIds.SSO);
        // the stage page says the same as the list: nothing of it is there yet, not a red failure, and no advice
        // to "rerun" a stage never run
        assertThat(label(robot, "#stageStatus").getText()).isEqualTo(StageViewModel.NOT_INSTALLED_YET);
        assertThat(label(robot, "#stageStatus").getStyleClass()).doesNotContain(StageStatus.FAILED.styleClass());
        assertThat(label(robot, "#stageMessage").getText()).isEqualTo("Not installed yet: Apply installs it.");
        assertThat(visible(robot, "#stageFix")).isFalse();
        // an input is validated as it is typed: Next is disabled with the reason, until it is fixed
        TextField realm = robot.lookup("#sso-realm").queryAs(TextField.class);
        String goodRealm = realm.getText();
        robot.interact(() -> realm.setText("bad realm!"));
        assertThat(button(robot, "#journeyNext").isDisabled()).isTrue();
        assertThat(label(robot, "#journeyReason").getText()).startsWith("Fix: Realm: ");
        // ... and nothing runs with it, nor with the last valid realm: the sidebar's Apply all is off, with the reason
        RunReport lastBefore = w.lastReportProperty().get();
        assertThat(button(robot, "#applyAllButton").isDisabled()).isTrue();
        assertThat(label(robot, "#allBlockedReason").getText()).contains("Realm (Red Hat SSO page): ");
        robot.clickOn("#applyAllButton");
        robot.push(javafx.scene.input.KeyCode.ALT, javafx.scene.input.KeyCode.L);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w.run().isRunning()).isFalse();
        assertThat(w.lastReportProperty().get()).as("no run started").isSameAs(lastBefore);
        assertThat(w.page()).isEqualTo(WizardViewModel.Page.STAGE);
        robot.interact(() -> realm.setText(goodRealm));
        assertThat(label(robot, "#journeyReason").getText()).isEmpty();
        for (String id : List.of(StageIds.THREESCALE, StageIds.BACKENDS, StageIds.PRODUCTS, StageIds.PLANS,
                StageIds.PORTAL)) {
            clickNext(robot);
            assertThat(s.journey().current().stageId()).isEqualTo(id);
            assertThat(label(robot, "#stageTitle").getText()).isEqualTo(w.stage(id).title());
        }
        // the portal page's SSO summary: the realm is not there yet, which is no error
        waitUntil(() -> !label(robot, "#portal-sso-summary").getText().contains("(not looked up yet)"), s);
        assertThat(label(robot, "#portal-sso-summary").getText()).contains("(not there yet: stage sso is not applied)")
                .doesNotContain("cannot be read");

        // review: the plans of every stage, grouped, with Edit links; export the config
        clickNext(robot);
        assertThat(w.page()).isEqualTo(WizardViewModel.Page.REVIEW);
        waitUntil(() -> !s.review().planningProperty().get() && !w.run().isRunning(), s);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(s.review().groups()).extracting(g -> g.stageId()).containsExactlyElementsOf(StageIds.ALL);
        assertThat(s.review().groups().stream().mapToInt(g -> g.changes().size()).sum())
                .as("review: %s", s.review().groups()).isPositive();
        // a first install in full: every stage planned (those after 3scale as for a new tenant, and saying so),
        // the sample backend's removal a DELETE, counted and highlighted
        assertThat(s.review().groups()).allSatisfy(g -> assertThat(g.problem()).as(g.stageId()).isEmpty());
        for (String id : List.of(StageIds.BACKENDS, StageIds.PRODUCTS, StageIds.PLANS, StageIds.PORTAL)) {
            ReviewViewModel.Group g = s.review().groups().stream().filter(x -> x.stageId().equals(id)).findFirst()
                    .orElseThrow();
            assertThat(g.assumptions()).as(id).anyMatch(a -> a.contains("threescale is applied"));
            assertThat(g.changes()).as(id).isNotEmpty();
        }
        long deletes = s.review().groups().stream().flatMap(g -> g.changes().stream())
                .filter(ReviewViewModel::isDeletion).count();
        // the sample backend, and each new product's default "GET /" mapping rule
        assertThat(label(robot, "#reviewStatus").getText()).contains(", " + deletes + " of them DELETEs;")
                .doesNotContain("can only be planned");
        assertThat(label(robot, "#review-summary-threescale").getText()).contains("(1 DELETE)");
        assertThat(robot.lookup(".review-delete").queryAllAs(Label.class)).hasSize((int) deletes)
                .extracting(Label::getText).contains("• DELETE 3scale Backend 'API Backend'")
                .allMatch(t -> t.startsWith("• DELETE "));
        assertThat(robot.lookup("#review-edit-sso").tryQuery()).isPresent();
        assertThat(label(robot, "#journeyReason").getText()).isEqualTo(JourneyViewModel.PRESS_APPLY_ALL);
        robot.clickOn("#reviewExport");
        waitUntil(() -> s.review().exportStatusProperty().get().startsWith("Exported"), s);
        Path exported = home.resolve("maas-installer.yaml");
        assertThat(ConfigLoader.load(exported)).isEqualTo(s.config().current());

        // apply all → one confirmation naming the sandbox → the apply page → Next → summary
        robot.clickOn("#reviewApplyAll");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w.page()).isEqualTo(WizardViewModel.Page.REVIEW);
        assertThat(label(robot, "#reviewConfirmText").getText()).contains("SANDBOX").contains("context sandbox")
                .contains(s.model().connectionProperty().get().cluster());
        robot.clickOn("#reviewConfirmApply");
        assertThat(w.page()).isEqualTo(WizardViewModel.Page.APPLY);
        waitUntil(() -> !w.run().isRunning(), s);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(s.journey().appliedProperty().get()).as("apply: %s", describe(w)).isTrue();
        // the verify right after Apply all decides: each stage at its worst check; on a fresh sandbox 3scale warns of
        // the tenant's time zone (a manual step) and the portal of Keycloak's certificate under the cluster's own CA
        assertThat(w.stages()).allSatisfy(st -> assertThat(st.status()).as(st.id()).isEqualTo(
                StageIds.THREESCALE.equals(st.id()) || StageIds.PORTAL.equals(st.id())
                        ? StageStatus.WARNING : StageStatus.OK));
        clickNext(robot);
        assertThat(w.page()).isEqualTo(WizardViewModel.Page.SUMMARY);
        waitUntil(() -> !s.summary().linksStatusProperty().get().startsWith("Looking"), s);
        WaitForAsyncUtils.waitForFxEvents();
        // the sandbox's configuration points at its local endpoints (http on 127.0.0.1)
        assertThat(s.summary().adminPortalProperty().get()).as(s.summary().linksStatusProperty().get())
                .startsWith("http");
        assertThat(s.summary().keycloakConsoleProperty().get()).contains("/admin/master/console/");
        assertThat(s.summary().developerPortalProperty().get()).startsWith("http");
        robot.clickOn("#summaryAdminLink");
        assertThat(opened).containsExactly(s.summary().adminPortalProperty().get());
        // credentials only on request, hidden again on leaving the page
        assertThat(visible(robot, "#summaryCredentials")).isFalse();
        assertThat(visible(robot, "#summaryCredentialsTitle")).isFalse();
        robot.clickOn("#summaryShowCredentials");
        waitUntil(() -> s.summary().credentialsShownProperty().get(), s);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(visible(robot, "#summaryCredentialsTitle")).isTrue();
        assertThat(label(robot, "#summary3scalePassword").getText()).isNotEmpty();
        assertThat(label(robot, "#summaryKeycloakUser").getText()).isNotEmpty();
        String password = label(robot, "#summary3scalePassword").getText();
        clickOn(robot, "#journeyBack");
        assertThat(s.summary().threescalePasswordProperty().get()).isEmpty();
        clickNext(robot);
        robot.clickOn("#summaryDiagnostics");
        waitUntil(() -> s.summary().diagnosticsStatusProperty().get().startsWith("Diagnostics saved"), s);
        Path zip = home.resolve("maas-installer-diagnostics.zip");
        try (ZipFile z = new ZipFile(zip.toFile())) {
            assertThat(z.getEntry(Diagnostics.VERIFY_REPORT)).isNotNull();
            assertThat(z.getEntry(Diagnostics.LOG)).isNotNull();
        }
        assertThat(new String(Files.readAllBytes(zip), java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain(password);
        String log = WaitForAsyncUtils.asyncFx(() -> String.join("\n", logText(w))).get(30, TimeUnit.SECONDS);
        assertThat(log).doesNotContain(password);

        // "restart": a new shell on the same sandbox, coming back
        robot.interact(() -> window.hide());
        s.close();
        shell = null;
        Path home2 = Files.createTempDirectory(dir, "home");
        WizardShell again = show(robot, home2);
        WizardViewModel w2 = again.model();
        robot.clickOn("#welcomeComeBack");
        assertThat(w2.page()).isEqualTo(WizardViewModel.Page.CONNECT);
        robot.interact(again::windowShown);
        waitUntil(() -> again.connection().state() == ConnectionViewModel.State.CONNECTED, again);
        waitUntil(() -> !w2.run().isRunning() && w2.lastVerifyReportProperty().get() != null, again);
        WaitForAsyncUtils.waitForFxEvents();
        RunReport verified = w2.lastVerifyReportProperty().get();
        assertThat(verified.stages()).hasSize(StageIds.ALL.size());
        assertThat(liveStates(w2)).as("after restart: %s", describe(w2))
                .allSatisfy((id, state) -> assertThat(state).isEqualTo(LiveState.DONE));
        assertThat(w2.stages()).allSatisfy(st -> assertThat(st.status()).isIn(StageStatus.OK, StageStatus.WARNING));
        // coming back opens on the overview of what is installed
        assertThat(w2.page()).isEqualTo(WizardViewModel.Page.OVERVIEW);
        assertThat(label(robot, "#overviewSummary").getText())
                // every stage but preflight, which only checks
                .isEqualTo((StageIds.ALL.size() - 1) + " of " + (StageIds.ALL.size() - 1) + " stages installed.");

        // rerun one stage from the stage list: select it, "Rerun selected stage"
        ListView<?> list = robot.lookup("#stageList").queryAs(ListView.class);
        Node cell = robot.lookup("#stageList .list-cell").nth(StageIds.ALL.indexOf(StageIds.PLANS)).query();
        robot.clickOn(cell);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(list.getSelectionModel().getSelectedItem()).isSameAs(w2.stage(StageIds.PLANS));
        robot.clickOn("#rerunStageButton");
        waitUntil(() -> !w2.run().isRunning(), again);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w2.lastReportProperty().get().stages()).extracting(r -> r.stageId())
                .containsExactly(StageIds.PLANS);
        assertThat(w2.stage(StageIds.PLANS).status()).as(describe(w2)).isEqualTo(StageStatus.OK);
        // the list's context menu does the same for a verify of the selected stage
        robot.interact(() -> list.getContextMenu().getItems().stream()
                .filter(i -> "verifyStageItem".equals(i.getId())).findFirst().orElseThrow().fire());
        waitUntil(() -> !w2.run().isRunning() && w2.lastReportProperty().get().operation()
                == dev.maas.installer.engine.run.Operation.VERIFY, again);
        assertThat(w2.lastReportProperty().get().stages()).extracting(r -> r.stageId())
                .containsExactly(StageIds.PLANS);
        assertThat(w2.stage(StageIds.PLANS).liveState()).isEqualTo(LiveState.DONE);
        // and the stage list's Refresh verifies everything again: still all done
        RunReport beforeRefresh = w2.lastVerifyReportProperty().get();
        robot.clickOn("#refreshStagesButton");
        waitUntil(() -> !w2.run().isRunning() && w2.lastVerifyReportProperty().get() != beforeRefresh, again);
        assertThat(w2.lastVerifyReportProperty().get().stages()).hasSize(StageIds.ALL.size());
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(liveStates(w2)).allSatisfy((id, state) -> assertThat(state).isEqualTo(LiveState.DONE));

        // an object changed by hand: the sso stage's Keycloak resource; Refresh shows the stage drifted (its other
        // checks still pass), rerunning the stage repairs it and its verify is done again
        var kube = again.connections().current().orElseThrow().client();
        String ns = again.config().current().sso().namespace();
        kube.genericKubernetesResources("keycloak.org/v1alpha1", "Keycloak").inNamespace(ns).withName("rh-sso")
                .edit(k -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> spec = (Map<String, Object>) k.getAdditionalProperties().get("spec");
                    spec.put("instances", 3);
                    return k;
                });
        RunReport beforeDrift = w2.lastVerifyReportProperty().get();
        robot.push(javafx.scene.input.KeyCode.F5);
        waitUntil(() -> !w2.run().isRunning() && w2.lastVerifyReportProperty().get() != beforeDrift, again);
        WaitForAsyncUtils.waitForFxEvents();
        Map<String, LiveState> drifted = liveStates(w2);
        assertThat(drifted).as(describe(w2)).containsEntry(StageIds.SSO, LiveState.DRIFTED);
        drifted.forEach((id, state) -> {
            if (!id.equals(StageIds.SSO)) {
                assertThat(state).as(id).isEqualTo(LiveState.DONE);
            }
        });
        // the list, Overall and the run journal all say drifted
        assertThat(robot.lookup(".stage-status").queryAllAs(Label.class)).extracting(Label::getText)
                .contains("● failed · drifted");
        assertThat(label(robot, "#overallText").getText()).contains("1 drifted").doesNotContain("7 ok");
        JsonNode finished = runFinished(again.engine().lastJournal());
        assertThat(finished.path("allOk").asBoolean(true)).isFalse();
        assertThat(finished.path("outcomes").path(StageIds.SSO).asText()).isEqualTo("DRIFTED");
        robot.clickOn(robot.lookup("#stageList .list-cell").nth(StageIds.ALL.indexOf(StageIds.SSO)).<Node>query());
        robot.clickOn("#rerunStageButton");
        waitUntil(() -> !w2.run().isRunning() && w2.lastReportProperty().get().stages().get(0).stageId()
                .equals(StageIds.SSO), again);
        assertThat(w2.stage(StageIds.SSO).status()).as(describe(w2)).isEqualTo(StageStatus.OK);
        robot.interact(() -> list.getContextMenu().getItems().stream()
                .filter(i -> "verifyStageItem".equals(i.getId())).findFirst().orElseThrow().fire());
        waitUntil(() -> !w2.run().isRunning() && w2.lastReportProperty().get().operation()
                == dev.maas.installer.engine.run.Operation.VERIFY, again);
        assertThat(w2.stage(StageIds.SSO).liveState()).as(describe(w2)).isEqualTo(LiveState.DONE);

        // the redirect URIs of client 3scale changed by hand: sso (which owns them) and portal (which needs its
        // callback accepted) drift; rerunning sso after the portal repairs both: nothing drifts any more
        InstallerConfig cfg = again.config().current();
        Map<String, String> admin = kube.secrets().inNamespace(ns).withName("credential-rh-sso").get().getData();
        // Keycloak's Route is served with the sandbox's self-signed ingress certificate: trust the CA it publishes
        String ingressCa = kube.configMaps().inNamespace("openshift-config-managed").withName("default-ingress-cert")
                .get().getData().get("ca-bundle.crt");
        try (KeycloakAdmin kc = KeycloakAdmin.connect(cfg.endpoints().keycloakUrl(), new KeycloakAdmin.Credentials(
                decode(admin.get("ADMIN_USERNAME")), decode(admin.get("ADMIN_PASSWORD")), "credential-rh-sso"),
                trusting(ingressCa), List.of())) {
            ClientRepresentation client = kc.realm(cfg.sso().realm()).clients().findByClientId("3scale").get(0);
            client.setRedirectUris(List.of("https://evil.example.com/*"));
            kc.realm(cfg.sso().realm()).clients().get(client.getId()).update(client);
        }
        RunReport beforeEdit = w2.lastVerifyReportProperty().get();
        robot.push(javafx.scene.input.KeyCode.F5);
        waitUntil(() -> !w2.run().isRunning() && w2.lastVerifyReportProperty().get() != beforeEdit, again);
        assertThat(liveStates(w2)).as(describe(w2)).containsEntry(StageIds.SSO, LiveState.DRIFTED)
                .containsEntry(StageIds.PORTAL, LiveState.DRIFTED);
        assertThat(label(robot, "#overallText").getText()).contains("2 drifted");
        robot.clickOn(robot.lookup("#stageList .list-cell").nth(StageIds.ALL.indexOf(StageIds.SSO)).<Node>query());
        RunReport beforeRerun = w2.lastReportProperty().get();
        robot.clickOn("#rerunStageButton");
        waitUntil(() -> !w2.run().isRunning() && w2.lastReportProperty().get() != beforeRerun, again);
        assertThat(w2.lastReportProperty().get().operation()).isEqualTo(dev.maas.installer.engine.run.Operation.APPLY);
        RunReport afterRerun = w2.lastVerifyReportProperty().get();
        robot.push(javafx.scene.input.KeyCode.F5);
        waitUntil(() -> !w2.run().isRunning() && w2.lastVerifyReportProperty().get() != afterRerun, again);
        assertThat(liveStates(w2)).as("after rerunning sso: %s", describe(w2))
                .allSatisfy((id, state) -> assertThat(state).isEqualTo(LiveState.DONE));
        assertThat(runFinished(again.engine().lastJournal()).path("allOk").asBoolean(false)).isTrue();
        System.out.printf("journey test took %d s%n", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
    }

    private static List<dev.maas.installer.engine.logging.LogLine> logLines(WizardViewModel w) throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> List.copyOf(w.log().lines())).get(30, TimeUnit.SECONDS);
    }

    private static String decode(String base64) {
        return new String(java.util.Base64.getDecoder().decode(base64), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static JsonNode runFinished(Path journal) throws Exception {
        assertThat(journal).as("the run's journal").isNotNull();
        JsonNode last = null;
        for (String line : Files.readAllLines(journal)) {
            JsonNode n = new ObjectMapper().readTree(line);
            if (n.path("event").asText().equals("run-finished")) {
                last = n;
            }
        }
        assertThat(last).as("run-finished in " + journal).isNotNull();
        return last;
    }

    private static List<String> logText(WizardViewModel w) {
        return w.log().lines().stream().map(dev.maas.installer.ui.model.LogViewModel::format).toList();
    }

    private static Map<String, LiveState> liveStates(WizardViewModel w) throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> {
            Map<String, LiveState> m = new LinkedHashMap<>();
            for (StageViewModel s : w.stages()) {
                m.put(s.id(), s.liveState());
            }
            return m;
        }).get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    private static String describe(WizardViewModel w) {
        return w.stages().stream().map(s -> s.id() + "=" + s.status() + "/" + s.liveState() + " '" + s.messageProperty().get()
                + "' checks " + s.checks().stream().map(c -> c.status() + " " + c.name() + ": " + c.message())
                .collect(Collectors.joining("; "))).collect(Collectors.joining("\n"));
    }

    private static void clickNext(FxRobot robot) {
        WaitForAsyncUtils.waitForFxEvents();
        Button next = button(robot, "#journeyNext");
        assertThat(next.isDisabled()).as("Next disabled: %s", label(robot, "#journeyReason").getText()).isFalse();
        robot.clickOn(next);
        WaitForAsyncUtils.waitForFxEvents();
    }

    private static void clickOn(FxRobot robot, String query) {
        robot.clickOn(query);
        WaitForAsyncUtils.waitForFxEvents();
    }

    private static boolean visible(FxRobot robot, String query) {
        Node n = robot.lookup(query).query();
        return n.isVisible() && n.getScene() != null;
    }

    private static Button button(FxRobot robot, String query) { return robot.lookup(query).queryAs(Button.class); }

    private static Label label(FxRobot robot, String query) { return robot.lookup(query).queryAs(Label.class); }

    private static void waitUntil(Callable<Boolean> condition, WizardShell s) throws Exception {
        waitUntil(condition, s, TIMEOUT_S);
    }

    private static void waitUntil(Callable<Boolean> condition, WizardShell s, long timeoutS) throws Exception {
        FxWait.until(timeoutS, condition, () -> "the wizard says page " + s.model().page() + ", run "
                + s.model().run().overallTextProperty().get() + ", connection " + s.connection().state() + ": "
                + s.connection().statusTextProperty().get() + "\n" + describe(s.model()));
    }

    /** A TLS context trusting the certificates of a PEM bundle (host names verified as always). */
    private static javax.net.ssl.SSLContext trusting(String pemBundle) throws Exception {
        java.security.KeyStore anchors = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        anchors.load(null, null);
        int i = 0;
        for (java.security.cert.Certificate c : java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificates(new java.io.ByteArrayInputStream(pemBundle.getBytes(
                        java.nio.charset.StandardCharsets.US_ASCII)))) {
            anchors.setCertificateEntry("ca-" + i++, c);
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(anchors);
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        return tls;
    }
}
