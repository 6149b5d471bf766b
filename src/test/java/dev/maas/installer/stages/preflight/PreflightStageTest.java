package dev.maas.installer.stages.preflight;

import dev.maas.installer.cluster.Fixtures;
import dev.maas.installer.cluster.ModelDiscovery;
import dev.maas.installer.cluster.TestCluster;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.StorageConfig;
import dev.maas.installer.engine.config.InstallerConfig.ThreescaleConfig;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.run.StageRunner;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.stages.Stages;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PreflightStageTest {
    private TestCluster cluster;
    private final PreflightStage stage = new PreflightStage();

    @BeforeEach
    void setUp() { cluster = new TestCluster(); }

    @AfterEach
    void tearDown() { cluster.close(); }

    private StageContext ctx(InstallerConfig config) {
        KubernetesClient client = cluster.client();
        return new StageContext(config, SecretRegistry.global(), new Cancellation())
                .provide(KubernetesClient.class, () -> client);
    }

    private static InstallerConfig withThreescale(String channel, StorageConfig storage) {
        return new InstallerConfig(null, null, null,
                new ThreescaleConfig(null, channel, null, null, storage, null), null, null, null, null);
    }

    private static Check check(List<Check> checks, String name) {
        return checks.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + name + " in " + checks));
    }

    @Test
    void passesOnAWellSeededCluster() {
        Fixtures.wellSeeded(cluster.client());
        cluster.clearRequests();
        StageContext ctx = ctx(InstallerConfig.defaults());

        List<Check> checks = stage.verify(ctx);

        assertThat(checks).allMatch(c -> c.status() == CheckStatus.OK, "all OK: " + checks);
        assertThat(checks).extracting(Check::name).containsExactly("openshift", "olm", "catalog: sso operator",
                "catalog: 3scale-operator", "permissions", "storage", "apps domain", "models");
        assertThat(check(checks, "catalog: sso operator").message()).contains("rhsso-operator channel stable");
        assertThat(check(checks, "storage").message()).contains("ocs-storagecluster-cephfs").doesNotContain("gp3");
        assertThat(check(checks, "apps domain").message()).contains("apps.cluster.example.com");
        assertThat(check(checks, "models").message()).contains("models/granite");
        assertThat(stage.plan(ctx)).isEmpty();
        List<String> steps = new ArrayList<>();
        assertThat(stage.apply(ctx, (n, of, m) -> steps.add(n + "/" + of))).isEmpty();
        assertThat(steps).contains("1/9", "9/9");
        assertThat(cluster.realWrites()).isEmpty();
    }

    @Test
    void verifyThroughTheRunnerLikeTheCli() {
        Fixtures.wellSeeded(cluster.client());
        Stage preflight = Stages.all().get(0);
        assertThat(preflight.id()).isEqualTo(StageIds.PREFLIGHT);
        assertThat(preflight.available()).isTrue();
        RunReport report = new StageRunner(Stages.all()).run(Operation.VERIFY, List.of(StageIds.PREFLIGHT),
                ctx(InstallerConfig.defaults()), null);
        assertThat(report.allOk()).isTrue();
        assertThat(report.allChecksPass()).isTrue();
    }

    @Test
    void missingPackageIsNamed() {
        Fixtures.wellSeeded(cluster.client());
        cluster.client().resources(io.fabric8.openshift.api.model.operatorhub.packages.v1.PackageManifest.class)
                .inNamespace("openshift-marketplace").withName("3scale-operator").delete();
        Check c = check(stage.verify(ctx(InstallerConfig.defaults())), "catalog: 3scale-operator");
        assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(c.message()).isEqualTo("no catalog offers the operator package 3scale-operator");
        assertThat(c.fix().hint()).contains("redhat-operators");
    }

    @Test
    void missingChannelListsTheAvailableOnes() {
        Fixtures.wellSeeded(cluster.client());
        Check c = check(stage.verify(ctx(withThreescale("threescale-2.13", null))), "catalog: 3scale-operator");
        assertThat(c.status()).isEqualTo(CheckStatus.INVALID_INPUT);
        assertThat(c.message()).isEqualTo("3scale-operator has no channel 'threescale-2.13'; available channels:"
                + " threescale-2.14, threescale-2.15, threescale-2.16");
        assertThat(c.fix().kind()).isEqualTo(Fix.Kind.CONFIG);
        assertThat(c.fix().target()).isEqualTo("threescale.channel");
    }

    @Test
    void ssoFallsBackToRhbkWhenRhssoIsAbsent() {
        Fixtures.wellSeeded(cluster.client());
        cluster.client().resources(io.fabric8.openshift.api.model.operatorhub.packages.v1.PackageManifest.class)
                .inNamespace("openshift-marketplace").withName("rhsso-operator").delete();
        Check none = check(stage.verify(ctx(InstallerConfig.defaults())), "catalog: sso operator");
        assertThat(none.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(none.message()).contains("rhsso-operator (channel stable) or rhbk-operator");

        Fixtures.packageManifest(cluster.client(), "rhbk-operator", "stable-v26", "stable-v24", "stable-v26");
        Check rhbk = check(stage.verify(ctx(InstallerConfig.defaults())), "catalog: sso operator");
        assertThat(rhbk.status()).isEqualTo(CheckStatus.OK);
        assertThat(rhbk.message()).contains("rhbk-operator").contains("stable-v26");
    }

    @Test
    void noRwxStorageClassFails() {
        Fixtures.packageManifest(cluster.client(), "rhsso-operator", "stable", "stable");
        Fixtures.packageManifest(cluster.client(), "3scale-operator", "threescale-2.15", "threescale-2.15");
        Fixtures.storageClass(cluster.client(), "gp3-csi", "ebs.csi.aws.com");
        Fixtures.appsDomain(cluster.client(), "apps.example.com");
        StageContext ctx = ctx(InstallerConfig.defaults());

        Check c = check(stage.verify(ctx), "storage");
        assertThat(c.status()).isEqualTo(CheckStatus.INVALID_INPUT);
        assertThat(c.message()).contains("no ReadWriteMany-capable StorageClass found (the cluster has: gp3-csi)");
        assertThat(c.fix().target()).isEqualTo("threescale.storage.type");
        assertThatThrownBy(() -> stage.apply(ctx, Progress.NONE))
                .isInstanceOf(StageException.class)
                .hasMessageContaining("1 preflight check failed: storage: no ReadWriteMany");

        Check s3 = check(stage.verify(ctx(withThreescale(null, new StorageConfig("s3", null, "aws-auth")))),
                "storage");
        assertThat(s3.status().passes()).isTrue();
        assertThat(s3.message()).contains("aws-auth");
    }

    @Test
    void deniedPermissionsAreListed() {
        Fixtures.wellSeeded(cluster.client());
        cluster.access(a -> !(a.getVerb().equals("create") && a.getResource().equals("subscriptions")
                && "3scale".equals(a.getNamespace())));
        Check c = check(stage.verify(ctx(InstallerConfig.defaults())), "permissions");
        assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(c.message()).isEqualTo("you may not: create subscriptions.operators.coreos.com in namespace 3scale");
        assertThat(c.fix().hint()).contains("cluster-admin");
    }

    @Test
    void requiredPermissionsCoverWhatTheInstallDoes() {
        List<String> all = PreflightStage.requiredPermissions(InstallerConfig.defaults()).stream()
                .map(Permission::describe).toList();
        assertThat(all).contains("create namespaces (cluster-wide)",
                "create operatorgroups.operators.coreos.com in namespace rh-sso",
                "watch installplans.operators.coreos.com in namespace 3scale",
                "create apimanagers.apps.3scale.net in namespace 3scale",
                "list packagemanifests.packages.operators.coreos.com in namespace openshift-marketplace",
                "watch keycloaks.keycloak.org in namespace rh-sso",
                "patch keycloakrealms.keycloak.org in namespace rh-sso",
                "patch keycloaks.k8s.keycloak.org in namespace rh-sso",
                "create statefulsets.apps in namespace rh-sso",
                "watch statefulsets.apps in namespace rh-sso",
                "create services in namespace rh-sso",
                "get secrets in namespace rh-sso",
                "get leases.coordination.k8s.io in namespace maas-installer",
                "create leases.coordination.k8s.io in namespace maas-installer",
                "update leases.coordination.k8s.io in namespace maas-installer");
    }

    @Test
    void theKeycloakDatabasePermissionsAreAskedOnlyWhenTheStageRunsIt() {
        var d = InstallerConfig.defaults();
        java.util.function.Function<InstallerConfig.SsoConfig, List<String>> perms = sso -> PreflightStage
                .requiredPermissions(new InstallerConfig(d.cluster(), d.endpoints(), sso, d.threescale(), d.models(),
                        d.products(), d.plans(), d.portal())).stream().map(Permission::describe).toList();
        assertThat(perms.apply(new InstallerConfig.SsoConfig("rhsso", null, null, null, null)))
                .noneMatch(p -> p.contains("statefulsets"));
        assertThat(perms.apply(new InstallerConfig.SsoConfig("rhbk", null, null, null, null, new InstallerConfig
                .DatabaseConfig("external", null, null, null, null, "db.example.com", null, null, "db"))))
                .noneMatch(p -> p.contains("statefulsets"));
        assertThat(perms.apply(new InstallerConfig.SsoConfig("rhbk", null, null, null, null)))
                .contains("patch statefulsets.apps in namespace rh-sso", "get persistentvolumeclaims in namespace rh-sso");
    }

    @Test
    void olmAbsentIsItsOwnFailure() {
        Fixtures.wellSeeded(cluster.client());
        cluster.withoutGroups("operators.coreos.com", "packages.operators.coreos.com");
        List<Check> checks = stage.verify(ctx(InstallerConfig.defaults()));
        Check olm = check(checks, "olm");
        assertThat(olm.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(olm.message()).isEqualTo("Operator Lifecycle Manager is not present: operators.coreos.com is not served");
        assertThat(checks).extracting(Check::name).doesNotContain("catalog: 3scale-operator");
        assertThat(check(checks, "openshift").status()).isEqualTo(CheckStatus.OK);
    }

    @Test
    void notOpenShiftIsSaid() {
        Fixtures.wellSeeded(cluster.client());
        cluster.withoutGroups("route.openshift.io");
        Check c = check(stage.verify(ctx(InstallerConfig.defaults())), "openshift");
        assertThat(c.status()).isEqualTo(CheckStatus.INVALID_INPUT);
        assertThat(c.message()).contains("not OpenShift");
    }

    @Test
    void noModelsIsAWarning() {
        Fixtures.wellSeeded(cluster.client());
        cluster.client().genericKubernetesResources(ModelDiscovery.CONTEXT)
                .inNamespace("models").withName("granite").delete();
        List<Check> checks = stage.verify(ctx(InstallerConfig.defaults()));
        Check c = check(checks, "models");
        assertThat(c.status()).isEqualTo(CheckStatus.WARN);
        assertThat(c.message()).contains("no served models");
        assertThat(checks).allMatch(x -> x.status().passes());

        InstallerConfig withModel = new InstallerConfig(null, null, null, null,
                List.of(new InstallerConfig.ModelConfig("m", "m", "http://m", null, null)), null, null, null);
        assertThat(check(stage.verify(ctx(withModel)), "models").status()).isEqualTo(CheckStatus.OK);
    }

    @Test
    void channel216NeedsTheExternalDatabaseSecrets() {
        Fixtures.wellSeeded(cluster.client());
        StageContext ctx = ctx(withThreescale("threescale-2.16", null));
        Check c = check(stage.verify(ctx), "3scale external databases");
        assertThat(c.status()).isEqualTo(CheckStatus.INVALID_INPUT);
        assertThat(c.message()).contains("missing Secrets in namespace 3scale: system-database, backend-redis,"
                + " system-redis");

        cluster.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("3scale")
                .endMetadata().build()).create();
        for (String name : PreflightStage.EXTERNAL_DB_SECRETS) {
            cluster.client().secrets().inNamespace("3scale").resource(new SecretBuilder().withNewMetadata()
                    .withName(name).endMetadata().withData(Map.of("URL", "cmVkaXM6Ly9yZWRpcw==")).build()).create();
        }
        assertThat(check(stage.verify(ctx), "3scale external databases").status()).isEqualTo(CheckStatus.OK);
        assertThat(stage.verify(ctx(InstallerConfig.defaults()))).extracting(Check::name)
                .doesNotContain("3scale external databases");
    }
}
