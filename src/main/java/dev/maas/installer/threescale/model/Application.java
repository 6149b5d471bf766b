package dev.maas.installer.threescale.model;

import dev.maas.installer.engine.secrets.SecretRegistry;

/** A developer application; {@link #toString()} never shows the key. */
public record Application(long id, String name, String description, String state, Long serviceId, Long planId,
                          Long accountId, String userKey, Boolean enabled) {
    @Override
    public String toString() {
        return "Application[id=" + id + ", name=" + name + ", state=" + state + ", serviceId=" + serviceId
                + ", planId=" + planId + ", accountId=" + accountId + ", userKey="
                + (userKey == null ? null : SecretRegistry.MASK) + "]";
    }
}
