package dev.maas.installer.stages.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.catalog.policy.PolicyBundle;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.reconcile.Managed;
import dev.maas.installer.stages.common.EndpointTrust;
import dev.maas.installer.stages.common.ThreescaleAccess;
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.BackendApi;
import dev.maas.installer.threescale.model.BackendUsage;
import dev.maas.installer.threescale.model.RegistryPolicy;
import dev.maas.installer.threescale.model.Service;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.maas.installer.stages.threescale.ThreescaleStage.Json;
import static dev.maas.installer.stages.threescale.ThreescaleStage.SAMPLE_BACKEND_NAME;
import static dev.maas.installer.stages.threescale.ThreescaleStage.SAMPLE_BACKEND_SYSTEM_NAME;

/**
 * What the threescale stage manages in the tenant, through the Admin API: each custom policy in the policy registry,
 * the organisation name, and the sample product's "API Backend" with its backend usages, which should not exist. Read
 * from {@link Live}, what the stage read of the tenant once; before 3scale is installed (a plan on a fresh cluster)
 * the tenant is the one the operator will make: an empty registry, no organisation name, the sample backend.
 */
final class TenantObjects {
    private TenantObjects() { }

    /** The tenant as read once per operation; {@code admin} is null for the tenant the operator has yet to make. */
    static final class Live {
        private final StageContext ctx;
        private final ThreescaleClient admin;
        private Org org;
        private List<RegistryPolicy> registry;
        private Optional<BackendApi> sample;

        private Live(StageContext ctx, ThreescaleClient admin) {
            this.ctx = ctx;
            this.admin = admin;
        }

        /** The installed tenant's Admin API. */
        static Live of(StageContext ctx) { return new Live(ctx, ThreescaleAccess.client(ctx)); }

        /** The tenant the 3scale operator will make. */
        static Live toBeMade(StageContext ctx) { return new Live(ctx, null); }

        ThreescaleClient admin() { return admin; }

        Org org() {
            if (org == null) {
                org = admin == null ? new Org(null, null) : orgOf(admin.tenant().provider());
            }
            return org;
        }

        private static Org orgOf(dev.maas.installer.threescale.model.Account a) { return new Org(a.id(), a.orgName()); }

        List<RegistryPolicy> registry() {
            if (registry == null) {
                registry = admin == null ? List.of() : admin.tenant().registryPolicies();
            }
            return registry;
        }

        /** The sample backend; a tenant to be made has it (porta makes it with the tenant, db/seeds.rb). */
        Optional<BackendApi> sample() {
            if (sample == null) {
                sample = admin == null ? Optional.of(new BackendApi(0, SAMPLE_BACKEND_NAME, SAMPLE_BACKEND_SYSTEM_NAME,
                        null, null, null)) : admin.backends().list().stream().filter(TenantObjects::isSample)
                        .findFirst();
            }
            return sample;
        }

        /** The backend usages of the sample backend, with their products; none for a tenant to be made. */
        List<Usage> sampleUsages() {
            Optional<BackendApi> backend = sample();
            if (admin == null || backend.isEmpty()) {
                return List.of();
            }
            List<Usage> out = new ArrayList<>();
            for (Service s : admin.services().list()) {
                for (BackendUsage u : admin.product(s.id()).backendUsages()) {
                    if (u.backendId() != null && u.backendId() == backend.get().id()) {
                        out.add(new Usage(s, u));
                    }
                }
            }
            return out;
        }
    }

    /** The provider account's id (null for a tenant to be made) and organisation name. */
    record Org(Long providerId, String orgName) { }

    record Usage(Service product, BackendUsage usage) { }

    static boolean isSample(BackendApi b) {
        return SAMPLE_BACKEND_NAME.equals(b.name()) && SAMPLE_BACKEND_SYSTEM_NAME.equals(b.systemName());
    }

    /** One registry entry per policy, in the order of the policies. */
    static List<Managed<?, ?>> registry(Live live, List<PolicyBundle> policies) {
        return policies.stream().<Managed<?, ?>>map(b -> new RegistryEntry(live, b)).toList();
    }

    /** The organisation name (when configured), then the sample backend's usages and the backend itself. */
    static List<Managed<?, ?>> settings(Live live, InstallerConfig.ThreescaleConfig t) {
        List<Managed<?, ?>> out = new ArrayList<>();
        String wanted = t.organizationName();
        if (wanted != null && !wanted.isBlank()) {
            out.add(new OrgName(live, t.tenantName(), wanted));
        }
        live.sampleUsages().forEach(u -> out.add(new SampleUsage(live, u)));
        out.add(new SampleBackend(live));
        return out;
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

    /**
     * A policy in the tenant's policy registry (porta {@code app/controllers/admin/api/registry/policies_controller.rb}),
     * found by name and version: registered when missing, its schema replaced when it differs from the policy
     * folder's. The stage does this itself instead of waiting for the operator, which cannot reach the registry when
     * it cannot verify the admin Route's certificate; the operator adopts the entry by name and version
     * (custompolicydefinition_threescale_reconciler.go). The products stage's policy chains do not depend on it:
     * porta does not check chains against the registry.
     */
    static final class RegistryEntry implements Managed<ObjectNode, RegistryPolicy> {
        private final Live live;
        private final PolicyBundle bundle;

        RegistryEntry(Live live, PolicyBundle bundle) {
            this.live = live;
            this.bundle = bundle;
        }

        @Override public TargetSystem system() { return TargetSystem.THREESCALE; }

        @Override public String kind() { return "Policy"; }

        @Override public String name() { return bundle.toString(); }

        @Override public Optional<ObjectNode> desired(StageContext ctx) { return Optional.of(registrySchema(bundle)); }

        @Override
        public Optional<RegistryPolicy> fetch(StageContext ctx) {
            return live.registry().stream().filter(r -> bundle.name().equals(r.name())
                    && bundle.version().equals(r.version())).findFirst();
        }

        @Override
        public Map<String, FieldChange> diff(ObjectNode desired, Optional<RegistryPolicy> actual) {
            if (actual.isEmpty()) {
                return Map.of("summary", FieldChange.of(null, bundle.summary()));
            }
            return sameSchema(actual.get().schema(), desired) ? Map.of() : Map.of("schema", FieldChange.of(
                    "differs from " + bundle.name() + "/" + PolicyBundle.MANIFEST,
                    "as in " + bundle.name() + "/" + PolicyBundle.MANIFEST));
        }

        @Override
        public RegistryPolicy create(StageContext ctx, ObjectNode desired) {
            return live.admin().tenant().createRegistryPolicy(bundle.name(), bundle.version(), desired);
        }

        /** A registered policy that a product's policy chain uses cannot change (porta app/models/policy.rb). */
        @Override
        public RegistryPolicy update(StageContext ctx, ObjectNode desired, RegistryPolicy actual,
                                     Map<String, FieldChange> diff) {
            try {
                return live.admin().tenant().updateRegistryPolicy(actual.id(), desired);
            } catch (ThreescaleApiException e) {
                if (e.status() == 422) {
                    throw StageException.invalidInput("policy " + bundle + " is in the policy registry with"
                            + " another manifest, and 3scale refuses to change it: " + e.getMessage()
                            + " (a registered policy that a product's policy chain uses cannot change;"
                            + " porta app/models/policy.rb)", Fix.configField("threescale.policies",
                            "give the changed policy a new version in its apicast-policy.json"));
                }
                throw e;
            }
        }

        @Override public String okMessage(ObjectNode desired, RegistryPolicy actual) { return bundle + " is in the policy registry"; }

        @Override public String missingMessage(ObjectNode desired) { return "not in the policy registry: " + bundle; }

        @Override
        public String driftMessage(ObjectNode desired, RegistryPolicy actual, Map<String, FieldChange> diff) {
            return "in the policy registry with another manifest than the policy folder's: " + bundle;
        }

        @Override
        public Fix fix(String stageId, Action action) {
            return Fix.rerunStage(StageIds.THREESCALE, action == Action.CREATE
                    ? "it registers them through the Admin API" : "it updates them through the Admin API");
        }
    }

    /** The tenant's organisation name, set through the Master API ({@code PUT /master/api/providers/{id}.json}). */
    static final class OrgName implements Managed<String, Org> {
        private final Live live;
        private final String tenant;
        private final String wanted;

        OrgName(Live live, String tenant, String wanted) {
            this.live = live;
            this.tenant = tenant;
            this.wanted = wanted;
        }

        @Override public TargetSystem system() { return TargetSystem.THREESCALE; }

        @Override public String kind() { return "Tenant"; }

        @Override public String name() { return tenant; }

        @Override public String checkName() { return "organization name"; }

        @Override public String step() { return "organisation name"; }

        @Override public Optional<String> desired(StageContext ctx) { return Optional.of(wanted); }

        /** The tenant always exists once 3scale runs (the operator makes it); before, it is the one to be made. */
        @Override public Optional<Org> fetch(StageContext ctx) { return Optional.of(live.org()); }

        @Override
        public Map<String, FieldChange> diff(String desired, Optional<Org> actual) {
            String have = actual.map(Org::orgName).orElse(null);
            return desired.equals(have) ? Map.of() : Map.of("org_name", FieldChange.of(have, desired));
        }

        @Override
        public Org create(StageContext ctx, String desired) {
            throw new IllegalStateException("the 3scale tenant is made by the 3scale operator, never here");
        }

        @Override
        public Org update(StageContext ctx, String desired, Org actual, Map<String, FieldChange> diff) {
            masterClient(ctx).master().updateTenant(actual.providerId(), Map.of("org_name", desired));
            return new Org(actual.providerId(), desired);
        }

        @Override
        public String okMessage(String desired, Org actual) { return "the tenant's organisation name is '" + desired + "'"; }

        @Override
        public String driftMessage(String desired, Org actual, Map<String, FieldChange> diff) {
            return "the tenant's organisation name is '" + actual.orgName() + "', not '" + desired + "'";
        }

        @Override
        public Fix fix(String stageId, Action action) {
            return Fix.rerunStage(StageIds.THREESCALE, "it sets the name through the Master API");
        }
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

    /** A backend usage of the sample backend, which should not exist (it goes before the backend). */
    static final class SampleUsage implements Managed<Object, Usage> {
        private final Live live;
        private final Usage usage;

        SampleUsage(Live live, Usage usage) {
            this.live = live;
            this.usage = usage;
        }

        @Override public TargetSystem system() { return TargetSystem.THREESCALE; }

        @Override public String kind() { return "BackendUsage"; }

        @Override public String name() { return usage.product().systemName() + " " + usage.usage().path(); }

        @Override public String checkName() { return "sample backend"; }

        @Override public Optional<Object> desired(StageContext ctx) { return Optional.empty(); }

        @Override public Optional<Usage> fetch(StageContext ctx) { return Optional.of(usage); }

        @Override public Map<String, FieldChange> diff(Object desired, Optional<Usage> actual) { return Map.of(); }

        @Override
        public Usage create(StageContext ctx, Object desired) {
            throw new IllegalStateException("the sample backend's usages are only removed");
        }

        @Override
        public Usage update(StageContext ctx, Object desired, Usage actual, Map<String, FieldChange> diff) {
            throw new IllegalStateException("the sample backend's usages are only removed");
        }

        @Override
        public void delete(StageContext ctx, Usage actual) {
            live.admin().product(actual.product().id()).removeBackendUsage(actual.usage().id());
        }

        @Override
        public String extraMessage(Usage actual) {
            return "the sample product '" + actual.product().systemName() + "' still uses '" + SAMPLE_BACKEND_NAME + "'";
        }

        @Override
        public Fix fix(String stageId, Action action) {
            return Fix.rerunStage(StageIds.THREESCALE, "it removes the sample backend");
        }
    }

    /**
     * The sample product's "API Backend" (system_name {@value ThreescaleStage#SAMPLE_BACKEND_SYSTEM_NAME}), which
     * porta makes with every tenant ({@code Account} after_create {@code create_first_service}); it should not exist.
     */
    static final class SampleBackend implements Managed<Object, BackendApi> {
        private final Live live;

        SampleBackend(Live live) { this.live = live; }

        @Override public TargetSystem system() { return TargetSystem.THREESCALE; }

        @Override public String kind() { return "Backend"; }

        @Override public String name() { return SAMPLE_BACKEND_NAME; }

        @Override public String checkName() { return "sample backend"; }

        @Override public Optional<Object> desired(StageContext ctx) { return Optional.empty(); }

        @Override public Optional<BackendApi> fetch(StageContext ctx) { return live.sample(); }

        @Override public Map<String, FieldChange> diff(Object desired, Optional<BackendApi> actual) { return Map.of(); }

        @Override
        public BackendApi create(StageContext ctx, Object desired) {
            throw new IllegalStateException("the sample backend is only removed");
        }

        @Override
        public BackendApi update(StageContext ctx, Object desired, BackendApi actual, Map<String, FieldChange> diff) {
            throw new IllegalStateException("the sample backend is only removed");
        }

        @Override
        public void delete(StageContext ctx, BackendApi actual) { live.admin().backends().delete(actual.id()); }

        @Override
        public String extraMessage(BackendApi actual) {
            return "the sample product's '" + SAMPLE_BACKEND_NAME + "' is still there";
        }

        @Override
        public Fix fix(String stageId, Action action) {
            return Fix.rerunStage(StageIds.THREESCALE, "it removes the sample backend");
        }
    }
}
