package dev.maas.installer.sandbox.apicast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.maas.installer.sandbox.threescale.SimBackend;
import dev.maas.installer.sandbox.threescale.SimStore;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One APIcast of a tenant (staging or production) on loopback, enforcing the latest configuration promoted to its
 * environment for each product of the 3scale simulator, as APIcast does (citations per step below):
 * <ol>
 *   <li>the product is found by the request's host among each configuration's {@code proxy.hosts}
 *       (policy/find_service/host_based_finder.lua); none: 404 with an empty body (errors.lua#service_not_found);</li>
 *   <li>the policy chain {@code proxy.policy_chain} runs in order (configuration.lua#build_policy_chain): a custom
 *       policy this APIcast does not have installed (the APIManager's {@code customPolicies}) is left out, as
 *       APIcast logs "failed to load policy" and goes on without it;</li>
 *   <li>rewrite phase: the CORS policy answers a preflight request 204 (policy/cors/cors.lua); the remove-bearer
 *       policy strips a leading "Bearer " from the Authorization header (installer-assets/policies/remove-bearer/
 *       remove_bearer.lua); the APIcast policy reads the credentials where {@code credentials_location} and
 *       {@code auth_user_key} say (configuration/service.lua#extract_credentials); none: the
 *       {@code error_*_auth_missing} answer (proxy.lua#rewrite, errors.lua#no_credentials);</li>
 *   <li>access phase: the mapping rules give the usage (mapping_rules_matcher.lua); no rule matched: the
 *       {@code error_*_no_match} answer (proxy.lua#authorize, errors.lua#no_match); then the 3scale backend's
 *       authrep, here the simulator's applications: a live application of this product with that user key, else
 *       the {@code error_*_auth_failed} answer (errors.lua#authorization_failed);</li>
 *   <li>content phase: the request goes to {@code proxy.api_backend} (or the upstream the routing policy chose),
 *       its path prefixed with the upstream's path (upstream.lua#prefix_path), Host set to the upstream's host or
 *       {@code hostname_rewrite}, with X-3scale-proxy-secret-token (conf.d/upstream_shared.conf); an upstream host
 *       nothing answers for: 503 (balancer.lua: no peer); a refused connection: 502;</li>
 *   <li>header filter: with an Origin header, the CORS policy's Access-Control-* headers on every answer.</li>
 * </ol>
 * The 3scale backend's authrep is the simulator's ({@link SimStore#authrep}): the usage of the matched mapping rules
 * is authorized against the application plan's limits and counted; a refusal for limits is the
 * {@code error_*_limits_exceeded} answer (default 429 "Limits exceeded", configuration.lua) with Retry-After
 * (proxy.lua#handle_backend_response, errors.lua#limits_exceeded), any other refusal "authentication failed".
 *
 * <p>The llm-token-usage policy (installer-assets/policies/llm-token-usage/llm_token_usage.lua) works as its Lua
 * does: rewrite removes Accept-Encoding and asks a streamed request for usage ({@code stream_options}); access adds 1
 * to each token metric of a request that has usage (check_limits_before_request), so that a token limit refuses
 * requests once reached; after a 2xx JSON or SSE answer without Content-Encoding, the {@code usage} of the body (or
 * of the stream's last event with usage) is reported for the calling application, less the 1 counted before.
 *
 * <p>Only user-key products (backend_version 1) are authorized; app id/key and OpenID Connect products answer
 * "authentication failed" (not simulated). Policies other than cors, apicast, routing, remove-bearer and
 * llm-token-usage have no effect here (logged once each).
 *
 * <p>Configuration loading: with {@code configurationCache} zero the configuration is read on every request (the
 * staging APIcast: APICAST_CONFIGURATION_LOADER=lazy, APICAST_CONFIGURATION_CACHE=0); otherwise it is read at start
 * and again once it is older than that (the production APIcast: boot, 300 s; 3scale-operator
 * pkg/3scale/amp/component/apicast.go).
 */
public final class ApicastGateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApicastGateway.class);

    /** The APIcast environments; {@link #configEnvironment()} is porta's name of the proxy configs' environment. */
    public enum Environment {
        STAGING("sandbox"), PRODUCTION("production");

        private final String configEnvironment;

        Environment(String configEnvironment) {
            this.configEnvironment = configEnvironment;
        }

        public String configEnvironment() { return configEnvironment; }
    }

    /** Where the gateway's upstreams are: the loopback URL that answers for an upstream host and port. */
    @FunctionalInterface
    public interface Upstreams {
        /** The base URL ({@code http://127.0.0.1:port}) standing for {@code host:port}; empty when none does. */
        Optional<String> resolve(String scheme, String host, int port);
    }

    /** The built-in policies this gateway knows; any other built-in is accepted but has no effect. */
    static final String CORS = "cors";
    static final String APICAST = "apicast";
    static final String ROUTING = "routing";
    static final String REMOVE_BEARER = "remove-bearer";
    static final String TOKEN_USAGE = "llm-token-usage";
    static final String BUILTIN = "builtin";

    private final SimStore store;
    private final Environment environment;
    private final Upstreams upstreams;
    private final Supplier<Set<String>> installedPolicies;
    private final Duration configurationCache;
    private final HttpServer server;
    private final ExecutorService executor;
    private final OkHttpClient http;
    private final Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile Loaded loaded;

    private record Loaded(long at, List<ServiceConfig> services) { }

    /** Marks an upstream request whose client sent no Accept-Encoding (or a policy removed it). */
    private enum ClientSentNoEncoding { INSTANCE }

    private ApicastGateway(SimStore store, Environment environment, Upstreams upstreams,
                           Supplier<Set<String>> installedPolicies, Duration configurationCache) throws IOException {
        this.store = store;
        this.environment = environment;
        this.upstreams = upstreams;
        this.installedPolicies = installedPolicies;
        this.configurationCache = configurationCache;
        this.http = new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ofSeconds(60))
                .followRedirects(false).retryOnConnectionFailure(false)
                // nginx forwards the client's headers only: no Accept-Encoding of OkHttp's own (its transparent gzip)
                .addNetworkInterceptor(chain -> chain.request().tag(ClientSentNoEncoding.class) == null
                        ? chain.proceed(chain.request())
                        : chain.proceed(chain.request().newBuilder().removeHeader("Accept-Encoding").build()))
                .build();
        this.server = dev.maas.installer.sandbox.LoopbackHttpServer.create(0, 0);
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "sandbox-apicast-" + environment.name().toLowerCase(Locale.ROOT) + "-"
                    + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        if (!configurationCache.isZero()) {
            loaded = new Loaded(System.nanoTime(), readConfiguration()); // "boot": loaded at start
        }
        server.start();
    }

    /**
     * Starts an APIcast on loopback.
     *
     * @param installedPolicies  "name@version" of each custom policy this APIcast has (built-ins are always there)
     * @param configurationCache how long a loaded configuration is used (zero: read on every request)
     */
    public static ApicastGateway start(SimStore store, Environment environment, Upstreams upstreams,
                                       Supplier<Set<String>> installedPolicies, Duration configurationCache) {
        try {
            return new ApicastGateway(store, environment, upstreams, installedPolicies, configurationCache);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the sandbox's " + environment + " APIcast", e);
        }
    }

    public String url() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort();
    }

    public Environment environment() { return environment; }

    /** The configuration in use: each product's latest configuration of this environment, by product id. */
    List<ServiceConfig> configuration() {
        if (configurationCache.isZero()) {
            return readConfiguration();
        }
        Loaded l = loaded;
        if (System.nanoTime() - l.at >= configurationCache.toNanos()) {
            l = new Loaded(System.nanoTime(), readConfiguration());
            loaded = l;
        }
        return l.services;
    }

    private List<ServiceConfig> readConfiguration() {
        List<ServiceConfig> out = new ArrayList<>();
        for (ObjectNode s : store.snapshot("services")) {
            store.configsOf(s.path("id").asLong(), environment.configEnvironment()).stream()
                    .max(Comparator.comparingInt(c -> c.path("version").asInt()))
                    .ifPresent(c -> out.add(ServiceConfig.parse(c.path("content"))));
        }
        return List.copyOf(out);
    }

    // ---- one request ----

    /** The request as the policies see and change it. */
    private static final class Call {
        final String method;
        final String rawPath;
        final String rawQuery;
        final Map<String, List<String>> headers; // lower-case names, in arrival order
        byte[] body;
        final Map<String, List<String>> responseHeaders = new LinkedHashMap<>();

        Call(HttpExchange ex, byte[] body) {
            this.method = ex.getRequestMethod();
            this.rawPath = ex.getRequestURI().getRawPath();
            this.rawQuery = ex.getRequestURI().getRawQuery();
            this.headers = new LinkedHashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> {
                // nginx ignores header names with an underscore (underscores_in_headers off, APIcast's default)
                if (!k.contains("_")) {
                    headers.computeIfAbsent(k.toLowerCase(Locale.ROOT), x -> new ArrayList<>()).addAll(v);
                }
            });
            this.body = body;
        }

        /** ngx.var.http_NAME: the first value of a header. */
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    private record Answer(int status, String contentType, byte[] body, Map<String, List<String>> headers) {
        static Answer text(int status, String contentType, String body) {
            return new Answer(status, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            Call call = new Call(ex, body);
            Answer a;
            List<PolicyEntryView> chain = List.of();
            try {
                String host = host(call.header("host"));
                ServiceConfig service = find(host);
                if (service == null) {
                    LOG.debug("{} APIcast: no product for host {}", environment, host);
                    a = Answer.text(404, null, ""); // errors.lua#service_not_found
                } else {
                    chain = chain(service);
                    a = serve(call, service, chain);
                }
            } catch (RuntimeException e) {
                LOG.warn("{} APIcast could not answer {} {}: {}", environment, call.method, call.rawPath,
                        e.toString());
                a = Answer.text(500, "text/html", nginxPage(500, "Internal Server Error"));
            }
            // header_filter phase of each policy
            for (PolicyEntryView p : chain) {
                if (p.name.equals(CORS)) {
                    corsHeaders(call, p.configuration);
                }
            }
            Map<String, List<String>> out = new LinkedHashMap<>(a.headers);
            call.responseHeaders.forEach((k, v) -> out.put(k, v));
            out.forEach((k, v) -> ex.getResponseHeaders().put(k, new ArrayList<>(v)));
            if (a.contentType != null) {
                ex.getResponseHeaders().set("Content-Type", a.contentType);
            }
            ex.getResponseHeaders().set("Server", "openresty");
            boolean empty = a.body.length == 0;
            ex.sendResponseHeaders(a.status, empty ? -1 : a.body.length);
            if (!empty) {
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(a.body);
                }
            }
        }
    }

    /** ngx.var.host: the Host header's name part, lower case. */
    static String host(String header) {
        if (header == null) {
            return "";
        }
        String h = header.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? h : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    private ServiceConfig find(String host) {
        for (ServiceConfig s : configuration()) {
            if (s.hosts().contains(host)) {
                return s;
            }
        }
        return null;
    }

    private record PolicyEntryView(String name, JsonNode configuration) { }

    /** The loadable policies of the chain, in order (configuration.lua#build_policy_chain). */
    private List<PolicyEntryView> chain(ServiceConfig service) {
        Set<String> installed = installedPolicies.get();
        List<PolicyEntryView> out = new ArrayList<>();
        for (ServiceConfig.PolicyEntry p : service.policyChain()) {
            boolean builtin = BUILTIN.equals(p.version());
            if (!builtin && !installed.contains(p.name() + "@" + p.version())) {
                warnOnce("failed to load policy: " + p.name() + " version: " + p.version()
                        + " (not installed on the " + environment.name().toLowerCase(Locale.ROOT) + " APIcast)");
                continue;
            }
            if (!Set.of(CORS, APICAST, ROUTING, REMOVE_BEARER, TOKEN_USAGE).contains(p.name())) {
                warnOnce("policy " + p.name() + " " + p.version() + " has no effect in the sandbox's APIcast");
            }
            out.add(new PolicyEntryView(p.name(), p.configuration()));
        }
        return out;
    }

    private void warnOnce(String message) {
        if (warned.add(message)) {
            LOG.warn("{} APIcast: {}", environment, message);
        }
    }

    private Answer serve(Call call, ServiceConfig service, List<PolicyEntryView> chain) throws IOException {
        boolean apicast = chain.stream().anyMatch(p -> p.name.equals(APICAST));
        // rewrite phase
        String credential = null;
        for (PolicyEntryView p : chain) {
            switch (p.name) {
                case CORS -> {
                    // cors.lua#is_cors_preflight / cors_preflight_response
                    if (call.method.equals("OPTIONS") && call.header("origin") != null
                            && call.header("access-control-request-method") != null) {
                        return Answer.text(204, null, "");
                    }
                }
                case REMOVE_BEARER -> removeBearer(call);
                case TOKEN_USAGE -> TokenUsage.rewrite(call.headers, call.method, p.configuration, call.body)
                        .ifPresent(b -> call.body = b);
                case APICAST -> {
                    Optional<String> key = credentials(call, service);
                    if (key.isEmpty()) {
                        return error(service.authMissing()); // proxy.lua#rewrite: errors.no_credentials
                    }
                    credential = key.get();
                }
                default -> { }
            }
        }
        // the APIcast policy's rewrite: the usage of the matched mapping rules (proxy.lua#rewrite, context.usage)
        Map<String, Long> usage = new LinkedHashMap<>();
        if (apicast) {
            String uri = escapeUri(normalizedPath(call.rawPath));
            for (MappingRule r : MappingRule.matching(service.rules(), call.method, uri, uriArgs(call.rawQuery))) {
                usage.merge(r.metric(), (long) r.delta(), Long::sum);
            }
        }
        // access phase
        Routing.Route routed = null;
        TokenUsage tokens = null;
        for (PolicyEntryView p : chain) {
            if (p.name.equals(ROUTING)) {
                routed = Routing.select(p.configuration, normalizedPath(call.rawPath));
            } else if (p.name.equals(TOKEN_USAGE)) {
                tokens = new TokenUsage(p.configuration);
                tokens.access(usage);
            } else if (p.name.equals(APICAST)) {
                if (usage.isEmpty()) {
                    return error(service.noMatch()); // proxy.lua#authorize: errors.no_match
                }
                Answer refused = authrep(service, credential, usage);
                if (refused != null) {
                    return refused;
                }
            }
        }
        // content phase: the routing policy's upstream, else the APIcast policy's api_backend
        Answer answer;
        if (routed != null) {
            answer = forward(call, service, routed.upstream(), routed.replacedPath());
        } else if (!apicast || service.apiBackend() == null || service.apiBackend().isBlank()) {
            return Answer.text(404, null, ""); // errors.lua#upstream_not_found
        } else {
            answer = forward(call, service, URI.create(service.apiBackend()), null);
        }
        // header_filter, body_filter and post_action of the token usage policy: the tokens of the answer
        if (tokens != null && credential != null) {
            Map<String, Long> report = tokens.afterResponse(answer.status, answer.contentType,
                    answer.headers, answer.body);
            if (!report.isEmpty()) {
                store.report(service.id(), credential, report);
            }
        }
        return answer;
    }

    private static Answer error(ServiceConfig.ErrorReply e) {
        return Answer.text(e.status(), e.contentType(), e.body());
    }

    /** remove_bearer.lua#rewrite: the first Authorization value without a leading "Bearer" and its blanks. */
    private static void removeBearer(Call call) {
        List<String> values = call.headers.get("authorization");
        if (values == null || values.isEmpty()) {
            return;
        }
        Matcher m = Pattern.compile("^\\s*[Bb][Ee][Aa][Rr][Ee][Rr]\\s+(.*?)\\s*$", Pattern.DOTALL)
                .matcher(values.get(0));
        if (m.matches()) {
            call.headers.put("authorization", new ArrayList<>(List.of(m.group(1))));
        }
    }

    /**
     * configuration/service.lua#extract_credentials for backend version 1: the user key from the query (or a
     * form body), a header, or the Authorization header (Basic user id or password, or a Bearer token,
     * resty/http_authorization.lua). Other backend versions: not simulated, their credentials are an empty string
     * (so authorization fails).
     */
    private static Optional<String> credentials(Call call, ServiceConfig service) {
        if (!service.backendVersion().equals("1")) {
            return Optional.of("");
        }
        String name = service.userKey();
        return switch (service.location()) {
            case "query" -> Optional.ofNullable(firstArg(call.rawQuery, name)).or(() -> formArg(call, name));
            case "headers" -> Optional.ofNullable(headerVar(call, name));
            case "authorization" -> authorization(call.header("authorization"));
            default -> Optional.empty(); // 'invalid credentials location'
        };
    }

    /** ngx.var['http_' .. name]: the header whose name, lower case with '-' as '_', is the normalized name. */
    private static String headerVar(Call call, String name) {
        String normalized = name.toLowerCase(Locale.ROOT).replace('-', '_');
        for (Map.Entry<String, List<String>> e : call.headers.entrySet()) {
            if (e.getKey().replace('-', '_').equals(normalized) && !e.getValue().isEmpty()) {
                return e.getValue().get(0);
            }
        }
        return null;
    }

    /** resty/http_authorization.lua: "^(%w+)%s*(.*)$"; Basic gives userid / password, Bearer the token. */
    static Optional<String> authorization(String value) {
        Matcher m = Pattern.compile("^(\\w+)\\s*(.*)$", Pattern.DOTALL).matcher(value == null ? "" : value);
        if (!m.matches()) {
            return Optional.empty();
        }
        String param = m.group(2);
        if (m.group(1).equals("Bearer")) {
            return Optional.of(param);
        }
        if (m.group(1).equals("Basic")) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(param.trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            int colon = decoded.lastIndexOf(':'); // '^(.*):(.*)$', greedy
            if (colon < 0) {
                return Optional.empty();
            }
            return Optional.of(decoded.substring(0, colon)); // userid (an empty one is still a value in Lua)
        }
        return Optional.empty();
    }

    /** ngx.var['arg_' .. name]: the first query argument of that name (case-insensitive), not unescaped. */
    private static String firstArg(String rawQuery, String name) {
        if (rawQuery == null) {
            return null;
        }
        for (String kv : rawQuery.split("&")) {
            int eq = kv.indexOf('=');
            String k = eq < 0 ? kv : kv.substring(0, eq);
            if (k.equalsIgnoreCase(name)) {
                return eq < 0 ? "" : kv.substring(eq + 1);
            }
        }
        return null;
    }

    /** service.lua#read_body_args: a form body of POST, PUT or PATCH. */
    private static Optional<String> formArg(Call call, String name) {
        String ct = String.join(",", call.headers.getOrDefault("content-type", List.of()));
        if (!Set.of("POST", "PUT", "PATCH").contains(call.method)
                || !ct.toLowerCase(Locale.ROOT).contains("application/x-www-form-urlencoded")) {
            return Optional.empty();
        }
        List<String> v = uriArgs(new String(call.body, StandardCharsets.UTF_8)).get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    /** ngx.req.get_uri_args: decoded arguments, repeated ones as lists. */
    static Map<String, List<String>> uriArgs(String rawQuery) {
        Map<String, List<String>> args = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return args;
        }
        for (String kv : rawQuery.split("&")) {
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            args.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return args;
    }

    /** ngx.var.uri: the path decoded, with repeated slashes merged (merge_slashes on). */
    static String normalizedPath(String rawPath) {
        String p = URLDecoder.decode((rawPath == null || rawPath.isEmpty() ? "/" : rawPath).replace("+", "%2B"),
                StandardCharsets.UTF_8);
        return p.replaceAll("//+", "/");
    }

    /** resty/http/uri_escape.lua: ngx_escape_uri type 0 (NGX_ESCAPE_URI): space, #, %, ?, controls, non-ASCII. */
    static String escapeUri(String path) {
        StringBuilder b = new StringBuilder();
        for (byte x : path.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c <= 0x20 || c == '#' || c == '%' || c == '?' || c >= 0x7f) {
                b.append('%').append(String.format("%02X", c));
            } else {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    /**
     * The 3scale backend's authrep for a user key with the request's usage (the simulator's backend,
     * {@link SimStore#authrep}); null when authorized, else APIcast's answer: limits_exceeded is the
     * {@code error_*_limits_exceeded} answer with Retry-After (apisonator's 3scale-limit-reset,
     * proxy.lua#handle_backend_response), any other refusal "authentication failed" (proxy.lua#authorize).
     */
    private Answer authrep(ServiceConfig service, String userKey, Map<String, Long> usage) {
        if (userKey == null || userKey.isEmpty()) {
            return error(service.authFailed());
        }
        SimBackend.Authorization a = store.authrep(service.id(), userKey, usage);
        if (a.authorized()) {
            return null;
        }
        if ("limits_exceeded".equals(a.code())) {
            ServiceConfig.ErrorReply e = service.limitsExceeded();
            Map<String, List<String>> headers = a.retryAfterSeconds() > 0
                    ? Map.of("Retry-After", List.of(Long.toString(a.retryAfterSeconds()))) : Map.of();
            return new Answer(e.status(), e.contentType(), e.body().getBytes(StandardCharsets.UTF_8), headers);
        }
        if ("metric_invalid".equals(a.code())) {
            warnOnce("3scale refuses the usage of product " + service.systemName() + ": " + a.message());
        }
        return error(service.authFailed());
    }

    /** {@code replacedPath}: the routing policy's rendered replace_path (the request's path is then dropped). */
    private Answer forward(Call call, ServiceConfig service, URI upstream, String replacedPath) throws IOException {
        String scheme = upstream.getScheme() == null ? "http" : upstream.getScheme().toLowerCase(Locale.ROOT);
        int port = upstream.getPort() > 0 ? upstream.getPort() : scheme.equals("https") ? 443 : 80;
        Optional<String> target = upstreams.resolve(scheme, upstream.getHost(), port);
        if (target.isEmpty()) {
            warnOnce("no upstream answers for " + upstream.getHost() + ":" + port + " (product "
                    + service.systemName() + ")");
            return Answer.text(503, "text/html", nginxPage(503, "Service Temporarily Unavailable"));
        }
        // upstream.lua#prefix_path: the upstream's path in front of the request's (the root URI gives the prefix)
        String prefix = upstream.getRawPath() == null ? "" : upstream.getRawPath();
        String path = replacedPath != null ? replacedPath
                : call.rawPath == null || call.rawPath.isEmpty() ? "/" : call.rawPath;
        String joined = prefix.isEmpty() || prefix.equals("/") ? path
                : path.equals("/") ? prefix : prefix.replaceAll("/+$", "") + "/" + path.replaceAll("^/+", "");
        String url = target.get() + joined + (call.rawQuery == null ? "" : "?" + call.rawQuery);
        // upstream.lua#set_host_header: hostname_rewrite, else the upstream's host (with a non-default port)
        String hostHeader = service.hostnameRewrite() != null ? service.hostnameRewrite()
                : upstream.getHost() + (upstream.getPort() > 0 && upstream.getPort() != (scheme.equals("https")
                ? 443 : 80) ? ":" + upstream.getPort() : "");
        Request.Builder rb = new Request.Builder().url(url);
        for (Map.Entry<String, List<String>> h : call.headers.entrySet()) {
            if (Set.of("host", "content-length", "connection", "transfer-encoding", "keep-alive", "upgrade")
                    .contains(h.getKey())) {
                continue;
            }
            for (String v : h.getValue()) {
                rb.addHeader(h.getKey(), v);
            }
        }
        rb.header("Host", hostHeader);
        if (call.header("accept-encoding") == null) {
            rb.tag(ClientSentNoEncoding.class, ClientSentNoEncoding.INSTANCE);
        }
        if (service.secretToken() != null) {
            rb.header("X-3scale-proxy-secret-token", service.secretToken());
        }
        String ct = call.header("content-type");
        RequestBody body = Set.of("POST", "PUT", "PATCH").contains(call.method) || call.body.length > 0
                ? RequestBody.create(call.body, ct == null ? null : MediaType.parse(ct)) : null;
        rb.method(call.method, body);
        try (Response r = http.newCall(rb.build()).execute()) {
            byte[] bytes = r.body() == null ? new byte[0] : r.body().bytes();
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (String name : r.headers().names()) {
                String lower = name.toLowerCase(Locale.ROOT);
                if (!Set.of("content-length", "transfer-encoding", "connection", "date", "server", "content-type")
                        .contains(lower)) {
                    headers.put(name, r.headers(name));
                }
            }
            return new Answer(r.code(), r.header("Content-Type"), bytes, headers);
        } catch (java.net.ConnectException e) {
            return Answer.text(502, "text/html", nginxPage(502, "Bad Gateway"));
        }
    }

    /** The error page nginx writes for its own errors. */
    private static String nginxPage(int status, String reason) {
        return "<html>\r\n<head><title>" + status + " " + reason + "</title></head>\r\n<body>\r\n<center><h1>"
                + status + " " + reason + "</h1></center>\r\n<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n";
    }

    /** cors.lua#set_cors_headers: only for a request with an Origin header. */
    private static void corsHeaders(Call call, JsonNode config) {
        String origin = call.header("origin");
        if (origin == null) {
            return;
        }
        setHeader(call, "Access-Control-Allow-Headers", values(config.get("allow_headers"),
                call.header("access-control-request-headers")));
        setHeader(call, "Access-Control-Allow-Methods", values(config.get("allow_methods"),
                call.header("access-control-request-method")));
        JsonNode allowOrigin = config.get("allow_origin");
        String allow = allowOrigin == null || allowOrigin.isNull() ? null : allowOrigin.asText();
        if (allow == null || allow.equals("*") || isUrl(allow)) {
            setHeader(call, "Access-Control-Allow-Origin", List.of(allow == null ? origin : allow));
        } else {
            // not a URL and not "*": a regular expression the Origin must match (cors.lua#new)
            try {
                if (Pattern.compile(allow).matcher(origin).find()) {
                    setHeader(call, "Access-Control-Allow-Origin", List.of(origin));
                }
            } catch (java.util.regex.PatternSyntaxException e) {
                // ngx.re.match fails: no header
            }
        }
        JsonNode credentials = config.get("allow_credentials");
        setHeader(call, "Access-Control-Allow-Credentials",
                List.of(credentials == null || credentials.isNull() ? "true" : credentials.asText()));
        JsonNode maxAge = config.get("max_age");
        setHeader(call, "Access-Control-Max-Age", List.of(maxAge == null || maxAge.isNull() ? "600"
                : maxAge.asText()));
    }

    /** A configured list (each item a header line, as ngx.header with a table), else the request's value. */
    private static List<String> values(JsonNode configured, String fallback) {
        List<String> out = new ArrayList<>();
        if (configured != null && configured.isArray()) {
            configured.forEach(v -> out.add(v.asText()));
        } else if (configured != null && !configured.isNull()) {
            out.add(configured.asText());
        } else if (fallback != null) {
            out.add(fallback);
        }
        return out;
    }

    private static void setHeader(Call call, String name, List<String> values) {
        if (!values.isEmpty()) {
            call.responseHeaders.put(name, values);
        }
    }

    /** resty/url_helper.lua#parse_url succeeds: a scheme and a host. */
    private static boolean isUrl(String s) {
        return s.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]+.*$");
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        http.dispatcher().executorService().shutdownNow();
        http.connectionPool().evictAll();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
