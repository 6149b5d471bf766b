package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.maas.installer.engine.secrets.SecretRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A stateful simulator of the 3scale Admin API (Account Management, Developer Portal and Policy Registry APIs) on
 * loopback, for the sandbox and for tests.
 *
 * <p>Routes and allowed parameters come from porta's OpenAPI specs at startup ({@link OpenApiIndex}): a request to a
 * path the spec does not define answers 404; a parameter the operation does not define answers 422 in the CMS API
 * and is ignored elsewhere, as porta does. Behaviour that
 * the specs do not describe (status codes, JSON wrapping, side effects) follows porta's controllers and models; see
 * {@link SimStore}.
 *
 * <pre>
 * try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults().withJournal(dir.resolve("3scale-requests.jsonl")))) {
 *     String url = sim.url(); String token = sim.accessToken(); Path journal = sim.journal().file();
 * }
 * </pre>
 */
public final class ThreescaleSimulator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ThreescaleSimulator.class);
    /** The tenant name of {@link SimulatorOptions#defaults()}, as the installer's config defaults it. */
    public static final String DEFAULT_TENANT = "maas";

    private final HttpServer server;
    private final ExecutorService executor;
    private final OpenApiIndex spec;
    private final SimulatorOptions options;
    private final String token;
    private final String masterToken;
    private final RequestJournal journal;
    private final SimStore store;
    /** Where the tenant is kept (null: in memory only); see {@link #start(SimulatorOptions, Path)}. */
    private final Path stateFile;
    private final Object saveLock = new Object();
    private java.util.concurrent.ScheduledExecutorService saver;
    private volatile boolean resumed;
    private final ObjectMapper mapper = new ObjectMapper();
    private volatile Faults faults;
    private volatile Random random;
    private volatile dev.maas.installer.sandbox.WriteObserver writeObserver =
            dev.maas.installer.sandbox.WriteObserver.NONE;

    private ThreescaleSimulator(SimulatorOptions options, Path stateFile, JsonNode kept) throws IOException {
        this.options = options;
        this.stateFile = stateFile;
        this.token = SecretRegistry.global().register(kept != null ? kept.path("accessToken").asText()
                : options.accessToken() != null ? options.accessToken() : newToken());
        this.masterToken = SecretRegistry.global().register(kept != null ? kept.path("masterToken").asText()
                : newToken());
        this.spec = OpenApiIndex.bundled(options.version());
        this.journal = new RequestJournal(options.journalFile());
        setFaults(options.faults());
        this.server = bind(kept == null ? 0 : kept.path("port").asInt(0));
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(12, r -> {
            Thread t = new Thread(r, "3scale-sim-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        this.store = new SimStore(options, url());
        if (kept != null) {
            resumed = true;
            try {
                store.restore(kept.path("store"));
            } catch (RuntimeException e) {
                close();
                throw new IOException(stateFile + ": " + e.getMessage(), e);
            }
        }
        if (stateFile != null) {
            try {
                saveState();
            } catch (IOException e) {
                close();
                throw e;
            }
            this.saver = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "3scale-sim-state");
                t.setDaemon(true);
                return t;
            });
            saver.scheduleWithFixedDelay(this::saveBackgroundWork, 1, 1, TimeUnit.SECONDS);
        }
        LOG.info("3scale simulator {} listening on {}", options.version(), url());
    }

    /** A loopback server on {@code port} (the port of a resumed simulator) when it is free, else on a free one. */
    private static HttpServer bind(int port) throws IOException {
        if (port > 0) {
            try {
                return dev.maas.installer.sandbox.LoopbackHttpServer.create(port, 64);
            } catch (java.net.BindException e) {
                LOG.info("3scale simulator: port {} is taken, listening on another one", port);
            }
        }
        return dev.maas.installer.sandbox.LoopbackHttpServer.create(0, 64);
    }

    private static String newToken() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Starts a simulator on a free loopback port. */
    public static ThreescaleSimulator start(SimulatorOptions options) {
        return start(options, null);
    }

    /**
     * Starts a simulator that keeps its tenant in {@code stateFile} (owner-only; null: in memory only). When the file
     * exists the simulator resumes it: every object with its id, the id sequence, the CMS, the proxy configs, the
     * background work still to come, the access tokens, and its port when that is free. A write is in the file
     * before it is answered; background work (service tokens, sample data, purges) within a second.
     *
     * @throws IllegalStateException when the file cannot be read or written (the message names it)
     */
    public static ThreescaleSimulator start(SimulatorOptions options, Path stateFile) {
        JsonNode kept = null;
        try {
            if (stateFile != null && java.nio.file.Files.isRegularFile(stateFile)) {
                try {
                    kept = new ObjectMapper().readTree(stateFile.toFile());
                } catch (IOException e) {
                    throw new IOException(stateFile + " cannot be read: " + e.getMessage(), e);
                }
                if (kept == null || kept.path("format").asInt() != STATE_FORMAT || !kept.path("store").isObject()) {
                    throw new IOException(stateFile + " is not a 3scale simulator state of format " + STATE_FORMAT);
                }
            }
            return new ThreescaleSimulator(options, stateFile, kept);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the 3scale simulator: " + e.getMessage(), e);
        }
    }

    /** The format of the state file (see {@link #start(SimulatorOptions, Path)}). */
    static final int STATE_FORMAT = 1;

    /** Whether the simulator resumed a state file. */
    public boolean resumed() {
        return resumed;
    }

    /**
     * Writes the tenant to the state file (atomically, 0600), when the simulator keeps one. Called after every write
     * and at close; tests and the simulated operator, which change the store directly, may call it too.
     */
    public void saveState() throws IOException {
        if (stateFile == null) {
            return;
        }
        synchronized (saveLock) {
            byte[] tenant = store.state();
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(tenant.length + 256);
            try (com.fasterxml.jackson.core.JsonGenerator g = mapper.getFactory().createGenerator(out)) {
                g.writeStartObject();
                g.writeNumberField("format", STATE_FORMAT);
                g.writeNumberField("port", server.getAddress().getPort());
                g.writeStringField("accessToken", token);
                g.writeStringField("masterToken", masterToken);
                g.writeFieldName("store");
                g.writeRawValue(new String(tenant, StandardCharsets.UTF_8));
                g.writeEndObject();
            }
            dev.maas.installer.engine.files.PrivateFiles.replace(stateFile, out.toByteArray());
        }
    }

    /** Saves the state when background work changed it (between writes). */
    private void saveBackgroundWork() {
        try {
            store.runDueWork();
            if (store.takeWorkDone()) {
                saveState();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("3scale simulator: cannot save its state in {}: {}", stateFile, e.toString());
        }
    }

    /** The admin URL, e.g. {@code http://127.0.0.1:43211}. */
    public String url() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort();
    }

    public String accessToken() { return token; }

    /** The master account's access token (Master API, {@code /master/api/...}). */
    public String masterToken() { return masterToken; }

    public RequestJournal journal() { return journal; }

    /** The simulated tenant, for seeding (developer accounts, registry policies) and for assertions. */
    public SimStore store() { return store; }

    public SimulatorOptions options() { return options; }

    /** Changes fault injection at runtime (for example after a clean setup). */
    public void setFaults(Faults f) {
        this.faults = f == null ? Faults.none() : f;
        this.random = new Random(this.faults.seed());
    }

    /**
     * Observes every write (any method but GET) before it is applied; null for none. See
     * {@link dev.maas.installer.sandbox.WriteObserver}: a write it drops is journalled with fault
     * {@code "observer-dropped"} and answered by closing the connection.
     */
    public void observeWrites(dev.maas.installer.sandbox.WriteObserver observer) {
        this.writeObserver = observer == null ? dev.maas.installer.sandbox.WriteObserver.NONE : observer;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (saver != null) {
            saver.shutdownNow();
            try {
                saveState();
            } catch (IOException | RuntimeException e) {
                LOG.warn("3scale simulator: cannot save its state in {}: {}", stateFile, e.toString());
            }
        }
        journal.close();
    }

    // ------------------------------------------------------------------------------------------------ dispatch

    private enum Fault { NONE, ERROR_BEFORE, ERROR_AFTER, TOO_MANY, DROP_BEFORE, DROP_AFTER }

    private Fault pickFault(boolean write) {
        Faults f = faults;
        if (!f.any()) {
            return Fault.NONE;
        }
        double r;
        boolean after;
        synchronized (this) {
            r = random.nextDouble();
            after = random.nextBoolean();
        }
        if (r < f.serverErrorRate()) {
            return write && after ? Fault.ERROR_AFTER : Fault.ERROR_BEFORE;
        }
        if (r < f.serverErrorRate() + f.tooManyRequestsRate()) {
            return Fault.TOO_MANY;
        }
        if (r < f.serverErrorRate() + f.tooManyRequestsRate() + f.dropRate()) {
            return write && after ? Fault.DROP_AFTER : Fault.DROP_BEFORE;
        }
        return Fault.NONE;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getRawPath();
            if (!faults.latency().isZero()) {
                LockSupport.parkNanos(faults.latency().toNanos()); // simulated network latency
            }
            if (method.equals("GET") && isDeveloperPortal(ex, path)) {
                serveDeveloperPortal(ex, path);
                return;
            }
            if (path.startsWith(SimStore.FILE_PREFIX) && method.equals("GET")) {
                serveCmsFile(ex, path);
                return;
            }
            Map<String, String> params = new LinkedHashMap<>();
            parseQuery(ex.getRequestURI().getRawQuery(), params);
            Map<String, SimStore.Upload> uploads = new LinkedHashMap<>();
            byte[] body = readAll(ex.getRequestBody());
            String contentType = Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Type")).orElse("");
            if (contentType.startsWith("application/x-www-form-urlencoded")) {
                parseQuery(new String(body, StandardCharsets.UTF_8), params);
            } else if (contentType.startsWith("multipart/form-data")) {
                Multipart.parse(body, contentType, params, uploads);
            }
            Map<String, String> journalParams = new LinkedHashMap<>();
            params.forEach((k, v) -> journalParams.put(k, RequestJournal.SECRET_PARAMS.contains(k) || v.equals(token)
                    || v.equals(masterToken)
                    ? RequestJournal.MASK : SecretRegistry.global().redact(v)));
            uploads.forEach((k, u) -> journalParams.put(k, "<" + u.content().length + " bytes>"));

            boolean write = !method.equals("GET");
            if (write && !writeObserver.beforeWrite(method, path)) {
                journal.record(new RequestJournal.Entry(method, path, journalParams, 0, "observer-dropped"));
                return; // closing the exchange without a response drops the connection
            }
            Fault fault = pickFault(write);
            switch (fault) {
                case ERROR_BEFORE -> {
                    journal.record(new RequestJournal.Entry(method, path, journalParams, 503, "5xx-before"));
                    respond(ex, 503, "{\"status\":\"Service Unavailable\"}");
                    return;
                }
                case TOO_MANY -> {
                    ex.getResponseHeaders().add("Retry-After", "1");
                    journal.record(new RequestJournal.Entry(method, path, journalParams, 429, "429"));
                    respond(ex, 429, "{\"status\":\"Too Many Requests\"}");
                    return;
                }
                case DROP_BEFORE -> {
                    journal.record(new RequestJournal.Entry(method, path, journalParams, 0, "dropped-before"));
                    return; // closing the exchange without a response drops the connection
                }
                default -> {
                }
            }
            SimStore.Resp resp = dispatch(method, path, params, uploads, ex.getRequestHeaders().getFirst("Authorization"));
            if (stateFile != null && ((write && resp.status() < 400) || store.takeWorkDone())) {
                try {
                    saveState(); // on disk before it is answered: a killed sandbox keeps every answered write
                } catch (IOException e) {
                    LOG.warn("3scale simulator: cannot save its state in {}: {}", stateFile, e.toString());
                    journal.record(new RequestJournal.Entry(method, path, journalParams, 500, "state-not-saved"));
                    respond(ex, 500, "{\"status\":\"Internal Server Error\",\"error\":\"the sandbox cannot save"
                            + " its state (free some disk space, or restart the sandbox)\"}");
                    return;
                }
            }
            if (fault == Fault.ERROR_AFTER && resp.status() < 300) {
                journal.record(new RequestJournal.Entry(method, path, journalParams, 500, "5xx-after-commit"));
                respond(ex, 500, "{\"status\":\"Internal Server Error\"}");
                return;
            }
            if (fault == Fault.DROP_AFTER && resp.status() < 300) {
                journal.record(new RequestJournal.Entry(method, path, journalParams, 0, "dropped-after-commit"));
                return;
            }
            // journal first: a client that has its answer must find its request in the journal
            journal.record(new RequestJournal.Entry(method, path, journalParams, resp.status(), null));
            if (resp.text() != null) {
                respond(ex, resp.status(), resp.text(), "text/plain; charset=utf-8");
            } else {
                respond(ex, resp.status(), resp.body() == null ? "" : mapper.writeValueAsString(resp.body()));
            }
        } catch (RuntimeException e) {
            LOG.warn("3scale simulator failed on {} {}: {}", ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
                    SecretRegistry.global().redact(String.valueOf(e)));
            throw e;
        }
    }

    private SimStore.Resp dispatch(String method, String path, Map<String, String> params,
                                   Map<String, SimStore.Upload> uploads, String authorization) {
        String given = params.remove("access_token");
        if (given == null && authorization != null && authorization.startsWith("Basic ")) {
            // porta accepts the token through HTTP Basic too (ApiAuthentication::HttpAuthentication)
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                    StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            String user = colon < 0 ? decoded : decoded.substring(0, colon);
            String pass = colon < 0 ? "" : decoded.substring(colon + 1);
            given = pass.isEmpty() ? user : pass;
        }
        // XML: the JSON-only controllers (backend_apis, backend_usages, proxy configs, CMS, ...: clear_respond_to;
        // respond_to :json) answer 406 (ActionController::UnknownFormat, app/controllers/application_controller.rb);
        // the others render XML, which the simulator does not: it answers 406 for every .xml path
        if (!path.endsWith(".json")) {
            return path.endsWith(".xml") && spec.knowsPath(path)
                    ? SimSupport.error(406, "The simulator serves the JSON format only (use the .json path)")
                    : SimSupport.error(404, "Not found");
        }
        boolean master = path.startsWith("/master/api/");
        if (given == null || !given.equals(master ? masterToken : token)) {
            return SimSupport.error(403, "Access denied");
        }
        Optional<OpenApiIndex.Match> match = spec.match(method, path);
        if (match.isEmpty()) {
            return SimSupport.error(404, "Not found");
        }
        OpenApiIndex.Operation op = match.get().operation();
        // the Analytics API needs the stats scope (app/controllers/stats/data/base_controller.rb access_token_scopes)
        String scope = master ? "account_management" : path.startsWith("/admin/api/cms/") ? "cms"
                : path.startsWith("/admin/api/registry/") ? "policy_registry"
                : path.startsWith("/stats/") ? "stats" : "account_management";
        if (!options.tokenScopes().contains(scope) || (options.readOnlyToken() && !method.equals("GET"))) {
            return SimSupport.error(403, "Your access token does not have the correct permissions");
        }
        // Unknown parameters: only the CMS API refuses them (ApiSupport::ForbidParams, forbid_extra_params :reject in
        // app/controllers/admin/api/cms/base_controller.rb and templates_controller.rb); every other controller
        // takes its permitted parameters and ignores the rest (strong parameters, action_on_unpermitted_parameters
        // not set)
        Map<String, List<String>> unknown = new LinkedHashMap<>();
        boolean cms = path.startsWith("/admin/api/cms/");
        for (String name : cms ? params.keySet() : List.<String>of()) {
            if (!op.params().contains(name) && !op.params().contains(OpenApiIndex.ANY_PARAM)) {
                unknown.put(name, List.of("is not a parameter of " + method + " " + op.specTemplate() + " ("
                        + op.source() + ")"));
            }
        }
        for (String name : cms ? uploads.keySet() : java.util.Set.<String>of()) {
            if (!op.params().contains(name)) {
                unknown.put(name, List.of("is not a parameter of " + method + " " + op.specTemplate()));
            }
        }
        if (!unknown.isEmpty()) {
            return SimSupport.errors(unknown);
        }
        return store.handle(new SimStore.Req(method, op.template(), match.get().pathValues(), params, uploads));
    }

    /** Where the simulated developer portal is served: {@code url() + "/developer-portal"}, e.g. its CSS at
     * {@code .../developer-portal/css/maas.css}. Requests with the tenant's portal host as Host header are served
     * as the portal too, as porta tells the portal from the admin API by the domain. */
    public String developerPortalUrl() { return url() + PORTAL_PREFIX; }

    static final String PORTAL_PREFIX = "/developer-portal";

    private boolean isDeveloperPortal(HttpExchange ex, String path) {
        if (path.equals(PORTAL_PREFIX) || path.startsWith(PORTAL_PREFIX + "/")) {
            return true;
        }
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null) {
            return false;
        }
        int colon = host.lastIndexOf(':');
        String name = colon > 0 && !host.endsWith("]") ? host.substring(0, colon) : host;
        return name.equalsIgnoreCase(options.tenantName() + "." + options.wildcardDomain());
    }

    /**
     * The developer portal's pages and files (see {@link SimStore#portal}), with the header porta's
     * config/initializers/secure_headers.rb adds to every answer: {@code X-Content-Type-Options: nosniff}, so a
     * browser uses a stylesheet or script only when its Content-Type says so.
     */
    private void serveDeveloperPortal(HttpExchange ex, String path) throws IOException {
        String p = path.startsWith(PORTAL_PREFIX) ? path.substring(PORTAL_PREFIX.length()) : path;
        SimStore.PortalResponse r = store.portal(URLDecoder.decode(p, StandardCharsets.UTF_8));
        ex.getResponseHeaders().add("Content-Type", r.contentType());
        ex.getResponseHeaders().add("X-Content-Type-Options", "nosniff");
        ex.sendResponseHeaders(r.status(), r.body().length == 0 ? -1 : r.body().length);
        if (r.body().length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(r.body());
            }
        }
    }

    private void serveCmsFile(HttpExchange ex, String path) throws IOException {
        Optional<SimStore.Upload> file = store.fileContent(path);
        if (file.isEmpty()) {
            respond(ex, 404, "");
            return;
        }
        ex.getResponseHeaders().add("Content-Type", file.get().contentType());
        ex.sendResponseHeaders(200, file.get().content().length == 0 ? -1 : file.get().content().length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(file.get().content());
        }
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        respond(ex, status, body, "application/json; charset=utf-8");
    }

    private static void respond(HttpExchange ex, int status, String body, String contentType) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", contentType);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    static void parseQuery(String raw, Map<String, String> into) {
        if (raw == null || raw.isEmpty()) {
            return;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            into.put(k, v);
        }
    }

    /** Parses a JSON text, for handlers. */
    JsonNode parse(String json) {
        try {
            return mapper.readTree(json);
        } catch (IOException e) {
            return null;
        }
    }

    /** Where the journal goes for a sandbox directory: {@code DIR/3scale-requests.jsonl}. */
    public static Path journalIn(Path dir) { return dir.resolve("3scale-requests.jsonl"); }
}
