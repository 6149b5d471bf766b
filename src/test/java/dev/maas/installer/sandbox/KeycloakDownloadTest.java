package dev.maas.installer.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.engine.Cancellation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Keycloak download against a local Maven repository (the JDK's HTTP server laid out as Maven Central is:
 * {@code org/keycloak/keycloak-quarkus-dist/<v>/keycloak-quarkus-dist-<v>.zip} and its {@code .sha1}).
 */
class KeycloakDownloadTest {
    private static final String VERSION = "99.0.1";
    private static final String PATH = "/maven2/org/keycloak/keycloak-quarkus-dist/" + VERSION
            + "/keycloak-quarkus-dist-" + VERSION + ".zip";

    @TempDir
    Path tmp;

    private HttpServer server;
    private final byte[] zip = new byte[300_000];
    private volatile String sha1;
    /** When > 0, the next full GET sends only this many bytes and then closes the connection. */
    private final AtomicLong cutAfter = new AtomicLong();
    private final AtomicInteger zipGets = new AtomicInteger();
    private final List<String> ranges = new CopyOnWriteArrayList<>();

    @BeforeEach
    void serve() throws Exception {
        new Random(7).nextBytes(zip);
        sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(zip));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(PATH + ".sha1", ex -> send(ex, 200, (sha1 + "  keycloak.zip\n")
                .getBytes(StandardCharsets.US_ASCII), 0, -1));
        server.createContext(PATH, this::zip);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void zip(HttpExchange ex) throws IOException {
        if (!ex.getRequestURI().getPath().equals(PATH)) {
            send(ex, 404, new byte[0], 0, -1);
            return;
        }
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().add("Content-Length", String.valueOf(zip.length));
            ex.sendResponseHeaders(200, -1);
            ex.close();
            return;
        }
        zipGets.incrementAndGet();
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null) {
            ranges.add(range);
            int from = Integer.parseInt(range.replace("bytes=", "").replace("-", ""));
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (zip.length - 1) + "/" + zip.length);
            send(ex, 206, zip, from, -1);
            return;
        }
        send(ex, 200, zip, 0, cutAfter.getAndSet(0));
    }

    /** Sends body[from..]; with cut > 0 it announces all of it but sends only cut bytes, then drops the line. */
    private static void send(HttpExchange ex, int status, byte[] body, int from, long cut) throws IOException {
        int length = body.length - from;
        ex.sendResponseHeaders(status, length == 0 ? -1 : length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body, from, cut > 0 ? (int) cut : length);
            out.flush(); // with cut > 0, closing short of the announced length drops the connection
        } catch (IOException ignored) {
            // the client went away (cancel)
        }
    }

    private KeycloakDownload download() {
        return new KeycloakDownload("http://127.0.0.1:" + server.getAddress().getPort() + "/maven2/", VERSION,
                tmp.resolve("cache").resolve(VERSION), ProxySelector.of(null))
                // the test server keeps a cut connection open: the stall timeout ends the read
                .stallTimeout(java.time.Duration.ofSeconds(3));
    }

    @Test
    void showsItsSizeDownloadsWithProgressVerifiesAndIsThenCachedWithoutAnotherRequest() throws Exception {
        KeycloakDownload d = download();
        assertThat(d.cached()).isFalse();
        assertThat(d.size()).isEqualTo(zip.length);
        List<Long> progress = new CopyOnWriteArrayList<>();
        Path got = d.fetch(new Cancellation(), (done, total) -> {
            assertThat(total).isEqualTo(zip.length);
            progress.add(done);
        });
        assertThat(got).isEqualTo(d.zip()).hasBinaryContent(zip);
        assertThat(progress).isSorted().contains((long) zip.length);
        assertThat(zipGets).hasValue(1);

        Path again = download().fetch(new Cancellation(), null);
        assertThat(again).isEqualTo(got);
        assertThat(zipGets).as("a cache hit sends no request").hasValue(1);
        assertThat(download().cached()).isTrue();
    }

    @Test
    void aDownloadThatDoesNotMatchThePublishedChecksumIsRefusedAndDiscarded() {
        sha1 = "0123456789abcdef0123456789abcdef01234567";
        KeycloakDownload d = download();
        assertThatThrownBy(() -> d.fetch(new Cancellation(), null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not match the checksum")
                .hasMessageContaining(sha1);
        assertThat(d.zip()).doesNotExist();
        assertThat(d.zip().resolveSibling(d.zip().getFileName() + ".part")).doesNotExist();
        assertThat(d.cached()).isFalse();
    }

    @Test
    void aCutConnectionResumesWithARangeRequest() {
        cutAfter.set(100_000);
        KeycloakDownload d = download();
        assertThatThrownBy(() -> d.fetch(new Cancellation(), null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("interrupted").hasMessageContaining("resume");
        Path part = d.zip().resolveSibling(d.zip().getFileName() + ".part");
        assertThat(part).exists();
        long kept = part.toFile().length();
        assertThat(kept).isPositive().isLessThan(zip.length);

        Path got = download().fetch(new Cancellation(), null);
        assertThat(got).hasBinaryContent(zip);
        assertThat(ranges).containsExactly("bytes=" + kept + "-");
        assertThat(part).doesNotExist();
    }

    @Test
    void cancelStopsTheDownloadKeepsWhatCameAndTheNextFetchResumes() {
        Cancellation cancel = new Cancellation();
        KeycloakDownload d = download();
        assertThatThrownBy(() -> d.fetch(cancel, (done, total) -> {
            if (done > 0) {
                cancel.cancel();
            }
        })).isInstanceOf(CancelledException.class);
        assertThat(d.cached()).isFalse();
        Path part = d.zip().resolveSibling(d.zip().getFileName() + ".part");
        assertThat(part).exists();

        assertThat(download().fetch(new Cancellation(), null)).hasBinaryContent(zip);
        assertThat(ranges).hasSize(1);
    }

    @Test
    void cancelEndsARead_thatWaitsForData_longBeforeTheStallTimeout() {
        cutAfter.set(100_000); // the server sends 100,000 bytes, then nothing, with the connection left open
        Cancellation cancel = new Cancellation();
        KeycloakDownload d = download().stallTimeout(java.time.Duration.ofSeconds(90));
        long start = System.nanoTime();
        assertThatThrownBy(() -> d.fetch(cancel, (done, total) -> {
            if (done >= 100_000) { // the next read waits: Cancel comes while it does
                new Thread(() -> {
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    cancel.cancel();
                }).start();
            }
        })).isInstanceOf(CancelledException.class);
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start))
                .as("ended by Cancel, not by the 90 s stall timeout").isLessThan(java.time.Duration.ofSeconds(45));
        Path part = d.zip().resolveSibling(d.zip().getFileName() + ".part");
        assertThat(part).as("what came is kept to resume").exists();
    }

    @Test
    void anUnreachableRepositoryIsACauseNamingItNotAHang() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        KeycloakDownload d = new KeycloakDownload("http://127.0.0.1:" + closed + "/maven2", VERSION,
                tmp.resolve("c2"), ProxySelector.of(null));
        long t0 = System.nanoTime();
        assertThatThrownBy(d::size).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot be reached").hasMessageContaining("127.0.0.1:" + closed);
        assertThat(System.nanoTime() - t0).isLessThan(10_000_000_000L);
    }

    @Test
    void aPasswordInTheRepositorysUrlIsNeverShown() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        String secret = "s3cret-" + System.nanoTime();
        KeycloakDownload d = new KeycloakDownload("http://reader:" + secret + "@127.0.0.1:" + closed + "/maven2",
                VERSION, tmp.resolve("c3"), ProxySelector.of(null));
        assertThat(d.shownUrl()).startsWith("http://127.0.0.1:" + closed + "/maven2/org/keycloak/")
                .doesNotContain(secret).doesNotContain("reader");
        assertThatThrownBy(d::size).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot be reached").hasMessageContaining("127.0.0.1:" + closed)
                .hasMessageNotContaining(secret);
    }

    @Test
    void theRepositoryAndCacheFolderComeFromTheEnvironment() {
        Map<String, String> env = Map.of(KeycloakDownload.REPOSITORY_ENV, "http://mirror.example/m2/",
                "XDG_DATA_HOME", tmp.resolve("xdg").toString());
        KeycloakDownload d = KeycloakDownload.of(env::get);
        assertThat(d.url().toString()).startsWith("http://mirror.example/m2/org/keycloak/keycloak-quarkus-dist/"
                + d.version() + "/keycloak-quarkus-dist-" + d.version() + ".zip");
        assertThat(d.zip()).startsWithRaw(tmp.resolve("xdg/maas-installer/keycloak/" + d.version()));
        assertThat(KeycloakDownload.of(Map.<String, String>of()::get).url().toString())
                .startsWith(KeycloakDownload.CENTRAL + "/");
        // without XDG_DATA_HOME: under $HOME, the home the wizard keeps its sandbox in (not the JVM's user.home)
        assertThat(KeycloakDownload.of(Map.of("HOME", tmp.resolve("home").toString())::get).zip())
                .startsWithRaw(tmp.resolve("home/.local/share/maas-installer/keycloak/"));
    }

    /**
     * Over HTTPS, a repository whose certificate comes from a CA that only the system's store holds (here: the PEM
     * bundle of SSL_CERT_FILE, as a TLS-inspecting proxy's CA would be): the download made from the environment
     * trusts it; without that CA, the message names the fixes.
     */
    @Test
    void overHttpsACaOfTheSystemsStoreIsTrustedAndAnUntrustedOneNamesTheFix() throws Exception {
        okhttp3.tls.HeldCertificate ca = new okhttp3.tls.HeldCertificate.Builder().certificateAuthority(0)
                .commonName("proxy CA").build();
        okhttp3.tls.HeldCertificate leaf = new okhttp3.tls.HeldCertificate.Builder().signedBy(ca)
                .addSubjectAlternativeName("127.0.0.1").build();
        com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(new okhttp3.tls.HandshakeCertificates
                .Builder().heldCertificate(leaf, ca.certificate()).build().sslContext()));
        https.createContext(PATH + ".sha1", ex -> send(ex, 200, (sha1 + "\n").getBytes(StandardCharsets.US_ASCII),
                0, -1));
        https.createContext(PATH, this::zip);
        https.start();
        try {
            String repo = "https://127.0.0.1:" + https.getAddress().getPort() + "/maven2";
            Path bundle = tmp.resolve("system-ca.pem");
            Files.writeString(bundle, ca.certificatePem());
            Map<String, String> env = Map.of(KeycloakDownload.REPOSITORY_ENV, repo, "XDG_DATA_HOME",
                    tmp.resolve("data").toString(), "SSL_CERT_FILE", bundle.toString());
            KeycloakDownload d = KeycloakDownload.of(env::get, VERSION);
            assertThat(d.size()).isEqualTo(zip.length);
            assertThat(d.fetch(new Cancellation(), null)).hasBinaryContent(zip);

            Path otherBundle = tmp.resolve("other-ca.pem");
            Files.writeString(otherBundle, new okhttp3.tls.HeldCertificate.Builder().certificateAuthority(0).build()
                    .certificatePem());
            Map<String, String> without = Map.of(KeycloakDownload.REPOSITORY_ENV, repo, "XDG_DATA_HOME",
                    tmp.resolve("data2").toString(), "SSL_CERT_FILE", otherBundle.toString());
            assertThatThrownBy(() -> KeycloakDownload.of(without::get, VERSION).size())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("the certificate of https://127.0.0.1:" + https.getAddress().getPort()
                            + " is not trusted")
                    .hasMessageContaining("trusted here: the Java runtime's")
                    .hasMessageContaining(otherBundle + " (SSL_CERT_FILE)")
                    .hasMessageContaining("SSL_CERT_FILE").hasMessageContaining(KeycloakDownload.REPOSITORY_ENV);
        } finally {
            https.stop(0);
        }
    }
}
