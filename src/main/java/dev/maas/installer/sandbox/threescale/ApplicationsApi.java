package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

import dev.maas.installer.sandbox.threescale.SimStore.Req;
import dev.maas.installer.sandbox.threescale.SimStore.Resp;

import static dev.maas.installer.sandbox.threescale.SimSupport.*;

/** Applications and service subscriptions (contracts) of developer accounts. */
final class ApplicationsApi extends SimPart {
    ApplicationsApi(SimState st) {
        super(st);
    }

    /**
     * An application as app/representers/cinstance_representer.rb renders it for a product with backend_version 1:
     * id, state, enabled, timestamps, service_id, service_name, plan_id, plan_name, account_id, org_name,
     * first_traffic_at and first_daily_traffic_at (null included), user_key and provider_verification_key, the
     * links, and the fields the tenant defines for applications (name, description) only when they have a value
     * (FieldsRepresenter: no render_nil), so an application created without a name has no "name".
     */
    private ObjectNode applicationView(ObjectNode a) {
        ObjectNode v = J.objectNode();
        for (String f : List.of("id", "state", "enabled", "created_at", "updated_at", "service_id", "service_name",
                "plan_id", "plan_name", "account_id")) {
            v.set(f, a.get(f));
        }
        ObjectNode account = accounts.get(a.get("account_id").asLong());
        v.put("org_name", account == null ? null : account.path("org_name").asText(null));
        v.putNull("first_traffic_at");
        v.putNull("first_daily_traffic_at");
        v.set("user_key", a.get("user_key"));
        v.set("provider_verification_key", a.get("provider_verification_key"));
        long aid = a.get("account_id").asLong();
        long id = a.get("id").asLong();
        ArrayNode links = v.putArray("links");
        link(links, "self", "/admin/api/accounts/" + aid + "/applications/" + id);
        link(links, "service", "/admin/api/services/" + a.get("service_id").asLong());
        link(links, "account", "/admin/api/accounts/" + aid);
        link(links, "plan", "/admin/api/services/" + a.get("service_id").asLong() + "/application_plans/"
                + a.get("plan_id").asLong());
        link(links, "keys", "/admin/api/accounts/" + aid + "/applications/" + id + "/keys");
        link(links, "referrer_filters", "/admin/api/accounts/" + aid + "/applications/" + id + "/referrer_filters");
        for (String field : List.of("name", "description")) {
            if (a.hasNonNull(field) && !a.get(field).asText().isEmpty()) {
                v.set(field, a.get(field));
            }
        }
        return v;
    }

    /**
     * A service contract as 2.15 renders it in JSON: app/representers/service_contracts_representer.rb only wraps
     * the collection, each item is the model's {@code as_json} with its root (config/application.rb:
     * include_root_in_json), i.e. every column of the cinstances table (db/schema.rb), nulls included.
     */
    private static ObjectNode serviceContractView(ObjectNode c) {
        ObjectNode v = J.objectNode();
        v.set("id", c.get("id"));
        v.set("plan_id", c.get("plan_id"));
        v.set("user_account_id", c.get("user_account_id"));
        v.putNull("user_key");
        v.putNull("provider_public_key");
        v.set("created_at", c.get("created_at"));
        v.set("updated_at", c.get("updated_at"));
        v.set("state", c.get("state"));
        v.putNull("description");
        v.putNull("paid_until");
        v.putNull("application_id");
        v.putNull("name");
        v.putNull("trial_period_expires_at");
        v.put("setup_fee", "0.0");
        v.put("type", "ServiceContract");
        v.putNull("redirect_url");
        v.putNull("variable_cost_paid_until");
        v.putNull("extra_fields");
        v.putNull("tenant_id");
        v.putNull("create_origin");
        v.putNull("first_traffic_at");
        v.putNull("first_daily_traffic_at");
        v.set("service_id", c.get("service_id"));
        v.putNull("accepted_at");
        return v;
    }

    ObjectNode application(Req r) {
        long aid = account(r, "account_id").get("id").asLong();
        ObjectNode a = applications.get(pathId(r, "id"));
        if (a == null || a.get("account_id").asLong() != aid) {
            throw notFound();
        }
        return a;
    }

    ObjectNode newApplication(long accountId, ObjectNode plan, String name, String description) {
        long sid = plan.get("service_id").asLong();
        ensureContract(accountId, sid);
        ObjectNode a = J.objectNode();
        long id = id();
        a.put("id", id);
        a.put("state", plan.get("approval_required").asBoolean() ? "pending" : "live");
        a.put("enabled", true);
        a.put("created_at", now());
        a.put("updated_at", now());
        a.put("service_id", sid);
        a.put("service_name", services.get(sid).get("name").asText());
        a.put("plan_id", plan.get("id").asLong());
        a.put("plan_name", plan.get("name").asText());
        a.put("account_id", accountId);
        a.put("user_key", hex(16));
        a.put("provider_verification_key", hex(16));
        a.put("name", name);
        a.put("description", description);
        applications.put(id, a);
        return a;
    }

    /** porta subscribes the account to the product (its default, else first, service plan) when an app is created. */
    private void ensureContract(long accountId, long sid) {
        boolean subscribed = contracts.values().stream().anyMatch(c -> c.get("user_account_id").asLong() == accountId
                && c.get("service_id").asLong() == sid);
        if (!subscribed) {
            List<ObjectNode> plans = plansApi().servicePlansOf(sid);
            ObjectNode plan = plans.stream().filter(p -> p.get("default").asBoolean()).findFirst()
                    .orElse(plans.isEmpty() ? null : plans.get(0));
            if (plan == null) {
                throw new SimError(error(422, "You cannot subscribe to that service."));
            }
            newContract(accountId, plan);
        }
    }

    ObjectNode newContract(long accountId, ObjectNode plan) {
        ObjectNode c = J.objectNode();
        long id = id();
        c.put("id", id);
        c.put("plan_id", plan.get("id").asLong());
        c.put("user_account_id", accountId);
        c.put("service_id", plan.get("service_id").asLong());
        c.put("state", plan.get("approval_required").asBoolean() ? "pending" : "live");
        c.put("created_at", now());
        c.put("updated_at", now());
        contracts.put(id, c);
        return c;
    }

    /**
     * porta app/controllers/admin/api/buyers_applications_controller.rb#create: the plan must be one of the
     * tenant's application plans (else 404, {@code find}); the account is first subscribed to the plan's product
     * (find_or_create_service_contract: its default service plan, else the first; none: {@code {"error":"You
     * cannot subscribe to that service."}} 422); name and description are the application's fields, not required
     * through the API (app/models/cinstance.rb validates the name only on a human edition); a given user_key is
     * used (Cinstance::USER_KEY_FORMAT, unique in the tenant: "has already been taken"), else one is generated.
     */
    private Resp createApplication(Req r) {
        long aid = account(r, "account_id").get("id").asLong();
        ObjectNode plan;
        try {
            plan = r.has("plan_id") ? appPlans.get(Long.parseLong(r.p("plan_id"))) : null;
        } catch (NumberFormatException e) {
            plan = null;
        }
        if (plan == null) {
            throw notFound();
        }
        if (r.has("user_key")) {
            String key = r.p("user_key");
            if (!USER_KEY.matcher(key).matches() || key.length() > 256) {
                throw unprocessable("user_key", "is invalid");
            }
            if (applications.values().stream().anyMatch(x -> key.equals(x.path("user_key").asText(null)))) {
                throw unprocessable("user_key", "has already been taken");
            }
        }
        ObjectNode a = newApplication(aid, plan, r.p("name"), r.p("description"));
        if (r.has("user_key")) {
            a.put("user_key", r.p("user_key"));
        }
        return created(wrap("application", applicationView(a)));
    }

    /** porta app/models/cinstance.rb USER_KEY_FORMAT (validated as {@code \A...\Z}). */
    private static final java.util.regex.Pattern USER_KEY = java.util.regex.Pattern.compile(
            "(([\\w\\-.]+)|([A-Za-z0-9+]{4})*([A-Za-z0-9+]{4}|[A-Za-z0-9+]{3}=|[A-Za-z0-9+]{2}==))");

    private ObjectNode contract(Req r) {
        long aid = account(r, "account_id").get("id").asLong();
        ObjectNode c = contracts.get(pathId(r, "id"));
        if (c == null || c.get("user_account_id").asLong() != aid) {
            throw notFound();
        }
        return c;
    }

    private Resp subscribe(Req r) {
        long aid = account(r, "account_id").get("id").asLong();
        require(r, "plan_id");
        ObjectNode plan;
        try {
            plan = servicePlans.get(Long.parseLong(r.p("plan_id")));
        } catch (NumberFormatException e) {
            plan = null;
        }
        if (plan == null) {
            throw notFound();
        }
        long sid = plan.get("service_id").asLong();
        if (contracts.values().stream().anyMatch(c -> c.get("user_account_id").asLong() == aid
                && c.get("service_id").asLong() == sid)) {
            throw unprocessable("base", "already subscribed to this product");
        }
        return created(wrap("service_subscription", newContract(aid, plan)));
    }

    /** The routes of applications and service subscriptions. */
    void routes(String api) {
        on("GET", api + "/accounts/{account_id}/applications", r -> {
            long aid = account(r, "account_id").get("id").asLong();
            return ok(list(views(applications.values().stream().filter(a -> a.get("account_id").asLong() == aid)
                    .toList(), this::applicationView), "applications", "application"));
        });
        on("POST", api + "/accounts/{account_id}/applications", this::createApplication);
        // applications_controller.rb#index: every application of the tenant, by service_id and plan_id, paginated
        on("GET", api + "/applications", r -> ok(page(r, views(applications.values().stream().filter(a ->
                (!r.has("service_id") || a.get("service_id").asText().equals(r.p("service_id")))
                && (!r.has("plan_id") || a.get("plan_id").asText().equals(r.p("plan_id")))).toList(),
                this::applicationView), "applications", "application")));
        on("GET", api + "/accounts/{account_id}/applications/{id}", r -> ok(wrap("application", applicationView(application(r)))));
        on("DELETE", api + "/accounts/{account_id}/applications/{id}", r -> {
            applications.remove(application(r).get("id").asLong());
            return okEmpty();
        });
        on("GET", api + "/accounts/{account_id}/service_subscriptions", r -> {
            long aid = account(r, "account_id").get("id").asLong();
            return ok(list(contracts.values().stream().filter(c -> c.get("user_account_id").asLong() == aid).toList(),
                    "service_subscriptions", "service_subscription"));
        });
        on("POST", api + "/accounts/{account_id}/service_subscriptions", this::subscribe);
        on("GET", api + "/accounts/{account_id}/service_contracts", r -> {
            long aid = account(r, "account_id").get("id").asLong();
            return ok(list(views(contracts.values().stream().filter(c -> c.get("user_account_id").asLong() == aid)
                    .toList(), ApplicationsApi::serviceContractView), "service_contracts", "service_contract"));
        });
        on("GET", api + "/accounts/{account_id}/service_subscriptions/{id}",
                r -> ok(wrap("service_subscription", contract(r))));
        on("DELETE", api + "/accounts/{account_id}/service_subscriptions/{id}", r -> {
            ObjectNode c = contract(r);
            long aid = c.get("user_account_id").asLong();
            long sid = c.get("service_id").asLong();
            if (applications.values().stream().anyMatch(a -> a.get("account_id").asLong() == aid
                    && a.get("service_id").asLong() == sid)) {
                throw unprocessable("base", "Cannot unsubscribe while the account has applications on this product");
            }
            contracts.remove(c.get("id").asLong());
            return okEmpty();
        });
    }
}
