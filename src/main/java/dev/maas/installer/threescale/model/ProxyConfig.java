package dev.maas.installer.threescale.model;

import com.fasterxml.jackson.databind.JsonNode;

/** One APIcast configuration version of a product in an environment ({@code sandbox} = staging, {@code production}). */
public record ProxyConfig(long id, int version, String environment, JsonNode content) {
}
