package dev.maas.installer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.sandbox.KeycloakProcess;
import dev.maas.installer.sandbox.Sandbox;
import dev.maas.installer.sandbox.SandboxKeycloak;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.stages.sso.SsoStageForTests;
import dev.maas.installer.testing.RequestRecorder;
import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.representations.idm.IdentityProviderRepresentation;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sandbox with its real Keycloak, end to end: {@code Sandbox.run(dir)} starts a Keycloak from the distribution
 * the build unpacked (KeycloakProcess), and the sso stage runs against it through the CLI exactly as a user would
 * ({@code apply --stage sso --yes --config DIR/maas-installer.yaml}). One Keycloak start for the whole class: the
 * second sandbox (the {@code sandbox --keycloak-url} command) reuses the first one's Keycloak.
 */
@StartsKeycloak
@StartsSandbox
class CliSandboxKeycloakTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long READY_TIMEOUT_S = 120;

    @TempDir
    static Path tmp;

    private static Sandbox sandbox;

    @AfterAll
    static void stop() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    private static void assertOwnerOnly(Path file) throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(file.toString())
                .isEqualTo("rw-------");
    }

    /** resourceVersion of every object the sso stage or the simulated operators touch in rh-sso. */
    private static Map<String, String> versions(KubernetesClient c) {
        Map<String, String> v = new TreeMap<>();
        v.put("Namespace/rh-sso", c.namespaces().withName("rh-sso").get().getMetadata().getResourceVersion());
        List<HasMetadata> all = new ArrayList<>();
        for (String[] kind : new String[][]{{"operators.coreos.com/v1", "OperatorGroup"},
                {"operators.coreos.com/v1alpha1", "Subscription"}, {"operators.coreos.com/v1alpha1", "InstallPlan"},
                {"operators.coreos.com/v1alpha1", "ClusterServiceVersion"}, {"keycloak.org/v1alpha1", "Keycloak"},
                {"keycloak.org/v1alpha1", "KeycloakRealm"}}) {
            List<GenericKubernetesResource> items = c.genericKubernetesResources(kind[0], kind[1])
                    .inNamespace("rh-sso").list().getItems();
            all.addAll(items);
        }
        all.addAll(c.secrets().inNamespace("rh-sso").list().getItems());
        all.addAll(c.resources(io.fabric8.openshift.api.model.Route.class).inNamespace("rh-sso").list().getItems());
        for (HasMetadata o : all) {
            v.put(o.getKind() + "/" + o.getMetadata().getName(), o.getMetadata().getResourceVersion());
        }
        return v;
    }

    @Test
    void theSsoStageRunsAgainstTheSandboxAndItsRealKeycloak() throws Exception {
        Path dir = tmp.resolve("sb");
        sandbox = Sandbox.run(dir);
        SandboxKeycloak.Running kc = sandbox.keycloak();
        assertThat(kc).isNotNull();
        assertThat(kc.startedHere()).isTrue();
        // the default flavour (auto: RH-SSO in the sandbox's catalog) runs on RH-SSO 7.6's Keycloak 18, under /auth
        assertThat(kc.process().generation()).isEqualTo(KeycloakProcess.Generation.WILDFLY);
        assertThat(kc.url()).startsWith("http://127.0.0.1:").endsWith("/auth");
        assertThat(kc.process().isAlive()).isTrue();
        assertThat(kc.process().dataDir()).isEqualTo(dir.resolve(SandboxKeycloak.LEGACY_DATA_DIR));

        // sandbox.json: the keycloak entry, owner-only
        assertOwnerOnly(sandbox.sandboxJson());
        assertOwnerOnly(dir.resolve("idp-client-secret"));
        JsonNode json = JSON.readTree(sandbox.sandboxJson().toFile());
        assertThat(json.path("keycloak").path("url").asText()).isEqualTo(kc.url());
        assertThat(json.path("keycloak").path("adminUser").asText()).isEqualTo(KeycloakProcess.ADMIN_USER);
        assertThat(json.path("keycloak").path("adminPassword").asText()).isEqualTo(kc.adminPassword()).isNotBlank();
        assertThat(json.path("kubernetes").path("url").asText()).isEqualTo(sandbox.cluster().url());
        // the generated config: Keycloak endpoint and the placeholder identity provider with its secret file
        InstallerConfig config = ConfigLoader.load(sandbox.configFile());
        // reached over HTTPS with the cluster's ingress certificate, as Keycloak's Route would be
        assertThat(config.endpoints().keycloakUrl()).isEqualTo(sandbox.keycloakUrl()).startsWith("https://127.0.0.1:");
        assertThat(config.sso().flavour()).isEqualTo("auto");
        assertThat(config.sso().identityProvider().type()).isEqualTo("oidc");
        assertThat(config.sso().identityProvider().issuer()).isEqualTo(kc.url() + "/realms/master");
        assertThat(config.sso().identityProvider().clientSecretFile())
                .isEqualTo(dir.resolve("idp-client-secret").toString());
        assertThat(Files.readString(sandbox.configFile())).doesNotContain(kc.adminPassword())
                .doesNotContain(Files.readString(dir.resolve("idp-client-secret")).trim());

        RequestRecorder recorder = new RequestRecorder();
        Stage sso = SsoStageForTests.withAdminFilters(Duration.ofSeconds(180), recorder);
        List<Stage> stages = Stages.all().stream().map(s -> s.id().equals(StageIds.SSO) ? sso : s).toList();
        CliHarness cli = new CliHarness(tmp.resolve("client"), stages.toArray(Stage[]::new));
        String cfg = sandbox.configFile().toString();

        CliHarness.Result first = cli.run("apply", "--stage", "sso", "--yes", "--config", cfg, "--output", "json");
        assertThat(first.code()).as(first.toString()).isZero();
        assertThat(first.json().path("stages").get(0).path("result").asText()).isEqualTo("OK");
        assertThat(first.out() + first.err()).doesNotContain(kc.adminPassword())
                .doesNotContain(sandbox.cluster().token());

        try (Keycloak admin = KeycloakBuilder.builder().serverUrl(kc.url()).realm("master").clientId("admin-cli")
                .username(kc.adminUser()).password(kc.adminPassword()).grantType("password").build()) {
            assertThat(admin.realm("maas").toRepresentation().getDisplayName()).isEqualTo("MaaS on RHOAI");
            assertThat(admin.realm("maas").clients().findByClientId("3scale")).hasSize(1);
            IdentityProviderRepresentation idp = admin.realm("maas").identityProviders()
                    .get(SandboxKeycloak.IDP_ALIAS).toRepresentation();
            assertThat(idp.getConfig()).containsEntry("clientId", SandboxKeycloak.IDP_CLIENT_ID)
                    .containsEntry("syncMode", "IMPORT");
            assertThat(idp.isTrustEmail()).isTrue();
        }

        // a second apply writes nothing: not to the cluster, not to Keycloak
        KubernetesClient client = sandbox.cluster().newClient();
        Map<String, String> before = versions(client);
        recorder.clear();
        CliHarness.Result second = cli.run("apply", "--stage", "sso", "--yes", "--config", cfg, "--output", "json");
        assertThat(second.code()).as(second.toString()).isZero();
        for (JsonNode change : second.json().path("stages").get(0).path("changes")) {
            assertThat(change.path("action").asText()).as(change.toString()).isEqualTo("NOOP");
        }
        assertThat(recorder.all()).as("it did read Keycloak").isNotEmpty();
        assertThat(recorder.writes()).as("no write to Keycloak")
                .allMatch(r -> r.path().endsWith("/protocol/openid-connect/logout"));
        assertThat(versions(client)).as("no write to the cluster").isEqualTo(before);

        CliHarness.Result verify = cli.run("verify", "--stage", "sso", "--config", cfg, "--output", "json");
        assertThat(verify.code()).as(verify.toString()).isZero();
        JsonNode stage = verify.json().path("stages").get(0);
        assertThat(stage.path("result").asText()).as(verify.toString()).isEqualTo("OK");
        assertThat(stage.path("checks")).isNotEmpty();
        for (JsonNode check : stage.path("checks")) {
            assertThat(check.path("status").asText()).as(check.toString()).isEqualTo("OK");
        }

        // the CLI's sandbox on the same Keycloak (--keycloak-url): one READY line, and the keycloak entry
        Path dir2 = tmp.resolve("sb2");
        CliHarness sandboxCli = new CliHarness(tmp.resolve("cli2"))
                .env("MAAS_SANDBOX_KEYCLOAK_PASSWORD", kc.adminPassword());
        CliSandboxTest.LineWriter out = new CliSandboxTest.LineWriter();
        CliSandboxTest.LineWriter err = new CliSandboxTest.LineWriter();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> sandboxCli.run(out, err, "sandbox",
                "--dir", dir2.toString(), "--keycloak-url", kc.url(), "--keycloak-admin-user", kc.adminUser()));
        String readyLine = "SANDBOX READY kubeconfig=" + dir2.resolve("kubeconfig") + " config="
                + dir2.resolve("maas-installer.yaml");
        try {
            Object ready = CompletableFuture.anyOf(out.firstLine, exit.thenApply(c -> "exited " + c + ": " + err))
                    .get(READY_TIMEOUT_S, TimeUnit.SECONDS);
            assertThat(ready).isEqualTo(readyLine);
            assertOwnerOnly(dir2.resolve("sandbox.json"));
            JsonNode json2 = JSON.readTree(dir2.resolve("sandbox.json").toFile());
            assertThat(json2.path("keycloak").path("url").asText()).isEqualTo(kc.url());
            assertThat(json2.path("keycloak").path("adminPassword").asText()).isEqualTo(kc.adminPassword());
            assertThat(json2.path("keycloak").path("startedBySandbox").asBoolean()).isFalse();
        } finally {
            if (sandboxCli.interrupt.installed != null) {
                sandboxCli.interrupt.fire().join(TimeUnit.SECONDS.toMillis(30));
            }
        }
        assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
        assertThat(out.toString()).isEqualTo(readyLine + System.lineSeparator());
        assertThat(err.toString()).contains("Keycloak at " + kc.url()).doesNotContain(kc.adminPassword());
        assertThat(kc.process().isAlive()).as("a Keycloak it did not start stays").isTrue();

        // close() stops the Keycloak it started
        KeycloakProcess process = kc.process();
        int port = process.httpPort();
        int managementPort = process.managementPort();
        String password = kc.adminPassword();
        sandbox.close();
        sandbox = null;
        assertThat(process.isAlive()).isFalse();
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
        assertThatThrownBy(() -> new Socket("127.0.0.1", managementPort).close())
                .isInstanceOf(ConnectException.class);

        // a sandbox started again on the folder resumes its Keycloak: the same admin, the realm made before
        sandbox = Sandbox.run(dir);
        SandboxKeycloak.Running again = sandbox.keycloak();
        assertThat(again.adminPassword()).isEqualTo(password);
        try (Keycloak admin = KeycloakBuilder.builder().serverUrl(again.url()).realm("master").clientId("admin-cli")
                .username(again.adminUser()).password(again.adminPassword()).grantType("password").build()) {
            assertThat(admin.realm("maas").clients().findByClientId("3scale")).hasSize(1);
        }
        sandbox.close();
        sandbox = null;
    }

    @Test
    void anRhbkSandboxRunsKeycloak26AndThePostgresqlOfTheSsoStageKeepsTheRealmOverARestart() throws Exception {
        Path dir = tmp.resolve("rhbk");
        sandbox = Sandbox.run(dir, dev.maas.installer.sandbox.SandboxCluster.Options.defaults(),
                SandboxKeycloak.forFlavour("rhbk"));
        SandboxKeycloak.Running kc = sandbox.keycloak();
        assertThat(kc.process().generation()).isEqualTo(KeycloakProcess.Generation.QUARKUS);
        assertThat(kc.process().dataDir()).isEqualTo(dir.resolve(SandboxKeycloak.DATA_DIR));
        assertThat(ConfigLoader.load(sandbox.configFile()).sso().flavour()).isEqualTo("rhbk");
        Stage sso = SsoStageForTests.withAdminFilters(Duration.ofSeconds(180), new RequestRecorder());
        List<Stage> stages = Stages.all().stream().map(s -> s.id().equals(StageIds.SSO) ? sso : s).toList();
        CliHarness cli = new CliHarness(tmp.resolve("rhbk-client"), stages.toArray(Stage[]::new));
        String cfg = sandbox.configFile().toString();

        CliHarness.Result apply = cli.run("apply", "--stage", "sso", "--yes", "--config", cfg, "--output", "json");
        assertThat(apply.code()).as(apply.toString()).isZero();
        KubernetesClient client = sandbox.cluster().newClient();
        assertThat(client.apps().statefulSets().inNamespace("rh-sso").withName("keycloak-postgresql").get()
                .getStatus().getReadyReplicas()).isEqualTo(1);

        // `oc delete pod keycloak-0`: Keycloak restarts, on its database
        client.pods().inNamespace("rh-sso").withName("keycloak-0").delete();
        dev.maas.installer.engine.wait.Backoff.of(Duration.ofSeconds(60)).awaitTrue("the pod made again", () ->
                client.pods().inNamespace("rh-sso").withName("keycloak-0").get() != null);
        CliHarness.Result verify = cli.run("verify", "--stage", "sso", "--config", cfg, "--output", "json");
        assertThat(verify.code()).as(verify.toString()).isZero();
        assertThat(verify.json().path("stages").get(0).path("result").asText()).isEqualTo("OK");
        sandbox.close();
        sandbox = null;
    }
}
