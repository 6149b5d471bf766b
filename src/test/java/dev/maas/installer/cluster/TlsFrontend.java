package dev.maas.installer.cluster;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test-only: an HTTPS front for a plain-HTTP {@link TestCluster}, with its own (self-signed) certificate for
 * localhost, so that a client has to trust that certificate to talk to the CRUD cluster behind it. Forwards each
 * request (method, path and query, body, content type) and answers with the cluster's status and body; checks the
 * bearer token first, as a real API server does. Not for watches.
 */
public final class TlsFrontend implements AutoCloseable {
    private final HttpsServer server;
    private final String backend;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();

    public TlsFrontend(HeldCertificate cert, String backendUrl, String token) throws IOException {
        this.backend = backendUrl.replaceAll("/+$", "");
        this.token = token;
        HandshakeCertificates certs = new HandshakeCertificates.Builder().heldCertificate(cert).build();
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(certs.sslContext()));
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() { return "https://localhost:" + server.getAddress().getPort(); }

    /** The Authorization headers seen, to check which token was sent. */
    public List<String> authorizations() { return List.copyOf(authorizations); }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            authorizations.add(String.valueOf(auth));
            if (!("Bearer " + token).equals(auth)) {
                send(ex, 401, "application/json", ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                        + "\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}").getBytes());
                return;
            }
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(backend + ex.getRequestURI().toString()))
                    .timeout(Duration.ofSeconds(20))
                    .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            String type = ex.getRequestHeaders().getFirst("Content-Type");
            if (type != null) {
                b.header("Content-Type", type);
            }
            HttpResponse<byte[]> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                send(ex, 503, "text/plain", "interrupted".getBytes());
                return;
            }
            send(ex, r.statusCode(), r.headers().firstValue("Content-Type").orElse("application/json"), r.body());
        }
    }

    private static void send(HttpExchange ex, int code, String type, byte[] bytes) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() { server.stop(0); }
}
