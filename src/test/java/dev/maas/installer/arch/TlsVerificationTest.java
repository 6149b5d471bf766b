package dev.maas.installer.arch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No code path turns TLS verification off: the main sources contain none of the usual switches (trust-all certs,
 * accept-any host name, disabled trust managers), and the only custom trust manager is the certificate probe's,
 * which captures the certificate to show the user and then rejects it. Trust is only ever widened by CA
 * certificates the user gave (cluster.caFile, kubeconfig CA) or a fingerprint the user confirmed (TrustStore); see
 * EndpointTlsTest and ClusterConnectionTest for the behaviour.
 */
class TlsVerificationTest {
    private static final Map<String, String> FORBIDDEN = Map.of(
            "withTrustCerts(true)", "fabric8: trust every certificate",
            "trustCerts(true)", "trust every certificate",
            "NoopHostnameVerifier", "accept any host name",
            "HostnameVerificationPolicy.ANY", "RESTEasy: accept any host name",
            "disableTrustManager", "RESTEasy: no certificate checks",
            "InsecureTrustManagerFactory", "Netty: trust every certificate",
            "ALLOW_ALL_HOSTNAME_VERIFIER", "accept any host name",
            "hostnameVerifier(", "a custom host name check",
            "withDisableHostnameVerification(true)", "fabric8: accept any host name");

    @Test
    void noMainSourceTurnsVerificationOff() throws IOException {
        List<String> found = new ArrayList<>();
        List<Path> trustManagers = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String text = Files.readString(f);
                FORBIDDEN.forEach((pattern, why) -> {
                    if (text.contains(pattern)) {
                        found.add(f + ": " + pattern + " (" + why + ")");
                    }
                });
                if (text.contains("implements X509TrustManager") || text.contains("extends X509ExtendedTrustManager")) {
                    trustManagers.add(f);
                }
            }
        }
        assertThat(found).isEmpty();
        assertThat(trustManagers).extracting(p -> p.getFileName().toString())
                .containsExactly("CertificateProbe.java");
        String probe = Files.readString(trustManagers.get(0));
        String check = probe.substring(probe.indexOf("public void checkServerTrusted"));
        check = check.substring(0, check.indexOf("}"));
        assertThat(check).as("the probe's trust manager rejects every certificate after capturing it")
                .contains("throw new CertificateException");
    }
}
