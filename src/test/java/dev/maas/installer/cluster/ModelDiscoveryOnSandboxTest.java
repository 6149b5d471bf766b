package dev.maas.installer.cluster;

import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Model discovery on the sandbox's OpenShift AI models, one of each kind with the objects and statuses KServe
 * writes: the URL APIcast can reach for raw deployments, and the reason and what to do for the others.
 */
@StartsSandbox
class ModelDiscoveryOnSandboxTest {
    private static SandboxCluster cluster;
    private static KubernetesClient client;

    @BeforeAll
    static void start() {
        cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withOlm(false));
        client = cluster.newClient();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static Map<String, DiscoveredModel> discovered() {
        return new ModelDiscovery(client).discover().stream()
                .collect(Collectors.toMap(DiscoveredModel::name, Function.identity()));
    }

    @Test
    void rawDeploymentsGetTheirPredictorServiceOnTheContainerPortWhenTheServiceIsHeadless() {
        Map<String, DiscoveredModel> models = discovered();
        DiscoveredModel granite = models.get("granite-8b-code-instruct-128k");
        assertThat(granite.usable()).isTrue();
        assertThat(granite.mode()).isEqualTo("RawDeployment");
        assertThat(granite.url()).isEqualTo("http://granite-8b-code-instruct-128k-predictor.models.svc.cluster.local:8080");
        assertThat(models.values().stream().filter(DiscoveredModel::usable).map(DiscoveredModel::name).sorted())
                .containsExactly("granite-8b-code-instruct-128k", "mistral-7b-instruct", "nomic-embed-text-v1-5");
    }

    @Test
    void aRawDeploymentWithTokenAuthenticationIsLeftOutSayingWhy() {
        DiscoveredModel llama = discovered().get("llama-3-1-8b-instruct");
        assertThat(llama.ready()).isTrue();
        assertThat(llama.usable()).isFalse();
        assertThat(llama.url()).isNull();
        assertThat(llama.problem()).isEqualTo("token authentication is on: it listens on 8443 behind an auth proxy"
                + " that wants a bearer token, which APIcast does not send");
        assertThat(llama.fix()).contains("security.opendatahub.io/enable-auth: \"false\"");
    }

    @Test
    void aServerlessDeploymentIsMeshOnlyAndItsExternalUrlIsOffered() {
        DiscoveredModel qwen = discovered().get("qwen2-5-7b-instruct");
        assertThat(qwen.mode()).isEqualTo("Serverless");
        assertThat(qwen.url()).isNull();
        assertThat(qwen.problem()).startsWith("a serverless (Knative) deployment: its cluster address"
                + " https://qwen2-5-7b-instruct.models.svc.cluster.local leads to the service mesh's local gateway");
        assertThat(qwen.fix()).isEqualTo("give its external URL https://qwen2-5-7b-instruct-models."
                + cluster.appsDomain() + " as the model's url in the configuration, or deploy it in RawDeployment"
                + " mode (annotation serving.kserve.io/deploymentMode: RawDeployment)");
    }

    @Test
    void aModelMeshModelSpeaksAnotherProtocol() {
        DiscoveredModel mm = discovered().get("fraud-detection");
        assertThat(mm.mode()).isEqualTo("ModelMesh");
        assertThat(mm.url()).isNull();
        assertThat(mm.problem()).isEqualTo("served by ModelMesh, which speaks the KServe v2 inference protocol (gRPC"
                + " grpc://modelmesh-serving.models:8033, REST http://modelmesh-serving.models:8008), not the"
                + " OpenAI-compatible API the products publish");
    }

    @Test
    void anAddressWhoseSchemeComesFromTheIngressConfigIsNotTrusted() {
        // KServe releases whose raw address takes ingressConfig.urlScheme (https in OpenShift AI's overlay) although
        // the predictor Service serves plain HTTP on port 80 (kube_ingress_reconciler.go, createRawURL)
        KubernetesClient admin = cluster.adminClient();
        admin.services().inNamespace("models").resource(new ServiceBuilder().withNewMetadata()
                .withName("phi-3-mini-predictor").withNamespace("models").endMetadata().withNewSpec()
                .addNewPort().withName("http").withPort(80).withNewTargetPort(8080).endPort().endSpec().build())
                .create();
        GenericKubernetesResource isvc = admin.resource(Serialization.unmarshal("""
                apiVersion: serving.kserve.io/v1beta1
                kind: InferenceService
                metadata:
                  name: phi-3-mini
                  namespace: models
                  annotations: {serving.kserve.io/deploymentMode: RawDeployment}
                spec: {predictor: {model: {modelFormat: {name: vLLM}, runtime: vllm-2.12-6144}}}
                """, GenericKubernetesResource.class)).create();
        admin.genericKubernetesResources(ModelDiscovery.CONTEXT).inNamespace("models").withName("phi-3-mini")
                .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), """
                        {"status": {"url": "https://phi-3-mini-predictor.models.svc.cluster.local",
                          "address": {"url": "https://phi-3-mini-predictor.models.svc.cluster.local"},
                          "conditions": [{"type": "Ready", "status": "True"}]}}""");
        try {
            DiscoveredModel phi = discovered().get("phi-3-mini");
            assertThat(phi.usable()).isTrue();
            assertThat(phi.url()).isEqualTo("http://phi-3-mini-predictor.models.svc.cluster.local:80");
        } finally {
            admin.resource(isvc).delete();
            admin.services().inNamespace("models").withName("phi-3-mini-predictor").delete();
        }
    }

    @Test
    void eachKindIsSeededAndTheOnesApicastCannotCallAreFlagged() {
        List<DiscoveredModel> all = new ModelDiscovery(client).discover();
        assertThat(all).hasSize(6);
        assertThat(all.stream().filter(m -> m.problem() != null).map(DiscoveredModel::qualifiedName))
                .containsExactly("models/fraud-detection", "models/llama-3-1-8b-instruct", "models/qwen2-5-7b-instruct");
    }

    @Test
    void withoutClusterWideAccessItLooksInEachNamespaceTheUserMayRead() {
        KubernetesClient admin = cluster.adminClient();
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("team-b").endMetadata()
                .build()).create();
        GenericKubernetesResource isvc = admin.resource(Serialization.unmarshal("""
                apiVersion: serving.kserve.io/v1beta1
                kind: InferenceService
                metadata: {name: mistral-team-b, namespace: team-b}
                spec: {predictor: {model: {modelFormat: {name: vLLM}}}}
                """, GenericKubernetesResource.class)).create();
        try {
            assertThat(discovered()).containsKey("mistral-team-b");
            cluster.asNamespaceAdmin(List.of("models"));
            Map<String, DiscoveredModel> seen = discovered();
            assertThat(seen).doesNotContainKey("mistral-team-b");
            assertThat(seen.values()).extracting(DiscoveredModel::namespace).containsOnly("models").hasSize(6);
        } finally {
            cluster.asClusterAdmin();
            admin.resource(isvc).delete();
            admin.namespaces().withName("team-b").delete();
        }
    }
}
