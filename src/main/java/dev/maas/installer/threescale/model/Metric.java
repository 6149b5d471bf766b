package dev.maas.installer.threescale.model;

/** A metric or a method (a method is a metric with a parentId, normally the {@code hits} metric). */
public record Metric(long id, String name, String systemName, String friendlyName, String unit, String description,
                     Long parentId) {
}
