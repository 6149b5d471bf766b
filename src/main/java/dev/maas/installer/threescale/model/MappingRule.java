package dev.maas.installer.threescale.model;

/** A mapping rule of a product (proxy rule) or of a backend. */
public record MappingRule(long id, Long metricId, String pattern, String httpMethod, Integer delta, Integer position,
                          Boolean last, Long ownerId, String ownerType) {
}
