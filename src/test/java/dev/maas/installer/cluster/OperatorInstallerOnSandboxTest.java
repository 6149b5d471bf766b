package dev.maas.installer.cluster;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.sandbox.ApiRequest;
import dev.maas.installer.sandbox.OlmSimulator;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.openshift.api.model.operatorhub.v1.OperatorGroup;
import io.fabric8.openshift.api.model.operatorhub.v1.OperatorGroupBuilder;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.ClusterServiceVersion;
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
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@link OperatorInstaller} against the sandbox's simulated OLM (over HTTPS, as against a real cluster): success,
 * a Failed CSV, a Manual InstallPlan with and without the user's consent, and the timeouts.
 */
@StartsSandbox
class OperatorInstallerOnSandboxTest {
    private static final String THREESCALE_CSV = "3scale-operator.v0.12.4";
    private static final String RHSSO_CSV = "rhsso-operator.7.6.11-opr-003";

    private SandboxCluster cluster;
    private KubernetesClient client;
    private final List<String> progress = new CopyOnWriteArrayList<>();
    private final Progress recorder = new Progress() {
        @Override
        public void step(int n, int of, String message) {
            progress.add(n + "/" + of + " " + message);
        }

        @Override
        public void detail(String message) {
            progress.add(message);
        }
    };

    @BeforeEach
    void setUp() {
        cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withModels(false)
                .withOlmBehaviour(OlmSimulator.Behaviour.succeed(Duration.ofMillis(300))));
        client = cluster.newClient();
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private OperatorInstaller installer() {
        return new OperatorInstaller(client, new Cancellation());
    }

    private static OperatorSpec threescale() {
        return OperatorSpec.of("3scale-operator", "threescale-2.15", "3scale").withTimeout(Duration.ofSeconds(60));
    }

    private ClusterServiceVersion csv(String ns, String name) {
        return client.resources(ClusterServiceVersion.class).inNamespace(ns).withName(name).get();
    }

    private InstallPlan onlyInstallPlan(String ns) {
        List<InstallPlan> plans = client.resources(InstallPlan.class).inNamespace(ns).list().getItems();
        assertThat(plans).hasSize(1);
        return plans.get(0);
    }

    @Test
    void installsAndWaitsForTheCsvThenASecondRunWritesNothing() {
        OperatorInstaller.Result result = installer().install(threescale(), recorder);

        assertThat(result.csv()).isEqualTo(THREESCALE_CSV);
        assertThat(result.changes()).extracting(Change::action, Change::kind)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Action.CREATE, "Namespace"),
                        org.assertj.core.groups.Tuple.tuple(Action.CREATE, "OperatorGroup"),
                        org.assertj.core.groups.Tuple.tuple(Action.CREATE, "Subscription"));
        assertThat(csv("3scale", THREESCALE_CSV).getStatus().getPhase()).isEqualTo("Succeeded");
        assertThat(client.namespaces().withName("3scale").get().getMetadata().getLabels())
                .containsEntry(Resources.MANAGED_BY_LABEL, Resources.MANAGER);
        List<OperatorGroup> groups = client.resources(OperatorGroup.class).inNamespace("3scale").list().getItems();
        assertThat(groups).hasSize(1);
        assertThat(groups.get(0).getSpec().getTargetNamespaces()).containsExactly("3scale");
        Subscription sub = client.resources(Subscription.class).inNamespace("3scale").withName("3scale-operator")
                .get();
        assertThat(sub.getSpec().getChannel()).isEqualTo("threescale-2.15");
        assertThat(sub.getSpec().getSource()).isEqualTo("redhat-operators");
        assertThat(sub.getSpec().getSourceNamespace()).isEqualTo("openshift-marketplace");
        assertThat(sub.getStatus().getInstalledCSV()).isEqualTo(THREESCALE_CSV);
        assertThat(progress).anyMatch(p -> p.contains("checking that a catalog offers 3scale-operator"))
                .anyMatch(p -> p.contains("Subscription created/updated: 3scale-operator"));

        cluster.clearRequests();
        OperatorInstaller.Result again = installer().install(threescale(), Progress.NONE);
        assertThat(again.csv()).isEqualTo(THREESCALE_CSV);
        assertThat(cluster.requests()).isNotEmpty();
        assertThat(cluster.requests()).noneMatch(ApiRequest::isWrite);
        assertThat(installer().plan(threescale())).allMatch(Change::isNoop);
        assertThat(again.changes()).allMatch(Change::isNoop, "all NOOP: " + again.changes());
        assertThat(client.resources(InstallPlan.class).inNamespace("3scale").list().getItems()).hasSize(1);
    }

    @Test
    void twoOperatorsInTheirOwnNamespaces() {
        installer().install(threescale(), Progress.NONE);
        OperatorInstaller.Result sso = installer().install(
                OperatorSpec.of("rhsso-operator", "stable", "rh-sso").withTimeout(Duration.ofSeconds(60)),
                Progress.NONE);
        assertThat(sso.csv()).isEqualTo(RHSSO_CSV);
        assertThat(csv("rh-sso", RHSSO_CSV).getStatus().getPhase()).isEqualTo("Succeeded");
        assertThat(csv("3scale", THREESCALE_CSV).getStatus().getPhase()).isEqualTo("Succeeded");
    }

    @Test
    void aFailedCsvThatOlmDoesNotRetryGivesItsReason() {
        // OLM's InstallReady phase: an unrecoverable install error fails the CSV "without retry"
        cluster.olm().behaviour("3scale-operator", OlmSimulator.Behaviour.fail("InstallComponentFailedNoRetry",
                "install strategy failed: Deployment.apps \"threescale-operator-controller-manager-v2\" is invalid"));

        StageException e = catchThrowableOfType(StageException.class,
                () -> installer().install(threescale(), recorder));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).isEqualTo("the operator 3scale-operator failed to install: CSV " + THREESCALE_CSV
                + " is Failed (InstallComponentFailedNoRetry: install strategy failed: Deployment.apps"
                + " \"threescale-operator-controller-manager-v2\" is invalid)");
        assertThat(e.fix().hint()).contains("oc describe csv " + THREESCALE_CSV + " -n 3scale");
        assertThat(e.invalidInput()).isFalse();
        assertThat(csv("3scale", THREESCALE_CSV).getStatus().getPhase()).isEqualTo("Failed");
    }

    @Test
    void aManualInstallPlanIsApprovedWhenTheUserAgreed() {
        OperatorInstaller.Result result = installer().install(
                threescale().withApproval(OperatorSpec.MANUAL, true), recorder);

        assertThat(result.csv()).isEqualTo(THREESCALE_CSV);
        InstallPlan plan = onlyInstallPlan("3scale");
        assertThat(plan.getSpec().getApproval()).isEqualTo("Manual");
        assertThat(plan.getSpec().getApproved()).isTrue();
        assertThat(result.changes()).anySatisfy(c -> {
            assertThat(c.action()).isEqualTo(Action.UPDATE);
            assertThat(c.kind()).isEqualTo("InstallPlan");
            assertThat(c.name()).isEqualTo("3scale/" + plan.getMetadata().getName());
            assertThat(c.fields()).containsKey("spec.approved");
        });
        assertThat(progress).contains("approved InstallPlan " + plan.getMetadata().getName());
        assertThat(csv("3scale", THREESCALE_CSV).getStatus().getPhase()).isEqualTo("Succeeded");
    }

    @Test
    void aManualInstallPlanWithoutConsentIsLeftForTheUserAndARerunFinishesAfterTheyApprove() {
        OperatorSpec manual = threescale().withApproval(OperatorSpec.MANUAL, false);

        StageException e = catchThrowableOfType(StageException.class, () -> installer().install(manual, recorder));

        assertThat(e).isNotNull();
        InstallPlan plan = onlyInstallPlan("3scale");
        String name = plan.getMetadata().getName();
        assertThat(e.getMessage()).isEqualTo("the InstallPlan " + name + " for 3scale-operator waits for manual"
                + " approval");
        assertThat(e.fix().hint()).contains("oc patch installplan " + name + " -n 3scale");
        assertThat(plan.getSpec().getApproved()).isFalse();
        assertThat(plan.getStatus().getPhase()).isEqualTo("RequiresApproval");
        assertThat(csv("3scale", THREESCALE_CSV)).isNull();

        // the user approves it by hand (what the fix says), then reruns
        client.resources(InstallPlan.class).inNamespace("3scale").withName(name)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"approved\":true}}");
        OperatorInstaller.Result result = installer().install(manual, Progress.NONE);
        assertThat(result.csv()).isEqualTo(THREESCALE_CSV);
        assertThat(result.changes()).noneMatch(c -> c.kind().equals("InstallPlan"));
        assertThat(csv("3scale", THREESCALE_CSV).getStatus().getPhase()).isEqualTo("Succeeded");
    }

    @Test
    void noInstallPlanBeforeTheTimeout() {
        cluster.olm().behaviour("3scale-operator", OlmSimulator.Behaviour.noInstallPlan());

        long start = System.nanoTime();
        StageException e = catchThrowableOfType(StageException.class,
                () -> installer().install(threescale().withTimeout(Duration.ofSeconds(2)), recorder));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).isEqualTo("OLM made no InstallPlan for 3scale-operator within 2 s");
        assertThat(e.fix().hint()).contains("oc describe subscription 3scale-operator -n 3scale");
        assertThat(took).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(30));
        assertThat(client.resources(InstallPlan.class).inNamespace("3scale").list().getItems()).isEmpty();
    }

    @Test
    void aCsvThatDoesNotSucceedBeforeTheTimeout() {
        cluster.olm().behaviour("3scale-operator", OlmSimulator.Behaviour.succeed(Duration.ofMinutes(5)));

        StageException e = catchThrowableOfType(StageException.class,
                () -> installer().install(threescale().withTimeout(Duration.ofSeconds(2)), recorder));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).startsWith("the operator 3scale-operator did not finish installing within 2 s:"
                + " CSV " + THREESCALE_CSV + " is Installing (InstallWaiting: ");
        assertThat(progress).anyMatch(p -> p.contains("CSV " + THREESCALE_CSV + ": Installing"));
    }

    @Test
    void aCatalogSourceThatDoesNotOfferThePackageIsInvalidInputBeforeAnythingIsWritten() {
        // a Subscription to it would only get OLM's ResolutionFailed ("no operators found in package ...")
        StageException e = catchThrowableOfType(StageException.class, () -> installer().install(
                threescale().withSource("community-operators", "openshift-marketplace")
                        .withTimeout(Duration.ofSeconds(2)), Progress.NONE));
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).isEqualTo("the catalog community-operators does not offer the operator package"
                + " 3scale-operator; it is offered by: redhat-operators");
        assertThat(e.invalidInput()).isTrue();
        assertThat(client.namespaces().withName("3scale").get()).isNull();
    }

    @Test
    void packageOrChannelMissingFromTheCatalogIsInvalidInputBeforeAnythingIsWritten() {
        StageException pkg = catchThrowableOfType(StageException.class, () -> installer().install(
                OperatorSpec.of("no-such-operator", "stable", "x"), Progress.NONE));
        assertThat(pkg.getMessage()).isEqualTo("no catalog in openshift-marketplace offers the operator package"
                + " no-such-operator");
        assertThat(pkg.invalidInput()).isTrue();

        StageException channel = catchThrowableOfType(StageException.class, () -> installer().install(
                OperatorSpec.of("3scale-operator", "threescale-2.13", "3scale"), Progress.NONE));
        assertThat(channel.getMessage()).isEqualTo("the operator package 3scale-operator has no channel"
                + " 'threescale-2.13'; the catalog offers: threescale-2.15, threescale-2.16");
        assertThat(channel.invalidInput()).isTrue();
        assertThat(client.namespaces().withName("3scale").get()).isNull();
        assertThat(client.namespaces().withName("x").get()).isNull();
    }

    @Test
    void anInstallTimeoutIsNotFinalTheWaitGoesOnUntilOlmSucceeds() {
        // OLM operator.go: Installing for 5 minutes -> Failed/InstallCheckFailed "install timeout" -> Pending -> ...
        cluster.olm().behaviour("3scale-operator", OlmSimulator.Behaviour.installTimeoutThenSucceed(
                Duration.ofMillis(400)));

        OperatorInstaller.Result result = installer().install(threescale(), recorder);

        assertThat(result.csv()).isEqualTo(THREESCALE_CSV);
        assertThat(csv("3scale", THREESCALE_CSV).getStatus().getPhase()).isEqualTo("Succeeded");
        assertThat(progress).containsSubsequence(
                "CSV " + THREESCALE_CSV + ": Failed (InstallCheckFailed: install timeout); OLM retries the install",
                "CSV " + THREESCALE_CSV + ": Succeeded");
    }

    @Test
    void aFailureOlmKeepsRetryingEndsAtTheTimeoutSayingWhatOlmReports() {
        cluster.olm().behaviour("3scale-operator", OlmSimulator.Behaviour.fail("InstallComponentFailed",
                "install strategy failed: simulated", Duration.ofMillis(200)));

        StageException e = catchThrowableOfType(StageException.class,
                () -> installer().install(threescale().withTimeout(Duration.ofSeconds(4)), recorder));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).startsWith("the operator 3scale-operator did not finish installing within 4 s: CSV "
                + THREESCALE_CSV + " is ");
        assertThat(progress).contains("CSV " + THREESCALE_CSV + ": Failed (InstallComponentFailed: install strategy"
                + " failed: simulated); OLM retries the install");
        assertThat(progress).anyMatch(p -> p.startsWith("CSV " + THREESCALE_CSV + ": Pending (NeedsReinstall"));
    }

    @Test
    void aFailedInstallPlanEndsTheWaitAtOnceNamingItsCondition() {
        cluster.olm().behaviour("3scale-operator", OlmSimulator.Behaviour.installPlanFailed(null,
                Duration.ofMillis(500)));

        long start = System.nanoTime();
        StageException e = catchThrowableOfType(StageException.class, () -> installer().install(
                threescale().withTimeout(Duration.ofSeconds(90)), recorder));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(e).isNotNull();
        String plan = onlyInstallPlan("3scale").getMetadata().getName();
        assertThat(e.getMessage()).isEqualTo("the InstallPlan " + plan + " for 3scale-operator failed (condition"
                + " Installed=False, reason InstallComponentFailed: error validating existing CRs against new CRD's"
                + " schema for \"apimanagers.apps.3scale.net\": error validating custom resource against new schema"
                + " for APIManager 3scale/apimanager: [].spec.system: Invalid value)");
        assertThat(e.fix().hint()).contains("oc describe installplan " + plan + " -n 3scale");
        assertThat(took).isLessThan(Duration.ofSeconds(45));
    }

    @Test
    void aBundleThatCannotBeUnpackedEndsTheWaitAtOnce() {
        cluster.olm().behaviour("3scale-operator", OlmSimulator.Behaviour.bundleUnpackFailed(Duration.ofMillis(500)));

        long start = System.nanoTime();
        StageException e = catchThrowableOfType(StageException.class, () -> installer().install(
                threescale().withTimeout(Duration.ofSeconds(90)), recorder));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).startsWith("OLM cannot unpack the bundle of 3scale-operator (Subscription condition"
                + " BundleUnpackFailed, reason BundleUnpackFailed: Bundle unpacking failed - DeadlineExceeded");
        assertThat(e.fix().hint()).contains("mirror the package 3scale-operator").contains("bundle-unpack-ref");
        assertThat(progress).anyMatch(p -> p.contains("Bundle image pull failed"));
        assertThat(took).isLessThan(Duration.ofSeconds(45));
    }

    @Test
    void aPendingManualUpgradeWhileTheInstalledCsvRunsIsFineAndIsNotApproved() {
        OperatorSpec manual = threescale().withApproval(OperatorSpec.MANUAL, true);
        installer().install(manual, Progress.NONE);
        String first = onlyInstallPlan("3scale").getMetadata().getName();

        // the catalog moves the channel on: OLM makes an upgrade plan that waits for approval
        cluster.publish("3scale-operator", "redhat-operators", "threescale-2.15", "3scale-operator.v0.12.5");
        Subscription sub = client.resources(Subscription.class).inNamespace("3scale").withName("3scale-operator")
                .waitUntilCondition(s -> s != null && s.getStatus() != null
                        && "3scale-operator.v0.12.5".equals(s.getStatus().getCurrentCSV()), 30,
                        java.util.concurrent.TimeUnit.SECONDS);
        String upgrade = sub.getStatus().getInstallPlanRef().getName();
        assertThat(upgrade).isNotEqualTo(first);
        cluster.clearRequests();

        for (OperatorSpec spec : List.of(manual, threescale().withApproval(OperatorSpec.MANUAL, false))) {
            progress.clear();
            OperatorInstaller.Result result = installer().install(spec, recorder);

            assertThat(result.csv()).isEqualTo(THREESCALE_CSV);
            assertThat(result.pendingUpgrade()).isEqualTo("3scale-operator.v0.12.5");
            assertThat(result.changes()).allMatch(Change::isNoop, "nothing changed: " + result.changes());
            assertThat(progress).contains("an upgrade to 3scale-operator.v0.12.5 waits for Manual approval; OLM keeps"
                    + " running " + THREESCALE_CSV);
        }
        assertThat(cluster.acceptedWrites()).isEmpty();
        assertThat(client.resources(InstallPlan.class).inNamespace("3scale").withName(upgrade).get().getSpec()
                .getApproved()).isFalse();
        assertThat(csv("3scale", THREESCALE_CSV).getStatus().getPhase()).isEqualTo("Succeeded");
    }

    @Test
    void withSeveralCatalogsOfferingThePackageRedHatsIsChosenOrTheOneAsked() {
        List<dev.maas.installer.sandbox.CatalogPackage> packages = new java.util.ArrayList<>(
                dev.maas.installer.sandbox.CatalogPackage.redHatDefaults());
        packages.add(new dev.maas.installer.sandbox.CatalogPackage("3scale-operator", "community-operators",
                "threescale-2.15", java.util.Map.of("threescale-2.15", "3scale-operator.v0.12.4")));
        try (SandboxCluster two = SandboxCluster.start(SandboxCluster.Options.defaults().withModels(false)
                .withPackages(packages).withOlmBehaviour(OlmSimulator.Behaviour.succeed(Duration.ofMillis(100))))) {
            KubernetesClient c = two.newClient();
            // the package server answers a GET by name with either catalog's manifest; the choice does not vary
            for (int i = 0; i < 20; i++) {
                assertThat(OperatorCatalog.find(c, "3scale-operator", "openshift-marketplace").orElseThrow()
                        .catalogSource()).isEqualTo("redhat-operators");
            }
            assertThat(OperatorCatalog.offers(c, "3scale-operator", "openshift-marketplace"))
                    .extracting(OperatorCatalog.Entry::catalogSource)
                    .containsExactly("redhat-operators", "community-operators");

            OperatorInstaller.Result result = new OperatorInstaller(c, new Cancellation()).install(threescale(),
                    recorder);
            assertThat(result.csv()).isEqualTo(THREESCALE_CSV);
            assertThat(c.resources(Subscription.class).inNamespace("3scale").withName("3scale-operator").get()
                    .getSpec().getSource()).isEqualTo("redhat-operators");
            assertThat(progress).contains("3scale-operator is offered by the catalogs redhat-operators,"
                    + " community-operators; using redhat-operators");

            assertThat(new OperatorInstaller(c, new Cancellation()).plan(OperatorSpec.of("3scale-operator",
                    "threescale-2.15", "other").withSource("community-operators", null)).get(2).fields()
                    .get("spec.source").to()).isEqualTo("community-operators");
            StageException absent = catchThrowableOfType(StageException.class, () -> new OperatorInstaller(c,
                    new Cancellation()).plan(OperatorSpec.of("3scale-operator", "threescale-2.15", "other")
                    .withSource("certified-operators", null)));
            assertThat(absent.getMessage()).isEqualTo("the catalog certified-operators does not offer the operator"
                    + " package 3scale-operator; it is offered by: redhat-operators, community-operators");
            assertThat(absent.invalidInput()).isTrue();
        }
    }

    @Test
    void planShowsWhatWouldBeCreatedWithoutWriting() {
        cluster.clearRequests();
        List<Change> plan = installer().plan(threescale());
        assertThat(plan).extracting(Change::action).containsExactly(Action.CREATE, Action.CREATE, Action.CREATE);
        assertThat(plan.get(2).fields()).containsKeys("spec.channel", "spec.source");
        assertThat(cluster.requests()).isNotEmpty().noneMatch(ApiRequest::isWrite);
    }

    @Test
    void aChannelChangeIsAnUpdateOfOnlyOurFields() {
        installer().install(threescale(), Progress.NONE);

        List<Change> plan = installer().plan(OperatorSpec.of("3scale-operator", "threescale-2.16", "3scale"));
        assertThat(plan.get(2).action()).isEqualTo(Action.UPDATE);
        assertThat(plan.get(2).fields()).containsOnlyKeys("spec.channel");
        assertThat(plan.get(2).fields().get("spec.channel").from()).isEqualTo("threescale-2.15");
    }

    @Test
    void cancelStopsTheWaitForTheInstallPlan() {
        cluster.olm().behaviour("3scale-operator", OlmSimulator.Behaviour.noInstallPlan());
        Cancellation cancel = new Cancellation();
        Progress cancelOnFirstDetailAboutWaiting = new Progress() {
            @Override public void step(int n, int of, String message) { }

            @Override public void detail(String message) {
                if (message.startsWith("Subscription 3scale-operator:")) {
                    cancel.cancel();
                }
            }
        };
        long start = System.nanoTime();
        assertThatThrownBy(() -> new OperatorInstaller(client, cancel).install(
                threescale().withTimeout(Duration.ofMinutes(5)), cancelOnFirstDetailAboutWaiting))
                .isInstanceOf(CancelledException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void aFittingOperatorGroupIsReusedAndOneTargetingAllNamespacesIsRefused() {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("3scale").endMetadata()
                .build()).create();
        client.resource(new OperatorGroupBuilder().withNewMetadata().withName("existing").withNamespace("3scale")
                .endMetadata().withNewSpec().withTargetNamespaces("3scale").endSpec().build()).create();
        List<Change> plan = installer().plan(threescale());
        assertThat(plan.get(1).action()).isEqualTo(Action.NOOP);
        assertThat(plan.get(1).name()).isEqualTo("3scale/existing");

        client.resources(OperatorGroup.class).inNamespace("3scale").withName("existing")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"targetNamespaces\":null}}");
        assertThatThrownBy(() -> installer().plan(threescale()))
                .isInstanceOf(StageException.class)
                .hasMessageContaining("already has the OperatorGroup existing targeting all namespaces");
    }
}
