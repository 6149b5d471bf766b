package dev.maas.installer.keycloak;

import dev.maas.installer.engine.StageException;
import dev.maas.installer.testing.FastRetries;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.ServiceUnavailableException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.net.SocketException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The rules of {@link KeycloakRetry} without a server: what is retried, how a create stays single, how it gives up. */
class KeycloakRetryTest {
    private static final String URL = "https://sso.example.com";
    private final KeycloakRetry retry = FastRetries.keycloak(3);

    private static Response status(int code) {
        return Response.status(code).build();
    }

    private static Response created(String id) {
        return Response.status(201).location(URI.create(URL + "/admin/realms/maas/clients/" + id)).build();
    }

    private static Supplier<Response> answers(Object... outcomes) {
        Deque<Object> queue = new ArrayDeque<>(java.util.List.of(outcomes));
        return () -> {
            Object next = queue.removeFirst();
            if (next instanceof RuntimeException e) {
                throw e;
            }
            return (Response) next;
        };
    }

    @Test
    void transientFailuresAreServerErrorsTooManyRequestsAndLostConnections() {
        assertThat(KeycloakRetry.transientFailure(new ServiceUnavailableException())).isTrue();
        assertThat(KeycloakRetry.transientFailure(new WebApplicationException(429))).isTrue();
        assertThat(KeycloakRetry.transientFailure(new WebApplicationException(502))).isTrue();
        assertThat(KeycloakRetry.transientFailure(new ProcessingException(new SocketException("Connection reset"))))
                .isTrue();
        assertThat(KeycloakRetry.transientFailure(new NotFoundException())).isFalse();
        assertThat(KeycloakRetry.transientFailure(new WebApplicationException(403))).isFalse();
        assertThat(KeycloakRetry.transientFailure(new ProcessingException(new SSLHandshakeException("bad cert"))))
                .isFalse();
        assertThat(KeycloakRetry.transientFailure(new StageException("x", null))).isFalse();
    }

    @Test
    void aReadIsRetriedAndANonTransientFailureIsNot() {
        AtomicInteger calls = new AtomicInteger();
        assertThat(retry.call(URL, "read realm", () -> {
            if (calls.incrementAndGet() < 3) {
                throw new ProcessingException(new SocketException("Connection reset"));
            }
            return "maas";
        })).isEqualTo("maas");
        assertThat(calls).hasValue(3);

        calls.set(0);
        assertThatThrownBy(() -> retry.call(URL, "read realm", () -> {
            calls.incrementAndGet();
            throw new WebApplicationException(403);
        })).isInstanceOf(WebApplicationException.class);
        assertThat(calls).hasValue(1);
    }

    @Test
    void givingUpIsARetryableErrorThatNamesKeycloakTheCallAndTheFix() {
        assertThatThrownBy(() -> retry.call(URL, "read client maas/3scale", () -> {
            throw new ServiceUnavailableException();
        })).isInstanceOfSatisfying(KeycloakRetry.ExhaustedException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("Keycloak at " + URL + " answered HTTP 503 3 times while trying to"
                    + " read client maas/3scale; nothing was left half made (every object is looked up before it is"
                    + " created)");
            assertThat(e.invalidInput()).isFalse();
            assertThat(e.fix().target()).isEqualTo("sso");
            assertThat(e.fix().hint()).contains("Keycloak pods").contains("maas-installer apply --stage sso");
        });
    }

    @Test
    void aCreateWhoseAnswerWasLostIsFoundInsteadOfSentAgain() {
        AtomicInteger creates = new AtomicInteger();
        Supplier<Response> create = answers(new ProcessingException(new SocketException("Connection reset")));
        KeycloakRetry.Created made = retry.create(URL, "create client maas/3scale", () -> {
            creates.incrementAndGet();
            return create.get();
        }, () -> Optional.of("id-1"));
        assertThat(made).isEqualTo(new KeycloakRetry.Created("id-1", true));
        assertThat(creates).hasValue(1);
    }

    @Test
    void aCreateThatDidNotHappenIsSentAgainAndA409MeansExistsThenConverge() {
        AtomicInteger lookups = new AtomicInteger();
        KeycloakRetry.Created made = retry.create(URL, "create client maas/3scale",
                answers(status(503), created("id-2")), () -> {
                    lookups.incrementAndGet();
                    return Optional.empty();
                });
        assertThat(made).isEqualTo(new KeycloakRetry.Created("id-2", false));
        assertThat(lookups).hasValue(1);

        assertThat(retry.create(URL, "create mapper org_name", answers(status(409)), () -> Optional.of("m-1")))
                .isEqualTo(new KeycloakRetry.Created("m-1", true));
        assertThatThrownBy(() -> retry.create(URL, "create realm maas", answers(status(409)), Optional::empty))
                .isInstanceOfSatisfying(WebApplicationException.class,
                        e -> assertThat(e.getResponse().getStatus()).isEqualTo(409));
    }
}
