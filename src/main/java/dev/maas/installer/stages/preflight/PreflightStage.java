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
import dev.maas.installer.stages.common.OperatorSubscriptions;
import dev.maas.installer.stages.sso.SsoFlavour;
import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupList;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.openshift.api.model.operatorhub.v1.OperatorGroup;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.ClusterServiceVersion;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.Subscription;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks only: is this a cluster we can install on, with what the config asks for? Plan changes nothing, apply runs
 * the checks and fails when one fails, verify returns them. Every failed check says how to fix it.
 */
public final class PreflightStage implements Stage {
    /** A failure to read is the one check it was reading for. */
    private static final dev.maas.installer.engine.reconcile.Guard GUARD =
            dev.maas.installer.stages.common.StageGuards.guard(StageIds.PREFLIGHT);
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
            // missing rights make other checks fail too (403); the permissions check says what to do about all
            Fix fix = failed.stream().filter(c -> c.name().equals("permissions")).findFirst()
                    .orElse(failed.get(0)).fix();
            throw new StageException(msg, fix, input, null);
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
            out.add(GUARD.check("catalog: sso operator", () -> ssoCatalog(client, cfg)));
            progress.step(++n, total, "looking for the 3scale operator channel");
            out.add(GUARD.check("catalog: " + THREESCALE_PACKAGE, () -> threescaleCatalog(client, cfg)));
        } else {
            progress.step(++n, total, "skipping the catalog checks (no OLM)");
        }

        progress.step(++n, total, "checking your permissions");
        out.add(GUARD.check("permissions", () -> permissions(client, cfg)));

        progress.step(++n, total, "looking for storage for 3scale");
        out.add(GUARD.check("storage", () -> storage(client, cfg)));

        progress.step(++n, total, "reading the cluster's apps domain");
        out.add(GUARD.check("apps domain", () -> appsDomain(client)));

        progress.step(++n, total, "looking for served models");
        out.add(GUARD.check("models", () -> models(client, cfg, groups)));

        progress.step(++n, total, "checking 3scale's external databases");
        // a channel the catalog does not offer is reported above; which databases it would need is then moot
        boolean channelOffered = out.stream().noneMatch(c -> c.name().equals("catalog: " + THREESCALE_PACKAGE)
                && !c.status().passes());
        if (channelOffered && ClusterFacts.needsExternalDatabases(cfg.threescale().channel())) {
            out.add(GUARD.check("3scale external databases", () -> externalDatabases(client, cfg)));
        }
        progress.step(total, total, "preflight checks done");
        return out;
    }


    private static Check ssoCatalog(KubernetesClient client, InstallerConfig cfg) {
        String name = "catalog: sso operator";
        SsoFlavour.Choice choice = SsoFlavour.choose(client, cfg.sso().flavour(),
                OperatorSubscriptions.catalogSource(cfg));
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
        Optional<OperatorCatalog.Entry> e = OperatorCatalog.find(client, THREESCALE_PACKAGE, OperatorSpec.MARKETPLACE,
                OperatorSubscriptions.catalogSource(cfg));
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

    /** The operators' API groups, and the package whose CSV provides each: OLM aggregates their rights into admin. */
    private static final Map<String, String> OPERATOR_API_GROUPS = Map.of(
            "apps.3scale.net", THREESCALE_PACKAGE, "capabilities.3scale.net", THREESCALE_PACKAGE,
            "keycloak.org", RHSSO_PACKAGE, "k8s.keycloak.org", RHBK_PACKAGE);

    /** The namespaces the install uses: the operators' and the run lock's. */
    static List<String> namespaces(InstallerConfig cfg) {
        return List.of(cfg.sso().namespace(), cfg.threescale().namespace(), RunLock.NAMESPACE);
    }

    /**
     * Every verb and resource the install needs on a fresh cluster with these options, for the
     * SelfSubjectAccessReviews. What the cluster already has is taken off when checking ({@link #permissions}): the
     * namespaces that exist need not be created, nor a fitting OperatorGroup.
     */
    public static List<Permission> requiredPermissions(InstallerConfig cfg) {
        String sso = cfg.sso().namespace();
        String ts = cfg.threescale().namespace();
        String mkt = OperatorSpec.MARKETPLACE;
        List<Permission> p = new ArrayList<>();
        for (String ns : namespaces(cfg)) {
            p.add(new Permission("get", "", "namespaces", ns, ns));
        }
        p.add(new Permission("create", "", "namespaces", null));
        // the catalog is listed by package name (OperatorCatalog), the apps domain read from the ingress config
        p.add(new Permission("list", "packages.operators.coreos.com", "packagemanifests", mkt));
        p.add(new Permission("get", "config.openshift.io", "ingresses", null));
        if (!"s3".equals(cfg.threescale().storage().type())) {
            p.add(new Permission("list", "storage.k8s.io", "storageclasses", null));
        }
        boolean manual = OperatorSpec.MANUAL.equals(OperatorSubscriptions.approval(cfg));
        for (String ns : List.of(sso, ts)) {
            p.add(new Permission("list", "operators.coreos.com", "operatorgroups", ns));
            p.add(new Permission("create", "operators.coreos.com", "operatorgroups", ns));
            for (String verb : List.of("get", "list", "watch", "create", "patch")) {
                p.add(new Permission(verb, "operators.coreos.com", "subscriptions", ns));
            }
            // the wait follows the InstallPlans and CSVs of the namespace (informers: list and watch)
            for (String verb : List.of("get", "list", "watch")) {
                p.add(new Permission(verb, "operators.coreos.com", "installplans", ns));
            }
            if (manual) {
                // the approval of the install's InstallPlan, only under Manual approval
                p.add(new Permission("patch", "operators.coreos.com", "installplans", ns));
            }
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
        // the run lock every apply holds: a Lease in the installer's own namespace, read, created and renewed
        for (String verb : List.of("get", "create", "update")) {
            p.add(new Permission(verb, "coordination.k8s.io", "leases", RunLock.NAMESPACE));
        }
        return p;
    }

    private static boolean allowed(KubernetesClient client, Permission p) {
        SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder()
                .withNewSpec().withNewResourceAttributes()
                .withVerb(p.verb()).withGroup(p.group()).withResource(p.resource()).withNamespace(p.namespace())
                .withName(p.name())
                .endResourceAttributes().endSpec().build();
        SelfSubjectAccessReview answer = client.authorization().v1().selfSubjectAccessReview().create(review);
        return answer != null && answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
    }

    private static Check permissions(KubernetesClient client, InstallerConfig cfg) {
        List<Permission> needed = new ArrayList<>(requiredPermissions(cfg));
        // what the cluster already has needs no right to make
        List<String> absent = namespaces(cfg).stream().filter(ns -> !exists(client, ns)).toList();
        if (absent.isEmpty()) {
            needed.removeIf(p -> p.verb().equals("create") && p.qualified().equals("namespaces"));
        }
        for (String ns : List.of(cfg.sso().namespace(), cfg.threescale().namespace())) {
            if (!absent.contains(ns) && hasFittingOperatorGroup(client, ns)) {
                needed.removeIf(p -> p.verb().equals("create") && p.resource().equals("operatorgroups")
                        && ns.equals(p.namespace()));
            }
        }
        List<Permission> denied = new ArrayList<>();
        for (Permission p : needed) {
            if (!allowed(client, p)) {
                denied.add(p);
            }
        }
        // the rights on an operator's own resources come with the operator: when its CSV succeeds, OLM makes
        // ClusterRoles for the APIs it provides and aggregates them into admin, edit and view (OLM
        // pkg/controller/operators/olm/operatorgroup.go, ensureClusterRolesForCSV): an admin of the namespace has
        // them once the operator runs
        List<Permission> comeWithOperators = new ArrayList<>();
        Map<String, Boolean> adminIn = new java.util.HashMap<>();
        for (Permission p : denied) {
            String pkg = OPERATOR_API_GROUPS.get(p.group());
            if (pkg != null && p.namespace() != null
                    && adminIn.computeIfAbsent(p.namespace(), ns -> allowed(client,
                    new Permission("create", "rbac.authorization.k8s.io", "rolebindings", ns)))
                    && !operatorRuns(client, p.namespace(), pkg)) {
                comeWithOperators.add(p);
            }
        }
        denied.removeAll(comeWithOperators);
        String later = comeWithOperators.isEmpty() ? "" : "; the rights on "
                + comeWithOperators.stream().map(Permission::qualified).distinct().collect(Collectors.joining(", "))
                + " come with the operators (OLM adds them to the admin role when it installs them)";
        if (denied.isEmpty()) {
            return Check.ok("permissions", "you may do all " + (needed.size() - comeWithOperators.size())
                    + " things the install does" + later);
        }
        return Check.retryable("permissions", "you may not: " + denied.stream().map(Permission::describe)
                        .collect(Collectors.joining("; ")),
                Fix.manual(whoMustDoIt(client, cfg, denied, absent)));
    }

    private static boolean exists(KubernetesClient client, String ns) {
        try {
            return client.namespaces().withName(ns).get() != null;
        } catch (KubernetesClientException e) {
            return false; // not readable: it has to be made (or shared) by someone who may
        }
    }

    /** One OperatorGroup in the namespace, targeting only it: the OperatorInstaller reuses it. */
    private static boolean hasFittingOperatorGroup(KubernetesClient client, String ns) {
        try {
            List<OperatorGroup> groups = client.resources(OperatorGroup.class).inNamespace(ns).list().getItems();
            return groups.size() == 1 && groups.get(0).getSpec() != null
                    && List.of(ns).equals(groups.get(0).getSpec().getTargetNamespaces());
        } catch (KubernetesClientException e) {
            return false;
        }
    }

    /** Whether OLM already runs the package's CSV in the namespace (Subscription's installed CSV Succeeded). */
    private static boolean operatorRuns(KubernetesClient client, String ns, String pkg) {
        try {
            Subscription sub = client.resources(Subscription.class).inNamespace(ns).withName(pkg).get();
            String csv = sub == null || sub.getStatus() == null ? null : sub.getStatus().getInstalledCSV();
            if (csv == null) {
                return false;
            }
            ClusterServiceVersion c = client.resources(ClusterServiceVersion.class).inNamespace(ns).withName(csv).get();
            return c != null && c.getStatus() != null && "Succeeded".equals(c.getStatus().getPhase());
        } catch (KubernetesClientException e) {
            return false;
        }
    }

    /**
     * What a cluster administrator must do so that this user can install, step by step (or: log in as one). The
     * rights a namespace admin lacks on OpenShift are cluster-wide ones and OperatorGroups, which the admin role
     * does not include (OLM deploy/chart/templates/0000_50_olm_09-aggregated.clusterrole.yaml).
     */
    private static String whoMustDoIt(KubernetesClient client, InstallerConfig cfg, List<Permission> denied,
                                      List<String> absent) {
        String user = userName(client);
        List<String> steps = new ArrayList<>();
        List<Permission> rest = new ArrayList<>(denied);
        if (rest.removeIf(p -> p.verb().equals("create") && p.qualified().equals("namespaces"))) {
            List<String> nss = absent.isEmpty() ? namespaces(cfg) : absent;
            String first = nss.get(0);
            steps.add("create the namespaces " + String.join(", ", nss) + " and make " + user + " their admin (`oc"
                    + " create namespace " + first + "` and `oc adm policy add-role-to-user admin " + user + " -n "
                    + first + "`, for each)" + (selfProvisioner(client)
                    ? " - or create them yourself as projects (`oc new-project " + first + "`, for each)" : ""));
        }
        rest.removeIf(p -> p.verb().equals("get") && p.qualified().equals("namespaces") && absent.contains(p.name()));
        List<String> groupNs = rest.stream().filter(p -> p.resource().equals("operatorgroups")
                && p.verb().equals("create")).map(Permission::namespace).toList();
        if (!groupNs.isEmpty()) {
            rest.removeIf(p -> p.resource().equals("operatorgroups") && p.verb().equals("create"));
            steps.add("create in each of " + String.join(", ", groupNs) + " one OperatorGroup that targets only that"
                    + " namespace (spec.targetNamespaces: [<namespace>]); the admin role does not include"
                    + " OperatorGroups, and the installer uses the one it finds");
        }
        if (rest.removeIf(p -> p.qualified().equals("ingresses.config.openshift.io"))) {
            steps.add("let " + user + " read the cluster's ingress configuration, where the apps domain is (`oc"
                    + " create clusterrole maas-ingress-reader --verb=get --resource=ingresses.config.openshift.io`"
                    + " and `oc adm policy add-cluster-role-to-user maas-ingress-reader " + user + "`)");
        }
        if (rest.removeIf(p -> p.qualified().equals("packagemanifests.packages.operators.coreos.com"))) {
            steps.add("let " + user + " read the operator catalog (`oc adm policy add-role-to-user view " + user
                    + " -n " + OperatorSpec.MARKETPLACE + "`)");
        }
        List<String> approvalNs = rest.stream().filter(p -> p.resource().equals("installplans")
                && p.verb().equals("patch")).map(Permission::namespace).toList();
        if (!approvalNs.isEmpty()) {
            rest.removeIf(p -> p.resource().equals("installplans") && p.verb().equals("patch"));
            steps.add("let " + user + " approve InstallPlans in " + String.join(", ", approvalNs) + " (`oc create"
                    + " role maas-installplan-approver --verb=patch --resource=installplans.operators.coreos.com -n"
                    + " <namespace>` and `oc adm policy add-role-to-user maas-installplan-approver " + user
                    + " --role-namespace=<namespace> -n <namespace>`) - or set cluster.installPlanApproval to"
                    + " Automatic");
        }
        if (!rest.isEmpty()) {
            steps.add("grant " + user + ": " + rest.stream().map(Permission::describe)
                    .collect(Collectors.joining("; ")));
        }
        StringBuilder hint = new StringBuilder("log in as a cluster administrator (`oc login` as a user with"
                + " cluster-admin) and rerun preflight, or ask one to do this for you, then rerun preflight: ");
        for (int i = 0; i < steps.size(); i++) {
            hint.append(i == 0 ? "" : "; ").append(i + 1).append(") ").append(steps.get(i));
        }
        return hint.toString();
    }

    /** The user's name as the cluster knows it ({@code oc whoami}); "your user" when it cannot be read. */
    private static String userName(KubernetesClient client) {
        try {
            GenericKubernetesResource me = client.genericKubernetesResources("user.openshift.io/v1", "User")
                    .withName("~").get();
            return me == null || me.getMetadata() == null || me.getMetadata().getName() == null ? "<your user>"
                    : me.getMetadata().getName();
        } catch (KubernetesClientException e) {
            return "<your user>";
        }
    }

    /** Whether the user may request projects (OpenShift's self-provisioner role). */
    private static boolean selfProvisioner(KubernetesClient client) {
        try {
            return allowed(client, new Permission("create", "project.openshift.io", "projectrequests", null));
        } catch (KubernetesClientException e) {
            return false;
        }
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
                .orElseGet(() -> Check.retryable("apps domain", ClusterFacts.NO_APPS_DOMAIN,
                        ClusterFacts.APPS_DOMAIN_FIX));
    }

    private static Check models(KubernetesClient client, InstallerConfig cfg, Set<String> groups) {
        List<DiscoveredModel> found = groups.contains("serving.kserve.io") ? new ModelDiscovery(client).discover()
                : List.of();
        int configured = cfg.models().size();
        // the models and policy folders the config names must make a valid catalog (OpenAPI documents, APIcast
        // policies): found here, before any stage writes, instead of half way through the install
        try {
            java.util.List<dev.maas.installer.catalog.policy.PolicyBundle> policies =
                    dev.maas.installer.catalog.CustomPolicies.forConfig(cfg);
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
        List<DiscoveredModel> unreachable = found.stream().filter(m -> m.problem() != null).toList();
        String leftOut = unreachable.isEmpty() ? "" : "; left out, as APIcast cannot call them as they are: "
                + unreachable.stream().map(m -> m.qualifiedName() + " (" + m.problem() + "; to publish it: "
                + m.fix() + ")").collect(Collectors.joining("; "));
        String text = found.size() + " served model" + (found.size() == 1 ? "" : "s") + " found (" + ready
                + " ready)" + (found.isEmpty() ? "" : ": " + found.stream().map(DiscoveredModel::qualifiedName)
                .collect(Collectors.joining(", "))) + leftOut + (configured == 0 ? "" : "; " + configured
                + " in the config");
        if (configured == 0 && found.stream().noneMatch(DiscoveredModel::usable)) {
            return Check.warn("models", text + "; none can be published as it is",
                    Fix.configField("models", unreachable.isEmpty() ? "wait until the served models are ready,"
                            + " or add models by hand (name and URL)" : unreachable.get(0).fix()));
        }
        return Check.ok("models", text);
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
