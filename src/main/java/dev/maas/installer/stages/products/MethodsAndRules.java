package dev.maas.installer.stages.products;

import dev.maas.installer.catalog.FieldDiff;
import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.reconcile.Managed;
import dev.maas.installer.stages.products.ProductObjects.ThreescaleObject;
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.model.MappingRule;
import dev.maas.installer.threescale.model.Metric;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.maas.installer.stages.products.ProductObjects.created;
import static dev.maas.installer.stages.products.ProductObjects.toParams;

/**
 * A product's methods (one under {@code hits} per API operation) and mapping rules (one per operation, none else:
 * 3scale's default {@code GET /} rule goes), each a managed object read from {@link LiveProduct}. Methods are matched
 * by system_name (without porta's ".id" suffix), rules by method, pattern and method name; a second live method or
 * rule with the same key is extra and deleted. Methods no longer wanted are deleted after the promotion
 * ({@link #extraMethods}): 3scale refuses to delete a method the latest configuration of an environment still uses.
 */
final class MethodsAndRules {
    static final String METHOD = "method";
    static final String RULE = "mapping rule";

    private MethodsAndRules() { }

    /** The wanted methods, in the configuration's order. */
    static List<Managed<?, ?>> methods(ModelProduct want, LiveProduct live) {
        Map<String, Metric> bySystemName = methodsBySystemName(live, new ArrayList<>());
        List<Managed<?, ?>> out = new ArrayList<>();
        want.methods().forEach(w -> out.add(new Method(want.systemName(), live, w,
                Optional.ofNullable(bySystemName.get(w.systemName())))));
        return out;
    }

    /** The live methods no longer wanted (and second methods of one system_name): deleted. */
    static List<Managed<?, ?>> extraMethods(ModelProduct want, LiveProduct live) {
        List<Metric> extra = new ArrayList<>();
        Map<String, Metric> bySystemName = methodsBySystemName(live, extra);
        want.methods().forEach(w -> bySystemName.remove(w.systemName()));
        extra.addAll(bySystemName.values());
        List<Managed<?, ?>> out = new ArrayList<>();
        extra.forEach(m -> out.add(new ExtraMethod(want.systemName(), live, m)));
        return out;
    }

    private static Map<String, Metric> methodsBySystemName(LiveProduct live, List<Metric> duplicates) {
        Map<String, Metric> bySystemName = new LinkedHashMap<>();
        for (Metric m : live.methods) {
            if (bySystemName.putIfAbsent(LiveProduct.baseName(m.systemName()), m) != null) {
                duplicates.add(m);
            }
        }
        return bySystemName;
    }

    /** The wanted rules in the configuration's order, then the live rules that are not wanted. */
    static List<Managed<?, ?>> rules(ModelProduct want, LiveProduct live) {
        Map<String, MappingRule> byKey = new LinkedHashMap<>();
        List<MappingRule> extra = new ArrayList<>();
        for (MappingRule r : live.rules) {
            if (byKey.putIfAbsent(live.key(r), r) != null) {
                extra.add(r);
            }
        }
        List<Managed<?, ?>> out = new ArrayList<>();
        for (ModelProduct.MappingRule w : want.mappingRules()) {
            String key = ModelProduct.MappingRule.key(LiveProduct.upper(w.httpMethod()), w.pattern(),
                    w.metricSystemName());
            out.add(new Rule(want.systemName(), live, w, key, Optional.ofNullable(byKey.remove(key))));
        }
        extra.addAll(byKey.values());
        extra.forEach(r -> out.add(new ExtraRule(want.systemName(), live, r)));
        return out;
    }

    // ------------------------------------------------------------------------------------------------ methods

    /** A method under {@code hits}: friendly name and description. */
    static final class Method extends ThreescaleObject<ModelProduct.Method, Metric> {
        private final String product;
        private final LiveProduct live;
        private final ModelProduct.Method want;
        private final Optional<Metric> actual;

        Method(String product, LiveProduct live, ModelProduct.Method want, Optional<Metric> actual) {
            this.product = product;
            this.live = live;
            this.want = want;
            this.actual = actual;
        }

        @Override public String kind() { return METHOD; }

        @Override public String name() { return product + " " + want.systemName(); }

        @Override public Optional<ModelProduct.Method> desired(StageContext ctx) { return Optional.of(want); }

        @Override public Optional<Metric> fetch(StageContext ctx) { return actual; }

        @Override
        public Map<String, FieldChange> diff(ModelProduct.Method desired, Optional<Metric> have) {
            if (have.isEmpty()) {
                return created(desired.attributes());
            }
            Map<String, Object> wanted = new LinkedHashMap<>(desired.attributes());
            wanted.remove("system_name");
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("friendly_name", have.get().friendlyName());
            h.put("description", have.get().description());
            return FieldDiff.compare(wanted, h);
        }

        /** The new method's id is what the mapping rules made after it point at. */
        @Override
        public Metric create(StageContext ctx, ModelProduct.Method desired) {
            Metric m = live.product.metrics().createMethod(live.hits.id(), desired.friendlyName(),
                    desired.systemName(), desired.description());
            live.metricIds.putIfAbsent(LiveProduct.baseName(m.systemName()), m.id());
            live.metricNames.putIfAbsent(m.id(), LiveProduct.baseName(m.systemName()));
            return m;
        }

        @Override
        public Metric update(StageContext ctx, ModelProduct.Method desired, Metric have,
                             Map<String, FieldChange> diff) {
            return live.product.metrics().updateMethod(live.hits.id(), have.id(), toParams(diff));
        }
    }

    /** A live method that is not wanted. */
    static final class ExtraMethod extends ThreescaleObject<ModelProduct.Method, Metric> {
        private final String product;
        private final LiveProduct live;
        private final Metric method;

        ExtraMethod(String product, LiveProduct live, Metric method) {
            this.product = product;
            this.live = live;
            this.method = method;
        }

        @Override public String kind() { return METHOD; }

        @Override public String name() { return product + " " + method.systemName(); }

        @Override public Optional<ModelProduct.Method> desired(StageContext ctx) { return Optional.empty(); }

        @Override public Optional<Metric> fetch(StageContext ctx) { return Optional.of(method); }

        @Override
        public Map<String, FieldChange> diff(ModelProduct.Method desired, Optional<Metric> actual) { return Map.of(); }

        @Override
        public Metric create(StageContext ctx, ModelProduct.Method desired) {
            throw new IllegalStateException("never made");
        }

        @Override
        public Metric update(StageContext ctx, ModelProduct.Method desired, Metric actual,
                             Map<String, FieldChange> diff) {
            throw new IllegalStateException("never updated");
        }

        /** 3scale refuses while the latest configuration of staging or production maps a request to the method. */
        @Override
        public void delete(StageContext ctx, Metric actual) {
            try {
                live.product.metrics().deleteMethod(live.hits.id(), actual.id());
            } catch (ThreescaleApiException e) {
                if (e.refusedDelete()) {
                    throw new StageException("3scale refuses to delete method " + actual.systemName() + " of product "
                            + product + ": " + String.join("; ", e.fieldErrors().getOrDefault("base", List.of()))
                            + ". The latest APIcast configuration of staging or production still maps a request"
                            + " to it.", Fix.rerunStage(StageIds.PRODUCTS, "it deploys and promotes a"
                            + " configuration without the method's mapping rules before deleting the method; if"
                            + " the error stays, remove the method's mapping rules in the Admin Portal, promote,"
                            + " and rerun"), false, e);
                }
                throw e;
            }
        }
    }

    // ------------------------------------------------------------------------------------------ mapping rules

    /** A wanted mapping rule: found by its key, its delta and "last" compared. */
    static final class Rule extends ThreescaleObject<ModelProduct.MappingRule, MappingRule> {
        private final String product;
        private final LiveProduct live;
        private final ModelProduct.MappingRule want;
        private final String key;
        private final Optional<MappingRule> actual;

        Rule(String product, LiveProduct live, ModelProduct.MappingRule want, String key,
             Optional<MappingRule> actual) {
            this.product = product;
            this.live = live;
            this.want = want;
            this.key = key;
            this.actual = actual;
        }

        @Override public String kind() { return RULE; }

        @Override public String name() { return product + " " + key; }

        @Override public Optional<ModelProduct.MappingRule> desired(StageContext ctx) { return Optional.of(want); }

        @Override public Optional<MappingRule> fetch(StageContext ctx) { return actual; }

        @Override
        public Map<String, FieldChange> diff(ModelProduct.MappingRule desired, Optional<MappingRule> have) {
            if (have.isEmpty()) {
                return created(desired.attributes());
            }
            Map<String, Object> wanted = new LinkedHashMap<>();
            wanted.put("delta", desired.delta());
            wanted.put("last", desired.last());
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("delta", have.get().delta());
            h.put("last", have.get().last() == null ? Boolean.FALSE : have.get().last());
            return FieldDiff.compare(wanted, h);
        }

        @Override
        public MappingRule create(StageContext ctx, ModelProduct.MappingRule desired) {
            Long metricId = live.metricIds.get(desired.metricSystemName());
            if (metricId == null) {
                throw new StageException("product " + product + " has no method " + desired.metricSystemName()
                        + " for mapping rule " + key, Fix.rerunStage(StageIds.PRODUCTS, "creates it"));
            }
            return live.product.mappingRules().create(desired.httpMethod(), desired.pattern(), metricId,
                    desired.delta(), null, desired.last());
        }

        @Override
        public MappingRule update(StageContext ctx, ModelProduct.MappingRule desired, MappingRule have,
                                  Map<String, FieldChange> diff) {
            return live.product.mappingRules().update(have.id(), toParams(diff));
        }
    }

    /** A live mapping rule that is not wanted (3scale's default {@code GET /}, one changed by hand). */
    static final class ExtraRule extends ThreescaleObject<ModelProduct.MappingRule, MappingRule> {
        private final String product;
        private final LiveProduct live;
        private final MappingRule rule;

        ExtraRule(String product, LiveProduct live, MappingRule rule) {
            this.product = product;
            this.live = live;
            this.rule = rule;
        }

        @Override public String kind() { return RULE; }

        @Override public String name() { return product + " " + live.key(rule); }

        @Override public Optional<ModelProduct.MappingRule> desired(StageContext ctx) { return Optional.empty(); }

        @Override public Optional<MappingRule> fetch(StageContext ctx) { return Optional.of(rule); }

        @Override
        public Map<String, FieldChange> diff(ModelProduct.MappingRule desired, Optional<MappingRule> actual) {
            return Map.of();
        }

        @Override
        public MappingRule create(StageContext ctx, ModelProduct.MappingRule desired) {
            throw new IllegalStateException("never made");
        }

        @Override
        public MappingRule update(StageContext ctx, ModelProduct.MappingRule desired, MappingRule actual,
                                  Map<String, FieldChange> diff) {
            throw new IllegalStateException("never updated");
        }

        @Override public void delete(StageContext ctx, MappingRule actual) { live.product.mappingRules().delete(actual.id()); }
    }
}
