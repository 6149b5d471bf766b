package dev.maas.installer.cluster;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageException;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.openshift.api.model.operatorhub.v1.OperatorGroup;
import io.fabric8.openshift.api.model.operatorhub.v1.OperatorGroupBuilder;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.InstallPlan;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.Subscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OperatorInstallerTest {
    private TestCluster cluster;
    private OlmSimulator olm;
    private final List<String> details = new CopyOnWriteArrayList<>();
    private final Progress progress = new Progress() {
        @Override public void step(int n, int of, String message) { }

        @Override public void detail(String message) { details.add(message); }
    };

    @BeforeEach
    void setUp() {
        cluster = new TestCluster();
        Fixtures.packageManifest(cluster.client(), "3scale-operator", "threescale-2.15", "threescale-2.15",
                "threescale-2.16");
        cluster.clearRequests();
    }

    @AfterEach
    void tearDown() {
        if (olm != null) {
            olm.close();
        }
        cluster.close();
    }

    private OperatorSpec spec() {
        return OperatorSpec.of("3scale-operator", "threescale-2.15", "3scale").withTimeout(Duration.ofSeconds(20));
    }

    @Test
    void installsThroughOlmAndWaitsForTheCsv() {
        olm = new OlmSimulator(cluster.client(), OlmSimulator.Mode.SUCCEED);
        OperatorInstaller installer = new OperatorInstaller(cluster.client(), new Cancellation());

        OperatorInstaller.Result result = installer.install(spec(), progress);

        assertThat(result.csv()).isEqualTo("3scale-operator.v1.0.0");
        assertThat(result.changes()).extracting(Change::kind, Change::action).containsExactly(
                org.assertj.core.groups.Tuple.tuple("Namespace", Action.CREATE),
                org.assertj.core.groups.Tuple.tuple("OperatorGroup", Action.CREATE),
                org.assertj.core.groups.Tuple.tuple("Subscription", Action.CREATE));
        Namespace ns = cluster.client().namespaces().withName("3scale").get();
        assertThat(ns.getMetadata().getLabels()).containsEntry(Resources.MANAGED_BY_LABEL, Resources.MANAGER);
        OperatorGroup og = cluster.client().resources(OperatorGroup.class).inNamespace("3scale").withName("3scale").get();
        assertThat(og.getSpec().getTargetNamespaces()).containsExactly("3scale");
        assertThat(og.getMetadata().getLabels()).containsEntry(Resources.MANAGED_BY_LABEL, Resources.MANAGER);
        Subscription sub = cluster.client().resources(Subscription.class).inNamespace("3scale")
                .withName("3scale-operator").get();
        assertThat(sub.getSpec().getChannel()).isEqualTo("threescale-2.15");
        assertThat(sub.getSpec().getSource()).isEqualTo("redhat-operators");
        assertThat(sub.getSpec().getSourceNamespace()).isEqualTo("openshift-marketplace");
        assertThat(sub.getSpec().getInstallPlanApproval()).isEqualTo("Automatic");
        assertThat(sub.getMetadata().getLabels()).containsEntry(Resources.MANAGED_BY_LABEL, Resources.MANAGER);
        assertThat(details).anyMatch(d -> d.contains("CSV 3scale-operator.v1.0.0: Succeeded"));
    }

    @Test
    void secondInstallWritesNothing() {
        olm = new OlmSimulator(cluster.client(), OlmSimulator.Mode.SUCCEED);
        OperatorInstaller installer = new OperatorInstaller(cluster.client(), new Cancellation());
        installer.install(spec(), progress);
        olm.close();
        olm = null;
        cluster.clearRequests();

        OperatorInstaller.Result again = installer.install(spec(), progress);

        assertThat(again.changes()).allMatch(Change::isNoop);
        assertThat(cluster.requests()).isNotEmpty();
        assertThat(cluster.writes()).isEmpty();
        assertThat(installer.plan(spec())).allMatch(Change::isNoop);
    }

    @Test
    void planShowsWhatWouldBeCreatedWithoutWriting() {
        OperatorInstaller installer = new OperatorInstaller(cluster.client(), new Cancellation());
        List<Change> plan = installer.plan(spec());
        assertThat(plan).extracting(Change::action).containsExactly(Action.CREATE, Action.CREATE, Action.CREATE);
        assertThat(plan.get(2).fields()).containsKeys("spec.channel", "spec.source");
        assertThat(cluster.writes()).isEmpty();
    }

    @Test
    void channelChangeIsAnUpdateOfOnlyOurFields() {
        olm = new OlmSimulator(cluster.client(), OlmSimulator.Mode.SUCCEED);
        OperatorInstaller installer = new OperatorInstaller(cluster.client(), new Cancellation());
        installer.install(spec(), progress);

        OperatorSpec newer = OperatorSpec.of("3scale-operator", "threescale-2.16", "3scale");
        List<Change> plan = installer.plan(newer);
        assertThat(plan.get(2).action()).isEqualTo(Action.UPDATE);
        assertThat(plan.get(2).fields()).containsOnlyKeys("spec.channel");
        assertThat(plan.get(2).fields().get("spec.channel").from()).isEqualTo("threescale-2.15");
    }

    @Test
    void failedCsvGivesItsReason() {
        olm = new OlmSimulator(cluster.client(), OlmSimulator.Mode.FAIL);
        OperatorInstaller installer = new OperatorInstaller(cluster.client(), new Cancellation());
        assertThatThrownBy(() -> installer.install(spec(), progress))
                .isInstanceOf(StageException.class)
                .hasMessageContaining("CSV 3scale-operator.v1.0.0 is Failed")
                .hasMessageContaining("InstallComponentFailed")
                .hasMessageContaining("deployment 3scale-operator not available");
    }

    @Test
    void manualInstallPlanIsApprovedWhenAllowed() {
        olm = new OlmSimulator(cluster.client(), OlmSimulator.Mode.SUCCEED);
        OperatorInstaller installer = new OperatorInstaller(cluster.client(), new Cancellation());
        OperatorInstaller.Result r = installer.install(spec().withApproval(OperatorSpec.MANUAL, true), progress);

        assertThat(r.changes()).anyMatch(c -> c.kind().equals("InstallPlan") && c.action() == Action.UPDATE);
        InstallPlan plan = cluster.client().resources(InstallPlan.class).inNamespace("3scale")
                .withName("install-3scale-operator").get();
        assertThat(plan.getSpec().getApproved()).isTrue();
        assertThat(r.csv()).isEqualTo("3scale-operator.v1.0.0");
    }

    @Test
    void manualInstallPlanIsNotApprovedWithoutConsent() {
        olm = new OlmSimulator(cluster.client(), OlmSimulator.Mode.SUCCEED);
        OperatorInstaller installer = new OperatorInstaller(cluster.client(), new Cancellation());
        assertThatThrownBy(() -> installer.install(spec().withApproval(OperatorSpec.MANUAL, false), progress))
                .isInstanceOf(StageException.class)
                .hasMessageContaining("InstallPlan install-3scale-operator for 3scale-operator waits for manual approval")
                .satisfies(e -> assertThat(((StageException) e).fix().hint()).contains("oc patch installplan"));
        InstallPlan plan = cluster.client().resources(InstallPlan.class).inNamespace("3scale")
                .withName("install-3scale-operator").get();
        assertThat(plan.getSpec().getApproved()).isFalse();
    }

    @Test
    void noInstallPlanBeforeTheTimeout() {
        olm = new OlmSimulator(cluster.client(), OlmSimulator.Mode.NO_INSTALLPLAN);
        OperatorInstaller installer = new OperatorInstaller(cluster.client(), new Cancellation());
        assertThatThrownBy(() -> installer.install(spec().withTimeout(Duration.ofMillis(800)), progress))
                .isInstanceOf(StageException.class)
                .hasMessageContaining("OLM made no InstallPlan for 3scale-operator within 800 ms");
    }

    @Test
    void cancellationStopsTheWait() {
        olm = new OlmSimulator(cluster.client(), OlmSimulator.Mode.NO_INSTALLPLAN);
        Cancellation cancel = new Cancellation();
        OperatorInstaller installer = new OperatorInstaller(cluster.client(), cancel);
        Progress cancelOnFirstDetailAboutWaiting = new Progress() {
            @Override public void step(int n, int of, String message) { }

            @Override public void detail(String message) {
                if (message.startsWith("Subscription 3scale-operator:")) {
                    cancel.cancel();
                }
            }
        };
        long start = System.nanoTime();
        assertThatThrownBy(() -> installer.install(spec().withTimeout(Duration.ofMinutes(5)),
                cancelOnFirstDetailAboutWaiting)).isInstanceOf(CancelledException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void missingPackageAndMissingChannelAreNamed() {
        OperatorInstaller installer = new OperatorInstaller(cluster.client(), new Cancellation());
        assertThatThrownBy(() -> installer.install(OperatorSpec.of("rhsso-operator", "stable", "rh-sso"), progress))
                .isInstanceOf(StageException.class)
                .hasMessageContaining("offers the operator package rhsso-operator")
                .satisfies(e -> assertThat(((StageException) e).invalidInput()).isTrue());
        assertThatThrownBy(() -> installer.install(OperatorSpec.of("3scale-operator", "threescale-2.13", "3scale"),
                progress))
                .isInstanceOf(StageException.class)
                .hasMessageContaining("no channel 'threescale-2.13'")
                .hasMessageContaining("threescale-2.15, threescale-2.16");
        assertThat(cluster.realWrites()).isEmpty();
    }

    @Test
    void reusesAFittingOperatorGroupAndRefusesAForeignOne() {
        cluster.client().namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                .withNewMetadata().withName("3scale").endMetadata().build()).create();
        cluster.client().resource(new OperatorGroupBuilder().withNewMetadata().withName("existing")
                .withNamespace("3scale").endMetadata().withNewSpec().withTargetNamespaces("3scale").endSpec()
                .build()).create();
        OperatorInstaller installer = new OperatorInstaller(cluster.client(), new Cancellation());
        List<Change> plan = installer.plan(spec());
        assertThat(plan.get(1).action()).isEqualTo(Action.NOOP);
        assertThat(plan.get(1).name()).isEqualTo("3scale/existing");

        cluster.client().resources(OperatorGroup.class).inNamespace("3scale").withName("existing")
                .edit(og -> {
                    og.getSpec().setTargetNamespaces(List.of());
                    return og;
                });
        assertThatThrownBy(() -> installer.plan(spec()))
                .isInstanceOf(StageException.class)
                .hasMessageContaining("already has the OperatorGroup existing targeting all namespaces");
    }
}
