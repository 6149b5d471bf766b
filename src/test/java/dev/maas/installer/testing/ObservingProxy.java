package dev.maas.installer.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.maas.installer.sandbox.WriteObserver;

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
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP/1.1 reverse proxy on loopback in front of a server (the tests' Keycloak), that lets a test see each
 * write request before it is forwarded: the same {@link WriteObserver} the sandbox's servers take. Token requests
 * and logouts ({@code /protocol/openid-connect/}) are not writes to the realm and are not observed. A write the
 * observer drops is never forwarded and its connection is closed without an answer.
 */
public final class ObservingProxy implements AutoCloseable {
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "keep-alive", "transfer-encoding", "te", "trailer", "proxy-authorization", "proxy-connection");

    private final URI target;
    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient client;
    private volatile WriteObserver observer = WriteObserver.NONE;

    private ObservingProxy(String targetUrl) throws IOException {
        this.target = URI.create(targetUrl.endsWith("/") ? targetUrl.substring(0, targetUrl.length() - 1)
                : targetUrl);
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "observing-proxy-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a proxy to {@code targetUrl} (scheme, host and port; e.g. {@code http://127.0.0.1:8080}). */
    public static ObservingProxy start(String targetUrl) {
        try {
            return new ObservingProxy(targetUrl);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the proxy: " + e.getMessage(), e);
        }
    }

    /** The proxy's base URL, e.g. {@code http://127.0.0.1:41234}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void observeWrites(WriteObserver o) {
        this.observer = o == null ? WriteObserver.NONE : o;
    }

    static boolean isWrite(String method, String path) {
        return !method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS")
                && !path.contains("/protocol/openid-connect/");
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String rawPath = ex.getRequestURI().getRawPath();
            String rawQuery = ex.getRequestURI().getRawQuery();
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (isWrite(method, rawPath) && !observer.beforeWrite(method, rawPath)) {
                return; // dropped: closed without an answer
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target + rawPath
                            + (rawQuery == null ? "" : "?" + rawQuery)))
                    .timeout(Duration.ofSeconds(60))
                    .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
                if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                    for (String v : h.getValue()) {
                        b.header(h.getKey(), v);
                    }
                }
            }
            HttpResponse<byte[]> resp;
            try {
                resp = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException e) {
                ex.sendResponseHeaders(502, -1);
                return;
            }
            resp.headers().map().forEach((k, vs) -> {
                if (!HOP_BY_HOP.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
                    vs.forEach(v -> ex.getResponseHeaders().add(k, v));
                }
            });
            byte[] out = resp.body();
            boolean noBody = out.length == 0 || resp.statusCode() == 204 || resp.statusCode() == 304
                    || method.equals("HEAD");
            ex.sendResponseHeaders(resp.statusCode(), noBody ? -1 : out.length);
            if (!noBody) {
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(out);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
