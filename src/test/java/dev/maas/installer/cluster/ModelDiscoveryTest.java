package dev.maas.installer.cluster;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ModelDiscoveryTest {
    private TestCluster cluster;

    @BeforeEach
    void setUp() {
        cluster = new TestCluster();
        Fixtures.inferenceService(cluster.client(), "models", "granite", "Granite 3.1 8B", true,
                "http://granite-predictor.models.svc.cluster.local", "https://granite.apps.example.com");
        Fixtures.inferenceService(cluster.client(), "models", "llama", null, false, null,
                "https://llama.apps.example.com");
        Fixtures.inferenceService(cluster.client(), "team-b", "mistral", "Mistral 7B", true,
                "http://mistral-predictor.team-b.svc.cluster.local", null);
    }

    @AfterEach
    void tearDown() { cluster.close(); }

    @Test
    void findsNameReadinessAndInClusterUrl() {
        List<DiscoveredModel> models = new ModelDiscovery(cluster.client()).discover();
        // a raw deployment's predictor Service answers on port 80 when it is not headless (no Service here to say)
        assertThat(models).containsExactly(
                new DiscoveredModel("granite", "Granite 3.1 8B", "models", true,
                        "http://granite-predictor.models.svc.cluster.local:80", "RawDeployment", null, null),
                new DiscoveredModel("llama", "llama", "models", false, "https://llama.apps.example.com"),
                new DiscoveredModel("mistral", "Mistral 7B", "team-b", true,
                        "http://mistral-predictor.team-b.svc.cluster.local:80", "RawDeployment", null, null));
    }

    @Test
    void withoutClusterWideAccessLooksInEachReadableNamespace() {
        for (String ns : List.of("models", "team-b")) {
            cluster.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
                    .endMetadata().build()).create();
        }
        cluster.forbidGet("/apis/serving.kserve.io/v1beta1/inferenceservices")
                .forbidGet("/apis/project.openshift.io/v1/projects")
                .forbidGet("/apis/serving.kserve.io/v1beta1/namespaces/team-b/");
        List<DiscoveredModel> models = new ModelDiscovery(cluster.client()).discover();
        assertThat(models).extracting(DiscoveredModel::name).containsExactly("granite", "llama");
    }
}
