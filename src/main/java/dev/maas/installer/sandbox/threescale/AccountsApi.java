package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.maas.installer.sandbox.threescale.SimStore.Req;
import dev.maas.installer.sandbox.threescale.SimStore.Resp;

import static dev.maas.installer.sandbox.threescale.SimSupport.*;

/** The provider account, the tenant (master API) and the developer accounts. */
final class AccountsApi extends SimPart {
    AccountsApi(SimState st) {
        super(st);
    }

    /** Adds a developer (buyer) account; for tests and the sandbox. */
    ObjectNode addDeveloperAccount(String orgName) {
        ObjectNode a = J.objectNode();
        long id = id();
        a.put("id", id);
        a.put("created_at", now());
        a.put("updated_at", now());
        a.put("state", "approved");
        a.put("org_name", orgName);
        a.put("credit_card_stored", false);
        a.put("monthly_billing_enabled", true);
        a.put("monthly_charging_enabled", true);
        accounts.put(id, a);
        return a.deepCopy();
    }

    // ======================================================================================================== provider

    /**
     * porta app/controllers/admin/api/providers_controller.rb#update: from_email, support_email,
     * finance_support_email and site_access_code; app/models/account.rb validates the support and finance emails
     * (blank allowed) with Authentication::RE_EMAIL_OK, "should look like an email address" (app/lib/authentication.rb).
     */
    private Resp updateProvider(Req r) {
        for (String f : List.of("support_email", "finance_support_email")) {
            if (r.has(f) && !r.p(f).isBlank() && !r.p(f).matches("(?i)[^@\\s]+@[a-z0-9.-]+\\.[a-z]{2,}")) {
                throw unprocessable(f, "should look like an email address");
            }
        }
        for (String f : List.of("from_email", "support_email", "finance_support_email")) {
            if (r.has(f)) {
                provider.put(f, r.p(f));
            }
        }
        if (r.has("site_access_code")) {
            provider.put("site_access_code", r.p("site_access_code"));
        }
        touch(provider);
        return ok(wrap("account", provider));
    }

    /** The Master API sees the one tenant of the simulator; other ids are 404. */
    private ObjectNode tenantById(Req r) {
        if (!String.valueOf(provider.get("id").asLong()).equals(r.path().get("id"))) {
            throw new SimError(error(404, "Not found"));
        }
        return provider;
    }

    /** Master API Tenant Update: the provider account's emails, access code and default fields (org_name). */
    private Resp updateTenant(Req r) {
        tenantById(r);
        Set<String> fields = Set.of("from_email", "support_email", "finance_support_email", "site_access_code",
                "state_event", "org_name");
        for (String name : r.params().keySet()) {
            if (!fields.contains(name)) {
                throw unprocessable(name, "is not a field of the tenant account");
            }
        }
        if (r.has("org_name")) {
            if (r.p("org_name").isBlank()) {
                throw unprocessable("org_name", "can't be blank");
            }
            provider.put("org_name", r.p("org_name"));
        }
        Map<String, String> rest = new LinkedHashMap<>(r.params());
        rest.remove("org_name");
        rest.remove("state_event");
        updateProvider(new Req(r.method(), r.template(), r.path(), rest, r.uploads()));
        return ok(signup(provider));
    }

    /** The Master API's representation of a tenant: {@code {"signup":{"account":{..}}}} (no access token). */
    private static ObjectNode signup(ObjectNode account) {
        ObjectNode out = J.objectNode();
        out.putObject("signup").set("account", account.deepCopy());
        return out;
    }

    // ============================================================================================== developer accounts

    /**
     * porta app/controllers/admin/api/accounts_controller.rb#index: the buyers, filtered by {@code state} when given
     * (a state no account has gives an empty page, never an error), paginated.
     */
    private Resp listAccounts(Req r) {
        String state = r.p("state");
        List<ObjectNode> all = accounts.values().stream()
                .filter(a -> state == null || state.isEmpty() || state.equals(a.get("state").asText())).toList();
        return ok(page(r, views(all, this::accountView), "accounts", "account"));
    }

    /**
     * porta app/controllers/admin/api/signups_controller.rb#create (Signup::DeveloperAccountManager): a buyer
     * account ({@code org_name}, "can't be blank" without it) and its admin user (app/models/user.rb: a
     * {@code username} of 3 to 40 characters; the email's format and the password are not checked for this
     * "minimal" signup), answered 201 with the account. Its contracts are the
     * plans given ({@code application_plan_id}, {@code service_plan_id}) and, for every product without one of them,
     * the product's default service plan and then its default application plan (app/lib/signup/
     * plans_with_defaults.rb; the application is named and described "API signup": signups_controller.rb#defaults).
     * The account is approved: the sample data's default account plan requires no approval
     * (app/models/account/states.rb#upgrade_state!).
     */
    private Resp signup(Req r) {
        Map<String, List<String>> errs = new LinkedHashMap<>();
        blank(r, errs, "org_name", "username");
        String username = r.p("username");
        if (username != null && !username.isBlank() && (username.length() < 3 || username.length() > 40)) {
            errs.put("username", List.of(username.length() < 3 ? "is too short (minimum is 3 characters)"
                    : "is too long (maximum is 40 characters)"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        ObjectNode plan = null;
        if (r.has("application_plan_id")) {
            try {
                plan = appPlans.get(Long.parseLong(r.p("application_plan_id")));
            } catch (NumberFormatException e) {
                plan = null;
            }
            if (plan == null) {
                throw notFound(); // signups_controller.rb#check_creation_errors: RecordNotFound on a plans error
            }
        }
        ObjectNode a = accounts.get(addDeveloperAccount(r.p("org_name")).get("id").asLong());
        long aid = a.get("id").asLong();
        if (plan != null) {
            applicationsApi().newApplication(aid, plan, "API signup", "API signup");
        }
        for (long sid : new ArrayList<>(services.keySet())) {
            long product = sid;
            if (plan != null && plan.get("service_id").asLong() == product) {
                continue;
            }
            Optional<ObjectNode> defaultService = plansApi().servicePlansOf(product).stream()
                    .filter(x -> x.path("default").asBoolean()).findFirst();
            if (defaultService.isEmpty()) {
                continue; // plans_with_defaults.rb#add_default_plans_to_service: no application plan without it
            }
            applicationsApi().newContract(aid, defaultService.get());
            appPlans.values().stream().filter(x -> x.get("service_id").asLong() == product
                    && x.path("default").asBoolean()).findFirst()
                    .ifPresent(p -> applicationsApi().newApplication(aid, p, "API signup", "API signup"));
        }
        return created(wrap("account", accountView(a)));
    }

    /**
     * porta app/controllers/admin/api/accounts_controller.rb#destroy: {@code buyer_account.destroy}, and with it
     * (app/models/account/buyer_methods.rb: {@code has_many :contracts, dependent: :destroy}) its contracts, the
     * applications among them.
     */
    private void deleteAccount(long id) {
        applications.values().removeIf(a -> a.get("account_id").asLong() == id);
        contracts.values().removeIf(c -> c.get("user_account_id").asLong() == id);
        accounts.remove(id);
    }

    /**
     * A buyer account as app/representers/account_representer.rb renders it: id, timestamps, credit card and
     * billing flags, state, the links self and users, and the account's fields (org_name).
     */
    private ObjectNode accountView(ObjectNode a) {
        ObjectNode v = a.deepCopy();
        ArrayNode links = J.arrayNode();
        link(links, "self", "/admin/api/accounts/" + a.get("id").asLong());
        link(links, "users", "/admin/api/accounts/" + a.get("id").asLong() + "/users");
        v.set("links", links);
        return v;
    }

    /** The routes of the provider, the tenant and the developer accounts. */
    void routes(String api) {
        on("GET", api + "/provider", r -> ok(wrap("account", provider)));
        on("PUT", api + "/provider", this::updateProvider);
        on("GET", "/master/api/providers/{id}", r -> ok(signup(tenantById(r))));
        on("PUT", "/master/api/providers/{id}", this::updateTenant);

        on("GET", api + "/accounts", this::listAccounts);
        on("GET", api + "/accounts/{id}", r -> ok(wrap("account", accountView(account(r, "id")))));
        on("POST", api + "/signup", this::signup);
        on("DELETE", api + "/accounts/{id}", r -> {
            deleteAccount(account(r, "id").get("id").asLong());
            return okEmpty();
        });
    }
}
