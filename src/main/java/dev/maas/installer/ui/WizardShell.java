package dev.maas.installer.ui;

import dev.maas.installer.cluster.ClusterConnection;
import dev.maas.installer.cluster.Kubeconfigs;
import dev.maas.installer.cluster.ProxySettings;
import dev.maas.installer.cluster.TrustStore;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunEvent;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.ui.model.ConnectionViewModel;
import dev.maas.installer.ui.model.StageViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import dev.maas.installer.ui.view.ConnectionView;
import dev.maas.installer.ui.view.MainView;
import javafx.scene.Scene;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The wizard's composition root: wires the stages, the {@link EngineService}, the {@link UiEventBridge}, the
 * {@link WizardViewModel} and the {@link MainView}. The app uses the defaults; tests and later issues pass their own
 * stages, stage-context factory and stage pages through the {@link Builder}.
 */
public final class WizardShell implements AutoCloseable {
    private final WizardViewModel model;
    private final EngineService engine;
    private final UiEventBridge bridge;
    private final Map<String, StagePage> pages;
    private final ConnectionService connections;
    private final ConnectionViewModel connection;
    private MainView view;

    private WizardShell(Builder b) {
        this.pages = Map.copyOf(b.pages);
        this.bridge = new UiEventBridge(b.fxExecutor);
        this.connections = new ConnectionService(b.trustStore != null ? b.trustStore : TrustStore.userDefault(),
                b.connect);
        Function<Cancellation, StageContext> base = b.contextFactory;
        this.engine = new EngineService(b.stages, c -> {
            StageContext ctx = base.apply(c);
            connections.provideTo(ctx);
            return ctx;
        }, bridge);
        List<StageViewModel> vms = new ArrayList<>();
        for (Stage s : b.stages) {
            StagePage page = pages.get(s.id());
            vms.add(new StageViewModel(s, page == null ? "" : page.description()));
        }
        this.model = new WizardViewModel(vms, new WizardViewModel.RunLauncher() {
            @Override
            public void start(Operation op, List<String> stageIds) { engine.start(op, stageIds); }

            @Override
            public void cancel() { engine.cancel(); }
        });
        bridge.connect(this::dispatch);
        this.connection = new ConnectionViewModel(connections, b.fxExecutor, model.connectionProperty(), model.log(),
                b.proxyDefaults != null ? b.proxyDefaults : ProxySettings.fromEnvironment(),
                b.kubeconfig != null ? b.kubeconfig : Kubeconfigs.defaultPath());
        if (b.startOnConnectPage) {
            model.showConnectPage();
        }
    }

    public static Builder builder() { return new Builder(); }

    /** The default stage context: the default configuration and the process-wide secret registry. */
    public static StageContext defaultContext(Cancellation cancellation) {
        return new StageContext(InstallerConfig.defaults(), SecretRegistry.global(), cancellation);
    }

    public WizardViewModel model() { return model; }

    public EngineService engine() { return engine; }

    public UiEventBridge bridge() { return bridge; }

    /** The Connect page's state. */
    public ConnectionViewModel connection() { return connection; }

    /** The cluster connection the runs use. */
    public ConnectionService connections() { return connections; }

    /** The window content, created on first call (FX thread). */
    public MainView view() {
        if (view == null) {
            view = new MainView(model, pages, new ConnectionView(connection));
        }
        return view;
    }

    /** A scene holding the view, with the keyboard shortcuts installed (FX thread). */
    public Scene scene(double width, double height) {
        Scene scene = new Scene(view(), width, height);
        view().installAccelerators(scene);
        return scene;
    }

    private void dispatch(List<UiEvent> batch) {
        List<RunEvent> events = new ArrayList<>(batch.size());
        for (UiEvent e : batch) {
            if (e instanceof UiEvent.Engine engineEvent) {
                events.add(engineEvent.event());
            } else if (e instanceof UiEvent.RunFailed failed) {
                model.onEngineEvents(events);
                events.clear();
                model.onRunFailed(failed.operation(), failed.stageIds(), failed.message());
            }
        }
        model.onEngineEvents(events);
    }

    @Override
    public void close() {
        engine.close();
        connections.close();
    }

    /** How the shell is put together; every part has a default. */
    public static final class Builder {
        private List<? extends Stage> stages = Stages.all();
        private Function<Cancellation, StageContext> contextFactory = WizardShell::defaultContext;
        private final Map<String, StagePage> pages = new LinkedHashMap<>(StagePages.defaults());
        private Executor fxExecutor = javafx.application.Platform::runLater;
        private TrustStore trustStore;
        private ConnectionService.Connect connect = ClusterConnection::connect;
        private ProxySettings proxyDefaults;
        private Path kubeconfig;
        private boolean startOnConnectPage;

        private Builder() { }

        /** The stages, in install order (default: {@link Stages#all()}). */
        public Builder stages(List<? extends Stage> stages) {
            this.stages = List.copyOf(Objects.requireNonNull(stages, "stages"));
            return this;
        }

        /**
         * Builds the context of each run, on the engine thread (never the FX thread), with the run's cancellation.
         * The context is closed when the run ends. Default: {@link #defaultContext(Cancellation)}.
         */
        public Builder contextFactory(Function<Cancellation, StageContext> factory) {
            this.contextFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** The page of one stage (description and inputs); replaces the default for that id. */
        public Builder page(String stageId, StagePage page) {
            pages.put(Objects.requireNonNull(stageId, "stageId"), Objects.requireNonNull(page, "page"));
            return this;
        }

        /** Where the bridge drains (default {@code Platform::runLater}); for view-model tests without a window. */
        public Builder fxExecutor(Executor executor) {
            this.fxExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Where trusted certificates are remembered (default: {@link TrustStore#userDefault()}). */
        public Builder trustStore(TrustStore store) {
            this.trustStore = Objects.requireNonNull(store, "store");
            return this;
        }

        /** How connections are made (default {@link ClusterConnection#connect}); called off the FX thread. */
        public Builder connect(ConnectionService.Connect connect) {
            this.connect = Objects.requireNonNull(connect, "connect");
            return this;
        }

        /** The proxy the Connect page starts with (default: from HTTPS_PROXY/NO_PROXY). */
        public Builder proxyDefaults(ProxySettings proxy) {
            this.proxyDefaults = Objects.requireNonNull(proxy, "proxy");
            return this;
        }

        /** The kubeconfig file the Connect page starts with (default: {@link Kubeconfigs#defaultPath()}). */
        public Builder kubeconfig(Path file) {
            this.kubeconfig = Objects.requireNonNull(file, "file");
            return this;
        }

        /** Whether the window opens on the Connect page (the app does) or on the first stage (default). */
        public Builder startOnConnectPage(boolean yes) {
            this.startOnConnectPage = yes;
            return this;
        }

        public WizardShell build() { return new WizardShell(this); }
    }
}
