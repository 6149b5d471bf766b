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

    private final TestCluster cluster;
    private final TestCluster.Options options;
    private final KubernetesClient client;

    ClusterSeed(TestCluster cluster, TestCluster.Options options) {
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
            namespaces.add(TestCluster.MODELS_NAMESPACE);
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
            ObjectNode rwx = object("storage.k8s.io/v1", "StorageClass", TestCluster.RWX_STORAGE_CLASS, null);
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
        ObjectNode source = object("operators.coreos.com/v1alpha1", "CatalogSource", "redhat-operators", MARKETPLACE);
        source.putObject("spec").put("sourceType", "grpc").put("displayName", "Red Hat Operators")
                .put("publisher", "Red Hat").put("image", "registry.redhat.io/redhat/redhat-operator-index:v4.16");
        create(source);
        ObjectNode sourceStatus = NODES.objectNode();
        sourceStatus.putObject("status").putObject("connectionState").put("lastObservedState", "READY")
                .put("address", "redhat-operators.openshift-marketplace.svc:50051");
        patchStatus("operators.coreos.com/v1alpha1", "CatalogSource", MARKETPLACE, "redhat-operators", sourceStatus);

        ObjectNode global = object("operators.coreos.com/v1", "OperatorGroup", "global-operators", "openshift-operators");
        global.putObject("spec");
        create(global);

        for (CatalogPackage p : options.packages()) {
            ObjectNode pm = object("packages.operators.coreos.com/v1", "PackageManifest", p.name(), MARKETPLACE);
            pm.withObjectProperty("metadata").putObject("labels").put("catalog", p.catalog()).put("catalog-namespace", MARKETPLACE)
                    .put("provider", "Red-Hat").put("operatorframework.io/arch.amd64", "supported");
            pm.putObject("spec");
            ObjectNode st = pm.putObject("status").put("catalogSource", p.catalog())
                    .put("catalogSourceDisplayName", "Red Hat Operators").put("catalogSourcePublisher", "Red Hat")
                    .put("catalogSourceNamespace", MARKETPLACE).put("packageName", p.name())
                    .put("defaultChannel", p.defaultChannel());
            st.putObject("provider").put("name", "Red Hat");
            ArrayNode channels = st.putArray("channels");
            for (Map.Entry<String, String> c : p.channels().entrySet()) {
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
            create(pm);
        }
    }

    private void models() {
        String ns = TestCluster.MODELS_NAMESPACE;
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
                        ObjectNode status = NODES.objectNode();
                        ObjectNode s = status.putObject("status")
                                .put("url", "https://" + name + "-" + ns + "." + options.appsDomain());
                        s.putObject("address").put("url", "http://" + name + "-predictor." + ns + ".svc.cluster.local:8080");
                        ArrayNode conditions = s.putArray("conditions");
                        for (String type : List.of("IngressReady", "PredictorReady", "Ready")) {
                            conditions.addObject().put("type", type).put("status", "True")
                                    .put("lastTransitionTime", "2025-01-01T00:00:00Z");
                        }
                        s.putObject("modelStatus").put("transitionStatus", "UpToDate")
                                .putObject("states").put("activeModelState", "Loaded").put("targetModelState", "Loaded");
                        patchStatus("serving.kserve.io/v1beta1", "InferenceService", ns, name, status);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read fixture " + file, e);
            }
        }
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
