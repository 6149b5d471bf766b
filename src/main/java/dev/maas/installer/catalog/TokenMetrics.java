package dev.maas.installer.catalog;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The product metrics the token usage policy (installer-assets/policies/llm-token-usage) reports: its default
 * {@code prompt_tokens_metric}, {@code completion_tokens_metric} and {@code total_tokens_metric}.
 *
 * <p>The products stage owns them: it creates them on a product before it puts the policy in the product's chain,
 * because 3scale's backend refuses a report or an authorization whose usage names a metric the product does not
 * have (apisonator lib/3scale/backend/metric/collection.rb raises MetricInvalid, lib/3scale/backend/errors.rb: 404
 * {@code metric_invalid}, "metric \"prompt_tokens\" is invalid"), and APIcast answers such a refused authorization
 * with "Authentication failed". The plans stage only reads them to set the tiers' token limits.
 */
public final class TokenMetrics {
    /** System name to friendly name, in the order the policy reports them. */
    public static final Map<String, String> METRICS = metrics();
    public static final String UNIT = "tokens";
    public static final String DESCRIPTION = "LLM tokens reported by the llm-token-usage policy from each response's"
            + " usage";

    private TokenMetrics() { }

    private static Map<String, String> metrics() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("prompt_tokens", "Prompt tokens");
        m.put("completion_tokens", "Completion tokens");
        m.put("total_tokens", "Total tokens");
        return Collections.unmodifiableMap(m);
    }
}
