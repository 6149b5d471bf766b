package dev.maas.installer.stages.products;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.catalog.FieldDiff;
import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.catalog.PolicyChain;
import dev.maas.installer.catalog.TokenMetrics;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.reconcile.Managed;
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.BackendApi;
import dev.maas.installer.threescale.model.BackendUsage;
import dev.maas.installer.threescale.model.Metric;
import dev.maas.installer.threescale.model.PolicyConfig;
import dev.maas.installer.threescale.model.Proxy;
import dev.maas.installer.threescale.model.Service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The objects of one model's product the products stage reconciles before its methods and mapping rules
 * ({@link MethodsAndRules}): the product itself, its proxy settings (how the API key is sent), its backend usages
 * (the model's backend at its path, no other), its token metrics and its policy chain. Each is read from what the
 * stage read once ({@link LiveProduct}, the tenant's product list), so plan, apply and verify of each come from one
 * definition ({@link dev.maas.installer.engine.reconcile.Reconciler}).
 */
final class ProductObjects {
    static final String PRODUCT = "product";
    static final String PROXY = "proxy";
    static final String USAGE = "backend usage";
    static final String CHAIN = "policy chain";
    static final String METRIC = "metric";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ProductObjects() { }

    /** The fields a create sets, as plan shows them. */
    static Map<String, FieldChange> created(Map<String, Object> attributes) {
        Map<String, FieldChange> fields = new LinkedHashMap<>();
        attributes.forEach((k, v) -> fields.put(k, FieldChange.of(null, v)));
        return fields;
    }

    /** The request parameters that write the fields of a diff. */
    static Map<String, String> toParams(Map<String, FieldChange> diff) {
        Map<String, String> p = new LinkedHashMap<>();
        diff.forEach((k, v) -> p.put(k, v.to() == null ? "" : v.to()));
        return p;
    }

    /** A 3scale object of the products stage. */
    abstract static class ThreescaleObject<D, A> implements Managed<D, A> {
        @Override public TargetSystem system() { return TargetSystem.THREESCALE; }

        @Override
        public Fix fix(String stageId, dev.maas.installer.engine.Action action) {
            return Fix.rerunStage(StageIds.PRODUCTS, "repairs it");
        }
    }

    // ------------------------------------------------------------------------------------------------ product

    /**
     * The product (a 3scale Service), found by system_name in the tenant's list the stage read once: name,
     * description with the installer's marker, deployment option (hosted APIcast) and backend version (API key).
     */
    static final class ServiceObject extends ThreescaleObject<ModelProduct.Product, Service> {
        private final ThreescaleClient client;
        private final ModelProduct want;
        private Service current;

        ServiceObject(ThreescaleClient client, ModelProduct want, Service live) {
            this.client = client;
            this.want = want;
            this.current = live;
        }

        /** The product as it is after this object was reconciled; null when it does not exist (a plan). */
        Service current() { return current; }

        @Override public String kind() { return PRODUCT; }

        @Override public String name() { return want.systemName(); }

        @Override public Optional<ModelProduct.Product> desired(StageContext ctx) { return Optional.of(want.product()); }

        @Override public Optional<Service> fetch(StageContext ctx) { return Optional.ofNullable(current); }

        @Override
        public Map<String, FieldChange> diff(ModelProduct.Product desired, Optional<Service> actual) {
            Map<String, Object> wanted = new LinkedHashMap<>(desired.attributes());
            if (actual.isEmpty()) {
                return created(wanted);
            }
            wanted.remove("system_name");
            Service s = actual.get();
            Map<String, Object> have = new LinkedHashMap<>();
            have.put("name", s.name());
            have.put("description", s.description());
            have.put("deployment_option", s.deploymentOption());
            have.put("backend_version", s.backendVersion());
            return FieldDiff.compare(wanted, have);
        }

        /**
         * A system_name that is taken although no product in the list has it belongs to a product deleted recently:
         * porta keeps a deleted product's system_name until its background purge has removed it
         * (app/models/service.rb, DeleteObjectHierarchyWorker).
         */
        @Override
        public Service create(StageContext ctx, ModelProduct.Product desired) {
            String sn = desired.systemName();
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("description", desired.description());
            fields.put("deployment_option", desired.deploymentOption());
            fields.put("backend_version", desired.backendVersion());
            try {
                current = client.services().create(desired.name(), sn, fields);
                return current;
            } catch (ThreescaleApiException e) {
                if (e.hasFieldError("system_name", "has already been taken")) {
                    throw new StageException("product " + sn + " cannot be created yet: 3scale still holds the"
                            + " system_name '" + sn + "' for a product that was deleted recently and that it is still"
                            + " removing in the background (this takes from seconds to a few minutes on a busy"
                            + " tenant). If no product was deleted, a product the installer's 3scale user may not"
                            + " see has that system_name.", Fix.rerunStage(StageIds.PRODUCTS, "wait a few minutes for"
                            + " 3scale to finish removing the deleted product, then rerun the stage"), false, e);
                }
                throw e;
            }
        }

        @Override
        public Service update(StageContext ctx, ModelProduct.Product desired, Service actual,
                              Map<String, FieldChange> diff) {
            current = client.services().update(actual.id(), toParams(diff));
            return current;
        }
    }

    // ---------------------------------------------------------------------------------------- proxy settings

    /** The proxy's credential settings: the header the API key is read from, and that it is a header. */
    static final class ProxySettings extends ThreescaleObject<ModelProduct.Proxy, Proxy> {
        private final ModelProduct want;
        private final LiveProduct live;

        ProxySettings(ModelProduct want, LiveProduct live) {
            this.want = want;
            this.live = live;
        }

        @Override public String kind() { return PROXY; }

        @Override public String name() { return want.systemName(); }

        @Override public Optional<ModelProduct.Proxy> desired(StageContext ctx) { return Optional.of(want.proxy()); }

        @Override public Optional<Proxy> fetch(StageContext ctx) { return live.proxy; }

        @Override
        public Map<String, FieldChange> diff(ModelProduct.Proxy desired, Optional<Proxy> actual) {
            if (actual.isEmpty()) {
                return created(desired.attributes());
            }
            Map<String, Object> have = new LinkedHashMap<>();
            have.put("auth_user_key", actual.get().authUserKey());
            have.put("credentials_location", actual.get().credentialsLocation());
            return FieldDiff.compare(desired.attributes(), have);
        }

        /** porta makes the proxy with the product: "creating" it sets its fields. */
        @Override
        public Proxy create(StageContext ctx, ModelProduct.Proxy desired) {
            return live.product.updateProxy(toParams(created(desired.attributes())));
        }

        @Override
        public Proxy update(StageContext ctx, ModelProduct.Proxy desired, Proxy actual, Map<String, FieldChange> diff) {
            return live.product.updateProxy(toParams(diff));
        }
    }

    // ---------------------------------------------------------------------------------------- backend usages

    /** The backend usages of a product: the model's backend at its path, and no other backend. */
    static List<Managed<?, ?>> usages(ModelProduct want, LiveProduct live, BackendApi backend) {
        ModelUsage ours = new ModelUsage(want, live, backend);
        Optional<BackendUsage> mine = ours.live();
        List<Managed<?, ?>> out = new ArrayList<>();
        // the others go first: a product uses one backend per path
        live.usages.stream().filter(u -> mine.isEmpty() || u != mine.get())
                .forEach(u -> out.add(new OtherUsage(want.systemName(), live, u)));
        out.add(ours);
        return out;
    }

    /** The model's backend used by the product at the configured path (normally "/"). */
    static final class ModelUsage extends ThreescaleObject<String, BackendUsage> {
        private final ModelProduct want;
        private final LiveProduct live;
        private final BackendApi backend;

        ModelUsage(ModelProduct want, LiveProduct live, BackendApi backend) {
            this.want = want;
            this.live = live;
            this.backend = backend;
        }

        @Override public String kind() { return USAGE; }

        @Override
        public String name() {
            return want.systemName() + " " + want.backendUsage().backendSystemName() + " at "
                    + want.backendUsage().path();
        }

        @Override public Optional<String> desired(StageContext ctx) { return Optional.of(want.backendUsage().path()); }

        @Override public Optional<BackendUsage> fetch(StageContext ctx) { return live(); }

        /** The live usage of the model's backend (none while the backend does not exist). */
        Optional<BackendUsage> live() {
            return backend == null ? Optional.empty()
                    : live.usages.stream().filter(u -> Objects.equals(u.backendId(), backend.id())).findFirst();
        }

        @Override
        public Map<String, FieldChange> diff(String path, Optional<BackendUsage> actual) {
            if (actual.isPresent() && path.equals(actual.get().path())) {
                return Map.of();
            }
            return Map.of("path", FieldChange.of(actual.map(BackendUsage::path).orElse(null), path));
        }

        @Override
        public BackendUsage create(StageContext ctx, String path) {
            if (backend == null) {
                throw ProductReconciler.noBackend(want);
            }
            return live.product.addBackend(backend.id(), path);
        }

        @Override
        public BackendUsage update(StageContext ctx, String path, BackendUsage actual, Map<String, FieldChange> diff) {
            return live.product.updateBackendUsage(actual.id(), path);
        }
    }

    /** Another backend used by the product: removed. */
    static final class OtherUsage extends ThreescaleObject<String, BackendUsage> {
        private final String product;
        private final LiveProduct live;
        private final BackendUsage usage;

        OtherUsage(String product, LiveProduct live, BackendUsage usage) {
            this.product = product;
            this.live = live;
            this.usage = usage;
        }

        @Override public String kind() { return USAGE; }

        @Override public String name() { return product + " backend #" + usage.backendId() + " at " + usage.path(); }

        @Override public Optional<String> desired(StageContext ctx) { return Optional.empty(); }

        @Override public Optional<BackendUsage> fetch(StageContext ctx) { return Optional.of(usage); }

        @Override
        public Map<String, FieldChange> diff(String desired, Optional<BackendUsage> actual) { return Map.of(); }

        @Override
        public BackendUsage create(StageContext ctx, String desired) { throw new IllegalStateException("never made"); }

        @Override
        public BackendUsage update(StageContext ctx, String desired, BackendUsage actual,
                                   Map<String, FieldChange> diff) {
            throw new IllegalStateException("never updated");
        }

        @Override public void delete(StageContext ctx, BackendUsage actual) { live.product.removeBackendUsage(actual.id()); }
    }

    // ---------------------------------------------------------------------------------------- token metrics

    /**
     * With the token usage policy in the desired chain, the product's token metrics ({@link TokenMetrics}): made
     * before the chain names the policy. Without it there are none to manage: metrics a former configuration made are
     * kept (deleting one would delete its limits and its analytics).
     */
    static List<Managed<?, ?>> tokenMetrics(ModelProduct want, LiveProduct live) {
        boolean tokens = want.policyChain().policies().stream()
                .anyMatch(p -> p.name().equals(PolicyChain.TOKEN_USAGE));
        if (!tokens) {
            return List.of();
        }
        List<Managed<?, ?>> out = new ArrayList<>();
        TokenMetrics.METRICS.forEach((sn, friendly) -> out.add(new TokenMetric(want.systemName(), live, sn, friendly)));
        return out;
    }

    /** One token metric of a product: friendly name and unit. */
    static final class TokenMetric extends ThreescaleObject<Map<String, Object>, Metric> {
        private final String product;
        private final LiveProduct live;
        private final String systemName;
        private final String friendlyName;

        TokenMetric(String product, LiveProduct live, String systemName, String friendlyName) {
            this.product = product;
            this.live = live;
            this.systemName = systemName;
            this.friendlyName = friendlyName;
        }

        @Override public String kind() { return METRIC; }

        @Override public String name() { return product + " " + systemName; }

        @Override
        public Optional<Map<String, Object>> desired(StageContext ctx) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("friendly_name", friendlyName);
            a.put("unit", TokenMetrics.UNIT);
            return Optional.of(a);
        }

        @Override
        public Optional<Metric> fetch(StageContext ctx) {
            return live.metrics.stream().filter(m -> m.parentId() == null && systemName.equals(m.systemName()))
                    .findFirst();
        }

        @Override
        public Map<String, FieldChange> diff(Map<String, Object> desired, Optional<Metric> actual) {
            if (actual.isEmpty()) {
                return created(desired);
            }
            Map<String, Object> have = new LinkedHashMap<>();
            have.put("friendly_name", actual.get().friendlyName());
            have.put("unit", actual.get().unit());
            return FieldDiff.compare(desired, have);
        }

        @Override
        public Metric create(StageContext ctx, Map<String, Object> desired) {
            return live.product.metrics().create(friendlyName, systemName, TokenMetrics.UNIT, TokenMetrics.DESCRIPTION);
        }

        @Override
        public Metric update(StageContext ctx, Map<String, Object> desired, Metric actual,
                             Map<String, FieldChange> diff) {
            return live.product.metrics().update(actual.id(), toParams(diff));
        }
    }

    // ----------------------------------------------------------------------------------------- policy chain

    /** The product's whole policy chain (CORS, custom policies, token usage, APIcast), written in one request. */
    static final class Chain extends ThreescaleObject<PolicyChain, PolicyChain> {
        private final ModelProduct want;
        private final LiveProduct live;

        Chain(ModelProduct want, LiveProduct live) {
            this.want = want;
            this.live = live;
        }

        @Override public String kind() { return CHAIN; }

        @Override public String name() { return want.systemName(); }

        @Override public Optional<PolicyChain> desired(StageContext ctx) { return Optional.of(want.policyChain()); }

        @Override
        public Optional<PolicyChain> fetch(StageContext ctx) {
            return live.policies.map(p -> PolicyChain.fromJson(JSON.valueToTree(p)));
        }

        @Override
        public Map<String, FieldChange> diff(PolicyChain desired, Optional<PolicyChain> actual) {
            return actual.isEmpty() ? Map.of("policy_chain", FieldChange.of(null, desired.summary()))
                    : desired.differences(actual.get());
        }

        @Override public PolicyChain create(StageContext ctx, PolicyChain desired) { return write(desired); }

        @Override
        public PolicyChain update(StageContext ctx, PolicyChain desired, PolicyChain actual,
                                  Map<String, FieldChange> diff) {
            return write(desired);
        }

        private PolicyChain write(PolicyChain desired) {
            List<PolicyConfig> chain = new ArrayList<>();
            for (JsonNode p : desired.toJson()) {
                chain.add(new PolicyConfig(p.get("name").asText(), p.get("version").asText(), p.get("configuration"),
                        p.get("enabled").asBoolean()));
            }
            live.product.updatePolicies(chain);
            return desired;
        }
    }
}
