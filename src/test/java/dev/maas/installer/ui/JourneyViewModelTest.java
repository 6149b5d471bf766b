package dev.maas.installer.ui;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.ui.model.StageStatus;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.diagnostics.Diagnostics;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunEvent;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.run.StageResult;
import dev.maas.installer.engine.run.StageResult.Outcome;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.ui.model.ConfigViewModel;
import dev.maas.installer.ui.model.ConnectionInfo;
import dev.maas.installer.ui.model.JourneyViewModel;
import dev.maas.installer.ui.model.JourneyViewModel.Kind;
import dev.maas.installer.ui.model.LiveState;
import dev.maas.installer.ui.model.LogViewModel;
import dev.maas.installer.ui.model.ReviewViewModel;
import dev.maas.installer.ui.model.StageViewModel;
import dev.maas.installer.ui.model.SummaryViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;

/** The guided journey, review and summary view models, without a window or an engine. */
class JourneyViewModelTest {
    private static final String SECRET = "pw-4a5b6c7d8e";

    @TempDir
    Path dir;

    private final List<String> started = new ArrayList<>();
    private final WizardViewModel wizard = new WizardViewModel(List.of(
            new StageViewModel(new TestStage("preflight", 1), "checks"),
            new StageViewModel(new TestStage("a", 2, "preflight"), "A")),
            new WizardViewModel.RunLauncher() {
                @Override
                public void start(Operation op, List<String> ids) { started.add(op + " " + ids); }

                @Override
                public void cancel() { started.add("cancel"); }
            });
    private final JourneyViewModel journey = new JourneyViewModel(wizard);

    private void finish(Operation op, StageResult... results) {
        List<RunEvent> events = new ArrayList<>();
        for (StageResult r : results) {
            events.add(new RunEvent.StageFinished(r));
        }
        events.add(new RunEvent.RunFinished(new RunReport(op, List.of(results))));
        wizard.onEngineEvents(events);
    }

    /** A verify that ran, as the runner reports it: outcome OK, whatever its checks say. */
    private static StageResult verified(String id, Check... checks) {
        return new StageResult(id, Operation.VERIFY, Outcome.OK, null, List.of(checks), null, null, false);
    }

    private static StageResult ok(String id, Operation op, List<Change> changes) {
        return new StageResult(id, op, Outcome.OK, changes, null, null, null, false);
    }

    @Test
    void nextIsDisabledWithTheReasonUntilEachPageIsValid() {
        wizard.showPage(WizardViewModel.Page.WELCOME);
        assertThat(journey.steps()).extracting(JourneyViewModel.Step::kind).containsExactly(Kind.WELCOME,
                Kind.CONNECT, Kind.STAGE, Kind.STAGE, Kind.REVIEW, Kind.APPLY, Kind.SUMMARY);
        assertThat(journey.canBack().get()).isFalse();
        assertThat(journey.canNext().get()).isTrue();
        journey.start();
        assertThat(wizard.page()).isEqualTo(WizardViewModel.Page.CONNECT);
        assertThat(journey.blockedReason().get()).isEqualTo(JourneyViewModel.CONNECT_FIRST);
        assertThat(journey.next()).isFalse();

        // a connection verifies every stage (the coming-back check)
        wizard.connectionProperty().set(new ConnectionInfo("https://api.example:6443", "admin", false));
        assertThat(started).containsExactly("VERIFY [preflight, a]");
        assertThat(journey.canNext().get()).isTrue();
        assertThat(journey.next()).isTrue();
        assertThat(journey.current()).isEqualTo(new JourneyViewModel.Step(Kind.STAGE, "preflight"));
        assertThat(journey.blockedReason().get()).isEqualTo(JourneyViewModel.WAIT_FOR_RUN);
        finish(Operation.VERIFY, verified("preflight", Check.retryable("operators", "missing", Fix.manual("x"))),
                verified("a", Check.retryable("thing", "missing", Fix.rerunStage("a", "apply"))));
        assertThat(journey.blockedReason().get()).startsWith("Preflight failed");
        wizard.verify();
        finish(Operation.VERIFY, verified("preflight", Check.ok("operators", "there")));
        assertThat(journey.blockedReason().get()).isEmpty();
        assertThat(journey.next()).isTrue();

        // an invalid input on the stage page
        StageViewModel a = wizard.stage("a");
        assertThat(wizard.selected()).isSameAs(a);
        a.inputProblemProperty().set("sso.realm: must not be empty\nmore");
        assertThat(journey.blockedReason().get()).isEqualTo("Fix: sso.realm: must not be empty");
        assertThat(journey.canNext().get()).isFalse();
        a.inputProblemProperty().set("");
        assertThat(journey.next()).isTrue();
        assertThat(wizard.page()).isEqualTo(WizardViewModel.Page.REVIEW);
        assertThat(journey.blockedReason().get()).isEqualTo(JourneyViewModel.PRESS_APPLY_ALL);

        // Apply all: the apply page, Retry after a failure, Next once everything is applied
        assertThat(journey.applyAll()).isTrue();
        assertThat(wizard.page()).isEqualTo(WizardViewModel.Page.APPLY);
        assertThat(started).last().isEqualTo("APPLY [preflight, a]");
        assertThat(journey.canNext().get()).isFalse();
        finish(Operation.APPLY, ok("preflight", Operation.APPLY, List.of()),
                new StageResult("a", Operation.APPLY, Outcome.FAILED, null, null, "boom", null, false));
        assertThat(journey.applyFailedProperty().get()).isTrue();
        assertThat(journey.blockedReason().get()).contains("Retry");
        assertThat(journey.applyAll()).isTrue();
        finish(Operation.APPLY, ok("preflight", Operation.APPLY, List.of()), ok("a", Operation.APPLY, List.of()));
        // a verify of every stage follows at once; the stages are applied once it finds them in place
        assertThat(started).last().isEqualTo("VERIFY [preflight, a]");
        assertThat(journey.verifyingApplyProperty().get()).isTrue();
        assertThat(journey.appliedProperty().get()).isFalse();
        assertThat(journey.blockedReason().get()).startsWith("Verifying what was applied");
        finish(Operation.VERIFY, verified("preflight", Check.ok("operators", "there")),
                verified("a", Check.ok("thing", "there"), Check.retryable("data", "changed", Fix.rerunStage("a", "x"))));
        assertThat(journey.appliedProperty().get()).as("a drifted stage is not applied").isFalse();
        assertThat(journey.applyFailedProperty().get()).isTrue();
        assertThat(wizard.stage("a").status()).isEqualTo(StageStatus.FAILED);
        assertThat(journey.applyAll()).isTrue();
        finish(Operation.APPLY, ok("preflight", Operation.APPLY, List.of()), ok("a", Operation.APPLY, List.of()));
        finish(Operation.VERIFY, verified("preflight", Check.ok("operators", "there")),
                verified("a", Check.ok("thing", "there")));
        assertThat(journey.verifyingApplyProperty().get()).isFalse();
        assertThat(journey.appliedProperty().get()).isTrue();
        assertThat(journey.next()).isTrue();
        assertThat(wizard.page()).isEqualTo(WizardViewModel.Page.SUMMARY);
        assertThat(journey.canNext().get()).isFalse();
        assertThat(journey.back()).isTrue();
        assertThat(wizard.page()).isEqualTo(WizardViewModel.Page.APPLY);
    }

    @Test
    void theLiveStateComesFromTheChecksOfTheLastVerify() {
        wizard.connectionProperty().set(new ConnectionInfo("https://api.example:6443", "admin", false));
        assertThat(wizard.stage("a").liveState()).isEqualTo(LiveState.UNKNOWN);
        wizard.onEngineEvents(List.of(new RunEvent.StageStarted("a", Operation.VERIFY, 2, 2)));
        assertThat(wizard.stage("a").liveState()).isEqualTo(LiveState.CHECKING);
        finish(Operation.VERIFY, verified("preflight", Check.ok("x", "ok"), Check.warn("y", "warn", null)),
                verified("a", Check.retryable("p", "missing", null), Check.retryable("q", "missing", null)));
        assertThat(wizard.stage("preflight").liveState()).isEqualTo(LiveState.DONE);
        assertThat(wizard.stage("a").liveState()).isEqualTo(LiveState.PENDING);
        assertThat(journey.refresh()).isTrue();
        finish(Operation.VERIFY, verified("a", Check.ok("p", "there"), Check.retryable("q", "changed", null)));
        assertThat(wizard.stage("a").liveState()).isEqualTo(LiveState.DRIFTED);
        // a stage it depends on is not applied yet: nothing there yet
        assertThat(LiveState.of(new StageResult("a", Operation.VERIFY, Outcome.OK, null, List.of(new Check(
                dev.maas.installer.engine.CheckStatus.WAITING, "waiting for sso", "no route", null)), null, null,
                false))).isEqualTo(LiveState.PENDING);
        // a verify that could not check (an error) says nothing about the cluster
        assertThat(LiveState.of(new StageResult("a", Operation.VERIFY, Outcome.FAILED, null, null, "boom",
                null, false))).isEqualTo(LiveState.UNKNOWN);
        assertThat(LiveState.of(new StageResult("a", Operation.VERIFY, Outcome.CANCELLED, null, null, "cancelled",
                null, false))).isEqualTo(LiveState.UNKNOWN);
        // rerun one stage from the stage list
        assertThat(wizard.runStage(Operation.APPLY, "a")).isTrue();
        assertThat(started).last().isEqualTo("APPLY [a]");
        assertThat(wizard.runStage(Operation.APPLY, "preflight")).isFalse(); // one run at a time
    }

    @Test
    void aNewClusterWhosePreflightPassesLeavesTheWelcomePageAlone() {
        // the wizard connects by itself (its sandbox) while a first-time user reads the welcome page: the
        // preflight checks pass, nothing is installed, so the page stays; once a stage is installed, the overview
        wizard.showPage(WizardViewModel.Page.WELCOME);
        wizard.connectionProperty().set(new ConnectionInfo("https://127.0.0.1:6443", "sandbox", false));
        finish(Operation.VERIFY, verified("preflight", Check.ok("x", "ok")),
                verified("a", Check.retryable("y", "missing", Fix.rerunStage("a", "apply it"))));
        assertThat(wizard.page()).isEqualTo(WizardViewModel.Page.WELCOME);
        // preflight only checks: passing them installs nothing, and the overview does not count it
        assertThat(journey.overviewSummary().get()).isEqualTo("0 of 1 stages installed, 1 not installed yet.");

        finish(Operation.VERIFY, verified("preflight", Check.ok("x", "ok")), verified("a", Check.ok("y", "there")));
        assertThat(wizard.page()).isEqualTo(WizardViewModel.Page.OVERVIEW);
        assertThat(journey.overviewSummary().get()).isEqualTo("1 of 1 stages installed.");
    }

    @Test
    void aStageNotAvailableHereIsNeitherInstalledNorNotInstalledOnTheOverview() {
        wizard.connectionProperty().set(new ConnectionInfo("https://api.example:6443", "admin", false));
        finish(Operation.VERIFY, verified("preflight", Check.ok("x", "ok")), new StageResult("a", Operation.VERIFY,
                Outcome.NOT_AVAILABLE, null, null, "SSO cannot be tried in this sandbox: it runs without Keycloak",
                null, false));
        assertThat(wizard.stage("a").status()).isEqualTo(dev.maas.installer.ui.model.StageStatus.NOT_HERE);
        assertThat(journey.overviewSummary().get()).isEqualTo("0 of 1 stages installed, 1 not available here.")
                .doesNotContain("not installed yet");
    }

    @Test
    void theReviewGroupsThePlannedChangesByStageWithSecretsHiddenAndExportsAConfigTheCliLoads() throws Exception {
        SecretRegistry.global().register(SECRET);
        ExecutorService background = Executors.newSingleThreadExecutor();
        try {
            ConfigViewModel config = new ConfigViewModel(InstallerConfig.defaults(),
                    p -> CompletableFuture.failedFuture(new IllegalStateException("none")), Runnable::run,
                    new LogViewModel());
            config.use(ConfigLoader.parse("sso:\n  realm: corp\nplans:\n  name: Gold\n", "t", dir));
            ReviewViewModel review = new ReviewViewModel(wizard, journey, config, background, Runnable::run);
            wizard.showPage(WizardViewModel.Page.REVIEW);
            assertThat(started).containsExactly("PLAN [preflight, a]");
            assertThat(review.planningProperty().get()).isTrue();
            Change create = new Change(Action.CREATE, TargetSystem.KEYCLOAK, "Client", "maas-portal",
                    Map.of("secret", FieldChange.secret(false, true), "url", FieldChange.of(null, "https://x")));
            Change leaked = new Change(Action.UPDATE, TargetSystem.THREESCALE, "Product", "granite " + SECRET,
                    Map.of());
            // the review page listens to groups() as the view does: the listener must survive a garbage collection
            java.util.concurrent.atomic.AtomicInteger heard = new java.util.concurrent.atomic.AtomicInteger();
            review.groups().addListener((javafx.collections.ListChangeListener<ReviewViewModel.Group>) c ->
                    heard.incrementAndGet());
            java.lang.ref.WeakReference<Object> probe = new java.lang.ref.WeakReference<>(new Object());
            for (int i = 0; i < 50 && probe.get() != null; i++) {
                System.gc();
            }
            assertThat(probe.get()).as("a garbage collection ran").isNull();
            finish(Operation.PLAN, ok("preflight", Operation.PLAN, List.of()),
                    ok("a", Operation.PLAN, List.of(create, leaked, Change.noop(TargetSystem.THREESCALE, "Plan", "p"),
                            // a NOOP whose name merely mentions "; kept" is not kept: the flag decides
                            Change.noop(TargetSystem.THREESCALE, "Plan", "q (a; kept word)"),
                            Change.kept(TargetSystem.THREESCALE, "Product", "docling (no longer in the configuration;"
                                    + " kept, --prune deletes it)"))));
            assertThat(review.groups()).extracting(ReviewViewModel.Group::stageId).containsExactly("preflight", "a");
            assertThat(heard.get()).as("the listener on groups() heard the new plans").isPositive();
            ReviewViewModel.Group a = review.groups().get(1);
            assertThat(a.changes()).hasSize(2);
            assertThat(a.changes().get(0)).startsWith("CREATE keycloak Client 'maas-portal'")
                    .contains("secret (none) → ******").contains("url (none) → https://x");
            assertThat(String.join("\n", a.changes())).doesNotContain(SECRET);
            assertThat(a.summary()).isEqualTo("2 changes, 3 already in place");
            assertThat(a.kept()).containsExactly("KEPT 3scale Product 'docling (no longer in the configuration;"
                    + " kept, --prune deletes it)'");
            assertThat(review.statusProperty().get()).startsWith("2 changes to make");
            review.edit("a");
            assertThat(wizard.page()).isEqualTo(WizardViewModel.Page.STAGE);
            assertThat(wizard.selected().id()).isEqualTo("a");

            Path out = dir.resolve("export/maas-installer.yaml");
            assertThat(review.export(out).get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(ConfigLoader.load(out)).isEqualTo(config.current());
            assertThat(review.exportStatusProperty().get()).startsWith("Exported to " + out);
        } finally {
            background.shutdownNow();
        }
    }

    @Test
    void theSummaryShowsCredentialsOnlyOnRequestOpensLinksAndSavesDiagnostics() throws Exception {
        SecretRegistry.global().register(SECRET);
        ExecutorService background = Executors.newSingleThreadExecutor();
        List<String> opened = new ArrayList<>();
        List<String> lookupThreads = new ArrayList<>();
        Path journal = Files.writeString(dir.resolve("20260102-030405-verify.jsonl"),
                "{\"event\":\"run-finished\",\"note\":\"" + SECRET + "\"}\n");
        try {
            SummaryViewModel summary = new SummaryViewModel(wizard, InstallerConfig::defaults,
                    new SummaryViewModel.Lookup() {
                        @Override
                        public SummaryViewModel.Links links(InstallerConfig c) {
                            lookupThreads.add(Thread.currentThread().getName());
                            return new SummaryViewModel.Links("https://maas-admin.apps", "https://maas.apps", "");
                        }

                        @Override
                        public SummaryViewModel.Credentials credentials(InstallerConfig c) {
                            return new SummaryViewModel.Credentials("admin", SECRET, "kcadmin", "kc-" + SECRET);
                        }
                    }, background, Runnable::run, opened::add, "9.9", () -> journal);
            wizard.showPage(WizardViewModel.Page.SUMMARY);
            summary.refreshLinks().get(10, TimeUnit.SECONDS);
            assertThat(lookupThreads).isNotEmpty().noneMatch(t -> t.contains("FX"));
            assertThat(summary.adminPortalProperty().get()).isEqualTo("https://maas-admin.apps");
            assertThat(summary.linksStatusProperty().get()).startsWith("Some links could not be found");
            summary.open(summary.developerPortalProperty().get());
            summary.open(summary.keycloakConsoleProperty().get());
            assertThat(opened).containsExactly("https://maas.apps");

            assertThat(summary.credentialsShownProperty().get()).isFalse();
            assertThat(summary.threescalePasswordProperty().get()).isEmpty();
            assertThat(summary.showCredentials().get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(summary.threescalePasswordProperty().get()).isEqualTo(SECRET);
            assertThat(summary.keycloakUserProperty().get()).isEqualTo("kcadmin");
            // leaving the page hides them again
            wizard.showPage(WizardViewModel.Page.APPLY);
            assertThat(summary.credentialsShownProperty().get()).isFalse();
            assertThat(summary.threescalePasswordProperty().get()).isEmpty();
            assertThat(summary.keycloakPasswordProperty().get()).isEmpty();

            // no verify yet: Save diagnostics verifies first, then writes the zip
            Path zip = dir.resolve("diag.zip");
            CompletableFuture<Boolean> saved = summary.saveDiagnostics(zip);
            assertThat(started).containsExactly("VERIFY [preflight, a]");
            assertThat(saved).isNotDone();
            finish(Operation.VERIFY, verified("preflight", Check.ok("x", "fine " + SECRET)));
            assertThat(saved.get(10, TimeUnit.SECONDS)).isTrue();
            try (ZipFile z = new ZipFile(zip.toFile())) {
                assertThat(z.stream().map(java.util.zip.ZipEntry::getName)).containsExactlyInAnyOrder(
                        Diagnostics.LOG, Diagnostics.CONFIG, Diagnostics.VERIFY_REPORT, Diagnostics.ABOUT,
                        Diagnostics.JOURNAL);
                assertThat(new String(z.getInputStream(z.getEntry(Diagnostics.JOURNAL)).readAllBytes()))
                        .isEqualTo("{\"event\":\"run-finished\",\"note\":\"******\"}\n");
                String report = new String(z.getInputStream(z.getEntry(Diagnostics.VERIFY_REPORT)).readAllBytes());
                assertThat(report).contains("\"id\" : \"preflight\"").contains("fine ******");
                String log = new String(z.getInputStream(z.getEntry(Diagnostics.LOG)).readAllBytes());
                assertThat(log).contains("Verify");
                assertThat(new String(z.getInputStream(z.getEntry(Diagnostics.ABOUT)).readAllBytes()))
                        .contains("installer version: 9.9");
            }
            assertThat(new String(Files.readAllBytes(zip), java.nio.charset.StandardCharsets.ISO_8859_1))
                    .doesNotContain(SECRET);
        } finally {
            background.shutdownNow();
        }
    }
}
