package dev.maas.installer.stages.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.catalog.policy.PolicyBundle;
import dev.maas.installer.cluster.Resources;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.InstallerConfig.ThreescaleConfig;
import dev.maas.installer.stages.common.ClusterObject;
import dev.maas.installer.stages.common.RouteCertificates;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.maas.installer.stages.threescale.ThreescaleStage.APIMANAGER;
import static dev.maas.installer.stages.threescale.ThreescaleStage.APIMANAGERS;
import static dev.maas.installer.stages.threescale.ThreescaleStage.CPDS;
import static dev.maas.installer.stages.threescale.ThreescaleStage.INSECURE_SKIP_VERIFY;
import static dev.maas.installer.stages.threescale.ThreescaleStage.Json;

/**
 * The cluster objects the threescale stage manages besides the operator's: the custom policies as Secrets the
 * APIManager watches, the APIManager (ready when Available), and a CustomPolicyDefinition per policy (ready when the
 * operator has synced it). Each is read through {@link ThreescaleStage.Run}, which works out the input once.
 */
final class InstallObjects {
    private InstallObjects() { }

    static String policySecretName(PolicyBundle b) { return ThreescaleStage.POLICY_SECRET_PREFIX + b.name(); }

    /** The policy's files as a Secret the APIManager watches (label {@code apimanager.apps.3scale.net/watched-by}). */
    static ClusterObject<Secret> policySecret(Resources resources, String ns, PolicyBundle b) {
        return new ClusterObject<>(resources, "Secret", ns, policySecretName(b), ctx -> {
            Map<String, String> data = new LinkedHashMap<>();
            b.files().forEach((k, v) -> data.put(k,
                    Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
            return new SecretBuilder().withNewMetadata().withName(policySecretName(b)).withNamespace(ns)
                    .addToLabels(ThreescaleStage.WATCHED_BY_LABEL, ThreescaleStage.WATCHED_BY).endMetadata()
                    .withType("Opaque").withData(data).build();
        });
    }

    /**
     * The APIManager {@code apimanager}: wildcard domain from the cluster, RWX or S3 system storage, every custom
     * policy on both APIcasts, external databases from 2.16. Ready when its condition Available is True; failed
     * preflights are said as such (3scale-operator apimanager_status_reconciler.go).
     */
    static final class ApiManager extends ClusterObject<GenericKubernetesResource> {
        private final ThreescaleStage.Run run;

        ApiManager(ThreescaleStage.Run run) {
            super(run.resources(), "APIManager", run.namespace(), APIMANAGER, ctx -> apiManager(run.install(), run.t()));
            this.run = run;
        }

        @Override public String step() { return "APIManager " + APIMANAGER + " (wildcard domain " + run.install().domain() + ")"; }

        @Override
        public Optional<GenericKubernetesResource> fetch(StageContext ctx) {
            return Optional.ofNullable(read(run));
        }

        @Override
        public Optional<Check> readiness(StageContext ctx, GenericKubernetesResource desired,
                                         GenericKubernetesResource actual) {
            String name = checkName() + " ready";
            if (ApiManagerWait.isAvailable(actual)) {
                return Optional.of(Check.ok(name, "APIManager " + APIMANAGER + " is Available"));
            }
            Optional<StageException> preflights = ApiManagerWait.preflightsFailure(actual, run.namespace());
            return Optional.of(preflights.isPresent()
                    ? Check.retryable(name, preflights.get().getMessage(), preflights.get().fix())
                    : Check.retryable(name, "APIManager " + APIMANAGER + " is not Available: "
                    + ApiManagerWait.describe(actual), Fix.rerunStage(StageIds.THREESCALE, "rerun to wait for it and"
                    + " see why it is stuck")));
        }

        @Override
        public String missingMessage() {
            return "APIManager " + APIMANAGER + " does not exist in " + run.namespace();
        }

        @Override
        public Fix fix(String stageId, Action action) {
            return Fix.rerunStage(StageIds.THREESCALE, action == Action.CREATE ? "install 3scale" : "it updates it");
        }
    }

    /** The live APIManager, or null. */
    static GenericKubernetesResource read(ThreescaleStage.Run run) {
        try {
            return run.client().genericKubernetesResources(APIMANAGERS).inNamespace(run.namespace())
                    .withName(APIMANAGER).get();
        } catch (KubernetesClientException e) {
            throw dev.maas.installer.cluster.ClusterErrors.translate(e, "reading APIManager " + run.namespace() + "/"
                    + APIMANAGER);
        }
    }

    static GenericKubernetesResource apiManager(ThreescaleStage.Install d, ThreescaleConfig t) {
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

    /**
     * A policy's CustomPolicyDefinition: spec.name, version and the schema the registry holds
     * ({@link TenantObjects#registrySchema}); annotated {@value ThreescaleStage#INSECURE_SKIP_VERIFY} when the
     * operator cannot verify the admin Route's certificate ({@link OperatorTls}), and the annotation taken away when
     * it can. A new version replaces the object: the operator finds the old registry entry by status.policyID and
     * would rename it (custompolicydefinition_threescale_reconciler.go), which porta refuses while a product uses it;
     * a new object starts without that ID and adopts the entry of its own name and version. Ready when the operator
     * has synced it (custompolicydefinition_status_reconciler.go: Ready, or Failed with the error).
     */
    static final class PolicyDefinition extends ClusterObject<GenericKubernetesResource> {
        private static final String ANNOTATION = "metadata.annotations." + INSECURE_SKIP_VERIFY;
        private final ThreescaleStage.Run run;
        private final PolicyBundle bundle;

        PolicyDefinition(ThreescaleStage.Run run, PolicyBundle b) {
            super(run.resources(), "CustomPolicyDefinition", run.namespace(), b.name(),
                    ctx -> definition(run.namespace(), b, run.tls().skip()));
            this.run = run;
            this.bundle = b;
        }

        @Override
        public Optional<GenericKubernetesResource> fetch(StageContext ctx) {
            try {
                return Optional.ofNullable(run.client().genericKubernetesResources(CPDS).inNamespace(run.namespace())
                        .withName(bundle.name()).get());
            } catch (KubernetesClientException e) {
                throw dev.maas.installer.cluster.ClusterErrors.translate(e, "reading CustomPolicyDefinition "
                        + name());
            }
        }

        @Override
        public Map<String, FieldChange> diff(GenericKubernetesResource desired,
                                             Optional<GenericKubernetesResource> actual) {
            Map<String, FieldChange> fields = new LinkedHashMap<>(super.diff(desired, actual));
            String left = actual.map(a -> a.getMetadata().getAnnotations()).map(a -> a.get(INSECURE_SKIP_VERIFY))
                    .orElse(null);
            if (!run.tls().skip() && left != null) {
                fields.put(ANNOTATION, FieldChange.of(left, null));
            }
            return fields;
        }

        @Override
        public GenericKubernetesResource update(StageContext ctx, GenericKubernetesResource desired,
                                                GenericKubernetesResource actual, Map<String, FieldChange> diff) {
            Object oldVersion = actual.getAdditionalProperties().get("spec") instanceof Map<?, ?> spec
                    ? spec.get("version") : null;
            if (oldVersion != null && !bundle.version().equals(oldVersion)) {
                run.client().genericKubernetesResources(CPDS).inNamespace(run.namespace()).withName(bundle.name())
                        .delete();
                return resources.create(desired);
            }
            boolean unset = diff.containsKey(ANNOTATION) && diff.get(ANNOTATION).to() == null;
            GenericKubernetesResource updated = diff.size() > (unset ? 1 : 0) ? resources.update(desired, actual)
                    : actual;
            return unset ? resources.patch(updated, "{\"metadata\":{\"annotations\":{\"" + INSECURE_SKIP_VERIFY
                    + "\":null}}}") : updated;
        }

        /** Why the annotation is set or not, beside the fields of a change. */
        @Override
        public Map<String, FieldChange> annotate(StageContext ctx, Map<String, FieldChange> fields) {
            Map<String, FieldChange> out = new LinkedHashMap<>(fields);
            OperatorTls tls = run.tls();
            if (tls.skip()) {
                out.putIfAbsent(ANNOTATION, FieldChange.of(null, "true"));
            }
            out.put("why " + INSECURE_SKIP_VERIFY + (tls.skip() ? "" : " is not set"), FieldChange.of(null, tls.reason()));
            return out;
        }

        @Override
        public String driftMessage(GenericKubernetesResource desired, GenericKubernetesResource actual,
                                   Map<String, FieldChange> diff) {
            String failed = failure(actual);
            return super.driftMessage(desired, actual, diff) + (failed.isEmpty() ? ""
                    : "; the 3scale operator cannot sync it: " + failed);
        }

        @Override
        public String missingMessage(GenericKubernetesResource desired) {
            return "no CustomPolicyDefinition for " + bundle.name() + " in " + run.namespace();
        }

        @Override
        public Optional<Check> readiness(StageContext ctx, GenericKubernetesResource desired,
                                         GenericKubernetesResource actual) {
            String name = checkName() + " ready";
            if ("True".equals(ApiManagerWait.condition(Json.MAPPER.valueToTree(actual), "Ready"))) {
                return Optional.of(Check.ok(name, "the 3scale operator has synced CustomPolicyDefinition " + name()));
            }
            String failed = failure(actual);
            if (failed.isEmpty()) {
                return Optional.of(Check.warn(name, "the 3scale operator has not reconciled CustomPolicyDefinition "
                        + bundle.name() + " yet", Fix.manual("check that the 3scale operator runs (`oc get pods -n "
                        + run.namespace() + "`)")));
            }
            boolean tls = failed.contains("x509") || failed.contains("certificate");
            return Optional.of(Check.warn(name, "the 3scale operator cannot sync CustomPolicyDefinition "
                    + bundle.name() + " (" + failed + ")", tls
                    ? Fix.rerunStage(StageIds.THREESCALE, "it annotates them " + INSECURE_SKIP_VERIFY + " when the"
                    + " admin Route's certificate is signed by the cluster's ingress CA; or give the cluster's ingress"
                    + " a certificate from a public CA")
                    : Fix.manual("see `oc get custompolicydefinitions -n " + run.namespace() + " -o yaml` and the"
                    + " 3scale operator's log")));
        }

        /** The message of the operator's condition Failed, or "". */
        private static String failure(GenericKubernetesResource cpd) {
            String message = "";
            for (JsonNode c : Json.MAPPER.valueToTree(cpd).path("status").path("conditions")) {
                if ("Failed".equals(c.path("type").asText()) && "True".equals(c.path("status").asText())) {
                    message = c.path("message").asText();
                }
            }
            return message;
        }
    }

    static GenericKubernetesResource definition(String ns, PolicyBundle b, boolean skipVerify) {
        ObjectNode cpd = Json.MAPPER.createObjectNode().put("apiVersion", "capabilities.3scale.net/v1beta1")
                .put("kind", "CustomPolicyDefinition");
        ObjectNode meta = cpd.putObject("metadata").put("name", b.name()).put("namespace", ns);
        if (skipVerify) {
            meta.putObject("annotations").put(INSECURE_SKIP_VERIFY, "true");
        }
        cpd.putObject("spec").put("name", b.name()).put("version", b.version())
                .set("schema", TenantObjects.registrySchema(b));
        return Json.MAPPER.convertValue(cpd, GenericKubernetesResource.class);
    }
}
