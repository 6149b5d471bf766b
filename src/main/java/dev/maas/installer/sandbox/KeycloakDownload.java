package dev.maas.installer.sandbox;

import dev.maas.installer.cluster.ProxySettings;
import dev.maas.installer.engine.Cancellation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;

import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Fetches the Keycloak distribution the sandbox runs ({@code org.keycloak:keycloak-quarkus-dist:<version>}, type zip,
 * the version the build was made with: {@link KeycloakProcess#distributionVersion()}) from a Maven repository, for a
 * machine that has only the packaged installer.
 * <ul>
 *   <li>From Maven Central ({@value #CENTRAL}); {@value #REPOSITORY_ENV} names another repository (a mirror, a
 *       test server): {@code <base>/org/keycloak/<artifact>/<version>/<artifact>-<version>.zip};</li>
 *   <li>its size is known before the download ({@link #size()}, a HEAD request), and the download reports its
 *       progress ({@link Listener});</li>
 *   <li>the SHA-1 checksum Maven Central publishes next to it ({@code .zip.sha1}) is verified; a mismatch is
 *       refused and the download discarded;</li>
 *   <li>an interrupted download (a cut connection, Cancel) resumes where it stopped with an HTTP Range request
 *       (the bytes so far are kept in {@code <zip>.part});</li>
 *   <li>it is cached once per user, in {@code $XDG_DATA_HOME/maas-installer/keycloak/<version>} (default
 *       {@code ~/.local/share/...}): the zip is moved there only once verified, so a zip in the cache is a good
 *       one, and {@link KeycloakProcess#locateDistribution} finds it;</li>
 *   <li>a proxy is honoured: {@code https_proxy} / {@code HTTPS_PROXY} (with {@code no_proxy}), else the JVM's
 *       proxy settings ({@code -Dhttps.proxyHost}, the system's proxy selector);</li>
 *   <li>HTTPS trusts the Java runtime's CAs and the operating system's ({@link SystemTrust}: the system's CA bundle,
 *       {@code SSL_CERT_FILE}, {@code SSL_CERT_DIR}), so a TLS-inspecting proxy whose CA the system trusts is trusted
 *       too; an untrusted certificate fails with a message naming those fixes.</li>
 * </ul>
 */
public final class KeycloakDownload {
    private static final Logger LOG = LoggerFactory.getLogger(KeycloakDownload.class);

    /** The environment variable naming the Maven repository to fetch from (default {@value #CENTRAL}). */
    public static final String REPOSITORY_ENV = "MAAS_KEYCLOAK_REPOSITORY";
    public static final String CENTRAL = "https://repo1.maven.org/maven2";
    static final String ARTIFACT = KeycloakProcess.Generation.QUARKUS.artifact();
    private static final int BUFFER = 64 * 1024;

    /** Hears the download's size and progress, on the downloading thread. */
    public interface Listener {
        /** Bytes so far and the total (-1 when the server does not say). */
        void progress(long done, long total);

        Listener NONE = (done, total) -> { };
    }

    private final String base;
    private final String version;
    private final Path cacheDir;
    private final ProxySelector proxy;
    /** The CAs trusted for HTTPS (null: the Java runtime's only); read on the first request. */
    private final Supplier<SystemTrust> trustSource;
    /** How long a read may bring nothing (the bytes so far kept to resume): the client's read timeout. */
    private Duration stallTimeout = Duration.ofSeconds(60);
    private SystemTrust trust;
    private OkHttpClient http;

    /** A shorter stall timeout (tests); the default is 60 s without a byte. */
    KeycloakDownload stallTimeout(Duration timeout) {
        this.stallTimeout = Objects.requireNonNull(timeout, "timeout");
        synchronized (this) {
            http = null;
        }
        return this;
    }

    /**
     * A download trusting the Java runtime's CAs only (tests over plain HTTP).
     *
     * @param base     the Maven repository's base URL
     * @param version  the keycloak-quarkus-dist version
     * @param cacheDir the folder of this version's cached zip
     * @param proxy    the proxy choice for the download
     */
    KeycloakDownload(String base, String version, Path cacheDir, ProxySelector proxy) {
        this(base, version, cacheDir, proxy, null);
    }

    /** As above, trusting the CAs {@code trust} gives (read on the first request). */
    KeycloakDownload(String base, String version, Path cacheDir, ProxySelector proxy, Supplier<SystemTrust> trust) {
        this.base = stripSlash(Objects.requireNonNull(base, "base"));
        this.version = Objects.requireNonNull(version, "version");
        this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
        this.proxy = Objects.requireNonNull(proxy, "proxy");
        this.trustSource = trust;
    }

    /** The HTTP client, made on the first request (reading the system's CA store takes a moment). */
    private synchronized OkHttpClient http() {
        if (http == null) {
            OkHttpClient.Builder b = new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(20))
                    .readTimeout(stallTimeout).followRedirects(true).followSslRedirects(true).proxySelector(proxy);
            if (trustSource != null) {
                if (trust == null) {
                    trust = trustSource.get();
                }
                b.sslSocketFactory(trust.sslContext().getSocketFactory(), trust.trustManager());
            }
            http = b.build();
        }
        return http;
    }

    /** What is trusted for HTTPS, for a message. */
    private synchronized String trusted() {
        return trust != null ? trust.describe() : "the Java runtime's CA certificates";
    }

    /** The download as this user's environment sets it up: repository, cache folder and proxy. */
    public static KeycloakDownload of(Function<String, String> env) {
        return of(env, KeycloakProcess.distributionVersion());
    }

    /** The download of that keycloak-quarkus-dist version as this user's environment sets it up. */
    public static KeycloakDownload of(Function<String, String> env, String version) {
        String repo = env.apply(REPOSITORY_ENV);
        return new KeycloakDownload(repo == null || repo.isBlank() ? CENTRAL : repo.trim(), version,
                cacheRoot(env).resolve(version), proxySelector(ProxySettings.fromEnvironment(env)),
                () -> SystemTrust.of(env));
    }

    /** The environment's download. */
    public static KeycloakDownload ofEnvironment() {
        return of(System::getenv);
    }

    /**
     * {@code $XDG_DATA_HOME/maas-installer/keycloak} (default {@code $HOME/.local/share/maas-installer/keycloak}, the
     * JVM's {@code user.home} without {@code HOME}: the same home the wizard keeps its sandbox in).
     */
    static Path cacheRoot(Function<String, String> env) {
        String xdg = env.apply("XDG_DATA_HOME");
        String home = env.apply("HOME");
        Path data = xdg != null && !xdg.isBlank() && Path.of(xdg.trim()).isAbsolute() ? Path.of(xdg.trim())
                : Path.of(home != null && !home.isBlank() && Path.of(home.trim()).isAbsolute() ? home.trim()
                        : System.getProperty("user.home"), ".local", "share");
        return data.resolve("maas-installer").resolve("keycloak");
    }

    /** The user's cached zip of the version the build was made with, when it is there (it is then verified). */
    public static Optional<Path> cachedZip() {
        Path zip = cacheRoot(System::getenv).resolve(KeycloakProcess.distributionVersion())
                .resolve(fileName(KeycloakProcess.distributionVersion()));
        return Files.isRegularFile(zip) ? Optional.of(zip) : Optional.empty();
    }

    /** The proxy from the environment's settings for the hosts they cover, else the JVM's. */
    static ProxySelector proxySelector(ProxySettings settings) {
        ProxySelector jvm = ProxySelector.getDefault();
        return new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                Proxy p = settings.proxyFor(uri.getHost());
                if (p != Proxy.NO_PROXY) {
                    return List.of(p);
                }
                return jvm == null ? List.of(Proxy.NO_PROXY) : jvm.select(uri);
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
                if (jvm != null) {
                    jvm.connectFailed(uri, sa, ioe);
                }
            }
        };
    }

    private static String fileName(String version) {
        return ARTIFACT + "-" + version + ".zip";
    }

    /** The distribution's URL. */
    public URI url() {
        return URI.create(base + "/org/keycloak/" + ARTIFACT + "/" + version + "/" + fileName(version));
    }

    /** {@link #url()} for a message or a dialog: without the user name and password a repository URL may hold. */
    public String shownUrl() {
        return shown(url());
    }

    private static String shown(URI uri) {
        if (uri.getRawUserInfo() == null) {
            return uri.toString();
        }
        try {
            return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), uri.getQuery(),
                    uri.getFragment()).toString();
        } catch (java.net.URISyntaxException e) {
            return uri.getScheme() + "://" + uri.getHost();
        }
    }

    public String version() {
        return version;
    }

    /** Where the verified zip is kept. */
    public Path zip() {
        return cacheDir.resolve(fileName(version));
    }

    /** Whether the verified zip is already here: nothing to download. */
    public boolean cached() {
        return Files.isRegularFile(zip());
    }

    /**
     * The distribution's size in bytes, from the repository (HEAD); -1 when it does not say.
     *
     * @throws IllegalStateException naming the URL and the cause when the repository cannot be reached
     */
    public long size() {
        try (Response r = send(new Request.Builder().url(url().toString()).head().build(), Duration.ofSeconds(30))) {
            if (r.code() != 200) {
                throw new IllegalStateException("cannot download Keycloak: " + shownUrl() + " answered HTTP " + r.code());
            }
            return contentLength(r);
        }
    }

    /**
     * Downloads the zip into the cache (once: a cached zip is returned at once), resuming an interrupted download,
     * verifying its SHA-1 against the repository's {@code .sha1}; returns the zip.
     *
     * @throws dev.maas.installer.engine.CancelledException when cancelled (what was fetched is kept, to resume)
     * @throws IllegalStateException when the repository cannot be reached or the checksum does not match
     */
    public Path fetch(Cancellation cancellation, Listener listener) {
        Cancellation cancel = cancellation == null ? new Cancellation() : cancellation;
        Listener out = listener == null ? Listener.NONE : listener;
        Path zip = zip();
        if (Files.isRegularFile(zip)) {
            LOG.info("Keycloak {} is in the cache: {}", version, zip);
            return zip;
        }
        String expected = expectedSha1();
        Path part = cacheDir.resolve(zip.getFileName() + ".part");
        try {
            Files.createDirectories(cacheDir);
            download(part, cancel, out);
            String actual = sha1(part);
            if (!actual.equalsIgnoreCase(expected)) {
                Files.deleteIfExists(part);
                throw new IllegalStateException("the Keycloak download from " + shownUrl() + " does not match the"
                        + " checksum the repository publishes (SHA-1 " + expected + ", the download has " + actual
                        + "); it was discarded. Try again; if it happens again, the repository or a proxy on the way"
                        + " serves a different file (" + REPOSITORY_ENV + " names another repository)");
            }
            Files.move(part, zip, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the Keycloak download into " + cacheDir + ": " + e.getMessage(),
                    e);
        }
        LOG.info("downloaded Keycloak {} into {}", version, zip);
        return zip;
    }

    private void download(Path part, Cancellation cancel, Listener out) throws IOException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        Request.Builder request = new Request.Builder().url(url().toString()).get();
        if (have > 0) {
            request.header("Range", "bytes=" + have + "-");
        }
        Call call = http().newCall(request.build());
        // Cancel ends a read that waits for data at once: the call is cancelled, its read fails, and the failure is
        // reported as the cancellation it is; a read that brings nothing for the client's read timeout is a stall
        ScheduledFuture<?> watch = CANCEL_WATCH.scheduleWithFixedDelay(() -> {
            if (cancel.isCancelled()) {
                call.cancel();
            }
        }, 200, 200, TimeUnit.MILLISECONDS);
        Response response;
        try {
            response = call.execute();
        } catch (IOException e) {
            watch.cancel(false);
            cancel.throwIfCancelled();
            throw unreachable(call, e);
        }
        try (Response r = response; InputStream in = r.body().byteStream()) {
            boolean append;
            long total;
            if (r.code() == 206 && have > 0) {
                append = true;
                long rest = contentLength(r);
                total = rest < 0 ? -1 : have + rest;
                LOG.info("resuming the Keycloak download at {} bytes", have);
            } else if (r.code() == 200) {
                append = false; // the server sends it all again (no range support)
                have = 0;
                total = contentLength(r);
            } else if (r.code() == 416 && have > 0) {
                return; // the part is complete already: the checksum decides
            } else {
                throw new IllegalStateException("cannot download Keycloak: " + shownUrl() + " answered HTTP " + r.code());
            }
            out.progress(have, total);
            try (OutputStream file = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] buffer = new byte[BUFFER];
                long done = have;
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    file.write(buffer, 0, n);
                    done += n;
                    out.progress(done, total);
                    cancel.throwIfCancelled(); // what is written stays, for the next attempt to resume
                }
                if (total >= 0 && done < total) {
                    throw new IOException("the connection closed after " + done + " of " + total + " bytes");
                }
            }
        } catch (IOException e) {
            cancel.throwIfCancelled();
            String why = e instanceof java.net.SocketTimeoutException
                    ? "no data came for " + stallTimeout.toSeconds() + " s" : e.getMessage();
            throw new IllegalStateException("the Keycloak download from " + shownUrl() + " was interrupted ("
                    + why + "); start it again to resume where it stopped", e);
        } finally {
            watch.cancel(false);
        }
    }

    /** Polls the running downloads' cancellations (one daemon thread for all). */
    private static final ScheduledExecutorService CANCEL_WATCH = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "keycloak-download-cancel");
        t.setDaemon(true);
        return t;
    });

    private static long contentLength(Response r) {
        String length = r.header("Content-Length");
        try {
            return length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The SHA-1 the repository publishes ({@code <zip>.sha1}: the hex digest, maybe followed by a file name). */
    private String expectedSha1() {
        URI uri = URI.create(url() + ".sha1");
        String text;
        int code;
        try (Response r = send(new Request.Builder().url(uri.toString()).get().build(), Duration.ofSeconds(30))) {
            code = r.code();
            text = r.body() == null ? "" : r.body().string().trim();
        } catch (IOException e) {
            throw new IllegalStateException("cannot download Keycloak: the checksum at " + shown(uri) + " could not be read ("
                    + describe(e) + ")", e);
        }
        String hex = text.split("\\s+")[0].toLowerCase(Locale.ROOT);
        if (code != 200 || !hex.matches("[0-9a-f]{40}")) {
            throw new IllegalStateException("cannot download Keycloak: no checksum at " + shown(uri) + " (HTTP "
                    + code + "), so a download could not be verified");
        }
        return hex;
    }

    private static String sha1(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[BUFFER];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                md.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** A short request (HEAD, the checksum) with a whole-call timeout. */
    private Response send(Request request, Duration timeout) {
        Call call = http().newCall(request);
        call.timeout().timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return call.execute();
        } catch (IOException e) {
            throw unreachable(call, e);
        }
    }

    private IllegalStateException unreachable(Call call, IOException e) {
        URI uri = call.request().url().uri();
        String where = shown(URI.create(uri.getScheme() + "://" + uri.getRawAuthority()));
        if (untrustedCertificate(e)) {
            return new IllegalStateException("cannot download Keycloak: the certificate of " + where + " is not"
                    + " trusted (" + rootMessage(e) + "); trusted here: " + trusted() + ". If a proxy or your"
                    + " organisation's certificate authority stands in between, add its CA certificate to the system's"
                    + " CA store, or name a PEM file holding it in " + SystemTrust.CERT_FILE_ENV + "; or name a Maven"
                    + " repository you can reach in " + REPOSITORY_ENV, e);
        }
        return new IllegalStateException("cannot download Keycloak: " + where + " cannot be reached (" + describe(e)
                + ")", e);
    }

    /** Whether the TLS handshake failed because the server's certificate chain leads to no trusted CA. */
    static boolean untrustedCertificate(Throwable e) {
        if (!(e instanceof SSLHandshakeException)) {
            return false;
        }
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof CertificateException || t instanceof CertPathBuilderException
                    || t instanceof CertPathValidatorException) {
                return true;
            }
        }
        return false;
    }

    /** The innermost cause's message ("unable to find valid certification path to requested target"). */
    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null && !root.getMessage().isBlank() ? root.getMessage() : describe(e);
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** "123.4 MiB". */
    public static String mebibytes(long bytes) {
        return bytes < 0 ? "unknown size" : String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
