package dev.maas.installer.stages.common;

import dev.maas.installer.engine.StageContext;

import javax.net.ssl.X509TrustManager;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The certificate authorities the cluster's own components trust without being told: the CA stores of their images
 * (the 3scale operator's Go client and system-app use the system store of their UBI images, system-app through
 * {@code SSL_CERT_DIR=/etc/pki/tls/certs}; 3scale-operator {@code pkg/3scale/amp/component/system.go}). The installer
 * approximates them with this JVM's default trust store: both hold the public web CAs and nothing of a cluster's own.
 *
 * <p>A run may add anchors by providing a {@code PublicCas} ({@link StageContext#provide}); tests do that to model a
 * cluster whose ingress certificate comes from a public CA.
 *
 * @param extra anchors trusted in addition to the JVM's
 */
public record PublicCas(List<X509Certificate> extra) {
    public PublicCas {
        extra = List.copyOf(extra);
    }

    /** The run's public CAs: the JVM's, plus what the run provided. */
    public static PublicCas of(StageContext ctx) {
        return ctx.has(PublicCas.class) ? ctx.service(PublicCas.class) : new PublicCas(List.of());
    }

    /** A trust manager over these anchors. */
    public X509TrustManager trustManager() {
        return EndpointTrust.withExtra(extra);
    }
}
