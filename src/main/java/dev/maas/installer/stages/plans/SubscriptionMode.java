package dev.maas.installer.stages.plans;

import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.ThreescaleClient;

/**
 * How developer accounts get subscribed to a product. 3scale 2.16 has the service subscriptions API (one call per
 * account and product); 2.15 has not, so the runbook project's workaround is used there: create an application on
 * the product's plan (3scale subscribes the account on the way) and delete it again.
 */
public enum SubscriptionMode {
    SERVICE_SUBSCRIPTIONS("2.16+: service subscriptions"),
    APPLICATION_WORKAROUND("2.15: create and delete an application");

    private final String label;

    SubscriptionMode(String label) { this.label = label; }

    public String label() { return label; }

    /**
     * Asks the tenant: the service subscriptions of an existing account answer 404 where the API does not exist
     * (3scale 2.15). {@code accountId} must be an account that exists.
     */
    public static SubscriptionMode detect(ThreescaleClient client, long accountId) {
        try {
            client.tenant().serviceSubscriptions(accountId);
            return SERVICE_SUBSCRIPTIONS;
        } catch (ThreescaleApiException e) {
            if (e.notFound()) {
                return APPLICATION_WORKAROUND;
            }
            throw e;
        }
    }
}
