package dev.maas.installer.ui;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.ui.model.StageViewModel;
import dev.maas.installer.ui.model.UsageViewModel;
import dev.maas.installer.ui.model.UsageViewModel.AppUsage;
import dev.maas.installer.ui.model.UsageViewModel.Counts;
import dev.maas.installer.ui.model.UsageViewModel.ModelUsage;
import dev.maas.installer.ui.model.UsageViewModel.Period;
import dev.maas.installer.ui.model.UsageViewModel.State;
import dev.maas.installer.ui.model.UsageViewModel.Usage;
import dev.maas.installer.ui.model.WizardViewModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The summary's usage panel without a window or a cluster: the period, the reads off the FX thread, the states. */
class UsageViewModelTest {
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    /** 14:05 in Paris on 10 March 2026. */
    private static final Instant NOW = Instant.parse("2026-03-10T13:05:00Z");
    private static final String SECRET = "tok-9f8e7d6c5b4a";

    private final WizardViewModel wizard = new WizardViewModel(List.of(
            new StageViewModel(new TestStage("a", 1), "A")),
            new WizardViewModel.RunLauncher() {
                @Override
                public void start(Operation op, List<String> ids) { }

                @Override
                public void cancel() { }
            });
    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> new Thread(r, "background"));
    /** The FX thread stands in as the calling thread: the view model's answers are queued here and run by fx(). */
    private final LinkedBlockingQueue<Runnable> fxQueue = new LinkedBlockingQueue<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final List<Cancellation> cancellations = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<CompletableFuture<Usage>> answers = new LinkedBlockingQueue<>();

    private final UsageViewModel usage = new UsageViewModel(wizard, InstallerConfig::defaults,
            (config, since, until, cancellation) -> {
                calls.add(Thread.currentThread().getName() + " " + since + " " + until);
                cancellations.add(cancellation);
                CompletableFuture<Usage> answer = new CompletableFuture<>();
                answers.add(answer);
                try {
                    return answer.get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw (Exception) e.getCause();
                }
            }, background, fxQueue::add, Clock.fixed(NOW, PARIS));

    @AfterEach
    void tearDown() {
        background.shutdownNow();
    }

    private static final ModelUsage GRANITE = new ModelUsage("Granite", "granite", new Counts(3, 12L, 21L, 33L),
            List.of(new AppUsage("usage app", "Free", "Usage Org", new Counts(3, 12L, 21L, 33L))));
    private static final ModelUsage LLAMA = new ModelUsage("Llama", "llama", new Counts(0, null, null, null),
            List.of());

    /** The engine's next call (on the background thread), waiting for its answer. */
    private CompletableFuture<Usage> pending() throws InterruptedException {
        CompletableFuture<Usage> next = answers.poll(10, TimeUnit.SECONDS);
        assertThat(next).as("the engine was called").isNotNull();
        return next;
    }

    /** Answers the engine's pending call and runs what the view model queued for the FX thread. */
    private State answer(CompletableFuture<State> done, Usage u) throws Exception {
        pending().complete(u);
        return fx(done);
    }

    private State fail(CompletableFuture<State> done, Exception e) throws Exception {
        pending().completeExceptionally(e);
        return fx(done);
    }

    /** Runs what the view model queued for the FX thread until {@code done} and the read under way are done. */
    private State fx(CompletableFuture<State> done) throws Exception {
        while (!done.isDone() || usage.readingProperty().get()) {
            Runnable r = fxQueue.poll(10, TimeUnit.SECONDS);
            assertThat(r).as("the answer reached the FX thread").isNotNull();
            r.run();
        }
        return usage.stateProperty().get();
    }

    @Test
    void eachPeriodEndsNowAndTodayStartsAtMidnightInTheClocksZone() {
        assertThat(usage.periods()).extracting(Period::label)
                .containsExactly("Last hour", "Today", "Last 7 days", "Last 30 days");
        assertThat(usage.periodProperty().get()).isEqualTo(Period.TODAY);
        assertThat(Period.LAST_HOUR.since(NOW, PARIS)).isEqualTo(Instant.parse("2026-03-10T12:05:00Z"));
        assertThat(Period.TODAY.since(NOW, PARIS)).isEqualTo(Instant.parse("2026-03-09T23:00:00Z"));
        assertThat(Period.TODAY.since(NOW, ZoneId.of("UTC"))).isEqualTo(Instant.parse("2026-03-10T00:00:00Z"));
        assertThat(Period.LAST_7_DAYS.since(NOW, PARIS)).isEqualTo(Instant.parse("2026-03-03T13:05:00Z"));
        assertThat(Period.LAST_30_DAYS.since(NOW, PARIS)).isEqualTo(Instant.parse("2026-02-08T13:05:00Z"));
        assertThat(UsageViewModel.count(1234L)).isEqualTo("1,234");
        assertThat(UsageViewModel.count(null)).isEqualTo("–");
    }

    @Test
    void theSummaryPageReadsOffTheFxThreadAndANewPeriodReadsAgain() throws Exception {
        assertThat(usage.stateProperty().get()).isEqualTo(State.NOT_READ);
        usage.periodProperty().set(Period.LAST_HOUR);
        assertThat(calls).as("nothing is read before the summary page is shown").isEmpty();

        wizard.showPage(WizardViewModel.Page.SUMMARY);
        assertThat(usage.stateProperty().get()).isEqualTo(State.READING);
        assertThat(usage.readingProperty().get()).isTrue();
        assertThat(usage.statusProperty().get()).isEqualTo("Reading 3scale's analytics (last hour)...");
        CompletableFuture<Usage> superseded = pending();
        CompletableFuture<State> read = usage.refresh(); // Refresh while reading: the newer read counts
        assertThat(cancellations.get(0).isCancelled()).as("the superseded read is cancelled").isTrue();
        superseded.complete(new Usage(List.of(LLAMA)));
        assertThat(answer(read, new Usage(List.of(GRANITE, LLAMA)))).isEqualTo(State.SHOWN);
        assertThat(cancellations.get(1).isCancelled()).isFalse();
        assertThat(calls).hasSize(2).allMatch(c -> c.equals("background 2026-03-10T12:05:00Z 2026-03-10T13:05:00Z"));
        assertThat(usage.models()).containsExactly(GRANITE, LLAMA);
        assertThat(usage.readingProperty().get()).isFalse();
        assertThat(usage.statusProperty().get()).isEmpty();
        assertThat(usage.fixProperty().get()).isEmpty();
        assertThat(usage.rangeProperty().get()).isEqualTo("From 2026-03-10 13:05 to 14:05 (Europe/Paris)");
        assertThat(GRANITE.metersTokens()).isTrue();
        assertThat(LLAMA.metersTokens()).isFalse();

        // another period: read again, from midnight; the last tables stay while reading
        calls.clear();
        usage.periodProperty().set(Period.TODAY);
        assertThat(usage.stateProperty().get()).isEqualTo(State.READING);
        assertThat(usage.models()).hasSize(2);
        pending().complete(new Usage(List.of(GRANITE)));
        while (usage.readingProperty().get()) {
            fxQueue.poll(10, TimeUnit.SECONDS).run();
        }
        assertThat(usage.stateProperty().get()).isEqualTo(State.SHOWN);
        assertThat(usage.models()).containsExactly(GRANITE);
        assertThat(calls).containsExactly("background 2026-03-09T23:00:00Z 2026-03-10T13:05:00Z");
        assertThat(usage.rangeProperty().get()).isEqualTo("From 2026-03-10 00:00 to 14:05 (Europe/Paris)");
        usage.periodProperty().set(null);
        assertThat(usage.periodProperty().get()).as("a period is always chosen").isEqualTo(Period.TODAY);
    }

    @Test
    void noUsageIsSaidNeutrallyAndAFailureSaysWhatToDo() throws Exception {
        wizard.showPage(WizardViewModel.Page.SUMMARY);
        CompletableFuture<Usage> superseded = pending();
        CompletableFuture<State> read = usage.refresh();
        superseded.complete(new Usage(List.of()));
        assertThat(answer(read, new Usage(List.of(LLAMA, new ModelUsage("Nomic", "nomic", null, null)))))
                .isEqualTo(State.NO_USAGE);
        assertThat(usage.statusProperty().get()).isEqualTo("No usage yet today: no application has called a model"
                + " through the gateway.");
        assertThat(usage.fixProperty().get()).isEmpty();

        usage.periodProperty().set(Period.LAST_30_DAYS); // reads again
        assertThat(fix(CompletableFuture.completedFuture(null), new UsageViewModel.Unreadable("3scale's Analytics API answered HTTP 503"
                + " for token " + SECRET, "Check that 3scale's system-app pods are running and ready, then press"
                + " Refresh."))).isEqualTo(State.FAILED);
        assertThat(usage.statusProperty().get()).isEqualTo("Could not read the usage from 3scale's analytics:"
                + " 3scale's Analytics API answered HTTP 503 for token ******");
        assertThat(usage.fixProperty().get()).startsWith("Check that 3scale's system-app pods");
        assertThat(usage.readingProperty().get()).isFalse();

        // any other failure: what to check, in the wizard's words
        assertThat(fix(usage.refresh(), new IllegalStateException("connection refused"))).isEqualTo(State.FAILED);
        assertThat(usage.statusProperty().get()).endsWith(": connection refused");
        assertThat(usage.fixProperty().get()).contains("3scale and products stages", "press Refresh");

        // no models at all
        CompletableFuture<State> none = usage.refresh();
        assertThat(answer(none, new Usage(List.of()))).isEqualTo(State.NO_USAGE);
        assertThat(usage.statusProperty().get()).startsWith("No models in the configuration");
    }

    @Test
    void leavingThePageCancelsTheReadAndKeepsWhatWasShown() throws Exception {
        wizard.showPage(WizardViewModel.Page.SUMMARY);
        CompletableFuture<State> shown = usage.refresh();
        pending().complete(new Usage(List.of()));
        assertThat(answer(shown, new Usage(List.of(GRANITE)))).isEqualTo(State.SHOWN);

        CompletableFuture<State> again = usage.refresh();
        CompletableFuture<Usage> late = pending();
        wizard.showPage(WizardViewModel.Page.REVIEW);
        assertThat(cancellations.get(cancellations.size() - 1).isCancelled()).isTrue();
        assertThat(usage.readingProperty().get()).isFalse();
        assertThat(usage.stateProperty().get()).isEqualTo(State.SHOWN);
        late.complete(new Usage(List.of()));
        assertThat(fx(again)).isEqualTo(State.SHOWN);
        assertThat(usage.models()).as("the late answer is ignored").containsExactly(GRANITE);
    }

    private State fix(CompletableFuture<State> done, Exception e) throws Exception {
        SecretRegistry.global().register(SECRET);
        return fail(done, e);
    }
}
