package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The Deployment status a real cluster's deployment controller and kubelets produce, so that {@code kubectl get
 * deploy}, {@code kubectl rollout status} and {@code kubectl wait --for=condition=Available} behave as they do on a
 * cluster. A new or changed Deployment is first progressing (all replicas updated, none available: condition
 * Available False MinimumReplicasUnavailable, Progressing True ReplicaSetUpdated), and after {@link #startup} its
 * pods are ready (Available True MinimumReplicasAvailable, Progressing True NewReplicaSetAvailable,
 * {@code observedGeneration} = {@code metadata.generation}); as kubernetes v1.29 pkg/controller/deployment
 * (sync.go syncRolloutStatus, util/deployment_util.go: reasons and messages) writes it.
 * <p>
 * The Deployments an APIManager owns start on the simulated 3scale operator's schedule ({@link ApiManagerSimulator}
 * decides when each becomes available, or that it never does); this controller only gives them the progressing
 * status until then, and completes the status once they are available.
 */
final class DeploymentController implements SimulatedOperator {
    private static final Logger LOG = LoggerFactory.getLogger(DeploymentController.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    static final ResourceDefinitionContext DEPLOYMENTS = new ResourceDefinitionContext.Builder()
            .withGroup("apps").withVersion("v1").withPlural("deployments").withKind("Deployment")
            .withNamespaced(true).build();

    private final Duration startup;
    /** uid@generation of the rollouts already scheduled. */
    private final Map<String, Boolean> scheduled = new ConcurrentHashMap<>();
    private SimulationContext context;
    private SharedIndexInformer<GenericKubernetesResource> informer;

    /** @param startup how long the pods of a new or changed Deployment take to become ready */
    DeploymentController(Duration startup) {
        this.startup = startup;
    }

    @Override
    public String name() {
        return "deployment-controller";
    }

    @Override
    public void start(SimulationContext ctx) {
        this.context = ctx;
        informer = ctx.client().genericKubernetesResources(DEPLOYMENTS).inAnyNamespace()
                .inform(ctx.reconciler(name(), this::reconcile, d -> { }), 0);
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
    }

    private void reconcile(GenericKubernetesResource event) {
        JsonNode d = JSON.valueToTree(event);
        JsonNode status = d.path("status");
        long generation = d.path("metadata").path("generation").asLong(1);
        boolean available = condition(status, "Available", "True");
        if (ownedByApiManager(d)) {
            if (!available && (status.isMissingNode() || status.isNull() || status.isEmpty())) {
                write(d, progressing(d, generation));
            } else if (available) {
                ObjectNode done = available(d, generation);
                if (!sameCounts(status, done) || !condition(status, "Progressing", "True")
                        || status.path("observedGeneration").asLong(0) < generation) {
                    write(d, done);
                }
            }
            return;
        }
        if (available && status.path("observedGeneration").asLong(0) >= generation
                && sameCounts(status, available(d, generation))) {
            return;
        }
        String key = d.path("metadata").path("uid").asText() + "@" + generation;
        if (scheduled.putIfAbsent(key, Boolean.TRUE) != null) {
            return;
        }
        write(d, progressing(d, generation));
        context.scheduler().schedule(() -> {
            try {
                GenericKubernetesResource now = context.client().genericKubernetesResources(DEPLOYMENTS)
                        .inNamespace(event.getMetadata().getNamespace()).withName(event.getMetadata().getName()).get();
                if (now == null) {
                    return;
                }
                JsonNode current = JSON.valueToTree(now);
                if (current.path("metadata").path("generation").asLong(1) == generation) {
                    write(current, available(current, generation));
                }
            } catch (RuntimeException e) {
                LOG.debug("deployment controller: {}/{}: {}", event.getMetadata().getNamespace(),
                        event.getMetadata().getName(), e.toString());
            }
        }, startup.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static boolean ownedByApiManager(JsonNode d) {
        for (JsonNode ref : d.path("metadata").path("ownerReferences")) {
            if (ref.path("kind").asText().equals("APIManager")) {
                return true;
            }
        }
        return false;
    }

    private static boolean condition(JsonNode status, String type, String value) {
        for (JsonNode c : status.path("conditions")) {
            if (c.path("type").asText().equals(type)) {
                return c.path("status").asText().equals(value);
            }
        }
        return false;
    }

    private static boolean sameCounts(JsonNode status, JsonNode wanted) {
        for (String f : new String[] {"replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
                "unavailableReplicas"}) {
            if (status.path(f).asLong(0) != wanted.path(f).asLong(0)) {
                return false;
            }
        }
        return true;
    }

    private static long replicas(JsonNode d) {
        // pkg/apis/apps/v1/defaults.go: spec.replicas defaults to 1
        return d.path("spec").path("replicas").asLong(1);
    }

    /** The rollout under way: every replica updated, none ready yet. */
    private static ObjectNode progressing(JsonNode d, long generation) {
        long replicas = replicas(d);
        ObjectNode s = NODES.objectNode().put("observedGeneration", generation);
        if (replicas > 0) {
            s.put("replicas", replicas).put("updatedReplicas", replicas).put("unavailableReplicas", replicas);
        }
        String now = now();
        ArrayNode conditions = s.putArray("conditions");
        // pkg/controller/deployment/util/deployment_util.go: MinimumReplicasUnavailable, ReplicaSetUpdatedReason
        conditions.addObject().put("type", "Available").put("status", replicas > 0 ? "False" : "True")
                .put("lastUpdateTime", now).put("lastTransitionTime", now)
                .put("reason", replicas > 0 ? "MinimumReplicasUnavailable" : "MinimumReplicasAvailable")
                .put("message", replicas > 0 ? "Deployment does not have minimum availability."
                        : "Deployment has minimum availability.");
        conditions.addObject().put("type", "Progressing").put("status", "True")
                .put("lastUpdateTime", now).put("lastTransitionTime", now).put("reason", "ReplicaSetUpdated")
                .put("message", "ReplicaSet \"" + replicaSetName(d) + "\" is progressing.");
        return s;
    }

    /** The rollout done: every replica updated, ready and available. */
    private static ObjectNode available(JsonNode d, long generation) {
        long replicas = replicas(d);
        ObjectNode s = NODES.objectNode().put("observedGeneration", generation);
        if (replicas > 0) {
            s.put("replicas", replicas).put("updatedReplicas", replicas).put("readyReplicas", replicas)
                    .put("availableReplicas", replicas);
        }
        String now = now();
        ArrayNode conditions = s.putArray("conditions");
        conditions.addObject().put("type", "Available").put("status", "True")
                .put("lastUpdateTime", now).put("lastTransitionTime", now).put("reason", "MinimumReplicasAvailable")
                .put("message", "Deployment has minimum availability.");
        conditions.addObject().put("type", "Progressing").put("status", "True")
                .put("lastUpdateTime", now).put("lastTransitionTime", now).put("reason", "NewReplicaSetAvailable")
                .put("message", "ReplicaSet \"" + replicaSetName(d) + "\" has successfully progressed.");
        return s;
    }

    /**
     * The name of the Deployment's ReplicaSet: its name and the hash of its pod template, in the safe alphabet the
     * controller uses (pkg/controller/controller_utils.go ComputeHash, apimachinery rand.SafeEncodeString).
     */
    static String replicaSetName(JsonNode d) {
        String template = d.path("spec").path("template").toString();
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(template.getBytes(StandardCharsets.UTF_8));
            String alphabet = "bcdfghjklmnpqrstvwxz2456789";
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                sb.append(alphabet.charAt((hash[i] & 0xff) % alphabet.length()));
            }
            return d.path("metadata").path("name").asText() + "-" + sb;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces the status, conditional on the object's resourceVersion: a newer write wins. */
    private void write(JsonNode d, ObjectNode status) {
        ObjectNode updated = ((ObjectNode) d).deepCopy();
        updated.set("status", status);
        try {
            context.client().genericKubernetesResources(DEPLOYMENTS)
                    .inNamespace(d.path("metadata").path("namespace").asText())
                    .resource(Serialization.unmarshal(updated.toString(), GenericKubernetesResource.class))
                    .updateStatus();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409 && e.getCode() != 404) {
                throw e;
            }
            // changed meanwhile: the informer brings the newer version
        }
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
