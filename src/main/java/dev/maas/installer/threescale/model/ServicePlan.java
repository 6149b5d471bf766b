package dev.maas.installer.threescale.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A service plan of a product, as porta renders it (app/representers/service_plan_representer.rb with
 * plan_representer.rb): no system_name and no service_id (the product is in the links), so neither is read.
 */
public record ServicePlan(long id, String name, String state, @JsonProperty("default") Boolean isDefault,
                          Boolean approvalRequired) {
}
