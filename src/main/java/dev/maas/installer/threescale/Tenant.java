package dev.maas.installer.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.threescale.model.Account;
import dev.maas.installer.threescale.model.Application;
import dev.maas.installer.threescale.model.AuthenticationProvider;
import dev.maas.installer.threescale.model.RegistryPolicy;
import dev.maas.installer.threescale.model.ServiceSubscription;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Tenant-wide resources: the provider account, developer portal SSO integrations, developer accounts and their
 * applications and service subscriptions, and the policy registry.
 */
public final class Tenant {
    private final ThreescaleHttp http;
    private final SecretRegistry secrets;

    Tenant(ThreescaleHttp http, SecretRegistry secrets) {
        this.http = http;
        this.secrets = secrets;
    }

    // -------------------------------------------------------------------------------------------- provider

    public Account provider() {
        return Json.entity(http.mapper(), http.get("/admin/api/provider.json", Map.of()), "account", Account.class);
    }

    /** Updates from_email, support_email, finance_support_email or site_access_code ("" removes the code). */
    public Account updateProvider(Map<String, String> fields) {
        return http.writeVerified("update the provider account",
                () -> Json.entity(http.mapper(), http.writeOnce("PUT", "/admin/api/provider.json", fields), "account",
                        Account.class),
                () -> {
                    JsonNode e = Json.unwrap(http.get("/admin/api/provider.json", Map.of()), "account");
                    return Json.hasValues(e, fields)
                            ? Optional.of(http.mapper().convertValue(e, Account.class)) : Optional.empty();
                });
    }

    // ------------------------------------------------------------------------------- authentication providers

    private static final String SSO = "/admin/api/authentication_providers";

    /** The developer portal's SSO integrations. */
    public List<AuthenticationProvider> authenticationProviders() {
        List<AuthenticationProvider> list = Json.convert(http.mapper(),
                Json.items(http.get(SSO + ".json", Map.of()), "authentication_providers", "authentication_provider"),
                AuthenticationProvider.class);
        list.forEach(p -> secrets.register(p.clientSecret()));
        return list;
    }

    public Optional<AuthenticationProvider> findAuthenticationProvider(String kind) {
        return authenticationProviders().stream().filter(p -> kind.equals(p.kind())).findFirst();
    }

    /**
     * Creates a developer portal SSO integration; {@code fields} are the spec's parameters (client_id, client_secret,
     * site, published, automatically_approve_accounts, ...). One provider per kind is assumed by the retry lookup.
     */
    public AuthenticationProvider createAuthenticationProvider(String kind, Map<String, String> fields) {
        secrets.register(fields.get("client_secret"));
        Map<String, String> p = Json.params("kind", kind);
        p.putAll(fields);
        return http.writeVerified("create the " + kind + " SSO integration",
                () -> register(Json.entity(http.mapper(), http.writeOnce("POST", SSO + ".json", p),
                        "authentication_provider", AuthenticationProvider.class)),
                () -> findAuthenticationProvider(kind));
    }

    public AuthenticationProvider updateAuthenticationProvider(long id, Map<String, String> fields) {
        secrets.register(fields.get("client_secret"));
        String path = SSO + "/" + id + ".json";
        return http.writeVerified("update SSO integration " + id,
                () -> register(Json.entity(http.mapper(), http.writeOnce("PUT", path, fields),
                        "authentication_provider", AuthenticationProvider.class)),
                () -> {
                    JsonNode e = Json.unwrap(http.get(path, Map.of()), "authentication_provider");
                    return Json.hasValues(e, fields)
                            ? Optional.of(register(http.mapper().convertValue(e, AuthenticationProvider.class)))
                            : Optional.empty();
                });
    }

    private AuthenticationProvider register(AuthenticationProvider p) {
        secrets.register(p.clientSecret());
        return p;
    }

    // ----------------------------------------------------------------------------------------------- accounts

    /** Every developer account (paginated, per_page 500); {@code state} may be null (all states). */
    public List<Account> accounts(String state) {
        return Json.convert(http.mapper(), http.getAllPages("/admin/api/accounts.json", Json.params("state", state),
                500, r -> Json.items(r, "accounts", "account")), Account.class);
    }

    /** The developer accounts page by page, for very large tenants. */
    public void forEachAccountPage(String state, Consumer<List<Account>> consumer) {
        for (int page = 1; page <= 100_000; page++) {
            Map<String, String> q = Json.params("state", state, "page", page, "per_page", 500);
            List<Account> got = Json.convert(http.mapper(),
                    Json.items(http.get("/admin/api/accounts.json", q), "accounts", "account"), Account.class);
            if (!got.isEmpty()) {
                consumer.accept(got);
            }
            if (got.size() < 500) {
                return;
            }
        }
    }

    /**
     * Creates a developer account and its admin user ({@code POST /admin/api/signup.json}, porta
     * app/controllers/admin/api/signups_controller.rb). porta also subscribes it to the default plans of every
     * product (app/lib/signup/plans_with_defaults.rb), which may give it applications. A create whose answer was
     * lost is found again by its organization name, which the caller makes unique. The password is required by
     * porta's API documentation (account_management_api.json, Signup Express); it is registered as a secret.
     */
    public Account signup(String orgName, String username, String email, String password) {
        secrets.register(password);
        Map<String, String> p = Json.params("org_name", orgName, "username", username, "email", email,
                "password", password);
        return http.writeVerified("create developer account " + orgName,
                () -> Json.entity(http.mapper(), http.writeOnce("POST", "/admin/api/signup.json", p), "account",
                        Account.class),
                () -> accounts(null).stream().filter(a -> orgName.equals(a.orgName())).findFirst());
    }

    /** Deletes a developer account with its applications ({@code DELETE /admin/api/accounts/{id}.json}). */
    public void deleteAccount(long accountId) {
        String path = "/admin/api/accounts/" + accountId + ".json";
        http.writeVerified("delete developer account " + accountId, () -> {
            http.writeOnce("DELETE", path, Map.of());
            return Boolean.TRUE;
        }, () -> http.find(path, Map.of()).isPresent() ? Optional.empty() : Optional.of(Boolean.TRUE));
    }

    // ------------------------------------------------------------------------------------------ applications

    private static String apps(long accountId) { return "/admin/api/accounts/" + accountId + "/applications"; }

    /** How many applications (of every developer account) are on an application plan. */
    public int applicationsOnPlan(long planId) {
        return http.getAllPages("/admin/api/applications.json", Json.params("plan_id", planId), 500,
                root -> Json.items(root, "applications", "application")).size();
    }

    public List<Application> applications(long accountId) {
        List<Application> list = Json.convert(http.mapper(),
                Json.items(http.get(apps(accountId) + ".json", Map.of()), "applications", "application"),
                Application.class);
        list.forEach(a -> secrets.register(a.userKey()));
        return list;
    }

    /**
     * Creates an application of a developer account on an application plan. On 3scale 2.15 this also subscribes
     * the account to the plan's product (the runbook's workaround for subscribing accounts).
     *
     * <p>The application gets a user_key chosen here (porta's create takes {@code user_key}:
     * app/controllers/admin/api/buyers_applications_controller.rb), which is how a create whose answer was lost is
     * found again: not by name, which porta may not return (the application's fields, rendered only when defined
     * and set: app/representers/cinstance_representer.rb, fields_representer.rb). The products the installer makes
     * use API keys (backend_version 1), for which porta renders the user_key.
     */
    public Application createApplication(long accountId, long planId, String name, String description) {
        String userKey = secrets.register(newUserKey());
        Map<String, String> p = Json.params("plan_id", planId, "user_key", userKey, "name", name,
                "description", description);
        return http.writeVerified("create application " + name + " for account " + accountId,
                () -> {
                    Application a = Json.entity(http.mapper(), http.writeOnce("POST", apps(accountId) + ".json", p),
                            "application", Application.class);
                    secrets.register(a.userKey());
                    return a;
                },
                () -> applications(accountId).stream().filter(a -> userKey.equals(a.userKey())
                        && Long.valueOf(planId).equals(a.planId())).findFirst());
    }

    /** 32 hex characters, as porta generates user keys (Cinstance USER_KEY_FORMAT accepts them). */
    private static String newUserKey() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    public void deleteApplication(long accountId, long applicationId) {
        String path = apps(accountId) + "/" + applicationId + ".json";
        http.writeVerified("delete application " + applicationId, () -> {
            http.writeOnce("DELETE", path, Map.of());
            return Boolean.TRUE;
        }, () -> http.find(path, Map.of()).isPresent() ? Optional.empty() : Optional.of(Boolean.TRUE));
    }

    // ------------------------------------------------------------------------- service contracts (2.15 too)

    /**
     * The account's service contracts ({@code GET /admin/api/accounts/{id}/service_contracts}, in the 2.15 spec
     * as "Service Subscription List"): which products the account is subscribed to, on 3scale versions without
     * the service subscriptions API. Read as {@code {"service_contracts":[{"service_contract":{...}}]}}.
     */
    public List<ServiceSubscription> serviceContracts(long accountId) {
        return Json.convert(http.mapper(), Json.items(http.get("/admin/api/accounts/" + accountId
                + "/service_contracts.json", Map.of()), "service_contracts", "service_contract"),
                ServiceSubscription.class);
    }

    // ----------------------------------------------------------------------- service subscriptions (2.16+)

    private static String subs(long accountId) {
        return "/admin/api/accounts/" + accountId + "/service_subscriptions";
    }

    /** The account's service subscriptions (3scale 2.16 or later; 404 before). */
    public List<ServiceSubscription> serviceSubscriptions(long accountId) {
        return Json.convert(http.mapper(), Json.items(http.get(subs(accountId) + ".json", Map.of()),
                "service_subscriptions", "service_subscription"), ServiceSubscription.class);
    }

    public ServiceSubscription subscribe(long accountId, long servicePlanId) {
        Map<String, String> p = Json.params("plan_id", servicePlanId);
        return http.writeVerified("subscribe account " + accountId + " to service plan " + servicePlanId,
                () -> Json.entity(http.mapper(), http.writeOnce("POST", subs(accountId) + ".json", p),
                        "service_subscription", ServiceSubscription.class),
                () -> serviceSubscriptions(accountId).stream()
                        .filter(s -> Long.valueOf(servicePlanId).equals(s.planId())).findFirst());
    }

    // ------------------------------------------------------------------------------------------ policy registry

    public List<RegistryPolicy> registryPolicies() {
        return Json.convert(http.mapper(),
                Json.items(http.get("/admin/api/registry/policies.json", Map.of()), "policies", "policy"),
                RegistryPolicy.class);
    }

    /**
     * Registers a custom policy ({@code POST /admin/api/registry/policies.json}); {@code schema} is its manifest, whose
     * {@code version} porta requires to equal {@code version} (porta {@code app/models/policy.rb}).
     */
    public RegistryPolicy createRegistryPolicy(String name, String version, JsonNode schema) {
        Map<String, String> p = Json.params("name", name, "version", version, "schema", schema.toString());
        return http.writeVerified("register policy " + name + " " + version,
                () -> Json.entity(http.mapper(), http.writeOnce("POST", "/admin/api/registry/policies.json", p),
                        "policy", RegistryPolicy.class),
                () -> registryPolicies().stream().filter(r -> name.equals(r.name()) && version.equals(r.version())
                        && schema.equals(r.schema())).findFirst());
    }

    /**
     * Replaces a registered policy's schema ({@code PUT /admin/api/registry/policies/{id}.json}). porta refuses (422)
     * to change one that a product's policy chain uses.
     */
    public RegistryPolicy updateRegistryPolicy(long id, JsonNode schema) {
        Map<String, String> p = Json.params("schema", schema.toString());
        return http.writeVerified("update policy " + id + " in the registry",
                () -> Json.entity(http.mapper(), http.writeOnce("PUT", "/admin/api/registry/policies/" + id + ".json",
                        p), "policy", RegistryPolicy.class),
                () -> registryPolicies().stream().filter(r -> r.id() == id && schema.equals(r.schema())).findFirst());
    }
}
