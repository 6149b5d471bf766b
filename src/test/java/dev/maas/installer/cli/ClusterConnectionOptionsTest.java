package dev.maas.installer.cli;

import dev.maas.installer.cli.CliHarness.Result;
import dev.maas.installer.cluster.ClusterConnection;
import dev.maas.installer.engine.Check;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

@StartsSandbox
class ClusterConnectionOptionsTest {
    static final String TOKEN = "sha256~kube-token-" + System.nanoTime();

    @TempDir
    Path dir;

    /** Two clusters, so that a test can tell which one a context reaches. */
    private static SandboxCluster one;
    private static SandboxCluster two;

    @BeforeAll
    static void start() {
        SandboxCluster.Options small = SandboxCluster.Options.defaults().withHttps(false).withOlm(false).withModels(false)
                .withToken(TOKEN);
        one = SandboxCluster.start(small);
        two = SandboxCluster.start(small);
        for (SandboxCluster c : List.of(one, two)) {
            // clusters that are not the sandbox: without its marker ConfigMap
            c.adminClient().configMaps().inNamespace(ClusterConnection.SANDBOX_MARKER_NAMESPACE)
                    .withName(ClusterConnection.SANDBOX_MARKER_NAME).delete();
        }
    }

    @AfterAll
    static void stop() {
        one.close();
        two.close();
    }

    static String url(SandboxCluster c) {
        return c.url();
    }

    Path kubeconfig() throws Exception {
        return Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters:
                - name: one
                  cluster:
                    server: %s
                - name: two
                  cluster:
                    server: %s
                users:
                - name: admin
                  user:
                    token: %s
                contexts:
                - name: ctx-one
                  context: {cluster: one, user: admin, namespace: default}
                - name: ctx-two
                  context: {cluster: two, user: admin}
                current-context: ctx-one
                """.formatted(url(one), url(two), TOKEN));
    }

    /** A stage whose verify reports which cluster its client talks to, and (to test masking) the token. */
    static TestStage whichCluster(AtomicReference<KubernetesClient> seen) {
        return new TestStage("alpha").verify(ctx -> {
            KubernetesClient client = ctx.service(KubernetesClient.class);
            seen.set(client);
            var conf = client.getConfiguration();
            return List.of(Check.ok("cluster", conf.getMasterUrl() + " as " + conf.getCurrentContext().getName()),
                    Check.ok("token", "token " + (conf.getOauthToken() != null
                            ? conf.getOauthToken() : conf.getAutoOAuthToken())));
        });
    }

    @Test
    void kubeconfigFlagWithItsCurrentContext() throws Exception {
        AtomicReference<KubernetesClient> seen = new AtomicReference<>();
        Result r = new CliHarness(dir, whichCluster(seen)).run("verify", "--kubeconfig", kubeconfig().toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains(url(one) + "/ as ctx-one");
        assertThat(r.out()).contains("token ******").doesNotContain(TOKEN);
        assertThat(r.err()).contains("Connected to " + url(one) + " (context ctx-one, user admin)")
                .doesNotContain("SANDBOX").doesNotContain(TOKEN);
    }

    @Test
    void contextFlagWinsOverTheConfig() throws Exception {
        Path kc = kubeconfig();
        Path config = Files.writeString(dir.resolve("c.yaml"),
                "cluster:\n  kubeconfig: kubeconfig\n  context: ctx-one\n");
        AtomicReference<KubernetesClient> seen = new AtomicReference<>();
        Result fromConfig = new CliHarness(dir, whichCluster(seen)).run("verify", "--config", config.toString());
        assertThat(fromConfig.code()).as(fromConfig.toString()).isZero();
        assertThat(fromConfig.out()).contains(url(one) + "/ as ctx-one");

        Result flag = new CliHarness(dir, whichCluster(seen)).run("verify", "--config", config.toString(),
                "--context", "ctx-two");
        assertThat(flag.code()).as(flag.toString()).isZero();
        assertThat(flag.out()).contains(url(two) + "/ as ctx-two");

        Path other = Files.copy(kc, dir.resolve("other-kubeconfig"));
        Result fileFlag = new CliHarness(dir, whichCluster(seen)).run("verify", "--config", config.toString(),
                "--kubeconfig", other.toString(), "--context", "ctx-two");
        assertThat(fileFlag.code()).as(fileFlag.toString()).isZero();
    }

    @Test
    void theClientIsClosedWithTheRun() throws Exception {
        AtomicReference<KubernetesClient> seen = new AtomicReference<>();
        Result r = new CliHarness(dir, whichCluster(seen)).run("verify", "--kubeconfig", kubeconfig().toString());
        assertThat(r.code()).isZero();
        assertThat(seen.get()).isNotNull();
        assertThat(seen.get().getHttpClient().isClosed()).isTrue();
    }

    @Test
    void missingKubeconfigFileIsExit2AndNamesTheFlag() {
        Path missing = dir.resolve("no-such-kubeconfig");
        TestStage alpha = new TestStage("alpha");
        Result r = new CliHarness(dir, alpha).run("plan", "--kubeconfig", missing.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--kubeconfig: kubeconfig file not found: " + missing)
                .contains("give the path of an existing kubeconfig");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void missingKubeconfigInTheConfigIsExit2AndNamesTheField() throws Exception {
        Path config = Files.writeString(dir.resolve("c.yaml"), "cluster:\n  kubeconfig: gone/kubeconfig\n");
        Result r = new CliHarness(dir, new TestStage("alpha")).run("verify", "--config", config.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("cluster.kubeconfig").contains("file not found");
    }

    @Test
    void unknownContextIsExit2AndListsTheKnownOnes() throws Exception {
        Result r = new CliHarness(dir, new TestStage("alpha")).run("apply", "--yes", "--kubeconfig",
                kubeconfig().toString(), "--context", "ctx-three");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--context: context 'ctx-three' is not in")
                .contains("use one of ctx-one, ctx-two");

        Path config = Files.writeString(dir.resolve("c.yaml"), "cluster:\n  kubeconfig: kubeconfig\n"
                + "  context: wrong\n");
        Result fromConfig = new CliHarness(dir, new TestStage("alpha")).run("plan", "--config", config.toString());
        assertThat(fromConfig.code()).isEqualTo(2);
        assertThat(fromConfig.err()).contains("cluster.context: context 'wrong' is not in");
    }

    @Test
    void contextWithoutAFileUsesTheDefaultKubeconfig() throws Exception {
        String kc = kubeconfig().toString();
        AtomicReference<KubernetesClient> seen = new AtomicReference<>();
        Result r = new CliHarness(dir, whichCluster(seen)).env("KUBECONFIG", kc).run("verify", "--context", "ctx-two");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains(url(two) + "/ as ctx-two");

        Result unknown = new CliHarness(dir, whichCluster(seen)).env("KUBECONFIG", kc)
                .run("verify", "--context", "nope");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("--context: context 'nope' is not in");

        Result none = new CliHarness(dir, whichCluster(seen)).env("KUBECONFIG", dir.resolve("absent").toString())
                .run("verify", "--context", "ctx-two");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("no kubeconfig file was found").contains("--kubeconfig FILE");
    }

    @Test
    void aKubeconfigThatIsNotYamlIsExit2WithoutQuotingIt() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad"), "users: [ {token: " + TOKEN + "\n  : :");
        Result r = new CliHarness(dir, new TestStage("alpha")).run("plan", "--kubeconfig", bad.toString(),
                "--context", "x");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("is not a valid kubeconfig").doesNotContain(TOKEN);
    }

    @Test
    void theRunConnectsAsItOpensRunningTheExecPluginAndNeverPrintsItsToken() throws Exception {
        // the exec credential plugin runs when fabric8 builds the client configuration: it leaves a marker
        Path marker = dir.resolve("exec-ran");
        String execToken = "exec-token-" + System.nanoTime();
        Path kc = Files.writeString(dir.resolve("kc"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
                users:
                - name: u
                  user:
                    exec:
                      apiVersion: client.authentication.k8s.io/v1beta1
                      command: /bin/sh
                      args: ["-c", "touch '%s'; echo '{\\"apiVersion\\":\\"client.authentication.k8s.io/v1beta1\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"%s\\"}}'"]
                contexts: [{name: x, context: {cluster: c, user: u}}]
                current-context: x
                """.formatted(marker, execToken));
        AtomicInteger ran = new AtomicInteger();
        TestStage alpha = new TestStage("alpha").verify(ctx -> {
            ran.incrementAndGet();
            return List.of();
        });
        Result r = new CliHarness(dir, alpha).run("verify", "--kubeconfig", kc.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(marker).as("the run connected as it opened: the plugin ran").exists();
        assertThat(ran).as("no stage runs when the cluster cannot be reached").hasValue(0);
        assertThat(r.err()).contains("error: connecting to https://127.0.0.1:1/: cannot reach the cluster at"
                + " https://127.0.0.1:1/");
        assertThat(r.out() + r.err()).doesNotContain(execToken);
    }
}
