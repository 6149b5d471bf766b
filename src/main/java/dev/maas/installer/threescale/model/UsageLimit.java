package dev.maas.installer.threescale.model;

/**
 * A usage limit of an application plan: at most {@code value} of the metric per {@code period} for each application
 * on the plan. As porta renders it (app/representers/usage_limit_representer.rb).
 */
public record UsageLimit(long id, String period, long value, long metricId, long planId) {
}
