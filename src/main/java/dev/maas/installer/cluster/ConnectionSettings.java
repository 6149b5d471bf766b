package dev.maas.installer.cluster;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to reach one cluster: either a kubeconfig (file and context; null context = the current one) or an API URL
 * and a token (what {@code oc login --token} takes). {@code caFile} adds a CA to trust; certificates the user
 * trusted by fingerprint come from the {@link TrustStore}. Never printed with its token.
 */
public record ConnectionSettings(Path kubeconfig, String context, String apiUrl, String token, Path caFile,
                                 ProxySettings proxy, Duration requestTimeout) {

    public ConnectionSettings {
        proxy = proxy == null ? ProxySettings.fromEnvironment() : proxy;
        requestTimeout = requestTimeout == null ? Duration.ofSeconds(30) : requestTimeout;
        if (apiUrl != null && apiUrl.isBlank()) {
            apiUrl = null;
        }
        if (apiUrl == null && kubeconfig == null) {
            kubeconfig = Kubeconfigs.defaultPath();
        }
    }

    /** A kubeconfig file and one of its contexts (null: its current context). */
    public static ConnectionSettings kubeconfig(Path kubeconfig, String context) {
        return new ConnectionSettings(kubeconfig == null ? Kubeconfigs.defaultPath() : kubeconfig, context, null,
                null, null, null, null);
    }

    /** An API URL such as {@code https://api.cluster.example.com:6443} and a bearer token. */
    public static ConnectionSettings token(String apiUrl, String token) {
        return new ConnectionSettings(null, null, apiUrl, token, null, null, null);
    }

    public boolean usesToken() { return apiUrl != null; }

    public ConnectionSettings withCaFile(Path ca) {
        return new ConnectionSettings(kubeconfig, context, apiUrl, token, ca, proxy, requestTimeout);
    }

    public ConnectionSettings withProxy(ProxySettings p) {
        return new ConnectionSettings(kubeconfig, context, apiUrl, token, caFile, p, requestTimeout);
    }

    public ConnectionSettings withRequestTimeout(Duration t) {
        return new ConnectionSettings(kubeconfig, context, apiUrl, token, caFile, proxy, t);
    }

    @Override
    public String toString() {
        return usesToken()
                ? "ConnectionSettings[apiUrl=" + apiUrl + ", token=" + (token == null ? "none" : "******")
                + ", caFile=" + caFile + ", proxy=" + proxy.display() + "]"
                : "ConnectionSettings[kubeconfig=" + kubeconfig + ", context=" + (context == null ? "current" : context)
                + ", caFile=" + caFile + ", proxy=" + proxy.display() + "]";
    }
}
