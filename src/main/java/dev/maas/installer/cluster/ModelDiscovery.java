package dev.maas.installer.cluster;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Finds the KServe InferenceServices (serving.kserve.io/v1beta1) the user can read: cluster-wide when allowed,
 * else project by project (OpenShift lists only the projects the user can see). An API server without KServe
 * gives an empty list.
 */
public final class ModelDiscovery {
    public static final String API_VERSION = "serving.kserve.io/v1beta1";
    public static final String KIND = "InferenceService";
    public static final String DISPLAY_NAME = "openshift.io/display-name";
    /** Where InferenceServices live, without a discovery round trip. */
    public static final ResourceDefinitionContext CONTEXT = new ResourceDefinitionContext.Builder()
            .withGroup("serving.kserve.io").withVersion("v1beta1").withKind(KIND).withPlural("inferenceservices")
            .withNamespaced(true).build();
    private static final ResourceDefinitionContext PROJECTS = new ResourceDefinitionContext.Builder()
            .withGroup("project.openshift.io").withVersion("v1").withKind("Project").withPlural("projects")
            .withNamespaced(false).build();
    private static final Logger LOG = LoggerFactory.getLogger(ModelDiscovery.class);

    private final KubernetesClient client;

    public ModelDiscovery(KubernetesClient client) { this.client = client; }

    /** The models, sorted by namespace and name. */
    public List<DiscoveredModel> discover() {
        List<GenericKubernetesResource> items;
        try {
            items = client.genericKubernetesResources(CONTEXT).inAnyNamespace().list().getItems();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return List.of();
            }
            if (e.getCode() != 403) {
                throw ClusterErrors.translate(e, "listing InferenceServices");
            }
            items = perNamespace();
        }
        return items.stream().map(ModelDiscovery::toModel)
                .sorted(Comparator.comparing(DiscoveredModel::namespace).thenComparing(DiscoveredModel::name))
                .toList();
    }

    private List<GenericKubernetesResource> perNamespace() {
        List<String> namespaces = new ArrayList<>();
        try {
            client.genericKubernetesResources(PROJECTS).list().getItems()
                    .forEach(p -> namespaces.add(p.getMetadata().getName()));
        } catch (KubernetesClientException e) {
            try {
                client.namespaces().list().getItems().forEach(n -> namespaces.add(n.getMetadata().getName()));
            } catch (KubernetesClientException e2) {
                throw ClusterErrors.translate(e2, "listing the namespaces to look for InferenceServices");
            }
        }
        List<GenericKubernetesResource> out = new ArrayList<>();
        for (String ns : namespaces) {
            try {
                out.addAll(client.genericKubernetesResources(CONTEXT).inNamespace(ns).list().getItems());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 403 && e.getCode() != 404) {
                    throw ClusterErrors.translate(e, "listing InferenceServices in " + ns);
                }
                LOG.debug("no access to InferenceServices in {}", ns);
            }
        }
        return out;
    }

    static DiscoveredModel toModel(GenericKubernetesResource r) {
        String name = r.getMetadata().getName();
        Map<String, String> ann = r.getMetadata().getAnnotations();
        String display = ann == null ? null : ann.get(DISPLAY_NAME);
        if (display == null || display.isBlank()) {
            display = name;
        }
        Map<String, Object> status = map(r.getAdditionalProperties().get("status"));
        boolean ready = false;
        String url = null;
        if (status != null) {
            Object conditions = status.get("conditions");
            if (conditions instanceof List<?> list) {
                for (Object c : list) {
                    Map<String, Object> cm = map(c);
                    if (cm != null && "Ready".equals(cm.get("type")) && "True".equals(String.valueOf(cm.get("status")))) {
                        ready = true;
                    }
                }
            }
            Map<String, Object> address = map(status.get("address"));
            if (address != null && address.get("url") != null) {
                url = String.valueOf(address.get("url"));
            } else if (status.get("url") != null) {
                url = String.valueOf(status.get("url"));
            }
        }
        return new DiscoveredModel(name, display, Objects.requireNonNullElse(r.getMetadata().getNamespace(), ""),
                ready, url);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }
}
