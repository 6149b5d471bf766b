package dev.maas.installer.ui.model;

import dev.maas.installer.engine.config.ConfigException;
import dev.maas.installer.engine.config.ConfigProblem;
import dev.maas.installer.engine.config.ConfigSections;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.engine.secrets.SecretRegistry;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableMap;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The wizard's configuration, its one source of truth: the {@link InstallerConfig} as the forms show it (built-in
 * defaults until a file is loaded, then every edit, valid or not), the file it came from, and what is wrong with it
 * ({@link #problems()}: one entry per form that has an invalid field, with the stages that field feeds). A run only
 * starts for stages no problem feeds ({@link WizardViewModel}), so a value that is shown invalid is never used, and
 * no older value is used in its place. Files are read off the FX thread by the loader; problems are shown with their
 * field paths. {@link #current()} may be read from any thread (the engine reads it for each run).
 */
public final class ConfigViewModel {
    public static final String DEFAULTS = "built-in defaults (no configuration file loaded)";

    private final Function<Path, CompletableFuture<InstallerConfig>> loader;
    private final Executor fx;
    private final LogViewModel log;
    private volatile InstallerConfig current;
    private final ReadOnlyObjectWrapper<Path> file = new ReadOnlyObjectWrapper<>(this, "file");
    private final ReadOnlyStringWrapper fileText = new ReadOnlyStringWrapper(this, "fileText", DEFAULTS);
    private final ReadOnlyStringWrapper errors = new ReadOnlyStringWrapper(this, "errors", "");
    private final ReadOnlyBooleanWrapper loading = new ReadOnlyBooleanWrapper(this, "loading", false);
    private final ObservableMap<String, InputProblem> problems = FXCollections.observableMap(new LinkedHashMap<>());
    private final ObservableMap<String, InputProblem> problemsView = FXCollections.unmodifiableObservableMap(problems);

    /**
     * What is wrong with one form's fields: the first problem ("sso.realm: ..."), and the ids of the stages the wrong
     * fields feed ({@link ConfigSections#stagesFed}).
     */
    public record InputProblem(String form, String text, Set<String> stages) {
        public InputProblem {
            stages = Set.copyOf(stages);
        }
    }

    /**
     * @param loader reads and validates a file off the FX thread (ConfigLoader.load in the app)
     * @param fx     runs the outcome on the FX thread
     */
    public ConfigViewModel(InstallerConfig initial, Function<Path, CompletableFuture<InstallerConfig>> loader,
                           Executor fx, LogViewModel log) {
        this.current = Objects.requireNonNull(initial, "initial");
        this.loader = Objects.requireNonNull(loader, "loader");
        this.fx = Objects.requireNonNull(fx, "fx");
        this.log = Objects.requireNonNull(log, "log");
    }

    /** The configuration the next run uses; any thread. */
    public InstallerConfig current() { return current; }

    /**
     * Replaces the configuration the next run uses with one edited in the wizard (e.g. the model list); the caller
     * has validated it. The file it came from stays shown. FX thread.
     */
    public void use(InstallerConfig edited) {
        current = Objects.requireNonNull(edited, "edited");
    }

    /**
     * A form's fields as typed: {@code edited} becomes the configuration, valid or not, and {@code found} (the
     * validator's problems of this form's fields; empty when they are valid) replaces what was wrong with the form.
     * FX thread.
     */
    public void edit(String form, InstallerConfig edited, List<ConfigProblem> found) {
        Objects.requireNonNull(form, "form");
        Objects.requireNonNull(edited, "edited");
        if (!edited.equals(current)) {
            current = edited;
        }
        if (found == null || found.isEmpty()) {
            problems.remove(form);
            return;
        }
        Set<String> stages = new LinkedHashSet<>();
        found.forEach(p -> stages.addAll(ConfigSections.stagesFed(p.path())));
        InputProblem p = new InputProblem(form, SecretRegistry.global().redact(FieldLabels.describeWithPage(found.get(0))), stages);
        if (!p.equals(problems.get(form))) {
            problems.put(form, p);
        }
    }

    /** The forms with an invalid field, read-only; empty when every field is valid. FX thread. */
    public ObservableMap<String, InputProblem> problems() { return problemsView; }

    /** The file the configuration came from; null for the built-in defaults. */
    public ReadOnlyObjectProperty<Path> fileProperty() { return file.getReadOnlyProperty(); }

    /** The file's path, or {@link #DEFAULTS}. */
    public ReadOnlyStringProperty fileTextProperty() { return fileText.getReadOnlyProperty(); }

    /** Why the last file could not be used, one problem a line ("field.path: what to fix"); empty when it loaded. */
    public ReadOnlyStringProperty errorsProperty() { return errors.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty loadingProperty() { return loading.getReadOnlyProperty(); }

    /**
     * Loads the file (FX thread; the reading happens elsewhere). On success the runs use it; on failure the
     * configuration in use stays and the problems are shown. Completes, on the FX thread, with whether it loaded.
     */
    public CompletableFuture<Boolean> load(Path path) {
        Objects.requireNonNull(path, "path");
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        loading.set(true);
        errors.set("");
        loader.apply(path).whenComplete((cfg, error) -> fx.execute(() -> {
            loading.set(false);
            if (error == null && cfg != null) {
                current = cfg;
                file.set(path);
                fileText.set(path.toString());
                note("INFO", "using the configuration " + path);
                done.complete(true);
                return;
            }
            errors.set(describe(unwrap(error), path));
            note("WARN", "the configuration " + path + " cannot be used: " + errors.get().replace('\n', ';'));
            done.complete(false);
        }));
        return done;
    }

    static String describe(Throwable t, Path path) {
        SecretRegistry secrets = SecretRegistry.global();
        if (t instanceof ConfigException ce && !ce.problems().isEmpty()) {
            return ce.problems().stream().map(ConfigProblem::toString).map(secrets::redact)
                    .collect(Collectors.joining("\n"));
        }
        return secrets.redact("cannot load " + path + ": " + (t == null ? "unknown error" : t.getMessage()));
    }

    private static Throwable unwrap(Throwable t) {
        return OffFxThread.cause(t);
    }

    private void note(String level, String message) {
        log.add(new LogLine(Instant.now(), level, "", "config", SecretRegistry.global().redact(message)));
    }
}
