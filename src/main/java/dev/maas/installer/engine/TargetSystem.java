package dev.maas.installer.engine;

import com.fasterxml.jackson.annotation.JsonValue;

/** The live system a change or a check concerns. */
public enum TargetSystem {
    KUBERNETES("kubernetes"), KEYCLOAK("keycloak"), THREESCALE("3scale");

    private final String wireName;

    TargetSystem(String wireName) { this.wireName = wireName; }

    @JsonValue
    public String wireName() { return wireName; }
}
