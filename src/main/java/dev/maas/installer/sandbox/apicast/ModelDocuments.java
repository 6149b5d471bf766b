package dev.maas.installer.sandbox.apicast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.sandbox.threescale.SimStore;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The OpenAPI document of a served model, as the 3scale simulator holds it: the ActiveDocs spec of each product
 * that uses a backend whose private endpoint is the model's URL. Its operations are what the model's
 * {@link ModelStandIn} answers.
 */
final class ModelDocuments {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    private ModelDocuments() { }

    /** The operations of the documents of the products whose backend is at one of {@code urls}; empty: none. */
    static List<ModelStandIn.Operation> operations(SimStore store, List<String> urls) {
        Set<Long> backends = new LinkedHashSet<>();
        for (ObjectNode b : store.snapshot("backend_apis")) {
            String endpoint = b.path("private_endpoint").asText("");
            if (urls.stream().anyMatch(u -> sameOrigin(u, endpoint))) {
                backends.add(b.path("id").asLong());
            }
        }
        Set<Long> services = new LinkedHashSet<>();
        for (ObjectNode u : store.snapshot("backend_usages")) {
            if (backends.contains(u.path("backend_id").asLong())) {
                services.add(u.path("service_id").asLong());
            }
        }
        Set<ModelStandIn.Operation> out = new LinkedHashSet<>();
        for (ObjectNode d : store.snapshot("active_docs")) {
            if (!d.path("service_id").isNumber() || !services.contains(d.path("service_id").asLong())) {
                continue;
            }
            try {
                JsonNode paths = JSON.readTree(d.path("body").asText("{}")).path("paths");
                paths.fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m -> {
                    if (METHODS.contains(m.toLowerCase(Locale.ROOT))) {
                        out.add(new ModelStandIn.Operation(m.toUpperCase(Locale.ROOT), p.getKey()));
                    }
                }));
            } catch (IOException e) {
                // a body that is not JSON lists nothing
            }
        }
        return new ArrayList<>(out);
    }

    /** Same scheme, host and port (default ports filled in). */
    static boolean sameOrigin(String a, String b) {
        try {
            URI x = URI.create(a.trim());
            URI y = URI.create(b.trim());
            return x.getHost() != null && x.getHost().equalsIgnoreCase(y.getHost())
                    && scheme(x).equals(scheme(y)) && port(x) == port(y);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String scheme(URI u) {
        return u.getScheme() == null ? "http" : u.getScheme().toLowerCase(Locale.ROOT);
    }

    private static int port(URI u) {
        return u.getPort() > 0 ? u.getPort() : scheme(u).equals("https") ? 443 : 80;
    }
}
