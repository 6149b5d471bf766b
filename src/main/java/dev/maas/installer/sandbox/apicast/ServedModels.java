package dev.maas.installer.sandbox.apicast;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sandbox's cluster network for the gateway's upstreams: a host and port is answered when a KServe
 * InferenceService of the cluster is reached there (its predictor Service as the cluster's DNS and Service
 * routing reach it, see {@link #throughService}, or {@code status.url}, its Route), by a {@link ModelStandIn} started for that model on first use. The stand-in
 * serves the InferenceService's name as its model id (the vLLM runtime's {@code --served-model-name={{.Name}}}),
 * and embeds instead of generating when the model's ServingRuntime runs text-embeddings-inference. Anything else
 * answers the operations of the model's OpenAPI document as the 3scale simulator holds it (the ActiveDocs spec of
 * the products using the model), vLLM's routes without one. Anything else does not resolve (the gateway then answers 503, as APIcast does for an upstream without a peer).
 */
public final class ServedModels implements ApicastGateway.Upstreams, AutoCloseable {
    private static final String KSERVE = "serving.kserve.io/v1alpha1";

    private final KubernetesClient client;
    private final dev.maas.installer.sandbox.threescale.SimStore store;
    private final Map<String, ModelStandIn> standIns = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** {@code store}: where the models' OpenAPI documents are (null: every stand-in has vLLM's routes). */
    public ServedModels(KubernetesClient client, dev.maas.installer.sandbox.threescale.SimStore store) {
        this.client = client;
        this.store = store;
    }

    @Override
    public Optional<String> resolve(String scheme, String host, int port) {
        if (closed || host == null) {
            return Optional.empty();
        }
        String wanted = host.toLowerCase(Locale.ROOT);
        try {
            Optional<GenericKubernetesResource> isvc = throughService(scheme, wanted, port)
                    .or(() -> throughRoute(scheme, wanted, port));
            return isvc.map(m -> standIn(m, scheme + "://" + wanted + ":" + port));
        } catch (KubernetesClientException e) {
            return Optional.empty();
        }
    }

    /**
     * A cluster DNS name {@code <service>.<ns>.svc[.cluster.local]}: the predictor (or transformer) Service of an
     * InferenceService, reached over plain HTTP on one of its ports, or, when the Service is headless (its DNS name
     * is the pods' addresses), on the container's port itself. An ExternalName Service (a serverless model's address:
     * the mesh's local gateway) is not reachable from outside the mesh; the auth proxy's https port wants a token.
     */
    private Optional<GenericKubernetesResource> throughService(String scheme, String host, int port) {
        String[] labels = host.split("\\.");
        boolean clusterName = labels.length == 2 || labels.length >= 3 && labels[2].equals("svc")
                && (labels.length == 3 || host.endsWith(".svc.cluster.local") && labels.length == 5);
        if (!clusterName || !scheme.equals("http")) {
            return Optional.empty();
        }
        Service svc = client.services().inNamespace(labels[1]).withName(labels[0]).get();
        if (svc == null || svc.getSpec() == null || "ExternalName".equals(svc.getSpec().getType())
                || svc.getSpec().getPorts() == null) {
            return Optional.empty();
        }
        boolean headless = "None".equals(svc.getSpec().getClusterIP());
        boolean served = svc.getSpec().getPorts().stream().anyMatch(p -> !"https".equals(p.getName())
                && (headless ? p.getTargetPort() != null && Integer.valueOf(port).equals(p.getTargetPort().getIntVal())
                        : p.getPort() != null && p.getPort() == port));
        if (!served) {
            return Optional.empty();
        }
        String name = labels[0].replaceFirst("-(predictor|transformer)$", "");
        return Optional.ofNullable(client.genericKubernetesResources("serving.kserve.io/v1beta1", "InferenceService")
                .inNamespace(labels[1]).withName(name).get());
    }

    /** The external URL of an InferenceService ({@code status.url} on the apps domain), through the router. */
    private Optional<GenericKubernetesResource> throughRoute(String scheme, String host, int port) {
        for (GenericKubernetesResource isvc : client.genericKubernetesResources("serving.kserve.io/v1beta1",
                "InferenceService").inAnyNamespace().list().getItems()) {
            Map<String, Object> status = isvc.get("status") instanceof Map<?, ?> m ? cast(m) : Map.of();
            String route = status.get("url") instanceof String s ? s : null;
            if (route != null && !route.contains(".svc") && reaches(route, scheme, host, port)) {
                return Optional.of(isvc);
            }
        }
        return Optional.empty();
    }

    private String standIn(GenericKubernetesResource isvc, String origin) {
        String ns = isvc.getMetadata().getNamespace();
        String name = isvc.getMetadata().getName();
        Map<String, Object> status = isvc.get("status") instanceof Map<?, ?> m ? cast(m) : Map.of();
        String route = status.get("url") instanceof String s ? s : null;
        java.util.List<String> urls = java.util.stream.Stream.of(origin, route).filter(java.util.Objects::nonNull)
                .toList();
        return standIns.computeIfAbsent(ns + "/" + name, k -> ModelStandIn.start(name, kind(isvc),
                () -> store == null ? java.util.List.of() : ModelDocuments.operations(store, urls))).url();
    }

    /** The stand-ins started so far, by "namespace/name". */
    public Map<String, ModelStandIn> standIns() {
        return Map.copyOf(standIns);
    }

    private static boolean reaches(String url, String scheme, String host, int port) {
        if (url == null || url.isBlank()) {
            return false;
        }
        URI u = URI.create(url);
        String s = u.getScheme() == null ? "http" : u.getScheme().toLowerCase(Locale.ROOT);
        int p = u.getPort() > 0 ? u.getPort() : s.equals("https") ? 443 : 80;
        return host.equals(u.getHost()) && p == port && s.equals(scheme);
    }

    /** EMBED when the ServingRuntime's container is text-embeddings-inference. */
    private ModelStandIn.Kind kind(GenericKubernetesResource isvc) {
        Object runtime = path(isvc.getAdditionalProperties().get("spec"), "predictor", "model", "runtime");
        if (runtime instanceof String name) {
            try {
                GenericKubernetesResource sr = client.genericKubernetesResources(KSERVE, "ServingRuntime")
                        .inNamespace(isvc.getMetadata().getNamespace()).withName(name).get();
                if (sr != null && String.valueOf(sr.getAdditionalProperties().get("spec"))
                        .contains("text-embeddings-inference")) {
                    return ModelStandIn.Kind.EMBED;
                }
            } catch (KubernetesClientException e) {
                // no runtime to read: a generative model
            }
        }
        return ModelStandIn.Kind.GENERATE;
    }

    private static Object path(Object node, String... keys) {
        Object n = node;
        for (String k : keys) {
            if (!(n instanceof Map<?, ?> m)) {
                return null;
            }
            n = m.get(k);
        }
        return n;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    @Override
    public void close() {
        closed = true;
        standIns.values().forEach(ModelStandIn::close);
        standIns.clear();
    }
}
