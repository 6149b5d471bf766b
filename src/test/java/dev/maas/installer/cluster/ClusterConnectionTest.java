package dev.maas.installer.cluster;

import dev.maas.installer.engine.secrets.SecretRegistry;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ClusterConnectionTest {
    private static final String TOKEN = "sha256~test-token-0123456789";

    @TempDir
    Path dir;

    private TlsApiServer server;
    private HeldCertificate cert;
    private TrustStore trust;

    @BeforeEach
    void setUp() throws Exception {
        cert = TlsApiServer.selfSigned("api.test-cluster");
        server = new TlsApiServer(cert, TOKEN);
        trust = new TrustStore(dir.resolve("config/trusted-clusters.json"));
    }

    @AfterEach
    void tearDown() { server.close(); }

    private ConnectionSettings token(String url, String token) {
        return ConnectionSettings.token(url, token).withProxy(ProxySettings.NONE)
                .withRequestTimeout(Duration.ofSeconds(10));
    }

    private static String fingerprintOf(HeldCertificate c) throws Exception {
        return CertificateInfo.fingerprint(c.certificate().getEncoded());
    }

    @Test
    void untrustedCertificateIsAClearErrorWithItsFingerprint() throws Exception {
        ClusterException e = catchThrowableOfType(ClusterException.class,
                () -> ClusterConnection.connect(token(server.url(), TOKEN), trust));

        assertThat(e.kind()).isEqualTo(ClusterException.Kind.UNTRUSTED_CERTIFICATE);
        assertThat(e.certificate()).isNotNull();
        assertThat(e.certificate().sha256Fingerprint()).isEqualTo(fingerprintOf(cert));
        assertThat(e.certificate().subject()).contains("CN=api.test-cluster");
        assertThat(e.getMessage()).contains("is not trusted").contains(fingerprintOf(cert));
        assertThat(e.fix().hint()).contains("Trust this certificate").contains("--trust-fingerprint");
        assertThat(Files.exists(trust.file())).isFalse();
    }

    @Test
    void trustedFingerprintConnects() throws Exception {
        ClusterException e = catchThrowableOfType(ClusterException.class,
                () -> ClusterConnection.connect(token(server.url(), TOKEN), trust));
        trust.trust(server.url(), e.certificate());

        try (ClusterConnection c = ClusterConnection.connect(token(server.url(), TOKEN), trust)) {
            assertThat(c.apiUrl()).startsWith(server.url());
            assertThat(c.servedGroups()).contains("route.openshift.io", "operators.coreos.com");
            assertThat(c.client().getApiGroups().getGroups()).hasSize(2);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(trust.file()))).isEqualTo("rw-------");
        assertThat(Files.readString(trust.file())).contains(fingerprintOf(cert)).doesNotContain(TOKEN);
        assertThat(SecretRegistry.global().redact("token " + TOKEN)).isEqualTo("token " + SecretRegistry.MASK);
        // the trust is per cluster URL: host case and a trailing slash do not matter
        assertThat(trust.get(server.url().replace("localhost", "LOCALHOST") + "/")).isPresent();
    }

    @Test
    void aDifferentCertificateThanTheTrustedOneFails() throws Exception {
        HeldCertificate other = TlsApiServer.selfSigned("api.test-cluster");
        try (TlsApiServer impostor = new TlsApiServer(other, TOKEN)) {
            trust.trust(impostor.url(), CertificateInfo.of(cert.certificate()));

            ClusterException e = catchThrowableOfType(ClusterException.class,
                    () -> ClusterConnection.connect(token(impostor.url(), TOKEN), trust));

            assertThat(e.kind()).isEqualTo(ClusterException.Kind.UNTRUSTED_CERTIFICATE);
            assertThat(e.getMessage()).contains("differs from the certificate you trusted")
                    .contains(fingerprintOf(other)).contains(fingerprintOf(cert));
        }
    }

    @Test
    void trustByTypedFingerprintOnlyWhenItMatches() throws Exception {
        String wrong = fingerprintOf(TlsApiServer.selfSigned("x"));
        assertThatThrownBy(() -> trust.trustIfFingerprintMatches(server.url(), wrong, ProxySettings.NONE))
                .isInstanceOf(ClusterException.class)
                .hasMessageContaining("not the " + wrong);
        assertThat(trust.get(server.url())).isEmpty();

        String typed = fingerprintOf(cert).replace(":", "").toLowerCase();
        trust.trustIfFingerprintMatches(server.url(), typed, ProxySettings.NONE);
        try (ClusterConnection c = ClusterConnection.connect(token(server.url(), TOKEN), trust)) {
            assertThat(c.servedGroups()).contains("route.openshift.io");
        }
    }

    @Test
    void probeReadsTheChainWithoutSendingARequest() throws Exception {
        List<CertificateInfo> chain = CertificateProbe.probe(server.url(), ProxySettings.NONE, Duration.ofSeconds(5));
        assertThat(chain).hasSize(1);
        assertThat(chain.get(0).sha256Fingerprint()).isEqualTo(fingerprintOf(cert));
        assertThat(chain.get(0).selfSigned()).isTrue();
        assertThat(chain.get(0).pem()).startsWith("-----BEGIN CERTIFICATE-----");
    }

    @Test
    void expiredTokenSaysHowToLogInAgain() throws Exception {
        trust.trust(server.url(), CertificateInfo.of(cert.certificate()));
        String expired = "sha256~expired-token-abcdef";
        ClusterException e = catchThrowableOfType(ClusterException.class,
                () -> ClusterConnection.connect(token(server.url(), expired), trust));
        assertThat(e.kind()).isEqualTo(ClusterException.Kind.UNAUTHORIZED);
        assertThat(e.getMessage()).contains("401").contains("expired");
        assertThat(e.fix().hint()).contains("oc login " + server.url());
        assertThat(e.getMessage()).doesNotContain(expired);
    }

    @Test
    void unreachableHostIsSaid() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ClusterException e = catchThrowableOfType(ClusterException.class,
                () -> ClusterConnection.connect(token("https://localhost:" + port, TOKEN), trust));
        assertThat(e.kind()).isEqualTo(ClusterException.Kind.UNREACHABLE);
        assertThat(e.getMessage()).contains("cannot reach the cluster at https://localhost:" + port);
        assertThat(e.fix().hint()).contains("HTTPS_PROXY");
    }

    @Test
    void forbiddenNamesTheVerbAndResource() {
        KubernetesClientException denied = new KubernetesClientException(new StatusBuilder().withCode(403)
                .withMessage("subscriptions.operators.coreos.com is forbidden: User \"dev\" cannot create resource"
                        + " \"subscriptions\" in API group \"operators.coreos.com\" in the namespace \"3scale\"")
                .build());
        ClusterException e = ClusterErrors.translate(denied, "creating Subscription 3scale-operator");
        assertThat(e.kind()).isEqualTo(ClusterException.Kind.FORBIDDEN);
        assertThat(e.verb()).isEqualTo("create");
        assertThat(e.resource()).isEqualTo("subscriptions.operators.coreos.com");
        assertThat(e.getMessage()).isEqualTo("creating Subscription 3scale-operator: forbidden (403): you may not"
                + " create subscriptions.operators.coreos.com in namespace 3scale");
        assertThat(e.fix().hint()).contains("permission to create subscriptions.operators.coreos.com");
    }

    @Test
    void kubeconfigContextsForThePicker() throws Exception {
        Path kc = kubeconfig(true, null);
        List<KubeContext> contexts = Kubeconfigs.contexts(kc);
        assertThat(contexts).containsExactly(
                new KubeContext("admin", server.url(), "kube:admin", "3scale", true),
                new KubeContext("other", "https://api.other.example.com:6443", "dev", null, false));
        assertThat(contexts.get(0).label()).contains("kube:admin").contains(server.url()).contains("(3scale)");
        assertThat(Kubeconfigs.defaultPath(Map.of("KUBECONFIG", "/a/one" + java.io.File.pathSeparator + "/b/two")))
                .isEqualTo(Path.of("/a/one"));
    }

    @Test
    void kubeconfigInsecureSkipIsIgnoredAndItsCaIsUsed() throws Exception {
        ConnectionSettings insecure = ConnectionSettings.kubeconfig(kubeconfig(true, null), "admin")
                .withProxy(ProxySettings.NONE);
        ClusterException e = catchThrowableOfType(ClusterException.class,
                () -> ClusterConnection.connect(insecure, trust));
        assertThat(e.kind()).isEqualTo(ClusterException.Kind.UNTRUSTED_CERTIFICATE);

        ConnectionSettings withCa = ConnectionSettings.kubeconfig(kubeconfig(false, cert.certificatePem()), null)
                .withProxy(ProxySettings.NONE);
        try (ClusterConnection c = ClusterConnection.connect(withCa, trust)) {
            assertThat(c.contextName()).isEqualTo("admin");
            assertThat(c.user()).isEqualTo("kube:admin");
            assertThat(c.namespace()).isEqualTo("3scale");
            assertThat(c.describe()).isEqualTo("kube:admin @ " + c.apiUrl());
        }

        assertThatThrownBy(() -> ClusterConnection.connect(ConnectionSettings.kubeconfig(kc(), "nope"), trust))
                .isInstanceOf(ClusterException.class).hasMessageContaining("no context 'nope'")
                .hasMessageContaining("admin");
    }

    @Test
    void caFileSignedServerConnects() throws Exception {
        HeldCertificate root = new HeldCertificate.Builder().certificateAuthority(0).commonName("test root").build();
        HeldCertificate leaf = new HeldCertificate.Builder().signedBy(root).commonName("api")
                .addSubjectAlternativeName("localhost").build();
        try (TlsApiServer signed = new TlsApiServer(leaf, TOKEN, root.certificate())) {
            Path ca = dir.resolve("ca.crt");
            Files.writeString(ca, root.certificatePem());
            try (ClusterConnection c = ClusterConnection.connect(token(signed.url(), TOKEN).withCaFile(ca), trust)) {
                assertThat(c.servedGroups()).contains("route.openshift.io");
            }
        }
    }

    @Test
    void goesThroughTheHttpsProxyUnlessNoProxyMatches() throws Exception {
        trust.trust(server.url(), CertificateInfo.of(cert.certificate()));
        try (ConnectProxy proxy = new ConnectProxy()) {
            ProxySettings via = new ProxySettings(proxy.url(), List.of());
            List<CertificateInfo> chain = CertificateProbe.probe(server.url(), via, Duration.ofSeconds(5));
            assertThat(chain.get(0).sha256Fingerprint()).isEqualTo(fingerprintOf(cert));
            try (ClusterConnection c = ClusterConnection.connect(token(server.url(), TOKEN).withProxy(via), trust)) {
                assertThat(c.servedGroups()).contains("route.openshift.io");
            }
            int port = Integer.parseInt(server.url().substring(server.url().lastIndexOf(':') + 1));
            assertThat(proxy.targets()).hasSize(2).allMatch(t -> t.equals("localhost:" + port));

            ProxySettings bypass = new ProxySettings(proxy.url(), List.of("localhost"));
            try (ClusterConnection c = ClusterConnection.connect(token(server.url(), TOKEN).withProxy(bypass),
                    trust)) {
                assertThat(c.servedGroups()).contains("route.openshift.io");
            }
            assertThat(proxy.targets()).hasSize(2);
        }
    }

    @Test
    void settingsNeverPrintTheToken() {
        assertThat(ConnectionSettings.token("https://api.x:6443", TOKEN).toString()).doesNotContain(TOKEN)
                .contains("******");
    }

    @Test
    void proxyFromTheEnvironment() {
        ProxySettings p = ProxySettings.fromEnvironment(Map.of("https_proxy", "http://user:pw@proxy:3128",
                "NO_PROXY", ".internal.example.com, localhost"));
        assertThat(p.httpsProxy()).isEqualTo("http://user:pw@proxy:3128");
        assertThat(p.display()).isEqualTo("http://proxy:3128");
        assertThat(p.bypasses("api.internal.example.com")).isTrue();
        assertThat(p.bypasses("localhost")).isTrue();
        assertThat(p.bypasses("api.cluster.example.com")).isFalse();
        assertThat(ProxySettings.NONE.bypasses("anything")).isTrue();
    }

    private Path kc() { return dir.resolve("kubeconfig"); }

    private Path kubeconfig(boolean insecure, String caPem) throws Exception {
        String cluster = "    server: " + server.url() + "\n"
                + (insecure ? "    insecure-skip-tls-verify: true\n" : "")
                + (caPem != null ? "    certificate-authority-data: "
                + Base64.getEncoder().encodeToString(caPem.getBytes()) + "\n" : "");
        String yaml = "apiVersion: v1\nkind: Config\n"
                + "clusters:\n- name: test\n  cluster:\n" + cluster
                + "- name: other\n  cluster:\n    server: https://api.other.example.com:6443\n"
                + "users:\n- name: kube:admin/test\n  user:\n    token: " + TOKEN + "\n"
                + "- name: dev\n  user:\n    token: sha256~other-token-xyz\n"
                + "contexts:\n- name: admin\n  context:\n    cluster: test\n    user: kube:admin/test\n    namespace: 3scale\n"
                + "- name: other\n  context:\n    cluster: other\n    user: dev\n"
                + "current-context: admin\n";
        Files.writeString(kc(), yaml);
        return kc();
    }
}
