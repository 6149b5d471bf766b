package dev.maas.installer.testing;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A JAX-RS request filter for the admin client (pass it to {@code KeycloakAdmin.connect(.., filters)}): records the
 * method and path of every request the client really sends, so a test can assert "no write request".
 */
public final class RequestRecorder implements ClientRequestFilter {
    public record Request(String method, String path) {
        /** A request that changes something in Keycloak (token requests of the admin login do not count). */
        public boolean isWrite() {
            return !"GET".equals(method) && !"HEAD".equals(method) && !"OPTIONS".equals(method)
                    && !path.endsWith("/protocol/openid-connect/token");
        }

        @Override
        public String toString() { return method + " " + path; }
    }

    private final List<Request> requests = new CopyOnWriteArrayList<>();

    @Override
    public void filter(ClientRequestContext context) {
        requests.add(new Request(context.getMethod(), context.getUri().getPath()));
    }

    public List<Request> all() { return List.copyOf(requests); }

    public List<Request> writes() { return requests.stream().filter(Request::isWrite).toList(); }

    public void clear() { requests.clear(); }
}
