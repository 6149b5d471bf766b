package dev.maas.installer.ui.model;

import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Tiers and their limits in the wizard's words: "10 requests/minute, 1,000 total tokens/day". The metric and period
 * names are the configuration's ({@link LimitConfig#METRICS}, {@link LimitConfig#PERIODS}); their explanations are
 * what the Plans page shows next to its choices.
 */
public final class TierText {
    private TierText() { }

    /** How each metric a tier can limit counts, as the Plans page explains it. */
    public static final Map<String, String> METRIC_HELP = Map.of(
            "requests", "every call to the model (3scale's Hits metric); checked before the call, exact",
            "prompt_tokens", "tokens of the prompts sent (the response's usage.prompt_tokens)",
            "completion_tokens", "tokens the model generated (usage.completion_tokens)",
            "total_tokens", "prompt and completion tokens together (usage.total_tokens)");

    /** How each period counts, as the Plans page explains it. */
    public static final Map<String, String> PERIOD_HELP = Map.of(
            "minute", "each calendar minute", "hour", "each calendar hour", "day", "each calendar day",
            "week", "each calendar week", "month", "each calendar month", "year", "each calendar year",
            "eternity", "in all, never reset");

    /** What the limit editor says about metrics and periods, in place. */
    public static final String LIMITS_HELP = "Metric: requests counts every call to the model; prompt, completion"
            + " and total tokens count the tokens in each response's usage, reported after the response, so one"
            + " request can cross a token limit and the next is refused. Period: a calendar minute, hour, day, week,"
            + " month or year of 3scale's clock (not a sliding window; the quota is fresh when the next one starts),"
            + " or eternity (never reset). Value: the most each application on the plan may use in the period, a"
            + " whole number above 0. No limit on a metric means unlimited.";

    /** "requests", "total tokens". */
    public static String metric(String metric) {
        return metric == null ? "?" : metric.replace('_', ' ');
    }

    /** "10 requests/minute", "1,000 total tokens/day", "5,000 requests in all". */
    public static String limit(LimitConfig l) {
        if (l == null) {
            return "?";
        }
        String value = l.value() == null ? "?" : String.format(Locale.ROOT, "%,d", l.value());
        String per = "eternity".equals(l.period()) ? " in all" : "/" + (l.period() == null ? "?" : l.period());
        return value + " " + metric(l.metric()) + per;
    }

    /** "10 requests/minute, 1,000 total tokens/day"; "no limits" when there are none. */
    public static String limits(List<LimitConfig> limits) {
        return limits == null || limits.isEmpty() ? "no limits"
                : limits.stream().map(TierText::limit).collect(Collectors.joining(", "));
    }

    /** "every model" or "Granite, llama-3". */
    public static String models(TierConfig t) {
        return t.models().isEmpty() ? "every model" : String.join(", ", t.models());
    }

    /** "Free (10 requests/minute, 1,000 total tokens/day)", "Premium (approval required; no limits)". */
    public static String tier(TierConfig t) {
        return t.name() + " (" + (t.approvalRequired() ? "approval required; " : "") + limits(t.limits()) + ")";
    }
}
