package dev.maas.installer.sandbox;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HTTPS front of the test cluster: a TLS listener on 127.0.0.1 with a fresh self-signed certificate whose
 * subject alternative names are {@code localhost} and {@code 127.0.0.1}, relaying each connection to the plain
 * HTTP mock server on another loopback port. Clients that trust {@link #certificatePem()} verify the server fully
 * (chain and host name), as they would with a real cluster's CA.
 */
final class TlsFront implements AutoCloseable {
    private final Vertx vertx;
    private final NetServer server;
    /** The HTTP server of a front that forwards like the router ({@link #startRouter}); else null. */
    private final HttpServer httpServer;
    private final String certificatePem;

    private TlsFront(Vertx vertx, NetServer server, String certificatePem) {
        this(vertx, server, null, certificatePem);
    }

    private TlsFront(Vertx vertx, NetServer server, HttpServer httpServer, String certificatePem) {
        this.vertx = vertx;
        this.server = server;
        this.httpServer = httpServer;
        this.certificatePem = certificatePem;
    }

    static TlsFront start(int port, int backendPort) {
        String[] pem = selfSigned();
        return start(port, backendPort, pem[0], pem[1], pem[0]);
    }

    /**
     * A TLS listener on 127.0.0.1 serving {@code chainPem} (leaf first) with {@code keyPem}, relaying to the plain
     * HTTP server on {@code backendPort}; {@code certificatePem} is what {@link #certificatePem()} reports.
     */
    static TlsFront start(int port, int backendPort, String chainPem, String keyPem, String certificatePem) {
        String[] pem = {chainPem, keyPem};
        Vertx vertx = Vertx.vertx();
        try {
            NetClient backend = vertx.createNetClient();
            NetServer server = vertx.createNetServer(new NetServerOptions()
                    .setHost("127.0.0.1").setPort(port).setSsl(true)
                    .setKeyCertOptions(new PemKeyCertOptions()
                            .setCertValue(Buffer.buffer(pem[0])).setKeyValue(Buffer.buffer(pem[1]))));
            server.connectHandler(client -> relay(client, backend, backendPort));
            server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            return new TlsFront(vertx, server, certificatePem);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            vertx.close();
            throw new IllegalStateException("interrupted while starting the sandbox's TLS listener", e);
        } catch (ExecutionException | TimeoutException e) {
            vertx.close();
            throw new IllegalStateException("cannot start the sandbox's TLS listener on port " + port + ": "
                    + e.getMessage(), e);
        }
    }

    private static void relay(NetSocket client, NetClient backend, int backendPort) {
        client.pause();
        backend.connect(backendPort, "127.0.0.1").onComplete(result -> {
            if (result.failed()) {
                client.close();
                return;
            }
            NetSocket server = result.result();
            client.pipeTo(server);
            server.pipeTo(client);
            client.resume();
        });
    }

    /**
     * A front that terminates TLS and forwards each request as the OpenShift router does for an edge or re-encrypt
     * Route: with the forwarded headers of the default "Append" policy (openshift/enhancements
     * enhancements/ingress/forwarded-header-policy.md; openshift/router images/router/haproxy/conf/
     * haproxy-config.template): {@code X-Forwarded-Host} (the Host asked for), {@code X-Forwarded-Port},
     * {@code X-Forwarded-Proto: https}, {@code X-Forwarded-For} and {@code Forwarded}. Servers told to trust them
     * (Keycloak with {@code proxy.headers: xforwarded}, RH-SSO with {@code PROXY_ADDRESS_FORWARDING}) build their
     * URLs, issuer and login form's action from them, as behind the real router.
     */
    static TlsFront startRouter(int backendPort, String chainPem, String keyPem, String certificatePem) {
        return startRouter(0, backendPort, chainPem, keyPem, certificatePem);
    }

    /** As {@link #startRouter(int, String, String, String)}, on {@code port} of 127.0.0.1 (0: a free one). */
    static TlsFront startRouter(int port, int backendPort, String chainPem, String keyPem, String certificatePem) {
        Vertx vertx = Vertx.vertx();
        try {
            HttpClient backend = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
                    .setDefaultPort(backendPort));
            HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port)
                    .setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                            .setCertValue(Buffer.buffer(chainPem)).setKeyValue(Buffer.buffer(keyPem))));
            server.requestHandler(request -> forward(request, backend));
            server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            return new TlsFront(vertx, null, server, certificatePem);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            vertx.close();
            throw new IllegalStateException("interrupted while starting the sandbox's router front", e);
        } catch (ExecutionException | TimeoutException e) {
            vertx.close();
            throw new IllegalStateException("cannot start the sandbox's router front: " + e.getMessage(), e);
        }
    }

    /** Hop-by-hop headers (RFC 9110 7.6.1): a proxy does not pass them on. */
    private static final java.util.Set<String> HOP_BY_HOP = java.util.Set.of("connection", "keep-alive",
            "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade");

    private static void forward(HttpServerRequest in, HttpClient backend) {
        in.pause();
        String host = in.getHeader("Host") == null ? "127.0.0.1:" + in.localAddress().port() : in.getHeader("Host");
        String client = in.remoteAddress().hostAddress();
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        in.headers().forEach(h -> {
            if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) {
                headers.add(h.getKey(), h.getValue());
            }
        });
        String forwardedFor = in.getHeader("X-Forwarded-For");
        headers.set("X-Forwarded-For", forwardedFor == null ? client : forwardedFor + ", " + client);
        headers.set("X-Forwarded-Host", host);
        headers.set("X-Forwarded-Port", String.valueOf(in.localAddress().port()));
        headers.set("X-Forwarded-Proto", "https");
        String forwarded = in.getHeader("Forwarded");
        String mine = "for=" + client + ";host=" + host + ";proto=https";
        headers.set("Forwarded", forwarded == null ? mine : forwarded + ", " + mine);
        backend.request(new RequestOptions().setMethod(in.method()).setURI(in.uri()).setHeaders(headers))
                .compose(out -> out.send(in))
                .onSuccess(answer -> {
                    var response = in.response().setStatusCode(answer.statusCode())
                            .setStatusMessage(answer.statusMessage());
                    answer.headers().forEach(h -> {
                        if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))
                                && !h.getKey().equalsIgnoreCase("content-length")) {
                            response.headers().add(h.getKey(), h.getValue());
                        }
                    });
                    answer.body().onSuccess(response::end).onFailure(e -> response.reset());
                })
                .onFailure(e -> {
                    if (!in.response().ended()) {
                        in.response().setStatusCode(503).end(); // the router's answer when the backend is down
                    }
                });
    }

    int port() {
        return server != null ? server.actualPort() : httpServer.actualPort();
    }

    String certificatePem() {
        return certificatePem;
    }

    @Override
    public void close() {
        try {
            (server != null ? server.close() : httpServer.close()).toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // closing anyway
        } finally {
            vertx.close();
        }
    }

    /** A new EC P-256 key and a self-signed certificate for localhost and 127.0.0.1: {cert PEM, PKCS#8 key PEM}. */
    static String[] selfSigned() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(256, new SecureRandom());
            KeyPair keys = generator.generateKeyPair();
            X500Name subject = new X500Name("CN=localhost, O=MaaS Installer sandbox");
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(Duration.ofDays(365))), subject, keys.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate());
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
            return new String[] {pem("CERTIFICATE", cert.getEncoded()), pem("PRIVATE KEY", keys.getPrivate().getEncoded())};
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException
                 | org.bouncycastle.cert.CertIOException e) {
            throw new IllegalStateException("cannot create the sandbox's certificate", e);
        }
    }

    static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
