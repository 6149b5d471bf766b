package dev.maas.installer.sandbox;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The certificate authorities a download from the internet trusts: the Java runtime's own ({@code cacerts}) plus the
 * operating system's, so that what curl and the system's package manager trust is trusted here too. Behind a
 * company's TLS-inspecting proxy, the proxy's CA is in the system's store (put there by the administrators), not in
 * the packaged runtime's {@code cacerts}.
 * <ul>
 *   <li>Linux and other Unix systems, as OpenSSL does: {@value #CERT_FILE_ENV} (a PEM bundle) replaces the default
 *       bundle, the first of {@link #BUNDLES} that exists (the paths Go's {@code crypto/x509} looks at,
 *       {@code src/crypto/x509/root_linux.go}); {@value #CERT_DIR_ENV} (folders of PEM files, separated by
 *       {@code :}) adds its folders' files; without either, the files of {@link #FOLDERS} are read only where no
 *       bundle exists (they hold the same certificates).</li>
 *   <li>Windows: the {@code Windows-ROOT} key store (the SunMSCAPI provider, module {@code jdk.crypto.mscapi}) when
 *       the runtime has it; macOS: the {@code KeychainStore} key store (with JDK 17, the trusted certificates of the
 *       user's login keychain). When the runtime lacks them, only its own CAs are trusted, and the message of an
 *       untrusted certificate says so ({@link #describe()}).</li>
 * </ul>
 * Nothing else: no certificate is trusted that none of these stores holds, and host names are checked as always.
 * Only for downloads from the internet; cluster connections trust what the kubeconfig names.
 */
public final class SystemTrust {
    private static final Logger LOG = LoggerFactory.getLogger(SystemTrust.class);

    /** A PEM bundle of CA certificates that replaces the system's default bundle (as for OpenSSL). */
    public static final String CERT_FILE_ENV = "SSL_CERT_FILE";
    /** Folders of PEM files of CA certificates, {@code :}-separated, that replace the default folders. */
    public static final String CERT_DIR_ENV = "SSL_CERT_DIR";

    /** The system CA bundles looked for, first found wins (Go's {@code root_linux.go} list). */
    static final List<Path> BUNDLES = List.of(
            Path.of("/etc/ssl/certs/ca-certificates.crt"),                 // Debian, Ubuntu, Gentoo, Arch
            Path.of("/etc/pki/tls/certs/ca-bundle.crt"),                   // Fedora, RHEL 6
            Path.of("/etc/ssl/ca-bundle.pem"),                             // openSUSE
            Path.of("/etc/pki/tls/cacert.pem"),                            // OpenELEC
            Path.of("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"),  // CentOS, RHEL 7
            Path.of("/etc/ssl/cert.pem"));                                 // Alpine
    /** The folders read when no bundle exists (Go's {@code root_unix.go} for Linux). */
    static final List<Path> FOLDERS = List.of(Path.of("/etc/ssl/certs"), Path.of("/etc/pki/tls/certs"));

    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]+?)-----END CERTIFICATE-----");
    private static final long MAX_FILE = 4L * 1024 * 1024;

    private final SSLContext context;
    private final X509TrustManager trustManager;
    private final String description;

    private SystemTrust(SSLContext context, X509TrustManager trustManager, String description) {
        this.context = context;
        this.trustManager = trustManager;
        this.description = description;
    }

    /** The trust of this machine, its environment read through {@code env}. */
    public static SystemTrust of(Function<String, String> env) {
        return of(env, System.getProperty("os.name", ""));
    }

    static SystemTrust of(Function<String, String> env, String osName) {
        Set<X509Certificate> runtime = new LinkedHashSet<>();
        Collections.addAll(runtime, defaultTrustManager().getAcceptedIssuers());
        Set<X509Certificate> system = new LinkedHashSet<>();
        List<String> sources = new ArrayList<>();
        List<String> unread = new ArrayList<>();
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            fromKeyStore("Windows-ROOT", system, sources);
        } else if (os.startsWith("mac")) {
            fromKeyStore("KeychainStore", system, sources);
        }
        fromPemFiles(env, system, sources, unread, !os.startsWith("windows") && !os.startsWith("mac"));
        system.removeAll(runtime);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (X509Certificate c : runtime) {
                store.setCertificateEntry("runtime-" + i++, c);
            }
            for (X509Certificate c : system) {
                store.setCertificateEntry("system-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            X509TrustManager tm = x509(tmf.getTrustManagers());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {tm}, null);
            String description = "the Java runtime's " + runtime.size() + " CA certificates"
                    + (!sources.isEmpty() ? " and " + system.size() + " more from " + String.join(", ", sources)
                    : unread.isEmpty() ? " (no system CA store found)" : "")
                    + (unread.isEmpty() ? "" : " (" + String.join("; ", unread) + ")");
            LOG.debug("trusted for downloads: {}", description);
            return new SystemTrust(context, tm, description);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up the trusted CA certificates: " + e.getMessage(), e);
        }
    }

    /** The TLS context trusting these CAs. */
    public SSLContext sslContext() {
        return context;
    }

    /** Its trust manager (for clients that want both, such as OkHttp). */
    public X509TrustManager trustManager() {
        return trustManager;
    }

    /**
     * What is trusted, for a message: "the Java runtime's 140 CA certificates and 3 more from
     * /etc/ssl/certs/ca-certificates.crt".
     */
    public String describe() {
        return description;
    }

    private static void fromPemFiles(Function<String, String> env, Set<X509Certificate> into, List<String> sources,
            List<String> unread, boolean defaults) {
        String file = blankToNull(env.apply(CERT_FILE_ENV));
        String dirs = blankToNull(env.apply(CERT_DIR_ENV));
        if (file != null) {
            Path p = Path.of(file);
            if (Files.isRegularFile(p)) {
                if (readPem(p, into) > 0) {
                    sources.add(p + " (" + CERT_FILE_ENV + ")");
                } else {
                    LOG.warn("{}={} holds no certificate that can be read; none of it is trusted", CERT_FILE_ENV,
                            file);
                    unread.add(CERT_FILE_ENV + "=" + file + " holds no certificate that can be read");
                }
            } else {
                LOG.warn("{}={} is not a readable file; its certificates are not trusted", CERT_FILE_ENV, file);
                unread.add(CERT_FILE_ENV + "=" + file + " is not a readable file");
            }
        } else if (defaults) {
            BUNDLES.stream().filter(Files::isRegularFile).findFirst().ifPresent(p -> {
                sources.add(p.toString());
                readPem(p, into);
            });
        }
        // as OpenSSL: SSL_CERT_DIR replaces the default folders, not the bundle; the default folders hold the same
        // certificates as the default bundle, so they are read only where no bundle was found
        List<Path> folders = dirs != null
                ? Stream.of(dirs.split(":")).filter(s -> !s.isBlank()).map(Path::of).toList()
                : defaults && file == null && sources.isEmpty() ? FOLDERS : List.of();
        for (Path dir : folders) {
            if (!Files.isDirectory(dir)) {
                if (dirs != null) {
                    LOG.warn("{} names {}, which is not a folder; skipped", CERT_DIR_ENV, dir);
                    unread.add(CERT_DIR_ENV + " names " + dir + ", which is not a folder");
                }
                continue;
            }
            int read = 0;
            try (Stream<Path> files = Files.list(dir)) {
                read = files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("."))
                        .sorted().mapToInt(f -> readPem(f, into)).sum();
            } catch (IOException e) {
                LOG.warn("cannot read the CA folder {}: {}", dir, e.getMessage());
            }
            if (read > 0) {
                sources.add(dir + (dirs != null ? " (" + CERT_DIR_ENV + ")" : ""));
            } else if (dirs != null) {
                unread.add(CERT_DIR_ENV + " names " + dir + ", which holds no certificate that can be read");
            }
        }
    }

    /** Adds the certificates of a PEM file (text between them, such as comments, is skipped; so is a bad one). */
    static int readPem(Path file, Set<X509Certificate> into) {
        int read = 0;
        try {
            if (Files.size(file) > MAX_FILE) {
                return 0;
            }
            String text = Files.readString(file, StandardCharsets.ISO_8859_1);
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            Matcher m = PEM.matcher(text);
            while (m.find()) {
                try {
                    byte[] der = Base64.getMimeDecoder().decode(m.group(1));
                    Certificate c = factory.generateCertificate(new ByteArrayInputStream(der));
                    if (c instanceof X509Certificate x) {
                        into.add(x);
                        read++;
                    }
                } catch (IllegalArgumentException | GeneralSecurityException e) {
                    LOG.debug("skipped a certificate in {} that cannot be read: {}", file, e.getMessage());
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            LOG.debug("cannot read {}: {}", file, e.getMessage());
        }
        return read;
    }

    private static void fromKeyStore(String type, Set<X509Certificate> into, List<String> sources) {
        try {
            KeyStore store = KeyStore.getInstance(type);
            store.load(null, null);
            int before = into.size();
            for (String alias : Collections.list(store.aliases())) {
                if (store.isCertificateEntry(alias) && store.getCertificate(alias) instanceof X509Certificate x) {
                    into.add(x);
                }
            }
            if (into.size() > before) {
                sources.add("the " + type + " store");
            }
        } catch (GeneralSecurityException | IOException e) {
            LOG.debug("the system's {} store cannot be read: {}", type, e.getMessage());
        }
    }

    private static X509TrustManager defaultTrustManager() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            return x509(tmf.getTrustManagers());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the Java runtime's CA certificates: " + e.getMessage(), e);
        }
    }

    private static X509TrustManager x509(TrustManager[] managers) {
        for (TrustManager m : managers) {
            if (m instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new IllegalStateException("no X.509 trust manager");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
