package dev.maas.installer.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.threescale.model.Account;

import java.util.Map;
import java.util.Optional;

/**
 * The Master API's tenant operations ({@code /master/api/providers/{id}.json}, porta's master_api spec): a tenant
 * read and updated by the master account, e.g. its organisation name ({@code org_name}, an account field the
 * provider's own Account Management API cannot change). Needs a client built with the master admin URL
 * ({@code https://master.<wildcard domain>}) and {@code MASTER_ACCESS_TOKEN}. Responses are
 * {@code {"signup":{"account":{..}}}}.
 */
public final class Master {
    private static final String BASE = "/master/api/providers/";
    private final ThreescaleHttp http;

    Master(ThreescaleHttp http) {
        this.http = http;
    }

    /** Tenant Show; empty when the master account has no tenant with that id. */
    public Optional<Account> tenant(long tenantId) {
        return http.find(BASE + tenantId + ".json", Map.of()).map(this::account);
    }

    /**
     * Tenant Update: {@code fields} are the spec's parameters (from_email, support_email, finance_support_email,
     * site_access_code, state_event) or account fields such as {@code org_name}.
     */
    public Account updateTenant(long tenantId, Map<String, String> fields) {
        String path = BASE + tenantId + ".json";
        return http.writeVerified("update tenant " + tenantId,
                () -> account(http.writeOnce("PUT", path, fields)),
                () -> {
                    JsonNode e = accountNode(http.get(path, Map.of()));
                    return Json.hasValues(e, fields) ? Optional.of(http.mapper().convertValue(e, Account.class))
                            : Optional.empty();
                });
    }

    private Account account(JsonNode root) {
        return http.mapper().convertValue(accountNode(root), Account.class);
    }

    private static JsonNode accountNode(JsonNode root) {
        return Json.unwrap(Json.unwrap(root, "signup"), "account");
    }
}
