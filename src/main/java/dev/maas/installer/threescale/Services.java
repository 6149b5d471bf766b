package dev.maas.installer.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.threescale.model.Service;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Products: {@code /admin/api/services.json} (paginated, per_page 500). */
public final class Services {
    static final String BASE = "/admin/api/services";
    private final ThreescaleHttp http;

    Services(ThreescaleHttp http) {
        this.http = http;
    }

    public List<Service> list() {
        return Json.convert(http.mapper(), http.getAllPages(BASE + ".json", Map.of(), 500,
                r -> Json.items(r, "services", "service")), Service.class);
    }

    public Optional<Service> findBySystemName(String systemName) {
        return list().stream().filter(s -> systemName.equals(s.systemName())).findFirst();
    }

    public Optional<Service> read(long id) {
        return http.find(BASE + "/" + id + ".json", Map.of())
                .map(n -> Json.entity(http.mapper(), n, "service", Service.class));
    }

    /**
     * Creates a product. {@code fields} are the spec's parameters besides name and system_name: description,
     * deployment_option (hosted, self_managed, ...), backend_version (1 = API key, 2 = app id/key, oidc).
     */
    public Service create(String name, String systemName, Map<String, String> fields) {
        Map<String, String> p = Json.params("name", name, "system_name", systemName);
        p.putAll(fields);
        return http.writeVerified("create product " + (systemName == null ? name : systemName),
                () -> Json.entity(http.mapper(), http.writeOnce("POST", BASE + ".json", p), "service", Service.class),
                () -> list().stream().filter(s -> systemName != null ? systemName.equals(s.systemName())
                        : name.equals(s.name())).findFirst());
    }

    public Service update(long id, Map<String, String> fields) {
        String path = BASE + "/" + id + ".json";
        return http.writeVerified("update product " + id,
                () -> Json.entity(http.mapper(), http.writeOnce("PUT", path, fields), "service", Service.class),
                () -> {
                    JsonNode e = Json.unwrap(http.get(path, Map.of()), "service");
                    return Json.hasValues(e, fields) ? Optional.of(http.mapper().convertValue(e, Service.class))
                            : Optional.empty();
                });
    }

    /**
     * Deletes a product with everything under it (proxy, rules, plans). Only the {@code products} stage's prune
     * calls this, and only for products carrying the installer's marker.
     */
    public void delete(long id) {
        String path = BASE + "/" + id + ".json";
        http.writeVerified("delete product " + id, () -> {
            http.writeOnce("DELETE", path, Map.of());
            return Boolean.TRUE;
        }, () -> http.find(path, Map.of()).isPresent() ? Optional.empty() : Optional.of(Boolean.TRUE));
    }

    /** Everything under one product: proxy, policy chain, configs, backend usages, metrics, rules, plans. */
    public Product product(long serviceId) {
        return new Product(http, serviceId);
    }
}
