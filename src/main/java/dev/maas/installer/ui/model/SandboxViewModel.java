package dev.maas.installer.ui.model;

import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.engine.secrets.SecretRegistry;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * "Use the local sandbox": starts the sandbox off the FX thread, then loads its {@code maas-installer.yaml} as the
 * wizard's configuration and connects to its kubeconfig through the Connect page's normal path, so the header shows
 * the sandbox badge. Testable without a window.
 */
public final class SandboxViewModel {
    /** The files of a started sandbox. */
    public record SandboxFiles(Path kubeconfig, Path configFile) { }

    public enum State { IDLE, STARTING, READY, FAILED }

    /** The kubeconfig context the sandbox writes. */
    public static final String CONTEXT = "sandbox";

    private final java.util.function.Function<java.util.function.Consumer<String>,
            CompletableFuture<SandboxFiles>> starter;
    private final Executor fx;
    private final ConnectionViewModel connection;
    private final ConfigViewModel config;
    private final LogViewModel log;
    private final ReadOnlyObjectWrapper<State> state = new ReadOnlyObjectWrapper<>(this, "state", State.IDLE);
    private final ReadOnlyStringWrapper statusText = new ReadOnlyStringWrapper(this, "statusText", "");
    private final BooleanBinding starting;

    /**
     * @param starter starts the sandbox (or gives the running one) off the FX thread
     * @param fx      runs the outcome on the FX thread
     */
    public SandboxViewModel(Supplier<CompletableFuture<SandboxFiles>> starter, Executor fx,
                            ConnectionViewModel connection, ConfigViewModel config, LogViewModel log) {
        this(phase -> starter.get(), fx, connection, config, log);
        Objects.requireNonNull(starter, "starter");
    }

    /**
     * @param starter starts the sandbox (or gives the running one) off the FX thread, telling the consumer it is
     *                given which part it is starting now (e.g. "Keycloak"), from any thread
     * @param fx      runs the outcome on the FX thread
     */
    public SandboxViewModel(java.util.function.Function<java.util.function.Consumer<String>,
                                    CompletableFuture<SandboxFiles>> starter, Executor fx,
                            ConnectionViewModel connection, ConfigViewModel config, LogViewModel log) {
        this.starter = Objects.requireNonNull(starter, "starter");
        this.fx = Objects.requireNonNull(fx, "fx");
        this.connection = Objects.requireNonNull(connection, "connection");
        this.config = Objects.requireNonNull(config, "config");
        this.log = Objects.requireNonNull(log, "log");
        starting = Bindings.createBooleanBinding(() -> state.get() == State.STARTING, state);
    }

    /** How the status text starts while the sandbox starts; the part being started follows, e.g. ": Keycloak…". */
    public static final String STARTING_PREFIX = "Starting the local sandbox";

    public ReadOnlyObjectProperty<State> stateProperty() { return state.getReadOnlyProperty(); }

    public State state() { return state.get(); }

    /** True while the sandbox starts (the page shows a spinner and disables the button). */
    public BooleanBinding starting() { return starting; }

    /** "Starting the local sandbox: Keycloak…", where it runs, or why it did not start. */
    public ReadOnlyStringProperty statusTextProperty() { return statusText.getReadOnlyProperty(); }

    /**
     * Starts (or reuses) the sandbox, then uses its configuration and connects to it (FX thread). False when it is
     * already starting. The returned future completes on the FX thread once the connection has been started.
     */
    public CompletableFuture<Boolean> useSandbox() {
        if (state.get() == State.STARTING) {
            return CompletableFuture.completedFuture(false);
        }
        state.set(State.STARTING);
        statusText.set(STARTING_PREFIX + "…");
        note("INFO", "starting the local sandbox (a simulated OpenShift cluster on this computer)");
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        java.util.function.Consumer<String> phase = p -> fx.execute(() -> {
            if (state.get() == State.STARTING && p != null && !p.isBlank()) {
                statusText.set(STARTING_PREFIX + ": " + p + "…");
            }
        });
        starter.apply(phase).whenComplete((files, error) -> fx.execute(() -> {
            if (error != null || files == null) {
                Throwable t = OffFxThread.cause(error);
                state.set(State.FAILED);
                statusText.set(SecretRegistry.global().redact("The local sandbox did not start: "
                        + (t == null ? "unknown error" : t.getMessage())));
                note("ERROR", statusText.get());
                done.complete(false);
                return;
            }
            config.load(files.configFile()).whenComplete((loaded, e2) -> {
                state.set(State.READY);
                statusText.set("The local sandbox is running on this computer; it stops when the wizard closes."
                        + " Its files: " + files.kubeconfig().getParent());
                connectTo(files.kubeconfig()).whenComplete((v, e3) -> done.complete(true));
            });
        }));
        return done;
    }

    /** Lists the sandbox kubeconfig's contexts (read off the FX thread), picks the sandbox's and connects. */
    private CompletableFuture<Void> connectTo(Path kubeconfig) {
        connection.modeProperty().set(ConnectionViewModel.Mode.KUBECONFIG);
        connection.kubeconfigPathProperty().set(kubeconfig.toString());
        return connection.loadContexts().thenRun(() -> {
            connection.contexts().stream().filter(c -> CONTEXT.equals(c.name())).findFirst()
                    .ifPresent(c -> connection.selectedContextProperty().set(c));
            if (!connection.connect()) {
                note("WARN", "could not connect to the sandbox yet: " + connection.statusTextProperty().get());
            }
        });
    }

    private void note(String level, String message) {
        log.add(new LogLine(Instant.now(), level, "", "sandbox", SecretRegistry.global().redact(message)));
    }
}
