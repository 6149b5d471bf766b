package dev.maas.installer.cluster;

import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Trusting a certificate by its fingerprint pins that certificate for that cluster URL only, and verification stays
 * on (docs/reliability.md, "TLS verification"): the host name must still match it, and another URL presenting the
 * same certificate is not trusted by it. (A wrong certificate without any trust: ClusterConnectionTest.)
 */
class TrustScopeTest {
    private static final String TOKEN = "sha256~scope-" + System.nanoTime();

    @TempDir
    Path dir;

    private static ConnectionSettings token(String url) {
        return ConnectionSettings.token(url, TOKEN).withProxy(ProxySettings.NONE)
                .withRequestTimeout(Duration.ofSeconds(10));
    }

    @Test
    void aTrustedCertificateForAnotherHostNameStillFailsHostnameVerification() throws Exception {
        HeldCertificate elsewhere = new HeldCertificate.Builder().commonName("api.elsewhere.example")
                .addSubjectAlternativeName("api.elsewhere.example").build();
        TrustStore trust = new TrustStore(dir.resolve("trusted-clusters.json"));
        try (TlsApiServer server = new TlsApiServer(elsewhere, TOKEN)) {
            trust.trust(server.url(), CertificateInfo.of(elsewhere.certificate()));
            ClusterException e = catchThrowableOfType(ClusterException.class,
                    () -> ClusterConnection.connect(token(server.url()), trust).close());
            assertThat(e).as("connected to localhost with a certificate for another host").isNotNull();
            assertThat(e.getMessage()).doesNotContain(TOKEN);
        }
    }

    @Test
    void trustIsForOneClusterUrlOnly() throws Exception {
        HeldCertificate cert = TlsApiServer.selfSigned("api.test-cluster");
        TrustStore trust = new TrustStore(dir.resolve("trusted-clusters.json"));
        try (TlsApiServer trusted = new TlsApiServer(cert, TOKEN); TlsApiServer other = new TlsApiServer(cert, TOKEN)) {
            trust.trust(trusted.url(), CertificateInfo.of(cert.certificate()));
            ClusterConnection.connect(token(trusted.url()), trust).close();

            ClusterException e = catchThrowableOfType(ClusterException.class,
                    () -> ClusterConnection.connect(token(other.url()), trust).close());
            assertThat(e).isNotNull();
            assertThat(e.kind()).isEqualTo(ClusterException.Kind.UNTRUSTED_CERTIFICATE);
        }
    }
}
