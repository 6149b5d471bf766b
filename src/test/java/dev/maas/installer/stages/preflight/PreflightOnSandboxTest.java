package dev.maas.installer.stages.preflight;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.SsoConfig;
import dev.maas.installer.engine.config.InstallerConfig.StorageConfig;
import dev.maas.installer.engine.config.InstallerConfig.ThreescaleConfig;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.run.StageRunner;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.sandbox.AccessRule;
import dev.maas.installer.sandbox.ApiRequest;
import dev.maas.installer.sandbox.CatalogPackage;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The preflight stage against the sandbox (the strict test cluster, reached over HTTPS with its token like a real
 * cluster): it passes on the sandbox as started by {@code maas-installer sandbox}, and each failing condition, built
 * with the sandbox's own switches, fails exactly its own check with its own message.
 */
@StartsSandbox
class PreflightOnSandboxTest {
    private final PreflightStage stage = new PreflightStage();
    private SandboxCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private StageContext start(SandboxCluster.Options options, InstallerConfig config) {
        cluster = SandboxCluster.start(options);
        return ctx(config);
    }

    /** A context on the started cluster with another configuration. */
    private StageContext ctx(InstallerConfig config) {
        KubernetesClient client = cluster.newClient();
        return new StageContext(config, SecretRegistry.global(), new Cancellation())
                .provide(KubernetesClient.class, () -> client);
    }

    private static Check check(List<Check> checks, String name) {
        return checks.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + name + " in " + checks));
    }

    /** Every check but {@code failing} passes: the condition gives its own message, not a cascade. */
    private static void onlyThisFails(List<Check> checks, String failing) {
        assertThat(checks.stream().filter(c -> !c.status().passes()).map(Check::name).toList())
                .as("failed checks in %s", checks).containsExactly(failing);
    }

    private static InstallerConfig config(String ssoFlavour, String threescaleChannel) {
        return new InstallerConfig(null, null, new SsoConfig(ssoFlavour, null, null, null, null),
                new ThreescaleConfig(null, threescaleChannel, null, null, null, null), null, null, null, null);
    }

    private static List<CatalogPackage> catalogWithout(String packageName) {
        return CatalogPackage.redHatDefaults().stream().filter(p -> !p.name().equals(packageName)).toList();
    }

    private static List<CatalogPackage> catalogReplacing(CatalogPackage replacement) {
        return CatalogPackage.redHatDefaults().stream()
                .map(p -> p.name().equals(replacement.name()) ? replacement : p).toList();
    }

    @Test
    void passesOnTheSandboxAsTheCommandStartsIt() {
        StageContext ctx = start(SandboxCluster.Options.defaults(), InstallerConfig.defaults());
        cluster.clearRequests();

        List<Check> checks = stage.verify(ctx);

        assertThat(checks).as(checks.toString()).allMatch(c -> c.status() == CheckStatus.OK);
        assertThat(checks).extracting(Check::name).containsExactly("openshift", "olm", "catalog: sso operator",
                "catalog: 3scale-operator", "permissions", "storage", "apps domain", "models");
        assertThat(check(checks, "catalog: sso operator").message())
                .isEqualTo("rhsso-operator channel stable is offered by catalog redhat-operators");
        assertThat(check(checks, "catalog: 3scale-operator").message())
                .startsWith("3scale-operator channel threescale-2.15 is offered by catalog redhat-operators");
        assertThat(check(checks, "storage").message()).contains(SandboxCluster.RWX_STORAGE_CLASS);
        assertThat(check(checks, "apps domain").message()).contains(cluster.appsDomain());
        assertThat(check(checks, "models").message()).contains(SandboxCluster.MODELS_NAMESPACE + "/")
                .contains("left out, as APIcast cannot call them as they are: models/fraud-detection (served by"
                        + " ModelMesh", "models/llama-3-1-8b-instruct (token authentication is on",
                        "models/qwen2-5-7b-instruct (a serverless (Knative) deployment");
        assertThat(stage.plan(ctx)).isEmpty();
        List<String> steps = new ArrayList<>();
        assertThat(stage.apply(ctx, (n, of, m) -> steps.add(n + "/" + of))).isEmpty();
        assertThat(steps).contains("1/9", "9/9");
        assertThat(cluster.requests()).isNotEmpty().noneMatch(ApiRequest::isWrite);

        RunReport report = new StageRunner(Stages.all()).run(Operation.VERIFY, List.of(StageIds.PREFLIGHT), ctx,
                null);
        assertThat(report.allOk()).isTrue();
        assertThat(report.allChecksPass()).isTrue();
    }

    @Test
    void theRhbkFlavourAndThe216ChannelAreOfferedToo() {
        StageContext ctx = start(SandboxCluster.Options.defaults(), config("rhbk", "threescale-2.16"));
        List<Check> checks = stage.verify(ctx);
        assertThat(check(checks, "catalog: sso operator").status()).isEqualTo(CheckStatus.OK);
        assertThat(check(checks, "catalog: sso operator").message()).contains("rhbk-operator", "stable-v26");
        assertThat(check(checks, "catalog: 3scale-operator").status()).isEqualTo(CheckStatus.OK);
        // 2.16 needs external databases, which a fresh cluster (and the sandbox) does not have
        onlyThisFails(checks, "3scale external databases");
    }

    @Test
    void packageMissing() {
        StageContext ctx = start(SandboxCluster.Options.defaults().withPackages(catalogWithout("3scale-operator")),
                InstallerConfig.defaults());
        List<Check> checks = stage.verify(ctx);
        Check c = check(checks, "catalog: 3scale-operator");
        assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(c.message()).isEqualTo("no catalog offers the operator package 3scale-operator");
        assertThat(c.fix().hint()).contains("redhat-operators", "mirror 3scale-operator");
        onlyThisFails(checks, "catalog: 3scale-operator");
        assertThatThrownBy(() -> stage.apply(ctx, Progress.NONE)).isInstanceOf(StageException.class)
                .hasMessage("1 preflight check failed: catalog: 3scale-operator: no catalog offers the operator"
                        + " package 3scale-operator");
    }

    @Test
    void ssoPackagesMissing() {
        List<CatalogPackage> neither = CatalogPackage.redHatDefaults().stream()
                .filter(p -> p.name().equals("3scale-operator")).toList();
        StageContext ctx = start(SandboxCluster.Options.defaults().withPackages(neither), InstallerConfig.defaults());
        List<Check> checks = stage.verify(ctx);
        Check c = check(checks, "catalog: sso operator");
        assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(c.message()).isEqualTo("no catalog offers rhsso-operator (channel stable) or rhbk-operator");
        onlyThisFails(checks, "catalog: sso operator");
    }

    @Test
    void channelMissing() {
        CatalogPackage only216 = new CatalogPackage("3scale-operator", "redhat-operators", "threescale-2.16",
                Map.of("threescale-2.16", "3scale-operator.v0.13.1"));
        StageContext ctx = start(SandboxCluster.Options.defaults().withPackages(catalogReplacing(only216)),
                InstallerConfig.defaults());
        List<Check> checks = stage.verify(ctx);
        Check c = check(checks, "catalog: 3scale-operator");
        assertThat(c.status()).isEqualTo(CheckStatus.INVALID_INPUT);
        assertThat(c.message()).isEqualTo("3scale-operator has no channel 'threescale-2.15'; available channels:"
                + " threescale-2.16");
        assertThat(c.fix().kind()).isEqualTo(Fix.Kind.CONFIG);
        assertThat(c.fix().target()).isEqualTo("threescale.channel");
        onlyThisFails(checks, "catalog: 3scale-operator");
    }

    @Test
    void rhssoChannelMissingWhenRhssoIsChosen() {
        CatalogPackage alphaOnly = new CatalogPackage("rhsso-operator", "redhat-operators", "alpha",
                Map.of("alpha", "rhsso-operator.7.5.0"));
        StageContext ctx = start(SandboxCluster.Options.defaults().withPackages(catalogReplacing(alphaOnly)),
                config("rhsso", null));
        List<Check> checks = stage.verify(ctx);
        Check c = check(checks, "catalog: sso operator");
        assertThat(c.status()).isEqualTo(CheckStatus.INVALID_INPUT);
        assertThat(c.message()).isEqualTo("rhsso-operator has no channel 'stable'; the catalog offers: alpha");
        assertThat(c.fix().target()).isEqualTo("sso.flavour");
        onlyThisFails(checks, "catalog: sso operator");
    }

    @Test
    void noRwxStorageClass() {
        StageContext ctx = start(SandboxCluster.Options.defaults().withRwxStorage(false), InstallerConfig.defaults());
        List<Check> checks = stage.verify(ctx);
        Check c = check(checks, "storage");
        assertThat(c.status()).isEqualTo(CheckStatus.INVALID_INPUT);
        assertThat(c.message()).startsWith("no ReadWriteMany-capable StorageClass found (the cluster has: ")
                .doesNotContain(SandboxCluster.RWX_STORAGE_CLASS);
        assertThat(c.fix().target()).isEqualTo("threescale.storage.type");
        onlyThisFails(checks, "storage");
    }

    @Test
    void rbacDenied() {
        AccessRule noSubscriptionIn3scale = new AccessRule("create", "operators.coreos.com", "subscriptions",
                "3scale");
        AccessRule noNamespaces = AccessRule.deny("create", "", "namespaces");
        StageContext ctx = start(SandboxCluster.Options.defaults()
                .withDenied(List.of(noSubscriptionIn3scale, noNamespaces)), InstallerConfig.defaults());
        List<Check> checks = stage.verify(ctx);
        Check c = check(checks, "permissions");
        assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(c.message()).isEqualTo("you may not: create namespaces (cluster-wide); create"
                + " subscriptions.operators.coreos.com in namespace 3scale");
        assertThat(c.fix().hint()).contains("cluster-admin");
        onlyThisFails(checks, "permissions");
    }

    @Test
    void noRightToTheRunLockLeaseIsAPermissionFailure() {
        AccessRule noLeaseUpdates = new AccessRule("update", "coordination.k8s.io", "leases", "maas-installer");
        StageContext ctx = start(SandboxCluster.Options.defaults().withDenied(List.of(noLeaseUpdates)),
                InstallerConfig.defaults());
        List<Check> checks = stage.verify(ctx);
        Check c = check(checks, "permissions");
        assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(c.message()).isEqualTo("you may not: update leases.coordination.k8s.io in namespace"
                + " maas-installer");
        onlyThisFails(checks, "permissions");
    }

    @Test
    void olmAbsent() {
        StageContext ctx = start(SandboxCluster.Options.defaults().withOlm(false), InstallerConfig.defaults());
        List<Check> checks = stage.verify(ctx);
        Check c = check(checks, "olm");
        assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(c.message()).isEqualTo("Operator Lifecycle Manager is not present: operators.coreos.com is not"
                + " served");
        assertThat(checks).extracting(Check::name)
                .doesNotContain("catalog: sso operator", "catalog: 3scale-operator");
        onlyThisFails(checks, "olm");
    }

    @Test
    void notOpenShift() {
        StageContext ctx = start(SandboxCluster.Options.defaults().withOpenshift(false), InstallerConfig.defaults());
        List<Check> checks = stage.verify(ctx);
        Check c = check(checks, "openshift");
        assertThat(c.status()).isEqualTo(CheckStatus.INVALID_INPUT);
        assertThat(c.message()).isEqualTo("the cluster does not serve route.openshift.io: it is not OpenShift");
        assertThat(checks.stream().filter(x -> !x.status().passes()).map(Check::name)
                .collect(Collectors.toList())).contains("openshift");
    }

    /** The sandbox's namespace-admin variant: admin of the three namespaces the install uses, nothing cluster-wide. */
    private StageContext asNamespaceAdmin(InstallerConfig config) {
        cluster = SandboxCluster.start(SandboxCluster.Options.defaults());
        cluster.asNamespaceAdmin(List.of("rh-sso", "3scale", "maas-installer"));
        KubernetesClient client = cluster.newClient();
        cluster.clearRequests();
        return new StageContext(config, SecretRegistry.global(), new Cancellation())
                .provide(KubernetesClient.class, () -> client);
    }

    @Test
    void asANamespaceAdminTheRunStopsAtPreflightBeforeAnyChangeNamingWhatIsMissingAndWhoMustDoIt() {
        StageContext ctx = asNamespaceAdmin(InstallerConfig.defaults());

        RunReport report = new StageRunner(Stages.all()).run(Operation.APPLY, StageIds.ALL, ctx, null);

        assertThat(report.stages().get(0).stageId()).isEqualTo(StageIds.PREFLIGHT);
        assertThat(report.stages().get(0).outcome()).isEqualTo(dev.maas.installer.engine.run.StageResult.Outcome.FAILED);
        assertThat(report.stages().subList(1, report.stages().size())).allMatch(r ->
                r.outcome() == dev.maas.installer.engine.run.StageResult.Outcome.SKIPPED);
        assertThat(cluster.acceptedWrites()).as("nothing changed").isEmpty();

        List<Check> checks = stage.verify(ctx);
        Check c = check(checks, "permissions");
        assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        // what the admin role lacks; the operators' own APIs are not listed: OLM grants them with the operators
        assertThat(c.message()).isEqualTo("you may not: list packagemanifests.packages.operators.coreos.com in"
                + " namespace openshift-marketplace; get ingresses.config.openshift.io (cluster-wide); create"
                + " operatorgroups.operators.coreos.com in namespace rh-sso; create"
                + " operatorgroups.operators.coreos.com in namespace 3scale");
        assertThat(c.fix().hint()).contains("cluster-admin",
                "create in each of rh-sso, 3scale one OperatorGroup that targets only that namespace",
                "oc adm policy add-cluster-role-to-user maas-ingress-reader " + SandboxCluster.USER,
                "oc adm policy add-role-to-user view " + SandboxCluster.USER + " -n openshift-marketplace");
        assertThat(c.fix().hint()).doesNotContain("apimanagers", "keycloaks", "create the namespaces");
        assertThat(report.stages().get(0).error()).contains("permissions: you may not:");
    }

    @Test
    void onceAClusterAdminDidTheStepsTheNamespaceAdminMayDoWhatTheInstallDoes() {
        StageContext ctx = asNamespaceAdmin(InstallerConfig.defaults());
        KubernetesClient admin = cluster.adminClient();
        for (String ns : List.of("rh-sso", "3scale")) {
            admin.resource(new io.fabric8.openshift.api.model.operatorhub.v1.OperatorGroupBuilder().withNewMetadata()
                    .withName(ns).withNamespace(ns).endMetadata().withNewSpec().withTargetNamespaces(ns).endSpec()
                    .build()).create();
        }
        admin.rbac().clusterRoles().resource(new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder()
                .withNewMetadata().withName("maas-ingress-reader").endMetadata().addNewRule()
                .withApiGroups("config.openshift.io").withResources("ingresses").withVerbs("get").endRule().build())
                .create();
        admin.rbac().clusterRoleBindings().resource(new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder()
                .withNewMetadata().withName("maas-ingress-reader").endMetadata().withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName("maas-ingress-reader")
                .endRoleRef().addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User")
                .withName(SandboxCluster.USER).endSubject().build()).create();
        admin.rbac().roleBindings().inNamespace("openshift-marketplace").resource(
                new io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder().withNewMetadata().withName("maas-view")
                        .withNamespace("openshift-marketplace").endMetadata().withNewRoleRef()
                        .withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName("view")
                        .endRoleRef().addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User")
                        .withName(SandboxCluster.USER).endSubject().build()).create();

        Check c = check(stage.verify(ctx), "permissions");

        assertThat(c.status()).isEqualTo(CheckStatus.OK);
        assertThat(c.message()).contains("come with the operators", "apimanagers.apps.3scale.net",
                "keycloaks.keycloak.org");
    }

    @Test
    void patchingInstallPlansIsNeededOnlyUnderManualApproval() {
        InstallerConfig manual = new InstallerConfig(new InstallerConfig.ClusterConfig(null, null, null, null, null,
                "Manual"), null, null, null, null, null, null, null);
        assertThat(PreflightStage.requiredPermissions(InstallerConfig.defaults())).extracting(Permission::describe)
                .noneMatch(p -> p.startsWith("patch installplans"));
        assertThat(PreflightStage.requiredPermissions(manual)).extracting(Permission::describe)
                .contains("patch installplans.operators.coreos.com in namespace rh-sso",
                        "patch installplans.operators.coreos.com in namespace 3scale");

        StageContext ctx = asNamespaceAdmin(manual);
        Check c = check(stage.verify(ctx), "permissions");
        assertThat(c.message()).contains("patch installplans.operators.coreos.com in namespace 3scale");
        assertThat(c.fix().hint()).contains("let " + SandboxCluster.USER + " approve InstallPlans in rh-sso, 3scale",
                "or set cluster.installPlanApproval to Automatic");
    }

    @Test
    void s3StorageNeedsNoRwxStorageClass() {
        StageContext ctx = start(SandboxCluster.Options.defaults().withRwxStorage(false).withOlm(false),
                new InstallerConfig(null, null, null, new ThreescaleConfig(null, null, null, null,
                        new StorageConfig("s3", null, "aws-auth"), null), null, null, null, null));
        Check s3 = check(stage.verify(ctx), "storage");
        assertThat(s3.status().passes()).isTrue();
        assertThat(s3.message()).contains("aws-auth");
    }

    @Test
    void noModelsIsAWarningAndConfiguredModelsAreEnough() {
        StageContext ctx = start(SandboxCluster.Options.defaults().withModels(false), InstallerConfig.defaults());
        List<Check> checks = stage.verify(ctx);
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
        StageContext ctx = start(SandboxCluster.Options.defaults().withModels(false), config(null, "threescale-2.16"));
        Check c = check(stage.verify(ctx), "3scale external databases");
        assertThat(c.status()).isEqualTo(CheckStatus.INVALID_INPUT);
        assertThat(c.message()).contains("missing Secrets in namespace 3scale: system-database, backend-redis,"
                + " system-redis");

        KubernetesClient client = cluster.newClient();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("3scale").endMetadata()
                .build()).create();
        for (String name : PreflightStage.EXTERNAL_DB_SECRETS) {
            client.secrets().inNamespace("3scale").resource(new SecretBuilder().withNewMetadata().withName(name)
                    .endMetadata().withData(Map.of("URL", "cmVkaXM6Ly9yZWRpcw==")).build()).create();
        }
        assertThat(check(stage.verify(ctx), "3scale external databases").status()).isEqualTo(CheckStatus.OK);
        assertThat(stage.verify(ctx(InstallerConfig.defaults()))).extracting(Check::name)
                .doesNotContain("3scale external databases");
    }
}
