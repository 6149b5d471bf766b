package dev.maas.installer.sandbox;

import dev.maas.installer.testing.StartsSandbox;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@StartsSandbox
class HttpsSandboxClusterTest {
    private static SandboxCluster.Options small() {
        return SandboxCluster.Options.defaults().withModels(false).withOlm(false);
    }

    @Test
    void httpsCertificateNamesLocalhostAndLoopbackAndOnlyTrustingClientsConnect() throws Exception {
        try (SandboxCluster cluster = SandboxCluster.start(small())) {
            assertThat(cluster.url()).isEqualTo("https://127.0.0.1:" + cluster.port());
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                    new ByteArrayInputStream(cluster.caCertificatePem().getBytes(StandardCharsets.UTF_8)));
            List<Object> names = new java.util.ArrayList<>();
            cert.getSubjectAlternativeNames().forEach(san -> names.add(san.get(1)));
            assertThat(names).containsExactlyInAnyOrder("localhost", "127.0.0.1");

            // full verification (chain and host name), by IP and by name
            for (String url : List.of(cluster.url(), "https://localhost:" + cluster.port())) {
                Config trusting = new ConfigBuilder(Config.empty()).withMasterUrl(url).withOauthToken(cluster.token())
                        .withCaCertData(Base64.getEncoder().encodeToString(
                                cluster.caCertificatePem().getBytes(StandardCharsets.UTF_8)))
                        .build();
                try (KubernetesClient client = new KubernetesClientBuilder().withConfig(trusting).build()) {
                    assertThat(client.namespaces().withName("default").get()).isNotNull();
                }
            }

            Config untrusting = new ConfigBuilder(Config.empty()).withMasterUrl(cluster.url())
                    .withOauthToken(cluster.token()).withTrustCerts(false).withRequestRetryBackoffLimit(0)
                    .withRequestTimeout(5000).build();
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(untrusting).build()) {
                assertThatThrownBy(() -> client.namespaces().withName("default").get())
                        .isInstanceOf(KubernetesClientException.class)
                        .satisfies(e -> assertThat(rootMessage(e)).contains("unable to find valid certification path"));
            }
        }
    }

    @Test
    void plainHttpModeServesOnLoopback() {
        try (SandboxCluster cluster = SandboxCluster.start(small().withHttps(false))) {
            assertThat(cluster.url()).isEqualTo("http://127.0.0.1:" + cluster.port());
            assertThat(cluster.caCertificatePem()).isNull();
            assertThat(cluster.newClient().namespaces().withName("default").get()).isNotNull();
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return String.valueOf(c.getMessage());
    }
}
