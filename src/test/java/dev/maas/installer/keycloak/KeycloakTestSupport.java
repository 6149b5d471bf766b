package dev.maas.installer.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.testing.KeycloakServer;
import dev.maas.installer.testing.RequestRecorder;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** Shared helpers for the tests against the real Keycloak of {@link KeycloakServer}. */
final class KeycloakTestSupport {
    static final String PORTAL_HOST = "maas.apps.test.example.com";
    private static final ObjectMapper JSON = new ObjectMapper();

    private KeycloakTestSupport() { }

    /** Keycloak 26 (the Red Hat build of Keycloak's generation). */
    static KeycloakServer.Endpoint server() { return KeycloakServer.get(); }

    static KeycloakAdmin.Credentials credentials() {
        return credentials(server());
    }

    static KeycloakAdmin.Credentials credentials(KeycloakServer.Endpoint e) {
        return new KeycloakAdmin.Credentials(e.adminUser(), e.adminPassword(), "Secret credential-rh-sso");
    }

    static KeycloakAdmin connect(KeycloakServer.Endpoint e, RequestRecorder recorder) {
        return KeycloakAdmin.connect(e.url(), credentials(e), null, List.of(recorder));
    }

    /** A fresh realm name per test, so tests do not see each other's objects. */
    static String uniqueRealm(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A spec with a generic OIDC identity provider whose issuer is this Keycloak's master realm (a real one). */
    static RealmSpec spec(KeycloakServer.Endpoint server, String realm, Supplier<String> idpSecret) {
        RealmSpec.IdentityProvider idp = new RealmSpec.IdentityProvider("oidc", "corp-sso", "Corporate SSO",
                "maas-portal", idpSecret, "environment variable MAAS_IDP_CLIENT_SECRET",
                server.url() + "/realms/master", null, null, null, null);
        return new RealmSpec(realm, null, PORTAL_HOST, "portal", idp);
    }

    /** A resource owner password grant against {@code realm}; returns status and JSON body. */
    static Map.Entry<Integer, JsonNode> passwordGrant(KeycloakServer.Endpoint server, String realm, String clientId,
                                                      String clientSecret, String username, String password)
            throws IOException, InterruptedException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "password");
        form.put("client_id", clientId);
        form.put("client_secret", clientSecret);
        form.put("username", username);
        form.put("password", password);
        form.put("scope", "openid");
        String body = form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(server.url() + "/realms/" + realm + "/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        return Map.entry(response.statusCode(), JSON.readTree(response.body()));
    }

    /** The claims of a JWT (payload decoded, signature not checked: the token came straight from Keycloak). */
    static JsonNode claims(String jwt) throws IOException {
        String[] parts = jwt.split("\\.");
        return JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
    }
}
