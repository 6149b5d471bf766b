package dev.maas.installer.stages.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.catalog.CatalogException;
import dev.maas.installer.catalog.CustomPolicies;
import dev.maas.installer.catalog.policy.PolicyBundle;
import dev.maas.installer.cluster.ClusterErrors;
import dev.maas.installer.cluster.ClusterException;
import dev.maas.installer.cluster.OperatorInstaller;
import dev.maas.installer.cluster.OperatorSpec;
import dev.maas.installer.cluster.Resources;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.ThreescaleConfig;
import dev.maas.installer.engine.wait.Backoff;
import dev.maas.installer.engine.reconcile.Guard;
import dev.maas.installer.stages.common.OperatorReadiness;
import dev.maas.installer.stages.common.StageGuards;
import dev.maas.installer.stages.common.ClusterFacts;
import dev.maas.installer.stages.common.EndpointTrust;
import dev.maas.installer.stages.common.OperatorSubscriptions;
import dev.maas.installer.stages.common.RouteCertificates;
import dev.maas.installer.stages.common.ThreescaleAccess;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Account;
import dev.maas.installer.threescale.model.BackendApi;
import dev.maas.installer.threescale.model.BackendUsage;
import dev.maas.installer.threescale.model.RegistryPolicy;
import dev.maas.installer.threescale.model.Service;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
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
 */
public final class ThreescaleStage implements Stage {
    /** A failure to read is the one check it was reading for. */
    private static final Guard GUARD = StageGuards.guard(StageIds.THREESCALE,
            (name, e) -> e instanceof dev.maas.installer.threescale.ThreescaleApiException
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
    private record Desired(String namespace, String domain, List<PolicyBundle> policies, String storageClass,
                           String s3Secret, boolean externalDatabases) { }

    private Desired desired(StageContext ctx) {
        KubernetesClient client = ctx.service(KubernetesClient.class);
        ThreescaleConfig t = ctx.config().threescale();
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
        List<PolicyBundle> policies;
        try {
            policies = CustomPolicies.forConfig(ctx.config());
        } catch (CatalogException e) {
            throw StageException.invalidInput(e.getMessage(), Fix.configField(e.field(),
                    "give a folder with apicast-policy.json and init.lua"));
        }
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
        return new Desired(ns, domain, policies, storageClass, s3, external);
    }

    // ------------------------------------------------------------------------------------------ desired objects

    static String policySecretName(PolicyBundle b) { return POLICY_SECRET_PREFIX + b.name(); }

    private static Secret policySecret(String ns, PolicyBundle b) {
        Map<String, String> data = new LinkedHashMap<>();
        b.files().forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return new SecretBuilder().withNewMetadata().withName(policySecretName(b)).withNamespace(ns)
                .addToLabels(WATCHED_BY_LABEL, WATCHED_BY).endMetadata()
                .withType("Opaque").withData(data).build();
    }

    private static GenericKubernetesResource apiManager(Desired d, ThreescaleConfig t) {
        ObjectNode am = Json.MAPPER.createObjectNode().put("apiVersion", "apps.3scale.net/v1alpha1")
                .put("kind", "APIManager");
        am.putObject("metadata").put("name", APIMANAGER).put("namespace", d.namespace());
        ObjectNode spec = am.putObject("spec").put("wildcardDomain", d.domain()).put("tenantName", t.tenantName())
                .put("resourceRequirementsEnabled", false);
        ObjectNode fileStorage = spec.putObject("system").putObject("fileStorage");
        if (d.s3Secret() != null) {
            fileStorage.putObject("simpleStorageService").putObject("configurationSecretRef").put("name", d.s3Secret());
        } else {
            fileStorage.putObject("persistentVolumeClaim").put("storageClassName", d.storageClass());
        }
        ObjectNode apicast = spec.putObject("apicast");
        for (String env : List.of("stagingSpec", "productionSpec")) {
            ArrayNode list = apicast.putObject(env).putArray("customPolicies");
            for (PolicyBundle b : d.policies()) {
                ObjectNode p = list.addObject().put("name", b.name()).put("version", b.version());
                p.putObject("secretRef").put("name", policySecretName(b));
            }
        }
        if (d.externalDatabases()) {
            ObjectNode ext = spec.putObject("externalComponents");
            ext.putObject("backend").put("redis", true);
            ext.putObject("system").put("database", true).put("redis", true);
        }
        return Json.MAPPER.convertValue(am, GenericKubernetesResource.class);
    }

    /**
     * The policy's schema as both the CustomPolicyDefinition ({@code spec.schema}) and the policy registry hold it: the
     * manifest's $schema, name, version, summary, description and configuration. The operator compares exactly
     * these fields (custompolicydefinition_threescale_reconciler.go), so the registry entry the stage writes and the
     * one the operator would write are the same.
     */
    static ObjectNode registrySchema(PolicyBundle b) {
        ObjectNode manifest = b.manifest();
        ObjectNode schema = Json.MAPPER.createObjectNode();
        schema.put("$schema", manifest.path("$schema").asText("http://apicast.io/policy-v1/schema#manifest#"));
        schema.put("name", b.title()).put("version", b.version()).put("summary", b.summary());
        if (!b.description().isEmpty()) {
            ArrayNode desc = schema.putArray("description");
            b.description().forEach(desc::add);
        }
        schema.set("configuration", b.configurationSchema());
        return schema;
    }

    private static GenericKubernetesResource policyDefinition(String ns, PolicyBundle b, boolean skipVerify) {
        ObjectNode cpd = Json.MAPPER.createObjectNode().put("apiVersion", "capabilities.3scale.net/v1beta1")
                .put("kind", "CustomPolicyDefinition");
        ObjectNode meta = cpd.putObject("metadata").put("name", b.name()).put("namespace", ns);
        if (skipVerify) {
            meta.putObject("annotations").put(INSECURE_SKIP_VERIFY, "true");
        }
        cpd.putObject("spec").put("name", b.name()).put("version", b.version()).set("schema", registrySchema(b));
        return Json.MAPPER.convertValue(cpd, GenericKubernetesResource.class);
    }

    private OperatorSpec operatorSpec(InstallerConfig c) {
        return OperatorSubscriptions.spec(c, PACKAGE, c.threescale().channel(), c.threescale().namespace())
                .withTimeout(operatorTimeout);
    }

    /**
     * Whether the operator can verify the tenant admin Route's certificate: it calls
     * {@code https://<tenant>-admin.<wildcard domain>} itself (lookup_provider_account.go) and trusts only its image's
     * public CAs (threescale_api.go). When the certificate is signed by the cluster's own CA (a fresh cluster's
     * ingress CA), which the installer verifies through the cluster's published ingress certificate, the
     * CustomPolicyDefinitions are annotated {@code insecure_skip_verify: "true"}; otherwise they are not.
     *
     * @param skip   annotate the CustomPolicyDefinitions
     * @param reason why, for the plan
     */
    record OperatorTls(boolean skip, String reason) { }

    static OperatorTls operatorTls(StageContext ctx, String tenant, String domain, String ns) {
        String url = "https://" + tenant + "-admin." + domain;
        RouteCertificates.Assessment a = RouteCertificates.assess(ctx, url, ns);
        if (a.trust() == RouteCertificates.Trust.CLUSTER) {
            return new OperatorTls(true, "the 3scale operator calls " + url + " and trusts only public CAs; its"
                    + " certificate is " + a.describe());
        }
        return new OperatorTls(false, "the certificate of " + url + " is " + a.describe());
    }

    /** The CustomPolicyDefinition's change: create or update it, and take away an annotation no longer needed. */
    private static Change definitionChange(Resources resources, KubernetesClient client, String ns, PolicyBundle b,
                                           OperatorTls tls, boolean dryRun) {
        GenericKubernetesResource desired = policyDefinition(ns, b, tls.skip());
        Change c;
        if (dryRun) {
            c = planned(resources, desired);
        } else {
            GenericKubernetesResource old = client.genericKubernetesResources(CPDS).inNamespace(ns).withName(b.name())
                    .get();
            Object oldVersion = old == null || !(old.getAdditionalProperties().get("spec") instanceof Map<?, ?> spec)
                    ? null : spec.get("version");
            if (oldVersion != null && !b.version().equals(oldVersion)) {
                // a new version is a new registry entry: the operator finds the old one by status.policyID and would
                // rename it (custompolicydefinition_threescale_reconciler.go), which porta refuses while a product
                // uses it; a new object starts without that ID and adopts the entry of its own name and version
                client.genericKubernetesResources(CPDS).inNamespace(ns).withName(b.name()).delete();
                Change created = resources.createOrUpdate(desired, false).change();
                Map<String, FieldChange> f = new LinkedHashMap<>(created.fields());
                f.put("spec.version", FieldChange.of(oldVersion, b.version()));
                c = new Change(Action.UPDATE, created.system(), created.kind(), created.name(), f);
            } else {
                c = resources.createOrUpdate(desired, false).change();
            }
        }
        Map<String, FieldChange> fields = new LinkedHashMap<>(c.fields());
        Action action = c.action();
        if (!tls.skip()) {
            GenericKubernetesResource live;
            try {
                live = client.genericKubernetesResources(CPDS).inNamespace(ns).withName(b.name()).get();
            } catch (KubernetesClientException e) {
                live = null;
            }
            Map<String, String> annotations = live == null ? null : live.getMetadata().getAnnotations();
            if (annotations != null && annotations.containsKey(INSECURE_SKIP_VERIFY)) {
                if (!dryRun) {
                    client.genericKubernetesResources(CPDS).inNamespace(ns).withName(b.name())
                            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\""
                                    + INSECURE_SKIP_VERIFY + "\":null}}}");
                }
                fields.put("metadata.annotations." + INSECURE_SKIP_VERIFY,
                        FieldChange.of(annotations.get(INSECURE_SKIP_VERIFY), null));
                action = action == Action.NOOP ? Action.UPDATE : action;
            }
        }
        if (action == Action.NOOP) {
            return c;
        }
        if (tls.skip()) {
            // also when the kind is not served yet (the operator's CRDs come with it) and the plan has no fields
            fields.putIfAbsent("metadata.annotations." + INSECURE_SKIP_VERIFY, FieldChange.of(null, "true"));
        }
        fields.put("why " + INSECURE_SKIP_VERIFY + (tls.skip() ? "" : " is not set"),
                FieldChange.of(null, tls.reason()));
        return new Change(action, c.system(), c.kind(), c.name(), fields);
    }

    // ---------------------------------------------------------------------------------------------------- plan

    @Override
    public List<Change> plan(StageContext ctx) {
        KubernetesClient client = ctx.service(KubernetesClient.class);
        Resources resources = new Resources(client);
        ThreescaleConfig t = ctx.config().threescale();
        Desired d = desired(ctx);
        List<Change> changes = new ArrayList<>();
        changes.add(resources.ensureNamespace(d.namespace(), true));
        for (PolicyBundle b : d.policies()) {
            changes.add(resources.createOrUpdate(policySecret(d.namespace(), b), true).change());
        }
        changes.addAll(new OperatorInstaller(client, ctx.cancellation()).plan(operatorSpec(ctx.config())).stream()
                .filter(c -> !c.kind().equals("Namespace")).toList());
        changes.add(planned(resources, apiManager(d, t)));
        boolean available = available(client, d.namespace());
        if (available) {
            try {
                changes.addAll(registerPolicies(ctx, d.policies(), true));
            } catch (StageException | dev.maas.installer.threescale.ThreescaleApiException e) {
                LOG.info("3scale policy registry not planned: {}", ctx.secrets().redact(e.getMessage()));
            }
        } else {
            for (PolicyBundle b : d.policies()) {
                changes.add(new Change(Action.CREATE, TargetSystem.THREESCALE, "Policy", b.toString(), Map.of()));
            }
        }
        OperatorTls tls = operatorTls(ctx, t.tenantName(), d.domain(), d.namespace());
        for (PolicyBundle b : d.policies()) {
            changes.add(definitionChange(resources, client, d.namespace(), b, tls, true));
        }
        if (available) {
            try {
                changes.addAll(tenantSettings(ctx, true));
            } catch (StageException | dev.maas.installer.threescale.ThreescaleApiException e) {
                LOG.info("3scale tenant settings not planned: {}", ctx.secrets().redact(e.getMessage()));
            }
        } else {
            // the tenant the operator will make: its organisation name set, its sample backend deleted
            if (t.organizationName() != null && !t.organizationName().isBlank()) {
                changes.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, "Tenant", t.tenantName(),
                        Map.of("org_name", FieldChange.of(null, t.organizationName()))));
            }
            changes.add(new Change(Action.DELETE, TargetSystem.THREESCALE, "Backend", SAMPLE_BACKEND_NAME, Map.of()));
        }
        return changes;
    }

    /** The change a createOrUpdate would make; a kind the cluster does not serve yet (CRD to come) is a CREATE. */
    private static Change planned(Resources resources, GenericKubernetesResource desired) {
        try {
            return resources.createOrUpdate(desired, true).change();
        } catch (ClusterException | KubernetesClientException e) {
            return new Change(Action.CREATE, TargetSystem.KUBERNETES, desired.getKind(),
                    desired.getMetadata().getNamespace() + "/" + desired.getMetadata().getName(), Map.of());
        }
    }

    // --------------------------------------------------------------------------------------------------- apply

    @Override
    public List<Change> apply(StageContext ctx, Progress progress) {
        KubernetesClient client = ctx.service(KubernetesClient.class);
        Resources resources = new Resources(client);
        ThreescaleConfig t = ctx.config().threescale();
        int n = 0;

        progress.step(++n, STEPS, "checking the input (channel, storage, custom policies)");
        Desired d = desired(ctx);
        List<Change> changes = new ArrayList<>();

        ctx.cancellation().throwIfCancelled();
        progress.step(++n, STEPS, "namespace " + d.namespace());
        changes.add(resources.ensureNamespace(d.namespace(), false));

        ctx.cancellation().throwIfCancelled();
        progress.step(++n, STEPS, "custom APIcast policies as Secrets ("
                + d.policies().stream().map(PolicyBundle::toString).collect(Collectors.joining(", ")) + ")");
        for (PolicyBundle b : d.policies()) {
            changes.add(resources.createOrUpdate(policySecret(d.namespace(), b), false).change());
        }

        ctx.cancellation().throwIfCancelled();
        progress.step(++n, STEPS, "3scale operator (" + t.channel() + ") in " + d.namespace());
        OperatorInstaller.Result op = new OperatorInstaller(client, ctx.cancellation())
                .install(operatorSpec(ctx.config()), progress);
        changes.addAll(op.changes().stream().filter(c -> !c.kind().equals("Namespace")).toList());

        ctx.cancellation().throwIfCancelled();
        progress.step(++n, STEPS, "APIManager " + APIMANAGER + " (wildcard domain " + d.domain() + ")");
        changes.add(resources.createOrUpdate(apiManager(d, t), false).change());

        ctx.cancellation().throwIfCancelled();
        progress.step(++n, STEPS, "waiting for 3scale to be available");
        new ApiManagerWait(apiManagerTimeout).waitAvailable(client, d.namespace(), ctx, progress);
        waitRoutes(client, d, t, ctx, progress);

        ctx.cancellation().throwIfCancelled();
        progress.step(++n, STEPS, "custom policies in the policy registry (Admin API)");
        changes.addAll(registerPolicies(ctx, d.policies(), false));
        progress.detail("in the policy registry: " + d.policies().stream().map(PolicyBundle::toString)
                .collect(Collectors.joining(", ")));

        ctx.cancellation().throwIfCancelled();
        progress.step(++n, STEPS, "CustomPolicyDefinitions");
        OperatorTls tls = operatorTls(ctx, t.tenantName(), d.domain(), d.namespace());
        if (tls.skip()) {
            progress.detail("CustomPolicyDefinitions annotated " + INSECURE_SKIP_VERIFY + ": " + tls.reason());
        }
        for (PolicyBundle b : d.policies()) {
            changes.add(definitionChange(resources, client, d.namespace(), b, tls, false));
        }

        ctx.cancellation().throwIfCancelled();
        progress.step(++n, STEPS, "tenant settings through the Admin API");
        changes.addAll(tenantSettings(ctx, false));

        progress.step(++n, STEPS, "manual step: the tenant's time zone");
        if (!t.timezoneConfirmed()) {
            progress.detail("manual step: set the time zone of the 3scale tenant at " + timezoneLink(ctx, d)
                    + " (3scale has no API for it), then set threescale.timezoneConfirmed: true");
        }
        return changes;
    }

    /** The tenant's routes: master, admin portal, developer portal, all admitted. */
    static List<String> expectedHosts(String tenant, String domain) {
        return List.of("master." + domain, tenant + "-admin." + domain, tenant + "." + domain);
    }

    private void waitRoutes(KubernetesClient client, Desired d, ThreescaleConfig t, StageContext ctx,
                            Progress progress) {
        List<String> hosts = expectedHosts(t.tenantName(), d.domain());
        try {
            Backoff.of(Duration.ofMinutes(2)).delays(Duration.ofMillis(100), Duration.ofSeconds(5))
                    .cancellation(ctx.cancellation())
                    .awaitTrue("the 3scale routes", () -> missingRoutes(client, d.namespace(), hosts).isEmpty());
        } catch (TimeoutException e) {
            throw new StageException("the 3scale routes are not admitted: "
                    + String.join(", ", missingRoutes(client, d.namespace(), hosts)),
                    Fix.manual("check `oc get routes -n " + d.namespace() + "` and the zync pods; rerun the stage"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ctx.cancellation().cancel();
            ctx.cancellation().throwIfCancelled();
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

    private static boolean available(KubernetesClient client, String ns) {
        try {
            return ApiManagerWait.isAvailable(client.genericKubernetesResources(APIMANAGERS).inNamespace(ns).withName(APIMANAGER).get());
        } catch (KubernetesClientException e) {
            return false;
        }
    }

    /**
     * Puts every policy into the tenant's policy registry through the Admin API (porta
     * {@code app/controllers/admin/api/registry/policies_controller.rb}): registered when missing, its schema replaced
     * when it differs from the policy folder's, left alone otherwise. The stage does this itself instead of waiting
     * for the operator, which cannot reach the registry when it cannot verify the admin Route's certificate; the
     * operator adopts the entry by name and version (custompolicydefinition_threescale_reconciler.go). The products
     * stage's policy chains do not depend on it: porta does not check chains against the registry.
     */
    private static List<Change> registerPolicies(StageContext ctx, List<PolicyBundle> policies, boolean dryRun) {
        ThreescaleClient admin = ThreescaleAccess.client(ctx);
        List<RegistryPolicy> registry = admin.tenant().registryPolicies();
        List<Change> changes = new ArrayList<>();
        for (PolicyBundle b : policies) {
            ObjectNode schema = registrySchema(b);
            Optional<RegistryPolicy> live = registry.stream()
                    .filter(r -> b.name().equals(r.name()) && b.version().equals(r.version())).findFirst();
            if (live.isEmpty()) {
                if (!dryRun) {
                    admin.tenant().createRegistryPolicy(b.name(), b.version(), schema);
                    LOG.info("3scale policy registry: {} registered", b);
                }
                changes.add(new Change(Action.CREATE, TargetSystem.THREESCALE, "Policy", b.toString(),
                        Map.of("summary", FieldChange.of(null, b.summary()))));
            } else if (!sameSchema(live.get().schema(), schema)) {
                if (!dryRun) {
                    try {
                        admin.tenant().updateRegistryPolicy(live.get().id(), schema);
                    } catch (dev.maas.installer.threescale.ThreescaleApiException e) {
                        if (e.status() == 422) {
                            throw StageException.invalidInput("policy " + b + " is in the policy registry with"
                                    + " another manifest, and 3scale refuses to change it: " + e.getMessage()
                                    + " (a registered policy that a product's policy chain uses cannot change;"
                                    + " porta app/models/policy.rb)", Fix.configField("threescale.policies",
                                    "give the changed policy a new version in its apicast-policy.json"));
                        }
                        throw e;
                    }
                    LOG.info("3scale policy registry: {} updated", b);
                }
                changes.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, "Policy", b.toString(),
                        Map.of("schema", FieldChange.of("differs from " + b.name() + "/" + PolicyBundle.MANIFEST,
                                "as in " + b.name() + "/" + PolicyBundle.MANIFEST))));
            } else {
                changes.add(Change.noop(TargetSystem.THREESCALE, "Policy", b.toString()));
            }
        }
        return changes;
    }

    /** The registry's schema holds every field of ours with the same value (JSON, order-insensitive). */
    static boolean sameSchema(JsonNode live, ObjectNode desired) {
        if (live == null || !live.isObject()) {
            return false;
        }
        for (Map.Entry<String, JsonNode> e : desired.properties()) {
            if (!e.getValue().equals(live.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static List<String> unregistered(List<RegistryPolicy> registry, List<PolicyBundle> policies) {
        return policies.stream().filter(b -> registry.stream().noneMatch(r -> b.name().equals(r.name())
                && b.version().equals(r.version()))).map(PolicyBundle::toString).toList();
    }

    /** The registered policies whose schema differs from the policy folder's. */
    private static List<String> differing(List<RegistryPolicy> registry, List<PolicyBundle> policies) {
        return policies.stream().filter(b -> registry.stream().anyMatch(r -> b.name().equals(r.name())
                && b.version().equals(r.version()) && !sameSchema(r.schema(), registrySchema(b))))
                .map(PolicyBundle::toString).toList();
    }

    // ----------------------------------------------------------------------------------------- tenant settings

    /** The organisation name (Master API) and the sample backend's removal; dry run only computes. */
    private List<Change> tenantSettings(StageContext ctx, boolean dryRun) {
        ThreescaleConfig t = ctx.config().threescale();
        ThreescaleClient admin = ThreescaleAccess.client(ctx);
        List<Change> changes = new ArrayList<>();
        String wanted = t.organizationName();
        if (wanted != null && !wanted.isBlank()) {
            Account provider = admin.tenant().provider();
            if (wanted.equals(provider.orgName())) {
                changes.add(Change.noop(TargetSystem.THREESCALE, "Tenant", t.tenantName()));
            } else {
                if (!dryRun) {
                    masterClient(ctx).master().updateTenant(provider.id(), Map.of("org_name", wanted));
                    LOG.info("3scale tenant {}: organisation name set", t.tenantName());
                }
                changes.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, "Tenant", t.tenantName(),
                        Map.of("org_name", FieldChange.of(provider.orgName(), wanted))));
            }
        }
        Optional<BackendApi> sample = admin.backends().list().stream()
                .filter(b -> SAMPLE_BACKEND_NAME.equals(b.name()) && SAMPLE_BACKEND_SYSTEM_NAME.equals(b.systemName()))
                .findFirst();
        if (sample.isEmpty()) {
            changes.add(Change.noop(TargetSystem.THREESCALE, "Backend", SAMPLE_BACKEND_NAME + " (removed)"));
            return changes;
        }
        long backendId = sample.get().id();
        for (Service s : admin.services().list()) {
            for (BackendUsage u : admin.product(s.id()).backendUsages()) {
                if (u.backendId() != null && u.backendId() == backendId) {
                    if (!dryRun) {
                        admin.product(s.id()).removeBackendUsage(u.id());
                    }
                    changes.add(new Change(Action.DELETE, TargetSystem.THREESCALE, "BackendUsage",
                            s.systemName() + " " + u.path(), Map.of()));
                }
            }
        }
        if (!dryRun) {
            admin.backends().delete(backendId);
            LOG.info("3scale: sample backend '{}' removed", SAMPLE_BACKEND_NAME);
        }
        changes.add(new Change(Action.DELETE, TargetSystem.THREESCALE, "Backend", SAMPLE_BACKEND_NAME, Map.of()));
        return changes;
    }

    /** A Master API client: the override URL or https://master.&lt;domain&gt;, with MASTER_ACCESS_TOKEN. */
    private static ThreescaleClient masterClient(StageContext ctx) {
        InstallerConfig c = ctx.config();
        String url = c.endpoints().threescaleMasterUrl();
        if (url == null || url.isBlank()) {
            url = ThreescaleAccess.routeHost(ctx, "master.").map(h -> "https://" + h).orElseThrow(() ->
                    new StageException("no Route for the 3scale master portal (master.<wildcard domain>) in namespace "
                            + c.threescale().namespace(),
                            Fix.configField("endpoints.threescaleMasterUrl", "set the master URL, or rerun the stage"
                                    + " once the routes exist")));
        }
        return ThreescaleClient.builder(url, ThreescaleAccess.masterToken(ctx)).secrets(ctx.secrets())
                .cancellation(ctx.cancellation())
                .okHttp(EndpointTrust.forRun(ctx, url).okHttp(null)).build();
    }

    private static String timezoneLink(StageContext ctx, Desired d) {
        return "https://" + ctx.config().threescale().tenantName() + "-admin." + d.domain() + "/p/admin/account/edit";
    }

    // -------------------------------------------------------------------------------------------------- verify

    @Override
    public List<Check> verify(StageContext ctx) {
        KubernetesClient client = ctx.service(KubernetesClient.class);
        ThreescaleConfig t = ctx.config().threescale();
        String ns = t.namespace();
        List<Check> out = new ArrayList<>();
        if (ClusterFacts.needsExternalDatabases(t.channel())) {
            out.add(GUARD.check("external databases", () -> {
                List<String> missing = ClusterFacts.missingExternalDbSecrets(client, ns);
                return missing.isEmpty() ? Check.ok("external databases", "Secrets "
                        + String.join(", ", ClusterFacts.EXTERNAL_DB_SECRETS) + " exist in " + ns)
                        : Check.invalidInput("external databases", t.channel() + " needs external databases;"
                                + " missing Secrets in " + ns + ": " + String.join(", ", missing),
                        Fix.configField("threescale.channel", "create them, or choose threescale-2.15"));
            }));
        }
        out.add(GUARD.check("operator",
                () -> OperatorReadiness.check(client, "operator", ns, PACKAGE, StageIds.THREESCALE)));
        GenericKubernetesResource[] am = new GenericKubernetesResource[1];
        out.add(GUARD.check("apimanager", () -> {
            am[0] = client.genericKubernetesResources(APIMANAGERS).inNamespace(ns).withName(APIMANAGER).get();
            if (am[0] == null) {
                return Check.retryable("apimanager", "APIManager " + APIMANAGER + " does not exist in " + ns,
                        Fix.rerunStage(StageIds.THREESCALE, "install 3scale"));
            }
            if (ApiManagerWait.isAvailable(am[0])) {
                return Check.ok("apimanager", "APIManager " + APIMANAGER + " is Available");
            }
            Optional<StageException> preflights = ApiManagerWait.preflightsFailure(am[0], ns);
            return preflights.isPresent()
                    ? Check.retryable("apimanager", preflights.get().getMessage(), preflights.get().fix())
                    : Check.retryable("apimanager", "APIManager " + APIMANAGER + " is not Available: "
                    + ApiManagerWait.describe(am[0]), Fix.rerunStage(StageIds.THREESCALE, "rerun to wait for it and see why it is"
                    + " stuck"));
        }));
        out.add(GUARD.check("deployments", () -> deploymentsCheck(client, ns, am[0])));
        out.add(GUARD.check("routes", () -> {
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
        ThreescaleClient[] admin = new ThreescaleClient[1];
        Account[] provider = new Account[1];
        out.add(GUARD.check("admin api", () -> {
            admin[0] = ThreescaleAccess.client(ctx);
            provider[0] = admin[0].tenant().provider();
            return Check.ok("admin api", "the Admin API at " + admin[0].adminUrl() + " answers with the"
                    + " ADMIN_ACCESS_TOKEN of Secret " + ThreescaleAccess.SEED_SECRET + " (tenant '"
                    + provider[0].orgName() + "')");
        }));
        if (admin[0] == null) {
            return out;
        }
        out.add(GUARD.check("custom policies", () -> {
            List<PolicyBundle> bundles;
            try {
                bundles = CustomPolicies.forConfig(ctx.config());
            } catch (CatalogException e) {
                return Check.invalidInput("custom policies", e.getMessage(), Fix.configField(e.field(),
                        "give a folder with apicast-policy.json and init.lua"));
            }
            List<RegistryPolicy> registry = admin[0].tenant().registryPolicies();
            List<String> missing = unregistered(registry, bundles);
            List<String> differ = differing(registry, bundles);
            if (!missing.isEmpty()) {
                return Check.retryable("custom policies", "not in the policy registry: " + String.join(", ", missing),
                        Fix.rerunStage(StageIds.THREESCALE, "it registers them through the Admin API"));
            }
            return differ.isEmpty() ? Check.ok("custom policies", "in the policy registry: "
                    + bundles.stream().map(PolicyBundle::toString).collect(Collectors.joining(", ")))
                    : Check.retryable("custom policies", "in the policy registry with another manifest than the"
                    + " policy folder's: " + String.join(", ", differ),
                    Fix.rerunStage(StageIds.THREESCALE, "it updates them through the Admin API"));
        }));
        out.add(GUARD.check("policy definitions", () -> definitionsCheck(client, ns, ctx.config())));
        if (t.organizationName() != null && !t.organizationName().isBlank()) {
            out.add(t.organizationName().equals(provider[0].orgName())
                    ? Check.ok("organization name", "the tenant's organisation name is '" + t.organizationName() + "'")
                    : Check.retryable("organization name", "the tenant's organisation name is '" + provider[0].orgName()
                            + "', not '" + t.organizationName() + "'",
                    Fix.rerunStage(StageIds.THREESCALE, "it sets the name through the Master API")));
        }
        out.add(GUARD.check("sample backend", () -> admin[0].backends().list().stream().anyMatch(b ->
                SAMPLE_BACKEND_NAME.equals(b.name()) && SAMPLE_BACKEND_SYSTEM_NAME.equals(b.systemName()))
                ? Check.warn("sample backend", "the sample product's '" + SAMPLE_BACKEND_NAME + "' is still there",
                Fix.rerunStage(StageIds.THREESCALE, "it removes the sample backend"))
                : Check.ok("sample backend", "the sample '" + SAMPLE_BACKEND_NAME + "' is removed")));
        String link = "https://" + t.tenantName() + "-admin." + ClusterFacts.appsDomain(client).orElse("<apps domain>")
                + "/p/admin/account/edit";
        out.add(t.timezoneConfirmed() ? Check.ok("time zone", "set by hand (threescale.timezoneConfirmed)")
                : Check.warn("time zone", "the tenant's time zone is a manual step (3scale has no API for it): set it"
                        + " at " + link,
                Fix.configField("threescale.timezoneConfirmed", "set the time zone at " + link
                        + ", then set threescale.timezoneConfirmed: true")));
        return out;
    }

    /**
     * The CustomPolicyDefinitions as the operator left them (custompolicydefinition_status_reconciler.go: Ready, or
     * Failed with the error). A failed one is a warning: the stage registers the policies itself, so products can use
     * them; the message says what the operator could not do.
     */
    private static Check definitionsCheck(KubernetesClient client, String ns, InstallerConfig config) {
        List<PolicyBundle> bundles;
        try {
            bundles = CustomPolicies.forConfig(config);
        } catch (CatalogException e) {
            return Check.invalidInput("policy definitions", e.getMessage(), Fix.configField(e.field(),
                    "give a folder with apicast-policy.json and init.lua"));
        }
        List<String> missing = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        boolean tls = false;
        for (PolicyBundle b : bundles) {
            GenericKubernetesResource cpd = client.genericKubernetesResources(CPDS).inNamespace(ns).withName(b.name())
                    .get();
            if (cpd == null) {
                missing.add(b.name());
                continue;
            }
            JsonNode node = Json.MAPPER.valueToTree(cpd);
            if ("True".equals(ApiManagerWait.condition(node, "Ready"))) {
                continue;
            }
            String message = "";
            for (JsonNode c : node.path("status").path("conditions")) {
                if ("Failed".equals(c.path("type").asText()) && "True".equals(c.path("status").asText())) {
                    message = c.path("message").asText();
                }
            }
            if (message.isEmpty()) {
                pending.add(b.name());
            } else {
                failed.add(b.name() + " (" + message + ")");
                tls |= message.contains("x509") || message.contains("certificate");
            }
        }
        if (!missing.isEmpty()) {
            return Check.retryable("policy definitions", "no CustomPolicyDefinition for " + String.join(", ", missing)
                    + " in " + ns, Fix.rerunStage(StageIds.THREESCALE, "it creates them"));
        }
        if (!failed.isEmpty()) {
            return Check.warn("policy definitions", "the 3scale operator cannot sync CustomPolicyDefinition "
                    + String.join("; ", failed) + ". The policies are in the registry (the stage registers them"
                    + " itself), so products can use them", tls
                    ? Fix.rerunStage(StageIds.THREESCALE, "it annotates them " + INSECURE_SKIP_VERIFY + " when the"
                    + " admin Route's certificate is signed by the cluster's ingress CA; or give the cluster's ingress"
                    + " a certificate from a public CA")
                    : Fix.manual("see `oc get custompolicydefinitions -n " + ns + " -o yaml` and the 3scale"
                    + " operator's log"));
        }
        if (!pending.isEmpty()) {
            return Check.warn("policy definitions", "the 3scale operator has not reconciled CustomPolicyDefinition "
                    + String.join(", ", pending) + " yet", Fix.manual("check that the 3scale operator runs (`oc get"
                    + " pods -n " + ns + "`)"));
        }
        return Check.ok("policy definitions", "the 3scale operator has synced every CustomPolicyDefinition (Ready)");
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
