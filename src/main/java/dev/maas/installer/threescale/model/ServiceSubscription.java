package dev.maas.installer.threescale.model;

/** A developer account's subscription to a product through a service plan (3scale 2.16+ API). */
public record ServiceSubscription(long id, Long planId, Long serviceId, Long userAccountId, String state) {
}
