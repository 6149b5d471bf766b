package dev.maas.installer.cli;

import dev.maas.installer.cluster.RunLock;
import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.sandbox.Sandbox;
import dev.maas.installer.sandbox.KeycloakDownload;
import dev.maas.installer.sandbox.KeycloakProcess;
import dev.maas.installer.sandbox.SandboxKeycloak;
import dev.maas.installer.sandbox.SandboxCluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code maas-installer sandbox --dir DIR}: runs the local sandbox (the strict test cluster with its simulated
 * operators) in the foreground on 127.0.0.1 until SIGTERM or Ctrl-C. Once it is ready it prints exactly one line on
 * stdout, {@code SANDBOX READY kubeconfig=DIR/kubeconfig config=DIR/maas-installer.yaml}; everything else goes to
 * stderr. On SIGTERM / Ctrl-C it stops everything it started and exits 0.
 */
@Command(name = "sandbox", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Runs a local sandbox cluster (a simulated OpenShift with OLM, its operator catalog and"
                + " served models) in the foreground, on 127.0.0.1 only, to try the installer without a cluster.",
                "It writes DIR/kubeconfig and DIR/sandbox.json (both mode 0600: they hold the sandbox's token) and"
                        + " DIR/maas-installer.yaml (a configuration that targets the sandbox), then prints one line"
                        + " on stdout: SANDBOX READY kubeconfig=DIR/kubeconfig config=DIR/maas-installer.yaml",
                "It starts a real Keycloak for the sso stage (a Keycloak distribution at hand, or the one"
                        + " --download-keycloak fetches once), or"
                        + " uses the one given with --keycloak-url; sandbox.json then holds its URL and admin"
                        + " credentials.",
                "In another terminal: maas-installer verify --config DIR/maas-installer.yaml",
                "Stop it with Ctrl-C (or SIGTERM); it stops everything it started and exits 0. Its state stays in"
                        + " DIR/state (and Keycloak's in DIR/keycloak-data): started again on DIR it resumes where it"
                        + " was; --fresh starts anew."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped with Ctrl-C or SIGTERM", "1:the sandbox failed unexpectedly",
                "2:invalid input (DIR cannot be created or written, the port is in use or out of range)"})
final class SandboxCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxCommand.class);
    static final Path DEFAULT_DIR = Path.of("sandbox");

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Folder for the sandbox's files and state (created when missing). Default: ./sandbox."
                    + " A sandbox started again on the same folder resumes its cluster objects, 3scale tenant and"
                    + " Keycloak data; --fresh starts anew.")
    Path dir;

    @Option(names = "--fresh",
            description = "Start a new sandbox: discard what an earlier sandbox left in DIR (its cluster objects,"
                    + " 3scale tenant, Keycloak data), after saying what is discarded. Default: resume it.")
    boolean fresh;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "0",
            description = "Port on 127.0.0.1 for the sandbox's API server (HTTPS). Default: 0, a free port.")
    int port;

    /** The environment variable with the admin password of the Keycloak given by {@code --keycloak-url}. */
    static final String KEYCLOAK_PASSWORD_ENV = "MAAS_SANDBOX_KEYCLOAK_PASSWORD";

    @Option(names = "--keycloak-url", paramLabel = "URL",
            description = "Use this running Keycloak instead of starting one: its server URL (e.g."
                    + " http://127.0.0.1:8080, or http://127.0.0.1:8080/auth for RH-SSO 7 and Keycloak before 17); its"
                    + " admin password comes from the environment variable " + KEYCLOAK_PASSWORD_ENV + ".")
    String keycloakUrl;

    @Option(names = "--sso-flavour", paramLabel = "FLAVOUR", defaultValue = "auto",
            description = "The SSO the sandbox is for, written into its configuration as sso.flavour: auto or rhsso"
                    + " (RH-SSO 7.6: the sandbox starts the legacy Keycloak 18 it is built on, under /auth), or rhbk"
                    + " (the Red Hat build of Keycloak: Keycloak 26). Default: auto (RH-SSO, as in the runbook).")
    String ssoFlavour;

    @Option(names = "--keycloak-admin-user", paramLabel = "USER", defaultValue = "admin",
            description = "The master-realm admin of --keycloak-url. Default: admin")
    String keycloakAdminUser;

    @Option(names = "--download-keycloak",
            description = "When no Keycloak distribution is at hand, download Keycloak (keycloak-quarkus-dist, about"
                    + " 200 MB) from Maven Central once into the user's data folder (XDG_DATA_HOME, default"
                    + " ~/.local/share/maas-installer/keycloak), its checksum verified, and start the sandbox with"
                    + " it; an interrupted download resumes. MAAS_KEYCLOAK_REPOSITORY names another Maven repository;"
                    + " https_proxy is honoured; HTTPS trusts the Java runtime's and the system's certificate"
                    + " authorities (SSL_CERT_FILE, SSL_CERT_DIR). Without it, such a sandbox runs without SSO.")
    boolean downloadKeycloak;

    @Option(names = "--no-keycloak",
            description = "Run without Keycloak (faster; the sso stage cannot be applied to such a sandbox)."
                    + " Default: start a Keycloak from the distribution the build fetched (about 1-2 minutes).")
    boolean noKeycloak;

    @Option(names = "--namespace-admin",
            description = "Run as a namespace admin instead of a cluster admin: admin of the namespaces the installer"
                    + " uses (rh-sso, 3scale, maas-installer) and, cluster-wide, only what every OpenShift user may;"
                    + " the rights follow RBAC, with what OLM adds to the admin role. Preflight then says what a"
                    + " cluster admin must do.")
    boolean namespaceAdmin;

    private final CliEnvironment env;
    /** The running sandbox (tests read it). */
    final AtomicReference<Sandbox> running = new AtomicReference<>();

    SandboxCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public Integer call() throws InterruptedException {
        Path target = env.workDir().resolve(dir != null ? dir : DEFAULT_DIR).toAbsolutePath().normalize();
        checkPort();
        checkDir(target);
        SandboxKeycloak keycloak = keycloakChoice();
        java.util.Optional<Sandbox.SavedState> saved;
        try {
            saved = Sandbox.saved(target);
        } catch (UncheckedIOException e) {
            throw new InvalidInputException(rootMessage(e) + " (start anew with --fresh, which discards it)");
        }
        if (fresh && saved.isPresent()) {
            err().println("Discarding the sandbox in " + target + ": " + saved.get().summary() + ".");
            try {
                Sandbox.discard(target);
            } catch (UncheckedIOException | IllegalStateException e) {
                throw new InvalidInputException(rootMessage(e) + " (is a sandbox still running on " + target
                        + "? stop it, or choose another folder with --dir)");
            }
        } else if (saved.isPresent()) {
            err().println("Resuming the sandbox in " + target + " (start anew with --fresh).");
        }
        err().flush();

        if (keycloak.enabled() && keycloakUrl == null && !keycloakAtHand()) {
            keycloak = downloadKeycloak ? download(keycloak) : SandboxKeycloak.none("no Keycloak distribution is"
                    + " at hand, and it was started without --download-keycloak");
        }

        Sandbox sandbox;
        try {
            if (keycloak.enabled()) {
                err().println(keycloakUrl == null ? "Starting the sandbox and its Keycloak (this takes a minute or"
                        + " two)..." : "Starting the sandbox with the Keycloak at " + keycloakUrl + "...");
                err().flush();
            }
            sandbox = Sandbox.run(target, SandboxCluster.Options.defaults().withPort(port), keycloak);
        } catch (UncheckedIOException e) {
            throw new InvalidInputException("cannot write the sandbox's files in " + target + ": "
                    + rootMessage(e) + " (choose another folder with --dir)");
        } catch (IllegalStateException e) {
            if (String.valueOf(e.getMessage()).startsWith("cannot resume the sandbox")) {
                throw new InvalidInputException(e.getMessage() + " (--fresh)");
            }
            if (String.valueOf(e.getMessage()).startsWith("a sandbox already runs on ")) {
                throw new InvalidInputException(e.getMessage() + " (--dir)");
            }
            if (keycloakUrl != null && String.valueOf(e.getMessage()).startsWith("the Keycloak at ")) {
                throw new InvalidInputException(e.getMessage() + " (--keycloak-url, " + KEYCLOAK_PASSWORD_ENV + ")");
            }
            if (port != 0 && !portFree(port)) {
                throw new InvalidInputException(portInUse());
            }
            throw e;
        }
        SecretRegistry.global().register(sandbox.cluster().token());
        if (namespaceAdmin) {
            InstallerConfig defaults = InstallerConfig.defaults();
            sandbox.cluster().asNamespaceAdmin(List.of(defaults.sso().namespace(), defaults.threescale().namespace(),
                    RunLock.NAMESPACE));
        }
        running.set(sandbox);
        try (AutoCloseable hook = env.interruptHook().install(() -> {
            LOG.info("stopping the sandbox");
            sandbox.close();
            err().println("Sandbox stopped.");
            err().flush();
            return ExitCodes.OK;
        })) {
            PrintWriter err = err();
            err.println(sandbox.startLine() + ".");
            err.println("Sandbox running at " + sandbox.cluster().url() + " (local only). Its files are in "
                    + sandbox.dir() + ".");
            if (namespaceAdmin) {
                err.println("Its user is a namespace admin (of rh-sso, 3scale and maas-installer), not a cluster"
                        + " admin.");
            }
            if (sandbox.keycloak() != null) {
                err.println("Keycloak at " + sandbox.keycloak().url() + " (admin " + sandbox.keycloak().adminUser()
                        + "; the password is in " + sandbox.sandboxJson() + ")"
                        + (sandbox.keycloak().startedHere() ? ", log " + sandbox.keycloak().process().logFile() : "")
                        + ".");
                err.println("  maas-installer apply --config " + sandbox.configFile() + " --stage sso --yes");
            } else {
                err.println("It runs without Keycloak (" + sandbox.keycloakAbsence() + "): SSO and the developer"
                        + " portal cannot be tried on it, and apply leaves the sso and portal stages out.");
                if (!downloadKeycloak && !noKeycloak && keycloakUrl == null) {
                    err.println("  For SSO, start it again with --download-keycloak (Keycloak "
                            + KeycloakProcess.distributionVersion() + " from Maven Central, downloaded once).");
                }
            }
            err.println("Try it from another terminal:");
            err.println("  maas-installer verify --config " + sandbox.configFile() + " --stage preflight");
            err.println("  maas-installer plan --config " + sandbox.configFile());
            err.println("Press Ctrl-C to stop it.");
            err.flush();
            PrintWriter out = spec.commandLine().getOut();
            out.println(sandbox.readyLine());
            out.flush();
            LOG.info("sandbox ready at {}", sandbox.cluster().url());
            sandbox.awaitStop();
        } catch (InterruptedException e) {
            sandbox.close();
            throw e;
        } catch (Exception e) {
            sandbox.close();
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e);
        } finally {
            running.set(null);
        }
        return ExitCodes.OK;
    }

    /** Whether a Keycloak distribution of either generation is found without a download. */
    private boolean keycloakAtHand() {
        return KeycloakProcess.distributionAtHand(KeycloakProcess.Generation.QUARKUS, env.workDir())
                || KeycloakProcess.distributionAtHand(KeycloakProcess.Generation.WILDFLY, env.workDir())
                || KeycloakDownload.of(env.env()).cached();
    }

    /**
     * Downloads Keycloak (size first, then progress in tenths), or says why not and runs the sandbox without it:
     * a failed download (no network, a bad checksum) leaves a sandbox for every stage but sso and portal.
     */
    private SandboxKeycloak download(SandboxKeycloak keycloak) {
        KeycloakDownload download = KeycloakDownload.of(env.env());
        PrintWriter err = err();
        Cancellation cancel = new Cancellation();
        try (AutoCloseable hook = env.interruptHook().install(() -> {
            cancel.cancel();
            err.println("Keycloak download stopped; what was fetched is kept, and the next --download-keycloak"
                    + " resumes it.");
            err.flush();
            return ExitCodes.FAILURE;
        })) {
            if (!download.cached()) {
                long size = download.size();
                err.println("Downloading Keycloak " + download.version() + " (" + KeycloakDownload.mebibytes(size)
                        + ") from " + download.shownUrl() + " ...");
                err.flush();
                int[] shown = {-1};
                download.fetch(cancel, (done, total) -> {
                    int tenth = total > 0 ? (int) (done * 10 / total) : -1;
                    if (tenth > shown[0]) {
                        shown[0] = tenth;
                        err.println("  " + tenth * 10 + "% (" + KeycloakDownload.mebibytes(done) + ")");
                        err.flush();
                    }
                });
                err.println("Keycloak " + download.version() + " is verified and kept in " + download.zip() + ".");
            }
            return keycloak.withDownloadedZip(download.zip());
        } catch (CancelledException e) {
            throw e;
        } catch (RuntimeException e) {
            err.println("Keycloak could not be downloaded: " + e.getMessage() + ".");
            err.flush();
            return SandboxKeycloak.none("the Keycloak download failed: " + e.getMessage());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private SandboxKeycloak keycloakChoice() {
        if (noKeycloak) {
            if (keycloakUrl != null) {
                throw new InvalidInputException("--no-keycloak and --keycloak-url exclude each other: give one");
            }
            return SandboxKeycloak.none("it was started with --no-keycloak");
        }
        String flavour = ssoFlavour == null ? "auto" : ssoFlavour.trim().toLowerCase(java.util.Locale.ROOT);
        if (!java.util.Set.of("auto", "rhsso", "rhbk").contains(flavour)) {
            throw new InvalidInputException("--sso-flavour '" + ssoFlavour + "' is not a flavour: use auto, rhsso or"
                    + " rhbk");
        }
        if (keycloakUrl == null) {
            return SandboxKeycloak.forFlavour(flavour);
        }
        URI uri;
        try {
            uri = new URI(keycloakUrl);
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null
                || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
            throw new InvalidInputException("--keycloak-url '" + keycloakUrl + "' is not an http(s) URL with a host,"
                    + " e.g. http://127.0.0.1:8080");
        }
        String password = env.env().apply(KEYCLOAK_PASSWORD_ENV);
        if (password == null || password.isEmpty()) {
            throw new InvalidInputException("--keycloak-url needs the admin password in the environment variable "
                    + KEYCLOAK_PASSWORD_ENV);
        }
        SecretRegistry.global().register(password);
        return SandboxKeycloak.existing(keycloakUrl, keycloakAdminUser, password);
    }

    private void checkPort() {
        if (port < 0 || port > 65535) {
            throw new InvalidInputException("--port " + port + " is not a port number (1-65535, or 0 for a free"
                    + " one)");
        }
        if (port != 0 && !portFree(port)) {
            throw new InvalidInputException(portInUse());
        }
    }

    private String portInUse() {
        return "port " + port + " on 127.0.0.1 is in use; choose another with --port, or leave it out to pick a"
                + " free one";
    }

    /** Whether nothing listens on 127.0.0.1:port (bound and released at once). */
    static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void checkDir(Path target) {
        try {
            Files.createDirectories(target);
        } catch (IOException e) {
            throw new InvalidInputException("cannot create the sandbox folder " + target + ": "
                    + describe(e) + " (choose another folder with --dir)");
        }
        if (!Files.isDirectory(target) || !Files.isWritable(target)) {
            throw new InvalidInputException("the sandbox folder " + target + " is not writable (choose another"
                    + " folder with --dir)");
        }
    }

    private static String describe(IOException e) {
        String name = e.getClass().getSimpleName();
        return switch (name) {
            case "FileAlreadyExistsException" -> "a file of that name exists";
            case "AccessDeniedException" -> "permission denied";
            default -> e.getMessage() != null ? e.getMessage() : name;
        };
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t instanceof IOException io ? describe(io) : String.valueOf(t.getMessage());
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
