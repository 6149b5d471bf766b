package dev.maas.installer.sandbox;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * What a {@link SimulatedOperator} gets: a client of its own to the test cluster (over HTTP, like any real client),
 * a scheduler for delayed work (never sleep), and the cluster's apps domain.
 */
public record SimulationContext(KubernetesClient client, ScheduledExecutorService scheduler, String appsDomain) {
    private static final Logger LOG = LoggerFactory.getLogger(SimulationContext.class);

    /**
     * An informer handler that reconciles each added or updated object on the scheduler (so informer threads never
     * block) and logs, rather than throws, what a reconcile fails on; {@code onDelete} runs on the informer thread.
     */
    public ResourceEventHandler<GenericKubernetesResource> reconciler(String operator,
            Consumer<GenericKubernetesResource> reconcile, Consumer<GenericKubernetesResource> onDelete) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource obj) { submit(obj); }

            @Override
            public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) { submit(newObj); }

            @Override
            public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
                onDelete.accept(obj);
            }

            private void submit(GenericKubernetesResource obj) {
                scheduler.execute(() -> {
                    try {
                        reconcile.accept(obj);
                    } catch (RuntimeException e) {
                        LOG.warn("{}: handling {} {}/{} failed: {}", operator, obj.getKind(),
                                obj.getMetadata().getNamespace(), obj.getMetadata().getName(), e.toString());
                    }
                });
            }
        };
    }
}
