package dev.maas.installer.cluster;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
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
    /** KServe's deployment mode annotation (and {@code status.deploymentMode}). */
    public static final String DEPLOYMENT_MODE = "serving.kserve.io/deploymentMode";
    /** OpenShift AI's token authentication switch (kserve {@code constants_odh.go}, {@code ODHKserveRawAuth}). */
    public static final String ENABLE_AUTH = "security.opendatahub.io/enable-auth";
    /** Deployment modes (kserve {@code pkg/constants/constants.go}; Standard and Knative are the newer names). */
    static final String RAW = "RawDeployment";
    static final String STANDARD = "Standard";
    static final String SERVERLESS = "Serverless";
    static final String KNATIVE = "Knative";
    static final String MODEL_MESH = "ModelMesh";
    /** The auth proxy's port (kserve {@code constants_odh.go}, {@code OauthProxyPort}). */
    static final int AUTH_PROXY_PORT = 8443;
    /** The predictor Service's HTTP port (kserve {@code CommonDefaultHttpPort}). */
    static final int HTTP_PORT = 80;
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
        Services services = this::service;
        return items.stream().map(r -> toModel(r, services))
                .sorted(Comparator.comparing(DiscoveredModel::namespace).thenComparing(DiscoveredModel::name))
                .toList();
    }

    private Service service(String namespace, String name) {
        try {
            return client.services().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            LOG.debug("cannot read Service {}/{}: {}", namespace, name, e.getMessage());
            return null;
        }
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
                if (e2.getCode() != 403) {
                    throw ClusterErrors.translate(e2, "listing the namespaces to look for InferenceServices");
                }
                // neither projects nor namespaces may be listed: nothing can be looked for
                LOG.info("no served models looked for: you may list neither InferenceServices cluster-wide nor"
                        + " the projects");
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
        return toModel(r, (ns, name) -> null);
    }

    /** Reads a Service (null when absent or not readable). */
    @FunctionalInterface
    interface Services {
        Service get(String namespace, String name);
    }

    /**
     * The model, with the URL APIcast can reach it at, or the reason it cannot and what to do. What KServe writes
     * depends on how the model is served (opendatahub-io/kserve, {@code pkg/controller/v1beta1/inferenceservice/
     * reconcilers/ingress}):
     * <ul>
     *   <li>RawDeployment ({@code kube_ingress_reconciler.go}): the predictor Service
     *       {@code <isvc>-predictor.<ns>.svc.cluster.local} serves plain HTTP, on port 80 or, when the Service is
     *       headless, on the container's port; {@code status.address.url} takes its scheme from the ingress
     *       configuration in some releases ({@code urlScheme}, https in OpenShift AI's overlay) although nothing
     *       listens for TLS there, so the URL is built from the Service: {@code http://<host>:<port>};</li>
     *   <li>RawDeployment with {@code security.opendatahub.io/enable-auth: "true"} ({@code createRawURLODH}): the
     *       Service's only port is 8443, an auth proxy that wants a bearer token, which APIcast does not send;</li>
     *   <li>Serverless ({@code ingress_reconciler.go}): {@code status.address.url} is
     *       {@code https://<isvc>.<ns>.svc.cluster.local}, an ExternalName Service pointing at the service mesh's
     *       local gateway, reachable only from inside the mesh; {@code status.url} is the external route;</li>
     *   <li>ModelMesh (kserve/modelmesh-serving {@code inferenceservice_registry.go}): {@code status.url} is the
     *       gRPC endpoint of the shared {@code modelmesh-serving} Service; it speaks the KServe v2 inference
     *       protocol, not the OpenAI-compatible API the products publish.</li>
     * </ul>
     */
    static DiscoveredModel toModel(GenericKubernetesResource r, Services services) {
        String name = r.getMetadata().getName();
        String ns = Objects.requireNonNullElse(r.getMetadata().getNamespace(), "");
        Map<String, String> ann = r.getMetadata().getAnnotations() == null ? Map.of()
                : r.getMetadata().getAnnotations();
        String display = ann.get(DISPLAY_NAME);
        if (display == null || display.isBlank()) {
            display = name;
        }
        Map<String, Object> status = map(r.getAdditionalProperties().get("status"));
        boolean ready = false;
        String statusUrl = null;
        String addressUrl = null;
        String statusMode = null;
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
            addressUrl = address == null || address.get("url") == null ? null : String.valueOf(address.get("url"));
            statusUrl = status.get("url") == null ? null : String.valueOf(status.get("url"));
            statusMode = status.get("deploymentMode") == null ? null : String.valueOf(status.get("deploymentMode"));
        }
        String mode = mode(statusMode, ann.get(DEPLOYMENT_MODE), addressUrl, statusUrl);
        boolean auth = "true".equalsIgnoreCase(ann.getOrDefault(ENABLE_AUTH, ""));
        String problem = null;
        String fix = null;
        String url;
        switch (mode == null ? "" : mode) {
            case MODEL_MESH -> {
                url = null;
                String http = status == null || status.get("httpEndpoint") == null ? null
                        : String.valueOf(status.get("httpEndpoint"));
                problem = "served by ModelMesh, which speaks the KServe v2 inference protocol (gRPC"
                        + (statusUrl == null ? "" : " " + statusUrl) + (http == null ? "" : ", REST " + http)
                        + "), not the OpenAI-compatible API the products publish";
                fix = "serve it on the single-model serving platform (KServe, deployment mode RawDeployment) with an"
                        + " OpenAI-compatible runtime such as vLLM, or add its URL to the configuration by hand";
            }
            case SERVERLESS, KNATIVE -> {
                url = null;
                boolean external = statusUrl != null && !host(statusUrl).endsWith(".svc.cluster.local");
                problem = "a serverless (Knative) deployment: its cluster address"
                        + (addressUrl == null ? "" : " " + addressUrl) + " leads to the service mesh's local gateway"
                        + " (an ExternalName Service), which APIcast, outside the mesh, cannot use"
                        + (auth ? "; and it wants a bearer token (token authentication is on)" : "");
                fix = (external && !auth ? "give its external URL " + statusUrl + " as the model's url in the"
                        + " configuration, or " : "") + "deploy it in RawDeployment mode (annotation "
                        + DEPLOYMENT_MODE + ": RawDeployment)" + (auth ? " without token authentication" : "");
            }
            case RAW, STANDARD -> {
                if (auth || port(addressUrl) == AUTH_PROXY_PORT) {
                    url = null;
                    problem = "token authentication is on: it listens on " + AUTH_PROXY_PORT + " behind an auth"
                            + " proxy that wants a bearer token, which APIcast does not send";
                    fix = "turn token authentication off for it (OpenShift AI: the model deployment's 'Require token"
                            + " authentication'; annotation " + ENABLE_AUTH + ": \"false\"), or add it to the"
                            + " configuration by hand with an APIcast policy that sends a service account's token";
                } else {
                    url = rawUrl(name, ns, addressUrl, services);
                }
            }
            default -> url = addressUrl != null ? addressUrl : statusUrl;
        }
        return new DiscoveredModel(name, display, ns, ready, url, mode, problem, fix);
    }

    /**
     * KServe's {@code GetDeploymentMode} (utils.go): the mode recorded in the status, else the annotation; else what
     * the addresses show (a {@code -predictor} Service: raw; a gRPC URL: ModelMesh; an address without it: serverless).
     */
    private static String mode(String statusMode, String annotation, String addressUrl, String statusUrl) {
        if (statusMode != null && !statusMode.isBlank()) {
            return statusMode;
        }
        if (annotation != null && !annotation.isBlank()) {
            return annotation;
        }
        if (statusUrl != null && statusUrl.startsWith("grpc://")) {
            return MODEL_MESH;
        }
        if (addressUrl != null) {
            String host = host(addressUrl);
            String service = host.contains(".") ? host.substring(0, host.indexOf('.')) : host;
            return service.endsWith("-predictor") || service.contains("-predictor-")
                    || service.endsWith("-transformer") ? RAW : SERVERLESS;
        }
        return null;
    }

    /**
     * {@code http://<service>.<ns>.svc.cluster.local:<port>} of a raw deployment: the Service from the address (the
     * predictor's, or the transformer's), its HTTP port as KServe's service reconciler sets it (port 80 to the
     * container's port; a headless Service is reached on the container's port itself); without the Service, the
     * address's port, else 80.
     */
    private static String rawUrl(String name, String ns, String addressUrl, Services services) {
        String host = addressUrl == null ? name + "-predictor." + ns + ".svc.cluster.local" : host(addressUrl);
        if (!host.contains(".")) {
            host = host + "." + ns + ".svc.cluster.local";
        }
        String service = host.substring(0, host.indexOf('.'));
        int port = port(addressUrl);
        Service svc = services.get(ns, service);
        if (svc != null && svc.getSpec() != null && svc.getSpec().getPorts() != null) {
            boolean headless = "None".equals(svc.getSpec().getClusterIP());
            for (ServicePort p : svc.getSpec().getPorts()) {
                String pn = Objects.requireNonNullElse(p.getName(), "");
                if (pn.contains("grpc") || "kubernetes.io/h2c".equals(p.getAppProtocol())) {
                    continue;
                }
                Integer target = p.getTargetPort() == null ? null : p.getTargetPort().getIntVal();
                port = headless && target != null && target > 0 ? target : p.getPort();
                break;
            }
        }
        return "http://" + host + ":" + (port > 0 ? port : HTTP_PORT);
    }

    private static String host(String url) {
        try {
            String h = java.net.URI.create(url).getHost();
            return h == null ? "" : h;
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static int port(String url) {
        if (url == null) {
            return -1;
        }
        try {
            return java.net.URI.create(url).getPort();
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }
}
