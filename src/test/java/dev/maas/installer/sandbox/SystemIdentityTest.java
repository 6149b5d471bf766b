package dev.maas.installer.sandbox;

import dev.maas.installer.testing.StartsSandbox;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The user's denied permissions and token bind the user only: the seed and the simulated operators act with the
 * cluster's own identity, as OLM's service account does on a real cluster.
 */
@StartsSandbox
class SystemIdentityTest {
    @Test
    void deniedPermissionsDoNotStopTheSeedOrTheSimulatedOperators() {
        try (SandboxCluster cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withHttps(false)
                .withModels(false).withDenied(List.of(AccessRule.deny("create", "", "namespaces"),
                        AccessRule.deny("*", "operators.coreos.com", "operatorgroups"))))) {
            KubernetesClient client = cluster.newClient();
            // the seed created its namespaces although the user may not
            assertThat(client.namespaces().withName("openshift-marketplace").get()).isNotNull();
            KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
                    () -> client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("mine")
                            .endMetadata().build()).create());
            assertThat(e.getCode()).isEqualTo(403);
            assertThat(cluster.olm()).isNotNull();
            // the user may still not list OperatorGroups (which the simulated OLM watches with its own identity)
            KubernetesClientException list = catchThrowableOfType(KubernetesClientException.class,
                    () -> client.genericKubernetesResources("operators.coreos.com/v1", "OperatorGroup")
                            .inNamespace("openshift-operators").list());
            assertThat(list.getCode()).isEqualTo(403);
        }
    }

    @Test
    void aNewUserTokenLeavesTheSystemIdentityWorking() {
        try (SandboxCluster cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withHttps(false)
                .withModels(false))) {
            KubernetesClient old = cluster.newClient();
            cluster.setToken("a-new-token");
            assertThat(catchThrowableOfType(KubernetesClientException.class,
                    () -> old.namespaces().withName("default").get()).getCode()).isEqualTo(401);
            assertThat(cluster.systemClient().namespaces().withName("default").get()).isNotNull();
            assertThat(cluster.newClient().namespaces().withName("default").get()).isNotNull();
        }
    }
}
