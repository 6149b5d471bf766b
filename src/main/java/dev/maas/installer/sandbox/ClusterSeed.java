package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a fresh OpenShift cluster with OLM and OpenShift AI looks like to the installer, written through the API:
 * namespaces, the CRDs, the apps domain, StorageClasses, the operator catalog and the served models.
 */
final class ClusterSeed {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final String MARKETPLACE = "openshift-marketplace";
    static final List<String> MODEL_FIXTURES = List.of("granite-code-vllm-raw.yaml", "mistral-vllm-raw.yaml",
            "nomic-embed-raw.yaml");

    private final SandboxCluster cluster;
    private final SandboxCluster.Options options;
    private final KubernetesClient client;

    ClusterSeed(SandboxCluster cluster, SandboxCluster.Options options) {
        this.cluster = cluster;
        this.options = options;
        this.client = cluster.systemClient();
    }

    void seed() {
        List<String> namespaces = new ArrayList<>(List.of("default", "kube-system", "kube-public"));
        if (options.openshift()) {
            namespaces.addAll(List.of("openshift-config", SandboxIngress.CONFIG_MAP_NAMESPACE, "openshift-ingress",
                    MARKETPLACE, "openshift-operators"));
        }
        if (options.olm()) {
            for (String ns : List.of(MARKETPLACE, "openshift-operators", "openshift-operator-lifecycle-manager")) {
                if (!namespaces.contains(ns)) {
                    namespaces.add(ns);
                }
            }
        }
        if (options.models()) {
            namespaces.add(SandboxCluster.MODELS_NAMESPACE);
        }
        for (String ns : namespaces) {
            ObjectNode n = object("v1", "Namespace", ns, null);
            create(n);
        }
        crds();
        ObjectNode marker = object("v1", "ConfigMap", "maas-installer-sandbox", "kube-public");
        marker.putObject("data").put("sandbox", "true").put("appsDomain", options.appsDomain());
        create(marker);
        storage();
        if (options.openshift()) {
            openshift();
        }
        if (options.olm()) {
            catalog();
        }
        if (options.models()) {
            models();
        }
    }

    /** Parsed CRDs per source, shared by the test clusters of a JVM (parsing the YAML is the slow part). */
    private static final Map<String, List<ObjectNode>> PARSED = new java.util.concurrent.ConcurrentHashMap<>();

    private void crds() {
        List<ObjectNode> all = PARSED.computeIfAbsent(options.crdSource().describe(), k -> parse(options.crdSource()));
        for (ObjectNode crd : all) {
            if (!options.olm() && "operators.coreos.com".equals(crd.path("spec").path("group").asText())) {
                continue;
            }
            create(crd);
        }
    }

    private static List<ObjectNode> parse(CrdSource source) {
        List<ObjectNode> out = new ArrayList<>();
        for (CrdSource.Document doc : source.load()) {
            try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(doc.yaml())) {
                while (it.hasNext()) {
                    JsonNode crd = it.next();
                    if (crd instanceof ObjectNode o && "CustomResourceDefinition".equals(crd.path("kind").asText())) {
                        out.add(o);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read CRD " + doc.origin(), e);
            }
        }
        return List.copyOf(out);
    }

    private void storage() {
        ObjectNode standard = object("storage.k8s.io/v1", "StorageClass", "standard", null);
        standard.withObjectProperty("metadata").putObject("annotations")
                .put("storageclass.kubernetes.io/is-default-class", "true");
        standard.put("provisioner", "ebs.csi.aws.com").put("reclaimPolicy", "Delete")
                .put("volumeBindingMode", "WaitForFirstConsumer").put("allowVolumeExpansion", true);
        create(standard);
        if (options.rwxStorage()) {
            ObjectNode rwx = object("storage.k8s.io/v1", "StorageClass", SandboxCluster.RWX_STORAGE_CLASS, null);
            rwx.withObjectProperty("metadata").putObject("annotations")
                    .put("description", "Provides RWX Filesystem volumes (sandbox, CephFS like ODF)");
            rwx.put("provisioner", "openshift-storage.cephfs.csi.ceph.com").put("reclaimPolicy", "Delete")
                    .put("volumeBindingMode", "Immediate").put("allowVolumeExpansion", true);
            rwx.putObject("parameters").put("clusterID", "openshift-storage").put("fsName", "ocs-storagecluster-cephfilesystem");
            create(rwx);
        }
    }

    private void openshift() {
        ObjectNode ingress = object("config.openshift.io/v1", "Ingress", "cluster", null);
        ingress.putObject("spec").put("domain", options.appsDomain());
        create(ingress);
        ObjectNode version = object("config.openshift.io/v1", "ClusterVersion", "version", null);
        version.putObject("spec").put("channel", "stable-4.16").put("clusterID", "00000000-0000-4000-8000-000000000000");
        create(version);
        ObjectNode versionStatus = NODES.objectNode();
        ObjectNode vs = versionStatus.putObject("status");
        vs.putObject("desired").put("version", "4.16.0");
        vs.putArray("history").addObject().put("state", "Completed").put("version", "4.16.0");
        patchStatus("config.openshift.io/v1", "ClusterVersion", null, "version", versionStatus);
        ObjectNode infra = object("config.openshift.io/v1", "Infrastructure", "cluster", null);
        infra.putObject("spec");
        create(infra);
        ObjectNode infraStatus = NODES.objectNode();
        infraStatus.putObject("status").put("apiServerURL", cluster.url()).put("platform", "None")
                .put("infrastructureName", "sandbox");
        patchStatus("config.openshift.io/v1", "Infrastructure", null, "cluster", infraStatus);
        // cluster-ingress-operator publishes the default ingress certificate (its tls.crt: the wildcard leaf, then
        // the self-signed ingress CA) for everyone who must trust the router (certificate/controller.go, publish_ca.go)
        ObjectNode ingressCert = object("v1", "ConfigMap", SandboxIngress.CONFIG_MAP,
                SandboxIngress.CONFIG_MAP_NAMESPACE);
        ingressCert.putObject("data").put(SandboxIngress.CA_BUNDLE_KEY, cluster.ingress().servingChainPem());
        create(ingressCert);
    }

    private void catalog() {
        List<String> catalogs = new ArrayList<>();
        options.packages().forEach(p -> {
            if (!catalogs.contains(p.catalog())) {
                catalogs.add(p.catalog());
            }
        });
        if (!catalogs.contains(CatalogPackage.RED_HAT_CATALOG)) {
            catalogs.add(0, CatalogPackage.RED_HAT_CATALOG);
        }
        for (String catalog : catalogs) {
            ObjectNode source = object("operators.coreos.com/v1alpha1", "CatalogSource", catalog, MARKETPLACE);
            source.putObject("spec").put("sourceType", "grpc").put("displayName", CatalogPackage.displayName(catalog))
                    .put("publisher", CatalogPackage.publisher(catalog)).put("image", CatalogPackage.image(catalog));
            create(source);
            ObjectNode sourceStatus = NODES.objectNode();
            sourceStatus.putObject("status").putObject("connectionState").put("lastObservedState", "READY")
                    .put("address", catalog + "." + MARKETPLACE + ".svc:50051");
            patchStatus("operators.coreos.com/v1alpha1", "CatalogSource", MARKETPLACE, catalog, sourceStatus);
        }

        ObjectNode global = object("operators.coreos.com/v1", "OperatorGroup", "global-operators", "openshift-operators");
        global.putObject("spec");
        create(global);

        for (CatalogPackage p : options.packages()) {
            cluster.packageServer().put(packageManifest(p));
        }
    }

    /**
     * The PackageManifest OLM's package server makes of a catalog's package (OLM
     * {@code pkg/package-server/provider/registry.go}, {@code newPackageManifest}): labels {@code catalog},
     * {@code catalog-namespace} and {@code provider}, the catalog's name, display name and publisher, one channel
     * entry per channel (sorted by name) with its head CSV.
     */
    static ObjectNode packageManifest(CatalogPackage p) {
        ObjectNode pm = object("packages.operators.coreos.com/v1", "PackageManifest", p.name(), MARKETPLACE);
        pm.withObjectProperty("metadata").putObject("labels").put("catalog", p.catalog())
                .put("catalog-namespace", MARKETPLACE).put("provider", "Red-Hat")
                .put("operatorframework.io/arch.amd64", "supported");
        pm.putObject("spec");
        ObjectNode st = pm.putObject("status").put("catalogSource", p.catalog())
                .put("catalogSourceDisplayName", CatalogPackage.displayName(p.catalog()))
                .put("catalogSourcePublisher", CatalogPackage.publisher(p.catalog()))
                .put("catalogSourceNamespace", MARKETPLACE).put("packageName", p.name())
                .put("defaultChannel", p.defaultChannel());
        st.putObject("provider").put("name", "Red Hat");
        ArrayNode channels = st.putArray("channels");
        for (Map.Entry<String, String> c : new java.util.TreeMap<>(p.channels()).entrySet()) {
            String csv = c.getValue();
            String version = csv.contains(".v") ? csv.substring(csv.indexOf(".v") + 2) : csv.substring(csv.indexOf('.') + 1);
            ObjectNode ch = channels.addObject().put("name", c.getKey()).put("currentCSV", csv);
            ch.putObject("currentCSVDesc").put("displayName", p.name()).put("version", version)
                    .putArray("installModes")
                    .add(NODES.objectNode().put("type", "OwnNamespace").put("supported", true))
                    .add(NODES.objectNode().put("type", "SingleNamespace").put("supported", true))
                    .add(NODES.objectNode().put("type", "MultiNamespace").put("supported", false))
                    .add(NODES.objectNode().put("type", "AllNamespaces").put("supported", !p.name().equals("3scale-operator")));
        }
        return pm;
    }

    /**
     * The served models, one of each kind OpenShift AI serves, with the objects and statuses its controllers write
     * (opendatahub-io/kserve {@code stable-2.x}, {@code pkg/controller/v1beta1/inferenceservice/reconcilers}):
     * <ul>
     *   <li>the runbook's three raw deployments (the fixtures): predictor Services as KServe's service reconciler
     *       makes them ({@code service_reconciler.go}: port 80 to the container's port), headless (OpenShift AI's
     *       "Headless" raw service configuration, hence reached on the container's port 8080), and the status of
     *       {@code kube_ingress_reconciler.go}: {@code url} and {@code address.url}
     *       {@code http://<isvc>-predictor.<ns>.svc.cluster.local};</li>
     *   <li>a raw deployment with token authentication ({@code security.opendatahub.io/enable-auth}): its Service's
     *       only port is the auth proxy's 8443, and both URLs are {@code https://...:8443}
     *       ({@code createRawURLODH});</li>
     *   <li>a serverless deployment: an ExternalName Service to the mesh's local gateway, {@code address.url}
     *       {@code https://<isvc>.<ns>.svc.cluster.local} and the external route as {@code url}
     *       ({@code ingress_reconciler.go});</li>
     *   <li>a ModelMesh model: the shared {@code modelmesh-serving} Service, and the status modelmesh-serving writes
     *       ({@code pkg/predictor_source/inferenceservice_registry.go}: {@code url} the gRPC endpoint, the predictor
     *       status inline).</li>
     * </ul>
     */
    private void models() {
        String ns = SandboxCluster.MODELS_NAMESPACE;
        for (String file : MODEL_FIXTURES) {
            String text = CrdSource.read(ClusterSeed.class.getClassLoader(), "dev/maas/installer/sandbox/fixtures/" + file);
            try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
                while (it.hasNext()) {
                    JsonNode doc = it.next();
                    if (!(doc instanceof ObjectNode obj)) {
                        continue;
                    }
                    obj.withObjectProperty("metadata").put("namespace", ns);
                    if ("ServingRuntime".equals(obj.path("kind").asText()) && client.genericKubernetesResources(
                            obj.path("apiVersion").asText(), "ServingRuntime").inNamespace(ns)
                            .withName(obj.path("metadata").path("name").asText()).get() != null) {
                        continue; // several models share one runtime
                    }
                    create(obj);
                    if ("InferenceService".equals(obj.path("kind").asText())) {
                        String name = obj.path("metadata").path("name").asText();
                        int port = containerPort(ns, obj.path("spec").path("predictor").path("model").path("runtime")
                                .asText());
                        predictorService(ns, name, false, port);
                        String url = "http://" + name + "-predictor." + ns + ".svc.cluster.local";
                        ObjectNode status = readyStatus(RAW, url);
                        ((ObjectNode) status.path("status")).putObject("address").put("url", url);
                        patchStatus("serving.kserve.io/v1beta1", "InferenceService", ns, name, status);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read fixture " + file, e);
            }
        }
        rawWithAuth(ns);
        serverless(ns);
        modelMesh(ns);
    }

    private static final String RAW = "RawDeployment";
    private static final String DEPLOYMENT_MODE = "serving.kserve.io/deploymentMode";

    private void rawWithAuth(String ns) {
        String name = "llama-3-1-8b-instruct";
        ObjectNode isvc = inferenceService(ns, name, "Llama 3.1 8B Instruct", RAW, "vllm-2.12-6144", "vLLM");
        isvc.withObjectProperty("metadata").withObjectProperty("annotations")
                .put("security.opendatahub.io/enable-auth", "true");
        create(isvc);
        predictorService(ns, name, true, 8080);
        String url = "https://" + name + "-predictor." + ns + ".svc.cluster.local:8443";
        ObjectNode status = readyStatus(RAW, url);
        ((ObjectNode) status.path("status")).putObject("address").put("url", url);
        patchStatus("serving.kserve.io/v1beta1", "InferenceService", ns, name, status);
    }

    private void serverless(String ns) {
        String name = "qwen2-5-7b-instruct";
        create(inferenceService(ns, name, "Qwen2.5 7B Instruct", "Serverless", "vllm-2.12-6144", "vLLM"));
        // ingress_reconciler.go reconcileExternalService: the isvc-named Service is an ExternalName to the local
        // gateway (the inferenceservice-config's localGatewayService)
        ObjectNode svc = object("v1", "Service", name, ns);
        svc.putObject("spec").put("type", "ExternalName")
                .put("externalName", "kserve-local-gateway.istio-system.svc.cluster.local")
                .put("sessionAffinity", "None");
        create(svc);
        ObjectNode status = readyStatus("Serverless", "https://" + name + "-" + ns + "." + options.appsDomain());
        ObjectNode s = (ObjectNode) status.path("status");
        s.putObject("address").put("url", "https://" + name + "." + ns + ".svc.cluster.local");
        ObjectNode predictor = s.putObject("components").putObject("predictor");
        predictor.put("url", "https://" + name + "-predictor-" + ns + "." + options.appsDomain())
                .put("latestCreatedRevision", name + "-predictor-00001")
                .put("latestReadyRevision", name + "-predictor-00001");
        predictor.putObject("address").put("url", "http://" + name + "-predictor." + ns + ".svc.cluster.local");
        patchStatus("serving.kserve.io/v1beta1", "InferenceService", ns, name, status);
    }

    private void modelMesh(String ns) {
        ObjectNode runtime = object("serving.kserve.io/v1alpha1", "ServingRuntime", "ovms", ns);
        ObjectNode rs = runtime.putObject("spec").put("multiModel", true).put("grpcDataEndpoint", "port:8001")
                .put("grpcEndpoint", "port:8085");
        rs.putArray("supportedModelFormats").addObject().put("name", "onnx").put("version", "1")
                .put("autoSelect", true);
        ObjectNode container = rs.putArray("containers").addObject().put("name", "ovms")
                .put("image", "quay.io/modh/openvino_model_server:stable");
        container.putArray("args").add("--port=8001").add("--rest_port=8888");
        create(runtime);
        ObjectNode svc = object("v1", "Service", "modelmesh-serving", ns);
        ObjectNode spec = svc.putObject("spec");
        spec.putObject("selector").put("modelmesh-service", "modelmesh-serving");
        ArrayNode ports = spec.putArray("ports");
        ports.addObject().put("name", "grpc").put("port", 8033).put("targetPort", "grpc");
        ports.addObject().put("name", "http").put("port", 8008).put("targetPort", "http");
        create(svc);

        String name = "fraud-detection";
        create(inferenceService(ns, name, "Fraud detection", "ModelMesh", "ovms", "onnx"));
        String grpc = "grpc://modelmesh-serving." + ns + ":8033";
        ObjectNode status = NODES.objectNode();
        ObjectNode s = status.putObject("status").put("url", grpc).put("grpcEndpoint", grpc)
                .put("httpEndpoint", "http://modelmesh-serving." + ns + ":8008").put("available", true)
                .put("activeModelState", "Loaded").put("targetModelState", "").put("transitionStatus", "UpToDate")
                .put("totalCopies", 1).put("failedCopies", 0);
        s.putArray("conditions").addObject().put("type", "Ready").put("status", "True");
        patchStatus("serving.kserve.io/v1beta1", "InferenceService", ns, name, status);
    }

    private static ObjectNode inferenceService(String ns, String name, String display, String mode, String runtime,
                                               String format) {
        ObjectNode isvc = object("serving.kserve.io/v1beta1", "InferenceService", name, ns);
        ObjectNode meta = isvc.withObjectProperty("metadata");
        meta.putObject("annotations").put("openshift.io/display-name", display).put(DEPLOYMENT_MODE, mode)
                .put("serving.kserve.io/runtime", runtime);
        meta.putObject("labels").put("opendatahub.io/dashboard", "true");
        ObjectNode model = isvc.putObject("spec").putObject("predictor").put("minReplicas", 1)
                .putObject("model");
        model.put("runtime", runtime).putObject("modelFormat").put("name", format);
        model.putObject("storage").put("key", "aws-connection-models").put("path", name + "/");
        return isvc;
    }

    /** The status KServe writes for a ready model: conditions, deployment mode, URL and model status. */
    private static ObjectNode readyStatus(String mode, String url) {
        ObjectNode status = NODES.objectNode();
        ObjectNode s = status.putObject("status").put("url", url).put("deploymentMode", mode);
        ArrayNode conditions = s.putArray("conditions");
        for (String type : List.of("IngressReady", "PredictorReady", "Ready")) {
            conditions.addObject().put("type", type).put("status", "True")
                    .put("lastTransitionTime", "2025-01-01T00:00:00Z");
        }
        s.putObject("modelStatus").put("transitionStatus", "UpToDate")
                .putObject("states").put("activeModelState", "Loaded").put("targetModelState", "Loaded");
        return status;
    }

    /**
     * The predictor Service of a raw deployment (service_reconciler.go {@code createDefaultSvc}): port 80 named after
     * the container's port ("http") to the container's port, or, with token authentication, that port replaced by
     * the auth proxy's {@code https} 8443; headless, as OpenShift AI's "Headless" raw service configuration makes it.
     */
    private void predictorService(String ns, String isvc, boolean auth, int containerPort) {
        ObjectNode svc = object("v1", "Service", isvc + "-predictor", ns);
        ObjectNode spec = svc.putObject("spec").put("clusterIP", "None");
        spec.putObject("selector").put("app", "isvc." + isvc + "-predictor");
        ObjectNode port = spec.putArray("ports").addObject().put("protocol", "TCP");
        if (auth) {
            port.put("name", "https").put("port", 8443).put("targetPort", "https");
        } else {
            port.put("name", "http").put("port", 80).put("targetPort", containerPort);
        }
        create(svc);
    }

    /** The first container port of a ServingRuntime in the namespace (8080 when it names none). */
    private int containerPort(String ns, String runtime) {
        var r = client.genericKubernetesResources("serving.kserve.io/v1alpha1", "ServingRuntime").inNamespace(ns)
                .withName(runtime).get();
        JsonNode node = r == null ? NODES.objectNode() : JSON.valueToTree(r);
        int port = node.path("spec").path("containers").path(0).path("ports").path(0).path("containerPort").asInt(0);
        return port > 0 ? port : 8080;
    }

    // ---- helpers ----

    private static ObjectNode object(String apiVersion, String kind, String name, String namespace) {
        ObjectNode o = NODES.objectNode().put("apiVersion", apiVersion).put("kind", kind);
        ObjectNode meta = o.putObject("metadata").put("name", name);
        if (namespace != null) {
            meta.put("namespace", namespace);
        }
        return o;
    }

    private void create(ObjectNode obj) {
        GenericKubernetesResource r = JSON.convertValue(obj, GenericKubernetesResource.class);
        client.resource(r).create();
    }

    private void patchStatus(String apiVersion, String kind, String ns, String name, ObjectNode status) {
        var ops = client.genericKubernetesResources(apiVersion, kind);
        var resource = ns == null ? ops.withName(name) : ops.inNamespace(ns).withName(name);
        resource.subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), status.toString());
    }
}
