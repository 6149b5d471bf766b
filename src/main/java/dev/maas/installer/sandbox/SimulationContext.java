package dev.maas.installer.sandbox;

import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.concurrent.ScheduledExecutorService;

/**
 * What a {@link SimulatedOperator} gets: a client of its own to the test cluster (over HTTP, like any real client),
 * a scheduler for delayed work (never sleep), and the cluster's apps domain.
 */
public record SimulationContext(KubernetesClient client, ScheduledExecutorService scheduler, String appsDomain) { }
