package dev.maas.installer.threescale.model;

import com.fasterxml.jackson.databind.JsonNode;

/** One entry of a product's policy chain ({@code policies_config}). */
public record PolicyConfig(String name, String version, JsonNode configuration, boolean enabled) {
}
