package dev.maas.installer.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.threescale.model.ActiveDoc;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * ActiveDocs specs: {@code /admin/api/active_docs.json} (2.15 spec: list, create, read, update, delete; the list is
 * not paginated). Create/update parameters: name, system_name (create only), body, description, service_id,
 * published, skip_swagger_validations.
 */
public final class ActiveDocs {
    static final String BASE = "/admin/api/active_docs";
    private final ThreescaleHttp http;

    ActiveDocs(ThreescaleHttp http) {
        this.http = http;
    }

    public List<ActiveDoc> list() {
        return Json.convert(http.mapper(), Json.items(http.get(BASE + ".json", Map.of()), "api_docs", "api_doc"),
                ActiveDoc.class);
    }

    public Optional<ActiveDoc> findBySystemName(String systemName) {
        return list().stream().filter(d -> systemName.equals(d.systemName())).findFirst();
    }

    public Optional<ActiveDoc> read(long id) {
        return http.find(BASE + "/" + id + ".json", Map.of())
                .map(n -> Json.entity(http.mapper(), n, "api_doc", ActiveDoc.class));
    }

    /**
     * Creates an ActiveDocs spec. {@code fields} are the optional parameters (description, service_id, published,
     * skip_swagger_validations). On a lost response the spec is looked up by system_name before anything is sent
     * again, so a retry never makes a duplicate.
     */
    public ActiveDoc create(String name, String systemName, String body, Map<String, String> fields) {
        Objects.requireNonNull(systemName, "systemName");
        Map<String, String> p = Json.params("name", name, "system_name", systemName, "body", body);
        p.putAll(fields);
        return http.writeVerified("create ActiveDoc " + systemName,
                () -> Json.entity(http.mapper(), http.writeOnce("POST", BASE + ".json", p), "api_doc",
                        ActiveDoc.class),
                () -> findBySystemName(systemName));
    }

    /** Updates name, body, description, service_id, published or skip_swagger_validations. */
    public ActiveDoc update(long id, Map<String, String> fields) {
        String path = BASE + "/" + id + ".json";
        return http.writeVerified("update ActiveDoc " + id,
                () -> Json.entity(http.mapper(), http.writeOnce("PUT", path, fields), "api_doc", ActiveDoc.class),
                () -> {
                    JsonNode e = Json.unwrap(http.get(path, Map.of()), "api_doc");
                    return Json.hasValues(e, fields) ? Optional.of(http.mapper().convertValue(e, ActiveDoc.class))
                            : Optional.empty();
                });
    }

    public void delete(long id) {
        String path = BASE + "/" + id + ".json";
        http.writeVerified("delete ActiveDoc " + id, () -> {
            http.writeOnce("DELETE", path, Map.of());
            return Boolean.TRUE;
        }, () -> http.find(path, Map.of()).isPresent() ? Optional.empty() : Optional.of(Boolean.TRUE));
    }
}
