package dev.maas.installer.sandbox;

import dev.maas.installer.testing.StartsSandbox;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

@StartsSandbox
class OlmSimulatorTest {
    private static final String OLM = "operators.coreos.com/v1alpha1";
    private static SandboxCluster cluster;
    private static KubernetesClient client;
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @BeforeAll
    static void start() {
        cluster = SandboxCluster.start(SandboxCluster.Options.defaults()
                .withModels(false)
                .withOlmBehaviour(OlmSimulator.Behaviour.succeed(Duration.ofMillis(100))));
        client = cluster.newClient();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void resetBehaviour() {
        cluster.olm().behaviour(OlmSimulator.Behaviour.succeed(Duration.ofMillis(100)));
        for (CatalogPackage p : CatalogPackage.redHatDefaults()) {
            cluster.olm().behaviour(p.name(), OlmSimulator.Behaviour.succeed(Duration.ofMillis(100)));
        }
    }

    private static String namespace() {
        String ns = bareNamespace();
        client.resource(Serialization.unmarshal("""
                apiVersion: operators.coreos.com/v1
                kind: OperatorGroup
                metadata: {name: og, namespace: %s}
                spec: {targetNamespaces: [%s]}
                """.formatted(ns, ns), GenericKubernetesResource.class)).create();
        return ns;
    }

    private static String bareNamespace() {
        String ns = "olm-test-" + COUNTER.incrementAndGet();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                .create();
        return ns;
    }

    private static void subscribe(String ns, String pkg, String channel, String approval) {
        client.resource(Serialization.unmarshal("""
                apiVersion: operators.coreos.com/v1alpha1
                kind: Subscription
                metadata: {name: %s, namespace: %s}
                spec:
                  name: %s
                  channel: %s
                  source: redhat-operators
                  sourceNamespace: openshift-marketplace
                  installPlanApproval: %s
                """.formatted(pkg, ns, pkg, channel, approval), GenericKubernetesResource.class)).create();
    }

    private static GenericKubernetesResource waitFor(String kind, String ns, String name,
                                                     java.util.function.Predicate<GenericKubernetesResource> p) {
        return client.genericKubernetesResources(OLM, kind).inNamespace(ns).withName(name)
                .waitUntilCondition(r -> r != null && p.test(r), 20, TimeUnit.SECONDS);
    }

    private static Object field(GenericKubernetesResource r, Object... path) {
        return r.get(path);
    }

    @Test
    void automaticSubscriptionReachesSucceededCsv() {
        String ns = namespace();
        subscribe(ns, "3scale-operator", "threescale-2.15", "Automatic");
        GenericKubernetesResource sub = waitFor("Subscription", ns, "3scale-operator",
                s -> "AtLatestKnown".equals(field(s, "status", "state")));
        assertThat(field(sub, "status", "installedCSV")).isEqualTo("3scale-operator.v0.12.4");
        assertThat(field(sub, "status", "currentCSV")).isEqualTo("3scale-operator.v0.12.4");
        String plan = (String) field(sub, "status", "installPlanRef", "name");
        assertThat(plan).startsWith("install-");
        assertThat(field(sub, "status", "installPlanRef", "namespace")).isEqualTo(ns);

        GenericKubernetesResource installPlan = client.genericKubernetesResources(OLM, "InstallPlan").inNamespace(ns)
                .withName(plan).get();
        assertThat(field(installPlan, "spec", "approval")).isEqualTo("Automatic");
        assertThat(field(installPlan, "spec", "approved")).isEqualTo(true);
        assertThat(field(installPlan, "status", "phase")).isEqualTo("Complete");

        // the Subscription names its CSV before the CSV succeeds (as OLM does): wait for the CSV's phase
        GenericKubernetesResource csv = waitFor("ClusterServiceVersion", ns, "3scale-operator.v0.12.4",
                c -> "Succeeded".equals(field(c, "status", "phase")));
        assertThat(field(csv, "status", "reason")).isEqualTo("InstallSucceeded");
    }

    @Test
    void failureModeSetsCsvFailedWithItsReason() {
        cluster.olm().behaviour("rhsso-operator", OlmSimulator.Behaviour.fail("InstallCheckFailed",
                "install timeout"));
        String ns = namespace();
        subscribe(ns, "rhsso-operator", "stable", "Automatic");
        GenericKubernetesResource csv = waitFor("ClusterServiceVersion", ns, "rhsso-operator.7.6.11-opr-003",
                c -> "Failed".equals(field(c, "status", "phase")));
        assertThat(field(csv, "status", "reason")).isEqualTo("InstallCheckFailed");
        assertThat(field(csv, "status", "message")).isEqualTo("install timeout");
    }

    @Test
    void manualApprovalWaitsUntilApproved() throws Exception {
        String ns = namespace();
        subscribe(ns, "rhbk-operator", "stable-v26", "Manual");
        GenericKubernetesResource sub = waitFor("Subscription", ns, "rhbk-operator",
                s -> field(s, "status", "installPlanRef", "name") != null);
        assertThat(field(sub, "status", "state")).isEqualTo("UpgradePending");
        String planName = (String) field(sub, "status", "installPlanRef", "name");
        GenericKubernetesResource plan = waitFor("InstallPlan", ns, planName,
                p -> "RequiresApproval".equals(field(p, "status", "phase")));
        assertThat(field(plan, "spec", "approved")).isEqualTo(false);

        // nothing is installed while the plan waits: watch for a CSV during a bounded window
        CountDownLatch csvAppeared = new CountDownLatch(1);
        try (Watch ignored = client.genericKubernetesResources(OLM, "ClusterServiceVersion").inNamespace(ns)
                .watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, GenericKubernetesResource resource) {
                        csvAppeared.countDown();
                    }

                    @Override
                    public void onClose(WatcherException cause) { }
                })) {
            assertThat(csvAppeared.await(1, TimeUnit.SECONDS)).isFalse();
        }

        client.genericKubernetesResources(OLM, "InstallPlan").inNamespace(ns).withName(planName)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"approved\":true}}");
        GenericKubernetesResource csv = waitFor("ClusterServiceVersion", ns, "rhbk-operator.v26.0.11-opr.1",
                c -> "Succeeded".equals(field(c, "status", "phase")));
        assertThat(csv).isNotNull();
        waitFor("Subscription", ns, "rhbk-operator", s -> "AtLatestKnown".equals(field(s, "status", "state")));
    }

    @Test
    void noInstallPlanModeNeverCreatesOne() throws Exception {
        cluster.olm().behaviour("3scale-operator", OlmSimulator.Behaviour.noInstallPlan());
        String ns = namespace();
        CountDownLatch planAppeared = new CountDownLatch(1);
        try (Watch ignored = client.genericKubernetesResources(OLM, "InstallPlan").inNamespace(ns)
                .watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, GenericKubernetesResource resource) {
                        planAppeared.countDown();
                    }

                    @Override
                    public void onClose(WatcherException cause) { }
                })) {
            subscribe(ns, "3scale-operator", "threescale-2.16", "Automatic");
            assertThat(planAppeared.await(1500, TimeUnit.MILLISECONDS)).isFalse();
        }
        GenericKubernetesResource sub = client.genericKubernetesResources(OLM, "Subscription").inNamespace(ns)
                .withName("3scale-operator").get();
        assertThat(field(sub, "status", "installPlanRef")).isNull();
    }

    @Test
    void unknownChannelIsAResolutionFailure() {
        String ns = namespace();
        subscribe(ns, "3scale-operator", "threescale-9.99", "Automatic");
        GenericKubernetesResource sub = waitFor("Subscription", ns, "3scale-operator",
                s -> field(s, "status", "conditions") instanceof List<?> l && !l.isEmpty());
        @SuppressWarnings("unchecked")
        Map<String, Object> condition = ((List<Map<String, Object>>) field(sub, "status", "conditions")).get(0);
        assertThat(condition).containsEntry("type", "ResolutionFailed").containsEntry("status", "True");
        assertThat((String) condition.get("message")).contains("channel threescale-9.99", "3scale-operator");
    }

    @Test
    void operatorGroupsGetTheirNamespacesAndACsvNeedsExactlyOne() {
        String ns = namespace();
        GenericKubernetesResource og = client.genericKubernetesResources("operators.coreos.com/v1", "OperatorGroup")
                .inNamespace(ns).withName("og").waitUntilCondition(
                        g -> g != null && g.get("status", "namespaces") != null, 20, TimeUnit.SECONDS);
        assertThat(og.get("status", "namespaces").toString()).isEqualTo("[" + ns + "]");

        String none = bareNamespace();
        subscribe(none, "3scale-operator", "threescale-2.15", "Automatic");
        GenericKubernetesResource csv = waitFor("ClusterServiceVersion", none, "3scale-operator.v0.12.4",
                c -> "Failed".equals(field(c, "status", "phase")));
        assertThat(field(csv, "status", "reason")).isEqualTo("NoOperatorGroup");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(GenericKubernetesResource r, Object... path) {
        Object v = r.get(path);
        return v instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }

    @Test
    void anInstallTimeoutIsNotFinalTheCsvGoesBackToPendingAndSucceeds() {
        cluster.olm().behaviour("rhsso-operator", OlmSimulator.Behaviour.installTimeoutThenSucceed(
                Duration.ofMillis(200)));
        String ns = namespace();
        subscribe(ns, "rhsso-operator", "stable", "Automatic");
        GenericKubernetesResource csv = waitFor("ClusterServiceVersion", ns, "rhsso-operator.7.6.11-opr-003",
                c -> "Succeeded".equals(field(c, "status", "phase")));
        // the phases OLM went through, as the CSV's conditions record them
        assertThat(list(csv, "status", "conditions")).extracting(c -> c.get("phase") + "/" + c.get("reason"))
                .containsSubsequence("Installing/InstallWaiting", "Failed/InstallCheckFailed",
                        "Pending/NeedsReinstall", "InstallReady/AllRequirementsMet", "Installing/InstallWaiting",
                        "Succeeded/InstallSucceeded");
        assertThat(list(csv, "status", "conditions")).anySatisfy(c -> assertThat(c)
                .containsEntry("phase", "Failed").containsEntry("message", "install timeout"));
    }

    @Test
    void aFailureOlmRetriesComesBackAndOneItDoesNotRetryStays() throws Exception {
        cluster.olm().behaviour("rhsso-operator", OlmSimulator.Behaviour.fail("InstallComponentFailed",
                "install strategy failed: simulated"));
        String ns = namespace();
        subscribe(ns, "rhsso-operator", "stable", "Automatic");
        waitFor("ClusterServiceVersion", ns, "rhsso-operator.7.6.11-opr-003",
                c -> list(c, "status", "conditions").stream().filter(x -> "Failed".equals(x.get("phase"))).count() >= 2
                        && list(c, "status", "conditions").stream().anyMatch(x -> "NeedsReinstall".equals(x.get("reason"))));

        cluster.olm().behaviour("rhbk-operator", OlmSimulator.Behaviour.fail("InstallComponentFailedNoRetry",
                "install strategy failed: simulated"));
        String other = namespace();
        subscribe(other, "rhbk-operator", "stable-v26", "Automatic");
        waitFor("ClusterServiceVersion", other, "rhbk-operator.v26.0.11-opr.1",
                c -> "Failed".equals(field(c, "status", "phase")));
        // nothing moves it during a window longer than the simulated OLM's retry backoff
        CountDownLatch moved = new CountDownLatch(1);
        try (Watch ignored = client.genericKubernetesResources(OLM, "ClusterServiceVersion").inNamespace(other)
                .watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, GenericKubernetesResource resource) {
                        if (!"Failed".equals(field(resource, "status", "phase"))) {
                            moved.countDown();
                        }
                    }

                    @Override
                    public void onClose(WatcherException cause) { }
                })) {
            assertThat(moved.await(1500, TimeUnit.MILLISECONDS)).isFalse();
        }
        GenericKubernetesResource stays = client.genericKubernetesResources(OLM, "ClusterServiceVersion")
                .inNamespace(other).withName("rhbk-operator.v26.0.11-opr.1").get();
        assertThat(field(stays, "status", "phase")).isEqualTo("Failed");
        assertThat(list(stays, "status", "conditions")).noneMatch(x -> "NeedsReinstall".equals(x.get("reason")));
    }

    @Test
    void aFailedInstallPlanIsReportedOnThePlanAndTheSubscription() {
        cluster.olm().behaviour("rhsso-operator", OlmSimulator.Behaviour.installPlanFailed(null,
                Duration.ofMillis(100)));
        String ns = namespace();
        subscribe(ns, "rhsso-operator", "stable", "Automatic");
        GenericKubernetesResource sub = waitFor("Subscription", ns, "rhsso-operator",
                s -> list(s, "status", "conditions").stream().anyMatch(c -> "InstallPlanFailed".equals(c.get("type"))));
        assertThat(list(sub, "status", "conditions")).anySatisfy(c -> assertThat(c)
                .containsEntry("type", "InstallPlanFailed").containsEntry("status", "True")
                .containsEntry("reason", "InstallComponentFailed"));
        GenericKubernetesResource plan = client.genericKubernetesResources(OLM, "InstallPlan").inNamespace(ns)
                .withName((String) field(sub, "status", "installPlanRef", "name")).get();
        assertThat(field(plan, "status", "phase")).isEqualTo("Failed");
        assertThat(list(plan, "status", "conditions")).singleElement().satisfies(c -> assertThat(c)
                .containsEntry("type", "Installed").containsEntry("status", "False")
                .containsEntry("reason", "InstallComponentFailed"));
        assertThat(client.genericKubernetesResources(OLM, "ClusterServiceVersion").inNamespace(ns).list().getItems())
                .isEmpty();
    }

    @Test
    void aBundleThatCannotBeUnpackedGivesNoInstallPlan() {
        cluster.olm().behaviour("rhsso-operator", OlmSimulator.Behaviour.bundleUnpackFailed(Duration.ofMillis(100)));
        String ns = namespace();
        subscribe(ns, "rhsso-operator", "stable", "Automatic");
        GenericKubernetesResource sub = waitFor("Subscription", ns, "rhsso-operator",
                s -> list(s, "status", "conditions").stream().anyMatch(c -> "BundleUnpackFailed".equals(c.get("type"))));
        assertThat(list(sub, "status", "conditions")).extracting(c -> c.get("type"))
                .containsExactly("BundleUnpackFailed");
        assertThat((String) list(sub, "status", "conditions").get(0).get("message"))
                .startsWith("Bundle unpacking failed - DeadlineExceeded");
        assertThat(field(sub, "status", "installPlanRef")).isNull();
        assertThat(client.genericKubernetesResources(OLM, "InstallPlan").inNamespace(ns).list().getItems()).isEmpty();
    }

    @Test
    void aCatalogUpdateGivesAnUpgradePlanThatWaitsForManualApprovalWhileTheOldCsvRuns() throws Exception {
        String ns = namespace();
        subscribe(ns, "rhbk-operator", "stable-v24", "Manual");
        GenericKubernetesResource first = waitFor("Subscription", ns, "rhbk-operator",
                s -> field(s, "status", "installPlanRef", "name") != null);
        client.genericKubernetesResources(OLM, "InstallPlan").inNamespace(ns)
                .withName((String) field(first, "status", "installPlanRef", "name"))
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"approved\":true}}");
        waitFor("ClusterServiceVersion", ns, "rhbk-operator.v24.0.11-opr.1",
                c -> "Succeeded".equals(field(c, "status", "phase")));

        cluster.publish("rhbk-operator", "redhat-operators", "stable-v24", "rhbk-operator.v24.0.12-opr.1");

        GenericKubernetesResource sub = waitFor("Subscription", ns, "rhbk-operator",
                s -> "rhbk-operator.v24.0.12-opr.1".equals(field(s, "status", "currentCSV")));
        assertThat(field(sub, "status", "installedCSV")).isEqualTo("rhbk-operator.v24.0.11-opr.1");
        assertThat(field(sub, "status", "state")).isEqualTo("UpgradePending");
        String upgrade = (String) field(sub, "status", "installPlanRef", "name");
        GenericKubernetesResource plan = waitFor("InstallPlan", ns, upgrade,
                p -> "RequiresApproval".equals(field(p, "status", "phase")));
        assertThat(field(plan, "spec", "clusterServiceVersionNames")).isEqualTo(List.of("rhbk-operator.v24.0.12-opr.1"));
        assertThat(field(client.genericKubernetesResources(OLM, "ClusterServiceVersion").inNamespace(ns)
                .withName("rhbk-operator.v24.0.11-opr.1").get(), "status", "phase")).isEqualTo("Succeeded");

        client.genericKubernetesResources(OLM, "InstallPlan").inNamespace(ns).withName(upgrade)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"approved\":true}}");
        GenericKubernetesResource newer = waitFor("ClusterServiceVersion", ns, "rhbk-operator.v24.0.12-opr.1",
                c -> "Succeeded".equals(field(c, "status", "phase")));
        assertThat(field(newer, "spec", "replaces")).isEqualTo("rhbk-operator.v24.0.11-opr.1");
        // the replaced CSV is deleted once its replacement succeeded
        List<GenericKubernetesResource> left = dev.maas.installer.engine.wait.Backoff.of(Duration.ofSeconds(30))
                .await("the replaced CSV deleted", () -> java.util.Optional.of(client.genericKubernetesResources(OLM,
                        "ClusterServiceVersion").inNamespace(ns).list().getItems()).filter(l -> l.size() == 1));
        assertThat(left).extracting(c -> c.getMetadata().getName()).containsExactly("rhbk-operator.v24.0.12-opr.1");
        waitFor("Subscription", ns, "rhbk-operator",
                s -> "rhbk-operator.v24.0.12-opr.1".equals(field(s, "status", "installedCSV")));
    }
}
