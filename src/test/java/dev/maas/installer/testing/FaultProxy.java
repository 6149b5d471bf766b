package dev.maas.installer.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Test-only: a seeded fault-injecting HTTP reverse proxy on loopback, in front of a real server (the test Keycloak).
 * For every request it draws, from one {@link Random} seeded with {@link Rates#seed()}, one of:
 * <ul>
 *   <li>{@link Fault#ERROR} – answers 500, 502 or 503 without forwarding;</li>
 *   <li>{@link Fault#TOO_MANY} – answers 429 with {@code Retry-After: 1} without forwarding;</li>
 *   <li>{@link Fault#RESET_BEFORE} – resets the TCP connection (RST) without forwarding;</li>
 *   <li>{@link Fault#RESET_AFTER} – forwards (the server applies a write), then resets: the dangerous case;</li>
 *   <li>{@link Fault#ERROR_AFTER} – forwards, then answers 502 instead of the server's answer;</li>
 *   <li>{@link Fault#SLOW} – waits {@link Rates#slowDelay()} (kept within the client's timeouts), then forwards.</li>
 * </ul>
 * Every connection carries one request ({@code Connection: close}), so a reset never hits a pooled connection
 * unexpectedly. Which faults hit which requests is recorded in {@link #log()}; with the same seed and the same
 * request order the same faults are injected.
 */
public final class FaultProxy implements AutoCloseable {
    public enum Fault { NONE, ERROR, TOO_MANY, RESET_BEFORE, RESET_AFTER, ERROR_AFTER, SLOW }

    /** Per-request probabilities (summing to at most 1), the seed and the delay of slow answers. */
    public record Rates(long seed, double error, double tooMany, double resetBefore, double resetAfter,
                        double errorAfter, double slow, Duration slowDelay) {
        public static Rates none() { return new Rates(0, 0, 0, 0, 0, 0, 0, Duration.ZERO); }

        /** Every kind of fault, {@code each} of the requests for each (so 6 x each in all). */
        public static Rates all(long seed, double each, Duration slowDelay) {
            return new Rates(seed, each, each, each, each, each, each, slowDelay);
        }

        double total() { return error + tooMany + resetBefore + resetAfter + errorAfter + slow; }
    }

    /** One request seen: method, path (no query), the fault injected and the status sent (0: reset). */
    public record Seen(String method, String path, Fault fault, int status) {
        public boolean write() { return !method.equals("GET") && !method.equals("HEAD"); }
    }

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding", "upgrade",
            "host", "content-length", "expect", "proxy-connection", "te", "trailer");

    private final URI upstream;
    private final ServerSocket server;
    private final HttpClient http;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final List<Seen> log = new CopyOnWriteArrayList<>();
    private volatile Rates rates = Rates.none();
    private volatile java.util.function.BiPredicate<String, String> outage = (m, p) -> false;
    private volatile int outageStatus = 503;
    private Random random = new Random(0);

    private final boolean tls;

    public FaultProxy(String upstreamUrl) throws IOException {
        this(upstreamUrl, null);
    }

    /** A proxy that serves HTTPS with {@code serverTls} (its key and certificate), for TLS tests; null: HTTP. */
    public FaultProxy(String upstreamUrl, javax.net.ssl.SSLContext serverTls) throws IOException {
        this.upstream = URI.create(upstreamUrl.endsWith("/") ? upstreamUrl.substring(0, upstreamUrl.length() - 1)
                : upstreamUrl);
        this.tls = serverTls != null;
        this.server = serverTls == null ? new ServerSocket(0, 100, InetAddress.getLoopbackAddress())
                : serverTls.getServerSocketFactory().createServerSocket(0, 100, InetAddress.getLoopbackAddress());
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1).build();
        pool.execute(this::acceptLoop);
    }

    /** The proxy's URL (same path layout as the upstream). */
    public String url() {
        return tls ? "https://localhost:" + server.getLocalPort() : "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Sets the fault rates and reseeds the random source. */
    public synchronized void setRates(Rates r) {
        if (r.total() > 1.0 + 1e-9) {
            throw new IllegalArgumentException("fault rates sum to more than 1: " + r);
        }
        this.rates = r;
        this.random = new Random(r.seed());
    }

    /**
     * An outage: every request whose method and path match answers {@code status} (not forwarded), whatever the
     * rates say. {@code null} ends it.
     */
    public void setOutage(java.util.function.BiPredicate<String, String> methodAndPath, int status) {
        this.outage = methodAndPath == null ? (m, p) -> false : methodAndPath;
        this.outageStatus = status;
    }

    public List<Seen> log() { return List.copyOf(log); }

    public void clearLog() { log.clear(); }

    /** How many requests got each fault. */
    public Map<Fault, Integer> counts() {
        Map<Fault, Integer> m = new EnumMap<>(Fault.class);
        for (Seen s : log) {
            m.merge(s.fault(), 1, Integer::sum);
        }
        return m;
    }

    private synchronized Fault pick(int[] statusOut) {
        Rates r = rates;
        if (r.total() <= 0) {
            return Fault.NONE;
        }
        double x = random.nextDouble();
        statusOut[0] = new int[] {500, 502, 503}[random.nextInt(3)];
        double edge = r.error();
        if (x < edge) {
            return Fault.ERROR;
        }
        if (x < (edge += r.tooMany())) {
            return Fault.TOO_MANY;
        }
        if (x < (edge += r.resetBefore())) {
            return Fault.RESET_BEFORE;
        }
        if (x < (edge += r.resetAfter())) {
            return Fault.RESET_AFTER;
        }
        if (x < (edge += r.errorAfter())) {
            return Fault.ERROR_AFTER;
        }
        if (x < edge + r.slow()) {
            return Fault.SLOW;
        }
        return Fault.NONE;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                pool.execute(() -> serve(s));
            } catch (IOException | java.util.concurrent.RejectedExecutionException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout(30_000);
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            if (head == null || head.isEmpty()) {
                return;
            }
            String[] lines = head.split("\r\n");
            String[] requestLine = lines[0].split(" ");
            String method = requestLine[0];
            String target = requestLine[1];
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            k -> new ArrayList<>()).add(lines[i].substring(colon + 1).trim());
                }
            }
            byte[] body = readBody(in, headers);
            String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
            int[] status = new int[1];
            Fault fault = pick(status);
            if (outage.test(method, path)) {
                fault = Fault.ERROR;
                status[0] = outageStatus;
            }
            OutputStream out = socket.getOutputStream();
            switch (fault) {
                case ERROR -> {
                    log.add(new Seen(method, path, fault, status[0]));
                    respond(out, status[0], Map.of(), ("{\"error\":\"injected " + status[0] + "\"}")
                            .getBytes(StandardCharsets.UTF_8));
                    return;
                }
                case TOO_MANY -> {
                    log.add(new Seen(method, path, fault, 429));
                    respond(out, 429, Map.of("Retry-After", List.of("1")),
                            "{\"error\":\"too many requests\"}".getBytes(StandardCharsets.UTF_8));
                    return;
                }
                case RESET_BEFORE -> {
                    log.add(new Seen(method, path, fault, 0));
                    reset(socket);
                    return;
                }
                case SLOW -> LockSupport.parkNanos(rates.slowDelay().toNanos()); // a slow network, bounded
                default -> {
                }
            }
            HttpResponse<byte[]> answer;
            try {
                answer = forward(method, target, headers, body);
            } catch (IOException e) {
                log.add(new Seen(method, path, fault, 0));
                reset(socket);
                return;
            }
            if (fault == Fault.RESET_AFTER) {
                log.add(new Seen(method, path, fault, 0));
                reset(socket);
                return;
            }
            if (fault == Fault.ERROR_AFTER) {
                log.add(new Seen(method, path, fault, 502));
                respond(out, 502, Map.of(), "{\"error\":\"injected 502 after forwarding\"}"
                        .getBytes(StandardCharsets.UTF_8));
                return;
            }
            log.add(new Seen(method, path, fault, answer.statusCode()));
            Map<String, List<String>> responseHeaders = new LinkedHashMap<>();
            answer.headers().map().forEach((k, v) -> {
                if (!HOP_BY_HOP.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
                    responseHeaders.put(k, v);
                }
            });
            respond(out, answer.statusCode(), responseHeaders, answer.body());
        } catch (IOException | RuntimeException e) {
            // the client went away or refused our certificate; nothing to do
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private HttpResponse<byte[]> forward(String method, String target, Map<String, List<String>> headers,
                                         byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(upstream + target)).timeout(Duration.ofSeconds(30))
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach((k, values) -> {
            if (!HOP_BY_HOP.contains(k)) {
                values.forEach(v -> b.header(k, v));
            }
        });
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void respond(OutputStream out, int status, Map<String, List<String>> headers, byte[] body)
            throws IOException {
        StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status))
                .append("\r\n");
        headers.forEach((k, values) -> values.forEach(v -> sb.append(k).append(": ").append(v).append("\r\n")));
        if (headers.keySet().stream().noneMatch(k -> k.equalsIgnoreCase("content-type")) && body.length > 0) {
            sb.append("Content-Type: application/json\r\n");
        }
        sb.append("Content-Length: ").append(body.length).append("\r\n");
        sb.append("Connection: close\r\n\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

    /** Closes with SO_LINGER 0: the peer sees a TCP reset, not an orderly close. */
    private static void reset(Socket socket) throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            head.write(c);
            int n = head.size();
            if (n >= 4) {
                byte[] b = head.toByteArray();
                if (b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n') {
                    return new String(b, 0, n - 4, StandardCharsets.ISO_8859_1);
                }
            }
            if (n > 64 * 1024) {
                throw new IOException("request head too long");
            }
        }
        return null;
    }

    private static byte[] readBody(InputStream in, Map<String, List<String>> headers) throws IOException {
        List<String> length = headers.get("content-length");
        if (length != null) {
            return in.readNBytes(Integer.parseInt(length.get(0)));
        }
        List<String> te = headers.get("transfer-encoding");
        if (te != null && te.get(0).toLowerCase(Locale.ROOT).contains("chunked")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = readLine(in);
                int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                if (size == 0) {
                    while (!readLine(in).isEmpty()) {
                        // trailers
                    }
                    return body.toByteArray();
                }
                body.write(in.readNBytes(size));
                readLine(in);
            }
        }
        return new byte[0];
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                line.write(c);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
