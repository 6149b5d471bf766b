package dev.maas.installer.stages.products;

import dev.maas.installer.catalog.ModelCatalog;
import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.threescale.Metrics;
import dev.maas.installer.threescale.Product;
import dev.maas.installer.threescale.model.BackendUsage;
import dev.maas.installer.threescale.model.MappingRule;
import dev.maas.installer.threescale.model.Metric;
import dev.maas.installer.threescale.model.PolicyConfig;
import dev.maas.installer.threescale.model.Proxy;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the products stage reads of one live product, once per run, before it reconciles the product's objects
 * ({@link ProductObjects}, {@link MethodsAndRules}): proxy settings, backend usages, metrics ({@code hits} and the
 * token metrics), the methods under {@code hits}, the policy chain and the mapping rules. The objects' {@code fetch}
 * read from here, so a product costs one request per list however many objects it has. {@link #metricIds} grows as
 * methods are created, so the mapping rules made after them find their method.
 *
 * <p>A product that does not exist yet (a plan) is read as porta makes a new one: no proxy settings of ours, no
 * backend, only the {@code hits} metric and the {@code GET /} mapping rule on it (porta
 * {@code app/models/service.rb} {@code create_default_metrics}, {@code app/models/proxy.rb}
 * {@code create_default_proxy_rule}), which the stage deletes.
 */
final class LiveProduct {
    /** The id {@code hits} stands for in a product that does not exist yet. */
    private static final long NEW_HITS = 0L;

    /** Null for a product that does not exist yet: nothing is written through it. */
    final Product product;
    final Optional<Proxy> proxy;
    final List<BackendUsage> usages;
    final List<Metric> metrics;
    final Metric hits;
    final List<Metric> methods;
    final Optional<List<PolicyConfig>> policies;
    final List<MappingRule> rules;
    /** Metric or method id → its system_name (without porta's ".id" suffix). */
    final Map<Long, String> metricNames = new HashMap<>();
    /** system_name → metric or method id; methods created by this run are added. */
    final Map<String, Long> metricIds = new HashMap<>();

    private LiveProduct(Product product, Optional<Proxy> proxy, List<BackendUsage> usages, List<Metric> metrics,
                        Metric hits, List<Metric> methods, Optional<List<PolicyConfig>> policies,
                        List<MappingRule> rules) {
        this.product = product;
        this.proxy = proxy;
        this.usages = usages;
        this.metrics = metrics;
        this.hits = hits;
        this.methods = methods;
        this.policies = policies;
        this.rules = rules;
        metricNames.put(hits.id(), ModelCatalog.HITS);
        metricIds.put(ModelCatalog.HITS, hits.id());
        for (Metric m : methods) {
            metricNames.putIfAbsent(m.id(), baseName(m.systemName()));
            metricIds.putIfAbsent(baseName(m.systemName()), m.id());
        }
    }

    /** Reads the live product. */
    static LiveProduct read(Product product, String systemName) {
        Proxy proxy = product.proxy();
        List<BackendUsage> usages = product.backendUsages();
        Metrics m = product.metrics();
        List<Metric> metrics = m.list();
        Metric hits = metrics.stream().filter(x -> m.sameSystemName(ModelCatalog.HITS, x.systemName())).findFirst()
                .orElseThrow(() -> new StageException("product " + systemName + " has no '" + ModelCatalog.HITS
                        + "' metric", Fix.manual("3scale creates it with every product; recreate the product or add"
                        + " the metric by hand")));
        List<Metric> methods = m.methods(hits.id());
        List<PolicyConfig> policies = product.policies();
        List<MappingRule> rules = product.mappingRules().list();
        return new LiveProduct(product, Optional.ofNullable(proxy), usages, metrics, hits, methods,
                Optional.of(policies), rules);
    }

    /** A product porta has not made yet, as it will make it. */
    static LiveProduct none() {
        Metric hits = new Metric(NEW_HITS, "Hits", ModelCatalog.HITS, "Hits", "hit", null, null);
        MappingRule root = new MappingRule(0, NEW_HITS, "/", "GET", 1, 1, false, null, "Service");
        return new LiveProduct(null, Optional.empty(), List.of(), List.of(hits), hits, List.of(), Optional.empty(),
                List.of(root));
    }

    boolean exists() { return product != null; }

    /** The key a live mapping rule is matched by: "GET /pattern -> method". */
    String key(MappingRule r) {
        String metric = metricNames.getOrDefault(r.metricId(), "metric #" + r.metricId());
        return ModelProduct.MappingRule.key(upper(r.httpMethod()), r.pattern(), metric);
    }

    /** A method's system_name without a ".<id>" suffix porta may add. */
    static String baseName(String systemName) {
        return systemName == null ? "" : systemName.replaceFirst("\\.\\d+$", "");
    }

    static String upper(String s) { return s == null ? "" : s.toUpperCase(Locale.ROOT); }
}
