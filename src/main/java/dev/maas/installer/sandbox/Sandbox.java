package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.sandbox.apicast.ApicastGateway;
import dev.maas.installer.sandbox.apicast.ServedModels;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 *       "apicast":{"productionUrl":..,"stagingUrl":..},
 *       "keycloak":{"url":..,"adminUser":..,"adminPassword":..}}} (keycloak only when the sandbox has one);</li>
 *   <li>{@code DIR/3scale-requests.jsonl}: the journal of every request the 3scale simulator answered;</li>
 *   <li>{@code DIR/maas-installer.yaml}: a configuration that targets the sandbox, with the 3scale simulator's URL
 *       as {@code endpoints.threescaleAdminUrl} and {@code threescaleMasterUrl} (the desktop cannot resolve the
 *       sandbox's Route hosts, so the simulated APIManager's routes are reached through these overrides), and the
 *       production gateway's URL as {@code endpoints.apicastProductionUrl};</li>
 *   <li>with a Keycloak ({@link SandboxKeycloak}, started by default): {@code endpoints.keycloakUrl} and a
 *       placeholder identity provider in the config, and its client secret in {@code DIR/idp-client-secret} (0600).</li>
 * </ul>
 * The tenant's gateway: a production and a staging APIcast ({@link ApicastGateway}) enforcing the configurations
 * promoted in the 3scale simulator, forwarding to a stand-in for each served model ({@link ServedModels}). A
 * product's APIcast URL (e.g. {@code https://granite-maas-apicast-production.<apps domain>}) is reached by connecting
 * to the gateway's HTTPS front ({@link #apicastProductionUrl()}) with the product's host as Host header.
 *
 * <p>The overrides are HTTPS on 127.0.0.1, served as the cluster's router serves the Routes: with the cluster's default
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
    private volatile io.fabric8.kubernetes.client.KubernetesClient gatewayClient;
    private volatile ServedModels models;
    private volatile ApicastGateway production;
    private volatile ApicastGateway staging;
    /** The HTTPS fronts of the two APIcasts, with the ingress certificate (as their Routes are served). */
    private volatile TlsFront productionFront;
    private volatile TlsFront stagingFront;

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
            sandbox.startGateways(Duration.ZERO);
            sandbox.keycloak = keycloakChoice.open(abs, cluster);
            if (sandbox.keycloak != null) {
                sandbox.keycloakFront = cluster.ingress().routerFront(URI.create(sandbox.keycloak.url()).getPort());
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

    /**
     * Starts the served models' stand-ins and the tenant's two APIcasts. The staging APIcast reads the configuration
     * on every request, as the real one does (lazy, cache 0); the production APIcast reads it again once it is
     * older than {@code productionCache} (the real one: 300 s; the sandbox: zero, so that a promotion shows at once).
     */
    private void startGateways(Duration productionCache) {
        gatewayClient = cluster.newClient();
        models = new ServedModels(gatewayClient, threescale.store());
        production = ApicastGateway.start(threescale.store(), ApicastGateway.Environment.PRODUCTION, models,
                () -> installedPolicies("productionSpec"), productionCache);
        staging = ApicastGateway.start(threescale.store(), ApicastGateway.Environment.STAGING, models,
                () -> installedPolicies("stagingSpec"), Duration.ZERO);
        productionFront = cluster.ingress().front(URI.create(production.url()).getPort());
        stagingFront = cluster.ingress().front(URI.create(staging.url()).getPort());
    }

    /**
     * The custom policies the APIManager gives an APIcast ({@code spec.apicast.<env>.customPolicies}, each mounted
     * from its Secret by the 3scale operator), as "name@version".
     */
    private Set<String> installedPolicies(String envSpec) {
        Set<String> out = new LinkedHashSet<>();
        try {
            for (var am : gatewayClient.genericKubernetesResources("apps.3scale.net/v1alpha1",
                    "APIManager").inAnyNamespace().list().getItems()) {
                Object spec = am.getAdditionalProperties().get("spec");
                Object apicast = spec instanceof Map<?, ?> m ? m.get("apicast") : null;
                Object env = apicast instanceof Map<?, ?> m ? m.get(envSpec) : null;
                Object list = env instanceof Map<?, ?> m ? m.get("customPolicies") : null;
                if (list instanceof List<?> policies) {
                    for (Object p : policies) {
                        if (p instanceof Map<?, ?> policy) {
                            out.add(policy.get("name") + "@" + policy.get("version"));
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            // the API server is stopping: no custom policy
        }
        return out;
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
        json.putObject("apicast").put("productionUrl", apicastProductionUrl()).put("stagingUrl", apicastStagingUrl());
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
                # The desktop cannot resolve the sandbox's Route hosts: 3scale, the production APIcast (and Keycloak)
                # are reached through these overrides, over HTTPS with the cluster's ingress certificate as the Routes
                # are.
                endpoints:
                  threescaleAdminUrl: %s
                  threescaleMasterUrl: %s
                  apicastProductionUrl: %s
                """.formatted(KUBECONFIG, SANDBOX_JSON, quote(kubeconfig().toString()), TestCluster.CONTEXT,
                quote(threescaleUrl()), quote(threescaleUrl()), quote(apicastProductionUrl()));
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

    /**
     * Where the installer connects for every product's production APIcast URL: the production gateway's HTTPS front
     * with the ingress certificate (the request names the product's host in its Host header).
     */
    public String apicastProductionUrl() {
        return "https://127.0.0.1:" + productionFront.port();
    }

    /** The staging gateway's HTTPS front, as {@link #apicastProductionUrl()}. */
    public String apicastStagingUrl() {
        return "https://127.0.0.1:" + stagingFront.port();
    }

    /** The tenant's production APIcast. */
    public ApicastGateway productionGateway() {
        return production;
    }

    /** The tenant's staging APIcast. */
    public ApicastGateway stagingGateway() {
        return staging;
    }

    /** The served models' stand-ins behind the gateways. */
    public ServedModels servedModels() {
        return models;
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

    private void closeGateways() {
        for (AutoCloseable c : new AutoCloseable[] {productionFront, stagingFront, production, staging, models,
                gatewayClient}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the others
            }
        }
    }

    /** Stops the server and the simulated operators. The files stay (the token in them is then useless). */
    @Override
    public void close() {
        try {
            closeGateways();
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
