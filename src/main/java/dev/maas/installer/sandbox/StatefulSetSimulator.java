package dev.maas.installer.sandbox;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What Kubernetes does with a StatefulSet (the StatefulSet controller, the PersistentVolume binder and the kubelet),
 * simulated in the test cluster: for each replica {@code i} a PersistentVolumeClaim
 * {@code <template>-<name>-<i>} per {@code volumeClaimTemplates} entry and a Pod {@code <name>-<i>} with the
 * template's labels plus {@code statefulset.kubernetes.io/pod-name} and {@code controller-revision-hash}; then the
 * StatefulSet's status ({@code replicas}, {@code readyReplicas}, {@code currentReplicas}, {@code updatedReplicas},
 * {@code availableReplicas}, {@code currentRevision} = {@code updateRevision}, {@code observedGeneration}).
 *
 * <p>A claim binds when its {@code storageClassName} names an existing StorageClass, or, without one, when the
 * cluster has a default StorageClass (annotation {@code storageclass.kubernetes.io/is-default-class: "true"});
 * otherwise it stays {@code Pending} and so does the Pod, unschedulable with the scheduler's message, and the
 * StatefulSet has no ready replica (as on a cluster without a default StorageClass). Containers start at once and
 * are ready (no image pull, no probe). Not modelled: rolling updates (a changed template restarts nothing), pod
 * management policies, scale-down ordering.
 *
 * <p>Names and labels as kubernetes/kubernetes {@code pkg/controller/statefulset/stateful_set_utils.go}
 * ({@code getPodName}, {@code getPersistentVolumeClaimName}, {@code StatefulSetPodNameLabel},
 * {@code ControllerRevisionHashLabelKey}); the message of the scheduler's
 * {@code pkg/scheduler/framework/plugins/volumebinding/volume_binding.go} ({@code ErrReasonUnboundImmediatePVC}).
 */
public final class StatefulSetSimulator implements SimulatedOperator {
    private static final Logger LOG = LoggerFactory.getLogger(StatefulSetSimulator.class);
    static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
    static final String REVISION_LABEL = "controller-revision-hash";
    static final String DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
    /** The scheduler's message for a pod whose claim is not bound (Kubernetes 1.28+). */
    static final String UNBOUND_MESSAGE = "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims."
            + " preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";

    private final List<SharedIndexInformer<?>> informers = new CopyOnWriteArrayList<>();
    private SimulationContext context;

    @Override
    public String name() {
        return "statefulsets";
    }

    @Override
    public void start(SimulationContext ctx) {
        this.context = ctx;
        informers.add(client().apps().statefulSets().inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(StatefulSet obj) { submit(obj); }

            @Override
            public void onUpdate(StatefulSet oldObj, StatefulSet newObj) { submit(newObj); }

            @Override
            public void onDelete(StatefulSet obj, boolean deletedFinalStateUnknown) {
                ctx.scheduler().execute(() -> deletePods(obj));
            }
        }, 0));
        // a StorageClass made later binds the claims that waited for it
        informers.add(client().storage().v1().storageClasses().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(StorageClass obj) { resyncAll(); }

            @Override
            public void onUpdate(StorageClass oldObj, StorageClass newObj) { resyncAll(); }

            @Override
            public void onDelete(StorageClass obj, boolean deletedFinalStateUnknown) { }
        }, 0));
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
        informers.clear();
    }

    private KubernetesClient client() {
        return context.client();
    }

    private void submit(StatefulSet s) {
        context.scheduler().execute(() -> {
            try {
                reconcile(s.getMetadata().getNamespace(), s.getMetadata().getName());
            } catch (RuntimeException e) {
                LOG.warn("simulated StatefulSet controller: {}/{} failed: {}", s.getMetadata().getNamespace(),
                        s.getMetadata().getName(), e.toString());
            }
        });
    }

    private void resyncAll() {
        for (StatefulSet s : client().apps().statefulSets().inAnyNamespace().list().getItems()) {
            submit(s);
        }
    }

    /** Makes the claims and pods of one StatefulSet and writes its status when it changed. */
    void reconcile(String ns, String name) {
        StatefulSet s = client().apps().statefulSets().inNamespace(ns).withName(name).get();
        if (s == null || s.getMetadata().getDeletionTimestamp() != null || s.getSpec() == null) {
            return;
        }
        int replicas = s.getSpec().getReplicas() == null ? 1 : s.getSpec().getReplicas();
        String revision = name + "-" + templateHash(s);
        int readyCount = 0;
        for (int i = 0; i < replicas; i++) {
            boolean bound = true;
            for (PersistentVolumeClaim template : s.getSpec().getVolumeClaimTemplates()) {
                bound &= claim(s, template, i);
            }
            if (pod(s, i, revision, bound)) {
                readyCount++;
            }
        }
        int ready = readyCount;
        for (Pod extra : client().pods().inNamespace(ns).withLabel(POD_NAME_LABEL).list().getItems()) {
            String pod = extra.getMetadata().getName();
            if (owned(extra, s) && ordinal(pod, name) >= replicas) {
                client().pods().inNamespace(ns).withName(pod).delete();
            }
        }
        Map<String, Object> want = new LinkedHashMap<>();
        Long generation = s.getMetadata().getGeneration();
        want.put("observedGeneration", generation == null ? 1L : generation);
        want.put("replicas", replicas);
        want.put("readyReplicas", ready);
        want.put("currentReplicas", replicas);
        want.put("updatedReplicas", replicas);
        want.put("availableReplicas", ready);
        want.put("currentRevision", revision);
        want.put("updateRevision", revision);
        want.put("collisionCount", 0);
        var st = s.getStatus();
        if (st != null && Objects.equals(st.getReadyReplicas(), ready) && Objects.equals(st.getReplicas(), replicas)
                && Objects.equals(st.getAvailableReplicas(), ready) && revision.equals(st.getUpdateRevision())
                && Objects.equals(st.getObservedGeneration(), want.get("observedGeneration"))) {
            return; // nothing new: no write (a second install sees none from here)
        }
        client().apps().statefulSets().inNamespace(ns).withName(name).editStatus(live -> {
            live.setStatus(new io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder()
                    .withObservedGeneration((Long) want.get("observedGeneration")).withReplicas(replicas)
                    .withReadyReplicas(ready).withCurrentReplicas(replicas).withUpdatedReplicas(replicas)
                    .withAvailableReplicas(ready).withCurrentRevision(revision).withUpdateRevision(revision)
                    .withCollisionCount(0).build());
            return live;
        });
        LOG.info("simulated StatefulSet controller: {}/{} {}/{} ready", ns, name, ready, replicas);
    }

    /** The claim {@code <template>-<name>-<i>}; true when it is bound. */
    private boolean claim(StatefulSet s, PersistentVolumeClaim template, int i) {
        String ns = s.getMetadata().getNamespace();
        String claimName = template.getMetadata().getName() + "-" + s.getMetadata().getName() + "-" + i;
        PersistentVolumeClaim live = client().persistentVolumeClaims().inNamespace(ns).withName(claimName).get();
        String className = template.getSpec() == null ? null : template.getSpec().getStorageClassName();
        boolean bindable = className != null ? client().storage().v1().storageClasses().withName(className).get() != null
                : defaultStorageClass() != null;
        String phase = bindable ? "Bound" : "Pending";
        if (live == null) {
            Map<String, String> labels = new LinkedHashMap<>();
            if (s.getSpec().getSelector() != null && s.getSpec().getSelector().getMatchLabels() != null) {
                labels.putAll(s.getSpec().getSelector().getMatchLabels());
            }
            var spec = template.getSpec() == null ? new io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec()
                    : new io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpecBuilder(template.getSpec()).build();
            if (spec.getStorageClassName() == null && bindable) {
                spec.setStorageClassName(defaultStorageClass());
            }
            client().persistentVolumeClaims().inNamespace(ns).resource(new PersistentVolumeClaimBuilder()
                    .withNewMetadata().withName(claimName).withNamespace(ns).withLabels(labels).endMetadata()
                    .withSpec(spec).build()).create();
            // an API server ignores the status of a create (status subresource): the phase is written after it
            client().persistentVolumeClaims().inNamespace(ns).withName(claimName).editStatus(c -> {
                c.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder().withPhase(phase)
                        .build());
                return c;
            });
            return bindable;
        }
        if ("Bound".equals(live.getStatus() == null ? null : live.getStatus().getPhase())) {
            return true;
        }
        if (bindable) {
            client().persistentVolumeClaims().inNamespace(ns).withName(claimName).editStatus(c -> {
                c.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder()
                        .withPhase("Bound").build());
                return c;
            });
        }
        return bindable;
    }

    private String defaultStorageClass() {
        return client().storage().v1().storageClasses().list().getItems().stream()
                .filter(c -> c.getMetadata().getAnnotations() != null
                        && "true".equals(c.getMetadata().getAnnotations().get(DEFAULT_CLASS_ANNOTATION)))
                .map(c -> c.getMetadata().getName()).findFirst().orElse(null);
    }

    /** The pod {@code <name>-<i>}: running and ready when its claims are bound, else pending; true when ready. */
    private boolean pod(StatefulSet s, int i, String revision, boolean bound) {
        String ns = s.getMetadata().getNamespace();
        String podName = s.getMetadata().getName() + "-" + i;
        Pod live = client().pods().inNamespace(ns).withName(podName).get();
        boolean wasReady = live != null && live.getStatus() != null && "Running".equals(live.getStatus().getPhase());
        if (live != null && wasReady == bound) {
            return bound;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        ObjectMeta templateMeta = s.getSpec().getTemplate() == null ? null : s.getSpec().getTemplate().getMetadata();
        if (templateMeta != null && templateMeta.getLabels() != null) {
            labels.putAll(templateMeta.getLabels());
        }
        labels.put(POD_NAME_LABEL, podName);
        labels.put(REVISION_LABEL, revision);
        PodSpec spec = s.getSpec().getTemplate() == null || s.getSpec().getTemplate().getSpec() == null
                ? new PodSpec() : new io.fabric8.kubernetes.api.model.PodSpecBuilder(s.getSpec().getTemplate()
                .getSpec()).build();
        spec.setHostname(podName);
        spec.setSubdomain(s.getSpec().getServiceName());
        PodBuilder pod = new PodBuilder().withNewMetadata().withName(podName).withNamespace(ns).withLabels(labels)
                .addNewOwnerReference().withApiVersion("apps/v1").withKind("StatefulSet")
                .withName(s.getMetadata().getName()).withUid(s.getMetadata().getUid()).withController(true)
                .withBlockOwnerDeletion(true).endOwnerReference().endMetadata().withSpec(spec);
        if (bound) {
            pod.withNewStatus().withPhase("Running")
                    .addNewCondition().withType("PodScheduled").withStatus("True").endCondition()
                    .addNewCondition().withType("Initialized").withStatus("True").endCondition()
                    .addNewCondition().withType("ContainersReady").withStatus("True").endCondition()
                    .addNewCondition().withType("Ready").withStatus("True").endCondition()
                    .withContainerStatuses(spec.getContainers().stream().map(c -> new io.fabric8.kubernetes.api.model
                            .ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withReady(true)
                            .withStarted(true).withRestartCount(0).withNewState().withNewRunning().endRunning()
                            .endState().build()).toList())
                    .endStatus();
        } else {
            pod.withNewStatus().withPhase("Pending").addNewCondition().withType("PodScheduled").withStatus("False")
                    .withReason("Unschedulable").withMessage(UNBOUND_MESSAGE).endCondition().endStatus();
        }
        Pod updated = pod.build();
        if (live == null) {
            // an API server ignores the status of a create (status subresource): the status is written after it
            client().pods().inNamespace(ns).resource(new PodBuilder(updated).withStatus(null).build()).create();
        }
        client().pods().inNamespace(ns).withName(podName).editStatus(p -> {
            p.setStatus(updated.getStatus());
            return p;
        });
        return bound;
    }

    private void deletePods(StatefulSet s) {
        try {
            for (Pod p : client().pods().inNamespace(s.getMetadata().getNamespace()).withLabel(POD_NAME_LABEL).list()
                    .getItems()) {
                if (owned(p, s)) {
                    client().pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName())
                            .delete();
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("simulated StatefulSet controller: deleting the pods of {} failed: {}",
                    s.getMetadata().getName(), e.toString());
        }
    }

    private static boolean owned(Pod p, StatefulSet s) {
        return p.getMetadata().getOwnerReferences() != null && p.getMetadata().getOwnerReferences().stream()
                .anyMatch(o -> "StatefulSet".equals(o.getKind()) && s.getMetadata().getName().equals(o.getName()));
    }

    private static int ordinal(String pod, String set) {
        try {
            return Integer.parseInt(pod.substring(set.length() + 1));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** A short, stable hash of the pod template, as the controller's revision names carry. */
    private static String templateHash(StatefulSet s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(String.valueOf(s.getSpec().getTemplate())
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
