package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

import dev.maas.installer.sandbox.threescale.SimStore.Req;
import dev.maas.installer.sandbox.threescale.SimStore.Resp;

import static dev.maas.installer.sandbox.threescale.SimSupport.*;

/** Application plans and service plans. */
final class PlansApi extends SimPart {
    PlansApi(SimState st) {
        super(st);
    }

    ObjectNode newAppPlan(long sid, String name, String state) {
        ObjectNode p = J.objectNode();
        long id = id();
        p.put("id", id);
        p.put("name", name);
        p.put("type", "application_plan");
        p.put("state", state);
        p.put("approval_required", false);
        p.put("setup_fee", 0.0);
        p.put("cost_per_month", 0.0);
        p.put("trial_period_days", 0);
        p.put("cancellation_period", 0);
        p.put("default", false);
        p.put("custom", false);
        p.put("system_name", slug(name));
        p.put("service_id", sid);
        p.put("created_at", now());
        p.put("updated_at", now());
        appPlans.put(id, p);
        return p;
    }

    private Resp createAppPlan(Req r) {
        long sid = sid(r);
        require(r, "name");
        String sn = slug(r.p("name"));
        if (appPlans.values().stream().anyMatch(p -> p.get("service_id").asLong() == sid
                && p.get("system_name").asText().equals(sn))) {
            throw unprocessable("system_name", "has already been taken");
        }
        String event = r.p("state_event");
        if (event != null && !event.equals("publish") && !event.equals("hide")) {
            throw unprocessable("state_event", "is invalid");
        }
        ObjectNode p = newAppPlan(sid, r.p("name"), "publish".equals(event) ? "published" : "hidden");
        applyPlanFields(r, p);
        return created(wrap("application_plan", appPlanView(p)));
    }

    private void applyPlanFields(Req r, ObjectNode p) {
        if (r.has("approval_required")) {
            p.put("approval_required", bool(r.p("approval_required")));
        }
        for (String f : List.of("cost_per_month", "setup_fee")) {
            if (r.has(f)) {
                try {
                    p.put(f, Double.parseDouble(r.p(f)));
                } catch (NumberFormatException e) {
                    throw unprocessable(f, "is not a number");
                }
            }
        }
        if (r.has("trial_period_days")) {
            try {
                p.put("trial_period_days", Integer.parseInt(r.p("trial_period_days")));
            } catch (NumberFormatException e) {
                throw unprocessable("trial_period_days", "is not a number");
            }
        }
    }

    private Resp updateAppPlan(Req r) {
        ObjectNode p = appPlan(r);
        String event = r.p("state_event");
        if (event != null) {
            String state = p.get("state").asText();
            if (event.equals("publish")) {
                if (state.equals("published")) {
                    throw unprocessable("state", "cannot transition via \"publish\"");
                }
                p.put("state", "published");
            } else if (event.equals("hide")) {
                if (state.equals("hidden")) {
                    throw unprocessable("state", "cannot transition via \"hide\"");
                }
                p.put("state", "hidden");
            } else {
                throw unprocessable("state_event", "is invalid");
            }
        }
        if (r.has("name")) {
            if (r.p("name").isBlank()) {
                throw unprocessable("name", "can't be blank");
            }
            p.put("name", r.p("name"));
        }
        applyPlanFields(r, p);
        touch(p);
        return ok(wrap("application_plan", appPlanView(p)));
    }

    private ObjectNode appPlan(Req r) {
        long sid = sid(r);
        ObjectNode p = appPlans.get(pathId(r, "id"));
        if (p == null || p.get("service_id").asLong() != sid) {
            throw notFound();
        }
        return p;
    }

    ObjectNode newServicePlan(long sid, String name, String state) {
        ObjectNode p = J.objectNode();
        long id = id();
        p.put("id", id);
        p.put("name", name);
        p.put("type", "service_plan");
        p.put("state", state);
        p.put("approval_required", false);
        p.put("setup_fee", 0.0);
        p.put("cost_per_month", 0.0);
        p.put("trial_period_days", 0);
        p.put("cancellation_period", 0);
        p.put("default", false);
        // porta stores a system_name for service plans too (app/models/plan.rb), but never renders it in JSON
        // (app/representers/service_plan_representer.rb); the simulator has no use for it
        p.put("service_id", sid);
        p.put("created_at", now());
        p.put("updated_at", now());
        servicePlans.put(id, p);
        return p;
    }

    List<ObjectNode> servicePlansOf(long sid) {
        return servicePlans.values().stream().filter(p -> p.get("service_id").asLong() == sid).toList();
    }

    private ObjectNode servicePlan(Req r) {
        long sid = sid(r);
        ObjectNode p = servicePlans.get(pathId(r, "id"));
        if (p == null || p.get("service_id").asLong() != sid) {
            throw notFound();
        }
        return p;
    }

    /**
     * An application plan as app/representers/application_plan_representer.rb (with plan_representer.rb) renders
     * it: id, name, state, setup_fee, cost_per_month, trial_period_days, cancellation_period, approval_required,
     * default (the product's default application plan), timestamps, custom, system_name and the links service and
     * self. No service_id: the product is in the links.
     */
    private ObjectNode appPlanView(ObjectNode p) {
        ObjectNode v = planView(p);
        v.set("custom", p.get("custom"));
        v.set("system_name", p.get("system_name"));
        ArrayNode links = v.putArray("links");
        long sid = p.get("service_id").asLong();
        link(links, "service", "/admin/api/services/" + sid);
        link(links, "self", "/admin/api/services/" + sid + "/application_plans/" + p.get("id").asLong());
        return v;
    }

    /**
     * A service plan as app/representers/service_plan_representer.rb renders it: plan_representer.rb's properties
     * and the links service and self; no system_name and no service_id.
     */
    private ObjectNode servicePlanView(ObjectNode p) {
        ObjectNode v = planView(p);
        ArrayNode links = v.putArray("links");
        long sid = p.get("service_id").asLong();
        link(links, "service", "/admin/api/services/" + sid);
        link(links, "self", "/admin/api/services/" + sid + "/service_plans/" + p.get("id").asLong());
        return v;
    }

    /** app/representers/plan_representer.rb. */
    private static ObjectNode planView(ObjectNode p) {
        ObjectNode v = J.objectNode();
        for (String f : List.of("id", "name", "state", "setup_fee", "cost_per_month", "trial_period_days",
                "cancellation_period", "approval_required", "default", "created_at", "updated_at")) {
            v.set(f, p.get(f));
        }
        return v;
    }

    /** The routes of application plans and service plans. */
    void routes(String api) {
        st.limits.routes((method, template, h) -> on(method, template, h::apply));
        on("GET", api + "/application_plans", r -> ok(list(views(appPlans.values(), this::appPlanView), "plans", "application_plan")));
        on("GET", api + "/services/{service_id}/application_plans", r -> {
            long sid = sid(r);
            return ok(list(views(appPlans.values().stream().filter(p -> p.get("service_id").asLong() == sid).toList(),
                    this::appPlanView), "plans", "application_plan"));
        });
        on("POST", api + "/services/{service_id}/application_plans", this::createAppPlan);
        on("GET", api + "/services/{service_id}/application_plans/{id}", r -> ok(wrap("application_plan", appPlanView(appPlan(r)))));
        on("PUT", api + "/services/{service_id}/application_plans/{id}", this::updateAppPlan);
        on("DELETE", api + "/services/{service_id}/application_plans/{id}", r -> {
            ObjectNode p = appPlan(r);
            // Plan#can_be_destroyed? (app/models/plan.rb): not while an application (a contract) is on it; refused
            // deletes are 403 (app/lib/three_scale/api/responder.rb), message from config/locales/en.yml
            if (applications.values().stream().anyMatch(a -> a.get("plan_id").asLong() == p.get("id").asLong())) {
                throw refusedDelete("This application plan cannot be deleted! At least one application depends on it.");
            }
            appPlans.remove(p.get("id").asLong());
            return okEmpty();
        });
        on("PUT", api + "/services/{service_id}/application_plans/{id}/default", r -> {
            ObjectNode p = appPlan(r);
            long sid = p.get("service_id").asLong();
            appPlans.values().stream().filter(x -> x.get("service_id").asLong() == sid)
                    .forEach(x -> x.put("default", false));
            p.put("default", true);
            touch(p);
            return ok(wrap("application_plan", appPlanView(p)));
        });

        on("GET", api + "/service_plans", r -> ok(list(views(servicePlans.values(), this::servicePlanView), "plans", "service_plan")));
        on("GET", api + "/services/{id}/service_plans", r -> {
            long sid = service(r, "id").get("id").asLong();
            return ok(list(views(servicePlansOf(sid), this::servicePlanView), "plans", "service_plan"));
        });
        on("POST", api + "/services/{id}/service_plans", r -> {
            long sid = service(r, "id").get("id").asLong();
            require(r, "name");
            ObjectNode p = newServicePlan(sid, r.p("name"), "publish".equals(r.p("state_event")) ? "published" : "hidden");
            if (r.has("approval_required")) {
                p.put("approval_required", bool(r.p("approval_required")));
            }
            return created(wrap("service_plan", servicePlanView(p)));
        });
        on("GET", api + "/services/{service_id}/service_plans/{id}", r -> ok(wrap("service_plan", servicePlanView(servicePlan(r)))));
        // porta service_plans_controller.rb#update: name, state_event, approval_required (permit drops the rest)
        on("PUT", api + "/services/{service_id}/service_plans/{id}", r -> {
            ObjectNode p = servicePlan(r);
            if (r.has("name") && r.p("name").isBlank()) {
                throw unprocessable("name", "can't be blank");
            }
            String event = r.p("state_event");
            if (event != null) {
                String state = p.get("state").asText();
                if (!Set.of("publish", "hide").contains(event) || event.equals("publish") == state.equals("published")) {
                    throw unprocessable("state", "cannot transition via \"" + event + "\"");
                }
                p.put("state", event.equals("publish") ? "published" : "hidden");
            }
            copy(r, p, "name");
            if (r.has("approval_required")) {
                p.put("approval_required", bool(r.p("approval_required")));
            }
            touch(p);
            return ok(wrap("service_plan", servicePlanView(p)));
        });
        on("PUT", api + "/services/{service_id}/service_plans/{id}/default", r -> {
            ObjectNode p = servicePlan(r);
            servicePlansOf(p.get("service_id").asLong()).forEach(x -> x.put("default", false));
            p.put("default", true);
            touch(p);
            return ok(wrap("service_plan", servicePlanView(p)));
        });
    }
}
