package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.engine.files.PrivateFiles;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The sandbox's cluster, the strict one tests run on: an API server on loopback that behaves like an OpenShift API
 * server where it matters (see {@link ApiServerDispatcher}), seeded like a fresh OpenShift cluster with OLM and the
 * served models, with simulated operators reacting through informers. Every client reaches it over HTTP(S) with a
 * bearer token, exactly as it would reach a real cluster.
 *
 * <pre>{@code
 * try (SandboxCluster cluster = SandboxCluster.start(SandboxCluster.Options.defaults())) {
 *     KubernetesClient client = cluster.newClient();
 *     ...
 * }
 * }</pre>
 */
public final class SandboxCluster implements AutoCloseable {
    /** The user the sandbox's token belongs to. */
    public static final String USER = "sandbox-admin";
    /** The kubeconfig context (and cluster) name the sandbox writes. */
    public static final String CONTEXT = "sandbox";

    /**
     * How to start the test cluster. Start from {@link #defaults()} and change with the {@code with...} methods.
     *
     * @param https            serve HTTPS on 127.0.0.1 with a fresh self-signed certificate for localhost and
     *                         127.0.0.1 ({@link #caCertificatePem()}; the kubeconfig carries it, so clients verify
     *                         TLS fully). Default: true. False serves plain HTTP on 127.0.0.1
     * @param port             port on 127.0.0.1 that clients connect to; 0 picks a free one
     * @param crdSource        where the CRDs come from
     * @param appsDomain       the cluster's apps domain (Route hosts, ingresses.config.openshift.io)
     * @param openshift        serve the OpenShift APIs (route.openshift.io, config.openshift.io, ...)
     * @param olm              serve OLM (its CRDs, PackageManifests, the simulated OLM)
     * @param rwxStorage       seed an RWX-capable StorageClass ({@link #RWX_STORAGE_CLASS})
     * @param models           seed the KServe fixtures in namespace {@link #MODELS_NAMESPACE}
     * @param packages         the operator catalog
     * @param olmBehaviour     the default behaviour of the simulated OLM
     * @param denied           permissions the user does not have
     * @param strictNamespaces a namespaced object can only be created in an existing namespace
     * @param token            the bearer token; null generates one
     */
    public record Options(boolean https, int port, CrdSource crdSource, String appsDomain, boolean openshift,
                          boolean olm, boolean rwxStorage, boolean models, List<CatalogPackage> packages,
                          OlmSimulator.Behaviour olmBehaviour, List<AccessRule> denied, boolean strictNamespaces,
                          String token) {
        public Options {
            Objects.requireNonNull(crdSource, "crdSource");
            Objects.requireNonNull(appsDomain, "appsDomain");
            packages = List.copyOf(packages);
            denied = List.copyOf(denied);
            Objects.requireNonNull(olmBehaviour, "olmBehaviour");
        }

        public static Options defaults() {
            return new Options(true, 0, CrdSource.defaultSource(), "apps.sandbox.local", true, true, true, true,
                    CatalogPackage.redHatDefaults(), OlmSimulator.Behaviour.succeed(Duration.ofMillis(200)),
                    List.of(), true, null);
        }

        public Options withHttps(boolean v) {
            return new Options(v, port, crdSource, appsDomain, openshift, olm, rwxStorage, models, packages,
                    olmBehaviour, denied, strictNamespaces, token);
        }

        public Options withPort(int v) {
            return new Options(https, v, crdSource, appsDomain, openshift, olm, rwxStorage, models, packages,
                    olmBehaviour, denied, strictNamespaces, token);
        }

        public Options withCrdSource(CrdSource v) {
            return new Options(https, port, v, appsDomain, openshift, olm, rwxStorage, models, packages,
                    olmBehaviour, denied, strictNamespaces, token);
        }

        public Options withAppsDomain(String v) {
            return new Options(https, port, crdSource, v, openshift, olm, rwxStorage, models, packages,
                    olmBehaviour, denied, strictNamespaces, token);
        }

        public Options withOpenshift(boolean v) {
            return new Options(https, port, crdSource, appsDomain, v, olm, rwxStorage, models, packages,
                    olmBehaviour, denied, strictNamespaces, token);
        }

        public Options withOlm(boolean v) {
            return new Options(https, port, crdSource, appsDomain, openshift, v, rwxStorage, models, packages,
                    olmBehaviour, denied, strictNamespaces, token);
        }

        public Options withRwxStorage(boolean v) {
            return new Options(https, port, crdSource, appsDomain, openshift, olm, v, models, packages,
                    olmBehaviour, denied, strictNamespaces, token);
        }

        public Options withModels(boolean v) {
            return new Options(https, port, crdSource, appsDomain, openshift, olm, rwxStorage, v, packages,
                    olmBehaviour, denied, strictNamespaces, token);
        }

        public Options withPackages(List<CatalogPackage> v) {
            return new Options(https, port, crdSource, appsDomain, openshift, olm, rwxStorage, models, v,
                    olmBehaviour, denied, strictNamespaces, token);
        }

        public Options withOlmBehaviour(OlmSimulator.Behaviour v) {
            return new Options(https, port, crdSource, appsDomain, openshift, olm, rwxStorage, models, packages,
                    v, denied, strictNamespaces, token);
        }

        public Options withDenied(List<AccessRule> v) {
            return new Options(https, port, crdSource, appsDomain, openshift, olm, rwxStorage, models, packages,
                    olmBehaviour, v, strictNamespaces, token);
        }

        public Options withStrictNamespaces(boolean v) {
            return new Options(https, port, crdSource, appsDomain, openshift, olm, rwxStorage, models, packages,
                    olmBehaviour, denied, v, token);
        }

        public Options withToken(String v) {
            return new Options(https, port, crdSource, appsDomain, openshift, olm, rwxStorage, models, packages,
                    olmBehaviour, denied, strictNamespaces, v);
        }
    }

    /** The RWX StorageClass the seed creates (CephFS provisioner, like ODF's). */
    public static final String RWX_STORAGE_CLASS = "sandbox-rwx";
    /** The namespace of the seeded InferenceServices and ServingRuntimes. */
    public static final String MODELS_NAMESPACE = "models";

    private final Options options;
    private final ApiHttpFront server;
    private final ApiServerDispatcher dispatcher;
    private final ScheduledExecutorService scheduler;
    private final List<SimulatedOperator> operators = new CopyOnWriteArrayList<>();
    private final List<KubernetesClient> clients = new CopyOnWriteArrayList<>();
    private final String caPem;
    private final String url;
    private final TlsFront tls;
    private final SandboxIngress ingress;
    private volatile String token;
    /** The token of the cluster's own components (seed, simulated operators); see {@link #systemClient()}. */
    private final String systemToken = newToken();
    private OlmSimulator olm;
    private volatile boolean resumed;
    /** The cluster's own client for {@link #asNamespaceAdmin} and {@link #adminClient()}; made when first needed. */
    private KubernetesClient system;
    /** OLM's package server (the catalog's PackageManifests); null without OLM. */
    private final PackageServer packageServer;

    private SandboxCluster(Options options, KeptCertificates kept) {
        this.options = options;
        this.token = options.token() != null ? options.token() : newToken();
        this.ingress = kept != null ? kept.ingress() : SandboxIngress.create(options.appsDomain());
        ApiCatalog catalog = new ApiCatalog(options.openshift(), options.olm());
        this.dispatcher = new ApiServerDispatcher(catalog, options.appsDomain(), USER, token, systemToken,
                options.strictNamespaces());
        options.denied().forEach(dispatcher::deny);
        this.packageServer = options.olm() ? new PackageServer(ClusterSeed.MARKETPLACE) : null;
        dispatcher.packageServer(packageServer);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sandbox-operators");
            t.setDaemon(true);
            return t;
        });
        InetAddress loopback = InetAddress.getLoopbackAddress();
        if (options.https()) {
            this.server = ApiHttpFront.start(loopback, 0, dispatcher);
            try {
                this.tls = kept == null ? TlsFront.start(options.port(), server.port())
                        : TlsFront.start(options.port(), server.port(), kept.apiServer()[0], kept.apiServer()[1],
                                kept.apiServer()[0]);
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            this.caPem = tls.certificatePem();
            this.url = "https://127.0.0.1:" + tls.port();
        } else {
            this.server = ApiHttpFront.start(loopback, options.port(), dispatcher);
            this.tls = null;
            this.caPem = null;
            this.url = "http://127.0.0.1:" + server.port();
        }
        dispatcher.serverAddress(url.substring(url.indexOf("://") + 3));
    }

    /** Starts the server, seeds it and starts the simulated OLM (when enabled). */
    /**
     * The mock server logs every request at INFO through java.util.logging, straight to stderr; the sandbox keeps
     * that for {@code -Dmaas.log.level=DEBUG} (or TRACE) only. Held here so the setting is not garbage-collected.
     */
    private static final java.util.logging.Logger MOCK_SERVER_LOG =
            java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private static void quietRequestLog() {
        String level = System.getProperty("maas.log.level", "");
        if (!level.equalsIgnoreCase("DEBUG") && !level.equalsIgnoreCase("TRACE")) {
            MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
        }
    }

    public static SandboxCluster start(Options options) {
        return start(options, null);
    }

    /**
     * Starts the server and keeps its store in {@code stateDir} ({@link ClusterStateFiles}; null: in memory only),
     * with the API server's HTTPS certificate ({@value #API_TLS_FILE}) and the ingress certificate
     * ({@value #INGRESS_TLS_FILE}), so that a kubeconfig and a trusted ingress CA stay valid. When the folder holds a
     * saved store the cluster resumes it: the seeded objects are replaced by the saved ones, with their
     * resourceVersions, uids and field ownership ({@link #resumed()}); else the new cluster is saved there. Every
     * write is on disk before it is answered.
     *
     * @throws IllegalStateException when the folder's files cannot be read or written (the message names the file)
     */
    public static SandboxCluster start(Options options, Path stateDir) {
        quietRequestLog();
        ClusterStateFiles.Saved saved = null;
        KeptCertificates kept = null;
        if (stateDir != null) {
            try {
                saved = ClusterStateFiles.read(stateDir);
                kept = KeptCertificates.keep(stateDir, options);
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalStateException("cannot resume the sandbox's cluster in " + stateDir + ": "
                        + e.getMessage() + " (start a fresh sandbox to discard it)", e);
            }
        }
        SandboxCluster cluster = new SandboxCluster(options, kept);
        try {
            ClusterStateFiles files = null;
            if (stateDir != null && saved == null) {
                // a new folder: the seed's writes are kept like any other, then folded into a first snapshot
                files = ClusterStateFiles.open(stateDir, new ClusterStateFiles.Saved());
                cluster.dispatcher.persistTo(files);
            }
            new ClusterSeed(cluster, options).seed();
            if (files != null) {
                cluster.dispatcher.persistTo(files);
            }
            if (saved != null) {
                cluster.dispatcher.restore(saved);
                cluster.dispatcher.persistTo(ClusterStateFiles.open(stateDir, saved));
                cluster.resumed = true;
                cluster.keepApiServerUrl();
            }
            cluster.addOperator(new DeploymentController(Duration.ofMillis(300)));
            if (options.olm()) {
                cluster.olm = new OlmSimulator(options.olmBehaviour());
                cluster.addOperator(cluster.olm);
            }
            return cluster;
        } catch (RuntimeException | IOException e) {
            if (saved == null) {
                cluster.dispatcher.forgetPersistence(); // a half-seeded cluster is not kept
            }
            try {
                cluster.close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            if (saved == null && stateDir != null) {
                ClusterStateFiles.delete(stateDir);
            }
            if (e instanceof IOException io) {
                throw new IllegalStateException("cannot save the sandbox's cluster in " + stateDir + ": "
                        + io.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
    }

    /** The file in the state folder with the API server's HTTPS certificate and its key (0600). */
    public static final String API_TLS_FILE = "api-server-tls.pem";
    /** The file in the state folder with the ingress serving certificate, its CA and its key (0600). */
    public static final String INGRESS_TLS_FILE = "ingress-tls.pem";

    /** The certificates a resumed cluster serves again: the API server's {cert PEM, key PEM} and the ingress's. */
    private record KeptCertificates(String[] apiServer, SandboxIngress ingress) {
        /** Reads the certificates kept in {@code dir}; makes and keeps those missing. */
        static KeptCertificates keep(Path dir, Options options) throws IOException {
            Path api = dir.resolve(API_TLS_FILE);
            String[] apiServer;
            if (Files.isRegularFile(api)) {
                String pem = Files.readString(api, StandardCharsets.UTF_8);
                int key = pem.indexOf("-----BEGIN PRIVATE KEY-----");
                if (key <= 0) {
                    throw new IOException(api + " is not a certificate followed by its private key");
                }
                apiServer = new String[] {pem.substring(0, key), pem.substring(key)};
            } else {
                apiServer = TlsFront.selfSigned();
                PrivateFiles.directory(dir);
                PrivateFiles.replace(api, (apiServer[0] + apiServer[1]).getBytes(StandardCharsets.UTF_8));
            }
            Path ingressFile = dir.resolve(INGRESS_TLS_FILE);
            SandboxIngress ingress;
            if (Files.isRegularFile(ingressFile)) {
                try {
                    ingress = SandboxIngress.fromPem(options.appsDomain(),
                            Files.readString(ingressFile, StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    throw new IOException(ingressFile + ": " + e.getMessage(), e);
                }
            } else {
                ingress = SandboxIngress.create(options.appsDomain());
                PrivateFiles.directory(dir);
                PrivateFiles.replace(ingressFile, ingress.toPem().getBytes(StandardCharsets.UTF_8));
            }
            return new KeptCertificates(apiServer, ingress);
        }
    }

    /** A resumed cluster on another port: the Infrastructure's apiServerURL names the new one. */
    private void keepApiServerUrl() {
        if (!options.openshift()) {
            return;
        }
        var infra = systemClient().genericKubernetesResources("config.openshift.io/v1", "Infrastructure")
                .withName("cluster");
        var current = infra.get();
        Object status = current == null ? null : current.getAdditionalProperties().get("status");
        if (current != null && status instanceof java.util.Map<?, ?> m && !url.equals(m.get("apiServerURL"))) {
            infra.subresource("status").patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                    io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                    "{\"status\":{\"apiServerURL\":\"" + url + "\"}}");
        }
    }

    /** Whether the cluster resumed a saved store (see {@link #start(Options, Path)}). */
    public boolean resumed() {
        return resumed;
    }

    /** The number of objects in the store. */
    public int objectCount() {
        return dispatcher.objectCount();
    }

    /** The API server URL, e.g. {@code https://127.0.0.1:41234}. */
    public String url() {
        return url;
    }

    /** The port clients connect to. */
    public int port() {
        return tls != null ? tls.port() : server.port();
    }

    /** The bearer token of {@link #USER}. A credential: never log it. */
    public String token() {
        return token;
    }

    /** Replaces the token: requests with the old one get 401 (an expired login). */
    public void setToken(String newToken) {
        this.token = Objects.requireNonNull(newToken);
        dispatcher.token(newToken);
    }

    /** The PEM of the server's self-signed certificate (trust it to verify TLS); null when serving plain HTTP. */
    public String caCertificatePem() {
        return caPem;
    }

    public String appsDomain() {
        return options.appsDomain();
    }

    /**
     * The cluster's default ingress certificate (a self-signed ingress CA, as on a fresh OpenShift), published in
     * ConfigMap {@code openshift-config-managed/default-ingress-cert} when the OpenShift APIs are served.
     */
    public SandboxIngress ingress() {
        return ingress;
    }

    public Options options() {
        return options;
    }

    /** The simulated OLM (null when OLM is disabled). */
    public OlmSimulator olm() {
        return olm;
    }

    /** OLM's package server: the catalogs' PackageManifests (null without OLM). */
    PackageServer packageServer() {
        return packageServer;
    }

    /**
     * A catalog update that adds a package (or replaces its channels): OLM's package server offers it from now on and
     * the simulated OLM resolves the subscriptions again.
     *
     * @throws IllegalStateException when the cluster has no OLM
     */
    public void publish(CatalogPackage pkg) {
        if (packageServer == null) {
            throw new IllegalStateException("this cluster has no OLM");
        }
        packageServer.put(ClusterSeed.packageManifest(pkg));
        if (olm != null) {
            olm.catalogChanged();
        }
    }

    /**
     * A catalog update: the channel of a package in a catalog now leads to {@code csv} (e.g. a newer operator
     * version). As OLM does on a catalog change, the simulated OLM resolves the subscriptions again: one on that
     * channel gets an upgrade InstallPlan (approved at once under Automatic approval, waiting under Manual).
     */
    public void publish(String packageName, String catalog, String channel, String csv) {
        ObjectNode manifest = packageServer.get(packageName, catalog);
        if (manifest == null) {
            throw new IllegalArgumentException("catalog " + catalog + " does not offer " + packageName);
        }
        java.util.Map<String, String> channels = new java.util.LinkedHashMap<>();
        String defaultChannel = manifest.path("status").path("defaultChannel").asText();
        manifest.path("status").path("channels").forEach(c -> channels.put(c.path("name").asText(),
                c.path("currentCSV").asText()));
        channels.put(channel, csv);
        packageServer.put(ClusterSeed.packageManifest(new CatalogPackage(packageName, catalog, defaultChannel,
                channels)));
        if (olm != null) {
            olm.catalogChanged();
        }
    }

    /**
     * From now on the user is not a cluster admin but, like most OpenShift users, an admin of some namespaces: the
     * API server authorizes each request with RBAC ({@link Rbac}) over the roles of a fresh OpenShift cluster with
     * OLM ({@code dev/maas/installer/sandbox/rbac/roles.yaml}: Kubernetes' admin/edit/view with what OpenShift and OLM
     * aggregate into them, and basic-user for every authenticated user). The namespaces are created (as a cluster
     * admin would) and the user gets the {@code admin} ClusterRole in each through a RoleBinding, as OpenShift does
     * for a project's requester. Whatever a cluster admin grants later through the API counts too, and so do the
     * ClusterRoles the simulated OLM makes for an operator's APIs when its CSV succeeds.
     */
    public void asNamespaceAdmin(List<String> namespaces) {
        KubernetesClient sys = system();
        for (io.fabric8.kubernetes.api.model.HasMetadata role : sys.load(SandboxCluster.class.getResourceAsStream(
                "/dev/maas/installer/sandbox/rbac/roles.yaml")).items()) {
            if (sys.resource(role).get() == null) {
                sys.resource(role).create();
            }
        }
        for (String ns : namespaces) {
            if (sys.namespaces().withName(ns).get() == null) {
                sys.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                        .withName(ns).endMetadata().build()).create();
            }
            sys.rbac().roleBindings().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.rbac
                    .RoleBindingBuilder().withNewMetadata().withName("admin").withNamespace(ns).endMetadata()
                    .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                    .withName("admin").endRoleRef()
                    .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName(USER)
                    .endSubject().build()).createOr(r -> r.update());
        }
        dispatcher.rbac(true);
    }

    /** The user is a cluster admin again (the default): only the rules of {@link #deny} limit it. */
    public void asClusterAdmin() {
        dispatcher.rbac(false);
    }

    /**
     * A client with the cluster's own identity, for what a cluster administrator does by hand in a test (granting
     * a role, creating an OperatorGroup): not bound by the user's rights.
     */
    public KubernetesClient adminClient() {
        return system();
    }

    private KubernetesClient system() {
        synchronized (this) {
            if (system == null) {
                system = systemClient();
            }
            return system;
        }
    }

    /** Takes a permission away from the user (403 and SelfSubjectAccessReview {@code allowed: false}). */
    public void deny(AccessRule rule) {
        dispatcher.deny(rule);
    }

    /**
     * Every request the installer's user made (with {@link #token()} or any other token; not the cluster's own
     * components), in arrival order, since the start or the last {@link #clearRequests()}.
     */
    public List<ApiRequest> requests() {
        return dispatcher.requests();
    }

    /** The user's requests that changed something ({@link ApiRequest#isAcceptedWrite()}). */
    public List<ApiRequest> acceptedWrites() {
        return dispatcher.requests().stream().filter(ApiRequest::isAcceptedWrite).toList();
    }

    /** Empties {@link #requests()}. */
    public void clearRequests() {
        dispatcher.clearRequests();
    }

    /** Gives back every permission taken by {@link #deny(AccessRule)}. */
    public void allowAll() {
        dispatcher.allowAll();
    }

    /**
     * Observes the writes of the cluster's clients (not of its simulated operators) before they are applied: POST,
     * PUT, PATCH and DELETE, access reviews excluded; null for none. See {@link WriteObserver}.
     */
    public void observeWrites(WriteObserver observer) {
        dispatcher.observeWrites(observer);
    }

    /** A client configuration for this cluster: bearer token, TLS verified against {@link #caCertificatePem()}. */
    public Config clientConfig() {
        ConfigBuilder b = new ConfigBuilder(Config.empty())
                .withMasterUrl(url())
                .withOauthToken(token)
                .withNamespace("default")
                .withTrustCerts(false)
                .withRequestTimeout(30_000)
                .withConnectionTimeout(10_000);
        if (caPem != null) {
            b.withCaCertData(Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8)));
        }
        return b.build();
    }

    /** A new client (closed with the cluster at the latest). */
    public KubernetesClient newClient() {
        KubernetesClient client = new KubernetesClientBuilder().withConfig(clientConfig()).build();
        clients.add(client);
        return client;
    }

    /**
     * A client for the cluster's own components (the seed, the simulated operators), with a token of their own:
     * as OLM's service account on a real cluster, it is not bound by {@link Options#denied()} or {@link #deny} and
     * survives {@link #setToken}. Never handed to the installer.
     */
    KubernetesClient systemClient() {
        Config config = new ConfigBuilder(clientConfig()).withOauthToken(systemToken).build();
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        clients.add(client);
        return client;
    }

    /** A kubeconfig for this cluster: context {@link #CONTEXT}, user {@link #USER}, namespace {@code default}. */
    public String kubeconfigYaml() {
        StringBuilder sb = new StringBuilder();
        sb.append("apiVersion: v1\nkind: Config\nclusters:\n- name: ").append(CONTEXT).append("\n  cluster:\n")
                .append("    server: ").append(url()).append('\n');
        if (caPem != null) {
            sb.append("    certificate-authority-data: ")
                    .append(Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8))).append('\n');
        }
        sb.append("users:\n- name: ").append(USER).append("\n  user:\n    token: ").append(token).append('\n')
                .append("contexts:\n- name: ").append(CONTEXT).append("\n  context:\n    cluster: ").append(CONTEXT)
                .append("\n    user: ").append(USER).append("\n    namespace: default\n")
                .append("current-context: ").append(CONTEXT).append('\n');
        return sb.toString();
    }

    /** Starts a simulated operator with its own client; it is closed with the cluster. */
    public void addOperator(SimulatedOperator operator) {
        operators.add(operator);
        operator.start(new SimulationContext(systemClient(), scheduler, options.appsDomain()));
    }

    public List<SimulatedOperator> operators() {
        return new ArrayList<>(operators);
    }

    @Override
    public void close() {
        for (SimulatedOperator op : operators) {
            try {
                op.close();
            } catch (RuntimeException e) {
                // keep closing the rest
            }
        }
        // let a running step finish its requests, drop the delayed ones
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(2, TimeUnit.SECONDS)) {
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            scheduler.shutdownNow();
            Thread.currentThread().interrupt();
        }
        clients.forEach(KubernetesClient::close);
        dispatcher.closeWatches();
        if (tls != null) {
            tls.close();
        }
        server.close();
        try {
            dispatcher.stopPersisting(); // the store folded into one snapshot
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot save the sandbox's cluster: " + e.getMessage(), e);
        }
    }

    private static String newToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return "sha256~" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
