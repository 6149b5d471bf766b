package dev.maas.installer.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.threescale.model.BackendApi;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Backends: {@code /admin/api/backend_apis.json} (paginated, per_page 500). */
public final class BackendApis {
    static final String BASE = "/admin/api/backend_apis";
    private final ThreescaleHttp http;

    BackendApis(ThreescaleHttp http) {
        this.http = http;
    }

    public List<BackendApi> list() {
        return Json.convert(http.mapper(), http.getAllPages(BASE + ".json", Map.of(), 500,
                r -> Json.items(r, "backend_apis", "backend_api")), BackendApi.class);
    }

    public Optional<BackendApi> findBySystemName(String systemName) {
        return list().stream().filter(b -> systemName.equals(b.systemName())).findFirst();
    }

    public Optional<BackendApi> read(long id) {
        return http.find(BASE + "/" + id + ".json", Map.of())
                .map(n -> Json.entity(http.mapper(), n, "backend_api", BackendApi.class));
    }

    /**
     * Creates a backend. On a lost response the backend is looked up by system_name (or name when no system_name is
     * given) before anything is sent again, so a retry never makes a duplicate.
     */
    public BackendApi create(String name, String systemName, String description, String privateEndpoint) {
        Map<String, String> p = Json.params("name", name, "system_name", systemName, "description", description,
                "private_endpoint", privateEndpoint);
        return http.writeVerified("create backend " + (systemName == null ? name : systemName),
                () -> Json.entity(http.mapper(), http.writeOnce("POST", BASE + ".json", p), "backend_api",
                        BackendApi.class),
                () -> list().stream().filter(b -> systemName != null ? systemName.equals(b.systemName())
                        : name.equals(b.name())).findFirst());
    }

    /** Updates name, description or private_endpoint. */
    public BackendApi update(long id, Map<String, String> fields) {
        String path = BASE + "/" + id + ".json";
        return http.writeVerified("update backend " + id,
                () -> Json.entity(http.mapper(), http.writeOnce("PUT", path, fields), "backend_api", BackendApi.class),
                () -> {
                    JsonNode e = Json.unwrap(http.get(path, Map.of()), "backend_api");
                    return Json.hasValues(e, fields) ? Optional.of(http.mapper().convertValue(e, BackendApi.class))
                            : Optional.empty();
                });
    }

    public void delete(long id) {
        String path = BASE + "/" + id + ".json";
        http.writeVerified("delete backend " + id, () -> {
            http.writeOnce("DELETE", path, Map.of());
            return Boolean.TRUE;
        }, () -> http.find(path, Map.of()).isPresent() ? Optional.empty() : Optional.of(Boolean.TRUE));
    }

    public Metrics metrics(long backendId) {
        return new Metrics(http, BASE + "/" + backendId + "/metrics", true, "." + backendId);
    }

    public MappingRules mappingRules(long backendId) {
        return new MappingRules(http, BASE + "/" + backendId + "/mapping_rules", "PUT", true);
    }
}
