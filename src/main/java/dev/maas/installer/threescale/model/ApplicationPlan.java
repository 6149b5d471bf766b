package dev.maas.installer.threescale.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An application plan of a product; {@code state} is {@code published} or {@code hidden}. As porta renders it
 * (app/representers/application_plan_representer.rb): no service_id (the product is in the links).
 */
public record ApplicationPlan(long id, String name, String systemName, String state,
                              @JsonProperty("default") Boolean isDefault, Boolean approvalRequired, Boolean custom) {
    public boolean published() { return "published".equals(state); }
}
