package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import java.util.Map;

import static dev.maas.installer.sandbox.ApiStatus.*;

/** API discovery ({@code /api}, {@code /apis}, aggregated discovery, {@code /version}) and the OpenAPI documents. */
final class Discovery {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ApiCatalog catalog;
    private final OpenApiDocs openapi;

    Discovery(ApiCatalog catalog, OpenApiDocs openapi) {
        this.catalog = catalog;
        this.openapi = openapi;
    }

    MockResponse discovery(ApiTarget t, String accept, String serverAddress) {
        String path = t.path().replaceAll("/+$", "");
        if (path.isEmpty() || path.equals("/")) {
            ObjectNode root = NODES.objectNode();
            ArrayNode paths = root.putArray("paths").add("/api").add("/api/v1").add("/apis").add("/version");
            return json(200, root);
        }
        if (path.equals("/openapi/v2") || path.equals("/openapi/v3") || path.startsWith("/openapi/v3/")) {
            return openapi(path, t.query(), accept);
        }
        if (path.equals("/version")) {
            return json(200, NODES.objectNode().put("major", "1").put("minor", "29").put("gitVersion", "v1.29.0")
                    .put("platform", "linux/amd64").put("buildDate", "2024-01-01T00:00:00Z")
                    .put("gitCommit", "sandbox").put("gitTreeState", "clean").put("goVersion", "go1.21")
                    .put("compiler", "gc"));
        }
        if ((path.equals("/api") || path.equals("/apis")) && acceptsAggregatedDiscovery(accept)) {
            return json(200, catalog.aggregatedDiscovery(path.equals("/api")))
                    .setHeader("Content-Type", AGGREGATED_DISCOVERY);
        }
        if (path.equals("/api")) {
            return json(200, catalog.coreVersions(serverAddress));
        }
        if (path.equals("/apis")) {
            return json(200, catalog.groupList());
        }
        if (t.group() != null && t.plural() == null) {
            if (t.version() == null) {
                ObjectNode group = catalog.group(t.group());
                if (group == null) {
                    throw notFound("the server could not find the requested resource");
                }
                return json(200, group);
            }
            ObjectNode list = catalog.resourceList(t.group(), t.version());
            if (list == null) {
                throw notFound("the server could not find the requested resource");
            }
            return json(200, list);
        }
        return null;
    }

    static final String OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    /**
     * The OpenAPI documents, negotiated like kube-openapi pkg/handler/handler.go (v2: JSON, or protobuf for either
     * protobuf media type; 406 otherwise) and pkg/handler3/handler.go (v3: an index of group/versions, each
     * document at a URL carrying the hash of its content; an old hash redirects to the current one).
     */
    MockResponse openapi(String path, Map<String, String> query, String accept) {
        String chosen = null;
        for (String range : (accept == null || accept.isBlank() ? "*/*" : accept).split(",")) {
            String type = range.split(";")[0].trim();
            if (type.equals("application/json") || type.equals("*/*") || type.equals("application/*")) {
                chosen = "json";
            } else if (type.equals("application/com.github.proto-openapi.spec.v2@v1.0+protobuf")
                    || type.equals(OPENAPI_V2_PROTOBUF)) {
                chosen = path.equals("/openapi/v2") ? "protobuf" : null;
            }
            if (chosen != null) {
                break;
            }
        }
        if (chosen == null) {
            return new MockResponse().setResponseCode(406);
        }
        if (path.equals("/openapi/v2")) {
            if (chosen.equals("protobuf")) {
                return new MockResponse().setResponseCode(200).setHeader("Content-Type", OPENAPI_V2_PROTOBUF)
                        .setBody(openapi.v2Protobuf());
            }
            return json(200, openapi.v2());
        }
        if (path.equals("/openapi/v3")) {
            return json(200, openapi.v3Index());
        }
        String groupVersion = path.substring("/openapi/v3/".length());
        ObjectNode doc = openapi.v3(groupVersion);
        if (doc == null) {
            throw notFound("the server could not find the requested resource");
        }
        String etag = OpenApiDocs.hash(doc);
        String hash = query.get("hash");
        if (hash != null && !hash.isEmpty() && !hash.equals(etag)) {
            return new MockResponse().setResponseCode(301)
                    .setHeader("Location", "/openapi/v3/" + groupVersion + "?hash=" + etag);
        }
        return json(200, doc).setHeader("Etag", "\"" + etag + "\"");
    }

    /** The media type of aggregated discovery as kubernetes v1.29 serves it (v2beta1; v2 came with v1.30). */
    static final String AGGREGATED_DISCOVERY = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

    /** Whether an Accept header asks for aggregated discovery v2beta1 (client-go sends v2, v2beta1, then plain JSON). */
    static boolean acceptsAggregatedDiscovery(String accept) {
        if (accept == null) {
            return false;
        }
        for (String range : accept.split(",")) {
            Map<String, String> params = mediaTypeParameters(range);
            if (range.trim().startsWith("application/json") && "apidiscovery.k8s.io".equals(params.get("g"))
                    && "v2beta1".equals(params.get("v")) && "APIGroupDiscoveryList".equals(params.get("as"))) {
                return true;
            }
        }
        return false;
    }

    /** The parameters of one media range, e.g. {@code application/json;as=Table;v=v1} -> {as=Table, v=v1}. */
    static Map<String, String> mediaTypeParameters(String range) {
        Map<String, String> out = new java.util.HashMap<>();
        String[] parts = range.split(";");
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq > 0) {
                out.put(parts[i].substring(0, eq).trim(), parts[i].substring(eq + 1).trim());
            }
        }
        return out;
    }
}
