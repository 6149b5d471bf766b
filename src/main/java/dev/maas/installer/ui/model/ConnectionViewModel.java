package dev.maas.installer.ui.model;

import dev.maas.installer.cluster.CertificateInfo;
import dev.maas.installer.cluster.ClusterException;
import dev.maas.installer.cluster.ConnectionSettings;
import dev.maas.installer.cluster.KubeContext;
import dev.maas.installer.cluster.Kubeconfigs;
import dev.maas.installer.cluster.ProxySettings;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.engine.secrets.SecretRegistry;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The state of the Connect page: a kubeconfig file and one of its contexts, or an API URL and a token; an optional CA
 * file and the HTTPS proxy. {@link #connect()} hands the settings to a {@link Connector}, which works off the FX
 * thread; the outcome comes back through the FX executor and sets the wizard's header ({@link ConnectionInfo}), or
 * an error with what to do, or, for an untrusted certificate, the certificate to show and trust. The kubeconfig's
 * contexts are read by a {@link KubeconfigReader} on the background executor, never on the FX thread; meanwhile the
 * page says that it is reading them. The token is registered as a secret and never shown or logged. Testable without
 * a window.
 */
public final class ConnectionViewModel {
    /** What the page needs from the connection side; every method returns at once and works on another thread. */
    public interface Connector {
        CompletableFuture<ConnectionInfo> connect(ConnectionSettings settings);

        CompletableFuture<Void> trust(String clusterUrl, CertificateInfo certificate);

        void disconnect();
    }

    /** Reads the contexts of a kubeconfig file, in file order; called on the background executor. */
    @FunctionalInterface
    public interface KubeconfigReader {
        /** Throws a {@link StageException} saying what is wrong with the file and what to do. */
        List<KubeContext> contexts(Path kubeconfig);
    }

    /** What the page shows while the kubeconfig is read. */
    public static final String READING_CONTEXTS = "Reading the kubeconfig file…";

    public enum Mode {
        KUBECONFIG("Kubeconfig context"), TOKEN("API URL and token");

        private final String label;

        Mode(String label) { this.label = label; }

        @Override
        public String toString() { return label; }
    }

    public enum State { NOT_CONNECTED, CONNECTING, CONNECTED, FAILED }

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    private final Connector connector;
    private final KubeconfigReader reader;
    private final Executor background;
    private final Executor fx;
    private final ObjectProperty<ConnectionInfo> header;
    private final LogViewModel log;

    private final ObjectProperty<Mode> mode = new SimpleObjectProperty<>(this, "mode", Mode.KUBECONFIG);
    private final StringProperty kubeconfigPath = new SimpleStringProperty(this, "kubeconfigPath", "");
    private final ObservableList<KubeContext> contexts = FXCollections.observableArrayList();
    private final ObjectProperty<KubeContext> selectedContext = new SimpleObjectProperty<>(this, "selectedContext");
    private final ReadOnlyStringWrapper contextsMessage = new ReadOnlyStringWrapper(this, "contextsMessage", "");
    private final ReadOnlyBooleanWrapper readingContexts = new ReadOnlyBooleanWrapper(this, "readingContexts", false);
    /** Counts the reads: only the latest one's result is shown. */
    private long reads;
    /** The kubeconfig file whose contexts are listed; null while none are. */
    private String contextsOf;
    private final StringProperty apiUrl = new SimpleStringProperty(this, "apiUrl", "");
    private final StringProperty token = new SimpleStringProperty(this, "token", "");
    private final StringProperty caFile = new SimpleStringProperty(this, "caFile", "");
    private final StringProperty proxyUrl = new SimpleStringProperty(this, "proxyUrl", "");
    private final StringProperty noProxy = new SimpleStringProperty(this, "noProxy", "");

    private final ReadOnlyObjectWrapper<State> state = new ReadOnlyObjectWrapper<>(this, "state", State.NOT_CONNECTED);
    private final ReadOnlyStringWrapper statusText = new ReadOnlyStringWrapper(this, "statusText", "Not connected.");
    private final ReadOnlyObjectWrapper<ClusterException.Kind> errorKind = new ReadOnlyObjectWrapper<>(this, "errorKind");
    private final ReadOnlyStringWrapper errorTitle = new ReadOnlyStringWrapper(this, "errorTitle", "");
    private final ReadOnlyStringWrapper errorMessage = new ReadOnlyStringWrapper(this, "errorMessage", "");
    private final ReadOnlyStringWrapper errorFix = new ReadOnlyStringWrapper(this, "errorFix", "");
    private final ReadOnlyObjectWrapper<CertificateInfo> certificate = new ReadOnlyObjectWrapper<>(this, "certificate");
    private final ReadOnlyStringWrapper certificateUrl = new ReadOnlyStringWrapper(this, "certificateUrl", "");
    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(this, "busy", false);
    private final BooleanBinding connecting;

    /**
     * @param reader     reads a kubeconfig's contexts ({@link Kubeconfigs#contexts(Path)} in the app)
     * @param background where the kubeconfig is read (never the FX thread)
     * @param fx         runs the outcome on the FX thread ({@code Platform::runLater} in the app)
     * @param header     where the connection goes for the header (the wizard's connection property)
     */
    public ConnectionViewModel(Connector connector, KubeconfigReader reader, Executor background, Executor fx,
                               ObjectProperty<ConnectionInfo> header, LogViewModel log, ProxySettings proxyDefaults,
                               Path defaultKubeconfig) {
        this.connector = Objects.requireNonNull(connector, "connector");
        this.reader = Objects.requireNonNull(reader, "reader");
        this.background = Objects.requireNonNull(background, "background");
        this.fx = Objects.requireNonNull(fx, "fx");
        this.header = Objects.requireNonNull(header, "header");
        this.log = Objects.requireNonNull(log, "log");
        ProxySettings p = proxyDefaults == null ? ProxySettings.NONE : proxyDefaults;
        proxyUrl.set(p.httpsProxy() == null ? "" : p.httpsProxy());
        noProxy.set(String.join(",", p.noProxy()));
        connecting = Bindings.createBooleanBinding(() -> state.get() == State.CONNECTING, state);
        if (defaultKubeconfig != null) {
            kubeconfigPath.set(defaultKubeconfig.toString());
            loadContexts();
        }
    }

    // ---- inputs ----

    public ObjectProperty<Mode> modeProperty() { return mode; }

    public StringProperty kubeconfigPathProperty() { return kubeconfigPath; }

    /** The contexts of the kubeconfig file, in file order; {@link KubeContext#label()} for display. */
    public ObservableList<KubeContext> contexts() { return contexts; }

    public ObjectProperty<KubeContext> selectedContextProperty() { return selectedContext; }

    /** Why the contexts could not be read, or how many there are, or {@link #READING_CONTEXTS}. */
    public ReadOnlyStringProperty contextsMessageProperty() { return contextsMessage.getReadOnlyProperty(); }

    /** True while the kubeconfig file is read (Connect waits for it). */
    public ReadOnlyBooleanProperty readingContextsProperty() { return readingContexts.getReadOnlyProperty(); }

    public StringProperty apiUrlProperty() { return apiUrl; }

    /** Bound to a password field only; registered as a secret when it is used to connect. */
    public StringProperty tokenProperty() { return token; }

    public StringProperty caFileProperty() { return caFile; }

    public StringProperty proxyUrlProperty() { return proxyUrl; }

    public StringProperty noProxyProperty() { return noProxy; }

    // ---- outcome ----

    public ReadOnlyObjectProperty<State> stateProperty() { return state.getReadOnlyProperty(); }

    public State state() { return state.get(); }

    /** "Connecting to …", "Connected to …", or what failed, in one line. */
    public ReadOnlyStringProperty statusTextProperty() { return statusText.getReadOnlyProperty(); }

    public BooleanBinding connecting() { return connecting; }

    /** True while connecting or saving a trusted certificate: the Connect and Trust buttons are disabled. */
    public ReadOnlyBooleanProperty busyProperty() { return busy.getReadOnlyProperty(); }

    public ReadOnlyObjectProperty<ClusterException.Kind> errorKindProperty() { return errorKind.getReadOnlyProperty(); }

    public ReadOnlyStringProperty errorTitleProperty() { return errorTitle.getReadOnlyProperty(); }

    public ReadOnlyStringProperty errorMessageProperty() { return errorMessage.getReadOnlyProperty(); }

    public ReadOnlyStringProperty errorFixProperty() { return errorFix.getReadOnlyProperty(); }

    /** The certificate an untrusted server presented; null otherwise. */
    public ReadOnlyObjectProperty<CertificateInfo> certificateProperty() { return certificate.getReadOnlyProperty(); }

    /** The cluster URL the certificate would be trusted for. */
    public ReadOnlyStringProperty certificateUrlProperty() { return certificateUrl.getReadOnlyProperty(); }

    /** The certificate's details as lines of "Label: value", for the page. */
    public static List<String[]> certificateDetails(CertificateInfo c) {
        return List.of(
                new String[] {"Subject", c.subject()},
                new String[] {"Issuer", c.issuer() + (c.selfSigned() ? " (self-signed)" : "")},
                new String[] {"Valid", DATE.format(c.notBefore()) + " to " + DATE.format(c.notAfter())
                        + (c.notAfter().isBefore(Instant.now()) ? " (EXPIRED)" : "")},
                new String[] {"SHA-256", c.sha256Fingerprint()});
    }

    // ---- commands (FX thread) ----

    /**
     * Reads the contexts of the kubeconfig file on the background executor and then, on the FX thread, lists them and
     * preselects the context chosen before (same file, a context of that name still there), else the file's current
     * context. Meanwhile the list is empty and {@link #contextsMessageProperty()} says that the file is being read. A
     * later call wins over an earlier one still reading.
     *
     * @return completes on the FX thread once the contexts (or why they cannot be read) are shown
     */
    public CompletableFuture<Void> loadContexts() {
        long read = ++reads;
        String path = kubeconfigPath.get() == null ? "" : kubeconfigPath.get().trim();
        KubeContext before = selectedContext.get();
        String keep = before != null && path.equals(contextsOf) ? before.name() : null;
        contexts.clear();
        selectedContext.set(null);
        contextsOf = null;
        if (path.isEmpty()) {
            readingContexts.set(false);
            contextsMessage.set("Choose a kubeconfig file.");
            return CompletableFuture.completedFuture(null);
        }
        readingContexts.set(true);
        contextsMessage.set(READING_CONTEXTS);
        CompletableFuture<Void> shown = new CompletableFuture<>();
        CompletableFuture.supplyAsync(() -> reader.contexts(Path.of(path)), background)
                .whenComplete((found, error) -> fx.execute(() -> {
                    if (read == reads) {
                        showContexts(path, keep, found, error);
                    }
                    shown.complete(null);
                }));
        return shown;
    }

    private void showContexts(String path, String keep, List<KubeContext> found, Throwable error) {
        readingContexts.set(false);
        if (error != null) {
            Throwable t = unwrap(error);
            contextsMessage.set(t instanceof StageException e ? SecretRegistry.global().redact(e.describe())
                    : "Cannot read " + path + ": " + SecretRegistry.global().redact(String.valueOf(t.getMessage())));
            return;
        }
        contexts.setAll(found);
        contextsOf = path;
        selectedContext.set(found.stream().filter(c -> c.name().equals(keep)).findFirst()
                .or(() -> found.stream().filter(KubeContext::current).findFirst())
                .orElse(found.isEmpty() ? null : found.get(0)));
        contextsMessage.set(found.isEmpty() ? "The kubeconfig has no contexts; log in with `oc login` first."
                : found.size() == 1 ? "1 context in this file" : found.size() + " contexts in this file");
    }

    /** The settings the inputs describe; throws {@link ClusterException} (BAD_SETTINGS) naming the field to fix. */
    public ConnectionSettings settings() {
        Path ca = blank(caFile.get()) ? null : Path.of(caFile.get().trim());
        ProxySettings proxy = new ProxySettings(proxyUrl.get(),
                blank(noProxy.get()) ? List.of() : Arrays.asList(noProxy.get().split(",")));
        if (mode.get() == Mode.TOKEN) {
            String url = apiUrl.get() == null ? "" : apiUrl.get().trim();
            if (!url.startsWith("https://") && !url.startsWith("http://")) {
                throw bad("enter the API URL, e.g. https://api.cluster.example.com:6443",
                        "copy it from `oc whoami --show-server` or from the web console's \"Copy login command\"");
            }
            if (blank(token.get())) {
                throw bad("paste a token", "`oc whoami -t` prints yours; or use the web console: your user name"
                        + " > Copy login command");
            }
            // registered before it goes anywhere (not while typed: every prefix would become a "secret")
            String t = SecretRegistry.global().register(token.get().trim());
            return new ConnectionSettings(null, null, url, t, ca, proxy, null);
        }
        if (blank(kubeconfigPath.get())) {
            throw bad("choose a kubeconfig file", "log in with `oc login` (it writes ~/.kube/config), or use an"
                    + " API URL and a token");
        }
        KubeContext ctx = selectedContext.get();
        if (ctx == null && readingContexts.get()) {
            throw bad("the kubeconfig file is still being read", "wait until its contexts are listed");
        }
        if (ctx == null) {
            throw bad("choose a context of the kubeconfig", "log in with `oc login` to add one");
        }
        return new ConnectionSettings(Path.of(kubeconfigPath.get().trim()), ctx.name(), null, null, ca, proxy, null);
    }

    /** The cluster URL these settings connect to, for messages ("Connecting to …"). */
    private String target(ConnectionSettings s) {
        if (s.usesToken()) {
            return s.apiUrl();
        }
        KubeContext ctx = selectedContext.get();
        return ctx != null && ctx.clusterUrl() != null ? ctx.clusterUrl() : "the cluster of context " + s.context();
    }

    /** Starts connecting (off the FX thread); false when already busy or the inputs are incomplete. */
    public boolean connect() {
        if (busy.get()) {
            return false;
        }
        ConnectionSettings s;
        try {
            s = settings();
        } catch (ClusterException e) {
            fail(e, null);
            return false;
        }
        String url = target(s);
        clearError();
        header.set(null);
        busy.set(true);
        state.set(State.CONNECTING);
        statusText.set("Connecting to " + url + " …");
        note("INFO", "connecting to " + url + (s.usesToken() ? " with a token" : " (context " + s.context() + ")")
                + ", proxy " + s.proxy().display());
        connector.connect(s).whenComplete((info, error) -> fx.execute(() -> finished(url, info, error)));
        return true;
    }

    /**
     * Trusts the certificate shown, for the URL shown (the explicit user action of the "Trust this certificate"
     * button), then connects again.
     */
    public boolean trustAndReconnect() {
        CertificateInfo cert = certificate.get();
        String url = certificateUrl.get();
        if (cert == null || blank(url) || busy.get()) {
            return false;
        }
        busy.set(true);
        statusText.set("Trusting the certificate for " + url + " …");
        connector.trust(url, cert).whenComplete((v, error) -> fx.execute(() -> {
            busy.set(false);
            if (error != null) {
                Throwable t = unwrap(error);
                errorTitle.set("The certificate could not be saved");
                errorMessage.set(SecretRegistry.global().redact(String.valueOf(t.getMessage())));
                errorFix.set("check that your configuration folder is writable, or give the cluster's CA file");
                state.set(State.FAILED);
                return;
            }
            note("INFO", "trusted the certificate with SHA-256 " + cert.sha256Fingerprint() + " for " + url);
            connect();
        }));
        return true;
    }

    /** Forgets the connection; runs that need the cluster say "Connect first" again. */
    public void disconnect() {
        if (busy.get()) {
            return;
        }
        connector.disconnect();
        header.set(null);
        clearError();
        state.set(State.NOT_CONNECTED);
        statusText.set("Not connected.");
    }

    private void finished(String url, ConnectionInfo info, Throwable error) {
        busy.set(false);
        if (error == null && info != null) {
            header.set(info);
            state.set(State.CONNECTED);
            statusText.set(info.describe() + (info.sandbox() ? " — this is the local sandbox, not a real cluster" : ""));
            note("INFO", info.describe() + (info.sandbox() ? " (local sandbox)" : ""));
            return;
        }
        Throwable t = unwrap(error);
        fail(t, url);
    }

    private void fail(Throwable t, String url) {
        clearError();
        ClusterException.Kind kind = t instanceof ClusterException ce ? ce.kind() : ClusterException.Kind.API_ERROR;
        String message = SecretRegistry.global().redact(String.valueOf(t.getMessage()));
        String fix = t instanceof StageException se && se.fix() != null
                ? SecretRegistry.global().redact(se.fix().toString()) : "check the settings and try again";
        errorKind.set(kind);
        errorTitle.set(title(kind));
        errorMessage.set(message);
        errorFix.set(fix);
        note(kind == ClusterException.Kind.BAD_SETTINGS ? "WARN" : "ERROR", message + " (what to do: " + fix + ")");
        if (kind == ClusterException.Kind.UNTRUSTED_CERTIFICATE && t instanceof ClusterException ce
                && ce.certificate() != null && url != null && url.startsWith("https://")) {
            // the page shows the certificate itself below, so the words stay short (the log has them in full)
            boolean changed = message.contains("differs from the certificate you trusted");
            errorMessage.set(changed
                    ? "The certificate of " + url + " differs from the one you trusted earlier. This can mean that the"
                    + " cluster's certificate was renewed, or that someone intercepts the connection."
                    : "The certificate of " + url + " is not signed by an authority this computer trusts (a"
                    + " self-signed certificate or a private CA).");
            errorFix.set("compare the SHA-256 fingerprint below with the one your cluster administrator gives you"
                    + " (`openssl s_client -connect HOST:PORT | openssl x509 -noout -fingerprint -sha256`). If they"
                    + " match, press \"Trust this certificate\"; otherwise do not connect. Or give the cluster's CA file"
                    + " under \"CA file and proxy\".");
            certificate.set(ce.certificate());
            certificateUrl.set(url);
        } else {
            errorMessage.set(capitalize(message));
        }
        state.set(State.FAILED);
        statusText.set(errorTitle.get());
    }

    static String title(ClusterException.Kind kind) {
        return switch (kind) {
            case UNREACHABLE -> "Cannot reach the cluster";
            case UNTRUSTED_CERTIFICATE -> "The cluster's certificate is not trusted";
            case UNAUTHORIZED -> "Not logged in: the cluster did not accept the credentials (401)";
            case FORBIDDEN -> "Permission denied (403)";
            case BAD_SETTINGS -> "The connection settings are incomplete";
            case API_ERROR -> "The API server answered with an error";
        };
    }

    private void clearError() {
        errorKind.set(null);
        errorTitle.set("");
        errorMessage.set("");
        errorFix.set("");
        certificate.set(null);
        certificateUrl.set("");
    }

    private void note(String level, String message) {
        log.add(new LogLine(Instant.now(), level, "", "connection", SecretRegistry.global().redact(message)));
    }

    private static ClusterException bad(String what, String fix) {
        return new ClusterException(ClusterException.Kind.BAD_SETTINGS, "Cannot connect yet: " + what,
                dev.maas.installer.engine.Fix.manual(fix), null);
    }

    private static Throwable unwrap(Throwable t) {
        return OffFxThread.cause(t);
    }

    private static boolean blank(String s) { return s == null || s.isBlank(); }

    private static String capitalize(String s) {
        return s == null || s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
