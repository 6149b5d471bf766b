package dev.maas.installer.sandbox;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLHandshakeException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The system's CAs next to the Java runtime's, against a loopback HTTPS server whose certificate is signed by a CA
 * of the test's own, known only to a PEM bundle given as {@code SSL_CERT_FILE} or in a folder of {@code SSL_CERT_DIR}
 * (through an injected environment: nothing of this machine's own trust store is needed).
 */
class SystemTrustTest {
    @TempDir
    Path tmp;

    private final HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0)
            .commonName("MaaS test proxy CA").build();
    private final HeldCertificate other = new HeldCertificate.Builder().certificateAuthority(0)
            .commonName("another CA").build();
    private HttpsServer server;

    @BeforeEach
    void serve() throws Exception {
        HeldCertificate leaf = new HeldCertificate.Builder().signedBy(ca).addSubjectAlternativeName("127.0.0.1")
                .addSubjectAlternativeName("localhost").build();
        HandshakeCertificates serverCerts = new HandshakeCertificates.Builder().heldCertificate(leaf, ca.certificate())
                .build();
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverCerts.sslContext()));
        server.createContext("/", ex -> {
            byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String get(SystemTrust trust) throws Exception {
        HttpsURLConnection c = (HttpsURLConnection) new URL("https://127.0.0.1:" + server.getAddress().getPort() + "/")
                .openConnection();
        c.setSSLSocketFactory(trust.sslContext().getSocketFactory());
        c.setConnectTimeout(10_000);
        c.setReadTimeout(10_000);
        try (var in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } finally {
            c.disconnect();
        }
    }

    private Path bundle(String name, HeldCertificate... cas) throws Exception {
        StringBuilder pem = new StringBuilder("# a bundle with comments between its certificates\n");
        for (HeldCertificate c : cas) {
            pem.append("subject=").append(c.certificate().getSubjectX500Principal()).append('\n')
                    .append(c.certificatePem());
        }
        Path file = tmp.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, pem);
        return file;
    }

    @Test
    void aCaOnlyInTheBundleOfSslCertFileIsTrustedBesideTheRuntimesOwn() throws Exception {
        Path file = bundle("proxy-ca.pem", other, ca);
        SystemTrust trust = SystemTrust.of(Map.of(SystemTrust.CERT_FILE_ENV, file.toString())::get, "Linux");
        assertThat(get(trust)).isEqualTo("ok");
        assertThat(trust.describe()).startsWith("the Java runtime's ").contains("2 more from " + file)
                .contains("SSL_CERT_FILE");
        // the runtime's own CAs stay trusted
        assertThat(trust.trustManager().getAcceptedIssuers()).contains(ca.certificate(), other.certificate())
                .hasSizeGreaterThan(50);
    }

    @Test
    void aCaInAFolderOfSslCertDirIsTrusted() throws Exception {
        bundle("certs/a1b2c3d4.0", ca);
        Files.writeString(tmp.resolve("certs/README"), "not a certificate");
        Map<String, String> env = new HashMap<>();
        env.put(SystemTrust.CERT_FILE_ENV, bundle("empty.pem").toString());
        env.put(SystemTrust.CERT_DIR_ENV, tmp.resolve("missing") + ":" + tmp.resolve("certs"));
        SystemTrust trust = SystemTrust.of(env::get, "Linux");
        assertThat(get(trust)).isEqualTo("ok");
        assertThat(trust.describe()).contains(tmp.resolve("certs") + " (SSL_CERT_DIR)");
    }

    @Test
    void aCertificateOfATrustedCaForAnotherHostIsRefusedByTheDownloadsClient() throws Exception {
        // the download's OkHttp client takes SystemTrust's socket factory and trust manager and keeps OkHttp's own
        // host name check: a certificate the bundle's CA signed for another name is refused
        HeldCertificate elsewhere = new HeldCertificate.Builder().signedBy(ca)
                .addSubjectAlternativeName("repo.example.org").build();
        HttpsServer wrongName = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        wrongName.setHttpsConfigurator(new HttpsConfigurator(new HandshakeCertificates.Builder()
                .heldCertificate(elsewhere, ca.certificate()).build().sslContext()));
        wrongName.createContext("/", ex -> {
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        wrongName.start();
        try {
            SystemTrust trust = SystemTrust.of(Map.of(SystemTrust.CERT_FILE_ENV, bundle("proxy-ca.pem", ca)
                    .toString())::get, "Linux");
            okhttp3.OkHttpClient client = new okhttp3.OkHttpClient.Builder()
                    .sslSocketFactory(trust.sslContext().getSocketFactory(), trust.trustManager()).build();
            okhttp3.Request right = new okhttp3.Request.Builder()
                    .url("https://127.0.0.1:" + server.getAddress().getPort() + "/").build();
            try (okhttp3.Response r = client.newCall(right).execute()) {
                assertThat(r.code()).isEqualTo(200);
            }
            okhttp3.Request wrong = new okhttp3.Request.Builder()
                    .url("https://127.0.0.1:" + wrongName.getAddress().getPort() + "/").build();
            assertThatThrownBy(() -> client.newCall(wrong).execute().close())
                    .isInstanceOf(javax.net.ssl.SSLPeerUnverifiedException.class)
                    .hasMessageContaining("127.0.0.1");
        } finally {
            wrongName.stop(0);
        }
    }

    @Test
    void aCaInNoStoreIsNotTrusted() throws Exception {
        SystemTrust trust = SystemTrust.of(Map.of(SystemTrust.CERT_FILE_ENV, bundle("other.pem", other).toString(),
                SystemTrust.CERT_DIR_ENV, tmp.resolve("none").toString())::get, "Linux");
        assertThatThrownBy(() -> get(trust)).isInstanceOf(SSLHandshakeException.class);
        assertThat(KeycloakDownload.untrustedCertificate(catchHandshake(trust))).isTrue();
    }

    private Throwable catchHandshake(SystemTrust trust) {
        try {
            get(trust);
            throw new AssertionError("the handshake succeeded");
        } catch (Exception e) {
            return e;
        }
    }

    @Test
    void anSslCertFileThatIsNoFileIsSaidInTheDescriptionAndOnlyTheRuntimesCasAreTrusted() throws Exception {
        Path missing = tmp.resolve("missing.pem");
        SystemTrust trust = SystemTrust.of(Map.of(SystemTrust.CERT_FILE_ENV, missing.toString())::get, "Linux");
        assertThat(trust.describe()).startsWith("the Java runtime's ")
                .endsWith(" CA certificates (SSL_CERT_FILE=" + missing + " is not a readable file)");
        assertThatThrownBy(() -> get(trust)).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void anSslCertFileOrFolderWithoutCertificatesIsNotNamedAsASourceButAsUnread() throws Exception {
        Path empty = Files.writeString(tmp.resolve("empty.pem"), "no certificate here\n");
        Path folder = Files.createDirectories(tmp.resolve("empty-certs"));
        SystemTrust trust = SystemTrust.of(Map.of(SystemTrust.CERT_FILE_ENV, empty.toString(),
                SystemTrust.CERT_DIR_ENV, folder.toString())::get, "Linux");
        assertThat(trust.describe()).startsWith("the Java runtime's ").doesNotContain("from " + empty)
                .contains("SSL_CERT_FILE=" + empty + " holds no certificate that can be read")
                .contains("SSL_CERT_DIR names " + folder + ", which holds no certificate that can be read");
        assertThatThrownBy(() -> get(trust)).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void aBadCertificateInABundleIsSkippedAndTheOthersAreRead() throws Exception {
        Path file = tmp.resolve("mixed.pem");
        Files.writeString(file, "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n"
                + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" + ca.certificatePem());
        Set<X509Certificate> read = new LinkedHashSet<>();
        assertThat(SystemTrust.readPem(file, read)).isEqualTo(1);
        assertThat(read).containsExactly(ca.certificate());
    }

    @Test
    void withoutTheVariablesTheFirstSystemBundleThatExistsIsRead() {
        SystemTrust trust = SystemTrust.of(Map.<String, String>of()::get, "Linux");
        SystemTrust.BUNDLES.stream().filter(Files::isRegularFile).findFirst()
                .ifPresentOrElse(b -> assertThat(trust.describe()).contains("from " + b),
                        () -> assertThat(trust.describe()).doesNotContain("SSL_CERT"));
    }
}
