package dev.maas.installer.keycloak;

import com.sun.net.httpserver.HttpServer;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.testing.LogCapture;
import dev.maas.installer.testing.RequestRecorder;
import dev.maas.installer.testing.StartsKeycloak;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.RealmRepresentation;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static dev.maas.installer.keycloak.KeycloakTestSupport.credentials;
import static dev.maas.installer.keycloak.KeycloakTestSupport.server;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** KeycloakAdmin against the real Keycloak, and against addresses where no Keycloak (or no RH-SSO) answers. */
@StartsKeycloak
class KeycloakAdminTest {

    @BeforeAll
    static void startKeycloak() {
        server();
    }

    @Test
    void connectsToKeycloak26WithoutBasePathWhateverTheUrlLooksLike() {
        for (String url : List.of(server().url(), server().url() + "/", server().url() + "/auth")) {
            try (KeycloakAdmin admin = KeycloakAdmin.connect(url, credentials())) {
                assertThat(admin.basePath()).isEmpty();
                assertThat(admin.serverUrl()).isEqualTo(server().url());
                assertThat(admin.realmUrl("maas")).isEqualTo(server().url() + "/realms/maas");
                assertThat(admin.client().realms().findAll()).extracting(RealmRepresentation::getRealm)
                        .contains("master");
            }
        }
    }

    @Test
    void detectsTheAuthBasePathOfRhSso7() throws IOException {
        HttpServer rhsso = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        rhsso.createContext("/", exchange -> {
            boolean found = exchange.getRequestURI().getPath()
                    .equals("/auth/realms/master/.well-known/openid-configuration");
            byte[] body = (found ? "{\"issuer\":\"x\"}" : "not found").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(found ? 200 : 404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        rhsso.start();
        try {
            String url = "http://127.0.0.1:" + rhsso.getAddress().getPort();
            assertThat(KeycloakAdmin.detectBasePath(url, null)).isEqualTo("/auth");
        } finally {
            rhsso.stop(0);
        }
    }

    @Test
    void somethingThatIsNotKeycloakIsReportedAsSuch() throws IOException {
        HttpServer other = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        other.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        other.start();
        try {
            String url = "http://127.0.0.1:" + other.getAddress().getPort();
            assertThatThrownBy(() -> KeycloakAdmin.connect(url, credentials()))
                    .isInstanceOfSatisfying(StageException.class, e -> {
                        assertThat(e.getMessage()).startsWith("no Keycloak answers at " + url)
                                .contains("HTTP 404 and");
                        assertThat(e.fix().target()).isEqualTo("endpoints.keycloakUrl");
                    });
        } finally {
            other.stop(0);
        }
    }

    @Test
    void aWrongAdminPasswordSaysWhichSecretIsWrongWithoutShowingIt() {
        String wrong = "not-the-password-" + System.nanoTime();
        RequestRecorder recorder = new RequestRecorder();
        try (LogCapture logs = new LogCapture("dev.maas.installer", "org.keycloak")) {
            assertThatThrownBy(() -> KeycloakAdmin.connect(server().url(),
                    new KeycloakAdmin.Credentials(server().adminUser(), wrong, "Secret credential-rh-sso"), null,
                    List.of(recorder)))
                    .isInstanceOfSatisfying(StageException.class, e -> {
                        assertThat(e.getMessage()).startsWith("the admin password in Secret credential-rh-sso is not"
                                + " accepted by Keycloak at " + server().url()).doesNotContain(wrong);
                        assertThat(e.describe()).doesNotContain(wrong);
                        assertThat(e.fix().kind()).isEqualTo(Fix.Kind.MANUAL);
                        assertThat(e.fix().hint()).contains("Secret credential-rh-sso");
                        assertThat(e.invalidInput()).isFalse();
                    });
            assertThat(logs.text()).doesNotContain(wrong);
        }
        assertThat(recorder.all()).extracting(RequestRecorder.Request::path)
                .containsExactly("/realms/master/protocol/openid-connect/token");
    }

    @Test
    void anUnreachableKeycloakIsReportedClearly() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closedPort;
        assertThatThrownBy(() -> KeycloakAdmin.connect(url, credentials()))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.getMessage()).startsWith("Keycloak at " + url + " is not reachable");
                    assertThat(e.fix().target()).isEqualTo("endpoints.keycloakUrl");
                });

        assertThatThrownBy(() -> KeycloakAdmin.connect("http://no-such-keycloak.invalid", credentials()))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.getMessage())
                        .startsWith("Keycloak at http://no-such-keycloak.invalid is not reachable: unknown host"));
    }

    @Test
    void aTlsFailureIsReportedAsSuch() {
        // https to Keycloak's plain-HTTP port: the TLS handshake fails
        String url = server().url().replace("http://", "https://");
        assertThatThrownBy(() -> KeycloakAdmin.connect(url, credentials()))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.getMessage()).startsWith("the TLS connection to Keycloak at " + url + " failed");
                    assertThat(e.fix().target()).isEqualTo("cluster.caFile");
                });
    }

    @Test
    void aMalformedUrlIsInvalidInput() {
        assertThatThrownBy(() -> KeycloakAdmin.connect("http://bad host", credentials()))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.invalidInput()).isTrue();
                    assertThat(e.getMessage()).contains("is not a valid Keycloak URL");
                });
    }
}
