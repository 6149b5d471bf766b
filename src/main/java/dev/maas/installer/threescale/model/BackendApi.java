package dev.maas.installer.threescale.model;

/** A 3scale Backend (backend_api). */
public record BackendApi(long id, String name, String systemName, String description, String privateEndpoint,
                         Long accountId) {
}
