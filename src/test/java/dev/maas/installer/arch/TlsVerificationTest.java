package dev.maas.installer.arch;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * No code path turns TLS verification off (docs/reliability.md, "TLS verification"). Every HTTP/TLS client in
 * src/main uses the JVM's default trust, the kubeconfig's or a CA file's CA, or a certificate the user trusted
 * explicitly by its fingerprint (added as the one extra trust anchor, see ClusterConnection). The one trust manager
 * in the code, {@code CertificateProbe.CapturingTrustManager}, refuses every chain: it only reads the certificate
 * to show it to the user. Two nets: the compiled classes (ArchUnit) and the source text (for boolean arguments
 * such as {@code withTrustCerts(true)}, which bytecode rules cannot see).
 */
class TlsVerificationTest {
    /** The only sanctioned trust manager: it captures the chain and throws. */
    private static final String PROBE_TRUST_MANAGER = "dev.maas.installer.cluster.CertificateProbe$CapturingTrustManager";
    private static final Path MAIN = Path.of("src/main/java");

    /** Source patterns that turn verification off, each with what it means. */
    static final Map<Pattern, String> FORBIDDEN = Map.ofEntries(
            Map.entry(Pattern.compile("(?i)trustCerts\\s*\\(\\s*true"), "fabric8 trustCerts(true)"),
            Map.entry(Pattern.compile("(?i)disableHostnameVerification\\s*\\(\\s*true"),
                    "fabric8 disableHostnameVerification(true)"),
            Map.entry(Pattern.compile("(?i)trust[._]?certificates"), "fabric8 kubernetes.trust.certificates"),
            Map.entry(Pattern.compile("disableTrustManager\\s*\\("), "RESTEasy disableTrustManager()"),
            Map.entry(Pattern.compile("HostnameVerificationPolicy\\s*\\.\\s*ANY"), "RESTEasy hostname policy ANY"),
            Map.entry(Pattern.compile("(?i)hostnameVerifier"), "a custom HostnameVerifier"),
            Map.entry(Pattern.compile("\\.sslSocketFactory\\s*\\("), "OkHttp sslSocketFactory (custom trust)"),
            Map.entry(Pattern.compile("setDefaultSSLSocketFactory|SSLContext\\s*\\.\\s*setDefault"),
                    "replacing the JVM's default TLS"),
            Map.entry(Pattern.compile("(?i)InsecureTrustManagerFactory|TrustAllStrategy|TrustSelfSignedStrategy"
                    + "|NoopHostnameVerifier|trustAll|insecureSkipTlsVerify\\s*\\(\\s*true"), "a trust-all helper"),
            Map.entry(Pattern.compile("disableHostnameVerification\""), "the JDK HttpClient's hostname switch"),
            Map.entry(Pattern.compile("skip_ssl_certificate_verification\"\\s*,\\s*(\"?true|String\\.valueOf)"),
                    "3scale skip_ssl_certificate_verification=true"),
            Map.entry(Pattern.compile("insecure_skip_verify\"\\s*,\\s*\"true|INSECURE_SKIP_VERIFY\\s*,\\s*\"true"),
                    "3scale operator insecure_skip_verify annotation"),
            Map.entry(Pattern.compile("(implements|new)\\s+[\\w.]*X509(Extended)?TrustManager"),
                    "a custom X509TrustManager"));
    /** The files where a forbidden pattern is sanctioned, and which patterns (by their description). */
    private static final Map<String, Set<String>> SANCTIONED = Map.of(
            "dev/maas/installer/cluster/CertificateProbe.java", Set.of("a custom X509TrustManager"),
            // the JDK's own PKIX trust manager over the JVM's CAs plus the cluster CA the user gave (cluster.caFile,
            // kubeconfig CA, a confirmed fingerprint); host names verified as always: see EndpointTlsTest
            "dev/maas/installer/stages/common/EndpointTrust.java", Set.of("OkHttp sslSocketFactory (custom trust)"),
            // the Keycloak download: the JDK's PKIX trust manager over the runtime's CAs plus the operating system's CA
            // store (SystemTrust); host names verified as always: see SystemTrustTest, KeycloakDownloadTest
            "dev/maas/installer/sandbox/KeycloakDownload.java", Set.of("OkHttp sslSocketFactory (custom trust)"),
            // the user's explicit, documented choice portal.skipKeycloakCertificateVerification (default false; the
            // plan and verify say what it costs; ADR 0006)
            "dev/maas/installer/stages/portal/PortalStage.java", Set.of("3scale skip_ssl_certificate_verification=true"),
            // asks the 3scale operator to skip verification only for a certificate the installer verified against the
            // cluster's own ingress CA and no public CA verifies (shown in the plan; ADR 0006)
            "dev/maas/installer/stages/threescale/InstallObjects.java",
            Set.of("3scale operator insecure_skip_verify annotation"));

    private JavaClasses classes;

    @BeforeEach
    void importClasses() {
        classes = ProductionClasses.get();
    }

    /** The forbidden patterns found in one source text, comment lines left out ("file:line: what"). */
    static List<String> findings(String fileName, String source) {
        List<String> found = new ArrayList<>();
        String[] lines = source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String code = lines[i].strip();
            if (code.startsWith("*") || code.startsWith("//") || code.startsWith("/*")) {
                continue;
            }
            int comment = code.indexOf("//");
            if (comment >= 0 && !code.substring(0, comment).contains("\"")) {
                code = code.substring(0, comment);
            }
            for (Map.Entry<Pattern, String> rule : FORBIDDEN.entrySet()) {
                if (rule.getKey().matcher(code).find()
                        && !SANCTIONED.getOrDefault(fileName, Set.of()).contains(rule.getValue())) {
                    found.add(fileName + ":" + (i + 1) + ": " + rule.getValue() + ": " + code);
                }
            }
        }
        return found;
    }

    @Test
    void noSourceInSrcMainTurnsVerificationOff() throws IOException {
        List<String> found = new ArrayList<>();
        int scanned = 0;
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String name = MAIN.relativize(f).toString().replace('\\', '/');
                found.addAll(findings(name, Files.readString(f)));
                scanned++;
            }
        }
        assertThat(scanned).as("the scan saw the sources").isGreaterThan(100);
        assertThat(found).as("TLS verification switched off outside the sanctioned places").isEmpty();
    }

    @Test
    void theScannerCatchesEachKnownWayOfTurningVerificationOff() {
        List<String> bad = List.of(
                "Config c = new ConfigBuilder().withTrustCerts(true).build();",
                "config.setTrustCerts( true );",
                "b.withDisableHostnameVerification(true)",
                "System.setProperty(\"kubernetes.trust.certificates\", \"true\");",
                "ResteasyClientBuilder.newBuilder().disableTrustManager().build();",
                "builder.hostnameVerification(ResteasyClientBuilder.HostnameVerificationPolicy.ANY);",
                "new OkHttpClient.Builder().hostnameVerifier((host, session) -> true)",
                "HttpsURLConnection.setDefaultHostnameVerifier(v);",
                "okhttp.sslSocketFactory(ctx.getSocketFactory(), tm)",
                "SSLContext.setDefault(ctx);",
                "class Lax implements X509TrustManager {",
                "TrustManager tm = new X509ExtendedTrustManager() {",
                "System.setProperty(\"jdk.internal.httpclient.disableHostnameVerification\", \"true\");",
                "m.put(\"skip_ssl_certificate_verification\", \"true\");",
                "m.put(\"skip_ssl_certificate_verification\", String.valueOf(skip));",
                "meta.putObject(\"annotations\").put(\"insecure_skip_verify\", \"true\");",
                "annotations.put(INSECURE_SKIP_VERIFY, \"true\");",
                "SSLContexts.custom().loadTrustMaterial(TrustAllStrategy.INSTANCE)");
        for (String line : bad) {
            assertThat(findings("dev/maas/installer/x/X.java", line)).as(line).isNotEmpty();
        }
        assertThat(findings("dev/maas/installer/x/X.java", "b.withTrustCerts(false).withDisableHostnameVerification(false)"))
                .isEmpty();
        assertThat(findings("dev/maas/installer/x/X.java", "// withTrustCerts(true) is never used")).isEmpty();
        assertThat(findings("dev/maas/installer/x/X.java", "m.put(\"skip_ssl_certificate_verification\", \"false\");"))
                .isEmpty();
        assertThat(findings("dev/maas/installer/cluster/CertificateProbe.java",
                "private record C() implements X509TrustManager {")).isEmpty();
    }

    @Test
    void theOnlyTrustManagerIsTheProbeWhichRefusesEveryChain() {
        List<String> trustManagers = classes.stream()
                .filter(c -> c.isAssignableTo(javax.net.ssl.TrustManager.class))
                .map(JavaClass::getName).toList();
        assertThat(trustManagers).containsExactly(PROBE_TRUST_MANAGER);
        List<String> hostnameVerifiers = classes.stream()
                .filter(c -> c.isAssignableTo(javax.net.ssl.HostnameVerifier.class)).map(JavaClass::getName).toList();
        assertThat(hostnameVerifiers).isEmpty();
    }

    @Test
    void theProbeTrustManagerThrowsForEveryServerChain() throws Exception {
        Class<?> c = Class.forName(PROBE_TRUST_MANAGER);
        var ctor = c.getDeclaredConstructor(java.util.concurrent.atomic.AtomicReference.class);
        ctor.setAccessible(true);
        javax.net.ssl.X509TrustManager tm = (javax.net.ssl.X509TrustManager) ctor.newInstance(
                new java.util.concurrent.atomic.AtomicReference<java.security.cert.X509Certificate[]>());
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> tm.checkServerTrusted(new java.security.cert.X509Certificate[0], "RSA"))
                .isInstanceOf(java.security.cert.CertificateException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> tm.checkClientTrusted(new java.security.cert.X509Certificate[0], "RSA"))
                .isInstanceOf(java.security.cert.CertificateException.class);
    }

    @Test
    void noClassCallsTheApisThatReplaceTrustOrHostnameChecks() {
        noClasses().should().callMethodWhere(com.tngtech.archunit.base.DescribedPredicate.describe(
                        "replaces trust or hostname verification", (com.tngtech.archunit.core.domain.JavaMethodCall call) -> {
                            String owner = call.getTargetOwner().getName();
                            String name = call.getName();
                            // EndpointTrust hands OkHttp the JDK's PKIX trust manager with the user's extra CAs
                            // and so does the Keycloak download, with the operating system's CAs (SystemTrust)
                            String origin = call.getOriginOwner().getName();
                            boolean endpointTrust = (origin.equals("dev.maas.installer.stages.common.EndpointTrust")
                                    || origin.equals("dev.maas.installer.sandbox.KeycloakDownload"))
                                    && name.equals("sslSocketFactory");
                            return (owner.equals("okhttp3.OkHttpClient$Builder") && !endpointTrust
                                    && (name.equals("hostnameVerifier") || name.equals("sslSocketFactory")))
                                    || (owner.equals("javax.net.ssl.HttpsURLConnection")
                                    && (name.startsWith("setDefault") || name.equals("setHostnameVerifier")
                                    || name.equals("setSSLSocketFactory")))
                                    || (owner.equals("javax.net.ssl.SSLContext") && name.equals("setDefault"))
                                    || (owner.startsWith("org.jboss.resteasy") && (name.equals("disableTrustManager")
                                    || name.equals("hostnameVerifier") || name.equals("hostnameVerification")))
                                    || (owner.startsWith("io.fabric8.kubernetes.client.Config")
                                    && name.equals("setTrustCerts"));
                        }))
                .check(classes);
    }
}
