package dev.maas.installer.stages.products;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.catalog.FieldDiff;
import dev.maas.installer.catalog.ModelCatalog;
import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.catalog.PolicyChain;
import dev.maas.installer.catalog.TokenMetrics;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.wait.Backoff;
import dev.maas.installer.threescale.Metrics;
import dev.maas.installer.threescale.Product;
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.BackendApi;
import dev.maas.installer.threescale.model.BackendUsage;
import dev.maas.installer.threescale.model.MappingRule;
import dev.maas.installer.threescale.model.Metric;
import dev.maas.installer.threescale.model.PolicyConfig;
import dev.maas.installer.threescale.model.ProxyConfig;
import dev.maas.installer.threescale.model.Service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
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
    static final String METRIC = "metric";
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
    private final Duration firstDeployWait;
    private final List<Change> out = new ArrayList<>();
    private boolean wrote;

    ProductReconciler(ThreescaleClient client, ModelProduct want, Service liveService, BackendApi backend,
                      boolean write, Consumer<String> step, Cancellation cancellation) {
        this(client, want, liveService, backend, write, step, cancellation, ProductsStage.FIRST_DEPLOY_WAIT);
    }

    /** {@code firstDeployWait}: how long a new product's first deploy waits for its service token. */
    ProductReconciler(ThreescaleClient client, ModelProduct want, Service liveService, BackendApi backend,
                      boolean write, Consumer<String> step, Cancellation cancellation, Duration firstDeployWait) {
        this.firstDeployWait = firstDeployWait;
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
        // the metrics the chain's token usage policy reports exist before the chain names the policy
        tokenMetrics(product);
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
                try {
                    metrics.deleteMethod(hits.id(), m.id());
                } catch (ThreescaleApiException e) {
                    if (e.refusedDelete()) {
                        throw new StageException("3scale refuses to delete method " + m.systemName() + " of product "
                                + sn + ": " + String.join("; ", e.fieldErrors().getOrDefault("base", List.of()))
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
            try {
                return client.services().create(want.product().name(), sn, fields);
            } catch (ThreescaleApiException e) {
                if (e.hasFieldError("system_name", "has already been taken")) {
                    // not in the list of products, yet taken: porta keeps a deleted product's system_name until its
                    // background purge has removed it (app/models/service.rb, DeleteObjectHierarchyWorker)
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

    /**
     * With the token usage policy in the desired chain, the product's token metrics ({@link TokenMetrics}): created
     * when missing, friendly name and unit put back when changed. Without it nothing is done: metrics a former
     * configuration made are kept (deleting one would delete its limits and its analytics).
     */
    private void tokenMetrics(Product product) {
        if (!hasTokenPolicy()) {
            return;
        }
        String sn = want.systemName();
        Metrics metrics = product.metrics();
        List<Metric> live = metrics.list();
        int unchanged = 0;
        for (Map.Entry<String, String> tm : TokenMetrics.METRICS.entrySet()) {
            cancellation.throwIfCancelled();
            Metric have = live.stream().filter(m -> m.parentId() == null && tm.getKey().equals(m.systemName()))
                    .findFirst().orElse(null);
            if (have == null) {
                out.add(created(METRIC, sn + " " + tm.getKey(), tokenMetricAttributes(tm)));
                if (write) {
                    wrote = true;
                    metrics.create(tm.getValue(), tm.getKey(), TokenMetrics.UNIT, TokenMetrics.DESCRIPTION);
                }
                continue;
            }
            Map<String, Object> desired = new LinkedHashMap<>();
            desired.put("friendly_name", tm.getValue());
            desired.put("unit", TokenMetrics.UNIT);
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("friendly_name", have.friendlyName());
            h.put("unit", have.unit());
            Map<String, FieldChange> diff = FieldDiff.compare(desired, h);
            if (diff.isEmpty()) {
                unchanged++;
                continue;
            }
            out.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, METRIC, sn + " " + tm.getKey(), diff));
            if (write) {
                wrote = true;
                metrics.update(have.id(), toParams(diff));
            }
        }
        if (unchanged > 0) {
            out.add(Change.noop(TargetSystem.THREESCALE, METRIC, sn + " (" + unchanged + " token metrics)"));
        }
    }

    private boolean hasTokenPolicy() {
        return want.policyChain().policies().stream().anyMatch(p -> p.name().equals(PolicyChain.TOKEN_USAGE));
    }

    private static Map<String, Object> tokenMetricAttributes(Map.Entry<String, String> tm) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("friendly_name", tm.getValue());
        a.put("unit", TokenMetrics.UNIT);
        return a;
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
            staging = deploy(product, staging);
        }
        Optional<ProxyConfig> production = product.latestConfig(Product.PRODUCTION);
        if (!write && (changed || stale)) {
            out.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, CONFIG, sn + " staging and production",
                    Map.of("production", FieldChange.of(production.map(c -> "v" + c.version()).orElse(null),
                            "the new configuration, deployed to staging and promoted"))));
            return;
        }
        if (staging.isEmpty()) {
            throw new StageException("product " + sn + " has no staging configuration",
                    Fix.rerunStage(StageIds.PRODUCTS, "deploys it"));
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
     * Deploys to staging and returns the newest staging configuration. porta answers the deploy 201 in every case but
     * saves a configuration only when the product's service token exists (ProxyConfig validates service_token_exists,
     * app/models/proxy_config.rb) and the product has a backend (api_backend_exists); the token is made in the
     * background a moment after the product (CreateServiceTokenWorker). So a product without any staging
     * configuration after a deploy is deployed again, with bounded backoff, until one appears. A product that had one
     * has its token: when the deploy saved nothing new, the content was unchanged.
     */
    private Optional<ProxyConfig> deploy(Product product, Optional<ProxyConfig> before) {
        Optional<ProxyConfig> after = product.deploy();
        if (after.isPresent() || before.isPresent()) {
            return after.isPresent() ? after : before;
        }
        String sn = want.systemName();
        step.accept(sn + ": waiting for 3scale to make the product's service token before its first configuration");
        ThreescaleApiException[] failed = new ThreescaleApiException[1];
        try {
            ProxyConfig first = Backoff.of(firstDeployWait).delays(Duration.ofMillis(200), Duration.ofSeconds(5))
                    .cancellation(cancellation).await("the first staging configuration of product " + sn, () -> {
                        try {
                            return product.deploy();
                        } catch (ThreescaleApiException e) {
                            if (e.transientFailure()) {
                                throw e;
                            }
                            failed[0] = e; // not a matter of waiting: stop and report it
                            return Optional.of(new ProxyConfig(0, 0, null, null));
                        }
                    });
            if (failed[0] != null) {
                throw failed[0];
            }
            return Optional.of(first);
        } catch (TimeoutException e) {
            throw new StageException("product " + sn + " has no staging configuration: 3scale accepted each deploy for "
                    + firstDeployWait.toSeconds() + " s but saved none. 3scale saves a product's first APIcast"
                    + " configuration only once the product's service token exists, which its background workers"
                    + " (the system-sidekiq pod) make a moment after the product is created; the product must also"
                    + " have a backend.", Fix.rerunStage(StageIds.PRODUCTS, "check that the system-sidekiq pod in the"
                    + " 3scale namespace is running and ready (`oc get pods`), then rerun the stage; it deploys again"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancellation.cancel();
            cancellation.throwIfCancelled();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether a staging config holds what this product wants (and, after the steps above, has), read from the
     * content as porta writes it (app/services/apicast_v2_deployment_service.rb#json_source: the service's attributes
     * and {@code proxy}, app/lib/apicast/provider_source.rb): the product's backend_version and deployment_option;
     * the proxy's credential settings; {@code proxy.policy_chain}, which holds the enabled policies only, as
     * {name, version, configuration}; the product's own {@code proxy.proxy_rules} (each with metric_system_name,
     * delta, last); and the backend.
     *
     * <p>The content has no list of backend usages. A product whose backends are all used at "/" has, as
     * {@code proxy.api_backend}, the private endpoint of its first backend (Proxy#api_backend through
     * BackendApiLogic::ServiceExtension); a product with a backend at a sub-path has api_backend null and a routing
     * policy in its chain with one rule per backend ({@code url}, {@code owner_id} = the backend's id,
     * BackendApiLogic::RoutingPolicy). So the check is: at "/", api_backend equals the live backend's private
     * endpoint (the backend's id does not show, but the gateway only uses the URL; a changed backend URL makes
     * staging stale, as it must); at a sub-path, a routing rule of this backend with its URL. Rules of backends
     * ({@code owner_type} BackendApi) are the backends' own and are not compared.
     *
     * <p>Everything else is left out on purpose: ids, timestamps, endpoints, error texts, and the service's plan
     * fields ({@code default_service_plan_id}... which the plans stage changes after this stage): comparing a full
     * re-serialisation of the live objects would see those and redeploy on every run.
     */
    boolean stagingIsCurrent(ProxyConfig staging) {
        JsonNode content = staging.content();
        if (content == null || !content.isObject() || backend == null) {
            return false;
        }
        if (!content.path("backend_version").asText().equals(want.product().backendVersion())
                || !content.path("deployment_option").asText().equals(want.product().deploymentOption())) {
            return false;
        }
        JsonNode proxy = content.path("proxy");
        for (Map.Entry<String, Object> e : want.proxy().attributes().entrySet()) {
            if (!proxy.path(e.getKey()).asText().equals(String.valueOf(e.getValue()))) {
                return false;
            }
        }
        boolean atRoot = "/".equals(want.backendUsage().path());
        JsonNode chain = proxy.path("policy_chain");
        if (!chain.isArray()) {
            return false;
        }
        List<JsonNode> others = new ArrayList<>();
        JsonNode routing = null;
        for (JsonNode p : chain) {
            if (!atRoot && routing == null && "routing".equals(p.path("name").asText())) {
                routing = p;
            } else {
                others.add(p);
            }
        }
        List<PolicyChain.Policy> enabled = want.policyChain().policies().stream().filter(PolicyChain.Policy::enabled)
                .filter(p -> atRoot || !"routing".equals(p.name())).toList();
        try {
            PolicyChain live = PolicyChain.fromJson(JSON.valueToTree(others));
            if (!new PolicyChain(enabled).differences(live).isEmpty()) {
                return false;
            }
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (atRoot) {
            if (!Objects.equals(proxy.path("api_backend").asText(null), backend.privateEndpoint())) {
                return false;
            }
        } else if (routing == null || !routesToBackend(routing)) {
            return false;
        }
        java.util.Set<String> rules = new java.util.HashSet<>();
        for (JsonNode r : proxy.path("proxy_rules")) {
            if ("BackendApi".equals(r.path("owner_type").asText())) {
                continue;
            }
            rules.add(ModelProduct.MappingRule.key(upper(r.path("http_method").asText()), r.path("pattern").asText(),
                    baseName(r.path("metric_system_name").asText())) + " delta " + r.path("delta").asInt()
                    + " last " + r.path("last").asBoolean(false));
        }
        java.util.Set<String> wanted = new java.util.HashSet<>();
        for (ModelProduct.MappingRule w : want.mappingRules()) {
            wanted.add(ModelProduct.MappingRule.key(upper(w.httpMethod()), w.pattern(), w.metricSystemName())
                    + " delta " + w.delta() + " last " + w.last());
        }
        return rules.equals(wanted);
    }

    /** A rule of porta's routing policy for this backend at the wanted path (BackendApiLogic::RoutingPolicy::Builder). */
    private boolean routesToBackend(JsonNode routing) {
        String path = "/" + want.backendUsage().path().replaceAll("^/+|/+$", "");
        String value = "^(" + path + "/.*|" + path + "/?)";
        for (JsonNode rule : routing.path("configuration").path("rules")) {
            if (rule.path("owner_id").asLong() == backend.id() && "BackendApi".equals(rule.path("owner_type").asText())
                    && Objects.equals(rule.path("url").asText(null), backend.privateEndpoint())) {
                for (JsonNode op : rule.path("condition").path("operations")) {
                    if (value.equals(op.path("value").asText())) {
                        return true;
                    }
                }
            }
        }
        return false;
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
        if (hasTokenPolicy()) {
            TokenMetrics.METRICS.entrySet().forEach(tm -> out.add(created(METRIC, sn + " " + tm.getKey(),
                    tokenMetricAttributes(tm))));
        }
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
