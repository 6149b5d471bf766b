package dev.maas.installer.sandbox;

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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HttpsTestClusterTest {
    @Test
    void httpsModeServesASelfSignedCertificateThatOnlyATrustingClientAccepts() throws Exception {
        try (TestCluster cluster = TestCluster.start(TestCluster.Options.defaults().withHttps(true)
                .withModels(false).withOlm(false))) {
            assertThat(cluster.url()).startsWith("https://localhost:");
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                    new ByteArrayInputStream(cluster.caCertificatePem().getBytes(StandardCharsets.UTF_8)));
            assertThat(cert.getSubjectX500Principal().getName()).contains("CN=localhost");

            try (KubernetesClient trusting = cluster.newClient()) {
                assertThat(trusting.getConfiguration().isTrustCerts()).isFalse();
                assertThat(trusting.namespaces().withName("default").get()).isNotNull();
            }

            Config untrusting = new ConfigBuilder(Config.empty()).withMasterUrl(cluster.url())
                    .withOauthToken(cluster.token()).withTrustCerts(false).withRequestTimeout(5000).build();
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(untrusting).build()) {
                assertThatThrownBy(() -> client.namespaces().withName("default").get())
                        .isInstanceOf(KubernetesClientException.class)
                        .satisfies(e -> assertThat(rootMessage(e)).contains("unable to find valid certification path"));
            }
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
