package dev.maas.installer.stages.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.catalog.CatalogException;
import dev.maas.installer.catalog.CustomPolicies;
import dev.maas.installer.catalog.policy.PolicyBundle;
import dev.maas.installer.cluster.ClusterErrors;
import dev.maas.installer.cluster.OperatorInstaller;
import dev.maas.installer.cluster.OperatorSpec;
import dev.maas.installer.cluster.Resources;
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
import dev.maas.installer.engine.config.InstallerConfig.ThreescaleConfig;
import dev.maas.installer.engine.reconcile.Managed;
import dev.maas.installer.engine.reconcile.Reconciler;
import dev.maas.installer.engine.reconcile.Steps;
import dev.maas.installer.engine.wait.Backoff;
import dev.maas.installer.stages.common.ClusterFacts;
import dev.maas.installer.stages.common.OperatorObjects;
import dev.maas.installer.stages.common.OperatorSubscriptions;
import dev.maas.installer.stages.common.StageGuards;
import dev.maas.installer.stages.common.ThreescaleAccess;
import dev.maas.installer.threescale.ThreescaleApiException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Installs 3scale: the namespace, the custom APIcast policies as Secrets the APIManager watches, the 3scale
 * operator through OLM (that namespace only), the APIManager {@code apimanager} (wildcard domain from the cluster,
 * RWX or S3 system storage, every custom policy on both APIcasts), each custom policy in the tenant's policy
 * registry (registered through the Admin API by the stage itself) and as a CustomPolicyDefinition (annotated
 * {@code insecure_skip_verify} when the operator could not verify the tenant admin Route's certificate; see
 * docs/adr/0006-custom-policies-and-route-certificates.md), and the tenant settings through the Admin API: the
 * organisation name (Master API) and the removal of the sample product's "API Backend". The tenant's time zone has no
 * API: it is a manual step with a direct link, reported by verify as a warning until
 * {@code threescale.timezoneConfirmed} is set.
 *
 * <p>Every object the stage writes is a {@link Managed} object ({@link OperatorObjects}, {@link InstallObjects},
 * {@link TenantObjects}) that the {@link Reconciler} plans, applies and verifies from one definition; verify folds
 * the checks of the objects into the stage's named checks ("operator", "apimanager", ...). The waits (OLM running the
 * operator's CSV, the APIManager Available, its Routes admitted) are apply steps between the objects; what they wait
 * for is verify's readiness of the objects and the "deployments" and "routes" checks.
 */
public final class ThreescaleStage implements Stage {
    /** A failure to read is the one check it was reading for. */
    private static final Reconciler RECONCILER = StageGuards.reconciler(StageIds.THREESCALE,
            (name, e) -> e instanceof ThreescaleApiException
                    ? Check.retryable(name, e.getMessage(), Fix.rerunStage(StageIds.THREESCALE, "check that 3scale is"
                    + " up and the token in Secret " + ThreescaleAccess.SEED_SECRET + " is valid")) : null);
    private static final Logger LOG = LoggerFactory.getLogger(ThreescaleStage.class);
    /** Made at first use, not when the wizard lists the stages (Jackson is not needed for the first frame). */
    static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    public static final String PACKAGE = "3scale-operator";
    public static final String APIMANAGER = ThreescaleAccess.APIMANAGER_NAME;
    public static final String WATCHED_BY_LABEL = "apimanager.apps.3scale.net/watched-by";
    public static final String WATCHED_BY = "apimanager";
    public static final String POLICY_SECRET_PREFIX = "apicast-policy-";
    public static final String STORAGE_PVC = "system-storage";
    /** The sample backend every fresh tenant has (of the sample product "API"). */
    public static final String SAMPLE_BACKEND_NAME = "API Backend";
    public static final String SAMPLE_BACKEND_SYSTEM_NAME = "api";
    /** The 3scale operator's annotation for a porta client that skips TLS verification (threescale_api.go). */
    public static final String INSECURE_SKIP_VERIFY = "insecure_skip_verify";
    /** The PVCs of 3scale 2.15's internal databases (3scale-operator redis.go, system_mysql.go). */
    static final List<String> DATABASE_PVCS = List.of("mysql-storage", "backend-redis-storage",
            "system-redis-storage");
    /** How often a long wait for the APIManager looks for states that waiting cannot fix. */
    static final Duration DIAGNOSE_EVERY = Duration.ofSeconds(ApiManagerWait.DIAGNOSE_SECONDS);

    static final ResourceDefinitionContext APIMANAGERS = new ResourceDefinitionContext.Builder()
            .withGroup("apps.3scale.net").withVersion("v1alpha1").withPlural("apimanagers").withKind("APIManager")
            .withNamespaced(true).build();
    static final ResourceDefinitionContext CPDS = new ResourceDefinitionContext.Builder()
            .withGroup("capabilities.3scale.net").withVersion("v1beta1").withPlural("custompolicydefinitions")
            .withKind("CustomPolicyDefinition").withNamespaced(true).build();
    static final ResourceDefinitionContext ROUTES = new ResourceDefinitionContext.Builder()
            .withGroup("route.openshift.io").withVersion("v1").withPlural("routes").withKind("Route")
            .withNamespaced(true).build();
    private static final int STEPS = 10;

    private final Duration operatorTimeout;
    private final Duration apiManagerTimeout;

    public ThreescaleStage() {
        this(Duration.ofMinutes(10), Duration.ofMinutes(20));
    }

    /** With other timeouts (tests): the operator's install, and the APIManager's way to Available. */
    public ThreescaleStage(Duration operatorTimeout, Duration apiManagerTimeout) {
        this.operatorTimeout = operatorTimeout;
        this.apiManagerTimeout = apiManagerTimeout;
    }

    @Override public String id() { return StageIds.THREESCALE; }

    @Override public String title() { return "3scale API Management"; }

    @Override public List<String> dependencies() { return List.of(StageIds.PREFLIGHT); }

    // ------------------------------------------------------------------------------------------------- input

    /** What the stage installs, worked out (and checked) before anything is created. */
    record Install(String namespace, String domain, List<PolicyBundle> policies, String storageClass,
                   String s3Secret, boolean externalDatabases) { }

    private static Install install(Run run) {
        KubernetesClient client = run.client();
        ThreescaleConfig t = run.t();
        String ns = t.namespace();
        boolean external = ClusterFacts.needsExternalDatabases(t.channel());
        if (external) {
            List<String> missing = ClusterFacts.missingExternalDbSecrets(client, ns);
            if (!missing.isEmpty()) {
                throw StageException.invalidInput(t.channel() + " has no internal databases: the Secrets "
                                + String.join(", ", missing) + " for the external databases are missing in namespace "
                                + ns + "; nothing was created",
                        Fix.configField("threescale.channel", "create " + String.join(", ", missing) + " in " + ns
                                + " (3scale 2.16 installation guide, external databases), or choose channel"
                                + " threescale-2.15"));
            }
        }
        List<PolicyBundle> policies = run.policies();
        String domain = ClusterFacts.appsDomain(client).orElseThrow(() -> new StageException(
                ClusterFacts.NO_APPS_DOMAIN + "; 3scale's wildcard domain comes from it", ClusterFacts.APPS_DOMAIN_FIX));
        String storageClass = null;
        String s3 = null;
        if ("s3".equals(t.storage().type())) {
            s3 = t.storage().s3SecretName();
            boolean present;
            try {
                present = client.secrets().inNamespace(ns).withName(s3).get() != null;
            } catch (KubernetesClientException e) {
                throw ClusterErrors.translate(e, "reading Secret " + ns + "/" + s3);
            }
            if (!present) {
                throw StageException.invalidInput("3scale system storage is S3, but the Secret " + s3
                                + " does not exist in namespace " + ns + "; nothing was created",
                        Fix.configField("threescale.storage.s3SecretName", "create the Secret " + s3 + " in " + ns
                                + " (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_BUCKET, AWS_REGION)"));
            }
        } else {
            List<StorageClass> classes = ClusterFacts.storageClasses(client);
            String chosen = t.storage().storageClass();
            if (chosen != null && !chosen.isBlank()) {
                if (classes.stream().noneMatch(c -> c.getMetadata().getName().equals(chosen))) {
                    throw StageException.invalidInput("the StorageClass " + chosen + " does not exist",
                            Fix.configField("threescale.storage.storageClass", "name an existing RWX StorageClass,"
                                    + " or leave it empty to detect one"));
                }
                storageClass = chosen;
            } else {
                storageClass = classes.stream().filter(ClusterFacts::rwx).map(c -> c.getMetadata().getName())
                        .sorted().findFirst().orElseThrow(() -> StageException.invalidInput(
                                "no ReadWriteMany-capable StorageClass found; 3scale's system storage needs RWX"
                                        + " or S3; nothing was created",
                                Fix.configField("threescale.storage.storageClass", "name your RWX StorageClass"
                                        + " here, or set threescale.storage.type to s3 with an S3 Secret")));
            }
        }
        return new Install(ns, domain, policies, storageClass, s3, external);
    }

    /**
     * One operation of the stage (a plan, an apply, a verify): the context, and what it works out once and the objects
     * read through: the custom policies, the input checked ({@link Install}), the operator's view of the admin
     * Route's certificate.
     */
    static final class Run {
        private final StageContext ctx;
        private final KubernetesClient client;
        private final Resources resources;
        private final ThreescaleConfig t;
        private List<PolicyBundle> policies;
        private Install install;
        private RuntimeException failed;
        private InstallObjects.OperatorTls tls;

        Run(StageContext ctx) {
            this.ctx = ctx;
            this.client = ctx.service(KubernetesClient.class);
            this.resources = new Resources(client);
            this.t = ctx.config().threescale();
        }

        StageContext ctx() { return ctx; }

        KubernetesClient client() { return client; }

        Resources resources() { return resources; }

        ThreescaleConfig t() { return t; }

        String namespace() { return t.namespace(); }

        /** The custom policies (the built-in ones and the configured folders); a folder that does not load is bad input. */
        List<PolicyBundle> policies() {
            if (policies == null) {
                try {
                    policies = CustomPolicies.forConfig(ctx.config());
                } catch (CatalogException e) {
                    throw StageException.invalidInput(e.getMessage(), Fix.configField(e.field(),
                            "give a folder with apicast-policy.json and init.lua"));
                }
            }
            return policies;
        }

        /** "name version, ..." of the policies; empty when they do not load (the checks that need them say why). */
        String policiesText() {
            try {
                return policies().stream().map(PolicyBundle::toString).collect(Collectors.joining(", "));
            } catch (StageException e) {
                return "";
            }
        }

        /** The input, checked once; its failure is thrown again to every object that needs it. */
        Install install() {
            if (install == null && failed == null) {
                try {
                    install = ThreescaleStage.install(this);
                } catch (RuntimeException e) {
                    failed = e;
                }
            }
            if (failed != null) {
                throw failed;
            }
            return install;
        }

        InstallObjects.OperatorTls tls() {
            if (tls == null) {
                tls = InstallObjects.operatorTls(ctx, t.tenantName(), install().domain(), namespace());
            }
            return tls;
        }

        OperatorSpec operatorSpec(Duration timeout) {
            InstallerConfig c = ctx.config();
            return OperatorSubscriptions.spec(c, PACKAGE, t.channel(), namespace()).withTimeout(timeout);
        }
    }

    // ------------------------------------------------------------------------------------------------- objects

    private static Managed<?, ?> namespace(Run run) {
        return new OperatorObjects.NamespaceObject(run.resources(), run.namespace());
    }

    private List<Managed<?, ?>> operator(Run run) {
        return OperatorObjects.of(run.client(), run.operatorSpec(operatorTimeout), StageIds.THREESCALE);
    }

    private static List<Managed<?, ?>> policySecrets(Run run) {
        return run.policies().stream().<Managed<?, ?>>map(b -> InstallObjects.policySecret(run.resources(),
                run.namespace(), b)).toList();
    }

    private static List<Managed<?, ?>> definitions(Run run) {
        return run.policies().stream().<Managed<?, ?>>map(b -> new InstallObjects.PolicyDefinition(run, b)).toList();
    }

    // ---------------------------------------------------------------------------------------------------- plan

    @Override
    public List<Change> plan(StageContext ctx) {
        Run run = new Run(ctx);
        run.install();
        List<Managed<?, ?>> cluster = new ArrayList<>();
        cluster.add(namespace(run));
        cluster.addAll(policySecrets(run));
        cluster.addAll(operator(run));
        cluster.add(new InstallObjects.ApiManager(run));
        List<Change> changes = new ArrayList<>(RECONCILER.plan(ctx, cluster));
        boolean available = available(run);
        TenantObjects.Live live = null;
        try {
            live = available ? TenantObjects.Live.of(ctx) : TenantObjects.Live.toBeMade(ctx);
            changes.addAll(RECONCILER.plan(ctx, TenantObjects.registry(live, run.policies())));
        } catch (StageException | ThreescaleApiException e) {
            LOG.info("3scale policy registry not planned: {}", ctx.secrets().redact(e.getMessage()));
        }
        changes.addAll(RECONCILER.plan(ctx, definitions(run)));
        if (live != null) {
            try {
                changes.addAll(RECONCILER.plan(ctx, TenantObjects.settings(live, run.t())));
            } catch (StageException | ThreescaleApiException e) {
                LOG.info("3scale tenant settings not planned: {}", ctx.secrets().redact(e.getMessage()));
            }
        }
        return changes;
    }

    /** Whether the APIManager is Available: the tenant exists and its Admin API answers. */
    private static boolean available(Run run) {
        try {
            return ApiManagerWait.isAvailable(InstallObjects.read(run));
        } catch (RuntimeException e) {
            return false;
        }
    }

    // --------------------------------------------------------------------------------------------------- apply

    @Override
    public List<Change> apply(StageContext ctx, Progress progress) {
        Run run = new Run(ctx);
        ThreescaleConfig t = run.t();
        Steps steps = new Steps(progress, ctx.cancellation(), STEPS);
        List<Change> changes = new ArrayList<>();

        steps.next("checking the input (channel, storage, custom policies)");
        Install d = run.install();

        steps.next("namespace " + d.namespace());
        changes.add(RECONCILER.apply(ctx, namespace(run)));

        steps.next("custom APIcast policies as Secrets ("
                + d.policies().stream().map(PolicyBundle::toString).collect(Collectors.joining(", ")) + ")");
        policySecrets(run).forEach(m -> changes.add(RECONCILER.apply(ctx, m)));

        steps.next("3scale operator (" + t.channel() + ") in " + d.namespace());
        operator(run).forEach(m -> changes.add(RECONCILER.apply(ctx, m)));
        changes.addAll(new OperatorInstaller(run.client(), ctx.cancellation())
                .await(run.operatorSpec(operatorTimeout), progress).changes());

        InstallObjects.ApiManager apiManager = new InstallObjects.ApiManager(run);
        steps.next(apiManager.step());
        changes.add(RECONCILER.apply(ctx, apiManager));

        steps.next("waiting for 3scale to be available");
        new ApiManagerWait(apiManagerTimeout).waitAvailable(run.client(), d.namespace(), ctx, progress);
        waitRoutes(run, progress);

        steps.next("custom policies in the policy registry (Admin API)");
        TenantObjects.Live live = TenantObjects.Live.of(ctx);
        TenantObjects.registry(live, d.policies()).forEach(m -> changes.add(RECONCILER.apply(ctx, m)));
        progress.detail("in the policy registry: " + d.policies().stream().map(PolicyBundle::toString)
                .collect(Collectors.joining(", ")));

        steps.next("CustomPolicyDefinitions");
        if (run.tls().skip()) {
            progress.detail("CustomPolicyDefinitions annotated " + INSECURE_SKIP_VERIFY + ": " + run.tls().reason());
        }
        definitions(run).forEach(m -> changes.add(RECONCILER.apply(ctx, m)));

        steps.next("tenant settings through the Admin API");
        TenantObjects.settings(live, t).forEach(m -> changes.add(RECONCILER.apply(ctx, m)));

        steps.next("manual step: the tenant's time zone");
        if (!t.timezoneConfirmed()) {
            progress.detail("manual step: set the time zone of the 3scale tenant at " + timezoneLink(t, d.domain())
                    + " (3scale has no API for it), then set threescale.timezoneConfirmed: true");
        }
        return changes;
    }

    /** The tenant's routes: master, admin portal, developer portal, all admitted. */
    static List<String> expectedHosts(String tenant, String domain) {
        return List.of("master." + domain, tenant + "-admin." + domain, tenant + "." + domain);
    }

    private static void waitRoutes(Run run, Progress progress) {
        String ns = run.namespace();
        List<String> hosts = expectedHosts(run.t().tenantName(), run.install().domain());
        try {
            Backoff.of(Duration.ofMinutes(2)).delays(Duration.ofMillis(100), Duration.ofSeconds(5))
                    .cancellation(run.ctx().cancellation())
                    .awaitTrue("the 3scale routes", () -> missingRoutes(run.client(), ns, hosts).isEmpty());
        } catch (TimeoutException e) {
            throw new StageException("the 3scale routes are not admitted: "
                    + String.join(", ", missingRoutes(run.client(), ns, hosts)),
                    Fix.manual("check `oc get routes -n " + ns + "` and the zync pods; rerun the stage"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            run.ctx().cancellation().cancel();
            run.ctx().cancellation().throwIfCancelled();
        }
        progress.detail("routes admitted: " + String.join(", ", hosts));
    }

    /** The expected hosts that have no admitted Route. */
    private static List<String> missingRoutes(KubernetesClient client, String ns, List<String> hosts) {
        GenericKubernetesResourceList routes;
        try {
            routes = client.genericKubernetesResources(ROUTES).inNamespace(ns).list();
        } catch (KubernetesClientException e) {
            throw ClusterErrors.translate(e, "listing Routes in " + ns);
        }
        List<String> admitted = new ArrayList<>();
        for (GenericKubernetesResource r : routes.getItems()) {
            JsonNode node = Json.MAPPER.valueToTree(r);
            for (JsonNode in : node.path("status").path("ingress")) {
                for (JsonNode c : in.path("conditions")) {
                    if ("Admitted".equals(c.path("type").asText()) && "True".equals(c.path("status").asText())) {
                        admitted.add(node.path("spec").path("host").asText());
                    }
                }
            }
        }
        return hosts.stream().filter(h -> !admitted.contains(h)).toList();
    }

    private static String timezoneLink(ThreescaleConfig t, String domain) {
        return "https://" + t.tenantName() + "-admin." + domain + "/p/admin/account/edit";
    }

    // -------------------------------------------------------------------------------------------------- verify

    @Override
    public List<Check> verify(StageContext ctx) {
        Run run = new Run(ctx);
        KubernetesClient client = run.client();
        ThreescaleConfig t = run.t();
        String ns = t.namespace();
        List<Check> out = new ArrayList<>();
        if (ClusterFacts.needsExternalDatabases(t.channel())) {
            out.add(RECONCILER.check("external databases", () -> {
                List<String> missing = ClusterFacts.missingExternalDbSecrets(client, ns);
                return missing.isEmpty() ? Check.ok("external databases", "Secrets "
                        + String.join(", ", ClusterFacts.EXTERNAL_DB_SECRETS) + " exist in " + ns)
                        : Check.invalidInput("external databases", t.channel() + " needs external databases;"
                                + " missing Secrets in " + ns + ": " + String.join(", ", missing),
                        Fix.configField("threescale.channel", "create them, or choose threescale-2.15"));
            }));
        }
        // an object that is not there yet is missing whatever the input (the Reconciler judges it so): the input
        // (catalogs, storage, policy folders) is judged once there is something to compare it with, and by plan and
        // apply
        out.add(group(ctx, "operator", () -> {
            List<Managed<?, ?>> objects = new ArrayList<>();
            objects.add(namespace(run));
            objects.addAll(operator(run));
            return objects;
        }, null));
        out.add(group(ctx, "apimanager", () -> {
            List<Managed<?, ?>> objects = new ArrayList<>();
            objects.add(new InstallObjects.ApiManager(run));
            try {
                objects.addAll(policySecrets(run));
            } catch (StageException e) {
                // the policy folders do not load: the APIManager needs them too, and its check says so (or, while
                // there is no APIManager, that 3scale is not installed yet)
            }
            return objects;
        }, null));
        out.add(RECONCILER.check("deployments", () -> deploymentsCheck(client, ns, InstallObjects.read(run))));
        out.add(RECONCILER.check("routes", () -> {
            String domain = ClusterFacts.appsDomain(client).orElse("");
            List<String> hosts = expectedHosts(t.tenantName(), domain);
            List<String> missing = missingRoutes(client, ns, hosts);
            if (missing.isEmpty()) {
                return Check.ok("routes", "admitted: " + String.join(", ", hosts));
            }
            List<String> rejected = ApiManagerWait.rejectedRoutes(client, ns, false);
            return Check.retryable("routes", "no admitted Route for " + String.join(", ", missing)
                            + (rejected.isEmpty() ? "" : "; the router rejects: " + String.join("; ", rejected)),
                    Fix.manual(rejected.isEmpty() ? "check `oc get routes -n " + ns + "` and the zync pods"
                            : "another Route already exposes the host: find it with `oc get routes -A`, delete it"
                            + " or move it, then rerun the threescale stage"));
        }));
        TenantObjects.Live[] tenant = new TenantObjects.Live[1];
        out.add(RECONCILER.check("admin api", () -> {
            TenantObjects.Live live = TenantObjects.Live.of(ctx);
            String org = live.org().orgName();
            tenant[0] = live;
            return Check.ok("admin api", "the Admin API at " + live.admin().adminUrl() + " answers with the"
                    + " ADMIN_ACCESS_TOKEN of Secret " + ThreescaleAccess.SEED_SECRET + " (tenant '" + org + "')");
        }));
        TenantObjects.Live live = tenant[0];
        if (live == null) {
            return out;
        }
        out.add(group(ctx, "custom policies", () -> TenantObjects.registry(live, run.policies()),
                "in the policy registry: " + run.policiesText()));
        Check definitions = group(ctx, "policy definitions", () -> definitions(run),
                "the 3scale operator has synced every CustomPolicyDefinition (Ready)");
        out.add(definitions.status() == CheckStatus.FAILED_RETRYABLE || definitions.status() == CheckStatus.WARN
                ? Check.warn(definitions.name(), definitions.message() + ". The policies are in the registry (the"
                + " stage registers them itself), so products can use them", definitions.fix()) : definitions);
        List<Managed<?, ?>> settings;
        try {
            settings = TenantObjects.settings(live, t);
        } catch (RuntimeException e) {
            out.add(RECONCILER.guard().failure("sample backend", e));
            settings = List.of();
        }
        for (String name : List.of("organization name", "sample backend")) {
            List<Managed<?, ?>> objects = settings.stream().filter(m -> m.checkName().equals(name)).toList();
            if (objects.isEmpty()) {
                continue;
            }
            Check c = group(ctx, name, () -> objects, name.equals("sample backend")
                    ? "the sample '" + SAMPLE_BACKEND_NAME + "' is removed" : null);
            // a sample backend left over harms nothing: the products use their own backends
            out.add(name.equals("sample backend") && c.status() == CheckStatus.FAILED_RETRYABLE
                    ? Check.warn(name, c.message(), c.fix()) : c);
        }
        String link = timezoneLink(t, ClusterFacts.appsDomain(client).orElse("<apps domain>"));
        out.add(t.timezoneConfirmed() ? Check.ok("time zone", "set by hand (threescale.timezoneConfirmed)")
                : Check.warn("time zone", "the tenant's time zone is a manual step (3scale has no API for it): set it"
                        + " at " + link,
                Fix.configField("threescale.timezoneConfirmed", "set the time zone at " + link
                        + ", then set threescale.timezoneConfirmed: true")));
        return out;
    }

    /** One named check from the checks of {@code objects} ({@link Reconciler#verifyAs}). */
    private static Check group(StageContext ctx, String name, Supplier<List<Managed<?, ?>>> objects,
                               String okMessage) {
        return RECONCILER.verifyAs(ctx, name, objects, okMessage);
    }

    private static Check deploymentsCheck(KubernetesClient client, String ns, GenericKubernetesResource am) {
        JsonNode listed = am == null ? Json.MAPPER.createObjectNode()
                : Json.MAPPER.valueToTree(am).path("status").path("deployments");
        List<String> names = new ArrayList<>();
        for (String key : List.of("ready", "starting", "stopped")) {
            listed.path(key).forEach(n -> names.add(n.asText()));
        }
        if (names.isEmpty()) {
            return Check.retryable("deployments", "the APIManager lists no deployments yet",
                    Fix.rerunStage(StageIds.THREESCALE, "install 3scale"));
        }
        List<String> unavailable = new ArrayList<>();
        for (String name : names) {
            var dep = client.apps().deployments().inNamespace(ns).withName(name).get();
            Integer avail = dep == null || dep.getStatus() == null ? null : dep.getStatus().getAvailableReplicas();
            if (avail == null || avail < 1) {
                unavailable.add(name);
            }
        }
        int ok = names.size() - unavailable.size();
        return unavailable.isEmpty() ? Check.ok("deployments", ok + " of " + names.size() + " deployments available")
                : Check.retryable("deployments", ok + " of " + names.size() + " deployments available; not available: "
                        + String.join(", ", unavailable),
                Fix.manual("check `oc get pods -n " + ns + "`"));
    }

}
