package dev.maas.installer.stages.common;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.ClusterConfig;
import dev.maas.installer.engine.config.InstallerConfig.EndpointsConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.keycloak.KeycloakAdmin;
import dev.maas.installer.keycloak.KeycloakRetry;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import dev.maas.installer.stages.backends.BackendsStage;
import dev.maas.installer.stages.sso.KeycloakEndpoints;
import dev.maas.installer.testing.FastRetries;
import dev.maas.installer.testing.FaultProxy;
import dev.maas.installer.testing.KeycloakServer;
import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.RetryPolicy;
import dev.maas.installer.threescale.ThreescaleApiException;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS to Keycloak and to the 3scale Admin API: both trust exactly what the cluster connection trusts (the JVM's CAs,
 * cluster.caFile, the cluster client's CA bundle); a certificate from another CA fails with a message that names the
 * endpoint, TLS and cluster.caFile, and nothing is retried or half made; the right CA works. The servers are HTTPS
 * fronts ({@link FaultProxy} without faults) with a certificate for localhost signed by a test CA.
 */
@StartsKeycloak
@StartsSandbox
class EndpointTlsTest {
    private static final HeldCertificate CA = new HeldCertificate.Builder().certificateAuthority(0)
            .commonName("maas test ingress CA").build();
    private static final HeldCertificate OTHER_CA = new HeldCertificate.Builder().certificateAuthority(0)
            .commonName("some other CA").build();
    private static final HeldCertificate SERVER = new HeldCertificate.Builder().signedBy(CA).commonName("localhost")
            .addSubjectAlternativeName("localhost").build();

    private static KeycloakServer.Endpoint keycloak;
    private static FaultProxy keycloakTls;
    private static ThreescaleSimulator sim;
    private static FaultProxy threescaleTls;
    private static SandboxCluster cluster;
    private static KubernetesClient client;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws IOException {
        keycloak = KeycloakServer.get();
        var serverTls = new HandshakeCertificates.Builder().heldCertificate(SERVER, CA.certificate()).build()
                .sslContext();
        keycloakTls = new FaultProxy(keycloak.url(), serverTls);
        sim = ThreescaleSimulator.start(SimulatorOptions.defaults());
        threescaleTls = new FaultProxy(sim.url(), serverTls);
        cluster = small();
        client = cluster.newClient();
        KubernetesClient k = client;
        namespaces(k, "rh-sso", "3scale");
        k.secrets().inNamespace("rh-sso").resource(new SecretBuilder().withNewMetadata()
                .withName(KeycloakEndpoints.RHSSO_SECRET).withNamespace("rh-sso").endMetadata()
                .withData(Map.of("ADMIN_USERNAME", b64(keycloak.adminUser()),
                        "ADMIN_PASSWORD", b64(keycloak.adminPassword()))).build()).create();
        k.secrets().inNamespace("3scale").resource(new SecretBuilder().withNewMetadata()
                .withName(ThreescaleAccess.SEED_SECRET).withNamespace("3scale").endMetadata()
                .withData(Map.of(ThreescaleAccess.ADMIN_TOKEN_KEY, b64(sim.accessToken()))).build()).create();
    }

    @AfterAll
    static void stop() {
        if (keycloakTls != null) {
            keycloakTls.close();
        }
        if (threescaleTls != null) {
            threescaleTls.close();
        }
        if (sim != null) {
            sim.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static SandboxCluster small() {
        return SandboxCluster.start(SandboxCluster.Options.defaults().withHttps(false).withOlm(false).withModels(false));
    }

    private static void namespaces(KubernetesClient k, String... names) {
        for (String name : names) {
            k.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                    .create();
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String caFile(HeldCertificate ca, String name) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, ca.certificatePem());
        return file.toString();
    }

    /** A run context: endpoints at the TLS fronts, cluster.caFile as given, the test cluster's client. */
    private static StageContext ctx(String caFile, KubernetesClient client) {
        InstallerConfig config = new InstallerConfig(new ClusterConfig(null, null, null, caFile),
                new EndpointsConfig(keycloakTls.url(), threescaleTls.url(), null, null), null, null,
                List.of(new InstallerConfig.ModelConfig("Granite TLS", null, "http://granite.models.svc:8080", null,
                        null)), null, null, null);
        return new StageContext(config, SecretRegistry.global(), new Cancellation())
                .provide(KubernetesClient.class, () -> client)
                .provide(KeycloakRetry.class, () -> FastRetries.keycloak(3))
                .provide(RetryPolicy.class, () -> FastRetries.threescale(3, 1));
    }

    @Test
    void keycloakWithACertificateFromAnotherCaFailsClearlyAndWithTheClusterCaWorks() throws IOException {
        for (String ca : new String[] {null, caFile(OTHER_CA, "other-ca.pem")}) {
            StageContext ctx = ctx(ca, client);
            int before = keycloakTls.log().size();
            assertThatThrownBy(() -> KeycloakEndpoints.admin(ctx))
                    .isInstanceOfSatisfying(StageException.class, e -> {
                        assertThat(e.getMessage()).contains("TLS connection to Keycloak at " + keycloakTls.url())
                                .contains("not trusted");
                        assertThat(e.fix().kind()).isEqualTo(Fix.Kind.CONFIG);
                        assertThat(e.fix().target()).isEqualTo("cluster.caFile");
                    });
            assertThat(keycloakTls.log()).as("no request got through").hasSize(before);
        }

        StageContext ok = ctx(caFile(CA, "ca.pem"), client);
        KeycloakAdmin admin = KeycloakEndpoints.admin(ok);
        assertThat(admin.serverUrl()).isEqualTo(keycloakTls.url());
        assertThat(admin.call("read realm master", () -> admin.realm("master").toRepresentation().getRealm()))
                .isEqualTo("master");
        admin.close(); // not the context: it would close the shared cluster client
    }

    @Test
    void aTrustedCaDoesNotMakeACertificateForAnotherHostAcceptable() throws IOException {
        HeldCertificate otherHost = new HeldCertificate.Builder().signedBy(CA).commonName("keycloak.elsewhere.example")
                .addSubjectAlternativeName("keycloak.elsewhere.example").build();
        var tls = new HandshakeCertificates.Builder().heldCertificate(otherHost, CA.certificate()).build().sslContext();
        try (FaultProxy kc = new FaultProxy(keycloak.url(), tls); FaultProxy ts = new FaultProxy(sim.url(), tls)) {
            InstallerConfig config = new InstallerConfig(new ClusterConfig(null, null, null, caFile(CA, "ca-h.pem")),
                    new EndpointsConfig(kc.url(), ts.url(), null, null), null, null, null, null, null, null);
            StageContext ctx = new StageContext(config, SecretRegistry.global(), new Cancellation())
                    .provide(KubernetesClient.class, () -> client)
                    .provide(RetryPolicy.class, () -> FastRetries.threescale(2, 1));
            assertThatThrownBy(() -> KeycloakEndpoints.admin(ctx)).isInstanceOfSatisfying(StageException.class,
                    e -> assertThat(e.getMessage()).contains("TLS connection to Keycloak"));
            assertThatThrownBy(() -> ThreescaleAccess.client(ctx).tenant().provider())
                    .isInstanceOf(ThreescaleApiException.class).hasMessageContaining("localhost");
            assertThat(kc.log()).isEmpty();
            assertThat(ts.log()).isEmpty();
        }
    }

    @Test
    void theClusterConnectionsCaBundleIsTrustedToo() {
        String bundle = Base64.getEncoder().encodeToString((OTHER_CA.certificatePem() + CA.certificatePem())
                .getBytes(StandardCharsets.US_ASCII));
        try (KubernetesClient withCa = new KubernetesClientBuilder().withConfig(new ConfigBuilder(
                client.getConfiguration()).withCaCertData(bundle).build()).build()) {
            StageContext ctx = ctx(null, withCa);
            // beside the ingress CA the cluster publishes (openshift-config-managed/default-ingress-cert)
            assertThat(EndpointTrust.forRun(ctx, keycloakTls.url()).extraCertificates())
                    .contains(OTHER_CA.certificate(), CA.certificate());
            KeycloakAdmin admin = KeycloakEndpoints.admin(ctx);
            assertThat(admin.basePath()).isEmpty();
            assertThat(ThreescaleAccess.client(ctx).tenant().provider()).isNotNull();
            admin.close();
        }
    }

    @Test
    void threescaleWithACertificateFromAnotherCaFailsClearlyWithoutRetriesAndWithTheClusterCaWorks()
            throws IOException {
        StageContext wrong = ctx(caFile(OTHER_CA, "other-ca-3scale.pem"), client);
        int before = threescaleTls.log().size();
        assertThatThrownBy(() -> ThreescaleAccess.client(wrong).tenant().provider())
                .isInstanceOfSatisfying(ThreescaleApiException.class, e -> {
                    assertThat(e.getMessage()).contains("TLS connection to the 3scale Admin API at localhost")
                            .contains("not trusted").contains("cluster.caFile");
                    assertThat(e.transientFailure()).as("not retried: waiting does not fix a certificate").isFalse();
                });
        assertThatThrownBy(() -> new BackendsStage().apply(wrong, Progress.NONE))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.getMessage()).contains("TLS").contains("cluster.caFile");
                    assertThat(e.fix().target()).isEqualTo("backends");
                });
        assertThat(threescaleTls.log()).as("no request got through").hasSize(before);
        assertThat(sim.journal().entries()).noneMatch(x -> !x.method().equals("GET"));

        StageContext ok = ctx(caFile(CA, "ca-3scale.pem"), client);
        new BackendsStage().apply(ok, Progress.NONE);
        assertThat(sim.store().snapshot("backend_apis")).anyMatch(b -> b.get("name").asText().equals("Granite TLS"));
    }

    @Test
    void theClustersPublishedIngressCertificateIsTrustedLikeOnOpenShift() {
        // a fresh OpenShift publishes its default ingress certificate (wildcard + self-signed ingress CA) in
        // openshift-config-managed/default-ingress-cert; the Routes of 3scale and Keycloak are served with it
        try (SandboxCluster openshift = small()) {
            KubernetesClient k = openshift.newClient();
            namespaces(k, "3scale");
            k.secrets().inNamespace("3scale").resource(new SecretBuilder().withNewMetadata()
                    .withName(ThreescaleAccess.SEED_SECRET).withNamespace("3scale").endMetadata()
                    .withData(Map.of(ThreescaleAccess.ADMIN_TOKEN_KEY, b64(sim.accessToken()))).build()).create();
            StageContext without = ctx(null, k);
            assertThatThrownBy(() -> ThreescaleAccess.client(without).tenant().provider())
                    .isInstanceOf(ThreescaleApiException.class).hasMessageContaining("not trusted");

            k.configMaps().inNamespace("openshift-config-managed").resource(new io.fabric8.kubernetes.api.model
                    .ConfigMapBuilder().withNewMetadata().withName("default-ingress-cert")
                    .withNamespace("openshift-config-managed").endMetadata()
                    .addToData("ca-bundle.crt", SERVER.certificatePem() + CA.certificatePem()).build())
                    .createOr(x -> x.update());
            StageContext with = ctx(null, k);
            assertThat(EndpointTrust.forRun(with, threescaleTls.url()).extraCertificates()).hasSize(2);
            assertThat(ThreescaleAccess.client(with).tenant().provider()).isNotNull();
        }
    }
}
