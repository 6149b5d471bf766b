package dev.maas.installer.threescale.model;

import com.fasterxml.jackson.databind.JsonNode;

/** A custom APIcast policy in the tenant's policy registry. */
public record RegistryPolicy(long id, String name, String version, JsonNode schema) {
}
