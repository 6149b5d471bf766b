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
import dev.maas.installer.ui.model.ConfigViewModel;
import dev.maas.installer.ui.pages.PageServices;
import dev.maas.installer.ui.model.ConnectionViewModel;
import dev.maas.installer.ui.model.SandboxViewModel;
import dev.maas.installer.ui.model.StageViewModel;
import dev.maas.installer.ui.model.ThemeViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import dev.maas.installer.ui.view.ConnectionView;
import dev.maas.installer.ui.view.MainView;
import dev.maas.installer.ui.view.Themes;
import javafx.scene.Scene;

import java.nio.file.Files;
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
 * {@link WizardViewModel} and the {@link MainView}. The app ({@link WizardApp}) uses the defaults; tests pass their
 * own stages, stage-context factory and stage pages through the {@link Builder}.
 */
public final class WizardShell implements AutoCloseable {
    private final WizardViewModel model;
    private final EngineService engine;
    private final UiEventBridge bridge;
    private final Map<String, StagePage> pages;
    private final ConnectionService connections;
    private final ConnectionViewModel connection;
    private final SandboxService sandboxes;
    private final ConfigViewModel config;
    private final PageServices pageServices;
    private final SandboxViewModel sandbox;
    private final dev.maas.installer.ui.model.KeycloakDownloadViewModel keycloakDownload;
    private final boolean clusterGiven;
    private final boolean sandboxWhenNoCluster;
    private final ThemeViewModel theme;
    private Path deferredKubeconfig;
    private final Executor fxExecutor;
    private boolean warming;
    private MainView view;
    private final dev.maas.installer.ui.model.JourneyViewModel journey;
    private final dev.maas.installer.ui.model.ReviewViewModel review;
    private final dev.maas.installer.ui.model.SummaryViewModel summary;
    private final dev.maas.installer.ui.model.TryItViewModel tryIt;
    private final dev.maas.installer.ui.model.UsageViewModel usage;
    private final dev.maas.installer.ui.view.JourneyView.SaveChooser saveChooser;

    private WizardShell(Builder b) {
        this.pages = Map.copyOf(b.pages);
        this.theme = b.theme != null ? b.theme : ThemeViewModel.light();
        this.fxExecutor = b.fxExecutor;
        this.bridge = new UiEventBridge(b.fxExecutor);
        this.connections = new ConnectionService(b.trustStore != null ? b.trustStore : TrustStore.userDefault(),
                b.connect);
        Function<String, String> env = b.env != null ? b.env : System::getenv;
        Path home = b.home != null ? b.home : homeDir(env);
        String given = b.kubeconfig != null ? b.kubeconfig.toString() : System.getProperty(KUBECONFIG_PROPERTY);
        Path kubeconfig = given != null && !given.isBlank() ? Path.of(given.trim()) : defaultKubeconfig(env, home);
        this.clusterGiven = isClusterGiven(given, env, home);
        this.sandboxWhenNoCluster = b.sandboxWhenNoCluster;
        SandboxLauncher launcher = b.sandboxLauncher != null ? b.sandboxLauncher : new SandboxLauncher() {
            // LocalSandbox (and the sandbox classes) load only when a sandbox really starts
            @Override
            public Started start(Path dir) { return LocalSandbox.start(dir); }

            @Override
            public Started start(Path dir, java.util.function.Consumer<String> phase) {
                return LocalSandbox.start(dir, phase);
            }

            @Override
            public Started start(Path dir, java.util.function.Consumer<String> phase, KeycloakOffer offer) {
                return offer == null ? LocalSandbox.start(dir, phase) : LocalSandbox.start(dir, phase, offer, env);
            }
        };
        this.sandboxes = new SandboxService(launcher, b.sandboxDir != null ? b.sandboxDir : sandboxDir(env, home));
        dev.maas.installer.ui.model.LogViewModel log = new dev.maas.installer.ui.model.LogViewModel();
        ConfigViewModel config = new ConfigViewModel(InstallerConfig.defaults(), sandboxes::loadConfig, b.fxExecutor,
                log);
        this.config = config;
        PageServices services = b.pageLookups != null
                ? new PageServices(config, b.pageLookups.discovery(), b.pageLookups.appsDomain(),
                        b.pageLookups.background(), b.fxExecutor)
                : PageServices.of(config, connections::current, b.fxExecutor);
        this.pageServices = b.linkOpener == null ? services : services.withLinks(b.linkOpener);
        Function<Cancellation, StageContext> base = b.contextFactory != null ? b.contextFactory
                : c -> new StageContext(config.current(), SecretRegistry.global(), c);
        Function<Cancellation, StageContext> contexts = c -> {
            StageContext ctx = base.apply(c);
            connections.provideTo(ctx);
            return ctx;
        };
        // run journals go under XDG_STATE_HOME, else under the wizard's home folder (the builder's, in tests)
        Function<String, String> journalEnv = k -> "HOME".equals(k) ? home.toString() : env.apply(k);
        this.engine = new EngineService(b.stages, contexts, bridge, bridge::runFailed, journalEnv);
        List<StageViewModel> vms = new ArrayList<>();
        for (Stage s : b.stages) {
            StagePage page = pages.get(s.id());
            vms.add(new StageViewModel(s, page == null ? "" : page.description()));
        }
        this.model = new WizardViewModel(vms, new WizardViewModel.RunLauncher() {
            @Override
            public void start(Operation op, List<String> stageIds) {
                engine.start(op, stageIds, pageServices.prune().takeForRun(op, stageIds));
            }

            @Override
            public void cancel() { engine.cancel(); }
        }, log);
        bridge.connect(this::dispatch);
        // the kubeconfig is read on the pages' look-up threads, never on the FX thread
        this.connection = new ConnectionViewModel(connections, b.kubeconfigReader, pageServices.background(),
                b.fxExecutor, model.connectionProperty(), model.log(),
                b.proxyDefaults != null ? b.proxyDefaults : ProxySettings.fromEnvironment(),
                b.deferKubeconfigRead ? null : kubeconfig);
        this.deferredKubeconfig = b.deferKubeconfigRead ? kubeconfig : null;
        if (deferredKubeconfig != null) {
            connection.kubeconfigPathProperty().set(deferredKubeconfig.toString());
        }
        model.watchInputProblems(config.problems()); // an invalid field stops the stages it feeds
        pages.values().forEach(p -> {
            if (p instanceof dev.maas.installer.ui.pages.ConfigPage cp) {
                cp.attach(pageServices, contexts);
            }
        });
        // when the sandbox has no Keycloak at hand, the wizard offers the download (KeycloakDownloadDialog)
        this.keycloakDownload = new dev.maas.installer.ui.model.KeycloakDownloadViewModel(b.fxExecutor, model.log());
        sandboxes.keycloakOffer(keycloakDownload);
        this.sandbox = new SandboxViewModel(phase -> sandboxes.start(phase).thenApply(
                s -> new SandboxViewModel.SandboxFiles(s.kubeconfig(), s.configFile())),
                b.fxExecutor, connection, config, model.log());
        // every wait shows as progress: the sandbox starting, its kubeconfig read, then the connection being made
        model.waits().add(sandbox.starting(), sandbox.statusTextProperty());
        model.waits().add(connection.readingContextsProperty(), connection.contextsMessageProperty());
        model.waits().add(connection.connecting(), connection.statusTextProperty());
        this.saveChooser = b.saveChooser;
        // the guided journey: the window opens on the welcome page, Back/Next lead through connect, every stage,
        // review, apply and summary, and every new connection verifies every stage
        journey = new dev.maas.installer.ui.model.JourneyViewModel(model);
        review = new dev.maas.installer.ui.model.ReviewViewModel(model, journey, config,
                pageServices.background(), b.fxExecutor);
        summary = new dev.maas.installer.ui.model.SummaryViewModel(model, config::current,
                b.summaryLookup != null ? b.summaryLookup
                        : dev.maas.installer.ui.pages.SummaryLookup.engine(contexts),
                pageServices.background(), b.fxExecutor,
                b.linkOpener != null ? b.linkOpener : url -> { }, b.version, engine::lastJournal);
        tryIt = new dev.maas.installer.ui.model.TryItViewModel(model, config::current,
                b.tryItEngine != null ? b.tryItEngine : dev.maas.installer.ui.pages.TryItEngine.engine(contexts),
                pageServices.background(), b.fxExecutor);
        usage = new dev.maas.installer.ui.model.UsageViewModel(model, config::current,
                b.usageEngine != null ? b.usageEngine : dev.maas.installer.ui.pages.UsageEngine.engine(contexts),
                pageServices.background(), b.fxExecutor, java.time.Clock.systemDefaultZone());
        model.showPage(WizardViewModel.Page.WELCOME);
    }

    /** The guided journey (welcome to summary). */
    public dev.maas.installer.ui.model.JourneyViewModel journey() { return journey; }

    /** The journey's review page. */
    public dev.maas.installer.ui.model.ReviewViewModel review() { return review; }

    /** The journey's summary page. */
    public dev.maas.installer.ui.model.SummaryViewModel summary() { return summary; }

    /** The summary page's "Try it". */
    public dev.maas.installer.ui.model.TryItViewModel tryIt() { return tryIt; }

    /** The summary page's usage panel. */
    public dev.maas.installer.ui.model.UsageViewModel usage() { return usage; }

    /** A system property naming the kubeconfig the wizard starts with ({@code -Dmaas.kubeconfig=FILE}). */
    public static final String KUBECONFIG_PROPERTY = "maas.kubeconfig";

    public static Builder builder() { return new Builder(); }

    /** {@code $HOME} as {@code oc} and {@code kubectl} read it, else the JVM's {@code user.home}. */
    static Path homeDir(Function<String, String> env) {
        String home = env.apply("HOME");
        return home != null && !home.isBlank() && Path.of(home).isAbsolute() ? Path.of(home)
                : Path.of(System.getProperty("user.home"));
    }

    /** {@code KUBECONFIG}'s first file, else {@code HOME/.kube/config}. */
    static Path defaultKubeconfig(Function<String, String> env, Path home) {
        String kc = env.apply("KUBECONFIG");
        if (kc != null) {
            for (String part : kc.split(java.io.File.pathSeparator)) {
                if (!part.isBlank()) {
                    return Path.of(part.trim());
                }
            }
        }
        return home.resolve(".kube").resolve("config");
    }

    /** A cluster is given by an explicit kubeconfig, a {@code KUBECONFIG} variable, or a {@code ~/.kube/config}. */
    static boolean isClusterGiven(String explicitKubeconfig, Function<String, String> env, Path home) {
        if (explicitKubeconfig != null && !explicitKubeconfig.isBlank()) {
            return true;
        }
        String kc = env.apply("KUBECONFIG");
        return kc != null && !kc.isBlank() || Files.isRegularFile(home.resolve(".kube").resolve("config"));
    }

    /** {@code $XDG_DATA_HOME/maas-installer/sandbox}, else {@code HOME/.local/share/maas-installer/sandbox}. */
    static Path sandboxDir(Function<String, String> env, Path home) {
        String xdg = env.apply("XDG_DATA_HOME");
        Path data = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
                : home.resolve(".local").resolve("share");
        return data.resolve("maas-installer").resolve("sandbox");
    }

    /** Whether a cluster was given when the wizard started (else the app starts the local sandbox). */
    public boolean clusterGiven() { return clusterGiven; }

    /**
     * Call once the window is shown (FX thread; the app does, after the first frame): reads the kubeconfig's contexts
     * if that was deferred, then starts the local sandbox if no cluster was given (see
     * {@link #startSandboxIfNoCluster()}).
     */
    public void windowShown() {
        if (deferredKubeconfig != null) {
            deferredKubeconfig = null;
            connection.loadContexts();
        }
        startSandboxIfNoCluster();
        warmUpPages();
    }

    /**
     * {@code -Dmaas.ui.noWarmUp=true}: pages are built on their first show only (to measure what the warm-up saves;
     * see docs/benchmarks.md).
     */
    public static final String NO_WARM_UP_PROPERTY = "maas.ui.noWarmUp";

    /**
     * Builds the pages not shown yet ahead of their first show, so that opening one later does not hold up the FX
     * thread: first the classes of the pages and views load on a background thread ({@link ClassPreloader}), then
     * the main view builds one page at a time with pauses between ({@link MainView#warmUpPages()}). Called by
     * {@link #windowShown()}; FX thread.
     */
    void warmUpPages() {
        if (view == null || warming || Boolean.getBoolean(NO_WARM_UP_PROPERTY)) {
            return;
        }
        warming = true;
        MainView v = view;
        ClassPreloader.start().whenComplete((n, e) -> fxExecutor.execute(v::warmUpPages));
    }

    /**
     * Call once the window is shown (FX thread): when no cluster was given and the builder asked for it, starts the
     * local sandbox in the background and connects to it. True when it started the sandbox.
     */
    public boolean startSandboxIfNoCluster() {
        if (clusterGiven || !sandboxWhenNoCluster) {
            return false;
        }
        sandbox.useSandbox();
        return true;
    }

    /** The configuration the runs use, and "Load config…". */
    public ConfigViewModel config() { return config; }

    /** What the stage pages are attached to: the configuration, the look-ups, the prune choice, how links open. */
    public PageServices pageServices() { return pageServices; }

    /** "Use the local sandbox". */
    public SandboxViewModel sandbox() { return sandbox; }

    /** The Keycloak download the sandbox offers when it has no Keycloak at hand. */
    public dev.maas.installer.ui.model.KeycloakDownloadViewModel keycloakDownload() { return keycloakDownload; }

    /** The local sandbox behind {@link #sandbox()}. */
    public SandboxService sandboxes() { return sandboxes; }

    /** Button texts of the question asked when the window closes with the sandbox running. */
    public static final String KEEP_SANDBOX = "Keep the sandbox";
    public static final String DISCARD_SANDBOX = "Discard the sandbox";

    /**
     * Asks before {@code window} closes while the local sandbox runs: keep it (it stops, its files stay in its folder
     * for the next start), discard it (it stops and what it kept in its folder is deleted), or do not close. The
     * question is a dialog owned by the window; closing goes on once it is answered. FX thread.
     */
    public void confirmCloseOf(javafx.stage.Stage window) {
        window.addEventHandler(javafx.stage.WindowEvent.WINDOW_CLOSE_REQUEST, e -> {
            if (!sandboxes.isRunning()) {
                return;
            }
            e.consume();
            javafx.scene.control.ButtonType keep = new javafx.scene.control.ButtonType(KEEP_SANDBOX,
                    javafx.scene.control.ButtonBar.ButtonData.YES);
            javafx.scene.control.ButtonType discard = new javafx.scene.control.ButtonType(DISCARD_SANDBOX,
                    javafx.scene.control.ButtonBar.ButtonData.NO);
            javafx.scene.control.Alert ask = new javafx.scene.control.Alert(
                    javafx.scene.control.Alert.AlertType.CONFIRMATION, "Keep it: it stops now, and what is installed"
                    + " in it stays in its folder (" + sandboxes.dir() + ") for the next start. Discard it: it stops"
                    + " and what it kept there (cluster objects, 3scale, Keycloak data) is deleted; the next start"
                    + " makes a new, empty sandbox.", keep, discard,
                    javafx.scene.control.ButtonType.CANCEL);
            ask.setTitle("Close the MaaS Installer");
            ask.setHeaderText("The local sandbox is running. Keep it or discard it?");
            ask.initOwner(window);
            ask.getDialogPane().setId("closeSandboxDialog");
            ask.setOnHidden(h -> {
                javafx.scene.control.ButtonType answer = ask.getResult();
                if (answer == keep || answer == discard) {
                    sandboxes.discardOnClose(answer == discard);
                    window.close();   // hides without another close request; the app then stops the sandbox
                }
            });
            ask.show();
        });
    }

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
            dev.maas.installer.ui.view.JourneyView journeyView =
                    new dev.maas.installer.ui.view.JourneyView(model, journey, review, summary).tryIt(tryIt)
                            .usage(usage);
            if (saveChooser != null) {
                journeyView.chooser(saveChooser);
            }
            // the Connect page is made on its first show: the window opens on the welcome page
            view = new MainView(model, pages, () -> new ConnectionView(connection, sandbox, config), journeyView);
            view.installThemeToggle(theme);
            MainView shown = view;
            new dev.maas.installer.ui.view.KeycloakDownloadDialog(keycloakDownload,
                    () -> shown.getScene() == null ? null : shown.getScene().getWindow());
            theme.darkProperty().addListener((o, a, dark) -> Themes.apply(dark));
            theme.problemProperty().addListener((o, a, problem) -> {
                if (!problem.isEmpty()) {
                    model.log().add(new dev.maas.installer.engine.logging.LogLine(java.time.Instant.now(), "WARN",
                            null, "dev.maas.installer.ui", problem));
                }
            });
        }
        return view;
    }

    /** Light or dark, and where that is remembered; see {@link Builder#theme}. */
    public ThemeViewModel theme() { return theme; }

    /** A scene holding the view in the current theme, with the keyboard shortcuts installed (FX thread). */
    public Scene scene(double width, double height) {
        Themes.apply(theme.isDark());
        MainView v = view();
        Scene scene = new Scene(v, width, height);
        view().installAccelerators(scene);
        return scene;
    }

    /**
     * Puts the view into a scene that is already on screen (the app's opening frame, {@code OpeningView}), in the
     * current theme, with the keyboard shortcuts installed. FX thread.
     */
    public void attach(Scene scene) {
        Themes.apply(theme.isDark());
        MainView v = view();
        scene.setRoot(v);
        dev.maas.installer.ui.view.Mnemonics.prune(scene);   // the opening view's, left behind empty
        v.installAccelerators(scene);
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
        sandboxes.close();
    }

    /**
     * The stage pages' cluster look-ups (see {@link Builder#pageLookups}): blocking calls, run on {@code background}.
     *
     * @param discovery  the served models found on the cluster
     * @param appsDomain the cluster's apps domain; null when unknown
     */
    public record PageLookups(java.util.function.Supplier<List<dev.maas.installer.cluster.DiscoveredModel>> discovery,
                              java.util.function.Supplier<String> appsDomain, Executor background) {
        public PageLookups {
            Objects.requireNonNull(discovery, "discovery");
            Objects.requireNonNull(appsDomain, "appsDomain");
            Objects.requireNonNull(background, "background");
        }
    }

    /** How the shell is put together; every part has a default. */
    public static final class Builder {
        private List<? extends Stage> stages = Stages.all();
        private Function<Cancellation, StageContext> contextFactory;
        private final Map<String, StagePage> pages = new LinkedHashMap<>(StagePages.defaults());
        private Executor fxExecutor = javafx.application.Platform::runLater;
        private TrustStore trustStore;
        // a lambda, not a method reference: ClusterConnection (and fabric8) load at the first connect, not at startup
        private ConnectionService.Connect connect = (settings, trust) -> ClusterConnection.connect(settings, trust);
        // a lambda too: the kubeconfig classes load on the thread that first reads one, off the FX thread
        private ConnectionViewModel.KubeconfigReader kubeconfigReader = file -> Kubeconfigs.contexts(file);
        private ProxySettings proxyDefaults;
        private Path kubeconfig;
        private Function<String, String> env;
        private Path home;
        private Path sandboxDir;
        private SandboxLauncher sandboxLauncher;
        private boolean sandboxWhenNoCluster;
        private boolean deferKubeconfigRead;
        private ThemeViewModel theme;
        private java.util.function.Consumer<String> linkOpener;
        private dev.maas.installer.ui.view.JourneyView.SaveChooser saveChooser;
        private dev.maas.installer.ui.model.SummaryViewModel.Lookup summaryLookup;
        private dev.maas.installer.ui.model.TryItViewModel.Engine tryItEngine;
        private PageLookups pageLookups;
        private dev.maas.installer.ui.model.UsageViewModel.Engine usageEngine;
        private String version;

        private Builder() { }

        /**
         * The theme the window starts with and where a change is remembered (the app passes
         * {@link ThemeViewModel#remembered}); default light, remembering nothing.
         */
        public Builder theme(ThemeViewModel theme) {
            this.theme = Objects.requireNonNull(theme, "theme");
            return this;
        }

        /** Opens the summary page's links (the app: HostServices::showDocument); default: does nothing. */
        public Builder linkOpener(java.util.function.Consumer<String> opener) {
            this.linkOpener = Objects.requireNonNull(opener, "opener");
            return this;
        }

        /** Asks where "Export config…" and "Save diagnostics…" write (default: a FileChooser); for tests. */
        public Builder saveChooser(dev.maas.installer.ui.view.JourneyView.SaveChooser chooser) {
            this.saveChooser = Objects.requireNonNull(chooser, "chooser");
            return this;
        }

        /** The summary page's cluster look-ups (default: through the runs' stage contexts). */
        public Builder summaryLookup(dev.maas.installer.ui.model.SummaryViewModel.Lookup lookup) {
            this.summaryLookup = Objects.requireNonNull(lookup, "lookup");
            return this;
        }

        /** The summary page's "Try it" engine (default: the end-to-end test through the runs' stage contexts). */
        public Builder tryItEngine(dev.maas.installer.ui.model.TryItViewModel.Engine engine) {
            this.tryItEngine = Objects.requireNonNull(engine, "engine");
            return this;
        }

        /**
         * The stage pages' model discovery and apps-domain look-ups and the executor they run on (default: read
         * through the wizard's cluster connection, on the pages' look-up threads).
         */
        public Builder pageLookups(PageLookups lookups) {
            this.pageLookups = Objects.requireNonNull(lookups, "lookups");
            return this;
        }

        /** The summary page's usage engine (default: 3scale's analytics through the runs' stage contexts). */
        public Builder usageEngine(dev.maas.installer.ui.model.UsageViewModel.Engine engine) {
            this.usageEngine = Objects.requireNonNull(engine, "engine");
            return this;
        }

        /** The installer version written into the diagnostics zip. */
        public Builder version(String version) {
            this.version = version;
            return this;
        }

        /** The stages, in install order (default: {@link Stages#all()}). */
        public Builder stages(List<? extends Stage> stages) {
            this.stages = List.copyOf(Objects.requireNonNull(stages, "stages"));
            return this;
        }

        /**
         * Builds the context of each run, on the engine thread (never the FX thread), with the run's cancellation.
         * The context is closed when the run ends. Default: the wizard's configuration ({@link #config()}: built-in
         * defaults until a file is loaded) and the process-wide secret registry.
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

        /** How the Connect page reads a kubeconfig's contexts (default: {@link Kubeconfigs#contexts(Path)}). */
        public Builder kubeconfigReader(ConnectionViewModel.KubeconfigReader reader) {
            this.kubeconfigReader = Objects.requireNonNull(reader, "reader");
            return this;
        }

        /** The proxy the Connect page starts with (default: from HTTPS_PROXY/NO_PROXY). */
        public Builder proxyDefaults(ProxySettings proxy) {
            this.proxyDefaults = Objects.requireNonNull(proxy, "proxy");
            return this;
        }

        /**
         * The kubeconfig file the Connect page starts with; counts as a given cluster. Default: the system property
         * {@code maas.kubeconfig}, else {@code KUBECONFIG}'s first file, else {@code HOME/.kube/config}.
         */
        public Builder kubeconfig(Path file) {
            this.kubeconfig = Objects.requireNonNull(file, "file");
            return this;
        }

        /** Where environment variables are read (KUBECONFIG, XDG_DATA_HOME); default {@code System::getenv}. */
        public Builder env(Function<String, String> env) {
            this.env = Objects.requireNonNull(env, "env");
            return this;
        }

        /**
         * The user's home folder (for {@code ~/.kube/config} and the sandbox folder); default {@code $HOME}, else
         * {@code user.home}.
         */
        public Builder home(Path home) {
            this.home = Objects.requireNonNull(home, "home");
            return this;
        }

        /** Where the sandbox writes its files; default {@code ~/.local/share/maas-installer/sandbox}. */
        public Builder sandboxDir(Path dir) {
            this.sandboxDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** How the sandbox is started (default: the real local sandbox, loaded only when it starts). */
        public Builder sandboxLauncher(SandboxLauncher launcher) {
            this.sandboxLauncher = Objects.requireNonNull(launcher, "launcher");
            return this;
        }

        /** Whether {@link #startSandboxIfNoCluster()} starts the sandbox when no cluster is given (the app does). */
        public Builder sandboxWhenNoCluster(boolean yes) {
            this.sandboxWhenNoCluster = yes;
            return this;
        }

        /**
         * Whether the Connect page reads the kubeconfig's contexts (with fabric8) only in {@link #windowShown()},
         * so that nothing heavy loads before the first frame (the app does); default: at once.
         */
        public Builder deferKubeconfigRead(boolean yes) {
            this.deferKubeconfigRead = yes;
            return this;
        }


        public WizardShell build() { return new WizardShell(this); }
    }
}
