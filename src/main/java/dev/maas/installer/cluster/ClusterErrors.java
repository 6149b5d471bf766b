package dev.maas.installer.cluster;

import dev.maas.installer.engine.Fix;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns what the client library throws into a {@link ClusterException} that says what to do. */
public final class ClusterErrors {
    private static final Pattern FORBIDDEN = Pattern.compile(
            "cannot (\\w+) resource \"([^\"]+)\" in API group \"([^\"]*)\"(?: in the namespace \"([^\"]+)\")?");

    private ClusterErrors() { }

    /**
     * @param apiUrl  the cluster URL (for messages)
     * @param trust   where trusted fingerprints live (may be null); used to tell "changed" from "never trusted"
     * @param proxy   the proxy used, to probe the certificate the same way
     * @param doing   what we were doing, e.g. "creating Subscription 3scale-operator"
     */
    public static ClusterException translate(Throwable error, String apiUrl, TrustStore trust, ProxySettings proxy,
                                             String doing) {
        if (error instanceof ClusterException ce) {
            return ce;
        }
        String prefix = doing == null || doing.isBlank() ? "" : doing + ": ";
        KubernetesClientException kce = find(error, KubernetesClientException.class);
        if (kce != null && kce.getCode() > 0) {
            return fromStatus(kce, apiUrl, prefix);
        }
        if (isTls(error)) {
            return untrusted(error, apiUrl, trust, proxy, prefix);
        }
        Throwable net = firstOf(error, UnknownHostException.class, ConnectException.class,
                NoRouteToHostException.class, InterruptedIOException.class);
        if (net != null) {
            String what = net instanceof UnknownHostException ? "the host name does not resolve"
                    : net instanceof InterruptedIOException ? "the connection timed out"
                    : "the connection was refused or has no route";
            return new ClusterException(ClusterException.Kind.UNREACHABLE,
                    prefix + "cannot reach the cluster at " + apiUrl + ": " + what + " (" + net.getMessage() + ")",
                    unreachableFix(apiUrl), error);
        }
        String msg = kce != null ? kce.getMessage() : String.valueOf(error.getMessage());
        return new ClusterException(ClusterException.Kind.API_ERROR, prefix + msg,
                Fix.manual("check the cluster's state and retry"), error);
    }

    public static ClusterException translate(Throwable error, String doing) {
        return translate(error, "the cluster", null, null, doing);
    }

    static Fix unreachableFix(String apiUrl) {
        return Fix.manual("check the API URL (" + apiUrl + "), your VPN, and the HTTPS proxy settings"
                + " (HTTPS_PROXY/NO_PROXY); `oc whoami --show-server` prints the URL your oc uses");
    }

    private static ClusterException fromStatus(KubernetesClientException e, String apiUrl, String prefix) {
        int code = e.getCode();
        Status status = e.getStatus();
        String serverMsg = status != null && status.getMessage() != null ? status.getMessage() : e.getMessage();
        if (code == 401) {
            return new ClusterException(ClusterException.Kind.UNAUTHORIZED,
                    prefix + "the cluster at " + apiUrl + " did not accept the credentials (401 Unauthorized):"
                            + " the token has expired or was revoked",
                    Fix.manual("log in again (`oc login " + apiUrl + "` or copy a new token from the web console:"
                            + " your user name > Copy login command), then reconnect"), e);
        }
        if (code == 403) {
            Matcher m = FORBIDDEN.matcher(serverMsg == null ? "" : serverMsg);
            String verb = null;
            String resource = null;
            String detail = serverMsg;
            if (m.find()) {
                verb = m.group(1);
                resource = m.group(3).isEmpty() ? m.group(2) : m.group(2) + "." + m.group(3);
                detail = "you may not " + verb + " " + resource
                        + (m.group(4) != null ? " in namespace " + m.group(4) : " (cluster-wide)");
            }
            return new ClusterException(ClusterException.Kind.FORBIDDEN,
                    prefix + "forbidden (403): " + detail,
                    Fix.manual(verb != null
                            ? "ask a cluster administrator for permission to " + verb + " " + resource
                            + " (the installer needs cluster-admin or an equivalent role), or log in as such a user"
                            : "log in as a user with the needed permissions (cluster-admin)"),
                    e, null, verb, resource);
        }
        return new ClusterException(ClusterException.Kind.API_ERROR,
                prefix + "the API server answered " + code + ": " + serverMsg,
                Fix.manual("check the cluster's state and retry"), e);
    }

    private static ClusterException untrusted(Throwable error, String apiUrl, TrustStore trust, ProxySettings proxy,
                                              String prefix) {
        CertificateInfo leaf = null;
        try {
            if (apiUrl != null && apiUrl.startsWith("https")) {
                List<CertificateInfo> chain = CertificateProbe.probe(apiUrl, proxy, Duration.ofSeconds(10));
                leaf = chain.get(0);
            }
        } catch (RuntimeException ignored) {
            // the message below still says what to do
        }
        StringBuilder msg = new StringBuilder(prefix).append("the certificate of ").append(apiUrl)
                .append(" is not trusted");
        TrustStore.Entry known = trust == null || apiUrl == null ? null : trust.get(apiUrl).orElse(null);
        if (known != null && leaf != null && !known.sha256().equals(leaf.sha256Fingerprint())) {
            msg.append(": it differs from the certificate you trusted on ").append(known.trustedAt())
                    .append(" (SHA-256 ").append(known.sha256()).append(")");
        }
        if (leaf != null) {
            msg.append("; the server presents SHA-256 fingerprint ").append(leaf.sha256Fingerprint())
                    .append(" (subject ").append(leaf.subject()).append(")");
        }
        Throwable root = rootCause(error);
        if (root != null && root.getMessage() != null
                && root.getMessage().toLowerCase(java.util.Locale.ROOT).contains("hostname")) {
            msg.append("; ").append(root.getMessage());
        }
        Fix fix = Fix.manual("compare the fingerprint with the one your cluster administrator gives you"
                + " (`oc get configmap kube-root-ca.crt -n default` or `openssl s_client -connect HOST:PORT`);"
                + " if it matches, trust it (wizard: \"Trust this certificate\"; CLI: --trust-fingerprint"
                + (leaf != null ? " " + leaf.sha256Fingerprint() : " SHA256") + "), or give the cluster's CA file"
                + " (--ca-file)");
        return new ClusterException(ClusterException.Kind.UNTRUSTED_CERTIFICATE, msg.toString(), fix, error, leaf,
                null, null);
    }

    private static boolean isTls(Throwable error) {
        return firstOf(error, SSLHandshakeException.class, SSLPeerUnverifiedException.class,
                CertificateException.class) != null
                || (firstOf(error, SSLException.class) != null && String.valueOf(rootCause(error).getMessage())
                .contains("PKIX"));
    }

    private static <T extends Throwable> T find(Throwable error, Class<T> type) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    @SafeVarargs
    private static Throwable firstOf(Throwable error, Class<? extends Throwable>... types) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(t)) {
                    return t;
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static Throwable rootCause(Throwable error) {
        Throwable t = error;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
