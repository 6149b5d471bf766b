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
 * The local sandbox: the {@link SandboxCluster} running as a server on loopback, with the files a user (or the CLI's
 * {@code sandbox --dir DIR}) needs to point the installer at it:
 * <ul>
 *   <li>{@code DIR/kubeconfig} (mode 0600): context {@code sandbox}, the API URL and the bearer token;</li>
 *   <li>{@code DIR/sandbox.json} (mode 0600): each endpoint of the sandbox and its credentials,
 *       {@code {"kubernetes":{"url":..,"token":..,"context":"sandbox"},
 *       "threescale":{"adminUrl":..,"accessToken":..,"journal":..,"masterUrl":..,"masterAccessToken":..},
 *       "apicast":{"productionUrl":..,"stagingUrl":..},
 *       "keycloak":{"url":..,"httpsUrl":..,"adminUser":..,"adminPassword":..}}} (keycloak only when the sandbox
 *       has one; {@code url} is Keycloak's own, {@code httpsUrl} its HTTPS front as the installer reaches it);</li>
 *   <li>{@code DIR/3scale-requests.jsonl}: the journal of every request the 3scale simulator answered;</li>
 *   <li>{@code DIR/maas-installer.yaml}: a configuration that targets the sandbox, with the 3scale simulator's URL
 *       as {@code endpoints.threescaleAdminUrl} and {@code threescaleMasterUrl} (the desktop cannot resolve the
 *       sandbox's Route hosts, so the simulated APIManager's routes are reached through these overrides), and the
 *       production gateway's URL as {@code endpoints.apicastProductionUrl};</li>
 *   <li>with a Keycloak ({@link SandboxKeycloak}, started by default): {@code endpoints.keycloakUrl} and a
 *       placeholder identity provider in the config, and its client secret in {@code DIR/idp-client-secret} (0600);
 *       Keycloak's data in {@code DIR/keycloak-data/} (or {@code keycloak-legacy-data/} for RH-SSO's Keycloak);</li>
 *   <li>{@code DIR/state/} (0700, its files 0600): the cluster's store ({@code cluster.json} and the change log
 *       {@code cluster.log}, see {@link ClusterStateFiles}), the API server's and the ingress's certificates
 *       ({@code api-server-tls.pem}, {@code ingress-tls.pem}) and the 3scale tenant ({@code 3scale.json}).</li>
 * </ul>
 * A sandbox started on a folder with state resumes it ({@link #saved(Path)}, {@link #resumed()}); {@link #discard}
 * deletes it, so that the next start is a new sandbox.
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
    /** The folder (0700) of the sandbox's state: the cluster's store, its certificates, the 3scale tenant. */
    public static final String STATE_DIR = "state";
    /** The lock file in {@value #STATE_DIR}: locked by the sandbox that runs on the folder. */
    static final String LOCK_FILE = "lock";
    /** The 3scale simulator's tenant in {@value #STATE_DIR}. */
    public static final String THREESCALE_STATE = "3scale.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final SandboxCluster cluster;
    private final ThreescaleSimulator threescale;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Held while the sandbox runs, so that no other one uses its state folder ({@value #LOCK_FILE}). */
    private volatile java.nio.channels.FileChannel lock;
    /** The HTTPS front of the 3scale simulator, with the cluster's ingress certificate (as its Routes are served). */
    private volatile TlsFront threescaleFront;
    /** The HTTPS front of the Keycloak (null without one). */
    private volatile TlsFront keycloakFront;
    /** The sandbox's Keycloak (null without one); see {@link SandboxKeycloak}. */
    private volatile SandboxKeycloak.Running keycloak;
    /** Why it runs without Keycloak (null with one). */
    private volatile String keycloakAbsence;
    private volatile io.fabric8.kubernetes.client.KubernetesClient gatewayClient;
    private volatile ServedModels models;
    private volatile ApicastGateway production;
    private volatile ApicastGateway staging;
    /** The HTTPS fronts of the two APIcasts, with the ingress certificate (as their Routes are served). */
    private volatile TlsFront productionFront;
    private volatile TlsFront stagingFront;

    private Sandbox(Path dir, SandboxCluster cluster, ThreescaleSimulator threescale) {
        this.dir = dir;
        this.cluster = cluster;
        this.threescale = threescale;
    }

    /** Starts the sandbox with the default options (HTTPS on 127.0.0.1, a free port) and writes its files. */
    public static Sandbox run(Path dir) {
        return run(dir, SandboxCluster.Options.defaults());
    }

    /**
     * Starts the sandbox, with a Keycloak started from the distribution when one can be found (else without, with a
     * warning), and writes its files.
     */
    public static Sandbox run(Path dir, SandboxCluster.Options options) {
        return run(dir, options, SandboxKeycloak.startIfAvailable());
    }

    /**
     * Starts the sandbox with that Keycloak ({@link SandboxKeycloak}) and writes its files; returns when ready. When
     * {@code dir} holds the state of an earlier sandbox ({@link #saved(Path)}) it resumes it: the cluster's objects,
     * the 3scale tenant and Keycloak's data, with the same token, certificates and, when they are free, the same
     * ports ({@link #resumed()}); else it starts a new one and keeps its state there.
     */
    public static Sandbox run(Path dir, SandboxCluster.Options options, SandboxKeycloak keycloakChoice) {
        return run(dir, options, keycloakChoice, true);
    }

    /**
     * As {@link #run(Path, SandboxCluster.Options, SandboxKeycloak)}; with {@code keepState} false the cluster and the
     * 3scale tenant live in memory only (nothing in {@value #STATE_DIR} is read or written: a throwaway sandbox, as
     * the benchmark of the state's cost compares with).
     */
    public static Sandbox run(Path dir, SandboxCluster.Options options, SandboxKeycloak keycloakChoice,
                              boolean keepState) {
        Path abs = dir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(abs);
            dev.maas.installer.engine.files.PrivateFiles.directory(abs.resolve(STATE_DIR));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the sandbox folder " + abs, e);
        }
        java.nio.channels.FileChannel lock = lock(abs);
        try {
            return run(abs, options, keycloakChoice, lock, keepState);
        } catch (RuntimeException e) {
            release(lock);
            throw e;
        }
    }

    private static Sandbox run(Path abs, SandboxCluster.Options options, SandboxKeycloak keycloakChoice,
                               java.nio.channels.FileChannel lock, boolean keepState) {
        Previous previous = keepState ? Previous.read(abs) : Previous.NONE;
        Path stateDir = keepState ? abs.resolve(STATE_DIR) : null;
        if (options.token() == null && previous.token() != null) {
            options = options.withToken(previous.token());
        }
        if (options.port() == 0 && freePort(previous.apiPort())) {
            options = options.withPort(previous.apiPort());
        }
        SandboxCluster cluster = SandboxCluster.start(options, stateDir);
        ThreescaleSimulator threescale = null;
        Sandbox sandbox = null;
        try {
            if (keepState && !cluster.resumed()) {
                // a tenant without the cluster whose APIManager made it is not resumed
                Files.deleteIfExists(abs.resolve(STATE_DIR).resolve(THREESCALE_STATE));
            }
            threescale = ThreescaleSimulator.start(SimulatorOptions.defaults()
                    .withDomain(ThreescaleSimulator.DEFAULT_TENANT, cluster.appsDomain())
                    .withJournal(ThreescaleSimulator.journalIn(abs)),
                    keepState ? stateDir.resolve(THREESCALE_STATE) : null);
            cluster.addOperator(new ApiManagerSimulator(threescale, ApiManagerSimulator.Behaviour.defaults()));
            sandbox = new Sandbox(abs, cluster, threescale);
            sandbox.lock = lock;
            sandbox.threescaleFront = cluster.ingress().front(freePort(previous.threescalePort())
                    ? previous.threescalePort() : 0, URI.create(threescale.url()).getPort());
            sandbox.startGateways(Duration.ZERO, previous);
            sandbox.keycloak = keycloakChoice.open(abs, cluster);
            if (sandbox.keycloak != null) {
                sandbox.keycloakFront = cluster.ingress().routerFront(freePort(previous.keycloakPort())
                        ? previous.keycloakPort() : 0, URI.create(sandbox.keycloak.url()).getPort());
            }
            sandbox.keycloakAbsence = sandbox.keycloak == null ? keycloakChoice.absence() : null;
            sandbox.markKeycloak();
            sandbox.writeFiles();
            return sandbox;
        } catch (IOException e) {
            cluster.close();
            throw new UncheckedIOException("cannot start anew in " + abs.resolve(STATE_DIR) + ": " + e.getMessage(), e);
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
     * Locks the state folder of {@code dir} for this process (the lock goes with the process, also when it is
     * killed).
     *
     * @throws IllegalStateException when another sandbox runs on the folder
     */
    private static java.nio.channels.FileChannel lock(Path dir) {
        Path file = dir.resolve(STATE_DIR).resolve(LOCK_FILE);
        java.nio.channels.FileChannel channel = null;
        try {
            channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE);
            dev.maas.installer.engine.files.PrivateFiles.tighten(file);
            if (channel.tryLock() != null) {
                return channel;
            }
        } catch (java.nio.channels.OverlappingFileLockException e) {
            // held in this JVM
        } catch (IOException e) {
            release(channel);
            throw new UncheckedIOException("cannot lock the sandbox folder " + dir + ": " + e.getMessage(), e);
        }
        release(channel);
        throw new IllegalStateException("a sandbox already runs on " + dir + ": stop it first, or choose another"
                + " folder");
    }

    private static void release(java.nio.channels.FileChannel lock) {
        if (lock != null) {
            try {
                lock.close(); // releases the lock
            } catch (IOException e) {
                // the process ends the lock anyway
            }
        }
    }

    /** What the sandbox folder's {@value #SANDBOX_JSON} says of an earlier run: its token and ports (0: none). */
    private record Previous(String token, int apiPort, int threescalePort, int keycloakPort, int productionPort,
                            int stagingPort) {
        static final Previous NONE = new Previous(null, 0, 0, 0, 0, 0);

        static Previous read(Path dir) {
            Path file = dir.resolve(SANDBOX_JSON);
            if (!ClusterStateFiles.present(dir.resolve(STATE_DIR)) || !Files.isRegularFile(file)) {
                return NONE;
            }
            try {
                com.fasterxml.jackson.databind.JsonNode json = JSON.readTree(file.toFile());
                String token = json.path("kubernetes").path("token").asText(null);
                return new Previous(token, port(json.path("kubernetes").path("url").asText("")),
                        port(json.path("threescale").path("adminUrl").asText("")),
                        port(json.path("keycloak").path("httpsUrl").asText("")),
                        port(json.path("apicast").path("productionUrl").asText("")),
                        port(json.path("apicast").path("stagingUrl").asText("")));
            } catch (IOException | RuntimeException e) {
                return NONE; // new ports and token; the state is resumed all the same
            }
        }

        private static int port(String url) {
            try {
                return url.isEmpty() ? 0 : Math.max(0, URI.create(url).getPort());
            } catch (IllegalArgumentException e) {
                return 0;
            }
        }
    }

    /** Whether {@code port} (on 127.0.0.1) can be listened on now; false for 0. */
    private static boolean freePort(int port) {
        if (port <= 0) {
            return false;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Starts the served models' stand-ins and the tenant's two APIcasts. The staging APIcast reads the configuration
     * on every request, as the real one does (lazy, cache 0); the production APIcast reads it again once it is
     * older than {@code productionCache} (the real one: 300 s; the sandbox: zero, so that a promotion shows at once).
     */
    private void startGateways(Duration productionCache, Previous previous) {
        gatewayClient = cluster.newClient();
        models = new ServedModels(gatewayClient, threescale.store());
        production = ApicastGateway.start(threescale.store(), ApicastGateway.Environment.PRODUCTION, models,
                () -> installedPolicies("productionSpec"), productionCache);
        staging = ApicastGateway.start(threescale.store(), ApicastGateway.Environment.STAGING, models,
                () -> installedPolicies("stagingSpec"), Duration.ZERO);
        productionFront = cluster.ingress().front(freePort(previous.productionPort()) ? previous.productionPort() : 0,
                URI.create(production.url()).getPort());
        stagingFront = cluster.ingress().front(freePort(previous.stagingPort()) ? previous.stagingPort() : 0,
                URI.create(staging.url()).getPort());
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
                .put("context", SandboxCluster.CONTEXT).put("user", SandboxCluster.USER)
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
            json.set("keycloak", keycloak.json().put("httpsUrl", keycloakUrl()));
        } else {
            json.putObject("keycloakAbsent").put("reason", keycloakAbsence());
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
                """.formatted(KUBECONFIG, SANDBOX_JSON, quote(kubeconfig().toString()), SandboxCluster.CONTEXT,
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

    /** Whether this sandbox resumed the state of an earlier one in its folder (see {@link #run}). */
    public boolean resumed() {
        return cluster.resumed();
    }

    /**
     * The line the CLI prints once the sandbox runs: "Resumed the sandbox in DIR: ..." with what it holds, or
     * "Started a new sandbox in DIR".
     */
    public String startLine() {
        if (!resumed()) {
            return "Started a new sandbox in " + dir;
        }
        return saved(dir).map(st -> "Resumed the sandbox in " + dir + ": " + st.summary())
                .orElse("Resumed the sandbox in " + dir);
    }

    /**
     * What a sandbox folder holds from an earlier run.
     *
     * @param objects      the number of the cluster's objects
     * @param tenant       the 3scale tenant's name, null when there is no 3scale state
     * @param products     the tenant's products (sample "API" product included)
     * @param backends     the tenant's backends
     * @param keycloakData Keycloak's data folder, null when there is none
     */
    public record SavedState(Path dir, int objects, String tenant, int products, int backends, Path keycloakData) {
        /** E.g. "412 cluster objects, 3scale tenant maas (3 products, 3 backends), Keycloak data in DIR/keycloak-data". */
        public String summary() {
            StringBuilder b = new StringBuilder().append(objects).append(" cluster objects");
            if (tenant != null) {
                b.append(", 3scale tenant ").append(tenant).append(" (").append(products)
                        .append(products == 1 ? " product, " : " products, ").append(backends)
                        .append(backends == 1 ? " backend)" : " backends)");
            }
            if (keycloakData != null) {
                b.append(", Keycloak data in ").append(keycloakData);
            }
            return b.toString();
        }
    }

    /**
     * The state an earlier sandbox left in {@code dir}, if any (it is resumed by the next {@link #run}).
     *
     * @throws UncheckedIOException when the state is there but cannot be read (the message names the file)
     */
    public static java.util.Optional<SavedState> saved(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        Path state = abs.resolve(STATE_DIR);
        if (!ClusterStateFiles.present(state)) {
            return java.util.Optional.empty();
        }
        try {
            ClusterStateFiles.Saved cluster = ClusterStateFiles.read(state);
            String tenant = null;
            int products = 0;
            int backends = 0;
            Path tenantFile = state.resolve(THREESCALE_STATE);
            if (Files.isRegularFile(tenantFile)) {
                com.fasterxml.jackson.databind.JsonNode store = JSON.readTree(tenantFile.toFile()).path("store");
                tenant = store.path("provider").path("org_name").asText(null);
                for (com.fasterxml.jackson.databind.JsonNode svc : store.path("collections").path("services")) {
                    products += "deleted".equals(svc.path("state").asText()) ? 0 : 1;
                }
                java.util.Set<String> gone = new java.util.HashSet<>();
                store.path("deletedBackends").forEach(id -> gone.add(id.asText()));
                for (var it = store.path("collections").path("backend_apis").fieldNames(); it.hasNext(); ) {
                    backends += gone.contains(it.next()) ? 0 : 1;
                }
            }
            Path keycloakData = null;
            for (String name : new String[] {SandboxKeycloak.DATA_DIR, SandboxKeycloak.LEGACY_DATA_DIR}) {
                if (Files.isDirectory(abs.resolve(name))) {
                    keycloakData = abs.resolve(name);
                }
            }
            return java.util.Optional.of(new SavedState(abs, cluster == null ? 0 : cluster.objects.size(), tenant,
                    products, backends, keycloakData));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sandbox's state in " + state + ": " + e.getMessage(), e);
        }
    }

    /**
     * Deletes the state an earlier sandbox left in {@code dir} (the cluster's store and certificates, the 3scale
     * tenant and its request journal, Keycloak's data, the identity provider's secret), so that the next
     * {@link #run} starts a new sandbox; the generated files are rewritten by that start. Not while a sandbox runs
     * on the folder.
     *
     * @return what was deleted
     */
    public static java.util.List<Path> discard(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        java.util.List<Path> deleted = new java.util.ArrayList<>();
        if (Files.isDirectory(abs.resolve(STATE_DIR))) {
            release(lock(abs)); // refuses while a sandbox runs there
        }
        for (String name : new String[] {STATE_DIR, SandboxKeycloak.DATA_DIR, SandboxKeycloak.LEGACY_DATA_DIR,
                SandboxKeycloak.IDP_SECRET_FILE, ThreescaleSimulator.journalIn(abs).getFileName().toString()}) {
            Path p = abs.resolve(name);
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                deleteTree(p);
                deleted.add(p);
            }
        }
        return deleted;
    }

    private static void deleteTree(Path p) {
        try (java.util.stream.Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + p + ": " + e.getMessage(), e);
        }
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

    public SandboxCluster cluster() {
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

    /** Why the sandbox runs without Keycloak (e.g. no distribution on this machine), or null when it has one. */
    public String keycloakAbsence() {
        return keycloak != null ? null : keycloakAbsence == null ? "the sandbox runs without Keycloak" : keycloakAbsence;
    }

    /** The marker ConfigMap's key that says the sandbox runs without Keycloak, with the reason as its value. */
    public static final String MARKER_KEYCLOAK_ABSENT = "keycloakAbsent";

    /**
     * Records in the marker ConfigMap ({@code kube-public/maas-installer-sandbox}, which every user of the sandbox
     * reads) whether this sandbox runs a Keycloak: without one, {@value #MARKER_KEYCLOAK_ABSENT} holds the reason, and
     * the sso and portal stages stop at once with it instead of waiting for an operator that has no Keycloak to run.
     * A resumed sandbox that has a Keycloak again loses the key.
     */
    private void markKeycloak() {
        var configMaps = cluster.adminClient().configMaps()
                .inNamespace(dev.maas.installer.cluster.ClusterConnection.SANDBOX_MARKER_NAMESPACE)
                .withName(dev.maas.installer.cluster.ClusterConnection.SANDBOX_MARKER_NAME);
        io.fabric8.kubernetes.api.model.ConfigMap marker = configMaps.get();
        if (marker == null) {
            return;
        }
        java.util.Map<String, String> data = marker.getData() == null ? new java.util.LinkedHashMap<>()
                : new java.util.LinkedHashMap<>(marker.getData());
        String reason = keycloakAbsence();
        boolean changed = reason == null ? data.remove(MARKER_KEYCLOAK_ABSENT) != null
                : !reason.equals(data.put(MARKER_KEYCLOAK_ABSENT, reason));
        if (changed) {
            marker.setData(data);
            cluster.adminClient().resource(marker).update();
        }
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
                    release(lock);
                    stopped.countDown();
                }
            }
        }
    }
}
