package dev.maas.installer.stages.plans;

import dev.maas.installer.catalog.TokenMetrics;
import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The words and names of the tiers in 3scale: an application plan per tier, its usage limits named
 * "product tier: metric per period". {@code requests} is the product's built-in {@code hits} metric; the token
 * metrics are the products stage's ({@link TokenMetrics}: it creates them with the token usage policy in the chain).
 * The objects themselves are {@link PlanObjects}.
 */
final class TierPlans {
    static final String LIMIT = "usage limit";
    static final String HITS = "hits";

    private TierPlans() { }

    /** The 3scale metric of a limit's metric. */
    static String systemName(String metric) {
        return LimitConfig.REQUESTS.equals(metric) ? HITS : metric;
    }

    /** "plan 'Standard' published" or "plans 'Free', 'Premium' published with 3 limits". */
    static String summary(List<TierConfig> tiers) {
        String names = tiers.stream().map(t -> "'" + t.name() + "'").collect(Collectors.joining(", "));
        int limits = tiers.stream().mapToInt(t -> t.limits().size()).sum();
        return (tiers.size() == 1 ? "plan " : "plans ") + names + " published"
                + (limits == 0 ? "" : " with " + limits + (limits == 1 ? " limit" : " limits"));
    }

    /** "granite Free: requests per minute". */
    static String limitName(String sn, TierConfig t, String metric, String period) {
        return sn + " " + t.name() + ": " + metric + " per " + period;
    }
}
