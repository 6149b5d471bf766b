package dev.maas.installer.stages.common;

import dev.maas.installer.cluster.CertificateInfo;
import dev.maas.installer.cluster.CertificateProbe;
import dev.maas.installer.cluster.ClusterException;
import dev.maas.installer.cluster.ProxySettings;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.X509TrustManager;
import java.net.InetAddress;
import java.net.URI;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the certificate of a Route (the URL the cluster's pods call: the tenant admin portal the 3scale operator
 * calls, the Keycloak that system-app calls at developer sign-in) is publicly trusted, i.e. verified by
 * {@link PublicCas} (what those pods trust), or only by the cluster's own CAs (the installer's {@link EndpointTrust},
 * which holds the published ingress certificate), or by neither.
 *
 * <p>The certificate is the one the host serves when this machine reaches it (a TLS handshake that is aborted as
 * soon as the chain is seen: nothing is sent). When it cannot (the desktop does not resolve the apps domain and uses
 * endpoint overrides), it is the one the router serves for that host: the Route's own {@code spec.tls.certificate}
 * when it has one, else the cluster's default ingress certificate as published in
 * {@code openshift-config-managed/default-ingress-cert} (the router serves the default certificate for every Route
 * without its own; cluster-ingress-operator {@code certificate/controller.go}).
 */
public final class RouteCertificates {
    private static final Logger LOG = LoggerFactory.getLogger(RouteCertificates.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
    private static final ResourceDefinitionContext ROUTES = new ResourceDefinitionContext.Builder()
            .withGroup("route.openshift.io").withVersion("v1").withPlural("routes").withKind("Route")
            .withNamespaced(true).build();

    private RouteCertificates() { }

    /** Who verifies the certificate. */
    public enum Trust {
        /** The public CAs: the cluster's pods verify it. */
        PUBLIC,
        /** Only the cluster's own CAs (its ingress CA, the kubeconfig's, cluster.caFile): the pods do not. */
        CLUSTER,
        /** Nobody the installer knows. */
        UNTRUSTED,
        /** The URL is plain HTTP: there is no certificate. */
        PLAIN_HTTP,
        /** The certificate could not be found out. */
        UNKNOWN
    }

    /**
     * The result.
     *
     * @param trust  who verifies the certificate
     * @param url    the URL looked at
     * @param source where the certificate came from ("served by host:port", "the Route's certificate", ...)
     * @param issuer the issuer of the leaf certificate (empty when unknown)
     */
    public record Assessment(Trust trust, String url, String source, String issuer) {
        public boolean publiclyTrusted() { return trust == Trust.PUBLIC; }

        /** "publicly trusted", "signed by ... (trusted by the cluster's own CAs only)", ... for messages. */
        public String describe() {
            return switch (trust) {
                case PUBLIC -> "publicly trusted (" + source + ")";
                case CLUSTER -> "signed by " + issuer + ", which only the cluster's own CAs trust, not the public CAs"
                        + " in the pods' trust stores (" + source + ")";
                case UNTRUSTED -> "signed by " + issuer + ", which neither the public CAs nor the cluster's CAs"
                        + " trust (" + source + ")";
                case PLAIN_HTTP -> "plain HTTP, no certificate";
                case UNKNOWN -> "not known (" + source + ")";
            };
        }
    }

    /**
     * Assesses the certificate at {@code url}; {@code routeNamespace} is where a Route for its host may be (null:
     * look only at the default ingress certificate when the host cannot be reached).
     */
    public static Assessment assess(StageContext ctx, String url, String routeNamespace) {
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            return new Assessment(Trust.UNKNOWN, url, "not a URL", "");
        }
        if (!"https".equalsIgnoreCase(uri.getScheme())) {
            return new Assessment(Trust.PLAIN_HTTP, url, "plain HTTP", "");
        }
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        List<X509Certificate> chain;
        String source;
        String unreachable;
        try {
            chain = new ArrayList<>();
            for (CertificateInfo info : CertificateProbe.probe(url, ProxySettings.fromEnvironment(), PROBE_TIMEOUT)) {
                chain.addAll(EndpointTrust.parse(info.pem(), "the certificate of " + host));
            }
            return judge(ctx, url, host, chain, "served by " + host + (uri.getPort() > 0 ? ":" + uri.getPort() : ""));
        } catch (ClusterException e) {
            unreachable = e.getMessage();
            LOG.debug("{} not reachable from here ({}); looking at the certificate the router serves for it", url,
                    unreachable);
        }
        if (!ctx.has(KubernetesClient.class)) {
            return new Assessment(Trust.UNKNOWN, url, unreachable, "");
        }
        KubernetesClient k = ctx.service(KubernetesClient.class);
        Optional<String> routeCert = routeNamespace == null ? Optional.empty() : routeCertificate(k, routeNamespace, host);
        if (routeCert.isPresent()) {
            try {
                chain = EndpointTrust.parse(routeCert.get(), "the certificate of the Route for " + host);
            } catch (StageException e) {
                return new Assessment(Trust.UNKNOWN, url, e.getMessage(), "");
            }
            source = "the certificate of the Route for " + host + " in " + routeNamespace;
        } else {
            Optional<String> domain;
            try {
                domain = ClusterFacts.appsDomain(k);
            } catch (StageException e) {
                domain = Optional.empty();
            }
            Optional<String> ingress = ClusterFacts.defaultIngressCertificate(k);
            if (domain.isEmpty() || !host.endsWith("." + domain.get()) || ingress.isEmpty()) {
                return new Assessment(Trust.UNKNOWN, url, unreachable, "");
            }
            try {
                chain = EndpointTrust.parse(ingress.get(), "the cluster's default ingress certificate");
            } catch (StageException e) {
                return new Assessment(Trust.UNKNOWN, url, e.getMessage(), "");
            }
            source = "the cluster's default ingress certificate, which the router serves for " + host
                    + " (ConfigMap " + ClusterFacts.INGRESS_CERT_NAMESPACE + "/" + ClusterFacts.INGRESS_CERT_CONFIG_MAP
                    + ")";
        }
        return judge(ctx, url, host, chain, source);
    }

    private static Assessment judge(StageContext ctx, String url, String host, List<X509Certificate> certs,
                                    String source) {
        if (certs.isEmpty()) {
            return new Assessment(Trust.UNKNOWN, url, source + ": no certificate", "");
        }
        X509Certificate[] chain = leafFirst(certs, host);
        String issuer = chain[0].getIssuerX500Principal().getName();
        if (!matchesHost(chain[0], host)) {
            return new Assessment(Trust.UNTRUSTED, url, source + "; it is not valid for " + host, issuer);
        }
        if (verifies(PublicCas.of(ctx).trustManager(), chain)) {
            return new Assessment(Trust.PUBLIC, url, source, issuer);
        }
        if (verifies(EndpointTrust.forRun(ctx, url).trustManager(), chain)) {
            return new Assessment(Trust.CLUSTER, url, source, issuer);
        }
        return new Assessment(Trust.UNTRUSTED, url, source, issuer);
    }

    /** The certificate valid for {@code host} first, then the rest in their order. */
    private static X509Certificate[] leafFirst(List<X509Certificate> certs, String host) {
        List<X509Certificate> out = new ArrayList<>(certs);
        for (X509Certificate c : certs) {
            if (c.getBasicConstraints() < 0 && matchesHost(c, host)) {
                out.remove(c);
                out.add(0, c);
                break;
            }
        }
        return out.toArray(X509Certificate[]::new);
    }

    private static boolean verifies(X509TrustManager tm, X509Certificate[] chain) {
        String algorithm = chain[0].getPublicKey().getAlgorithm();
        String authType = "RSA".equals(algorithm) ? "ECDHE_RSA" : "EC".equals(algorithm) ? "ECDHE_ECDSA" : "UNKNOWN";
        try {
            tm.checkServerTrusted(chain, authType);
            return true;
        } catch (CertificateException | IllegalArgumentException e) {
            return false;
        }
    }

    /** RFC 6125 matching of the subject alternative names: exact, or a wildcard for one leftmost label. */
    static boolean matchesHost(X509Certificate cert, String host) {
        Collection<List<?>> names;
        try {
            names = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return false;
        }
        if (names == null) {
            return false;
        }
        boolean ip = host.matches("[0-9.]+") || host.contains(":");
        for (List<?> n : names) {
            int type = (Integer) n.get(0);
            String value = String.valueOf(n.get(1)).toLowerCase(Locale.ROOT);
            if (ip && type == 7) {
                try {
                    if (InetAddress.getByName(value).equals(InetAddress.getByName(host))) {
                        return true;
                    }
                } catch (java.net.UnknownHostException e) {
                    // not an address
                }
            } else if (!ip && type == 2) {
                if (value.equals(host)) {
                    return true;
                }
                if (value.startsWith("*.") && host.indexOf('.') > 0
                        && host.substring(host.indexOf('.')).equals(value.substring(1))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The PEM of {@code spec.tls.certificate} (and its CA) of the Route for {@code host} in the namespace. */
    private static Optional<String> routeCertificate(KubernetesClient k, String ns, String host) {
        try {
            for (GenericKubernetesResource r : k.genericKubernetesResources(ROUTES).inNamespace(ns).list().getItems()) {
                if (r.getAdditionalProperties().get("spec") instanceof Map<?, ?> spec
                        && host.equalsIgnoreCase(String.valueOf(spec.get("host")))
                        && spec.get("tls") instanceof Map<?, ?> tls && tls.get("certificate") instanceof String cert
                        && !cert.isBlank()) {
                    return Optional.of(cert + (tls.get("caCertificate") instanceof String ca ? "\n" + ca : ""));
                }
            }
        } catch (KubernetesClientException e) {
            LOG.debug("cannot list Routes in {}: {}", ns, e.getMessage());
        }
        return Optional.empty();
    }
}
