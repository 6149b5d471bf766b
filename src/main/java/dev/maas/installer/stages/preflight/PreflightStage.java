package dev.maas.installer.stages.preflight;

import dev.maas.installer.cluster.ClusterErrors;
import dev.maas.installer.cluster.ClusterException;
import dev.maas.installer.cluster.DiscoveredModel;
import dev.maas.installer.cluster.ModelDiscovery;
import dev.maas.installer.cluster.OperatorCatalog;
import dev.maas.installer.cluster.OperatorSpec;
import dev.maas.installer.cluster.RunLock;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.stages.common.ClusterFacts;
import dev.maas.installer.stages.sso.SsoFlavour;
import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupList;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Checks only: is this a cluster we can install on, with what the config asks for? Plan changes nothing, apply runs
 * the checks and fails when one fails, verify returns them. Every failed check says how to fix it.
 */
public final class PreflightStage implements Stage {
    public static final String RHSSO_PACKAGE = SsoFlavour.RHSSO_PACKAGE;
    public static final String RHSSO_CHANNEL = SsoFlavour.RHSSO_CHANNEL;
    public static final String RHBK_PACKAGE = SsoFlavour.RHBK_PACKAGE;
    public static final String THREESCALE_PACKAGE = "3scale-operator";
    /** Secrets 3scale 2.16 and later need for its external databases. */
    public static final List<String> EXTERNAL_DB_SECRETS = ClusterFacts.EXTERNAL_DB_SECRETS;

    @Override public String id() { return StageIds.PREFLIGHT; }

    @Override public String title() { return "Preflight checks"; }

    @Override public List<String> dependencies() { return List.of(); }

    @Override
    public List<Change> plan(StageContext ctx) { return List.of(); }

    @Override
    public List<Change> apply(StageContext ctx, Progress progress) {
        List<Check> checks = runChecks(ctx, progress);
        List<Check> failed = checks.stream().filter(c -> !c.status().passes()).toList();
        if (!failed.isEmpty()) {
            String msg = failed.size() + " preflight check" + (failed.size() == 1 ? "" : "s") + " failed: "
                    + failed.stream().map(c -> c.name() + ": " + c.message()).collect(Collectors.joining("; "));
            boolean input = failed.stream().allMatch(c -> c.status() == CheckStatus.INVALID_INPUT);
            throw new StageException(msg, failed.get(0).fix(), input, null);
        }
        return List.of();
    }

    @Override
    public List<Check> verify(StageContext ctx) { return runChecks(ctx, Progress.NONE); }

    private List<Check> runChecks(StageContext ctx, Progress progress) {
        KubernetesClient client = ctx.service(KubernetesClient.class);
        InstallerConfig cfg = ctx.config();
        List<Check> out = new ArrayList<>();
        int total = 9;
        int n = 0;

        progress.step(++n, total, "reading the API groups the cluster serves");
        Set<String> groups;
        try {
            APIGroupList list = client.getApiGroups();
            groups = list == null || list.getGroups() == null ? Set.of()
                    : list.getGroups().stream().map(APIGroup::getName).collect(Collectors.toSet());
        } catch (RuntimeException e) {
            ClusterException ce = ClusterErrors.translate(e, "reading the served API groups");
            out.add(Check.retryable("cluster reachable", ce.getMessage(), ce.fix()));
            return out;
        }
        out.add(groups.contains("route.openshift.io")
                ? Check.ok("openshift", "the cluster is OpenShift (route.openshift.io is served)")
                : Check.invalidInput("openshift", "the cluster does not serve route.openshift.io: it is not OpenShift",
                Fix.manual("connect to an OpenShift 4 cluster; MaaS needs Routes and OLM")));
        boolean olm = groups.contains("operators.coreos.com") && groups.contains("packages.operators.coreos.com");
        out.add(olm
                ? Check.ok("olm", "Operator Lifecycle Manager is present (operators.coreos.com is served)")
                : Check.retryable("olm", "Operator Lifecycle Manager is not present: "
                        + (groups.contains("operators.coreos.com") ? "packages.operators.coreos.com"
                        : "operators.coreos.com") + " is not served",
                Fix.manual("OpenShift 4 ships OLM; check `oc get clusteroperator operator-lifecycle-manager`"
                        + " and its packageserver, then rerun preflight")));

        progress.step(++n, total, "looking for the operators in the catalogs");
        if (olm) {
            out.add(guard("catalog: sso operator", () -> ssoCatalog(client, cfg)));
            progress.step(++n, total, "looking for the 3scale operator channel");
            out.add(guard("catalog: " + THREESCALE_PACKAGE, () -> threescaleCatalog(client, cfg)));
        } else {
            progress.step(++n, total, "skipping the catalog checks (no OLM)");
        }

        progress.step(++n, total, "checking your permissions");
        out.add(guard("permissions", () -> permissions(client, cfg)));

        progress.step(++n, total, "looking for storage for 3scale");
        out.add(guard("storage", () -> storage(client, cfg)));

        progress.step(++n, total, "reading the cluster's apps domain");
        out.add(guard("apps domain", () -> appsDomain(client)));

        progress.step(++n, total, "looking for served models");
        out.add(guard("models", () -> models(client, cfg, groups)));

        progress.step(++n, total, "checking 3scale's external databases");
        // a channel the catalog does not offer is reported above; which databases it would need is then moot
        boolean channelOffered = out.stream().noneMatch(c -> c.name().equals("catalog: " + THREESCALE_PACKAGE)
                && !c.status().passes());
        if (channelOffered && ClusterFacts.needsExternalDatabases(cfg.threescale().channel())) {
            out.add(guard("3scale external databases", () -> externalDatabases(client, cfg)));
        }
        progress.step(total, total, "preflight checks done");
        return out;
    }

    /** Runs one check; a cluster error becomes a failed check with its fix. */
    private static Check guard(String name, Supplier<Check> check) {
        try {
            return check.get();
        } catch (ClusterException e) {
            return Check.retryable(name, e.getMessage(), e.fix());
        } catch (StageException e) {
            return new Check(e.invalidInput() ? CheckStatus.INVALID_INPUT : CheckStatus.FAILED_RETRYABLE, name,
                    e.getMessage(), e.fix());
        } catch (RuntimeException e) {
            ClusterException ce = ClusterErrors.translate(e, name);
            return Check.retryable(name, ce.getMessage(), ce.fix());
        }
    }

    private static Check ssoCatalog(KubernetesClient client, InstallerConfig cfg) {
        String name = "catalog: sso operator";
        SsoFlavour.Choice choice = SsoFlavour.choose(client, cfg.sso().flavour());
        String flavour = choice.configured();
        if (choice.chosen().orElse(null) == SsoFlavour.RHSSO) {
            return Check.ok(name, RHSSO_PACKAGE + " channel " + RHSSO_CHANNEL + " is offered by catalog "
                    + choice.rhsso().orElseThrow().catalogSource());
        }
        if (flavour.equals("rhsso")) {
            return choice.rhsso().isEmpty()
                    ? Check.retryable(name, "no catalog offers " + RHSSO_PACKAGE,
                    Fix.configField("sso.flavour", "enable the redhat-operators catalog, or choose rhbk"
                            + " (Red Hat build of Keycloak)"))
                    : Check.invalidInput(name, RHSSO_PACKAGE + " has no channel '" + RHSSO_CHANNEL
                            + "'; the catalog offers: " + choice.rhsso().get().channelsText(),
                    Fix.configField("sso.flavour", "choose rhbk (Red Hat build of Keycloak)"));
        }
        if (choice.chosen().orElse(null) == SsoFlavour.RHBK) {
            OperatorCatalog.Entry e = choice.rhbk().orElseThrow();
            return Check.ok(name, RHBK_PACKAGE + " is offered by catalog " + e.catalogSource() + " (channel "
                    + choice.channel() + "; channels: " + e.channelsText() + ")"
                    + (flavour.equals("auto") ? "; " + RHSSO_PACKAGE + " channel " + RHSSO_CHANNEL
                    + " is not offered, so Red Hat build of Keycloak will be used" : ""));
        }
        return Check.retryable(name, "no catalog offers " + (flavour.equals("rhbk") ? RHBK_PACKAGE
                        : RHSSO_PACKAGE + " (channel " + RHSSO_CHANNEL + ") or " + RHBK_PACKAGE),
                Fix.manual("enable the redhat-operators catalog (`oc get catalogsource -n openshift-marketplace`);"
                        + " on a disconnected cluster, mirror the operator"));
    }

    private static Check threescaleCatalog(KubernetesClient client, InstallerConfig cfg) {
        String name = "catalog: " + THREESCALE_PACKAGE;
        String channel = cfg.threescale().channel();
        Optional<OperatorCatalog.Entry> e = OperatorCatalog.find(client, THREESCALE_PACKAGE, OperatorSpec.MARKETPLACE);
        if (e.isEmpty()) {
            return Check.retryable(name, "no catalog offers the operator package " + THREESCALE_PACKAGE,
                    Fix.manual("enable the redhat-operators catalog (`oc get catalogsource -n openshift-marketplace`);"
                            + " on a disconnected cluster, mirror " + THREESCALE_PACKAGE));
        }
        if (!e.get().hasChannel(channel)) {
            return Check.invalidInput(name, THREESCALE_PACKAGE + " has no channel '" + channel
                            + "'; available channels: " + e.get().channelsText(),
                    Fix.configField("threescale.channel", "choose one of " + e.get().channelsText()));
        }
        return Check.ok(name, THREESCALE_PACKAGE + " channel " + channel + " is offered by catalog "
                + e.get().catalogSource() + " (channels: " + e.get().channelsText() + ")");
    }

    /** Every verb and resource the install needs, for the SelfSubjectAccessReviews. */
    public static List<Permission> requiredPermissions(InstallerConfig cfg) {
        String sso = cfg.sso().namespace();
        String ts = cfg.threescale().namespace();
        String mkt = OperatorSpec.MARKETPLACE;
        List<Permission> p = new ArrayList<>();
        p.add(new Permission("get", "", "namespaces", null));
        p.add(new Permission("create", "", "namespaces", null));
        p.add(new Permission("get", "packages.operators.coreos.com", "packagemanifests", mkt));
        p.add(new Permission("get", "config.openshift.io", "ingresses", null));
        p.add(new Permission("list", "storage.k8s.io", "storageclasses", null));
        for (String ns : List.of(sso, ts)) {
            p.add(new Permission("list", "operators.coreos.com", "operatorgroups", ns));
            p.add(new Permission("create", "operators.coreos.com", "operatorgroups", ns));
            for (String verb : List.of("get", "list", "watch", "create", "patch")) {
                p.add(new Permission(verb, "operators.coreos.com", "subscriptions", ns));
            }
            p.add(new Permission("get", "operators.coreos.com", "installplans", ns));
            p.add(new Permission("patch", "operators.coreos.com", "installplans", ns));
            for (String verb : List.of("get", "list", "watch")) {
                p.add(new Permission(verb, "operators.coreos.com", "clusterserviceversions", ns));
            }
            for (String verb : List.of("get", "create", "patch")) {
                p.add(new Permission(verb, "", "secrets", ns));
            }
            p.add(new Permission("list", "route.openshift.io", "routes", ns));
        }
        // the sso stage: the Keycloak CR (and for RH-SSO the KeycloakRealm CR), read, created, patched and watched
        // until ready; the operator's admin Secret and Route read; the pods listed when Keycloak is not ready
        String flavour = SsoFlavour.normalise(cfg.sso().flavour());
        List<String> crVerbs = List.of("get", "list", "watch", "create", "patch");
        if (!flavour.equals("rhbk")) {
            for (String verb : crVerbs) {
                p.add(new Permission(verb, "keycloak.org", "keycloaks", sso));
                p.add(new Permission(verb, "keycloak.org", "keycloakrealms", sso));
            }
            p.add(new Permission("get", "route.openshift.io", "routes", sso));
        }
        if (!flavour.equals("rhsso")) {
            for (String verb : crVerbs) {
                p.add(new Permission(verb, "k8s.keycloak.org", "keycloaks", sso));
            }
            if (cfg.sso().database().managed()) {
                // the PostgreSQL the sso stage runs for it: made, repaired and watched until ready
                for (String verb : crVerbs) {
                    p.add(new Permission(verb, "apps", "statefulsets", sso));
                }
                for (String verb : List.of("get", "create", "patch")) {
                    p.add(new Permission(verb, "", "services", sso));
                }
                p.add(new Permission("get", "", "persistentvolumeclaims", sso));
            }
        }
        p.add(new Permission("list", "", "pods", sso));
        for (String verb : List.of("get", "create", "patch")) {
            p.add(new Permission(verb, "apps.3scale.net", "apimanagers", ts));
            p.add(new Permission(verb, "capabilities.3scale.net", "custompolicydefinitions", ts));
        }
        p.add(new Permission("list", "serving.kserve.io", "inferenceservices", null));
        // the run lock every apply holds: a Lease in the installer's own namespace, read, created and renewed
        for (String verb : List.of("get", "create", "update")) {
            p.add(new Permission(verb, "coordination.k8s.io", "leases", RunLock.NAMESPACE));
        }
        return p;
    }

    private static Check permissions(KubernetesClient client, InstallerConfig cfg) {
        List<Permission> needed = requiredPermissions(cfg);
        List<String> denied = new ArrayList<>();
        for (Permission p : needed) {
            SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder()
                    .withNewSpec().withNewResourceAttributes()
                    .withVerb(p.verb()).withGroup(p.group()).withResource(p.resource()).withNamespace(p.namespace())
                    .endResourceAttributes().endSpec().build();
            SelfSubjectAccessReview answer = client.authorization().v1().selfSubjectAccessReview().create(review);
            boolean allowed = answer != null && answer.getStatus() != null
                    && Boolean.TRUE.equals(answer.getStatus().getAllowed());
            if (!allowed) {
                denied.add(p.describe());
            }
        }
        if (denied.isEmpty()) {
            return Check.ok("permissions", "you may do all " + needed.size() + " things the install does");
        }
        return Check.retryable("permissions", "you may not: " + String.join("; ", denied),
                Fix.manual("log in as a cluster administrator (`oc login` as a user with cluster-admin), or ask one"
                        + " to grant these permissions, then rerun preflight"));
    }

    private static Check storage(KubernetesClient client, InstallerConfig cfg) {
        InstallerConfig.StorageConfig s = cfg.threescale().storage();
        if ("s3".equals(s.type())) {
            String ns = cfg.threescale().namespace();
            boolean present = client.namespaces().withName(ns).get() != null
                    && client.secrets().inNamespace(ns).withName(s.s3SecretName()).get() != null;
            return present
                    ? Check.ok("storage", "3scale system storage: S3, credentials in Secret " + s.s3SecretName())
                    : Check.warn("storage", "3scale system storage is S3, but the Secret " + s.s3SecretName()
                            + " does not exist in namespace " + ns + " yet",
                    Fix.manual("create the Secret " + s.s3SecretName() + " in " + ns + " (AWS_ACCESS_KEY_ID,"
                            + " AWS_SECRET_ACCESS_KEY, AWS_BUCKET, AWS_REGION) before the 3scale stage"));
        }
        List<StorageClass> classes = ClusterFacts.storageClasses(client);
        if (s.storageClass() != null && !s.storageClass().isBlank()) {
            Optional<StorageClass> chosen = classes.stream()
                    .filter(c -> c.getMetadata().getName().equals(s.storageClass())).findFirst();
            if (chosen.isEmpty()) {
                return Check.invalidInput("storage", "the StorageClass " + s.storageClass() + " does not exist; the"
                                + " cluster has: " + names(classes),
                        Fix.configField("threescale.storage.storageClass", "name an existing RWX StorageClass, or"
                                + " leave it empty to detect one"));
            }
            return rwx(chosen.get())
                    ? Check.ok("storage", "StorageClass " + s.storageClass() + " (" + chosen.get().getProvisioner()
                    + ") offers ReadWriteMany")
                    : Check.warn("storage", "StorageClass " + s.storageClass() + " (" + chosen.get().getProvisioner()
                            + ") is not known to offer ReadWriteMany; 3scale's system storage needs it",
                    Fix.configField("threescale.storage.storageClass", "make sure it supports RWX, or use"
                            + " storage.type s3"));
        }
        List<StorageClass> rwx = classes.stream().filter(PreflightStage::rwx).toList();
        if (rwx.isEmpty()) {
            return Check.invalidInput("storage", "no ReadWriteMany-capable StorageClass found (the cluster has: "
                            + names(classes) + "); 3scale's system storage needs RWX or S3",
                    Fix.configField("threescale.storage.type", "install an RWX storage (e.g. OpenShift Data"
                            + " Foundation CephFS, NFS) and name it in threescale.storage.storageClass, or set"
                            + " storage.type to s3 with an S3 Secret"));
        }
        return Check.ok("storage", "ReadWriteMany StorageClass" + (rwx.size() == 1 ? " " : "es ")
                + names(rwx) + " can hold 3scale's system storage");
    }

    static boolean rwx(StorageClass c) { return ClusterFacts.rwx(c); }

    private static String names(List<StorageClass> classes) {
        return classes.isEmpty() ? "none"
                : classes.stream().map(c -> c.getMetadata().getName()).collect(Collectors.joining(", "));
    }

    private static Check appsDomain(KubernetesClient client) {
        return ClusterFacts.appsDomain(client)
                .map(domain -> Check.ok("apps domain", "apps domain " + domain + " (3scale's wildcard domain)"))
                .orElseGet(() -> Check.retryable("apps domain", "the cluster's apps domain is not set"
                                + " (ingresses.config.openshift.io 'cluster' has no spec.domain)",
                        Fix.manual("check `oc get ingresses.config.openshift.io cluster -o yaml`")));
    }

    private static Check models(KubernetesClient client, InstallerConfig cfg, Set<String> groups) {
        List<DiscoveredModel> found = groups.contains("serving.kserve.io") ? new ModelDiscovery(client).discover()
                : List.of();
        int configured = cfg.models().size();
        // the models and policy folders the config names must make a valid catalog (OpenAPI documents, APIcast
        // policies): found here, before any stage writes, instead of half way through the install
        try {
            java.util.List<dev.maas.installer.catalog.policy.PolicyBundle> policies =
                    dev.maas.installer.catalog.CustomPolicies.forConfig(cfg.threescale());
            if (configured > 0) {
                dev.maas.installer.catalog.ModelCatalog.build(
                        dev.maas.installer.engine.config.ConfigDefaults.resolve(cfg, null), policies);
            }
        } catch (dev.maas.installer.catalog.CatalogException e) {
            return Check.invalidInput("models", e.getMessage(), Fix.configField(e.field(),
                    "correct this entry of the configuration, then rerun"));
        }
        if (found.isEmpty() && configured == 0) {
            return Check.warn("models", groups.contains("serving.kserve.io")
                            ? "no served models (KServe InferenceServices) found and the config lists none"
                            : "KServe (serving.kserve.io) is not installed and the config lists no models",
                    Fix.configField("models", "serve a model with OpenShift AI, or add models by hand"
                            + " (name and URL)"));
        }
        long ready = found.stream().filter(DiscoveredModel::ready).count();
        return Check.ok("models", found.size() + " served model" + (found.size() == 1 ? "" : "s") + " found ("
                + ready + " ready)" + (found.isEmpty() ? "" : ": " + found.stream()
                .map(m -> m.namespace() + "/" + m.name()).collect(Collectors.joining(", ")))
                + (configured == 0 ? "" : "; " + configured + " in the config"));
    }

    private static Check externalDatabases(KubernetesClient client, InstallerConfig cfg) {
        String ns = cfg.threescale().namespace();
        List<String> missing = ClusterFacts.missingExternalDbSecrets(client, ns);
        if (missing.isEmpty()) {
            return Check.ok("3scale external databases", "Secrets " + String.join(", ", EXTERNAL_DB_SECRETS)
                    + " exist in " + ns);
        }
        return Check.invalidInput("3scale external databases", cfg.threescale().channel()
                        + " needs external databases; missing Secrets in namespace " + ns + ": "
                        + String.join(", ", missing),
                Fix.manual("create " + String.join(", ", missing) + " in " + ns + " (see the 3scale 2.16"
                        + " installation guide, external databases), or choose channel threescale-2.15"));
    }

    static int[] channelVersion(String channel) { return ClusterFacts.channelVersion(channel); }
}
