package dev.maas.installer.threescale;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.wait.Backoff;
import dev.maas.installer.engine.secrets.SecretRegistry;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The transport under {@link ThreescaleClient}: `.json` paths, the token as the {@code access_token} parameter
 * (query string for GET/DELETE, form field for POST/PUT/PATCH; 3scale does not accept a Bearer header), JSON
 * parsing, error translation, retries and pagination.
 *
 * <p>Reads (GET) are retried with bounded exponential backoff and jitter on I/O errors, 429 and 5xx.
 * A write is never simply resent: {@link #writeVerified} first asks a lookup whether the failed write took effect
 * (3scale may have committed it before the connection dropped or the proxy answered 503) and only writes again when
 * the lookup shows it did not.
 */
public final class ThreescaleHttp {
    private static final Logger LOG = LoggerFactory.getLogger(ThreescaleHttp.class);
    static final MediaType OCTET = MediaType.get("application/octet-stream");

    private final HttpUrl baseUrl;
    private final String token;
    private final OkHttpClient http;
    private final RetryPolicy retry;
    private final Cancellation cancellation;
    private final ObjectMapper mapper;
    private final SecretRegistry secrets;
    private volatile Consumer<RequestShape> requestListener = shape -> { };

    /** What was sent, without values: for the conformance test and for request counting. */
    public record RequestShape(String method, String path, List<String> parameterNames) {
    }

    ThreescaleHttp(HttpUrl baseUrl, String token, OkHttpClient http, RetryPolicy retry, SecretRegistry secrets,
                   Cancellation cancellation) {
        this.baseUrl = baseUrl;
        this.cancellation = cancellation;
        this.token = secrets.register(token);
        this.http = http;
        this.retry = retry;
        this.secrets = secrets;
        this.mapper = JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
    }

    public ObjectMapper mapper() { return mapper; }

    public HttpUrl baseUrl() { return baseUrl; }

    void onRequest(Consumer<RequestShape> listener) {
        this.requestListener = listener == null ? shape -> { } : listener;
    }

    // ----------------------------------------------------------------------------------------------- reads

    /** GET with retries; 404 is thrown as a {@link ThreescaleApiException} with {@code notFound()}. */
    public JsonNode get(String path, Map<String, String> query) {
        ThreescaleApiException last = null;
        for (int attempt = 1; attempt <= retry.maxAttempts(); attempt++) {
            try {
                return execute("GET", path, query, null);
            } catch (ThreescaleApiException e) {
                if (!e.transientFailure() || attempt == retry.maxAttempts()) {
                    throw e;
                }
                last = e;
                LOG.info("3scale GET {} failed ({}), retry {} of {}", path, e.status() == 0 ? "no response"
                        : "HTTP " + e.status(), attempt, retry.maxAttempts() - 1);
                pause(attempt, e);
            }
        }
        throw last;
    }

    /** GET returning empty on 404. */
    public Optional<JsonNode> find(String path, Map<String, String> query) {
        try {
            return Optional.of(get(path, query));
        } catch (ThreescaleApiException e) {
            if (e.notFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Every page of a paginated list: {@code page}=1,2,... with {@code per_page} until a page comes back with fewer
     * than {@code perPage} items.
     */
    public List<JsonNode> getAllPages(String path, Map<String, String> query, int perPage,
                                      Function<JsonNode, List<JsonNode>> items) {
        List<JsonNode> all = new ArrayList<>();
        for (int page = 1; page <= 100_000; page++) {
            Map<String, String> q = new LinkedHashMap<>(query);
            q.put("page", Integer.toString(page));
            q.put("per_page", Integer.toString(perPage));
            List<JsonNode> got = items.apply(get(path, q));
            all.addAll(got);
            if (got.size() < perPage) {
                return all;
            }
        }
        throw new IllegalStateException("3scale returned more than 100000 pages for " + path);
    }

    /**
     * Downloads a file by its absolute URL (a CMS file's {@code url}: pre-signed S3 or the portal's own host), or a
     * path relative to the admin URL. The access token is never sent: the URL carries its own authorisation.
     * HTML-escaped ampersands ({@code &amp;amp;}, as 3scale writes them in CMS file URLs) are unescaped. Bounded
     * retries on transient failures.
     */
    public byte[] download(String fileUrl) {
        String clean = fileUrl.replace("&amp;", "&");
        HttpUrl url = HttpUrl.parse(clean);
        if (url == null) {
            url = baseUrl.resolve(clean);
        }
        if (url == null) {
            throw new ThreescaleApiException("The CMS file URL '" + clean + "' is not a URL", 0, "GET", clean, null,
                    null);
        }
        String shown = url.scheme() + "://" + url.host() + ":" + url.port() + url.encodedPath();
        ThreescaleApiException last = null;
        for (int attempt = 1; attempt <= retry.maxAttempts(); attempt++) {
            Request request = new Request.Builder().url(url).get().build();
            try (Response response = http.newCall(request).execute()) {
                ResponseBody rb = response.body();
                byte[] bytes = rb == null ? new byte[0] : rb.bytes();
                if (response.isSuccessful()) {
                    return bytes;
                }
                last = new ThreescaleApiException("Downloading " + shown + " gave HTTP " + response.code(),
                        response.code(), "GET", shown, null, null);
                if (!last.transientFailure()) {
                    throw last;
                }
            } catch (IOException e) {
                last = new ThreescaleApiException("No answer downloading " + shown + " ("
                        + e.getClass().getSimpleName() + ")", 0, "GET", shown, null, null);
            }
            if (attempt < retry.maxAttempts()) {
                pause(attempt, last);
            }
        }
        throw last;
    }

    // ---------------------------------------------------------------------------------------------- writes

    /** One write attempt (POST/PUT/PATCH with a form body, or DELETE with a query), no retry. */
    public JsonNode writeOnce(String method, String path, Map<String, String> params) {
        if ("DELETE".equals(method)) {
            return execute(method, path, params, null);
        }
        FormBody.Builder form = new FormBody.Builder();
        form.add("access_token", token);
        params.forEach((k, v) -> {
            if (v != null) {
                form.add(k, v);
            }
        });
        return execute(method, path, null, form.build(), keys(params));
    }

    /** One multipart write attempt (CMS files). */
    public JsonNode multipartOnce(String method, String path, Map<String, String> fields, String fileField,
                                  String fileName, byte[] content, MediaType contentType) {
        MultipartBody.Builder body = new MultipartBody.Builder().setType(MultipartBody.FORM);
        body.addFormDataPart("access_token", token);
        List<String> names = keys(fields);
        fields.forEach((k, v) -> {
            if (v != null) {
                body.addFormDataPart(k, v);
            }
        });
        if (content != null) {
            body.addFormDataPart(fileField, fileName,
                    RequestBody.create(content, contentType == null ? OCTET : contentType));
            names.add(fileField);
        }
        return execute(method, path, null, body.build(), names);
    }

    /**
     * A write that is safe against lost responses: on a transient failure, {@code lookup} is asked whether the write
     * took effect; if it did, its result is returned, else the write is sent again (bounded, with backoff).
     */
    public <T> T writeVerified(String what, Supplier<T> write, Supplier<Optional<T>> lookup) {
        ThreescaleApiException last = null;
        for (int attempt = 1; attempt <= retry.maxAttempts(); attempt++) {
            try {
                return write.get();
            } catch (ThreescaleApiException e) {
                if (!e.transientFailure()) {
                    throw e;
                }
                last = e;
                Optional<T> done = lookup.get();
                if (done.isPresent()) {
                    LOG.info("3scale: {} took effect although the response was lost ({}); not sending it again",
                            what, e.status() == 0 ? "no response" : "HTTP " + e.status());
                    return done.get();
                }
                if (attempt < retry.maxAttempts()) {
                    LOG.info("3scale: {} did not take effect ({}), retry {} of {}", what,
                            e.status() == 0 ? "no response" : "HTTP " + e.status(), attempt, retry.maxAttempts() - 1);
                    pause(attempt, e);
                }
            }
        }
        throw last;
    }

    // ------------------------------------------------------------------------------------------- internals

    private static List<String> keys(Map<String, String> params) {
        List<String> names = new ArrayList<>();
        params.forEach((k, v) -> {
            if (v != null) {
                names.add(k);
            }
        });
        return names;
    }

    private JsonNode execute(String method, String path, Map<String, String> query, RequestBody body) {
        return execute(method, path, query, body, query == null ? List.of() : keys(query));
    }

    private JsonNode execute(String method, String path, Map<String, String> query, RequestBody body,
                             List<String> paramNames) {
        HttpUrl.Builder url = baseUrl.newBuilder().addPathSegments(path.startsWith("/") ? path.substring(1) : path);
        if (body == null) {
            url.addQueryParameter("access_token", token);
            if (query != null) {
                query.forEach((k, v) -> {
                    if (v != null) {
                        url.addQueryParameter(k, v);
                    }
                });
            }
        }
        List<String> shapeNames = new ArrayList<>();
        shapeNames.add("access_token");
        shapeNames.addAll(paramNames);
        requestListener.accept(new RequestShape(method, path, List.copyOf(shapeNames)));
        Request request = new Request.Builder().url(url.build()).method(method, body)
                .header("Accept", "application/json").build();
        long started = System.nanoTime();
        try (Response response = http.newCall(request).execute()) {
            long ms = (System.nanoTime() - started) / 1_000_000;
            ResponseBody rb = response.body();
            String text = rb == null ? "" : rb.string();
            LOG.debug("3scale {} {} -> {} in {} ms", method, path, response.code(), ms);
            if (response.isSuccessful()) {
                if (text.isBlank()) {
                    return MissingNode.getInstance();
                }
                return mapper.readTree(text);
            }
            throw ThreescaleErrors.fromResponse(method, path, response.code(), text, response.header("Retry-After"),
                    mapper, secrets);
        } catch (InterruptedIOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new ThreescaleApiException("Interrupted while calling 3scale " + method + " " + path, -1,
                        method, path, null, e);
            }
            throw ioFailure(method, path, e);
        } catch (IOException e) {
            throw ioFailure(method, path, e);
        }
    }

    private ThreescaleApiException ioFailure(String method, String path, IOException e) {
        String detail = secrets.redact(String.valueOf(e.getMessage()));
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                // not transient (status -1): waiting does not make a certificate trusted
                return new ThreescaleApiException("The TLS connection to the 3scale Admin API at " + baseUrl.host()
                        + ":" + baseUrl.port() + " failed for " + method + " " + path + ": "
                        + secrets.redact(String.valueOf(t.getMessage())) + ". The route's certificate is not trusted:"
                        + " give the CA that signed it in cluster.caFile (the same file trusts the API server), or"
                        + " check that endpoints.threescaleAdminUrl uses the right host and scheme.",
                        -1, method, path, null, e);
            }
        }
        return new ThreescaleApiException("No answer from the 3scale Admin API at " + baseUrl.host() + " for "
                + method + " " + path + " (" + e.getClass().getSimpleName() + ": " + detail + "). Check that the "
                + "admin URL is reachable from this machine (Route maas-admin) and that 3scale's system-app is running.",
                0, method, path, null, null);
    }

    /** Backoff before the next attempt; a server's Retry-After is honoured up to the policy's maximum delay. */
    private void pause(int attempt, ThreescaleApiException cause) {
        Backoff backoff = retry.backoff(cancellation);
        Duration d = backoff.delay(attempt);
        if (cause.retryAfterSeconds() > 0) {
            Duration asked = Duration.ofSeconds(cause.retryAfterSeconds());
            Duration capped = asked.compareTo(retry.maxDelay()) > 0 ? retry.maxDelay() : asked;
            if (capped.compareTo(d) > 0) {
                d = capped;
            }
        }
        if (d.isZero()) {
            return;
        }
        try {
            // bounded: RetryPolicy caps every delay and the number of attempts; a Cancel ends the wait at once
            backoff.pause(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ThreescaleApiException("Interrupted while waiting to retry a 3scale call", -1, "", "", null, e);
        }
    }
}
