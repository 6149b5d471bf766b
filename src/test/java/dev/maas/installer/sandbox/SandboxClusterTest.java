package dev.maas.installer.sandbox;

import dev.maas.installer.testing.StartsSandbox;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.openshift.api.model.Route;
import io.fabric8.openshift.api.model.RouteBuilder;
import io.fabric8.openshift.client.OpenShiftClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@StartsSandbox
class SandboxClusterTest {
    private static SandboxCluster cluster;
    private static KubernetesClient client;

    @BeforeAll
    static void start() {
        cluster = SandboxCluster.start(SandboxCluster.Options.defaults());
        client = cluster.newClient();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("3scale").endMetadata().build())
                .create();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static GenericKubernetesResource yaml(String text) {
        return Serialization.unmarshal(text, GenericKubernetesResource.class);
    }

    @Test
    void servesVerifiedTlsOnLoopbackWithABearerToken() {
        assertThat(cluster.url()).startsWith("https://127.0.0.1:");
        assertThat(cluster.caCertificatePem()).contains("BEGIN CERTIFICATE");
        assertThat(client.getConfiguration().isTrustCerts()).isFalse();
        assertThat(client.getConfiguration().isDisableHostnameVerification()).isFalse();
        assertThat(client.namespaces().withName("default").get().getStatus().getPhase()).isEqualTo("Active");

        io.fabric8.kubernetes.client.Config wrongToken = cluster.clientConfig();
        wrongToken.setOauthToken("sha256~not-the-token");
        try (KubernetesClient other = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                .withConfig(wrongToken).build()) {
            KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
                    () -> other.namespaces().withName("default").get());
            assertThat(e.getCode()).isEqualTo(401);
        }
    }

    @Test
    void discoveryShowsOpenShiftAndTheCrds() {
        assertThat(client.hasApiGroup("route.openshift.io", false)).isTrue();
        assertThat(client.supports(Route.class)).isTrue();
        assertThat(client.adapt(OpenShiftClient.class).currentUser().getMetadata().getName())
                .isEqualTo(SandboxCluster.USER);
        assertThat(client.getKubernetesVersion().getMajor()).isEqualTo("1");
        assertThat(client.getApiGroups().getGroups()).extracting(g -> g.getName())
                .contains("route.openshift.io", "config.openshift.io", "operators.coreos.com", "apps.3scale.net",
                        "capabilities.3scale.net", "keycloak.org", "k8s.keycloak.org", "packages.operators.coreos.com");
        assertThat(client.getApiResources("apps.3scale.net/v1alpha1").getResources())
                .anySatisfy(r -> {
                    assertThat(r.getName()).isEqualTo("apimanagers");
                    assertThat(r.getKind()).isEqualTo("APIManager");
                    assertThat(r.getNamespaced()).isTrue();
                });
        // generic access resolves the plural through discovery
        GenericKubernetesResource ingress = client.genericKubernetesResources("config.openshift.io/v1", "Ingress")
                .withName("cluster").get();
        assertThat(ingress.get("spec", "domain").toString()).isEqualTo("apps.sandbox.local");
    }

    @Test
    void notServedResourcesAre404() {
        KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
                () -> client.genericKubernetesResources("nothere.example.com/v1", "Thing").inNamespace("default")
                        .resource(yaml("{\"apiVersion\":\"nothere.example.com/v1\",\"kind\":\"Thing\",\"metadata\":{\"name\":\"x\"}}"))
                        .create());
        assertThat(e).isNotNull();
    }

    @Test
    void seedHasRwxStorageCatalogAndModels() {
        List<StorageClass> classes = client.storage().v1().storageClasses().list().getItems();
        assertThat(classes).extracting(c -> c.getMetadata().getName()).contains("standard", SandboxCluster.RWX_STORAGE_CLASS);
        assertThat(classes).filteredOn(c -> c.getMetadata().getName().equals(SandboxCluster.RWX_STORAGE_CLASS))
                .singleElement().satisfies(c -> assertThat(c.getProvisioner()).contains("cephfs"));
        GenericKubernetesResource threescale = client.genericKubernetesResources("packages.operators.coreos.com/v1",
                "PackageManifest").inNamespace("openshift-marketplace").withName("3scale-operator").get();
        assertThat(Serialization.asJson(threescale)).contains("threescale-2.15", "threescale-2.16", "redhat-operators");
        List<GenericKubernetesResource> isvcs = client.genericKubernetesResources("serving.kserve.io/v1beta1",
                "InferenceService").inAnyNamespace().list().getItems();
        // the runbook's three raw deployments, and one raw with token authentication, one serverless, one ModelMesh
        assertThat(isvcs).hasSize(6);
        assertThat(isvcs).allSatisfy(i ->
                assertThat(i.getMetadata().getAnnotations()).containsKey("openshift.io/display-name"));
        assertThat(isvcs).filteredOn(i -> "RawDeployment".equals(i.get("status", "deploymentMode"))).hasSize(4)
                .allSatisfy(i -> assertThat((String) i.get("status", "address", "url"))
                        .contains(i.getMetadata().getName() + "-predictor.models.svc.cluster.local"));
        assertThat(isvcs).filteredOn(i -> "Serverless".equals(i.get("status", "deploymentMode"))).singleElement()
                .satisfies(i -> assertThat((String) i.get("status", "address", "url"))
                        .isEqualTo("https://qwen2-5-7b-instruct.models.svc.cluster.local"));
        assertThat(client.services().inNamespace(SandboxCluster.MODELS_NAMESPACE).withName("qwen2-5-7b-instruct").get()
                .getSpec().getExternalName()).isEqualTo("kserve-local-gateway.istio-system.svc.cluster.local");
        assertThat(client.services().inNamespace(SandboxCluster.MODELS_NAMESPACE)
                .withName("granite-8b-code-instruct-128k-predictor").get().getSpec().getClusterIP()).isEqualTo("None");
        // two runbook models share one runtime; ModelMesh has its own
        assertThat(client.genericKubernetesResources("serving.kserve.io/v1alpha1", "ServingRuntime")
                .inNamespace(SandboxCluster.MODELS_NAMESPACE).list().getItems()).hasSize(3);
    }

    @Test
    void secretStringDataBecomesBase64Data() {
        Secret created = client.secrets().inNamespace("3scale").resource(new SecretBuilder()
                .withNewMetadata().withName("seed").endMetadata()
                .addToStringData("ADMIN_PASSWORD", "pässword").build()).create();
        assertThat(created.getStringData()).isNullOrEmpty();
        assertThat(created.getData()).containsEntry("ADMIN_PASSWORD",
                Base64.getEncoder().encodeToString("pässword".getBytes(StandardCharsets.UTF_8)));
        Secret read = client.secrets().inNamespace("3scale").withName("seed").get();
        assertThat(read.getData()).containsKey("ADMIN_PASSWORD");
        assertThat(read.getStringData()).isNullOrEmpty();
    }

    @Test
    void routeHostDefaultsToNameNamespaceAppsDomain() {
        OpenShiftClient os = client.adapt(OpenShiftClient.class);
        Route route = os.routes().inNamespace("3scale").resource(new RouteBuilder()
                .withNewMetadata().withName("keycloak").endMetadata()
                .withNewSpec().withNewTo().withKind("Service").withName("keycloak").endTo().endSpec().build()).create();
        assertThat(route.getSpec().getHost()).isEqualTo("keycloak-3scale.apps.sandbox.local");
        assertThat(route.getStatus().getIngress()).singleElement()
                .satisfies(i -> assertThat(i.getHost()).isEqualTo("keycloak-3scale.apps.sandbox.local"));
        Route explicit = os.routes().inNamespace("3scale").resource(new RouteBuilder()
                .withNewMetadata().withName("other").endMetadata()
                .withNewSpec().withHost("api.example.com").withNewTo().withKind("Service").withName("x").endTo()
                .endSpec().build()).create();
        assertThat(explicit.getSpec().getHost()).isEqualTo("api.example.com");
    }

    @Test
    void customResourceThatBreaksItsSchemaIsRejectedWith422NamingTheField() {
        GenericKubernetesResource bad = yaml("""
                apiVersion: apps.3scale.net/v1alpha1
                kind: APIManager
                metadata: {name: apimanager, namespace: 3scale}
                spec: {wildcardDomain: 42}
                """);
        KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
                () -> client.resource(bad).create());
        assertThat(e.getCode()).isEqualTo(422);
        Status status = e.getStatus();
        assertThat(status.getReason()).isEqualTo("Invalid");
        assertThat(status.getMessage()).isEqualTo("APIManager.apps.3scale.net \"apimanager\" is invalid: "
                + "spec.wildcardDomain: Invalid value: \"integer\": spec.wildcardDomain in body must be of type "
                + "string: \"integer\"");
        assertThat(status.getDetails().getCauses()).singleElement().satisfies(c -> {
            assertThat(c.getField()).isEqualTo("spec.wildcardDomain");
            assertThat(c.getReason()).isEqualTo("FieldValueTypeInvalid");
        });

        GenericKubernetesResource missing = yaml("""
                apiVersion: apps.3scale.net/v1alpha1
                kind: APIManager
                metadata: {name: apimanager, namespace: 3scale}
                spec: {resourceRequirementsEnabled: false}
                """);
        KubernetesClientException e2 = catchThrowableOfType(KubernetesClientException.class,
                () -> client.resource(missing).create());
        assertThat(e2.getCode()).isEqualTo(422);
        assertThat(e2.getStatus().getMessage()).endsWith("spec.wildcardDomain: Required value");
        assertThat(client.genericKubernetesResources("apps.3scale.net/v1alpha1", "APIManager").inNamespace("3scale")
                .withName("apimanager").get()).isNull();
    }

    @Test
    void validCustomResourceIsAcceptedAndUpdatesAreValidatedToo() {
        GenericKubernetesResource good = yaml("""
                apiVersion: apps.3scale.net/v1alpha1
                kind: APIManager
                metadata: {name: valid, namespace: 3scale}
                spec:
                  wildcardDomain: apps.sandbox.local
                  system:
                    fileStorage:
                      persistentVolumeClaim: {storageClassName: sandbox-rwx}
                """);
        GenericKubernetesResource created = client.resource(good).create();
        assertThat(created.getMetadata().getGeneration()).isEqualTo(1L);
        assertThat(created.getMetadata().getResourceVersion()).isNotBlank();

        KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
                () -> client.genericKubernetesResources("apps.3scale.net/v1alpha1", "APIManager").inNamespace("3scale")
                        .withName("valid").patch(PatchContext.of(PatchType.JSON_MERGE),
                                "{\"spec\":{\"wildcardDomain\":true}}"));
        assertThat(e.getCode()).isEqualTo(422);
        assertThat(e.getStatus().getDetails().getCauses()).extracting(c -> c.getField())
                .containsExactly("spec.wildcardDomain");

        GenericKubernetesResource patched = client.genericKubernetesResources("apps.3scale.net/v1alpha1", "APIManager")
                .inNamespace("3scale").withName("valid").patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"wildcardDomain\":\"apps.other.local\"}}");
        assertThat(patched.get("spec", "wildcardDomain").toString()).isEqualTo("apps.other.local");
        assertThat(patched.getMetadata().getGeneration()).isEqualTo(2L);
    }

    @Test
    void serverSideApplyCreatesThenMergesWithoutClobberingOthersFields() {
        ConfigMap first = client.configMaps().inNamespace("3scale").resource(new ConfigMapBuilder()
                .withNewMetadata().withName("applied").addToLabels("app.kubernetes.io/managed-by", "maas-installer")
                .endMetadata().addToData("a", "1").build()).serverSideApply();
        assertThat(first.getData()).containsExactly(Map.entry("a", "1"));
        // someone else adds a field
        client.configMaps().inNamespace("3scale").withName("applied")
                .edit(cm -> new ConfigMapBuilder(cm).addToData("owner", "other").build());
        ConfigMap second = client.configMaps().inNamespace("3scale").resource(new ConfigMapBuilder()
                .withNewMetadata().withName("applied").addToLabels("app.kubernetes.io/managed-by", "maas-installer")
                .endMetadata().addToData("a", "2").build()).serverSideApply();
        assertThat(second.getData()).containsEntry("a", "2").containsEntry("owner", "other");
        assertThat(second.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "maas-installer");

        // server-side apply of a custom resource is schema-validated as well
        GenericKubernetesResource bad = yaml("""
                apiVersion: capabilities.3scale.net/v1beta1
                kind: DeveloperUser
                metadata: {name: bob, namespace: 3scale}
                spec: {username: bob, email: bob@example.com, role: owner,
                       developerAccountRef: {name: acme}, passwordCredentialsRef: {name: pw}}
                """);
        KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
                () -> client.resource(bad).serverSideApply());
        assertThat(e.getCode()).isEqualTo(422);
        assertThat(e.getStatus().getMessage()).contains("spec.role: Unsupported value: \"owner\"");
    }

    @Test
    void strategicMergePatchMergesListsByName() {
        client.configMaps().inNamespace("3scale").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("smp").addToLabels("a", "1").endMetadata().addToData("x", "1").build()).create();
        ConfigMap patched = client.configMaps().inNamespace("3scale").withName("smp")
                .patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
                        "{\"metadata\":{\"labels\":{\"b\":\"2\"}},\"data\":{\"x\":null,\"y\":\"2\"}}");
        assertThat(patched.getMetadata().getLabels()).containsEntry("a", "1").containsEntry("b", "2");
        assertThat(patched.getData()).containsExactly(Map.entry("y", "2"));
    }

    @Test
    void namespacedObjectsNeedTheirNamespace() {
        KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
                () -> client.configMaps().inNamespace("missing").resource(new ConfigMapBuilder().withNewMetadata()
                        .withName("x").endMetadata().build()).create());
        assertThat(e.getCode()).isEqualTo(404);
        assertThat(e.getStatus().getMessage()).isEqualTo("namespaces \"missing\" not found");
    }

    @Test
    void deniedPermissionsAre403AndReportedByAccessReviews() {
        cluster.deny(AccessRule.deny("create", "operators.coreos.com", "subscriptions"));
        try {
            SelfSubjectAccessReview review = client.authorization().v1().selfSubjectAccessReview()
                    .create(new SelfSubjectAccessReviewBuilder().withNewSpec().withNewResourceAttributes()
                            .withVerb("create").withGroup("operators.coreos.com").withResource("subscriptions")
                            .withNamespace("3scale").endResourceAttributes().endSpec().build());
            assertThat(review.getStatus().getAllowed()).isFalse();
            SelfSubjectAccessReview ok = client.authorization().v1().selfSubjectAccessReview()
                    .create(new SelfSubjectAccessReviewBuilder().withNewSpec().withNewResourceAttributes()
                            .withVerb("get").withGroup("operators.coreos.com").withResource("subscriptions")
                            .withNamespace("3scale").endResourceAttributes().endSpec().build());
            assertThat(ok.getStatus().getAllowed()).isTrue();
            assertThatThrownBy(() -> client.resource(yaml("""
                    apiVersion: operators.coreos.com/v1alpha1
                    kind: Subscription
                    metadata: {name: denied, namespace: 3scale}
                    spec: {name: 3scale-operator, source: redhat-operators, sourceNamespace: openshift-marketplace}
                    """)).create())
                    .isInstanceOfSatisfying(KubernetesClientException.class, ex -> {
                        assertThat(ex.getCode()).isEqualTo(403);
                        assertThat(ex.getStatus().getMessage()).contains("cannot create resource \"subscriptions\"");
                    });
        } finally {
            cluster.allowAll();
        }
    }

    @Test
    void dryRunValidatesWithoutStoring() {
        GenericKubernetesResource good = yaml("""
                apiVersion: capabilities.3scale.net/v1beta1
                kind: DeveloperUser
                metadata: {name: dry, namespace: 3scale}
                spec: {username: dry, email: dry@example.com, developerAccountRef: {name: acme},
                       passwordCredentialsRef: {name: pw}, unknownField: 1}
                """);
        GenericKubernetesResource answer = client.resource(good).dryRun().create();
        assertThat(answer.getAdditionalProperties().get("spec").toString()).doesNotContain("unknownField");
        assertThat(client.resource(good).get()).isNull();
        GenericKubernetesResource bad = yaml("""
                apiVersion: capabilities.3scale.net/v1beta1
                kind: DeveloperUser
                metadata: {name: dry, namespace: 3scale}
                spec: {username: dry}
                """);
        KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
                () -> client.resource(bad).dryRun().create());
        assertThat(e.getCode()).isEqualTo(422);
    }

    @Test
    void deletingANamespaceDeletesItsContent() {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("doomed").endMetadata()
                .build()).create();
        client.configMaps().inNamespace("doomed").resource(new ConfigMapBuilder().withNewMetadata().withName("c")
                .endMetadata().build()).create();
        client.resource(yaml("""
                apiVersion: capabilities.3scale.net/v1beta1
                kind: DeveloperAccount
                metadata: {name: acme, namespace: doomed}
                spec: {orgName: ACME}
                """)).create();
        client.namespaces().withName("doomed").delete();
        assertThat(client.namespaces().withName("doomed").get()).isNull();
        assertThat(client.configMaps().inNamespace("doomed").list().getItems()).isEmpty();
        assertThat(client.genericKubernetesResources("capabilities.3scale.net/v1beta1", "DeveloperAccount")
                .inNamespace("doomed").list().getItems()).isEmpty();
    }

    @Test
    void missingObjectsAre404WithAStatusNamingThem() {
        KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
                () -> client.configMaps().inNamespace("3scale").withName("nope")
                        .edit(cm -> new ConfigMapBuilder(cm).addToData("a", "b").build()));
        assertThat(e.getCode()).isEqualTo(404);
        assertThat(client.configMaps().inNamespace("3scale").withName("nope").get()).isNull();
    }

    @Test
    void serverSideApplyReportsConflictsUnlessForcedAndDropsFieldsNoLongerApplied() {
        var configMaps = client.configMaps().inNamespace("3scale");
        configMaps.resource(new ConfigMapBuilder().withNewMetadata().withName("owned").endMetadata()
                .addToData("x", "1").addToData("y", "1").build()).fieldManager("installer").serverSideApply();
        // another writer changes x and adds z
        configMaps.withName("owned").edit(cm -> new ConfigMapBuilder(cm).addToData("x", "other")
                .addToData("z", "theirs").build());

        ConfigMap desired = new ConfigMapBuilder().withNewMetadata().withName("owned").endMetadata()
                .addToData("x", "1").addToData("y", "1").build();
        KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
                () -> configMaps.resource(desired).fieldManager("installer").serverSideApply());
        assertThat(e.getCode()).isEqualTo(409);
        assertThat(e.getStatus().getReason()).isEqualTo("Conflict");
        assertThat(e.getStatus().getMessage()).contains("conflict with \"fabric8-kubernetes-client\"", ".data.x");
        assertThat(configMaps.withName("owned").get().getData()).containsEntry("x", "other");

        ConfigMap forced = configMaps.resource(desired).fieldManager("installer").forceConflicts().serverSideApply();
        assertThat(forced.getData()).containsEntry("x", "1").containsEntry("y", "1").containsEntry("z", "theirs");

        // the manager stops applying x: it goes; z (someone else's) stays
        ConfigMap slimmer = configMaps.resource(new ConfigMapBuilder().withNewMetadata().withName("owned")
                .endMetadata().addToData("y", "1").build()).fieldManager("installer").serverSideApply();
        assertThat(slimmer.getData()).containsOnlyKeys("y", "z");
        // applying the same again changes nothing
        ConfigMap again = configMaps.resource(new ConfigMapBuilder().withNewMetadata().withName("owned")
                .endMetadata().addToData("y", "1").build()).fieldManager("installer").serverSideApply();
        assertThat(again.getMetadata().getResourceVersion()).isEqualTo(slimmer.getMetadata().getResourceVersion());
    }

    @Test
    void badNamesAndLabelsAreRejectedLikeARealServer() {
        KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
                () -> client.configMaps().inNamespace("3scale").resource(new ConfigMapBuilder().withNewMetadata()
                        .withName("Granite_Code").endMetadata().build()).create());
        assertThat(e.getCode()).isEqualTo(422);
        assertThat(e.getStatus().getMessage()).startsWith("ConfigMap \"Granite_Code\" is invalid: metadata.name: "
                + "Invalid value: \"Granite_Code\": a lowercase RFC 1123 subdomain");
        KubernetesClientException label = catchThrowableOfType(KubernetesClientException.class,
                () -> client.configMaps().inNamespace("3scale").resource(new ConfigMapBuilder().withNewMetadata()
                        .withName("ok").addToLabels("model", "Mistral 7B").endMetadata().build()).create());
        assertThat(label.getCode()).isEqualTo(422);
        assertThat(label.getStatus().getDetails().getCauses()).extracting(c -> c.getField())
                .containsExactly("metadata.labels");
        KubernetesClientException ns = catchThrowableOfType(KubernetesClientException.class,
                () -> client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("a.b")
                        .endMetadata().build()).create());
        assertThat(ns.getStatus().getMessage()).contains("RFC 1123 label");
    }

    @Test
    void statusOfBuiltInKindsSurvivesWritesToTheMainResource() {
        var isvcs = client.genericKubernetesResources("serving.kserve.io/v1beta1", "InferenceService")
                .inNamespace(SandboxCluster.MODELS_NAMESPACE);
        GenericKubernetesResource isvc = isvcs.withName("mistral-7b-instruct").get();
        isvc.getAdditionalProperties().remove("status");
        isvc.getMetadata().getLabels().put("touched", "yes");
        GenericKubernetesResource replaced = isvcs.resource(isvc).update();
        assertThat(replaced.getMetadata().getLabels()).containsEntry("touched", "yes");
        assertThat((String) replaced.get("status", "address", "url")).contains("mistral-7b-instruct-predictor");
    }
}
