package dev.maas.installer.cli;

import dev.maas.installer.cli.CliHarness.Result;
import dev.maas.installer.cluster.CertificateInfo;
import dev.maas.installer.cluster.ClusterConnection;
import dev.maas.installer.cluster.ClusterErrors;
import dev.maas.installer.cluster.ClusterException;
import dev.maas.installer.cluster.ConnectProxy;
import dev.maas.installer.cluster.TlsApiServer;
import dev.maas.installer.cluster.TrustStore;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.testing.SharedTestCluster;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The connection flags against real (loopback) servers: TLS trust, tokens from the environment, sandbox, proxy. */
@StartsSandbox
class CliConnectionTest {
    private static final String TOKEN = "sha256~cli-token-" + System.nanoTime();

    @TempDir
    Path dir;

    private HeldCertificate cert;
    private TlsApiServer tls;

    @BeforeEach
    void setUp() throws Exception {
        cert = TlsApiServer.selfSigned("api.test-cluster");
        tls = new TlsApiServer(cert, TOKEN);
    }

    @AfterEach
    void tearDown() { tls.close(); }

    private String fingerprint() throws Exception {
        return CertificateInfo.fingerprint(cert.certificate().getEncoded());
    }

    /** A stage that needs the cluster and checks what it reached. */
    private static TestStage clusterStage(AtomicReference<String> seenUrl) {
        return new TestStage("alpha").verify(ctx -> {
            ClusterConnection c = ctx.service(ClusterConnection.class);
            seenUrl.set(c.apiUrl());
            return List.of(Check.ok("reached", "groups " + c.servedGroupsSorted()));
        });
    }

    private CliHarness harness(Stage... stages) {
        return new CliHarness(dir, stages).env("MAAS_CLUSTER_TOKEN", TOKEN);
    }

    /** The sandbox's API server as a cluster that is not the sandbox: without the sandbox's marker ConfigMap. */
    private static SandboxCluster notASandbox(SandboxCluster cluster) {
        cluster.adminClient().configMaps().inNamespace(ClusterConnection.SANDBOX_MARKER_NAMESPACE)
                .withName(ClusterConnection.SANDBOX_MARKER_NAME).delete();
        return cluster;
    }

    private static void assertNoToken(Result r) {
        assertThat(r.out()).doesNotContain(TOKEN);
        assertThat(r.err()).doesNotContain(TOKEN);
    }

    private Path trustFile() {
        return dir.resolve("maas-config").resolve(TrustStore.FILE_NAME);
    }

    @Test
    void untrustedSelfSignedCertificateIsExit2WithItsFingerprintAndTheFlagToAdd() throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        Result r = harness(clusterStage(seen)).run("verify", "--api-url", tls.url());

        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("the certificate of " + tls.url()).contains(" is not trusted")
                .contains("SHA-256 fingerprint: " + fingerprint())
                .contains("subject: CN=api.test-cluster")
                .contains("(self-signed)")
                .contains("--trust-fingerprint " + fingerprint())
                .contains("--ca-file FILE")
                .doesNotContain("Connected to");
        assertThat(r.out()).isEmpty();
        assertThat(seen.get()).as("no stage ran").isNull();
        assertThat(trustFile()).doesNotExist();
        assertNoToken(r);
    }

    @Test
    void inJsonModeAConnectionErrorLeavesStdoutEmpty() throws Exception {
        Result r = harness(clusterStage(new AtomicReference<>())).run("verify", "--api-url", tls.url(),
                "--output", "json");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("--trust-fingerprint " + fingerprint());
    }

    @Test
    void theRightFingerprintConnectsAndIsRemembered() throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        Result r = harness(clusterStage(seen)).run("verify", "--api-url", tls.url(),
                "--trust-fingerprint", fingerprint().replace(":", "").toLowerCase());

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).contains("Connected to " + tls.url() + " (token from $MAAS_CLUSTER_TOKEN)");
        assertThat(r.out()).contains("groups [operators.coreos.com, route.openshift.io]");
        assertThat(seen.get()).startsWith(tls.url());
        assertThat(Files.readString(trustFile())).contains(fingerprint()).doesNotContain(TOKEN);
        assertNoToken(r);

        Result again = harness(clusterStage(seen)).run("verify", "--api-url", tls.url());
        assertThat(again.code()).as("trusted before: " + again).isZero();
        assertThat(again.err()).contains("Connected to " + tls.url());
    }

    @Test
    void theFingerprintAlsoWorksWithAKubeconfigContext() throws Exception {
        Path kc = Files.writeString(dir.resolve("kc"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: lab, cluster: {server: "%s"}}]
                users: [{name: "kube:admin/lab", user: {token: %s}}]
                contexts: [{name: lab-admin, context: {cluster: lab, user: "kube:admin/lab"}}]
                current-context: lab-admin
                """.formatted(tls.url(), TOKEN));
        Result untrusted = new CliHarness(dir, clusterStage(new AtomicReference<>())).run("verify", "--kubeconfig",
                kc.toString());
        assertThat(untrusted.code()).as(untrusted.toString()).isEqualTo(2);
        assertThat(untrusted.err()).contains("--trust-fingerprint " + fingerprint());

        Result r = new CliHarness(dir, clusterStage(new AtomicReference<>())).run("verify", "--kubeconfig",
                kc.toString(), "--trust-fingerprint", fingerprint());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).contains("Connected to " + tls.url() + " (context lab-admin, user kube:admin)");
        assertNoToken(r);
    }

    @Test
    void aWrongFingerprintIsExit2AndTrustsNothing() throws Exception {
        String wrong = "AA:" + fingerprint().substring(3);
        if (wrong.equals(fingerprint())) {
            wrong = "BB:" + fingerprint().substring(3);
        }
        Result r = harness(clusterStage(new AtomicReference<>())).run("verify", "--api-url", tls.url(),
                "--trust-fingerprint", wrong);

        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("has SHA-256 fingerprint " + fingerprint() + ", not the " + wrong)
                .contains("SHA-256 fingerprint: " + fingerprint())
                .contains("--trust-fingerprint " + fingerprint())
                .doesNotContain("Connected to");
        assertThat(trustFile()).doesNotExist();
        assertNoToken(r);

        Result malformed = harness(clusterStage(new AtomicReference<>())).run("verify", "--api-url", tls.url(),
                "--trust-fingerprint", "12:34");
        assertThat(malformed.code()).isEqualTo(2);
        assertThat(malformed.err()).contains("--trust-fingerprint: a SHA-256 fingerprint has 32 bytes");
    }

    @Test
    void theCaFileIsTrusted() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), cert.certificatePem());
        Result r = harness(clusterStage(new AtomicReference<>())).run("verify", "--api-url", tls.url(),
                "--ca-file", ca.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).contains("Connected to " + tls.url());

        Path config = Files.writeString(dir.resolve("c.yaml"), "cluster:\n  apiUrl: " + tls.url()
                + "\n  caFile: ca.pem\n");
        Result fromConfig = harness(clusterStage(new AtomicReference<>())).run("verify", "--config",
                config.toString());
        assertThat(fromConfig.code()).as(fromConfig.toString()).isZero();
        assertThat(fromConfig.err()).contains("Connected to " + tls.url() + " (token from $MAAS_CLUSTER_TOKEN)");

        Result missing = harness(clusterStage(new AtomicReference<>())).run("verify", "--api-url", tls.url(),
                "--ca-file", dir.resolve("nope.pem").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("--ca-file: CA file not found or not readable");
    }

    @Test
    void anApiUrlWithoutTheTokenVariableIsExit2NamingIt() throws Exception {
        Result r = new CliHarness(dir, clusterStage(new AtomicReference<>())).run("verify", "--api-url", tls.url());
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--api-url " + tls.url() + " needs a token in the environment variable"
                + " MAAS_CLUSTER_TOKEN, which is not set").contains("export MAAS_CLUSTER_TOKEN=$(oc whoami -t)");

        Result other = harness(clusterStage(new AtomicReference<>())).run("plan", "--api-url", tls.url(),
                "--token-env", "MY_TOKEN");
        assertThat(other.code()).isEqualTo(2);
        assertThat(other.err()).contains("the environment variable MY_TOKEN, which is not set");

        Path config = Files.writeString(dir.resolve("c.yaml"), "cluster:\n  apiUrl: " + tls.url() + "\n");
        Result fromConfig = new CliHarness(dir, clusterStage(new AtomicReference<>())).run("verify", "--config",
                config.toString());
        assertThat(fromConfig.code()).isEqualTo(2);
        assertThat(fromConfig.err()).contains("cluster.apiUrl " + tls.url() + " needs a token")
                .contains("MAAS_CLUSTER_TOKEN");

        Result noUrl = harness(new TestStage("alpha")).run("verify", "--token-env", "MY_TOKEN");
        assertThat(noUrl.code()).isEqualTo(2);
        assertThat(noUrl.err()).contains("--token-env only goes with an API URL");

        Result both = harness(new TestStage("alpha")).run("verify", "--api-url", tls.url(), "--context", "x");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("--api-url cannot be combined with --kubeconfig or --context");
    }

    @Test
    void thereIsNoTokenFlag() {
        Result r = harness(new TestStage("alpha")).run("verify", "--api-url", tls.url(), "--token", TOKEN);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Unknown option");
    }

    @Test
    void anotherTokenVariableAndARejectedTokenIsExit1WithTheLoginHint() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), cert.certificatePem());
        Result ok = new CliHarness(dir, clusterStage(new AtomicReference<>())).env("OTHER_TOKEN", TOKEN)
                .run("verify", "--api-url", tls.url(), "--ca-file", ca.toString(), "--token-env", "OTHER_TOKEN");
        assertThat(ok.code()).as(ok.toString()).isZero();
        assertThat(ok.err()).contains("(token from $OTHER_TOKEN)");

        String stale = "sha256~stale-" + System.nanoTime();
        Result r = new CliHarness(dir, clusterStage(new AtomicReference<>())).env("MAAS_CLUSTER_TOKEN", stale)
                .run("verify", "--api-url", tls.url(), "--ca-file", ca.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("401 Unauthorized").contains("oc login").contains("$MAAS_CLUSTER_TOKEN");
        assertThat(r.out() + r.err()).doesNotContain(stale);
    }

    @Test
    void anUnreachableClusterIsExit1() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Result r = harness(clusterStage(new AtomicReference<>())).run("verify", "--api-url",
                "https://127.0.0.1:" + port);
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("cannot reach the cluster at https://127.0.0.1:" + port)
                .contains("what to do:");
        assertNoToken(r);
    }

    @Test
    void forbiddenIsExit1NamingVerbAndResource() {
        KubernetesClientException denied = new KubernetesClientException(new StatusBuilder().withCode(403)
                .withReason("Forbidden").withMessage("apis is forbidden: User \"dev\" cannot list resource"
                        + " \"subscriptions\" in API group \"operators.coreos.com\" in the namespace \"x\"").build());
        ClusterException e = ClusterErrors.translate(denied, "connecting");
        assertThat(ConnectionErrors.exitCode(e)).isEqualTo(1);
        assertThat(ConnectionErrors.describe(e, null)).contains("forbidden (403)")
                .contains("missing permission: list subscriptions.operators.coreos.com")
                .contains("what to do: ask a cluster administrator");
    }

    @Test
    void theProxyFlagsOverrideTheEnvironment() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), cert.certificatePem());
        int port = Integer.parseInt(tls.url().substring(tls.url().lastIndexOf(':') + 1));
        try (ConnectProxy proxy = new ConnectProxy()) {
            Result via = harness(clusterStage(new AtomicReference<>())).env("HTTPS_PROXY", "http://127.0.0.1:1")
                    .run("verify", "--api-url", tls.url(), "--ca-file", ca.toString(), "--proxy", proxy.url());
            assertThat(via.code()).as(via.toString()).isZero();
            assertThat(proxy.targets()).isNotEmpty().allMatch(t -> t.equals("localhost:" + port));

            int seen = proxy.targets().size();
            Result bypass = harness(clusterStage(new AtomicReference<>())).env("HTTPS_PROXY", proxy.url())
                    .run("verify", "--api-url", tls.url(), "--ca-file", ca.toString(), "--no-proxy", "localhost");
            assertThat(bypass.code()).as(bypass.toString()).isZero();
            assertThat(proxy.targets()).hasSize(seen);
        }
        Result fromEnv = harness(clusterStage(new AtomicReference<>())).env("HTTPS_PROXY", "http://127.0.0.1:1")
                .run("verify", "--api-url", tls.url(), "--ca-file", ca.toString());
        assertThat(fromEnv.code()).as("the dead proxy from HTTPS_PROXY is used: " + fromEnv).isEqualTo(1);
        assertThat(fromEnv.err()).contains("cannot reach");
    }

    @Test
    void theRightFingerprintRunsPreflightVerifyOverTls() throws Exception {
        try (SandboxCluster cluster = notASandbox(SandboxCluster.start(SandboxCluster.Options.defaults().withToken(TOKEN)))) {
            X509Certificate served = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                    new ByteArrayInputStream(cluster.caCertificatePem().getBytes(StandardCharsets.US_ASCII)));
            String fp = CertificateInfo.fingerprint(served.getEncoded());
            CliHarness h = new CliHarness(dir, Stages.all().toArray(Stage[]::new))
                    .env("MAAS_CLUSTER_TOKEN", TOKEN);

            Result untrusted = h.run("verify", "--stage", "preflight", "--api-url", cluster.url());
            assertThat(untrusted.code()).as(untrusted.toString()).isEqualTo(2);
            assertThat(untrusted.err()).contains("--trust-fingerprint " + fp);

            cluster.clearRequests();
            Result r = h.run("verify", "--stage", "preflight", "--api-url", cluster.url(),
                    "--trust-fingerprint", fp);
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(r.err()).contains("Connected to " + cluster.url() + " (token from $MAAS_CLUSTER_TOKEN)");
            assertThat(r.out()).contains("[preflight]").contains(": OK")
                    .contains("OK     openshift").contains(cluster.appsDomain())
                    .contains("Verify: 8 OK, 0 warnings, 0 problems. Stages: 1 OK.");
            // the sandbox answers only requests with its token (401 otherwise): every request carried it
            assertThat(cluster.requests()).isNotEmpty().allMatch(q -> q.status() != 401);
            assertNoToken(r);
        }
    }

    @Test
    void aSandboxSaysSo() throws Exception {
        try (SandboxCluster cluster = notASandbox(SandboxCluster.start(SandboxCluster.Options.defaults().withHttps(false)
                .withOlm(false).withModels(false).withToken(TOKEN)))) {
            String url = cluster.url();
            Path kc = Files.writeString(dir.resolve("kc"), """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: sb, cluster: {server: "%s"}}]
                    users: [{name: developer, user: {token: %s}}]
                    contexts: [{name: sandbox, context: {cluster: sb, user: developer}}]
                    current-context: sandbox
                    """.formatted(url, TOKEN));
            Result plain = harness(clusterStage(new AtomicReference<>())).run("verify", "--kubeconfig", kc.toString());
            assertThat(plain.code()).as(plain.toString()).isZero();
            assertThat(plain.err()).contains("Connected to " + url + " (context sandbox, user developer)")
                    .doesNotContain("SANDBOX");

            cluster.adminClient().configMaps().inNamespace(ClusterConnection.SANDBOX_MARKER_NAMESPACE)
                    .resource(new ConfigMapBuilder().withNewMetadata()
                            .withName(ClusterConnection.SANDBOX_MARKER_NAME).endMetadata().build()).create();
            Result r = harness(clusterStage(new AtomicReference<>())).run("verify", "--kubeconfig", kc.toString());
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(r.err()).contains("Connected to the local SANDBOX at " + url);
            assertThat(r.err().lines().filter(l -> l.startsWith("Connected to")).count()).isEqualTo(1);
            assertNoToken(r);
        }
    }

    @Test
    void everyRunConnectsBeforeAnyStageRuns() {
        AtomicInteger ran = new AtomicInteger();
        Stage alpha = new TestStage("alpha").verify(c -> {
            ran.incrementAndGet();
            return List.of(Check.ok("local", "checked"));
        });
        Result none = new CliHarness(dir, alpha).withoutKubeconfig().run("verify");
        assertThat(none.code()).as(none.toString()).isEqualTo(2);
        assertThat(none.err()).contains("no kubeconfig file was found");
        assertThat(ran).as("no stage runs before the run is connected").hasValue(0);

        Result r = new CliHarness(dir, alpha).run("verify");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).as("the connection is announced before anything else").startsWith(
                "Connected to the local SANDBOX at " + SharedTestCluster.get().url()
                        + " (context sandbox, user sandbox-admin)\n");
        assertThat(ran).hasValue(1);
    }

    @Test
    void aStageThatAsksLaterConnectsThenAndAnnouncesIt() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), cert.certificatePem());
        AtomicReference<KubernetesClient> client = new AtomicReference<>();
        TestStage lazy = new TestStage("alpha").verify(ctx -> {
            client.set(ctx.service(KubernetesClient.class));
            return List.of(Check.ok("asked", "yes"));
        });
        Result r = harness(lazy).run("verify", "--api-url", tls.url(), "--ca-file", ca.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).contains("Connected to " + tls.url());
        assertThat(client.get().getHttpClient().isClosed()).isTrue();
    }
}
