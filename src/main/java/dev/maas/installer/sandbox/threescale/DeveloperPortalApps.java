package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.maas.installer.sandbox.threescale.SimSupport.*;

/**
 * The developer portal's new application page and its form, for a signed-in developer, as porta 3scale-2.15.1-GA
 * answers them (lib/developer_portal/app/controllers/developer_portal/admin/applications_controller.rb {@code new},
 * {@code create} and their helpers {@code service}, {@code new_application}, {@code plan}, {@code default_plan},
 * {@code first_published_plan}, {@code accepted_application_params}; routes in lib/developer_portal/config/routes.rb:
 * {@code GET /admin/applications/new}, {@code POST /admin/applications}). Parameters are Rails' flat names:
 * {@code service_id}, {@code application[plan_id]}, {@code application[name]}, {@code application[description]}
 * ({@code cinstance[...]} too, "for legacy reasons").
 * <ul>
 *   <li>the product: the only one when the tenant has one (Account#single_service?, app/lib/logic/provider_settings.rb),
 *   else {@code service_id} as id or system name, else the one product the developer can create applications on;
 *   none: a redirect to {@code /admin/applications/choose_service};</li>
 *   <li>the developer must be subscribed (a live service contract) to a product that lets developers manage
 *   applications ({@code buyers_manage_apps}) and has a default or a published application plan
 *   (app/lib/logic/contracting.rb Buyer#can_create_application?, services_can_create_app_on); else a redirect to
 *   {@code /admin/buyer/services} with "you are not subscribed to any service with a published application
 *   plan";</li>
 *   <li>the plan: {@code application[plan_id]} only when the product lets developers choose
 *   ({@code buyer_can_select_plan}: Logic::PlanChanges::Service#plan_change_permission with {@code new_contract},
 *   app/lib/logic/plan_changes.rb), looked up among all the product's application plans (a plan of another product
 *   is 404, ActiveRecord::RecordNotFound); otherwise, or without it, the product's default application plan. The new
 *   page shows the first published plan when that gives none ({@code application.plan ||= first_published_plan}),
 *   and is 404 "No published plan" when the product has neither; the form then posts the shown plan's id
 *   (applications/_form.html.liquid, hidden {@code application[plan_id]});</li>
 *   <li>create: "Plan can't be blank" when the rules above give no plan (the product does not let developers choose
 *   and has no default plan), "Name can't be blank" ({@code validate_human_edition!}, Cinstance#name_required?);
 *   the application is pending when its plan requires approval, else live.</li>
 * </ul>
 * Signing in is not simulated: the caller names the developer's account. With multiple applications denied, porta
 * also refuses a second application on the same plan (Cinstance#plan_is_unique); the simulator allows multiple
 * applications.
 */
public final class DeveloperPortalApps extends SimPart {

    /**
     * porta's answer: {@code status} 200 (the new page, {@code planId}/{@code planName} the plan it shows), 201 (the
     * application {@code applicationId} created on {@code planId}), 302 to {@code location}, 404 or 422 with
     * {@code message} and the form's {@code errors} by field.
     */
    public record Answer(int status, String location, Long planId, String planName, Long applicationId,
                         String message, Map<String, List<String>> errors) {
        static Answer redirect(String location, String flash) {
            return new Answer(302, location, null, null, null, flash, Map.of());
        }

        static Answer notFound(String message) {
            return new Answer(404, null, null, null, null, message, Map.of());
        }
    }

    DeveloperPortalApps(SimState st) {
        super(st);
    }

    /** {@code GET /admin/applications/new}. */
    Answer newPage(long accountId, Map<String, String> params) {
        Optional<ObjectNode> service = service(accountId, params);
        if (service.isEmpty()) {
            return Answer.redirect("/admin/applications/choose_service", null);
        }
        long sid = service.get().get("id").asLong();
        if (defaultPlan(sid).isEmpty() && firstPublishedPlan(sid).isEmpty()) {
            return Answer.notFound("No published plan");
        }
        if (!canCreateOn(accountId, service.get())) {
            return Answer.redirect("/admin/buyer/services",
                    "you are not subscribed to any service with a published application plan");
        }
        Optional<ObjectNode> plan;
        try {
            plan = plan(service.get(), params);
        } catch (SimError e) {
            return Answer.notFound("Not found");
        }
        Optional<ObjectNode> shown = plan.or(() -> firstPublishedPlan(sid));
        return new Answer(200, null, shown.map(p -> p.get("id").asLong()).orElse(null),
                shown.map(p -> p.get("name").asText()).orElse(null), null, null, Map.of());
    }

    /** {@code POST /admin/applications}. */
    Answer create(long accountId, Map<String, String> params) {
        Optional<ObjectNode> service = service(accountId, params);
        Optional<ObjectNode> plan;
        try {
            plan = service.isEmpty() ? Optional.empty() : plan(service.get(), params);
        } catch (SimError e) {
            return Answer.notFound("Not found");
        }
        Map<String, List<String>> errors = new LinkedHashMap<>();
        String name = application(params, "name");
        if (plan.isEmpty()) {
            errors.put("plan", List.of("can't be blank"));
        }
        if (name == null || name.isBlank()) {
            errors.put("name", List.of("can't be blank"));
        }
        if (plan.isPresent() && !subscribed(accountId, plan.get().get("service_id").asLong())) {
            errors.put("base", List.of("must have an approved subscription to service "
                    + services.get(plan.get().get("service_id").asLong()).get("name").asText()
                    + " before creating an application"));
        }
        if (!errors.isEmpty()) {
            return new Answer(422, null, null, null, null, null, errors);
        }
        String description = application(params, "description");
        ObjectNode app = applicationsApi().newApplication(accountId, plan.get(), name, description);
        return new Answer(201, "/admin/applications/" + app.get("id").asLong(), plan.get().get("id").asLong(),
                plan.get().get("name").asText(), app.get("id").asLong(), "Application was successfully created.",
                Map.of());
    }

    private Optional<ObjectNode> service(long accountId, Map<String, String> params) {
        List<ObjectNode> accessible = services.values().stream()
                .filter(s -> !"deleted".equals(s.path("state").asText())).toList();
        if (accessible.size() == 1) {
            return Optional.of(accessible.get(0));
        }
        String given = params.get("service_id");
        if (given != null) {
            return accessible.stream().filter(s -> given.equals(s.get("id").asText())
                    || given.equals(s.path("system_name").asText())).findFirst();
        }
        List<ObjectNode> open = accessible.stream().filter(s -> subscribed(accountId, s.get("id").asLong())
                && hasPlanToCreateOn(s.get("id").asLong())).toList();
        return open.size() == 1 ? Optional.of(open.get(0)) : Optional.empty();
    }

    /** applications_controller.rb new_application and plan. */
    private Optional<ObjectNode> plan(ObjectNode service, Map<String, String> params) {
        long sid = service.get("id").asLong();
        if (!service.path("buyer_can_select_plan").asBoolean(false)) {
            return defaultPlan(sid);
        }
        String planId = application(params, "plan_id");
        if (planId == null) {
            return defaultPlan(sid);
        }
        ObjectNode p;
        try {
            p = appPlans.get(Long.parseLong(planId.trim()));
        } catch (NumberFormatException e) {
            p = null;
        }
        if (p == null || p.get("service_id").asLong() != sid) {
            throw new SimError(error(404, "Not found"));
        }
        return Optional.of(p);
    }

    private static String application(Map<String, String> params, String field) {
        String v = params.get("application[" + field + "]");
        return v != null ? v : params.get("cinstance[" + field + "]");
    }

    private Optional<ObjectNode> defaultPlan(long sid) {
        return appPlans.values().stream().filter(p -> p.get("service_id").asLong() == sid
                && p.path("default").asBoolean(false)).findFirst();
    }

    /** {@code service.application_plans.published.first}: plans are ordered by position (app/models/plan.rb
     * default_scope, acts_as_list: the order they were made in), here by id. */
    private Optional<ObjectNode> firstPublishedPlan(long sid) {
        return appPlans.values().stream().filter(p -> p.get("service_id").asLong() == sid
                        && "published".equals(p.path("state").asText()))
                .min(Comparator.comparingLong(p -> p.get("id").asLong()));
    }

    private boolean hasPlanToCreateOn(long sid) {
        return defaultPlan(sid).isPresent() || firstPublishedPlan(sid).isPresent();
    }

    private boolean canCreateOn(long accountId, ObjectNode service) {
        long sid = service.get("id").asLong();
        return service.path("buyers_manage_apps").asBoolean(true) && subscribed(accountId, sid)
                && hasPlanToCreateOn(sid);
    }

    /** A live service contract of the account for the product (bought_service_contracts.services(:live)). */
    private boolean subscribed(long accountId, long sid) {
        return contracts.values().stream().anyMatch(c -> c.get("user_account_id").asLong() == accountId
                && c.get("service_id").asLong() == sid && "live".equals(c.path("state").asText()));
    }
}
