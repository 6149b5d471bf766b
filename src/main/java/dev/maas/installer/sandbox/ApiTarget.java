package dev.maas.installer.sandbox;

import io.fabric8.mockwebserver.http.RecordedRequest;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** What a request path addresses. {@code plural} null for discovery paths. */
record ApiTarget(String group, String version, String namespace, String plural, String name, String subresource,
                 String path, Map<String, String> query) {
    String collectionPath() {
        StringBuilder sb = new StringBuilder(group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version);
        if (namespace != null) {
            sb.append("/namespaces/").append(namespace);
        }
        return sb.append('/').append(plural).toString();
    }

    String objectPath() {
        return collectionPath() + "/" + name;
    }

    static ApiTarget parse(String rawPath) {
        URI uri = URI.create(rawPath);
        String path = uri.getRawPath();
        Map<String, String> query = new java.util.HashMap<>();
        if (uri.getRawQuery() != null) {
            for (String kv : uri.getRawQuery().split("&")) {
                int eq = kv.indexOf('=');
                String k = eq < 0 ? kv : kv.substring(0, eq);
                String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
                query.put(k, v);
            }
        }
        List<String> parts = new ArrayList<>(Arrays.asList(path.replaceAll("^/+|/+$", "").split("/")));
        String group;
        String version;
        List<String> rest;
        if (parts.size() >= 1 && parts.get(0).equals("api")) {
            group = "";
            version = parts.size() > 1 ? parts.get(1) : null;
            rest = parts.size() > 2 ? parts.subList(2, parts.size()) : List.of();
        } else if (parts.size() >= 1 && parts.get(0).equals("apis")) {
            group = parts.size() > 1 ? parts.get(1) : null;
            version = parts.size() > 2 ? parts.get(2) : null;
            rest = parts.size() > 3 ? parts.subList(3, parts.size()) : List.of();
        } else {
            return new ApiTarget(null, null, null, null, null, null, path, query);
        }
        String namespace = null;
        if (rest.size() >= 3 && rest.get(0).equals("namespaces")
                && !(group.isEmpty() && (rest.get(2).equals("status") || rest.get(2).equals("finalize")))) {
            namespace = rest.get(1);
            rest = rest.subList(2, rest.size());
        }
        String plural = rest.size() > 0 ? rest.get(0) : null;
        String name = rest.size() > 1 ? rest.get(1) : null;
        String sub = rest.size() > 2 ? rest.get(2) : null;
        return new ApiTarget(group, version, namespace, plural, name, sub, path, query);
    }

    /** The RBAC verb of a request to this path. */
    String verb(RecordedRequest request) {
        return switch (request.method()) {
            case GET -> name() != null ? "get" : "true".equals(query().get("watch")) ? "watch" : "list";
            case POST -> "create";
            case PUT -> "update";
            case PATCH -> "patch";
            case DELETE -> name() != null ? "delete" : "deletecollection";
            default -> "get";
        };
    }
}
