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

    /** From the operator channel alone (threescale-2.15 and earlier: the workaround). */
    public static SubscriptionMode fromChannel(String channel) {
        String v = channel == null ? "" : channel.replaceAll("^[^0-9]*", "");
        String[] parts = v.split("\\.");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1].replaceAll("[^0-9].*$", "")) : 0;
            return major > 2 || (major == 2 && minor >= 16) ? SERVICE_SUBSCRIPTIONS : APPLICATION_WORKAROUND;
        } catch (NumberFormatException e) {
            return APPLICATION_WORKAROUND;
        }
    }
}
