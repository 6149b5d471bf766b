package dev.maas.installer.sandbox;

import dev.maas.installer.testing.StartsSandbox;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The cluster keeps its store in a state folder and resumes it: the same objects with the same uids and
 * resourceVersions, the field ownership of server-side apply, CRD-served kinds, the counter moving on from where it
 * was; a watch from before the stop is answered 410 Gone (its client lists again); the kubeconfig's token, port and
 * CA keep working. A copy of the folder taken while the cluster runs (what a killed process leaves) resumes every
 * answered write.
 */
@StartsSandbox
class ClusterStateTest {
    @TempDir
    Path tmp;

    private static final String NS = "resume";

    private static ConfigMap configMap(String name, String value) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(NS)
                .addToLabels("app", "maas").endMetadata().addToData("key", value).build();
    }

    private static GenericKubernetesResource operatorGroup() {
        return Serialization.unmarshal("""
                apiVersion: operators.coreos.com/v1
                kind: OperatorGroup
                metadata:
                  name: og
                  namespace: resume
                spec:
                  targetNamespaces: [resume]
                """, GenericKubernetesResource.class);
    }

    private static SandboxCluster.Options options(int port, String token) {
        return SandboxCluster.Options.defaults().withPort(port).withToken(token);
    }

    @Test
    void aStoppedClusterResumesItsObjectsResourceVersionsAndOwnership() throws Exception {
        Path state = tmp.resolve("state");
        String uid;
        String rv;
        String kept;
        String ca;
        String ingressChain;
        String listRv;
        int port;
        String token;
        KubernetesClient watching;
        io.fabric8.kubernetes.client.informers.SharedIndexInformer<ConfigMap> informer;
        java.util.concurrent.BlockingQueue<String> seen = new java.util.concurrent.LinkedBlockingQueue<>();
        try (SandboxCluster first = SandboxCluster.start(SandboxCluster.Options.defaults(), state);
             KubernetesClient c = first.newClient()) {
            assertThat(first.resumed()).isFalse();
            port = first.port();
            token = first.token();
            ca = first.caCertificatePem();
            ingressChain = first.ingress().servingChainPem();
            c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                    .create();
            c.configMaps().inNamespace(NS).resource(configMap("gone", "x")).create();
            c.configMaps().inNamespace(NS).withName("gone").delete();
            ConfigMap applied = c.configMaps().inNamespace(NS).resource(configMap("applied", "a"))
                    .fieldManager("alpha").serverSideApply();
            uid = applied.getMetadata().getUid();
            rv = applied.getMetadata().getResourceVersion();
            kept = c.genericKubernetesResources("operators.coreos.com/v1", "OperatorGroup").inNamespace(NS)
                    .resource(operatorGroup()).create().getMetadata().getUid();
            listRv = c.configMaps().inNamespace(NS).list().getMetadata().getResourceVersion();
            watching = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(first.clientConfig())
                    .build();
            var watcher = watching.configMaps().inNamespace(NS).inform(new io.fabric8.kubernetes.client.informers
                    .ResourceEventHandler<>() {
                @Override
                public void onAdd(ConfigMap obj) {
                    if (obj.getMetadata().getName().equals("next")) {
                        seen.add("next");
                    }
                }

                @Override
                public void onUpdate(ConfigMap oldObj, ConfigMap newObj) {
                }

                @Override
                public void onDelete(ConfigMap obj, boolean deletedFinalStateUnknown) {
                }
            });
            informer = watcher;
        }
        try (Stream<Path> files = Files.list(state)) {
            java.util.List<Path> all = files.toList();
            assertThat(all).extracting(p -> p.getFileName().toString())
                    .contains(ClusterStateFiles.SNAPSHOT, SandboxCluster.API_TLS_FILE, SandboxCluster.INGRESS_TLS_FILE);
            for (Path f : all) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.toString())
                        .isEqualTo("rw-------");
            }
        }

        try (SandboxCluster second = SandboxCluster.start(options(port, token), state);
             KubernetesClient c = second.newClient()) {
            assertThat(second.resumed()).isTrue();
            assertThat(second.caCertificatePem()).isEqualTo(ca);
            assertThat(second.port()).isEqualTo(port);
            // the ingress serves the certificate whose CA the cluster published (and a client may trust)
            assertThat(second.ingress().servingChainPem()).isEqualTo(ingressChain);
            assertThat(c.configMaps().inNamespace(SandboxIngress.CONFIG_MAP_NAMESPACE)
                    .withName(SandboxIngress.CONFIG_MAP).get().getData())
                    .containsEntry(SandboxIngress.CA_BUNDLE_KEY, ingressChain);
            ConfigMap back = c.configMaps().inNamespace(NS).withName("applied").get();
            assertThat(back.getMetadata().getUid()).isEqualTo(uid);
            assertThat(back.getMetadata().getResourceVersion()).isEqualTo(rv);
            assertThat(back.getData()).isEqualTo(Map.of("key", "a"));
            assertThat(c.configMaps().inNamespace(NS).withName("gone").get()).isNull();
            // labels are part of the store's keys: a label selector finds the resumed object
            assertThat(c.configMaps().inNamespace(NS).withLabel("app", "maas").list().getItems()).hasSize(1);
            // a kind served from a CRD
            assertThat(c.genericKubernetesResources("operators.coreos.com/v1", "OperatorGroup").inNamespace(NS)
                    .withName("og").get().getMetadata().getUid()).isEqualTo(kept);
            // the field ownership of server-side apply: another manager's different value is a conflict
            assertThatThrownBy(() -> c.configMaps().inNamespace(NS).resource(configMap("applied", "b"))
                    .fieldManager("beta").serverSideApply())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
            // the counter moves on from where it was
            ConfigMap next = c.configMaps().inNamespace(NS).resource(configMap("next", "n")).create();
            assertThat(Long.parseLong(next.getMetadata().getResourceVersion())).isGreaterThan(Long.parseLong(listRv));
            // a watch from a resourceVersion before the stop: 410 Gone, as from an API server whose watch cache
            // starts after it
            assertThat(c.raw("/api/v1/namespaces/" + NS + "/configmaps?watch=true&resourceVersion=" + rv))
                    .contains("\"code\":410", "too old resource version: " + rv);
            // the informer that watched before the stop lists again and sees what was made after the resume
            assertThat(seen.poll(90, TimeUnit.SECONDS)).isEqualTo("next");
        } finally {
            informer.close();
            watching.close();
        }
    }

    @Test
    void aCopyTakenWhileRunningResumesEveryAnsweredWrite() throws IOException {
        Path state = tmp.resolve("state");
        Path copy = tmp.resolve("killed");
        String rv;
        try (SandboxCluster running = SandboxCluster.start(SandboxCluster.Options.defaults().withOlm(false), state);
             KubernetesClient c = running.newClient()) {
            c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                    .create();
            for (int i = 0; i < 5; i++) {
                c.configMaps().inNamespace(NS).resource(configMap("cm" + i, "v" + i)).create();
            }
            rv = c.configMaps().inNamespace(NS).withName("cm4").edit(cm -> {
                cm.getData().put("key", "edited");
                return cm;
            }).getMetadata().getResourceVersion();
            // what a killed process leaves: the files as they are now, no snapshot at stop
            Files.createDirectories(copy);
            try (Stream<Path> files = Files.list(state)) {
                for (Path f : files.toList()) {
                    Files.copy(f, copy.resolve(f.getFileName()));
                }
            }
            assertThat(Files.size(copy.resolve(ClusterStateFiles.LOG))).isPositive();
        }
        try (SandboxCluster resumed = SandboxCluster.start(SandboxCluster.Options.defaults().withOlm(false), copy);
             KubernetesClient c = resumed.newClient()) {
            assertThat(resumed.resumed()).isTrue();
            assertThat(c.configMaps().inNamespace(NS).list().getItems()).extracting(cm -> cm.getMetadata().getName())
                    .contains("cm0", "cm1", "cm2", "cm3", "cm4");
            ConfigMap edited = c.configMaps().inNamespace(NS).withName("cm4").get();
            assertThat(edited.getData()).containsEntry("key", "edited");
            assertThat(edited.getMetadata().getResourceVersion()).isEqualTo(rv);
        }
    }

    @Test
    void aCutLastLineIsIgnoredAndAStartThatFailsKeepsNothingHalfMade() throws IOException {
        Path state = tmp.resolve("state");
        try (SandboxCluster running = SandboxCluster.start(SandboxCluster.Options.defaults().withOlm(false), state);
             KubernetesClient c = running.newClient()) {
            c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                    .create();
        }
        // a kill in the middle of a line (that write was never answered)
        Files.writeString(state.resolve(ClusterStateFiles.LOG), "{\"seq\":999999,\"rv\":1,\"id\":\"v1|ConfigMap",
                java.nio.file.StandardOpenOption.APPEND);
        try (SandboxCluster resumed = SandboxCluster.start(SandboxCluster.Options.defaults().withOlm(false), state);
             KubernetesClient c = resumed.newClient()) {
            assertThat(c.namespaces().withName(NS).get()).isNotNull();
        }
        // a snapshot that is not the sandbox's: a clear error naming the file, the file left as it was
        Files.writeString(state.resolve(ClusterStateFiles.SNAPSHOT), "{\"format\":42}");
        assertThatThrownBy(() -> SandboxCluster.start(SandboxCluster.Options.defaults().withOlm(false), state))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(state.resolve(ClusterStateFiles.SNAPSHOT).toString());
        assertThat(Files.readString(state.resolve(ClusterStateFiles.SNAPSHOT))).isEqualTo("{\"format\":42}");
    }
}
