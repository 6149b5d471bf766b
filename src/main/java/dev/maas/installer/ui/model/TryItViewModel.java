package dev.maas.installer.ui.model;

import dev.maas.installer.engine.config.InstallerConfig;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The summary page's "Try it": one row per model with a button that calls the model through its production gateway
 * with a temporary key (the engine's end-to-end test for that model, without the sign-in), then shows the curl
 * command a developer would send, the key masked until "Reveal" is pressed, and the first lines of the model's
 * answer; and "Test everything", the whole test (sign-in and every model) with its report. Every call runs on the
 * background executor, never on the FX thread; the properties change on the FX thread only.
 */
public final class TryItViewModel {
    /** A mask no key looks like; shown in place of the key until it is revealed. */
    public static final String MASKED = "********";

    /** The engine's side, called on the background executor. */
    public interface Engine {
        /** The models of the configuration (name, system name), in its order. */
        List<Model> models(InstallerConfig config) throws Exception;

        /** Calls one model through its gateway. */
        Answer tryModel(InstallerConfig config, String systemName) throws Exception;

        /** The whole test (sign-in and every model): whether everything passed, and the report's text. */
        Report testAll(InstallerConfig config) throws Exception;
    }

    public record Model(String name, String systemName) { }

    /**
     * What one call found.
     *
     * @param curl   the developer's request with the key as {@code $KEY}
     * @param key    the temporary key used (registered as a secret), or null
     * @param answer the first lines of the model's answer, or null
     * @param report one line per check ("[PASS] models list HTTP 200 12 ms: ...")
     */
    public record Answer(boolean passed, String status, String curl, String key, String answer, String report) {
        @Override
        public String toString() {
            return "Answer[" + status + ", " + curl + ", key " + (key == null ? null : MASKED) + "]";
        }
    }

    public record Report(boolean passed, String text) { }

    /** One model's row. */
    public static final class Row {
        private final Model model;
        private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper(this, "status", "");
        private final ReadOnlyStringWrapper curl = new ReadOnlyStringWrapper(this, "curl", "");
        private final ReadOnlyStringWrapper answer = new ReadOnlyStringWrapper(this, "answer", "");
        private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper(this, "running");
        private final ReadOnlyBooleanWrapper revealed = new ReadOnlyBooleanWrapper(this, "revealed");
        private final ReadOnlyBooleanWrapper hasKey = new ReadOnlyBooleanWrapper(this, "hasKey");
        private String curlTemplate = "";
        private String key;

        Row(Model model) {
            this.model = model;
        }

        public Model model() { return model; }

        public ReadOnlyStringProperty statusProperty() { return status.getReadOnlyProperty(); }

        public ReadOnlyStringProperty curlProperty() { return curl.getReadOnlyProperty(); }

        public ReadOnlyStringProperty answerProperty() { return answer.getReadOnlyProperty(); }

        public ReadOnlyBooleanProperty runningProperty() { return running.getReadOnlyProperty(); }

        public ReadOnlyBooleanProperty revealedProperty() { return revealed.getReadOnlyProperty(); }

        public ReadOnlyBooleanProperty hasKeyProperty() { return hasKey.getReadOnlyProperty(); }

        /** "Reveal" / "Mask": shows the key in the curl command, or masks it again. */
        public void toggleReveal() {
            revealed.set(!revealed.get() && key != null);
            showCurl();
        }

        private void showCurl() {
            String shown = key == null ? curlTemplate
                    : curlTemplate.replace("$KEY", revealed.get() ? key : MASKED);
            curl.set(shown);
        }

        private void forget() {
            key = null;
            hasKey.set(false);
            revealed.set(false);
            showCurl();
        }
    }

    private final Supplier<InstallerConfig> config;
    private final Engine engine;
    private final Executor background;
    private final Executor fx;
    private final ObservableList<Row> rows = FXCollections.observableArrayList();
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper(this, "status", "");
    private final ReadOnlyStringWrapper allReport = new ReadOnlyStringWrapper(this, "allReport", "");
    private final ReadOnlyBooleanWrapper allRunning = new ReadOnlyBooleanWrapper(this, "allRunning");

    public TryItViewModel(WizardViewModel wizard, Supplier<InstallerConfig> config, Engine engine,
                          Executor background, Executor fx) {
        this.config = Objects.requireNonNull(config, "config");
        this.engine = Objects.requireNonNull(engine, "engine");
        this.background = Objects.requireNonNull(background, "background");
        this.fx = Objects.requireNonNull(fx, "fx");
        wizard.pageProperty().addListener((o, was, now) -> {
            if (now == WizardViewModel.Page.SUMMARY) {
                refresh();
            } else if (was == WizardViewModel.Page.SUMMARY) {
                rows.forEach(Row::forget); // the keys are not kept once the page is left
            }
        });
    }

    public ObservableList<Row> rows() { return rows; }

    public ReadOnlyStringProperty statusProperty() { return status.getReadOnlyProperty(); }

    public ReadOnlyStringProperty allReportProperty() { return allReport.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty allRunningProperty() { return allRunning.getReadOnlyProperty(); }

    /** Reads the configuration's models off the FX thread; completes on the FX thread. */
    public CompletableFuture<Void> refresh() {
        InstallerConfig cfg = config.get();
        status.set("Looking up the models...");
        CompletableFuture<Void> done = new CompletableFuture<>();
        OffFxThread.supply(() -> engine.models(cfg), background).whenComplete((models, e) ->
                fx.execute(() -> {
                    if (e == null) {
                        rows.setAll(models.stream().map(Row::new).toList());
                        status.set(models.isEmpty() ? "No models in the configuration." : "");
                    } else {
                        status.set("Could not read the models: " + OffFxThread.message(e));
                    }
                    done.complete(null);
                }));
        return done;
    }

    /** "Try it" on one row: calls the model off the FX thread; completes on the FX thread with whether it passed. */
    public CompletableFuture<Boolean> tryModel(Row row) {
        InstallerConfig cfg = config.get();
        row.forget();
        row.running.set(true);
        row.status.set("Calling " + row.model.name() + " through its gateway...");
        row.answer.set("");
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        OffFxThread.supply(() -> engine.tryModel(cfg, row.model.systemName()), background)
                .whenComplete((a, e) -> fx.execute(() -> {
                    row.running.set(false);
                    if (e == null) {
                        row.curlTemplate = a.curl() == null ? "" : a.curl();
                        row.key = a.key();
                        row.hasKey.set(a.key() != null);
                        row.showCurl();
                        row.answer.set(a.answer() == null ? a.report() : a.answer());
                        row.status.set(a.status());
                    } else {
                        row.status.set("Could not call the model: " + OffFxThread.message(e));
                    }
                    done.complete(e == null && a.passed());
                }));
        return done;
    }

    /** "Test everything": the whole test off the FX thread; completes on the FX thread with whether it passed. */
    public CompletableFuture<Boolean> testAll() {
        InstallerConfig cfg = config.get();
        allRunning.set(true);
        allReport.set("Testing the sign-in and every model... (a temporary user, developer account and applications"
                + " are made and removed again)");
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        OffFxThread.supply(() -> engine.testAll(cfg), background).whenComplete((r, e) ->
                fx.execute(() -> {
                    allRunning.set(false);
                    allReport.set(e == null ? r.text() : "The test could not run: " + OffFxThread.message(e));
                    done.complete(e == null && r.passed());
                }));
        return done;
    }



}
