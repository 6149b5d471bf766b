package dev.maas.installer.keycloak;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.secrets.SecretRegistry;
import jakarta.ws.rs.NotAuthorizedException;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.client.ClientRequestFilter;
import org.jboss.resteasy.client.jaxrs.ResteasyClientBuilder;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.admin.client.resource.RealmResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A connection to a Keycloak (Red Hat build of Keycloak 17+) or RH-SSO 7.x server as master-realm admin, through
 * keycloak-admin-client. {@link #connect} detects the base path ({@code /auth} on RH-SSO 7.x, none on Keycloak 17+),
 * checks the credentials at once and turns the usual failures into {@link StageException}s that say what to do.
 * The admin password is registered with {@link SecretRegistry#global()} before any request.
 */
public final class KeycloakAdmin implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KeycloakAdmin.class);
    private static final String ADMIN_CLIENT = "admin-cli";

    /**
     * Master-realm admin credentials. {@code source} says where they came from, for error messages, e.g.
     * {@code "Secret credential-rh-sso"} or {@code "Secret rhbk-initial-admin"}.
     */
    public record Credentials(String username, String password, String source) {
        public Credentials {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
            source = source == null || source.isBlank() ? "the admin credentials" : source;
        }

        @Override
        public String toString() { return "Credentials[" + username + ", from " + source + "]"; }
    }

    /**
     * How to connect.
     *
     * @param ssl     the TLS context to trust the server with (see {@code EndpointTrust}), or null for the JVM default
     * @param filters extra JAX-RS request filters on the admin client (tests count requests with one)
     * @param retry   how calls are retried ({@link KeycloakRetry#defaults()} when null)
     * @param cancellation the run's cancellation: a Cancel ends a wait between attempts at once (null: none)
     */
    public record Options(SSLContext ssl, List<ClientRequestFilter> filters, KeycloakRetry retry,
                          Cancellation cancellation) {
        public Options {
            filters = filters == null ? List.of() : List.copyOf(filters);
            retry = retry == null ? KeycloakRetry.defaults() : retry;
        }

        public Options(SSLContext ssl, List<ClientRequestFilter> filters, KeycloakRetry retry) {
            this(ssl, filters, retry, null);
        }

        public static Options defaults() { return new Options(null, List.of(), null, null); }
    }

    private final Keycloak keycloak;
    private final String serverUrl;
    private final String basePath;
    private final SSLContext ssl;
    private final KeycloakRetry retry;
    private final Cancellation cancellation;

    private KeycloakAdmin(Keycloak keycloak, String serverUrl, String basePath, SSLContext ssl, KeycloakRetry retry,
                          Cancellation cancellation) {
        this.keycloak = keycloak;
        this.serverUrl = serverUrl;
        this.basePath = basePath;
        this.ssl = ssl;
        this.retry = retry;
        this.cancellation = cancellation;
    }

    /** Connects without extra request filters and with the JVM's default trust store. */
    public static KeycloakAdmin connect(String url, Credentials credentials) {
        return connect(url, credentials, Options.defaults());
    }

    /**
     * Connects: probes the base path, builds the admin client, fetches a token (so a wrong password fails here).
     *
     * @param url     the Keycloak URL as the Route/Ingress gives it, with or without {@code /auth}
     * @param ssl     the TLS context to trust the server with, or null for the JVM default
     * @param filters extra JAX-RS request filters on the admin client (tests count requests with one)
     */
    public static KeycloakAdmin connect(String url, Credentials credentials, SSLContext ssl,
                                        List<ClientRequestFilter> filters) {
        return connect(url, credentials, new Options(ssl, filters, null));
    }

    /**
     * Connects: probes the base path, builds the admin client (connect timeout 10 s, read timeout 60 s), fetches a
     * token (so a wrong password fails here). Transient failures (5xx, 429, resets) are retried per
     * {@link Options#retry()}.
     */
    public static KeycloakAdmin connect(String url, Credentials credentials, Options options) {
        Objects.requireNonNull(url, "url");
        SSLContext ssl = options.ssl();
        List<ClientRequestFilter> filters = options.filters();
        KeycloakRetry retry = options.retry();
        registerSecret(credentials.password());
        String root = siteRoot(url);
        Cancellation cancellation = options.cancellation();
        String basePath = detectBasePath(root, ssl, retry, cancellation);
        String serverUrl = root + basePath;

        ResteasyClientBuilder client = (ResteasyClientBuilder) ResteasyClientBuilder.newBuilder();
        client.connectTimeout(10, TimeUnit.SECONDS).readTimeout(60, TimeUnit.SECONDS).connectionPoolSize(4);
        // the admin client's own JSON settings (nulls left out, unknown fields ignored), as Keycloak.getInstance does
        client.register(org.keycloak.admin.client.JacksonProvider.class, 100);
        if (ssl != null) {
            client.sslContext(ssl);
        }
        for (ClientRequestFilter filter : filters) {
            client.register(filter);
        }
        Keycloak keycloak = KeycloakBuilder.builder().serverUrl(serverUrl).realm("master").clientId(ADMIN_CLIENT)
                .username(credentials.username()).password(credentials.password()).grantType("password")
                .resteasyClient(client.build()).build();
        try {
            retry.call(serverUrl, "sign in as the master realm admin",
                    () -> keycloak.tokenManager().getAccessTokenString(), cancellation);
        } catch (StageException | CancelledException e) {
            keycloak.close();
            throw e;
        } catch (RuntimeException e) {
            keycloak.close();
            throw translate(e, serverUrl, credentials);
        }
        LOG.info("Connected to Keycloak at {} as {}", serverUrl, credentials.username());
        return new KeycloakAdmin(keycloak, serverUrl, basePath, ssl, retry, cancellation);
    }

    /** How calls through this connection are retried. */
    public KeycloakRetry retry() { return retry; }

    /** Runs a read or an idempotent update with retries on transient failures ({@link KeycloakRetry#call}). */
    public <T> T call(String what, java.util.function.Supplier<T> action) {
        return retry.call(serverUrl, what, action, cancellation);
    }

    /** Creates an object safely: looked up after a 409 or an ambiguous failure ({@link KeycloakRetry#create}). */
    public KeycloakRetry.Created create(String what, java.util.function.Supplier<jakarta.ws.rs.core.Response> create,
                                        java.util.function.Supplier<java.util.Optional<String>> lookup) {
        return retry.create(serverUrl, what, create, lookup, cancellation);
    }

    /** The admin client (master realm token, refreshed as needed). */
    public Keycloak client() { return keycloak; }

    public RealmResource realm(String name) { return keycloak.realm(name); }

    /** The server URL including the base path, e.g. {@code https://sso.apps.example.com/auth}. */
    public String serverUrl() { return serverUrl; }

    /** {@code "/auth"} for RH-SSO 7.x (and Keycloak &lt; 17), {@code ""} for Keycloak 17+. */
    public String basePath() { return basePath; }

    /** The realm's issuer URL. */
    public String realmUrl(String realm) { return serverUrl + "/realms/" + realm; }

    /** The admin console link for a realm. */
    public String consoleUrl(String realm) { return serverUrl + "/admin/master/console/#/" + realm; }

    /** A plain HTTP client trusting what the admin client trusts (for discovery documents). */
    public HttpClient httpClient() {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL);
        if (ssl != null) {
            builder.sslContext(ssl);
        }
        return builder.build();
    }

    @Override
    public void close() { keycloak.close(); }

    /**
     * Finds the base path: {@code <url>/realms/master/.well-known/openid-configuration} answers 200 on Keycloak 17+,
     * {@code <url>/auth/realms/master/...} on RH-SSO 7.x.
     */
    static String detectBasePath(String root, SSLContext ssl) {
        return detectBasePath(root, ssl, KeycloakRetry.none(), null);
    }

    static String detectBasePath(String root, SSLContext ssl, KeycloakRetry retry, Cancellation cancellation) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER);
        if (ssl != null) {
            builder.sslContext(ssl);
        }
        HttpClient http = builder.build();
        int[] statuses = new int[2];
        String[] candidates = {"", "/auth"};
        for (int i = 0; i < candidates.length; i++) {
            URI probe;
            try {
                probe = URI.create(root + candidates[i] + "/realms/master/.well-known/openid-configuration");
            } catch (IllegalArgumentException e) {
                throw StageException.invalidInput("'" + root + "' is not a valid Keycloak URL: " + e.getMessage(),
                        Fix.configField("endpoints.keycloakUrl", "give the URL as https://host[:port]"));
            }
            URI target = probe;
            statuses[i] = retry.call(root, "read " + probe, () -> probeOnce(http, root, target), cancellation);
            if (statuses[i] == 200) {
                LOG.debug("Keycloak at {} serves under '{}'", root, candidates[i]);
                return candidates[i];
            }
        }
        throw new StageException("no Keycloak answers at " + root + ": " + root
                + "/realms/master/.well-known/openid-configuration gave HTTP " + statuses[0] + " and " + root
                + "/auth/realms/master/... gave HTTP " + statuses[1],
                Fix.configField("endpoints.keycloakUrl", "check that the URL points at the Keycloak (RH-SSO) route"
                        + " and that the Keycloak pods are ready"));
    }

    /**
     * One GET of a discovery document: its status; 5xx and 429 thrown as a (transient) WebApplicationException, a
     * dropped connection as a (transient) ProcessingException, an unreachable host or a TLS failure as a
     * StageException (not retried).
     */
    private static int probeOnce(HttpClient http, String root, URI probe) {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(probe).timeout(Duration.ofSeconds(20))
                    .GET().build(), HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            if (status == 429 || status >= 500) {
                throw new WebApplicationException("HTTP " + status + " from " + probe, status);
            }
            return status;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StageException("interrupted while contacting Keycloak at " + root,
                    Fix.rerunStage(StageIds.SSO, "run the stage again"), false, e);
        } catch (IOException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof ConnectException || t instanceof SSLException || t instanceof UnknownHostException
                        || t instanceof HttpConnectTimeoutException
                        || t instanceof java.nio.channels.UnresolvedAddressException) {
                    throw unreachable(root, e);
                }
            }
            throw new ProcessingException("no answer from " + probe + ": " + e, e); // reset, EOF: transient
        }
    }

    private static StageException unreachable(String url, Throwable e) {
        Throwable root = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            root = t;
            if (t instanceof SSLException) {
                return new StageException("the TLS connection to Keycloak at " + url + " failed: " + t.getMessage()
                        + " (the server certificate is probably not trusted)",
                        Fix.configField("cluster.caFile", "give the CA certificate that signed the route's"
                                + " certificate, or check that the URL uses the right scheme (https/http)"),
                        false, e);
            }
            if (t instanceof UnknownHostException || t instanceof java.nio.channels.UnresolvedAddressException) {
                return new StageException("Keycloak at " + url + " is not reachable: unknown host "
                        + URI.create(url).getHost(), Fix.configField("endpoints.keycloakUrl",
                        "check the host name, or set endpoints.keycloakUrl to an address this machine can resolve"),
                        false, e);
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof HttpConnectTimeoutException
                    || t instanceof HttpTimeoutException || t instanceof java.net.NoRouteToHostException) {
                return new StageException("Keycloak at " + url + " is not reachable: "
                        + (t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage()),
                        Fix.configField("endpoints.keycloakUrl", "check that Keycloak runs and that this machine"
                                + " can reach its route (VPN, proxy), or set endpoints.keycloakUrl"), false, e);
            }
        }
        return new StageException("Keycloak at " + url + " is not reachable: " + root,
                Fix.configField("endpoints.keycloakUrl", "check the URL and the network"), false, e);
    }

    /** Maps a failure of the first token request. */
    private static StageException translate(RuntimeException e, String serverUrl, Credentials credentials) {
        int status = e instanceof WebApplicationException w && w.getResponse() != null ? w.getResponse().getStatus()
                : -1;
        if (e instanceof NotAuthorizedException || status == 401 || status == 400) {
            return new StageException("the admin password in " + credentials.source() + " is not accepted by Keycloak"
                    + " at " + serverUrl + " (user '" + credentials.username() + "', realm master, HTTP " + status + ")",
                    Fix.manual("check " + credentials.source() + ": it must hold the current password of the master"
                            + " realm admin (if the password was changed in the console, put the new one there)"),
                    false, e);
        }
        if (e instanceof ProcessingException) {
            return unreachable(serverUrl, e);
        }
        return new StageException("Keycloak at " + serverUrl + " refused the admin login: "
                + SecretRegistry.global().redact(String.valueOf(e.getMessage())),
                Fix.manual("check the Keycloak server log"), false, e);
    }

    /**
     * Registers a secret and the forms it takes on the wire (URL-encoded in the token request form, JSON-escaped in
     * request bodies), so that even an HTTP wire log at DEBUG is masked.
     */
    static String registerSecret(String value) {
        SecretRegistry secrets = SecretRegistry.global();
        secrets.register(value);
        if (value != null) {
            secrets.register(java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8));
            secrets.register(value.replace("\\", "\\\\").replace("\"", "\\\""));
        }
        return value;
    }

    /** A Keycloak URL without trailing slashes or {@code /auth}: the root the base path is detected under. */
    public static String siteRoot(String url) {
        String root = stripSlashes(url.trim());
        return root.endsWith("/auth") ? root.substring(0, root.length() - "/auth".length()) : root;
    }

    static String stripSlashes(String s) {
        String r = s;
        while (r.endsWith("/")) {
            r = r.substring(0, r.length() - 1);
        }
        return r;
    }
}
