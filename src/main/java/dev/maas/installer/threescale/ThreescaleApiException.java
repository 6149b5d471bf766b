package dev.maas.installer.threescale;

import java.util.List;
import java.util.Map;

/**
 * A failed Admin API call. {@link #status()} is the HTTP status, or 0 when no response came back (I/O error,
 * timeout, dropped connection). {@link #fieldErrors()} holds the field errors of a 422 response.
 * The message is already redacted and says what to do.
 */
public final class ThreescaleApiException extends RuntimeException implements dev.maas.installer.engine.Actionable {
    private final int status;
    private final String method;
    private final String path;
    private final Map<String, List<String>> fieldErrors;
    private volatile long retryAfterSeconds = -1;

    public ThreescaleApiException(String message, int status, String method, String path,
                                  Map<String, List<String>> fieldErrors, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.method = method;
        this.path = path;
        this.fieldErrors = fieldErrors == null ? Map.of() : Map.copyOf(fieldErrors);
    }

    public int status() { return status; }

    /**
     * What the user can do, by status: no answer names the endpoint override to check, 401/403 the token, 429/5xx
     * says to rerun later; null otherwise (the message says it).
     */
    /**
     * Whether no connection could be made at all (unknown host, refused, no route, connect timeout): then the URL
     * or the network is the cause. A connection that was made and then dropped is a failure of 3scale's side.
     */
    private boolean unreachable() {
        for (Throwable t = getCause(); t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
                    || t instanceof java.net.NoRouteToHostException
                    || t instanceof java.net.SocketTimeoutException && String.valueOf(t.getMessage()).contains("connect")) {
                return true;
            }
        }
        return getCause() == null;
    }

    @Override
    public dev.maas.installer.engine.Fix fix() {
        boolean master = path != null && path.startsWith("/master/");
        if (status == 0 && !unreachable()) {
            return null; // 3scale was reached and the connection dropped mid-answer: a rerun, not the URL
        }
        if (status == 0) {
            return dev.maas.installer.engine.Fix.configField(master ? "endpoints.threescaleMasterUrl"
                    : "endpoints.threescaleAdminUrl", "make sure this machine reaches the 3scale " + (master
                    ? "master" : "admin") + " URL (VPN, proxy, DNS, the Route), or set this field to a URL it can"
                    + " reach; then rerun");
        }
        if (refusedDelete()) {
            return null; // the message names the cause; the token is fine
        }
        if (status == 401 || status == 403) {
            return dev.maas.installer.engine.Fix.manual("make Secret system-seed hold a 3scale token with the scope"
                    + " named above, then rerun");
        }
        if (status == 429 || status >= 500) {
            return dev.maas.installer.engine.Fix.manual("3scale is busy or restarting: rerun in a minute; the stages"
                    + " continue where they stopped");
        }
        return null;
    }

    public String method() { return method; }

    /** The path without the query string. */
    public String path() { return path; }

    public Map<String, List<String>> fieldErrors() { return fieldErrors; }

    /** True for failures after which the request may or may not have taken effect: no response, 429, 5xx. */
    public boolean transientFailure() {
        return status == 0 || status == 429 || status >= 500;
    }

    public boolean notFound() { return status == 404; }

    /**
     * A delete 3scale refused for a reason of the object's own (403 with {@code {"errors":{...}}}, porta's responder
     * for a failed DELETE): not a token problem.
     */
    public boolean refusedDelete() { return status == 403 && !fieldErrors.isEmpty(); }

    /** A field error of a 422 (or a refused delete), e.g. {@code hasFieldError("system_name", "has already been taken")}. */
    public boolean hasFieldError(String field, String message) {
        return fieldErrors.getOrDefault(field, List.of()).contains(message);
    }

    /** The server's Retry-After (seconds) of a 429 or 503, or -1. */
    public long retryAfterSeconds() { return retryAfterSeconds; }

    ThreescaleApiException withRetryAfter(String header) {
        if (header != null) {
            try {
                retryAfterSeconds = Long.parseLong(header.trim());
            } catch (NumberFormatException ignored) {
                // an HTTP date: fall back to the backoff
            }
        }
        return this;
    }
}
