package dev.maas.installer.ui.pages;

import dev.maas.installer.cluster.DiscoveredModel;
import dev.maas.installer.engine.config.ConfigDefaults;
import dev.maas.installer.engine.config.ConfigProblem;
import dev.maas.installer.ui.model.OffFxThread;
import dev.maas.installer.ui.model.FieldLabels;
import dev.maas.installer.engine.config.ConfigValidator;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.ui.model.ConfigViewModel;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The model list of the backends page: one editable row per model (name, system name, URL, OpenAPI file). Every edit
 * is validated with {@link ConfigValidator}; each problem is shown next to its row, and the list is written into the
 * configuration the next run uses only when it is valid. "Discover from cluster" runs the discovery on the background
 * executor (never the FX thread) and adds the ready models not yet listed. FX thread only, except the discovery.
 */
public final class ModelsPageModel {
    private static final Pattern MODEL_PATH = Pattern.compile("^models\\[(\\d+)](?:\\.(\\w+))?$");

    /** One editable row. A blank system name means: derived from the name. */
    public static final class Row {
        private final StringProperty name = new SimpleStringProperty(this, "name", "");
        private final StringProperty systemName = new SimpleStringProperty(this, "systemName", "");
        private final StringProperty url = new SimpleStringProperty(this, "url", "");
        private final StringProperty openapi = new SimpleStringProperty(this, "openapi", "");
        private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper(this, "error", "");
        private String description;

        public Row() { }

        Row(ModelConfig m) {
            name.set(nz(m.name()));
            systemName.set(nz(m.systemName()));
            url.set(nz(m.url()));
            openapi.set(nz(m.openapi()));
            description = m.description();
        }

        public StringProperty nameProperty() { return name; }

        public StringProperty systemNameProperty() { return systemName; }

        public StringProperty urlProperty() { return url; }

        public StringProperty openapiProperty() { return openapi; }

        /** What is wrong with this row, one problem a line; empty when it is fine. */
        public ReadOnlyStringProperty errorProperty() { return error.getReadOnlyProperty(); }

        public String error() { return error.get(); }

        ModelConfig toConfig() {
            String sys = blank(systemName.get()) ? ConfigDefaults.slug(trim(name.get())) : systemName.get().trim();
            return new ModelConfig(trim(name.get()), sys, trim(url.get()), blankToNull(openapi.get()), description);
        }
    }

    private final ConfigViewModel config;
    private final Supplier<List<DiscoveredModel>> discovery;
    private final Executor background;
    private final Executor fx;
    private final ObservableList<Row> rows = FXCollections.observableArrayList();
    private final ReadOnlyStringWrapper problems = new ReadOnlyStringWrapper(this, "problems", "");
    private final ReadOnlyBooleanWrapper valid = new ReadOnlyBooleanWrapper(this, "valid", true);
    private final ReadOnlyStringWrapper problem = new ReadOnlyStringWrapper(this, "problem", "");
    private final ReadOnlyBooleanWrapper discovering = new ReadOnlyBooleanWrapper(this, "discovering", false);
    private final ReadOnlyStringWrapper discoveryStatus = new ReadOnlyStringWrapper(this, "discoveryStatus", "");
    private boolean loading;

    /**
     * @param discovery  lists the served models on the cluster (blocking; run on {@code background})
     * @param background where the discovery runs (never the FX thread)
     * @param fx         runs the discovery's outcome on the FX thread
     */
    public ModelsPageModel(ConfigViewModel config, Supplier<List<DiscoveredModel>> discovery, Executor background,
                           Executor fx) {
        this.config = Objects.requireNonNull(config, "config");
        this.discovery = Objects.requireNonNull(discovery, "discovery");
        this.background = Objects.requireNonNull(background, "background");
        this.fx = Objects.requireNonNull(fx, "fx");
        reload();
        // a configuration file loaded later (by hand or by the sandbox) replaces what the page shows
        config.fileProperty().addListener((o, was, now) -> reload());
    }

    public ModelsPageModel(PageServices services) {
        this(services.config(), services.discovery(), services.background(), services.fx());
    }

    public ObservableList<Row> rows() { return rows; }

    /** Problems not tied to one row (e.g. elsewhere in the configuration); empty when none. */
    public ReadOnlyStringProperty problemsProperty() { return problems.getReadOnlyProperty(); }

    /** Whether the list as shown is valid (and so is the one the next run uses). */
    public ReadOnlyBooleanProperty validProperty() { return valid.getReadOnlyProperty(); }

    /** The first problem of the model list as "models[n].field: message"; empty when valid. */
    public ReadOnlyStringProperty problemProperty() { return problem.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty discoveringProperty() { return discovering.getReadOnlyProperty(); }

    /** The outcome of the last discovery in words. */
    public ReadOnlyStringProperty discoveryStatusProperty() { return discoveryStatus.getReadOnlyProperty(); }

    /** Shows the models of the configuration in use (e.g. after a file was loaded). */
    public void reload() {
        loading = true;
        try {
            rows.clear();
            config.current().models().stream().filter(Objects::nonNull).forEach(m -> attach(new Row(m)));
        } finally {
            loading = false;
        }
        validate();
    }

    /** Adds an empty row (invalid until it has a name and a URL) and returns it. */
    public Row add() {
        Row row = new Row();
        attach(row);
        validate();
        return row;
    }

    public void remove(Row row) {
        if (rows.remove(row)) {
            validate();
        }
    }

    /**
     * Runs the discovery off the FX thread and adds the ready models with a URL that are not listed yet (same system
     * name). Completes on the FX thread with the number of rows added.
     */
    public CompletableFuture<Integer> discover() {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        discovering.set(true);
        discoveryStatus.set("Looking for served models on the cluster...");
        CompletableFuture.supplyAsync(discovery, background).whenComplete((found, error) -> fx.execute(() -> {
            discovering.set(false);
            if (error != null) {
                Throwable t = OffFxThread.cause(error);
                discoveryStatus.set(SecretRegistry.global().redact("Discovery failed: " + t.getMessage()));
                done.complete(0);
                return;
            }
            Set<String> listed = new HashSet<>();
            rows.forEach(r -> listed.add(r.toConfig().systemName()));
            int added = 0;
            int notReady = 0;
            List<String> unreachable = new ArrayList<>();
            loading = true;
            try {
                for (DiscoveredModel m : found) {
                    if (m.problem() != null) {
                        unreachable.add(m.qualifiedName() + " (" + m.problem() + "; to publish it: " + m.fix() + ")");
                        continue;
                    }
                    if (!m.ready() || blank(m.url())) {
                        notReady++;
                        continue;
                    }
                    String sys = ConfigDefaults.slug(m.name());
                    if (!listed.add(sys)) {
                        continue;
                    }
                    Row row = new Row();
                    row.name.set(blank(m.displayName()) ? m.name() : m.displayName());
                    row.systemName.set(sys == null ? "" : sys);
                    row.url.set(m.url());
                    attach(row);
                    added++;
                }
            } finally {
                loading = false;
            }
            validate();
            discoveryStatus.set("Found " + found.size() + " served model" + (found.size() == 1 ? "" : "s")
                    + ": added " + added + (notReady > 0 ? ", left out " + notReady + " not ready or without URL" : "")
                    + (unreachable.isEmpty() ? "" : ", left out " + unreachable.size() + " APIcast cannot call as"
                    + " they are: " + String.join("; ", unreachable)) + ".");
            done.complete(added);
        }));
        return done;
    }

    private void attach(Row row) {
        rows.add(row);
        row.name.addListener((o, a, b) -> edited());
        row.systemName.addListener((o, a, b) -> edited());
        row.url.addListener((o, a, b) -> edited());
        row.openapi.addListener((o, a, b) -> edited());
    }

    private void edited() {
        if (!loading) {
            validate();
        }
    }

    /** Validates the list as shown and writes it, with its problems, into the configuration; whether it was valid. */
    public boolean validate() {
        InstallerConfig c = config.current();
        List<ModelConfig> models = new ArrayList<>();
        rows.forEach(r -> models.add(r.toConfig()));
        InstallerConfig edited = new InstallerConfig(c.cluster(), c.endpoints(), c.sso(), c.threescale(), models,
                c.products(), c.plans(), c.portal());
        List<ConfigProblem> found = ConfigValidator.validate(edited);
        List<StringBuilder> perRow = new ArrayList<>();
        rows.forEach(r -> perRow.add(new StringBuilder()));
        StringBuilder other = new StringBuilder();
        boolean modelProblem = false;
        for (ConfigProblem p : found) {
            Matcher m = MODEL_PATH.matcher(p.path());
            if (m.matches() && Integer.parseInt(m.group(1)) < perRow.size()) {
                StringBuilder sb = perRow.get(Integer.parseInt(m.group(1)));
                if (sb.length() > 0) {
                    sb.append('\n');
                }
                sb.append(m.group(2) == null ? "" : FieldLabels.modelColumn(m.group(2)) + ": ")
                        .append(FieldLabels.words(p.message()));
                modelProblem = true;
            } else if (p.path().startsWith("models")) {
                other.append(other.length() > 0 ? "\n" : "").append(FieldLabels.describe(p));
                modelProblem = true;
            } else {
                other.append(other.length() > 0 ? "\n" : "").append(FieldLabels.describe(p));
            }
        }
        for (int i = 0; i < rows.size(); i++) {
            rows.get(i).error.set(perRow.get(i).toString());
        }
        problems.set(other.toString());
        valid.set(!modelProblem);
        problem.set(found.stream().filter(p -> p.path().startsWith("models")).findFirst()
                .map(FieldLabels::describe).orElse(""));
        // what the list shows is what the runs get, valid or not; while it is not, its stages do not run
        config.edit("models", edited, found.stream().filter(p -> p.path().startsWith("models")).toList());
        return !modelProblem;
    }

    private static boolean blank(String s) { return s == null || s.isBlank(); }

    private static String nz(String s) { return s == null ? "" : s; }

    private static String trim(String s) { return s == null ? null : s.trim(); }

    private static String blankToNull(String s) { return blank(s) ? null : s.trim(); }
}
