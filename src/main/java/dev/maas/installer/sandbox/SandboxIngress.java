package dev.maas.installer.sandbox;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * The test cluster's default ingress certificate, as a fresh OpenShift cluster has it: the cluster-ingress-operator
 * makes its own self-signed CA ({@code cluster-ingress-operator@<unix time>}, secret {@code router-ca};
 * cluster-ingress-operator {@code pkg/operator/controller/certificate/ca.go}) and signs with it a wildcard serving
 * certificate for {@code *.<apps domain>} whose {@code tls.crt} holds the leaf followed by that CA
 * ({@code default_cert.go}, library-go {@code MakeServerCert}). The router serves it for every Route without a
 * certificate of its own. The operator publishes that {@code tls.crt} as ConfigMap {@value #CONFIG_MAP} in
 * {@value #CONFIG_MAP_NAMESPACE}, key {@value #CA_BUNDLE_KEY} ({@code certificate/controller.go},
 * {@code publish_ca.go}): {@link ClusterSeed} seeds it so.
 *
 * <p>No JVM trusts this CA, as no image's CA store trusts a cluster's own ingress CA. One deviation: the serving
 * certificate also names {@code localhost} and {@code 127.0.0.1}, because the sandbox serves its Route hosts on
 * loopback ({@link #front(int)}) and the installer reaches them through endpoint overrides.
 */
public final class SandboxIngress {
    public static final String CONFIG_MAP_NAMESPACE = "openshift-config-managed";
    public static final String CONFIG_MAP = "default-ingress-cert";
    public static final String CA_BUNDLE_KEY = "ca-bundle.crt";

    private final String appsDomain;
    private final X509Certificate ca;
    private final X509Certificate serving;
    private final String servingKeyPem;

    private SandboxIngress(String appsDomain, X509Certificate ca, X509Certificate serving, String servingKeyPem) {
        this.appsDomain = appsDomain;
        this.ca = ca;
        this.serving = serving;
        this.servingKeyPem = servingKeyPem;
    }

    /** A new ingress CA and a wildcard certificate for {@code *.<appsDomain>} signed by it. */
    public static SandboxIngress create(String appsDomain) {
        try {
            SecureRandom random = new SecureRandom();
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(256, random);
            KeyPair caKeys = generator.generateKeyPair();
            Instant now = Instant.now();
            X500Name caName = new X500Name("CN=cluster-ingress-operator@" + now.getEpochSecond());
            X509v3CertificateBuilder caBuilder = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE,
                    Date.from(now.minusSeconds(1)), Date.from(now.plus(Duration.ofDays(730))), caName,
                    caKeys.getPublic());
            caBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            caBuilder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
                    | KeyUsage.keyEncipherment | KeyUsage.keyCertSign));
            X509Certificate ca = new JcaX509CertificateConverter().getCertificate(caBuilder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));

            KeyPair keys = generator.generateKeyPair();
            X500Name subject = new X500Name("CN=*." + appsDomain);
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caName,
                    new BigInteger(64, random), Date.from(now.minusSeconds(1)),
                    Date.from(now.plus(Duration.ofDays(730))), subject, keys.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "*." + appsDomain),
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
                    | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            X509Certificate serving = new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
            return new SandboxIngress(appsDomain, ca, serving,
                    TlsFront.pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException
                 | org.bouncycastle.cert.CertIOException e) {
            throw new IllegalStateException("cannot create the sandbox's ingress certificate", e);
        }
    }

    public String appsDomain() {
        return appsDomain;
    }

    /** The ingress CA (self-signed; nobody trusts it by default). */
    public X509Certificate ca() {
        return ca;
    }

    /** The ingress CA in PEM form. */
    public String caPem() {
        return pem(ca);
    }

    /** The serving chain, leaf first: the router's {@code tls.crt}, also the published {@value #CA_BUNDLE_KEY}. */
    public String servingChainPem() {
        return pem(serving) + pem(ca);
    }

    /** The serving chain as certificates, leaf first. */
    public List<X509Certificate> servingChain() {
        return List.of(serving, ca);
    }

    /**
     * The serving chain and its key in one PEM text (leaf, CA, PKCS#8 key), as a resumed sandbox keeps them
     * ({@link #fromPem}): the published CA bundle and the served certificate stay the ones clients already trust.
     */
    String toPem() {
        return servingChainPem() + servingKeyPem;
    }

    /** The ingress certificate kept by {@link #toPem()}; the apps domain must be the one it was made for. */
    static SandboxIngress fromPem(String appsDomain, String pem) {
        int key = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        List<X509Certificate> chain = key < 0 ? List.of() : parse(pem.substring(0, key));
        if (chain.size() != 2) {
            throw new IllegalArgumentException("not a serving certificate, its CA and a private key");
        }
        if (!matchesHost(chain.get(0), "x." + appsDomain)) {
            throw new IllegalArgumentException("the certificate is not for *." + appsDomain);
        }
        return new SandboxIngress(appsDomain, chain.get(1), chain.get(0), pem.substring(key));
    }

    /** The certificates of a PEM bundle (such as the published {@value #CA_BUNDLE_KEY}), in order. */
    static List<X509Certificate> parse(String pem) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Certificate c : cf.generateCertificates(
                    new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                if (c instanceof X509Certificate x) {
                    out.add(x);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not PEM certificates: " + e.getMessage(), e);
        }
        return out;
    }

    /** Whether the certificate's subject alternative names cover {@code host} (one wildcard label at most). */
    static boolean matchesHost(X509Certificate cert, String host) {
        try {
            if (cert.getSubjectAlternativeNames() == null) {
                return false;
            }
            for (List<?> n : cert.getSubjectAlternativeNames()) {
                String name = String.valueOf(n.get(1)).toLowerCase(java.util.Locale.ROOT);
                String h = host.toLowerCase(java.util.Locale.ROOT);
                if (name.equals(h) || (name.startsWith("*.") && h.indexOf('.') > 0
                        && h.substring(h.indexOf('.')).equals(name.substring(1)))) {
                    return true;
                }
            }
            return false;
        } catch (java.security.cert.CertificateParsingException e) {
            return false;
        }
    }

    /**
     * Serves the Route hosts of a component on loopback as the router would: TLS with this certificate on a free
     * port of 127.0.0.1, relayed to the component's plain HTTP port.
     */
    TlsFront front(int backendPort) {
        return front(0, backendPort);
    }

    /** As {@link #front(int)}, on {@code port} (0: a free one). */
    TlsFront front(int port, int backendPort) {
        return TlsFront.start(port, backendPort, servingChainPem(), servingKeyPem, servingChainPem());
    }

    /**
     * Serves the Route hosts of a component whose server builds its URLs from the forwarded headers (Keycloak) as
     * the router would: TLS with this certificate, each request forwarded with the router's forwarded headers
     * ({@link TlsFront#startRouter}).
     */
    TlsFront routerFront(int backendPort) {
        return routerFront(0, backendPort);
    }

    /** As {@link #routerFront(int)}, on {@code port} (0: a free one). */
    TlsFront routerFront(int port, int backendPort) {
        return TlsFront.startRouter(port, backendPort, servingChainPem(), servingKeyPem, servingChainPem());
    }

    private static String pem(X509Certificate cert) {
        try {
            return TlsFront.pem("CERTIFICATE", cert.getEncoded());
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
