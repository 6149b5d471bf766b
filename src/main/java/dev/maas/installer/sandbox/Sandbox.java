package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The local sandbox: the {@link TestCluster} running as a server on loopback, with the files a user (or the CLI's
 * {@code sandbox --dir DIR}) needs to point the installer at it:
 * <ul>
 *   <li>{@code DIR/kubeconfig} (mode 0600): context {@code sandbox}, the API URL and the bearer token;</li>
 *   <li>{@code DIR/sandbox.json} (mode 0600): each endpoint of the sandbox and its credentials,
 *       {@code {"kubernetes":{"url":..,"token":..,"context":"sandbox"},
 *       "threescale":{"adminUrl":..,"accessToken":..,"journal":..,"masterUrl":..,"masterAccessToken":..},
 *       "keycloak":{"url":..,"adminUser":..,"adminPassword":..}}} (keycloak only when the sandbox has one);</li>
 *   <li>{@code DIR/3scale-requests.jsonl}: the journal of every request the 3scale simulator answered;</li>
 *   <li>{@code DIR/maas-installer.yaml}: a configuration that targets the sandbox, with the 3scale simulator's URL
 *       as {@code endpoints.threescaleAdminUrl} and {@code threescaleMasterUrl} (the desktop cannot resolve the
 *       sandbox's Route hosts, so the simulated APIManager's routes are reached through these overrides);</li>
 *   <li>with a Keycloak ({@link SandboxKeycloak}, started by default): {@code endpoints.keycloakUrl} and a
 *       placeholder identity provider in the config, and its client secret in {@code DIR/idp-client-secret} (0600).</li>
 * </ul>
 * The overrides are HTTPS on 127.0.0.1, served as the cluster's router serves the Routes: with the cluster's default
 * ingress certificate, signed by its self-signed ingress CA ({@link SandboxIngress}), which the JVM does not trust.
 * The installer trusts it as on a real cluster, from the ConfigMap the cluster publishes it in.
 * It prints nothing: the caller prints {@link #readyLine()} once {@link #run} returns, and calls {@link #close()}
 * (e.g. from a shutdown hook on SIGTERM / Ctrl-C) to stop everything it started.
 */
public final class Sandbox implements AutoCloseable {
    public static final String KUBECONFIG = "kubeconfig";
    public static final String SANDBOX_JSON = "sandbox.json";
    public static final String CONFIG = "maas-installer.yaml";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final TestCluster cluster;
    private final ThreescaleSimulator threescale;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** The HTTPS front of the 3scale simulator, with the cluster's ingress certificate (as its Routes are served). */
    private volatile TlsFront threescaleFront;
    /** The HTTPS front of the Keycloak (null without one). */
    private volatile TlsFront keycloakFront;
    /** The sandbox's Keycloak (null without one); see {@link SandboxKeycloak}. */
    private volatile SandboxKeycloak.Running keycloak;

    private Sandbox(Path dir, TestCluster cluster, ThreescaleSimulator threescale) {
        this.dir = dir;
        this.cluster = cluster;
        this.threescale = threescale;
    }

    /** Starts the sandbox with the default options (HTTPS on 127.0.0.1, a free port) and writes its files. */
    public static Sandbox run(Path dir) {
        return run(dir, TestCluster.Options.defaults());
    }

    /**
     * Starts the sandbox, with a Keycloak started from the distribution when one can be found (else without, with a
     * warning), and writes its files.
     */
    public static Sandbox run(Path dir, TestCluster.Options options) {
        return run(dir, options, SandboxKeycloak.startIfAvailable());
    }

    /** Starts the sandbox with that Keycloak ({@link SandboxKeycloak}) and writes its files; returns when ready. */
    public static Sandbox run(Path dir, TestCluster.Options options, SandboxKeycloak keycloakChoice) {
        Path abs = dir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(abs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the sandbox folder " + abs, e);
        }
        TestCluster cluster = TestCluster.start(options);
        ThreescaleSimulator threescale = null;
        Sandbox sandbox = null;
        try {
            threescale = ThreescaleSimulator.start(SimulatorOptions.defaults()
                    .withDomain(ThreescaleSimulator.DEFAULT_TENANT, cluster.appsDomain())
                    .withJournal(ThreescaleSimulator.journalIn(abs)));
            cluster.addOperator(new ApiManagerSimulator(threescale, ApiManagerSimulator.Behaviour.defaults()));
            sandbox = new Sandbox(abs, cluster, threescale);
            sandbox.threescaleFront = cluster.ingress().front(URI.create(threescale.url()).getPort());
            sandbox.keycloak = keycloakChoice.open(abs, cluster);
            if (sandbox.keycloak != null) {
                sandbox.keycloakFront = cluster.ingress().front(URI.create(sandbox.keycloak.url()).getPort());
            }
            sandbox.writeFiles();
            return sandbox;
        } catch (RuntimeException e) {
            // close what was started, once; the error the caller sees is the one that stopped the start
            try {
                if (sandbox != null) {
                    sandbox.close();
                } else {
                    try {
                        cluster.close();
                    } finally {
                        if (threescale != null) {
                            threescale.close();
                        }
                    }
                }
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private void writeFiles() {
        writePrivate(kubeconfig(), cluster.kubeconfigYaml());

        ObjectNode json = JSON.createObjectNode().put("sandbox", true);
        ObjectNode k8s = json.putObject("kubernetes").put("url", cluster.url()).put("token", cluster.token())
                .put("context", TestCluster.CONTEXT).put("user", TestCluster.USER)
                .put("appsDomain", cluster.appsDomain());
        if (cluster.caCertificatePem() != null) {
            k8s.put("caCertificate", cluster.caCertificatePem());
        }
        k8s.put("ingressCertificate", cluster.ingress().servingChainPem());
        json.putObject("threescale").put("adminUrl", threescaleUrl()).put("accessToken", threescale.accessToken())
                .put("journal", threescale.journal().file().toString()).put("masterUrl", threescaleUrl())
                .put("masterAccessToken", threescale.masterToken());
        if (keycloak != null) {
            json.set("keycloak", keycloak.json());
        }
        try {
            writePrivate(sandboxJson(), JSON.writeValueAsString(json) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }

        String config = """
                # MaaS Installer configuration for the local sandbox (generated by `maas-installer sandbox`).
                # It targets the sandbox's API server through %s; the sandbox's endpoints and credentials are in %s.
                cluster:
                  kubeconfig: %s
                  context: %s
                # The desktop cannot resolve the sandbox's Route hosts: 3scale (and Keycloak) are reached through these
                # overrides, over HTTPS with the cluster's ingress certificate as the Routes are.
                endpoints:
                  threescaleAdminUrl: %s
                  threescaleMasterUrl: %s
                """.formatted(KUBECONFIG, SANDBOX_JSON, quote(kubeconfig().toString()), TestCluster.CONTEXT,
                quote(threescaleUrl()), quote(threescaleUrl()));
        if (keycloak != null) {
            config += keycloak.configYaml(keycloakUrl()); // keycloakUrl under endpoints:, then sso:
        }
        try {
            Files.writeString(configFile(), config, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + configFile(), e);
        }
    }

    static String quoteYaml(String s) {
        return quote(s);
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** Writes a file readable by its owner only (0600), replacing any earlier one. */
    static void writePrivate(Path file, String content) {
        try {
            dev.maas.installer.engine.files.PrivateFiles.replace(file, content.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public Path dir() {
        return dir;
    }

    public Path kubeconfig() {
        return dir.resolve(KUBECONFIG);
    }

    public Path sandboxJson() {
        return dir.resolve(SANDBOX_JSON);
    }

    public Path configFile() {
        return dir.resolve(CONFIG);
    }

    public TestCluster cluster() {
        return cluster;
    }

    /** The 3scale tenant's admin (and master) URL as the installer reaches it: HTTPS with the ingress certificate. */
    public String threescaleUrl() {
        return "https://127.0.0.1:" + threescaleFront.port();
    }

    /**
     * Keycloak's URL as the installer reaches it: its HTTPS front with the ingress certificate, with the same path
     * as {@link SandboxKeycloak.Running#url()}; null without a Keycloak.
     */
    public String keycloakUrl() {
        if (keycloak == null || keycloakFront == null) {
            return null;
        }
        String path = URI.create(keycloak.url()).getRawPath();
        return "https://127.0.0.1:" + keycloakFront.port() + (path == null ? "" : path);
    }

    /** The 3scale simulator behind the simulated APIManager's routes. */
    public ThreescaleSimulator threescale() {
        return threescale;
    }

    public Path threescaleJournal() {
        return ThreescaleSimulator.journalIn(dir);
    }

    /** The sandbox's Keycloak, or null when it runs without one. */
    public SandboxKeycloak.Running keycloak() {
        return keycloak;
    }

    /** The one line the CLI prints when the sandbox is ready. */
    public String readyLine() {
        return "SANDBOX READY kubeconfig=" + kubeconfig() + " config=" + configFile();
    }

    /** Blocks until {@link #close()} is called or the timeout passes; true when stopped. */
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Blocks until {@link #close()} is called (the CLI's foreground mode). */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Stops the server and the simulated operators. The files stay (the token in them is then useless). */
    @Override
    public void close() {
        try {
            for (TlsFront front : new TlsFront[] {threescaleFront, keycloakFront}) {
                if (front != null) {
                    front.close();
                }
            }
            cluster.close();
        } finally {
            try {
                threescale.close();
            } finally {
                try {
                    if (keycloak != null) {
                        keycloak.close();
                    }
                } finally {
                    stopped.countDown();
                }
            }
        }
    }
}
