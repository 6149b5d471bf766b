package dev.maas.installer.stages.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.cluster.Waits;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.stages.common.ClusterFacts;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static dev.maas.installer.stages.threescale.ThreescaleStage.APIMANAGER;
import static dev.maas.installer.stages.threescale.ThreescaleStage.APIMANAGERS;
import static dev.maas.installer.stages.threescale.ThreescaleStage.DATABASE_PVCS;
import static dev.maas.installer.stages.threescale.ThreescaleStage.DIAGNOSE_EVERY;
import static dev.maas.installer.stages.threescale.ThreescaleStage.ROUTES;
import static dev.maas.installer.stages.threescale.ThreescaleStage.STORAGE_PVC;

/**
 * The wait for the APIManager to become Available, and what is said when it does not: failed preflights, database
 * volumes without a StorageClass, Routes the router does not admit, system storage without ReadWriteMany, images
 * that cannot be pulled.
 */
final class ApiManagerWait {
    private static final Logger LOG = LoggerFactory.getLogger(ThreescaleStage.class);

    private final Duration apiManagerTimeout;

    ApiManagerWait(Duration apiManagerTimeout) {
        this.apiManagerTimeout = apiManagerTimeout;
    }

    /**
     * Waits (watching the APIManager) until it is Available. States that waiting cannot change end the wait at once:
     * failed preflights (condition Preflights), database volumes without a StorageClass, a Route host another Route
     * holds; they are looked for every {@value #DIAGNOSE_SECONDS} s. At the timeout, {@link #stuck} says why.
     */
    void waitAvailable(KubernetesClient client, String namespace, StageContext ctx, Progress progress) {
        long deadline = System.nanoTime() + apiManagerTimeout.toNanos();
        GenericKubernetesResource last = null;
        String[] shown = new String[1];
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw stuck(client, namespace, last);
            }
            Duration slice = Duration.ofNanos(Math.min(left, DIAGNOSE_EVERY.toNanos()));
            try {
                Waits.until(client.genericKubernetesResources(APIMANAGERS).inNamespace(namespace)
                                .withName(APIMANAGER),
                        am -> {
                            preflightsFailure(am, namespace).ifPresent(e -> {
                                throw e;
                            });
                            return isAvailable(am);
                        }, slice, ctx.cancellation(), progress, am -> {
                            String line = describe(am);
                            if (line.equals(shown[0])) {
                                return null;
                            }
                            shown[0] = line;
                            return line;
                        }, "APIManager " + APIMANAGER + " Available");
                return;
            } catch (Waits.TimeoutError e) {
                if (e.last() != null) {
                    last = (GenericKubernetesResource) e.last();
                }
                Optional<StageException> hopeless = hopeless(client, namespace, last);
                if (hopeless.isPresent()) {
                    throw hopeless.get();
                }
            }
        }
    }

    static final long DIAGNOSE_SECONDS = 10;

    /**
     * The APIManager's condition Preflights when it says the preflights failed (3scale-operator
     * apimanager_status_reconciler.go reconcilePreflightsStatus: "Preflights failed - ..."; with 2.16's external
     * databases of a version the operator does not accept). The operator retries only every 10 minutes.
     */
    static Optional<StageException> preflightsFailure(GenericKubernetesResource am, String ns) {
        if (am == null) {
            return Optional.empty();
        }
        for (JsonNode c : ThreescaleStage.Json.MAPPER.valueToTree(am).path("status").path("conditions")) {
            if ("Preflights".equals(c.path("type").asText()) && "False".equals(c.path("status").asText())
                    && c.path("message").asText().startsWith("Preflights failed")) {
                return Optional.of(new StageException("3scale's preflight checks failed (condition Preflights of"
                        + " APIManager " + APIMANAGER + "): " + c.path("message").asText(),
                        Fix.manual("make the databases that Secrets " + String.join(", ",
                                ClusterFacts.EXTERNAL_DB_SECRETS) + " in " + ns + " point to reachable and of the"
                                + " versions the 3scale operator requires (ConfigMap"
                                + " 3scale-api-management-operator-requirements in " + ns + "), then rerun the"
                                + " stage")));
            }
        }
        return Optional.empty();
    }

    /** A state of the install that waiting cannot change, or empty. */
    private Optional<StageException> hopeless(KubernetesClient client, String namespace, GenericKubernetesResource last) {
        try {
            Optional<StageException> preflights = preflightsFailure(last, namespace);
            if (preflights.isPresent()) {
                return preflights;
            }
            List<String> unclassified = pendingDatabaseClaims(client, namespace, true);
            if (!unclassified.isEmpty()) {
                return Optional.of(databaseStorageStuck(namespace, unclassified, last, true));
            }
            List<String> claimed = rejectedRoutes(client, namespace, true);
            if (!claimed.isEmpty()) {
                return Optional.of(routesStuck(namespace, claimed, last));
            }
        } catch (KubernetesClientException e) {
            LOG.debug("could not look at the 3scale install: {}", e.getMessage());
        }
        return Optional.empty();
    }

    /**
     * The Pending PVCs of the internal databases (2.15: mysql-storage, backend-redis-storage, system-redis-storage);
     * with {@code withoutClass}, only those that name no StorageClass while the cluster has no default one: nothing
     * will ever bind them.
     */
    private static List<String> pendingDatabaseClaims(KubernetesClient client, String ns, boolean withoutClass) {
        List<String> out = new ArrayList<>();
        boolean hasDefault = !withoutClass || ClusterFacts.storageClasses(client).stream().anyMatch(c ->
                c.getMetadata().getAnnotations() != null && "true".equals(c.getMetadata().getAnnotations()
                        .get("storageclass.kubernetes.io/is-default-class")));
        for (String name : DATABASE_PVCS) {
            var pvc = client.persistentVolumeClaims().inNamespace(ns).withName(name).get();
            if (pvc == null || pvc.getStatus() == null || !"Pending".equals(pvc.getStatus().getPhase())) {
                continue;
            }
            String sc = pvc.getSpec() == null ? null : pvc.getSpec().getStorageClassName();
            if (!withoutClass || ((sc == null || sc.isBlank()) && !hasDefault)) {
                out.add(name);
            }
        }
        return out;
    }

    private StageException databaseStorageStuck(String ns, List<String> claims, GenericKubernetesResource last,
                                                boolean noDefaultClass) {
        String progressLine = last == null ? "the APIManager has no status yet" : describe(last);
        return new StageException("3scale is stuck: the volumes of its databases (PVC " + String.join(", ", claims)
                + ") stay Pending, so the databases cannot start (" + progressLine + ")."
                + (noDefaultClass ? " They name no StorageClass and the cluster has no default StorageClass"
                : " Their StorageClass provides no volume"),
                Fix.manual("make a StorageClass with ReadWriteOnce volumes the cluster default (`oc patch"
                        + " storageclass <name> -p '{\"metadata\":{\"annotations\":{\"storageclass.kubernetes.io/"
                        + "is-default-class\":\"true\"}}}'`; Kubernetes 1.28 and later then gives it to the Pending"
                        + " claims), check `oc describe pvc -n " + ns + "`, then rerun the stage"));
    }

    /**
     * The expected Routes the router did not admit, as "host: reason: message"; with {@code claimedOnly}, only those
     * rejected with HostAlreadyClaimed (another, older Route exposes the host; openshift/router unique_host.go).
     */
    static List<String> rejectedRoutes(KubernetesClient client, String ns, boolean claimedOnly) {
        List<String> out = new ArrayList<>();
        for (GenericKubernetesResource r : client.genericKubernetesResources(ROUTES).inNamespace(ns).list()
                .getItems()) {
            JsonNode node = ThreescaleStage.Json.MAPPER.valueToTree(r);
            for (JsonNode in : node.path("status").path("ingress")) {
                for (JsonNode c : in.path("conditions")) {
                    if ("Admitted".equals(c.path("type").asText()) && "False".equals(c.path("status").asText())
                            && (!claimedOnly || "HostAlreadyClaimed".equals(c.path("reason").asText()))) {
                        out.add(node.path("spec").path("host").asText() + ": " + c.path("reason").asText() + ": "
                                + c.path("message").asText());
                    }
                }
            }
        }
        return out;
    }

    private StageException routesStuck(String ns, List<String> rejected, GenericKubernetesResource last) {
        String progressLine = last == null ? "the APIManager has no status yet" : describe(last);
        return new StageException("3scale is stuck: the router does not admit its Routes (" + String.join("; ",
                rejected) + "), and the APIManager is Available only with all of them (" + progressLine + ")",
                Fix.manual("another Route already exposes the host: find it with `oc get routes -A | grep <host>`,"
                        + " delete it or move it to another host (or choose another threescale.tenantName for the"
                        + " tenant's hosts), then rerun the stage"));
    }

    static boolean isAvailable(GenericKubernetesResource am) {
        return am != null && "True".equals(condition(ThreescaleStage.Json.MAPPER.valueToTree(am), "Available"));
    }

    static String condition(JsonNode obj, String type) {
        for (JsonNode c : obj.path("status").path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return c.path("status").asText();
            }
        }
        return null;
    }

    /** "n of 15 deployments available", from the operator's status.deployments. */
    static String describe(GenericKubernetesResource am) {
        JsonNode deployments = ThreescaleStage.Json.MAPPER.valueToTree(am).path("status").path("deployments");
        int ready = deployments.path("ready").size();
        int total = ready + deployments.path("starting").size() + deployments.path("stopped").size();
        if (total == 0) {
            return "waiting for the 3scale operator to create the deployments";
        }
        if (ready < total) {
            return ready + " of " + total + " deployments available";
        }
        return isAvailable(am) ? "all " + total + " deployments available; APIManager Available"
                : "all " + total + " deployments available; waiting for the routes and condition Available";
    }

    /** Why 3scale is not available: a Pending system storage PVC, pods that cannot pull images, or what is left. */
    private StageException stuck(KubernetesClient client, String namespace, GenericKubernetesResource last) {
        String ns = namespace;
        String progressLine = last == null ? "the APIManager does not exist" : describe(last);
        try {
            Optional<StageException> preflights = preflightsFailure(last, ns);
            if (preflights.isPresent()) {
                return preflights.get();
            }
            List<String> databases = pendingDatabaseClaims(client, ns, false);
            if (!databases.isEmpty()) {
                return databaseStorageStuck(ns, databases, last, !pendingDatabaseClaims(client, ns, true).isEmpty());
            }
            List<String> rejected = rejectedRoutes(client, ns, false);
            if (!rejected.isEmpty()) {
                return routesStuck(ns, rejected, last);
            }
            var pvc = client.persistentVolumeClaims().inNamespace(ns).withName(STORAGE_PVC).get();
            if (pvc != null && pvc.getStatus() != null && "Pending".equals(pvc.getStatus().getPhase())) {
                String sc = pvc.getSpec() == null ? null : pvc.getSpec().getStorageClassName();
                return new StageException("3scale is stuck: its system storage (PVC " + STORAGE_PVC + ", ReadWriteMany)"
                        + " stays Pending, so system-app cannot start (" + progressLine + "). The StorageClass "
                        + (sc == null ? "(cluster default)" : sc) + " cannot provide ReadWriteMany volumes: the"
                        + " cluster has no RWX storage for 3scale",
                        Fix.configField("threescale.storage.storageClass", "install RWX storage (e.g. OpenShift Data"
                                + " Foundation CephFS, NFS) and name its StorageClass here, or set"
                                + " threescale.storage.type to s3; then delete PVC " + STORAGE_PVC + " in " + ns
                                + " and rerun the stage"));
            }
            List<String> pulls = new ArrayList<>();
            for (var pod : client.pods().inNamespace(ns).list().getItems()) {
                if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
                    continue;
                }
                for (var cs : pod.getStatus().getContainerStatuses()) {
                    var waiting = cs.getState() == null ? null : cs.getState().getWaiting();
                    if (waiting != null && ("ImagePullBackOff".equals(waiting.getReason())
                            || "ErrImagePull".equals(waiting.getReason())
                            || "InvalidImageName".equals(waiting.getReason()))) {
                        pulls.add(pod.getMetadata().getName() + " (" + cs.getImage() + ": " + waiting.getReason() + ")");
                    }
                }
            }
            if (!pulls.isEmpty()) {
                return new StageException("3scale is stuck: pods cannot pull their images: " + String.join("; ", pulls)
                        + " (" + progressLine + ")",
                        Fix.manual("check the cluster's pull secret for registry.redhat.io (`oc get secret/pull-secret"
                                + " -n openshift-config`) or the image mirror, then rerun the stage"));
            }
        } catch (KubernetesClientException e) {
            LOG.warn("could not diagnose the APIManager: {}", e.getMessage());
        }
        return new StageException("3scale did not become available within " + human(apiManagerTimeout) + ": "
                + progressLine,
                Fix.manual("check `oc get apimanager " + APIMANAGER + " -n " + ns + " -o yaml` and `oc get pods -n " + ns
                        + "`; rerun the stage to keep waiting"));
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        return s < 120 ? s + " s" : (s / 60) + " min";
    }
}
