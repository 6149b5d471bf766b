package dev.maas.installer.threescale.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A service plan of a product. */
public record ServicePlan(long id, String name, String systemName, String state,
                          @JsonProperty("default") Boolean isDefault, Boolean approvalRequired, Long serviceId) {
}
