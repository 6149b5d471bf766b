package dev.maas.installer.stages.plans;

import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.threescale.Product;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.ApplicationPlan;
import dev.maas.installer.threescale.model.Metric;
import dev.maas.installer.threescale.model.Service;
import dev.maas.installer.threescale.model.ServicePlan;
import dev.maas.installer.threescale.model.UsageLimit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the plans stage reads of one product, once per run, before it reconciles the product's objects
 * ({@link PlanObjects}): the product's {@code buyer_can_select_plan}, its metrics, its application plans, its service
 * plans, and on demand the usage limits of a plan and the number of applications on a plan, each read at most once.
 * The objects' {@code fetch} read from here, and their writes record what they made, so an object reconciled after
 * another (a limit after its new plan) finds it without a second read.
 *
 * <p>A product that does not exist yet (a plan before the products stage ran) is read as porta makes a new one: no
 * application plan, one service plan "Default" that is not the default service plan (app/models/service.rb
 * {@code create_default_service_plan} creates it without setting {@code default_service_plan}), and
 * {@code buyer_can_select_plan} off (db/schema.rb: {@code default: false}).
 */
final class LivePlans {
    /** Null for a product that does not exist yet: nothing is written through it. */
    final Product product;
    final String systemName;
    private final ThreescaleClient client;
    private final Service service;
    private boolean buyerCanSelectPlan;
    private final List<Metric> metrics;
    private final Map<String, Long> metricIds = new HashMap<>();
    private final List<ApplicationPlan> plans;
    private final List<ServicePlan> servicePlans;
    private final Map<Long, List<UsageLimit>> limits = new HashMap<>();
    private final Map<Long, Integer> applications = new HashMap<>();

    private LivePlans(ThreescaleClient client, Service service, String systemName, Product product,
                      List<Metric> metrics, List<ApplicationPlan> plans, List<ServicePlan> servicePlans) {
        this.client = client;
        this.service = service;
        this.systemName = systemName;
        this.product = product;
        this.buyerCanSelectPlan = service != null && Boolean.TRUE.equals(service.buyerCanSelectPlan());
        this.metrics = metrics;
        this.plans = new ArrayList<>(plans);
        this.servicePlans = new ArrayList<>(servicePlans);
        metrics.stream().filter(x -> x.parentId() == null && x.systemName() != null)
                .forEach(x -> metricIds.putIfAbsent(x.systemName(), x.id()));
    }

    /** Reads the live product {@code s} (from the tenant's product list). */
    static LivePlans read(ThreescaleClient client, Service s) {
        Product p = client.product(s.id());
        return new LivePlans(client, s, s.systemName(), p, p.metrics().list(), p.applicationPlans(),
                p.servicePlans());
    }

    /** A product porta has not made yet, as it will make it. */
    static LivePlans none(String systemName) {
        return new LivePlans(null, null, systemName, null, List.of(), List.of(),
                List.of(new ServicePlan(0, PlansStage.DEFAULT_SERVICE_PLAN, "published", false, false)));
    }

    boolean exists() { return product != null; }

    /** The product's id; only for a product that exists. */
    long serviceId() { return service.id(); }

    boolean buyerCanSelectPlan() { return buyerCanSelectPlan; }

    void buyerCanSelectPlan(boolean value) { buyerCanSelectPlan = value; }

    /** The application plans, customized plans of single applications included. */
    List<ApplicationPlan> plans() { return List.copyOf(plans); }

    /** The application plan named {@code name}; plans are found by name (2.15's API has no system_name for them). */
    Optional<ApplicationPlan> plan(String name) {
        return plans.stream().filter(x -> name.equals(x.name())).findFirst();
    }

    /** Records a plan as created or updated. A new plan has no limits. */
    void put(ApplicationPlan plan, boolean created) {
        plans.removeIf(x -> x.id() == plan.id());
        plans.add(plan);
        if (created) {
            limits.put(plan.id(), new ArrayList<>());
        }
    }

    void removed(ApplicationPlan plan) {
        plans.removeIf(x -> x.id() == plan.id());
        limits.remove(plan.id());
    }

    List<ServicePlan> servicePlans() { return List.copyOf(servicePlans); }

    void put(ServicePlan plan) {
        servicePlans.replaceAll(x -> x.id() == plan.id() ? plan : x);
    }

    /** The usage limits of one of the product's plans, read once. */
    List<UsageLimit> limits(long planId) {
        return limits.computeIfAbsent(planId, id -> new ArrayList<>(product.limits(id).list()));
    }

    /** Records a limit as created or updated. */
    void put(long planId, UsageLimit limit) {
        List<UsageLimit> of = limits(planId);
        of.removeIf(x -> x.id() == limit.id());
        of.add(limit);
    }

    void removed(long planId, UsageLimit limit) {
        limits(planId).removeIf(x -> x.id() == limit.id());
    }

    /** How many applications are on a plan, read once. */
    int applicationsOn(long planId) {
        return applications.computeIfAbsent(planId, id -> client.tenant().applicationsOnPlan(id));
    }

    /** The id of a top-level metric by system_name; null when the product has none. */
    Long metricId(String systemName) { return metricIds.get(systemName); }

    /** A limit's metric as the configuration names it ({@code requests} for hits), else its system name or id. */
    String metricName(long id) {
        return metrics.stream().filter(x -> x.id() == id).findFirst()
                .map(x -> TierPlans.HITS.equals(x.systemName()) ? LimitConfig.REQUESTS : x.systemName())
                .orElse("metric " + id);
    }
}
