package dev.maas.installer.cluster;

import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.secrets.SecretRegistry;
import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupList;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A live connection to one cluster: a new fabric8 client (OkHttp transport) made for this choice, checked with
 * one authenticated request. TLS verification is always on: a kubeconfig's {@code insecure-skip-tls-verify} is
 * ignored; a private CA comes from the kubeconfig, a CA file, or a certificate the user trusted by fingerprint.
 * Closing it closes the client.
 */
public final class ClusterConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterConnection.class);

    private final KubernetesClient client;
    private final String apiUrl;
    private final String user;
    private final String contextName;
    private final String namespace;
    private final Set<String> servedGroups;
    private final ProxySettings proxy;
    private final TrustStore trustStore;

    private ClusterConnection(KubernetesClient client, String apiUrl, String user, String contextName,
                              String namespace, Set<String> servedGroups, ProxySettings proxy, TrustStore trustStore) {
        this.client = client;
        this.apiUrl = apiUrl;
        this.user = user;
        this.contextName = contextName;
        this.namespace = namespace;
        this.servedGroups = servedGroups;
        this.proxy = proxy;
        this.trustStore = trustStore;
    }

    /**
     * Connects and checks the connection with {@code GET /apis}. Throws {@link ClusterException} with its
     * {@link ClusterException.Kind} on failure (for an untrusted certificate, with the certificate to show).
     */
    public static ClusterConnection connect(ConnectionSettings settings, TrustStore trustStore) {
        Objects.requireNonNull(settings, "settings");
        Config cfg = config(settings, trustStore);
        String url = cfg.getMasterUrl();
        KubernetesClient client = new KubernetesClientBuilder().withConfig(cfg)
                .withHttpClientFactory(new OkHttpClientFactory()).build();
        try {
            APIGroupList groups = client.getApiGroups();
            Set<String> served = groups == null || groups.getGroups() == null ? Set.of()
                    : groups.getGroups().stream().map(APIGroup::getName).collect(Collectors.toUnmodifiableSet());
            String user = cfg.getCurrentContext() != null && cfg.getCurrentContext().getContext() != null
                    ? stripCluster(cfg.getCurrentContext().getContext().getUser()) : null;
            String ctxName = cfg.getCurrentContext() == null ? null : cfg.getCurrentContext().getName();
            LOG.info("connected to {} ({} API groups served)", url, served.size());
            return new ClusterConnection(client, url, user, ctxName, cfg.getNamespace(), served, settings.proxy(),
                    trustStore);
        } catch (RuntimeException e) {
            client.close();
            throw ClusterErrors.translate(e, url, trustStore, settings.proxy(), "connecting to " + url);
        }
    }

    /** The fabric8 configuration for these settings, with secrets registered for redaction. */
    static Config config(ConnectionSettings s, TrustStore trustStore) {
        Config base;
        if (s.usesToken()) {
            if (s.token() == null || s.token().isBlank()) {
                throw new ClusterException(ClusterException.Kind.BAD_SETTINGS, "no token given for " + s.apiUrl(),
                        Fix.manual("paste the token from `oc whoami -t` or the web console (Copy login command)"),
                        null);
            }
            base = new ConfigBuilder(Config.empty()).withMasterUrl(s.apiUrl()).withOauthToken(s.token()).build();
        } else {
            Kubeconfigs.parse(s.kubeconfig()); // clear error for a missing or broken file
            if (s.context() != null && Kubeconfigs.contexts(s.kubeconfig()).stream()
                    .noneMatch(c -> c.name().equals(s.context()))) {
                String known = Kubeconfigs.contexts(s.kubeconfig()).stream().map(KubeContext::name)
                        .collect(Collectors.joining(", "));
                throw new ClusterException(ClusterException.Kind.BAD_SETTINGS,
                        "the kubeconfig " + s.kubeconfig() + " has no context '" + s.context() + "'; it has: "
                                + known, Fix.manual("choose one of: " + known), null);
            }
            try {
                base = Config.fromKubeconfig(s.context(), s.kubeconfig().toFile());
            } catch (RuntimeException e) {
                throw new ClusterException(ClusterException.Kind.BAD_SETTINGS,
                        "cannot use the kubeconfig " + s.kubeconfig() + ": " + e.getMessage(),
                        Fix.manual("check it with `oc config view`"), e);
            }
            if (base.getMasterUrl() == null || base.getMasterUrl().isBlank()) {
                throw new ClusterException(ClusterException.Kind.BAD_SETTINGS,
                        "the kubeconfig context has no cluster URL", Fix.manual("log in again with `oc login`"), null);
            }
        }
        SecretRegistry secrets = SecretRegistry.global();
        secrets.register(base.getOauthToken());
        secrets.register(base.getAutoOAuthToken()); // where fabric8 7 keeps a kubeconfig user's token
        secrets.register(base.getPassword());
        secrets.register(base.getClientKeyData());
        secrets.register(base.getClientKeyPassphrase());
        secrets.register(base.getProxyPassword());

        String url = base.getMasterUrl();
        String bundle = caBundle(base, s, trustStore);
        ProxySettings proxy = s.proxy();
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, s.requestTimeout().toMillis());
        ConfigBuilder b = new ConfigBuilder(base)
                .withTrustCerts(false)
                .withDisableHostnameVerification(false)
                .withRequestTimeout(timeoutMs)
                .withConnectionTimeout(Math.min(timeoutMs, 15_000))
                .withRequestRetryBackoffLimit(2)
                .withHttpsProxy(proxy.httpsProxy())
                .withNoProxy(proxy.noProxy().toArray(String[]::new));
        if (bundle != null) {
            b.withCaCertData(Base64.getEncoder().encodeToString(bundle.getBytes(StandardCharsets.US_ASCII)))
                    .withCaCertFile(null);
        }
        if (proxy.httpsProxy() != null) {
            java.net.URI pu = java.net.URI.create(proxy.httpsProxy().contains("://") ? proxy.httpsProxy()
                    : "http://" + proxy.httpsProxy());
            if (pu.getRawUserInfo() != null) {
                String[] up = pu.getRawUserInfo().split(":", 2);
                String user = java.net.URLDecoder.decode(up[0], StandardCharsets.UTF_8);
                String pw = up.length > 1 ? java.net.URLDecoder.decode(up[1], StandardCharsets.UTF_8) : null;
                secrets.register(pw);
                secrets.register(pu.getRawUserInfo());
                b.withProxyUsername(user).withProxyPassword(pw)
                        .withHttpsProxy(pu.getScheme() + "://" + pu.getHost() + (pu.getPort() > 0 ? ":" + pu.getPort() : ""));
            }
        }
        Config cfg = b.build();
        cfg.setMasterUrl(url);
        return cfg;
    }

    /** The kubeconfig's CA, the CA file and the trusted certificate, as one PEM bundle (null: system CAs only). */
    private static String caBundle(Config base, ConnectionSettings s, TrustStore trustStore) {
        StringBuilder pem = new StringBuilder();
        try {
            if (base.getCaCertData() != null && !base.getCaCertData().isBlank()) {
                pem.append(new String(Base64.getDecoder().decode(base.getCaCertData().trim()),
                        StandardCharsets.US_ASCII).trim()).append('\n');
            } else if (base.getCaCertFile() != null && !base.getCaCertFile().isBlank()) {
                pem.append(Files.readString(java.nio.file.Path.of(base.getCaCertFile())).trim()).append('\n');
            }
            if (s.caFile() != null) {
                pem.append(Files.readString(s.caFile()).trim()).append('\n');
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new ClusterException(ClusterException.Kind.BAD_SETTINGS,
                    "cannot read the CA certificate: " + e.getMessage(),
                    Fix.manual("give a readable PEM file (--ca-file)"), e);
        }
        if (trustStore != null) {
            trustStore.get(base.getMasterUrl()).ifPresent(e -> pem.append(e.pem().trim()).append('\n'));
        }
        return pem.isEmpty() ? null : pem.toString();
    }

    private static String stripCluster(String user) {
        return user == null ? null : user.contains("/") ? user.substring(0, user.indexOf('/')) : user;
    }

    public KubernetesClient client() { return client; }

    /** The API server URL, e.g. {@code https://api.cluster.example.com:6443}. */
    public String apiUrl() { return apiUrl; }

    /** The user name as the kubeconfig names it (null for a token connection). */
    public String user() { return user; }

    /** The kubeconfig context used (null for a token connection). */
    public String contextName() { return contextName; }

    /** The context's default namespace, if any. */
    public String namespace() { return namespace; }

    /** The API groups the server serves (from the connection check). */
    public Set<String> servedGroups() { return servedGroups; }

    public ProxySettings proxy() { return proxy; }

    /** Turns an exception from a later call on this client into a {@link ClusterException}. */
    public ClusterException translate(Throwable error, String doing) {
        return ClusterErrors.translate(error, apiUrl, trustStore, proxy, doing);
    }

    /** For the header: "user @ url" or just the URL. */
    public String describe() {
        return (user == null ? "" : user + " @ ") + apiUrl;
    }

    /** A one-line list for logs. */
    public List<String> servedGroupsSorted() { return servedGroups.stream().sorted().toList(); }

    @Override
    public void close() { client.close(); }

    /** Namespace and name of the ConfigMap by which the local sandbox announces itself over the API. */
    public static final String SANDBOX_MARKER_NAMESPACE = "kube-public";
    public static final String SANDBOX_MARKER_NAME = "maas-installer-sandbox";

    /**
     * Whether this cluster is the installer's local sandbox, told by the marker ConfigMap the sandbox serves (read
     * through the API like anything else, so a real cluster answers no). Unreadable counts as no.
     */
    public boolean isSandbox() {
        try {
            return client.configMaps().inNamespace(SANDBOX_MARKER_NAMESPACE).withName(SANDBOX_MARKER_NAME).get() != null;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
