package dev.maas.installer.sandbox;

import dev.maas.installer.testing.StartsSandbox;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.openshift.api.model.Route;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The switches that let preflight tests build a cluster that lacks what the installer needs. */
@StartsSandbox
class ClusterVariantsTest {
    @Test
    void plainKubernetesWithoutOlmOrRwxStorage() {
        try (SandboxCluster cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withHttps(false)
                .withOpenshift(false).withOlm(false).withRwxStorage(false).withModels(false))) {
            KubernetesClient client = cluster.newClient();
            assertThat(client.hasApiGroup("route.openshift.io", false)).isFalse();
            assertThat(client.supports(Route.class)).isFalse();
            assertThat(client.hasApiGroup("operators.coreos.com", false)).isFalse();
            assertThat(client.hasApiGroup("packages.operators.coreos.com", false)).isFalse();
            assertThat(cluster.olm()).isNull();
            assertThat(client.storage().v1().storageClasses().list().getItems())
                    .extracting(c -> c.getMetadata().getName()).containsExactly("standard");
            KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
                    () -> client.resource(Serialization.unmarshal("""
                            apiVersion: operators.coreos.com/v1alpha1
                            kind: Subscription
                            metadata: {name: s, namespace: default}
                            spec: {name: p, source: s, sourceNamespace: n}
                            """, GenericKubernetesResource.class)).create());
            assertThat(e.getCode()).isEqualTo(404);
        }
    }

    @Test
    void catalogWithoutAPackageAndACustomAppsDomain() {
        CatalogPackage onlyThreescale = new CatalogPackage("3scale-operator", "redhat-operators", "threescale-2.16",
                Map.of("threescale-2.16", "3scale-operator.v0.13.1"));
        try (SandboxCluster cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withModels(false)
                .withPackages(List.of(onlyThreescale)).withAppsDomain("apps.example.test"))) {
            KubernetesClient client = cluster.newClient();
            var manifests = client.genericKubernetesResources("packages.operators.coreos.com/v1", "PackageManifest")
                    .inNamespace("openshift-marketplace");
            assertThat(manifests.list().getItems()).extracting(m -> m.getMetadata().getName())
                    .containsExactly("3scale-operator");
            assertThat(manifests.withName("rhsso-operator").get()).isNull();
            assertThat(client.genericKubernetesResources("config.openshift.io/v1", "Ingress").withName("cluster")
                    .get().get("spec", "domain").toString()).isEqualTo("apps.example.test");
        }
    }
}
