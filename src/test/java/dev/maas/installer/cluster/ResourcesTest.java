package dev.maas.installer.cluster;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.sandbox.ApiRequest;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Resources} against the sandbox's API server, which stores and defaults objects as a real one does. */
@StartsSandbox
class ResourcesTest {
    private SandboxCluster cluster;
    private KubernetesClient client;
    private Resources resources;

    @BeforeEach
    void setUp() {
        cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withHttps(false).withOlm(false).withModels(false));
        client = cluster.newClient();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("apps").endMetadata().build())
                .create();
        resources = new Resources(client);
    }

    private List<ApiRequest> writes() {
        return cluster.requests().stream().filter(ApiRequest::isWrite).toList();
    }

    @AfterEach
    void tearDown() { cluster.close(); }

    private static ConfigMap desired(String value) {
        return new ConfigMapBuilder().withNewMetadata().withName("settings").withNamespace("apps")
                .addToLabels("app", "maas").endMetadata().addToData("ours", value).build();
    }

    @Test
    void createsLabelledThenLeavesOthersFieldsAlone() {
        Resources.Outcome<ConfigMap> created = resources.createOrUpdate(desired("1"), false);
        assertThat(created.change().action()).isEqualTo(Action.CREATE);
        assertThat(created.object().getMetadata().getLabels())
                .containsEntry(Resources.MANAGED_BY_LABEL, Resources.MANAGER).containsEntry("app", "maas");

        // someone else adds a field and a label
        client.configMaps().inNamespace("apps").withName("settings").edit(cm -> {
            cm.getData().put("theirs", "x");
            cm.getMetadata().getLabels().put("team", "platform");
            return cm;
        });

        Resources.Outcome<ConfigMap> same = resources.createOrUpdate(desired("1"), false);
        assertThat(same.change().isNoop()).isTrue();

        cluster.clearRequests();
        Change plan = resources.createOrUpdate(desired("2"), true).change();
        assertThat(plan.action()).isEqualTo(Action.UPDATE);
        assertThat(plan.fields()).containsOnly(Map.entry("data.ours", new FieldChange("1", "2")));
        assertThat(writes()).isEmpty();

        Resources.Outcome<ConfigMap> updated = resources.createOrUpdate(desired("2"), false);
        assertThat(updated.change().action()).isEqualTo(Action.UPDATE);
        ConfigMap live = client.configMaps().inNamespace("apps").withName("settings").get();
        assertThat(live.getData()).containsEntry("ours", "2").containsEntry("theirs", "x");
        assertThat(live.getMetadata().getLabels()).containsEntry("team", "platform").containsEntry("app", "maas");
        assertThat(writes()).hasSize(1);
        assertThat(writes().get(0).method()).isEqualTo("PATCH");
    }

    @Test
    void secretValuesNeverAppearInChangesAndReadsAreRegistered() {
        String value = "s3cr3t-value-for-test";
        Secret s = new SecretBuilder().withNewMetadata().withName("creds").withNamespace("apps").endMetadata()
                .addToData("password", Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)))
                .build();
        Change c = resources.createOrUpdate(s, false).change();
        assertThat(c.fields().get("data.password")).isEqualTo(FieldChange.secret(false, true));
        assertThat(c.toString()).doesNotContain(value);

        assertThat(resources.readSecret("apps", "creds")).hasValue(Map.of("password", value));
        assertThat(SecretRegistry.global().redact("pw=" + value)).isEqualTo("pw=" + SecretRegistry.MASK);
        assertThat(resources.readSecret("apps", "missing")).isEmpty();
    }

    @Test
    void namesInASecretAreNotMaskedEverywhere() {
        Secret seed = new SecretBuilder().withNewMetadata().withName("system-seed").withNamespace("apps").endMetadata()
                .addToStringData("ADMIN_ACCESS_TOKEN", "tok-0123456789abcdef")
                .addToStringData("TENANT_NAME", "maastenant")
                .addToStringData("ADMIN_USER", "adminuser")
                .addToStringData("MASTER_DOMAIN", "masterdomain")
                .build();
        client.secrets().resource(seed).create();
        assertThat(resources.readSecret("apps", "system-seed")).hasValueSatisfying(m ->
                assertThat(m).containsEntry("TENANT_NAME", "maastenant"));
        assertThat(SecretRegistry.global().redact("tenant maastenant, user adminuser at masterdomain"))
                .isEqualTo("tenant maastenant, user adminuser at masterdomain");
        assertThat(SecretRegistry.global().redact("token tok-0123456789abcdef")).isEqualTo("token ******");
    }

    @Test
    void plannedFieldsShowKeysAsTheyAre() {
        ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName("x").withNamespace("apps")
                .addToLabels("app.kubernetes.io/part-of", "maas").endMetadata().addToData("a.b", "c").build();
        Change plan = resources.createOrUpdate(cm, true).change();
        assertThat(plan.fields()).containsOnlyKeys("metadata.labels.app.kubernetes.io/part-of", "data.a.b");
        resources.createOrUpdate(cm, false);
        assertThat(resources.createOrUpdate(cm, true).change().isNoop()).isTrue();
    }

    @Test
    void namespaceIsCreatedOnceWithOurLabel() {
        assertThat(resources.ensureNamespace("maas", true).action()).isEqualTo(Action.CREATE);
        assertThat(client.namespaces().withName("maas").get()).isNull();
        assertThat(resources.ensureNamespace("maas", false).action()).isEqualTo(Action.CREATE);
        assertThat(client.namespaces().withName("maas").get().getMetadata().getLabels())
                .containsEntry(Resources.MANAGED_BY_LABEL, Resources.MANAGER);
        assertThat(resources.ensureNamespace("maas", false).isNoop()).isTrue();
    }

    @Test
    void statusWaitEndsOnTheEventAndTimesOutOtherwise() {
        resources.createOrUpdate(desired("1"), false);
        var res = client.configMaps().inNamespace("apps").withName("settings");

        assertThatThrownBy(() -> resources.waitFor(res, cm -> "yes".equals(cm.getData().get("ready")),
                Duration.ofMillis(500), null, null, null, "settings ready"))
                .isInstanceOf(Waits.TimeoutError.class)
                .hasMessage("settings ready did not happen within 500 ms");

        Thread writer = new Thread(() -> res.edit(cm -> {
            cm.getData().put("ready", "yes");
            return cm;
        }));
        writer.start();
        ConfigMap done = resources.waitFor(res, cm -> "yes".equals(cm.getData().get("ready")),
                Duration.ofSeconds(20), null, null, null, "settings ready");
        assertThat(done.getData()).containsEntry("ready", "yes");
    }

    @Test
    void defaultsTheApiServerAddsToListElementsAreNoDrift() {
        io.fabric8.kubernetes.api.model.apps.StatefulSet desired = new io.fabric8.kubernetes.api.model.apps
                .StatefulSetBuilder().withNewMetadata().withName("db").withNamespace("apps").endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "db").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "db").endMetadata().withNewSpec().addNewContainer().withName("db")
                .withImage("postgresql:16").addNewPort().withContainerPort(5432).withProtocol("TCP").endPort()
                .endContainer().endSpec().endTemplate().endSpec().build();
        resources.createOrUpdate(desired, false);
        // what a real API server stores: defaults inside the container and the port
        client.apps().statefulSets().inNamespace("apps").withName("db").edit(s -> {
            var c = s.getSpec().getTemplate().getSpec().getContainers().get(0);
            c.setTerminationMessagePath("/dev/termination-log");
            c.setImagePullPolicy("IfNotPresent");
            c.getPorts().get(0).setName("ignored-by-us");
            return s;
        });
        var again = new io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder(desired).build();
        assertThat(resources.createOrUpdate(again, true).change().isNoop()).isTrue();

        // a value we set that differs, or another container, is drift
        var otherImage = new io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder(desired).editSpec().editTemplate()
                .editSpec().editFirstContainer().withImage("postgresql:17").endContainer().endSpec().endTemplate()
                .endSpec().build();
        assertThat(resources.createOrUpdate(otherImage, true).change().fields())
                .containsKey("spec.template.spec.containers");
        client.apps().statefulSets().inNamespace("apps").withName("db").edit(s -> {
            s.getSpec().getTemplate().getSpec().getContainers().add(new io.fabric8.kubernetes.api.model
                    .ContainerBuilder().withName("sidecar").withImage("x").build());
            return s;
        });
        assertThat(resources.createOrUpdate(new io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder(desired)
                .build(), true).change().action()).isEqualTo(Action.UPDATE);
    }
}
