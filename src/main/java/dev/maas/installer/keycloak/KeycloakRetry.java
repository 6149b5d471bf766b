package dev.maas.installer.keycloak;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.engine.wait.Backoff;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * How calls to the Keycloak admin API survive a flaky Keycloak or route: reads and idempotent updates (PUT) are
 * retried with bounded backoff ({@link Backoff}) on HTTP 5xx, 429 and I/O errors (connection reset, timeout, refused
 * while a pod restarts); creates are never simply resent: after an ambiguous failure (no answer, 5xx) or a 409 the
 * object is looked up first and only created again when it is still absent ({@link #create}). When the attempts are
 * used up the call ends with a retryable {@link StageException} that names Keycloak, what failed and what to do.
 *
 * <p>A TLS failure, an unknown host, 401/403/400/404 are not retried: they will not go away by waiting.
 *
 * @param maxAttempts  attempts per call, at least 1
 * @param initialDelay the first wait between attempts (then doubling)
 * @param maxDelay     the longest wait between attempts
 * @param timeout      the longest time one call may take with all its attempts
 */
public record KeycloakRetry(int maxAttempts, Duration initialDelay, Duration maxDelay, Duration timeout) {
    private static final Logger LOG = LoggerFactory.getLogger(KeycloakRetry.class);

    public KeycloakRetry {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        Objects.requireNonNull(timeout, "timeout");
    }

    /** Five attempts, 0.5 s, 1 s, 2 s, 4 s apart, at most two minutes per call. */
    public static KeycloakRetry defaults() {
        return new KeycloakRetry(5, Duration.ofMillis(500), Duration.ofSeconds(4), Duration.ofMinutes(2));
    }

    /** One attempt, no retry. */
    public static KeycloakRetry none() {
        return new KeycloakRetry(1, Duration.ZERO, Duration.ZERO, Duration.ofMinutes(2));
    }

    /** The result of one create: the new object's id and whether our request made it (false: it was found). */
    public record Created(String id, boolean found) { }

    /** Thrown when the attempts are used up: a retryable StageException (exit code 1). */
    public static final class ExhaustedException extends StageException {
        ExhaustedException(String message, Fix fix, Throwable cause) {
            super(message, fix, false, cause);
        }
    }

    /**
     * Runs a read or an idempotent write, retrying transient failures. A non-transient failure is thrown as it came
     * (for the caller to translate); exhaustion as {@link ExhaustedException}.
     */
    public <T> T call(String serverUrl, String what, Supplier<T> action) {
        return call(serverUrl, what, action, null);
    }

    /** Like {@link #call(String, String, Supplier)}; a Cancel ends the wait between attempts at once. */
    public <T> T call(String serverUrl, String what, Supplier<T> action, Cancellation cancellation) {
        return run(serverUrl, what, () -> Optional.of(new Outcome<>(action.get(), null)), null, cancellation);
    }

    /**
     * Creates an object safely: {@code create} sends the POST and returns its response; {@code lookup} reads whether
     * the object exists (by its natural key) and returns its id. A 201 returns the id from the Location header; a 409
     * or an ambiguous failure (no answer, 5xx, 429) asks {@code lookup} first and returns the object it finds
     * ({@code found=true}: converge it, do not create it again), else sends the create again (transient) or fails.
     */
    public Created create(String serverUrl, String what, Supplier<Response> create,
                          Supplier<Optional<String>> lookup) {
        return create(serverUrl, what, create, lookup, null);
    }

    /** Like {@link #create(String, String, Supplier, Supplier)}; a Cancel ends the wait between attempts at once. */
    public Created create(String serverUrl, String what, Supplier<Response> create,
                          Supplier<Optional<String>> lookup, Cancellation cancellation) {
        return run(serverUrl, what, () -> {
            Response response;
            try {
                response = create.get();
            } catch (WebApplicationException e) {
                response = e.getResponse();
                if (response == null) {
                    throw e;
                }
            }
            int status;
            String body = "";
            String location;
            try (Response r = response) {
                status = r.getStatus();
                location = r.getLocation() == null ? null : r.getLocation().getPath();
                if (status != 201 && status != 204 && r.hasEntity()) {
                    try {
                        body = r.readEntity(String.class);
                    } catch (RuntimeException ignored) {
                        // only detail
                    }
                }
            }
            if (status == 201 || status == 204) {
                String id = location == null ? null : location.substring(location.lastIndexOf('/') + 1);
                return Optional.of(new Outcome<>(new Created(id, false), null));
            }
            if (status == 409) {
                Optional<String> existing = call(serverUrl, "look up " + objectOf(what), lookup, cancellation);
                if (existing.isPresent()) {
                    LOG.info("Keycloak: {} answered 409, it exists already; converging it", what);
                    return Optional.of(new Outcome<>(new Created(existing.get(), true), null));
                }
            }
            throw new WebApplicationException("HTTP " + status + " " + SecretRegistry.global().redact(body),
                    status);
        }, () -> call(serverUrl, "look up " + objectOf(what), lookup, cancellation).map(id -> new Created(id, true)),
                cancellation);
    }

    private static String objectOf(String what) {
        return what.startsWith("create ") ? what.substring("create ".length()) : what;
    }

    /** A value, or (exactly one of) a non-transient failure to rethrow. */
    private record Outcome<T>(T value, RuntimeException failure) { }

    private <T> T run(String serverUrl, String what, Supplier<Optional<Outcome<T>>> attempt,
                      Supplier<Optional<T>> afterAmbiguous, Cancellation cancellation) {
        int[] attempts = {0};
        RuntimeException[] last = {null};
        Outcome<T> outcome;
        try {
            outcome = Backoff.of(timeout).delays(initialDelay.isZero() ? Duration.ofMillis(1) : initialDelay,
                    maxDelay.isZero() ? Duration.ofMillis(1) : maxDelay).cancellation(cancellation)
                    .await("Keycloak to " + what, () -> {
                attempts[0]++;
                try {
                    return attempt.get();
                } catch (CancelledException e) {
                    return Optional.of(new Outcome<>(null, e)); // Backoff would take a throw for "not yet"
                } catch (RuntimeException e) {
                    if (!transientFailure(e)) {
                        return Optional.of(new Outcome<>(null, e));
                    }
                    last[0] = e;
                    LOG.info("Keycloak: {} failed ({}), attempt {} of {}", what, describe(e), attempts[0],
                            maxAttempts);
                    if (afterAmbiguous != null) {
                        try {
                            Optional<T> done = afterAmbiguous.get();
                            if (done.isPresent()) {
                                LOG.info("Keycloak: {} took effect although the answer was lost; not sending it"
                                        + " again", what);
                                return Optional.of(new Outcome<>(done.get(), null));
                            }
                        } catch (RuntimeException lookupFailed) {
                            // the look-up gave up too, or failed for good: stop here, nothing more was written
                            return Optional.of(new Outcome<>(null, lookupFailed));
                        }
                    }
                    if (attempts[0] >= maxAttempts) {
                        return Optional.of(new Outcome<>(null, exhausted(serverUrl, what, attempts[0], last[0])));
                    }
                    return Optional.empty();
                }
            });
        } catch (TimeoutException e) {
            throw exhausted(serverUrl, what, attempts[0], last[0] == null ? new IllegalStateException(e) : last[0]);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StageException("interrupted while calling Keycloak at " + serverUrl + " to " + what,
                    Fix.rerunStage(StageIds.SSO, "run the stage again"), false, e);
        }
        if (outcome.failure() != null) {
            throw outcome.failure();
        }
        return outcome.value();
    }

    static ExhaustedException exhausted(String serverUrl, String what, int attempts, RuntimeException last) {
        if (last instanceof ExhaustedException ex) {
            return ex;
        }
        int status = status(last);
        String answered = status > 0 ? "answered HTTP " + status : "gave no answer (" + describe(last) + ")";
        return new ExhaustedException("Keycloak at " + serverUrl + " " + answered + " " + attempts
                + (attempts == 1 ? " time" : " times") + " while trying to " + what + "; nothing was left half made"
                + " (every object is looked up before it is created)",
                Fix.rerunStage(StageIds.SSO, "check that the Keycloak pods are running and ready (`oc get pods` in"
                        + " the Keycloak namespace) and that its route answers, then rerun"
                        + " `maas-installer apply --stage sso`"), last);
    }

    /** HTTP 5xx, 429, or an I/O failure other than TLS and unknown host, anywhere in the cause chain. */
    static boolean transientFailure(Throwable e) {
        if (e instanceof StageException) {
            return false; // already translated (unreachable host, TLS, given up): final
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException || t instanceof UnknownHostException) {
                return false;
            }
        }
        int status = status(e);
        if (status > 0) {
            return status == 429 || status >= 500;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof ProcessingException) {
                return true;
            }
        }
        return false;
    }

    /** The HTTP status of the first WebApplicationException in the cause chain, or -1. */
    static int status(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof WebApplicationException w && w.getResponse() != null) {
                return w.getResponse().getStatus();
            }
        }
        return -1;
    }

    static String describe(Throwable e) {
        int status = status(e);
        if (status > 0) {
            return "HTTP " + status;
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? ""
                : ": " + SecretRegistry.global().redact(root.getMessage()));
    }
}
