package dev.maas.installer.threescale.model;

/**
 * A 3scale Product (called "service" in the Account Management API). {@code buyerCanSelectPlan}: whether developers
 * choose the application plan when they create an application on the developer portal (null when the answer has
 * no such field).
 */
public record Service(long id, String name, String systemName, String description, String deploymentOption,
                      String backendVersion, String state, Boolean buyerCanSelectPlan) {
}
