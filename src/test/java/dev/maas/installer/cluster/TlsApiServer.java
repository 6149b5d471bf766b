package dev.maas.installer.cluster;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;

/**
 * Test-only: a tiny HTTPS API server on loopback with its own certificate, answering {@code GET /apis} for one
 * bearer token and 401 otherwise.
 */
public final class TlsApiServer implements AutoCloseable {
    private final HttpsServer server;
    private final String token;

    public TlsApiServer(HeldCertificate serverCert, String token, X509Certificate... intermediates) throws IOException {
        this.token = token;
        HandshakeCertificates certs = new HandshakeCertificates.Builder().heldCertificate(serverCert, intermediates)
                .build();
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(certs.sslContext()));
        server.createContext("/", this::handle);
        server.start();
    }

    /** A self-signed certificate for localhost. */
    public static HeldCertificate selfSigned(String cn) {
        return new HeldCertificate.Builder().commonName(cn).addSubjectAlternativeName("localhost")
                .addSubjectAlternativeName("127.0.0.1").build();
    }

    public String url() { return "https://localhost:" + server.getAddress().getPort(); }

    private void handle(HttpExchange ex) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (!("Bearer " + token).equals(auth)) {
            send(ex, 401, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"Unauthorized\","
                    + "\"reason\":\"Unauthorized\",\"code\":401}");
            return;
        }
        if (ex.getRequestURI().getPath().equals("/apis")) {
            send(ex, 200, Serialization.asJson(new APIGroupListBuilder()
                    .addToGroups(new APIGroupBuilder().withName("route.openshift.io").build())
                    .addToGroups(new APIGroupBuilder().withName("operators.coreos.com").build()).build()));
            return;
        }
        send(ex, 404, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":404}");
    }

    private static void send(HttpExchange ex, int code, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() { server.stop(0); }
}
