package dev.maas.installer.threescale.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** An application plan of a product; {@code state} is {@code published} or {@code hidden}. */
public record ApplicationPlan(long id, String name, String systemName, String state,
                              @JsonProperty("default") Boolean isDefault, Boolean approvalRequired, Long serviceId,
                              Boolean custom) {
    public boolean published() { return "published".equals(state); }
}
