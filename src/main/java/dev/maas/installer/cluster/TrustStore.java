package dev.maas.installer.cluster;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.maas.installer.engine.files.PrivateFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The certificates the user trusted explicitly, one per cluster URL, kept in
 * {@code <config dir>/trusted-clusters.json} (mode 0600, its folder 0700, where the file system supports it; wider
 * permissions found on either are tightened). Trusting is always a
 * deliberate user action: nothing here trusts a certificate on its own.
 */
public final class TrustStore {
    public static final String FILE_NAME = "trusted-clusters.json";
    /** System property that overrides the config folder (tests, portable installs). */
    public static final String CONFIG_DIR_PROPERTY = "maas.config.dir";
    /** Environment variable that overrides the config folder when the system property is not set. */
    public static final String CONFIG_DIR_ENV = "MAAS_CONFIG_DIR";

    /** Made at the first read or write, not when the wizard starts (Jackson stays out of the first frame). */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    /** One trusted certificate. {@code pem} is what the client trusts; {@code sha256} is what the user saw. */
    public record Entry(String sha256, String subject, String pem, String trustedAt) { }

    private final Path file;

    public TrustStore(Path file) { this.file = file; }

    /** The store in the user's config folder ({@link #defaultConfigDir()}). */
    public static TrustStore userDefault() { return userDefault(System::getenv); }

    /** The store in the user's config folder, reading environment variables through {@code env} (tests). */
    public static TrustStore userDefault(Function<String, String> env) {
        return new TrustStore(defaultConfigDir(env).resolve(FILE_NAME));
    }

    /**
     * The system property {@code maas.config.dir} or the environment variable {@code MAAS_CONFIG_DIR} when set;
     * else {@code $XDG_CONFIG_HOME/maas-installer} or {@code ~/.config/maas-installer} on Linux and macOS,
     * {@code %APPDATA%\maas-installer} on Windows.
     */
    public static Path defaultConfigDir() { return defaultConfigDir(System::getenv); }

    /** {@link #defaultConfigDir()}, reading environment variables through {@code env}. */
    public static Path defaultConfigDir(Function<String, String> env) {
        String override = System.getProperty(CONFIG_DIR_PROPERTY);
        if (override == null || override.isBlank()) {
            override = env.apply(CONFIG_DIR_ENV);
        }
        if (override != null && !override.isBlank()) {
            return Path.of(override.trim());
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String appData = env.apply("APPDATA");
        if (os.contains("win") && appData != null && !appData.isBlank()) {
            return Path.of(appData, "maas-installer");
        }
        String xdg = env.apply("XDG_CONFIG_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "maas-installer");
        }
        return Path.of(System.getProperty("user.home"), ".config", "maas-installer");
    }

    public Path file() { return file; }

    public synchronized Optional<Entry> get(String clusterUrl) {
        return Optional.ofNullable(read().get(key(clusterUrl)));
    }

    /** Remembers that the user trusts this certificate for this cluster URL (replacing an earlier one). */
    public synchronized Entry trust(String clusterUrl, CertificateInfo certificate) {
        String computed = CertificateInfo.fingerprint(decode(certificate.pem()));
        if (!computed.equals(certificate.sha256Fingerprint())) {
            throw new IllegalArgumentException("the certificate does not match its fingerprint");
        }
        Map<String, Entry> all = read();
        Entry e = new Entry(computed, certificate.subject(), certificate.pem(), Instant.now().toString());
        all.put(key(clusterUrl), e);
        write(all);
        return e;
    }

    /**
     * Trusts the certificate {@code url} presents now, but only if its fingerprint equals the one the user typed
     * (CLI: {@code --trust-fingerprint}). Throws an untrusted-certificate error naming both fingerprints otherwise.
     */
    public synchronized Entry trustIfFingerprintMatches(String clusterUrl, String expectedFingerprint,
                                                        ProxySettings proxy) {
        String expected = CertificateInfo.normalizeFingerprint(expectedFingerprint);
        CertificateInfo leaf = CertificateProbe.probe(clusterUrl, proxy, java.time.Duration.ofSeconds(10)).get(0);
        if (!leaf.sha256Fingerprint().equals(expected)) {
            throw new ClusterException(ClusterException.Kind.UNTRUSTED_CERTIFICATE,
                    "the certificate of " + clusterUrl + " has SHA-256 fingerprint " + leaf.sha256Fingerprint()
                            + ", not the " + expected + " you asked to trust",
                    dev.maas.installer.engine.Fix.manual("check the fingerprint with your cluster administrator;"
                            + " a different certificate may mean the connection is intercepted"),
                    null, leaf, null, null);
        }
        return trust(clusterUrl, leaf);
    }

    public synchronized boolean forget(String clusterUrl) {
        Map<String, Entry> all = read();
        boolean removed = all.remove(key(clusterUrl)) != null;
        if (removed) {
            write(all);
        }
        return removed;
    }

    /** Cluster URLs are compared by scheme, lower-case host and port (443 when absent), without a trailing slash. */
    public static String key(String clusterUrl) {
        URI uri = URI.create(clusterUrl.trim());
        String scheme = uri.getScheme() == null ? "https" : uri.getScheme().toLowerCase(Locale.ROOT);
        int port = uri.getPort() > 0 ? uri.getPort() : ("http".equals(scheme) ? 80 : 443);
        return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + port;
    }

    private Map<String, Entry> read() {
        if (!Files.exists(file)) {
            return new TreeMap<>();
        }
        try {
            PrivateFiles.tighten(file); // a store left readable by others (an older version, a copy) is made 0600
        } catch (IOException e) {
            // not ours to change (another owner): reading it is still fine; writing replaces it owner-only
        }
        try {
            Map<String, Entry> m = Json.MAPPER.readValue(file.toFile(), new TypeReference<Map<String, Map<String, Entry>>>() { })
                    .getOrDefault("clusters", Map.of());
            return new TreeMap<>(m);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the trusted certificates in " + file + ": " + e.getMessage(), e);
        }
    }

    private void write(Map<String, Entry> all) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            PrivateFiles.directory(dir); // 0700, tightened when it was wider
            PrivateFiles.replace(file, Json.MAPPER.writeValueAsBytes(Map.of("clusters", all)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static byte[] decode(String pem) {
        String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return java.util.Base64.getDecoder().decode(b64);
    }
}
