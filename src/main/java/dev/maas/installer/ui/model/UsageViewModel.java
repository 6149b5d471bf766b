package dev.maas.installer.ui.model;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.text.NumberFormat;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The summary page's usage panel: the requests and LLM tokens of each model, and of each application that called it,
 * over a chosen period, as 3scale's analytics count them. The page's arrival, a new period and "Refresh" read the
 * usage on the background executor, never on the FX thread; a newer read cancels the one under way and only the
 * newest is shown. The properties change on the FX thread only.
 */
public final class UsageViewModel {
    /** The engine's side, called on the background executor. */
    public interface Engine {
        /**
         * The usage of every model of the configuration from {@code since} to {@code until}.
         *
         * @throws Unreadable when 3scale's analytics cannot be read, with what to do
         */
        Usage read(InstallerConfig config, Instant since, Instant until, Cancellation cancellation) throws Exception;
    }

    /** Why the usage could not be read, and what to do about it (both shown as they are). */
    public static final class Unreadable extends Exception {
        private final String fix;

        public Unreadable(String problem, String fix) {
            super(problem);
            this.fix = fix;
        }

        public String fix() { return fix; }
    }

    /** The periods on offer, each ending now. */
    public enum Period {
        LAST_HOUR("Last hour"), TODAY("Today"), LAST_7_DAYS("Last 7 days"), LAST_30_DAYS("Last 30 days");

        private final String label;

        Period(String label) { this.label = label; }

        public String label() { return label; }

        /** Where the period starts when it ends at {@code now}: today starts at midnight in {@code zone}. */
        public Instant since(Instant now, ZoneId zone) {
            return switch (this) {
                case LAST_HOUR -> now.minus(Duration.ofHours(1));
                case TODAY -> now.atZone(zone).toLocalDate().atStartOfDay(zone).toInstant();
                case LAST_7_DAYS -> now.minus(Duration.ofDays(7));
                case LAST_30_DAYS -> now.minus(Duration.ofDays(30));
            };
        }

        @Override
        public String toString() { return label; }
    }

    /** What the panel shows. */
    public enum State {
        /** Not read yet (the summary page was not shown). */
        NOT_READ,
        READING,
        /** Read: at least one model had requests or tokens in the period. */
        SHOWN,
        /** Read, and no model had any request in the period. */
        NO_USAGE,
        FAILED
    }

    /** Requests and tokens; a token count is null when the model's product does not meter tokens. */
    public record Counts(long requests, Long promptTokens, Long completionTokens, Long totalTokens) {
        public boolean any() {
            return requests > 0 || totalTokens != null && totalTokens > 0;
        }
    }

    /** One application with traffic in the period. */
    public record AppUsage(String name, String plan, String account, Counts counts) { }

    /**
     * One model: {@code counts} null when it has no product in 3scale; {@code applications} those with traffic.
     */
    public record ModelUsage(String name, String systemName, Counts counts, List<AppUsage> applications) {
        public ModelUsage {
            applications = applications == null ? List.of() : List.copyOf(applications);
        }

        public boolean inThreescale() { return counts != null; }

        /** Whether the product counts tokens (a tier limits them, so its chain has the token usage policy). */
        public boolean metersTokens() { return counts != null && counts.totalTokens() != null; }
    }

    public record Usage(List<ModelUsage> models) {
        public Usage {
            models = List.copyOf(models);
        }
    }

    private final Supplier<InstallerConfig> config;
    private final Engine engine;
    private final Executor background;
    private final Executor fx;
    private final Clock clock;
    private final ObjectProperty<Period> period = new SimpleObjectProperty<>(this, "period", Period.TODAY);
    private final ReadOnlyObjectWrapper<State> state = new ReadOnlyObjectWrapper<>(this, "state", State.NOT_READ);
    private final ReadOnlyBooleanWrapper reading = new ReadOnlyBooleanWrapper(this, "reading");
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper(this, "status", "");
    private final ReadOnlyStringWrapper fix = new ReadOnlyStringWrapper(this, "fix", "");
    private final ReadOnlyStringWrapper range = new ReadOnlyStringWrapper(this, "range", "");
    private final ObservableList<ModelUsage> models = FXCollections.observableArrayList();
    private final ObservableList<ModelUsage> modelsView = FXCollections.unmodifiableObservableList(models);
    private long request;
    private Cancellation current;
    /** What the last finished read showed, shown again when a newer read is cancelled. */
    private State settledState = State.NOT_READ;
    private String settledStatus = "";
    private String settledFix = "";

    /**
     * @param wizard reads when the summary page is shown; a read under way is cancelled when the page is left
     * @param clock  where "now" comes from, and the time zone of "Today" and of the period shown
     */
    public UsageViewModel(WizardViewModel wizard, Supplier<InstallerConfig> config, Engine engine, Executor background,
                          Executor fx, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.engine = Objects.requireNonNull(engine, "engine");
        this.background = Objects.requireNonNull(background, "background");
        this.fx = Objects.requireNonNull(fx, "fx");
        this.clock = Objects.requireNonNull(clock, "clock");
        period.addListener((o, was, now) -> {
            if (now == null) {
                period.set(was);
            } else if (state.get() != State.NOT_READ) {
                refresh();
            }
        });
        wizard.pageProperty().addListener((o, was, now) -> {
            if (now == WizardViewModel.Page.SUMMARY) {
                refresh();
            } else if (was == WizardViewModel.Page.SUMMARY) {
                cancel();
            }
        });
    }

    /** The chosen period; choosing another one reads the usage again (once the panel was read). */
    public ObjectProperty<Period> periodProperty() { return period; }

    public List<Period> periods() { return List.of(Period.values()); }

    public ReadOnlyObjectProperty<State> stateProperty() { return state.getReadOnlyProperty(); }

    /** True while a read is under way (the view shows progress, "Refresh" waits). */
    public ReadOnlyBooleanProperty readingProperty() { return reading.getReadOnlyProperty(); }

    /** What is going on, or why there is nothing to show; empty when the tables say it all. */
    public ReadOnlyStringProperty statusProperty() { return status.getReadOnlyProperty(); }

    /** After a failure, what to do; else empty. */
    public ReadOnlyStringProperty fixProperty() { return fix.getReadOnlyProperty(); }

    /** The period read, in the clock's time zone ("From 2026-01-31 00:00 to 14:05 (Europe/Paris)"). */
    public ReadOnlyStringProperty rangeProperty() { return range.getReadOnlyProperty(); }

    /** The models read last, in the configuration's order; kept while a new read is under way. */
    public ObservableList<ModelUsage> models() { return modelsView; }

    /** "Refresh": reads the usage of the chosen period off the FX thread; completes on the FX thread. */
    public CompletableFuture<State> refresh() {
        cancel();
        Cancellation cancellation = new Cancellation();
        current = cancellation;
        long mine = ++request;
        InstallerConfig cfg = config.get();
        Period p = period.get();
        Instant until = clock.instant();
        Instant since = p.since(until, clock.getZone());
        reading.set(true);
        state.set(State.READING);
        fix.set("");
        status.set("Reading 3scale's analytics (" + p.label().toLowerCase(Locale.ROOT) + ")...");
        CompletableFuture<State> done = new CompletableFuture<>();
        OffFxThread.supply(() -> engine.read(cfg, since, until, cancellation), background)
                .whenComplete((usage, e) -> fx.execute(() -> {
                    if (mine != request) {
                        done.complete(state.get()); // a newer read (or leaving the page) took over
                        return;
                    }
                    reading.set(false);
                    current = null;
                    if (e == null) {
                        shown(usage, p, since, until);
                    } else {
                        failed(OffFxThread.cause(e));
                    }
                    settledState = state.get();
                    settledStatus = status.get();
                    settledFix = fix.get();
                    done.complete(state.get());
                }));
        return done;
    }

    private void shown(Usage usage, Period p, Instant since, Instant until) {
        models.setAll(usage.models());
        range.set(range(since, until));
        boolean any = usage.models().stream().anyMatch(m -> m.inThreescale() && m.counts().any());
        if (usage.models().isEmpty()) {
            state.set(State.NO_USAGE);
            status.set("No models in the configuration: add them on the Models page and apply.");
        } else if (!any) {
            state.set(State.NO_USAGE);
            status.set("No usage yet " + (p == Period.TODAY ? "today" : "in the " + p.label()
                    .toLowerCase(Locale.ROOT)) + ": no application has called a model through the gateway.");
        } else {
            state.set(State.SHOWN);
            status.set("");
        }
    }

    private void failed(Throwable t) {
        state.set(State.FAILED);
        if (t instanceof CancelledException) {
            status.set("The reading was cancelled.");
            fix.set("Press Refresh to read the usage again.");
            return;
        }
        status.set("Could not read the usage from 3scale's analytics: " + redact(t.getMessage() == null
                ? t.getClass().getSimpleName() : t.getMessage()));
        String hint = t instanceof Unreadable u && u.fix() != null && !u.fix().isBlank() ? u.fix()
                : "Check that the cluster is connected and that the 3scale and products stages are applied"
                + " (the stage list shows them done), then press Refresh.";
        fix.set(redact(hint));
    }

    /** Leaving the page: the read under way is cancelled and its answer ignored. */
    private void cancel() {
        if (current != null) {
            current.cancel();
            current = null;
        }
        if (reading.get()) {
            request++;
            reading.set(false);
            state.set(settledState);
            status.set(settledStatus);
            fix.set(settledFix);
        }
    }

    private String range(Instant since, Instant until) {
        ZoneId zone = clock.getZone();
        ZonedDateTime from = since.atZone(zone);
        ZonedDateTime to = until.atZone(zone);
        DateTimeFormatter day = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
        String end = from.toLocalDate().equals(to.toLocalDate()) ? to.format(DateTimeFormatter.ofPattern("HH:mm"))
                : to.format(day);
        return "From " + from.format(day) + " to " + end + " (" + zone.getId() + ")";
    }

    /** A count for a table cell: "1,234"; a token count the product does not meter: "–". */
    public static String count(Long value) {
        return value == null ? "–" : NumberFormat.getIntegerInstance(Locale.ENGLISH).format(value);
    }




    private static String redact(String s) { return SecretRegistry.global().redact(s); }
}
