package dev.maas.installer.stages.products;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.catalog.PolicyChain;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.wait.Backoff;
import dev.maas.installer.stages.products.ProductObjects.ThreescaleObject;
import dev.maas.installer.threescale.Product;
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.model.BackendApi;
import dev.maas.installer.threescale.model.ProxyConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The product's APIcast configuration in staging and production: production holds what the product wants. Wanted
 * is a new deploy to staging when an object of the product changed before it in the same run ({@code changedBefore}:
 * plan, apply and verify ask the same question of their own reading) or when the latest staging configuration does
 * not hold what the product wants ({@link #stagingIsCurrent}: an earlier run made the changes and stopped before its
 * deploy); then, or when production's latest content differs from staging's, a promotion of staging to production.
 * The live object is the latest configuration of each environment, read when the object is reconciled, after the
 * product's other objects.
 */
final class Promotion extends ThreescaleObject<Boolean, Promotion.Configs> {
    static final String CONFIG = "proxy config";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The latest configuration of each environment. */
    record Configs(Optional<ProxyConfig> staging, Optional<ProxyConfig> production) { }

    private final ModelProduct want;
    private final LiveProduct live;
    private final BackendApi backend;
    private final BooleanSupplier changedBefore;
    private final Consumer<String> detail;
    private final Duration firstDeployWait;

    /**
     * @param changedBefore   whether an object of the product reconciled before this one was not as desired
     * @param detail          where the wait for a new product's service token is told
     * @param firstDeployWait how long a new product's first deploy waits for its service token
     */
    Promotion(ModelProduct want, LiveProduct live, BackendApi backend, BooleanSupplier changedBefore,
              Consumer<String> detail, Duration firstDeployWait) {
        this.want = want;
        this.live = live;
        this.backend = backend;
        this.changedBefore = changedBefore;
        this.detail = detail;
        this.firstDeployWait = firstDeployWait;
    }

    @Override public String kind() { return CONFIG; }

    @Override public String name() { return want.systemName() + " staging and production"; }

    /** Whether staging needs a new deploy because of this run's changes. */
    @Override public Optional<Boolean> desired(StageContext ctx) { return Optional.of(changedBefore.getAsBoolean()); }

    @Override
    public Optional<Configs> fetch(StageContext ctx) {
        if (!live.exists()) {
            return Optional.empty();
        }
        return Optional.of(new Configs(live.product.latestConfig(Product.STAGING),
                live.product.latestConfig(Product.PRODUCTION)));
    }

    @Override
    public Map<String, FieldChange> diff(Boolean changed, Optional<Configs> actual) {
        if (actual.isEmpty()) {
            return Map.of("production", FieldChange.of(null, "v1, deployed to staging and promoted"));
        }
        Configs c = actual.get();
        String production = c.production().map(p -> "v" + p.version()).orElse(null);
        if (changed || stale(c.staging())) {
            return Map.of("production", FieldChange.of(production,
                    "the new configuration, deployed to staging and promoted"));
        }
        if (samePromoted(c.staging().get(), c.production())) {
            return Map.of();
        }
        return Map.of("production", FieldChange.of(production, "v" + c.staging().get().version() + " (staging)"));
    }

    private boolean stale(Optional<ProxyConfig> staging) {
        return staging.isEmpty() || !stagingIsCurrent(want, backend, staging.get());
    }

    private static boolean samePromoted(ProxyConfig staging, Optional<ProxyConfig> production) {
        return production.isPresent() && Objects.equals(production.get().content(), staging.content());
    }

    @Override
    public Configs create(StageContext ctx, Boolean changed) {
        throw new IllegalStateException("product " + want.systemName() + " must exist before its configuration");
    }

    /** Deploys to staging when the diff asks for it, then promotes staging when production differs. */
    @Override
    public Configs update(StageContext ctx, Boolean changed, Configs actual, Map<String, FieldChange> diff) {
        Optional<ProxyConfig> staging = actual.staging();
        if (changed || stale(staging)) {
            staging = deploy(ctx, staging);
        }
        if (staging.isEmpty()) {
            throw new StageException("product " + want.systemName() + " has no staging configuration",
                    Fix.rerunStage(StageIds.PRODUCTS, "deploys it"));
        }
        ProxyConfig s = staging.get();
        if (samePromoted(s, actual.production())) {
            return new Configs(staging, actual.production());
        }
        ctx.cancellation().throwIfCancelled();
        ProxyConfig promoted = live.product.promote(Product.STAGING, s.version(), Product.PRODUCTION);
        return new Configs(staging, Optional.ofNullable(promoted));
    }

    /**
     * Deploys to staging and returns the newest staging configuration. porta answers the deploy 201 in every case but
     * saves a configuration only when the product's service token exists (ProxyConfig validates service_token_exists,
     * app/models/proxy_config.rb) and the product has a backend (api_backend_exists); the token is made in the
     * background a moment after the product (CreateServiceTokenWorker). So a product without any staging
     * configuration after a deploy is deployed again, with bounded backoff, until one appears. A product that had one
     * has its token: when the deploy saved nothing new, the content was unchanged.
     */
    private Optional<ProxyConfig> deploy(StageContext ctx, Optional<ProxyConfig> before) {
        Product product = live.product;
        Optional<ProxyConfig> after = product.deploy();
        if (after.isPresent() || before.isPresent()) {
            return after.isPresent() ? after : before;
        }
        String sn = want.systemName();
        detail.accept(sn + ": waiting for 3scale to make the product's service token before its first configuration");
        ThreescaleApiException[] failed = new ThreescaleApiException[1];
        try {
            ProxyConfig first = Backoff.of(firstDeployWait).delays(Duration.ofMillis(200), Duration.ofSeconds(5))
                    .cancellation(ctx.cancellation()).await("the first staging configuration of product " + sn, () -> {
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
            ctx.cancellation().cancel();
            ctx.cancellation().throwIfCancelled();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether a staging config holds what the product wants (and, after its other objects were reconciled, has),
     * read from the content as porta writes it (app/services/apicast_v2_deployment_service.rb#json_source: the
     * service's attributes and {@code proxy}, app/lib/apicast/provider_source.rb): the product's backend_version and
     * deployment_option; the proxy's credential settings; {@code proxy.policy_chain}, which holds the enabled policies
     * only, as {name, version, configuration}; the product's own {@code proxy.proxy_rules} (each with
     * metric_system_name, delta, last); and the backend.
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
    static boolean stagingIsCurrent(ModelProduct want, BackendApi backend, ProxyConfig staging) {
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
            PolicyChain liveChain = PolicyChain.fromJson(JSON.valueToTree(others));
            if (!new PolicyChain(enabled).differences(liveChain).isEmpty()) {
                return false;
            }
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (atRoot) {
            if (!Objects.equals(proxy.path("api_backend").asText(null), backend.privateEndpoint())) {
                return false;
            }
        } else if (routing == null || !routesToBackend(want, backend, routing)) {
            return false;
        }
        Set<String> rules = new HashSet<>();
        for (JsonNode r : proxy.path("proxy_rules")) {
            if ("BackendApi".equals(r.path("owner_type").asText())) {
                continue;
            }
            rules.add(ModelProduct.MappingRule.key(LiveProduct.upper(r.path("http_method").asText()),
                    r.path("pattern").asText(), LiveProduct.baseName(r.path("metric_system_name").asText()))
                    + " delta " + r.path("delta").asInt() + " last " + r.path("last").asBoolean(false));
        }
        Set<String> wanted = new HashSet<>();
        for (ModelProduct.MappingRule w : want.mappingRules()) {
            wanted.add(ModelProduct.MappingRule.key(LiveProduct.upper(w.httpMethod()), w.pattern(),
                    w.metricSystemName()) + " delta " + w.delta() + " last " + w.last());
        }
        return rules.equals(wanted);
    }

    /** A rule of porta's routing policy for this backend at the wanted path (BackendApiLogic::RoutingPolicy::Builder). */
    private static boolean routesToBackend(ModelProduct want, BackendApi backend, JsonNode routing) {
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
}
