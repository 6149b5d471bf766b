package dev.maas.installer.threescale.model;

/** A 3scale Product (called "service" in the Account Management API). */
public record Service(long id, String name, String systemName, String description, String deploymentOption,
                      String backendVersion, String state) {
}
