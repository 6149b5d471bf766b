package dev.maas.installer.stages.products;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.catalog.FieldDiff;
import dev.maas.installer.catalog.ModelCatalog;
import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.catalog.PolicyChain;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.threescale.Metrics;
import dev.maas.installer.threescale.Product;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.BackendApi;
import dev.maas.installer.threescale.model.BackendUsage;
import dev.maas.installer.threescale.model.MappingRule;
import dev.maas.installer.threescale.model.Metric;
import dev.maas.installer.threescale.model.PolicyConfig;
import dev.maas.installer.threescale.model.ProxyConfig;
import dev.maas.installer.threescale.model.Service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Brings one model's product to its desired state, or (with {@code write} false) only says what that would
 * change. One code path for plan, apply and verify, so that they cannot disagree. Steps: product, proxy
 * settings, backend usage, policy chain, methods, mapping rules, deploy to staging and promote to production
 * (only when staging's latest content differs from production's), then methods no longer wanted (3scale refuses to
 * delete a method the latest configuration of an environment still uses, so they go after the promotion).
 */
final class ProductReconciler {
    static final String PRODUCT = "product";
    static final String PROXY = "proxy";
    static final String USAGE = "backend usage";
    static final String CHAIN = "policy chain";
    static final String METHOD = "method";
    static final String RULE = "mapping rule";
    static final String CONFIG = "proxy config";
    static final int STEPS = 7;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ThreescaleClient client;
    private final ModelProduct want;
    private final Service liveService;
    private final BackendApi backend;
    private final boolean write;
    private final Consumer<String> step;
    private final Cancellation cancellation;
    private final List<Change> out = new ArrayList<>();
    private boolean wrote;

    ProductReconciler(ThreescaleClient client, ModelProduct want, Service liveService, BackendApi backend,
                      boolean write, Consumer<String> step, Cancellation cancellation) {
        this.client = client;
        this.want = want;
        this.liveService = liveService;
        this.backend = backend;
        this.write = write;
        this.step = step;
        this.cancellation = cancellation;
    }

    List<Change> run() {
        String sn = want.systemName();
        step("product", 1);
        if (liveService == null && !write) {
            planNewProduct();
            return out;
        }
        Service service = product(sn);
        Product product = client.product(service.id());
        step("proxy settings", 2);
        proxy(product);
        step("backend usage", 3);
        backendUsage(product);
        step("policy chain", 4);
        policyChain(product);
        step("methods", 5);
        Metrics metrics = product.metrics();
        Metric hits = metrics.findBySystemName(ModelCatalog.HITS).orElseThrow(() -> new StageException(
                "product " + sn + " has no '" + ModelCatalog.HITS + "' metric",
                Fix.manual("3scale creates it with every product; recreate the product or add the metric by hand")));
        List<Metric> extraMethods = methods(metrics, hits);
        step("mapping rules", 6);
        mappingRules(product, metrics, hits);
        step("deploy and promote", 7);
        deployAndPromote(product);
        for (Metric m : extraMethods) {
            cancellation.throwIfCancelled();
            out.add(new Change(Action.DELETE, TargetSystem.THREESCALE, METHOD, sn + " " + m.systemName(),
                    Map.of("friendly_name", FieldChange.of(m.friendlyName(), null))));
            if (write) {
                metrics.deleteMethod(hits.id(), m.id());
            }
        }
        return out;
    }

    private void step(String what, int n) {
        cancellation.throwIfCancelled();
        step.accept(want.systemName() + ": " + what + " (" + n + "/" + STEPS + ")");
    }

    // ------------------------------------------------------------------------------------------------ product

    private Service product(String sn) {
        Map<String, Object> desired = new LinkedHashMap<>(want.product().attributes());
        if (liveService == null) {
            out.add(created(PRODUCT, sn, desired));
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("description", want.product().description());
            fields.put("deployment_option", want.product().deploymentOption());
            fields.put("backend_version", want.product().backendVersion());
            wrote = true;
            return client.services().create(want.product().name(), sn, fields);
        }
        desired.remove("system_name");
        Map<String, Object> have = new LinkedHashMap<>();
        have.put("name", liveService.name());
        have.put("description", liveService.description());
        have.put("deployment_option", liveService.deploymentOption());
        have.put("backend_version", liveService.backendVersion());
        Map<String, FieldChange> diff = FieldDiff.compare(desired, have);
        if (diff.isEmpty()) {
            out.add(Change.noop(TargetSystem.THREESCALE, PRODUCT, sn));
            return liveService;
        }
        out.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, PRODUCT, sn, diff));
        if (write) {
            wrote = true;
            return client.services().update(liveService.id(), toParams(diff));
        }
        return liveService;
    }

    private void proxy(Product product) {
        dev.maas.installer.threescale.model.Proxy p = product.proxy();
        Map<String, Object> have = new LinkedHashMap<>();
        have.put("auth_user_key", p.authUserKey());
        have.put("credentials_location", p.credentialsLocation());
        Map<String, FieldChange> diff = FieldDiff.compare(want.proxy().attributes(), have);
        if (diff.isEmpty()) {
            out.add(Change.noop(TargetSystem.THREESCALE, PROXY, want.systemName()));
            return;
        }
        out.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, PROXY, want.systemName(), diff));
        if (write) {
            wrote = true;
            product.updateProxy(toParams(diff));
        }
    }

    private void backendUsage(Product product) {
        String sn = want.systemName();
        String path = want.backendUsage().path();
        String name = sn + " " + want.backendUsage().backendSystemName() + " at " + path;
        if (backend == null) {
            if (write) {
                throw new StageException("backend " + want.backendUsage().backendSystemName() + " of product " + sn
                        + " does not exist", Fix.rerunStage(StageIds.BACKENDS, "it creates the model backends"));
            }
            out.add(new Change(Action.CREATE, TargetSystem.THREESCALE, USAGE, name,
                    Map.of("path", FieldChange.of(null, path))));
            return;
        }
        List<BackendUsage> usages = product.backendUsages();
        BackendUsage ours = usages.stream().filter(u -> Objects.equals(u.backendId(), backend.id())).findFirst()
                .orElse(null);
        for (BackendUsage other : usages) {
            if (other == ours) {
                continue;
            }
            out.add(new Change(Action.DELETE, TargetSystem.THREESCALE, USAGE, sn + " backend #" + other.backendId()
                    + " at " + other.path(), Map.of("path", FieldChange.of(other.path(), null))));
            if (write) {
                wrote = true;
                product.removeBackendUsage(other.id());
            }
        }
        if (ours == null) {
            out.add(new Change(Action.CREATE, TargetSystem.THREESCALE, USAGE, name,
                    Map.of("path", FieldChange.of(null, path))));
            if (write) {
                wrote = true;
                product.addBackend(backend.id(), path);
            }
        } else if (!path.equals(ours.path())) {
            out.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, USAGE, name,
                    Map.of("path", FieldChange.of(ours.path(), path))));
            if (write) {
                wrote = true;
                product.updateBackendUsage(ours.id(), path);
            }
        } else {
            out.add(Change.noop(TargetSystem.THREESCALE, USAGE, name));
        }
    }

    private void policyChain(Product product) {
        PolicyChain live = PolicyChain.fromJson(JSON.valueToTree(product.policies()));
        Map<String, FieldChange> diff = want.policyChain().differences(live);
        if (diff.isEmpty()) {
            out.add(Change.noop(TargetSystem.THREESCALE, CHAIN, want.systemName()));
            return;
        }
        out.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, CHAIN, want.systemName(), diff));
        if (write) {
            wrote = true;
            List<PolicyConfig> chain = new ArrayList<>();
            for (JsonNode p : want.policyChain().toJson()) {
                chain.add(new PolicyConfig(p.get("name").asText(), p.get("version").asText(), p.get("configuration"),
                        p.get("enabled").asBoolean()));
            }
            product.updatePolicies(chain);
        }
    }

    // ------------------------------------------------------------------------------------- methods and rules

    /** Creates and updates methods; returns the live methods no longer wanted (deleted after the promotion). */
    private List<Metric> methods(Metrics metrics, Metric hits) {
        String sn = want.systemName();
        List<Metric> live = metrics.methods(hits.id());
        Map<String, Metric> bySystemName = new LinkedHashMap<>();
        List<Metric> extra = new ArrayList<>();
        for (Metric m : live) {
            String key = baseName(m.systemName());
            if (bySystemName.putIfAbsent(key, m) != null) {
                extra.add(m);
            }
        }
        int unchanged = 0;
        for (ModelProduct.Method w : want.methods()) {
            cancellation.throwIfCancelled();
            Metric have = bySystemName.remove(w.systemName());
            if (have == null) {
                out.add(created(METHOD, sn + " " + w.systemName(), w.attributes()));
                if (write) {
                    wrote = true;
                    metrics.createMethod(hits.id(), w.friendlyName(), w.systemName(), w.description());
                }
                continue;
            }
            Map<String, Object> desired = new LinkedHashMap<>(w.attributes());
            desired.remove("system_name");
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("friendly_name", have.friendlyName());
            h.put("description", have.description());
            Map<String, FieldChange> diff = FieldDiff.compare(desired, h);
            if (diff.isEmpty()) {
                unchanged++;
                continue;
            }
            out.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, METHOD, sn + " " + w.systemName(), diff));
            if (write) {
                wrote = true;
                metrics.updateMethod(hits.id(), have.id(), toParams(diff));
            }
        }
        extra.addAll(bySystemName.values());
        if (unchanged > 0) {
            out.add(Change.noop(TargetSystem.THREESCALE, METHOD, sn + " (" + unchanged + " methods)"));
        }
        return extra;
    }

    private void mappingRules(Product product, Metrics metrics, Metric hits) {
        String sn = want.systemName();
        Map<Long, String> metricNames = new HashMap<>();
        Map<String, Long> metricIds = new HashMap<>();
        metricNames.put(hits.id(), ModelCatalog.HITS);
        metricIds.put(ModelCatalog.HITS, hits.id());
        if (write || liveService != null) {
            for (Metric m : metrics.methods(hits.id())) {
                metricNames.putIfAbsent(m.id(), baseName(m.systemName()));
                metricIds.putIfAbsent(baseName(m.systemName()), m.id());
            }
        }
        List<MappingRule> live = product.mappingRules().list();
        Map<String, MappingRule> byKey = new LinkedHashMap<>();
        List<MappingRule> extra = new ArrayList<>();
        for (MappingRule r : live) {
            String metric = metricNames.getOrDefault(r.metricId(), "metric #" + r.metricId());
            String key = ModelProduct.MappingRule.key(upper(r.httpMethod()), r.pattern(), metric);
            if (byKey.putIfAbsent(key, r) != null) {
                extra.add(r);
            }
        }
        int unchanged = 0;
        for (ModelProduct.MappingRule w : want.mappingRules()) {
            cancellation.throwIfCancelled();
            String key = ModelProduct.MappingRule.key(upper(w.httpMethod()), w.pattern(), w.metricSystemName());
            MappingRule have = byKey.remove(key);
            if (have == null) {
                out.add(created(RULE, sn + " " + key, w.attributes()));
                if (write) {
                    wrote = true;
                    Long metricId = metricIds.get(w.metricSystemName());
                    if (metricId == null) {
                        throw new StageException("product " + sn + " has no method " + w.metricSystemName()
                                + " for mapping rule " + key, Fix.rerunStage(StageIds.PRODUCTS, "creates it"));
                    }
                    product.mappingRules().create(w.httpMethod(), w.pattern(), metricId, w.delta(), null, w.last());
                }
                continue;
            }
            Map<String, Object> desired = new LinkedHashMap<>();
            desired.put("delta", w.delta());
            desired.put("last", w.last());
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("delta", have.delta());
            h.put("last", have.last() == null ? Boolean.FALSE : have.last());
            Map<String, FieldChange> diff = FieldDiff.compare(desired, h);
            if (diff.isEmpty()) {
                unchanged++;
                continue;
            }
            out.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, RULE, sn + " " + key, diff));
            if (write) {
                wrote = true;
                product.mappingRules().update(have.id(), toParams(diff));
            }
        }
        extra.addAll(byKey.values());
        for (MappingRule r : extra) {
            cancellation.throwIfCancelled();
            String metric = metricNames.getOrDefault(r.metricId(), "metric #" + r.metricId());
            String key = ModelProduct.MappingRule.key(upper(r.httpMethod()), r.pattern(), metric);
            out.add(new Change(Action.DELETE, TargetSystem.THREESCALE, RULE, sn + " " + key,
                    Map.of("pattern", FieldChange.of(r.pattern(), null))));
            if (write) {
                wrote = true;
                product.mappingRules().delete(r.id());
            }
        }
        if (unchanged > 0) {
            out.add(Change.noop(TargetSystem.THREESCALE, RULE, sn + " (" + unchanged + " mapping rules)"));
        }
    }

    // ------------------------------------------------------------------------------------------ deployment

    private void deployAndPromote(Product product) {
        String sn = want.systemName();
        boolean changed = out.stream().anyMatch(c -> !c.isNoop());
        Optional<ProxyConfig> staging = product.latestConfig(Product.STAGING);
        // Staging may be stale although nothing changed in this run: an earlier run made the changes and stopped
        // (killed, or failed) before it deployed them. So the staging config is compared with what is wanted.
        boolean stale = staging.isEmpty() || !stagingIsCurrent(staging.get());
        if (write && (changed || stale)) {
            product.deploy();
            staging = product.latestConfig(Product.STAGING);
        }
        Optional<ProxyConfig> production = product.latestConfig(Product.PRODUCTION);
        if (!write && (changed || stale)) {
            out.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, CONFIG, sn + " staging and production",
                    Map.of("production", FieldChange.of(production.map(c -> "v" + c.version()).orElse(null),
                            "the new configuration, deployed to staging and promoted"))));
            return;
        }
        if (staging.isEmpty()) {
            throw new StageException("product " + sn + " has no staging configuration after deploying",
                    Fix.rerunStage(StageIds.PRODUCTS, "deploys it again"));
        }
        ProxyConfig s = staging.get();
        boolean same = production.isPresent() && Objects.equals(production.get().content(), s.content());
        if (same) {
            out.add(Change.noop(TargetSystem.THREESCALE, CONFIG, sn + " production v" + production.get().version()));
            return;
        }
        out.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, CONFIG, sn + " production",
                Map.of("production", FieldChange.of(production.map(c -> "v" + c.version()).orElse(null),
                        "v" + s.version() + " (staging)"))));
        if (write) {
            cancellation.throwIfCancelled();
            product.promote(Product.STAGING, s.version(), Product.PRODUCTION);
        }
    }

    /**
     * Whether a staging config holds what this product wants (and, after the steps above, has): the proxy's
     * credential settings, the policy chain, the mapping rules and the one backend usage. Content 3scale adds on its
     * own (endpoints, error messages, ids) is not compared.
     */
    boolean stagingIsCurrent(ProxyConfig staging) {
        JsonNode content = staging.content();
        if (content == null || backend == null) {
            return false;
        }
        JsonNode proxy = content.path("proxy");
        for (Map.Entry<String, Object> e : want.proxy().attributes().entrySet()) {
            if (!proxy.path(e.getKey()).asText().equals(String.valueOf(e.getValue()))) {
                return false;
            }
        }
        try {
            if (!proxy.path("policy_chain").isArray()
                    || !want.policyChain().differences(PolicyChain.fromJson(proxy.path("policy_chain"))).isEmpty()) {
                return false;
            }
        } catch (IllegalArgumentException e) {
            return false;
        }
        java.util.Set<String> rules = new java.util.HashSet<>();
        for (JsonNode r : proxy.path("proxy_rules")) {
            rules.add(ModelProduct.MappingRule.key(upper(r.path("http_method").asText()), r.path("pattern").asText(),
                    baseName(r.path("metric_system_name").asText())) + " delta " + r.path("delta").asInt()
                    + " last " + r.path("last").asBoolean(false));
        }
        java.util.Set<String> wanted = new java.util.HashSet<>();
        for (ModelProduct.MappingRule w : want.mappingRules()) {
            wanted.add(ModelProduct.MappingRule.key(upper(w.httpMethod()), w.pattern(), w.metricSystemName())
                    + " delta " + w.delta() + " last " + w.last());
        }
        if (!rules.equals(wanted)) {
            return false;
        }
        JsonNode usages = content.path("backend_usages");
        return usages.isArray() && usages.size() == 1
                && usages.get(0).path("backend_id").asLong() == backend.id()
                && usages.get(0).path("path").asText().equals(want.backendUsage().path());
    }

    // --------------------------------------------------------------------------------------------- plan only

    /** A product that does not exist yet: what creating it involves (3scale adds a GET / rule we remove). */
    private void planNewProduct() {
        String sn = want.systemName();
        out.add(created(PRODUCT, sn, want.product().attributes()));
        out.add(created(PROXY, sn, want.proxy().attributes()));
        out.add(new Change(Action.CREATE, TargetSystem.THREESCALE, USAGE, sn + " "
                + want.backendUsage().backendSystemName() + " at " + want.backendUsage().path(),
                Map.of("path", FieldChange.of(null, want.backendUsage().path()))));
        out.add(new Change(Action.CREATE, TargetSystem.THREESCALE, CHAIN, sn,
                Map.of("policy_chain", FieldChange.of(null, want.policyChain().summary()))));
        want.methods().forEach(m -> out.add(created(METHOD, sn + " " + m.systemName(), m.attributes())));
        want.mappingRules().forEach(r -> out.add(created(RULE, sn + " " + r.key(), r.attributes())));
        out.add(new Change(Action.DELETE, TargetSystem.THREESCALE, RULE,
                sn + " " + ModelProduct.MappingRule.key("GET", "/", ModelCatalog.HITS),
                Map.of("pattern", FieldChange.of("/", null))));
        out.add(new Change(Action.CREATE, TargetSystem.THREESCALE, CONFIG, sn + " staging and production",
                Map.of("production", FieldChange.of(null, "v1, deployed to staging and promoted"))));
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private static Change created(String kind, String name, Map<String, Object> attributes) {
        Map<String, FieldChange> fields = new LinkedHashMap<>();
        attributes.forEach((k, v) -> fields.put(k, FieldChange.of(null, v)));
        return new Change(Action.CREATE, TargetSystem.THREESCALE, kind, name, fields);
    }

    private static Map<String, String> toParams(Map<String, FieldChange> diff) {
        Map<String, String> p = new LinkedHashMap<>();
        diff.forEach((k, v) -> p.put(k, v.to() == null ? "" : v.to()));
        return p;
    }

    /** A method's system_name without a ".<id>" suffix porta may add. */
    private static String baseName(String systemName) {
        return systemName == null ? "" : systemName.replaceFirst("\\.\\d+$", "");
    }

    private static String upper(String s) { return s == null ? "" : s.toUpperCase(Locale.ROOT); }
}
