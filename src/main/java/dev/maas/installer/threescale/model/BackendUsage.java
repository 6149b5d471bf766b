package dev.maas.installer.threescale.model;

/** A backend used by a product at a path. */
public record BackendUsage(long id, String path, Long serviceId, Long backendId) {
}
