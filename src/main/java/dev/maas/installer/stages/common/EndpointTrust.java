package dev.maas.installer.stages.common;

import dev.maas.installer.cluster.TrustStore;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import io.fabric8.kubernetes.client.KubernetesClient;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * The trust for the HTTPS endpoints the stages talk to besides the API server (Keycloak, the 3scale Admin API):
 * the JVM's CAs plus the same extra trust the cluster connection has, so that a cluster with a private CA works
 * everywhere once it works for the API server:
 * <ul>
 *   <li>the CA bundle of the run's Kubernetes client (the kubeconfig's CA, {@code cluster.caFile}, and a certificate
 *       the user trusted by fingerprint, as {@code ClusterConnection} put them there);</li>
 *   <li>the cluster's default ingress certificate as OpenShift publishes it (ConfigMap
 *       {@code openshift-config-managed/default-ingress-cert}, {@link ClusterFacts#defaultIngressCertificate}): the
 *       Routes of 3scale and Keycloak are served with it, and on a fresh cluster it is signed by the cluster's own
 *       ingress CA, which no public trust store holds. It is read through the authenticated, verified cluster
 *       connection, so it is trusted as far as that connection is;</li>
 *   <li>{@code cluster.caFile} from the configuration (also when the client came from elsewhere);</li>
 *   <li>a certificate the user trusted explicitly for this endpoint's URL in the {@link TrustStore}.</li>
 * </ul>
 * Verification is never turned off: certificates are checked by the JDK's PKIX validation against these anchors,
 * and host names are verified by the HTTP clients as usual.
 */
public final class EndpointTrust {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointTrust.class);

    private final List<X509Certificate> extra;
    private final X509TrustManager trustManager;
    private final SSLContext sslContext;

    private EndpointTrust(List<X509Certificate> extra) {
        this.extra = List.copyOf(extra);
        if (extra.isEmpty()) {
            this.trustManager = null;
            this.sslContext = null;
            return;
        }
        try {
            TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            system.init((KeyStore) null);
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            int n = 0;
            for (TrustManager tm : system.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    for (X509Certificate ca : x.getAcceptedIssuers()) {
                        anchors.setCertificateEntry("system-" + n++, ca);
                    }
                }
            }
            for (X509Certificate ca : extra) {
                anchors.setCertificateEntry("extra-" + n++, ca);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(anchors);
            X509TrustManager found = null;
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    found = x;
                }
            }
            this.trustManager = found;
            this.sslContext = SSLContext.getInstance("TLS");
            this.sslContext.init(null, new TrustManager[] {found}, null);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the TLS trust: " + e.getMessage(), e);
        }
    }

    /** The JVM's CAs plus these certificates (PEM, any number of certificates per text). */
    public static EndpointTrust of(List<String> pemBundles) {
        List<X509Certificate> certs = new ArrayList<>();
        for (String pem : pemBundles) {
            certs.addAll(parse(pem, "a CA bundle"));
        }
        return new EndpointTrust(certs);
    }

    /** The trust for {@code endpointUrl} in this run (see the class comment). */
    public static EndpointTrust forRun(StageContext ctx, String endpointUrl) {
        List<X509Certificate> certs = new ArrayList<>();
        if (ctx.has(KubernetesClient.class)) {
            try {
                String data = ctx.service(KubernetesClient.class).getConfiguration().getCaCertData();
                if (data != null && !data.isBlank()) {
                    certs.addAll(parse(new String(Base64.getDecoder().decode(data.trim()), StandardCharsets.US_ASCII),
                            "the cluster connection's CA bundle"));
                }
            } catch (IllegalArgumentException e) {
                LOG.debug("The cluster connection's CA data is not base64 PEM; not used for {}", endpointUrl);
            }
        }
        if (ctx.has(KubernetesClient.class)) {
            ClusterFacts.defaultIngressCertificate(ctx.service(KubernetesClient.class)).ifPresent(pem -> {
                try {
                    certs.addAll(parse(pem, "the cluster's default ingress certificate"));
                } catch (StageException e) {
                    LOG.warn("The cluster's published ingress certificate cannot be read ({}); not used for {}",
                            e.getMessage(), endpointUrl);
                }
            });
        }
        String caFile = ctx.config().cluster() == null ? null : ctx.config().cluster().caFile();
        if (caFile != null && !caFile.isBlank()) {
            Path file = Path.of(caFile.trim());
            try {
                certs.addAll(parse(Files.readString(file, StandardCharsets.US_ASCII), "cluster.caFile " + file));
            } catch (IOException e) {
                throw StageException.invalidInput("cannot read the CA file " + file + " (cluster.caFile): "
                        + e.getMessage(), Fix.configField("cluster.caFile", "give a readable PEM file"));
            }
        }
        if (endpointUrl != null && endpointUrl.startsWith("https://")) {
            try {
                TrustStore.userDefault().get(endpointUrl).ifPresent(e -> certs.addAll(parse(e.pem(),
                        "the certificate trusted for " + endpointUrl)));
            } catch (UncheckedIOException | IllegalArgumentException e) {
                LOG.warn("Could not read the trusted certificates ({}); using the other CAs for {}", e.getMessage(),
                        endpointUrl);
            }
        }
        return new EndpointTrust(certs);
    }

    /** The extra CAs (beyond the JVM's). */
    public List<X509Certificate> extraCertificates() { return extra; }

    /** The trust manager of these anchors (the JVM's default one when there is nothing beyond the JVM's CAs). */
    public X509TrustManager trustManager() {
        return trustManager != null ? trustManager : jvmDefault();
    }

    /** The JVM's default trust manager (its {@code cacerts}). */
    static X509TrustManager jvmDefault() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("the JVM has no X.509 trust manager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the JVM's trust store: " + e.getMessage(), e);
        }
    }

    /** The JVM's CAs plus these certificates, as a trust manager. */
    static X509TrustManager withExtra(List<X509Certificate> extra) {
        return extra.isEmpty() ? jvmDefault() : new EndpointTrust(extra).trustManager;
    }

    /** The TLS context, or null when there is nothing beyond the JVM's CAs (use the default then). */
    public SSLContext sslContext() { return sslContext; }

    /** An OkHttp client that trusts these CAs (host names are verified as always). */
    public OkHttpClient okHttp(OkHttpClient base) {
        OkHttpClient b = base == null ? new OkHttpClient() : base;
        if (sslContext == null) {
            return b;
        }
        return b.newBuilder().sslSocketFactory(sslContext.getSocketFactory(), trustManager).build();
    }

    static List<X509Certificate> parse(String pem, String what) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            Collection<? extends Certificate> all = cf.generateCertificates(
                    new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            for (Certificate c : all) {
                if (c instanceof X509Certificate x) {
                    out.add(x);
                }
            }
        } catch (GeneralSecurityException e) {
            throw StageException.invalidInput("cannot read " + what + " as PEM certificates: " + e.getMessage(),
                    Fix.configField("cluster.caFile", "give the CA certificate(s) in PEM form"));
        }
        return out;
    }
}
