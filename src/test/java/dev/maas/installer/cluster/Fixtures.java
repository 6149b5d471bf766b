package dev.maas.installer.cluster;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.openshift.api.model.config.v1.IngressBuilder;
import io.fabric8.openshift.api.model.operatorhub.packages.v1.PackageChannelBuilder;
import io.fabric8.openshift.api.model.operatorhub.packages.v1.PackageManifest;
import io.fabric8.openshift.api.model.operatorhub.packages.v1.PackageManifestBuilder;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Test-only: objects a well-seeded OpenShift cluster has. */
public final class Fixtures {
    private Fixtures() { }

    public static void packageManifest(KubernetesClient c, String pkg, String defaultChannel, String... channels) {
        PackageManifest pm = new PackageManifestBuilder()
                .withNewMetadata().withName(pkg).withNamespace("openshift-marketplace").endMetadata()
                .withNewStatus().withPackageName(pkg).withCatalogSource("redhat-operators")
                .withCatalogSourceNamespace("openshift-marketplace").withDefaultChannel(defaultChannel)
                .withChannels(Arrays.stream(channels).map(ch -> new PackageChannelBuilder().withName(ch)
                        .withCurrentCSV(pkg + ".v1.0.0").build()).toList())
                .endStatus().build();
        c.resource(pm).create();
    }

    public static void storageClass(KubernetesClient c, String name, String provisioner) {
        c.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata().withName(name)
                .endMetadata().withProvisioner(provisioner).build()).create();
    }

    /** A StorageClass marked as the cluster's default (storageclass.kubernetes.io/is-default-class). */
    public static void defaultStorageClass(KubernetesClient c, String name) {
        c.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata().withName(name)
                .addToAnnotations("storageclass.kubernetes.io/is-default-class", "true").endMetadata()
                .withProvisioner("kubernetes.io/no-provisioner").build()).create();
    }

    public static void appsDomain(KubernetesClient c, String domain) {
        c.resource(new IngressBuilder().withNewMetadata().withName("cluster").endMetadata()
                .withNewSpec().withDomain(domain).endSpec().build()).create();
    }

    public static GenericKubernetesResource inferenceService(KubernetesClient c, String ns, String name,
                                                             String displayName, boolean ready, String addressUrl,
                                                             String url) {
        GenericKubernetesResource r = new GenericKubernetesResourceBuilder()
                .withApiVersion(ModelDiscovery.API_VERSION).withKind(ModelDiscovery.KIND)
                .withNewMetadata().withName(name).withNamespace(ns)
                .withAnnotations(displayName == null ? Map.of() : Map.of(ModelDiscovery.DISPLAY_NAME, displayName))
                .endMetadata().build();
        Map<String, Object> status = new java.util.LinkedHashMap<>();
        status.put("conditions", List.of(Map.of("type", "Ready", "status", ready ? "True" : "False")));
        if (addressUrl != null) {
            status.put("address", Map.of("url", addressUrl));
        }
        if (url != null) {
            status.put("url", url);
        }
        r.setAdditionalProperty("spec", Map.of("predictor", Map.of("model", Map.of("modelFormat",
                Map.of("name", "vLLM")))));
        r.setAdditionalProperty("status", status);
        return c.genericKubernetesResources(ModelDiscovery.CONTEXT).inNamespace(ns)
                .resource(r).create();
    }

    /** The whole well-seeded cluster: both operator packages, an RWX StorageClass, the apps domain, a model. */
    public static void wellSeeded(KubernetesClient c) {
        packageManifest(c, "rhsso-operator", "stable", "stable");
        packageManifest(c, "3scale-operator", "threescale-2.15", "threescale-2.14", "threescale-2.15",
                "threescale-2.16");
        storageClass(c, "gp3-csi", "ebs.csi.aws.com");
        storageClass(c, "ocs-storagecluster-cephfs", "openshift-storage.cephfs.csi.ceph.com");
        appsDomain(c, "apps.cluster.example.com");
        inferenceService(c, "models", "granite", "Granite 3.1 8B", true,
                "http://granite-predictor.models.svc.cluster.local", "https://granite-models.apps.cluster.example.com");
    }
}
