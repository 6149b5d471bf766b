package dev.maas.installer.threescale;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.secrets.SecretRegistry;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The 3scale Admin API client (Account Management API, Developer Portal API, Policy Registry API), following the
 * specs of porta's {@code doc/active_docs} (2.15, and 2.16 for service subscriptions).
 *
 * <pre>
 * ThreescaleClient c = ThreescaleClient.builder(adminUrl, token).build();
 * BackendApi b = c.backends().findBySystemName("granite")
 *         .orElseGet(() -> c.backends().create("Granite", "granite", null, "http://granite.models.svc:8080"));
 * Product p = c.services().product(serviceId);
 * p.updatePolicies(chain); p.deploy(); p.promote(Product.STAGING, v, Product.PRODUCTION);
 * </pre>
 *
 * The token is sent as the {@code access_token} parameter and registered with the {@link SecretRegistry}, so it is
 * masked in every log line and error message. Instances are thread-safe.
 */
public final class ThreescaleClient {
    private final ThreescaleHttp http;
    private final BackendApis backends;
    private final Services services;
    private final Tenant tenant;
    private final Cms cms;
    private final Master master;
    private final ActiveDocs activeDocs;
    private final Analytics analytics;

    private ThreescaleClient(ThreescaleHttp http, SecretRegistry secrets) {
        this.http = http;
        this.backends = new BackendApis(http);
        this.services = new Services(http);
        this.tenant = new Tenant(http, secrets);
        this.cms = new Cms(http);
        this.master = new Master(http);
        this.activeDocs = new ActiveDocs(http);
        this.analytics = new Analytics(http);
    }

    public static Builder builder(String adminUrl, String accessToken) {
        return new Builder(adminUrl, accessToken);
    }

    public BackendApis backends() { return backends; }

    public Services services() { return services; }

    /** Shortcut for {@code services().product(serviceId)}. */
    public Product product(long serviceId) { return services.product(serviceId); }

    /** Provider account, SSO integrations, developer accounts, applications, subscriptions, policy registry. */
    public Tenant tenant() { return tenant; }

    public Cms cms() { return cms; }

    /** The Analytics API: usage of a product's or an application's metrics over time. */
    public Analytics analytics() { return analytics; }

    /** ActiveDocs specs (the developer portal's API reference). */
    public ActiveDocs activeDocs() { return activeDocs; }

    /** Master API tenant operations: only for a client built with the master URL and MASTER_ACCESS_TOKEN. */
    public Master master() { return master; }

    public HttpUrl adminUrl() { return http.baseUrl(); }

    /** Observes the shape (method, path, parameter names; never values) of every request sent. */
    public void onRequest(Consumer<ThreescaleHttp.RequestShape> listener) { http.onRequest(listener); }

    public static final class Builder {
        private final String adminUrl;
        private final String token;
        private RetryPolicy retry = RetryPolicy.defaults();
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(60);
        private Duration callTimeout = Duration.ofSeconds(120);
        private OkHttpClient base;
        private SecretRegistry secrets = SecretRegistry.global();
        private Cancellation cancellation = new Cancellation();

        private Builder(String adminUrl, String token) {
            this.adminUrl = Objects.requireNonNull(adminUrl, "adminUrl");
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException("The 3scale access token is empty: set it (ADMIN_ACCESS_TOKEN of "
                        + "Secret system-seed) in the installer configuration.");
            }
            this.token = token;
        }

        public Builder retry(RetryPolicy retry) {
            this.retry = Objects.requireNonNull(retry);
            return this;
        }

        public Builder timeouts(Duration connect, Duration read, Duration call) {
            this.connectTimeout = connect;
            this.readTimeout = read;
            this.callTimeout = call;
            return this;
        }

        /** A shared OkHttp client to derive from (its connection pool and TLS settings are kept). */
        public Builder okHttp(OkHttpClient client) {
            this.base = client;
            return this;
        }

        /** The run's cancellation: a Cancel ends a wait before a retry at once. */
        public Builder cancellation(Cancellation c) {
            this.cancellation = Objects.requireNonNull(c);
            return this;
        }

        public Builder secrets(SecretRegistry registry) {
            this.secrets = Objects.requireNonNull(registry);
            return this;
        }

        public ThreescaleClient build() {
            HttpUrl url = HttpUrl.parse(adminUrl);
            if (url == null) {
                throw new IllegalArgumentException("The 3scale admin URL '" + adminUrl + "' is not an http(s) URL, "
                        + "e.g. https://maas-admin.apps.example.com");
            }
            OkHttpClient client = (base == null ? new OkHttpClient() : base).newBuilder()
                    .connectTimeout(connectTimeout).readTimeout(readTimeout).writeTimeout(readTimeout)
                    .callTimeout(callTimeout).retryOnConnectionFailure(false)
                    .build();
            return new ThreescaleClient(new ThreescaleHttp(url, token, client, retry, secrets, cancellation), secrets);
        }
    }
}
