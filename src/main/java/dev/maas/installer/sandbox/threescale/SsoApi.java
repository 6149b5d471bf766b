package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.maas.installer.sandbox.threescale.SimStore.Req;
import dev.maas.installer.sandbox.threescale.SimStore.Resp;

import static dev.maas.installer.sandbox.threescale.SimSupport.*;

/** The developer portal's SSO integrations (authentication providers). */
final class SsoApi extends SimPart {
    SsoApi(SimState st) {
        super(st);
    }

    ObjectNode sso(Req r) { return find(ssoProviders, r, "id"); }

    /**
     * porta app/controllers/admin/api/authentication_providers_controller.rb#create and app/models/
     * authentication_provider.rb: kind required (without it 400 "Required parameter missing: kind",
     * application_controller.rb); keycloak, auth0 and github have classes of their own, any other kind is a Custom
     * one; one integration per kind for developers ("has already been taken"); name defaults to the kind's human
     * name ("Red Hat Single Sign-On" for keycloak, config/locales/en.yml) and system_name to one made from the given
     * name, else to the kind and 12 hex digits (app/lib/system_name.rb internal_system_name);
     * system_name in porta's format and unique; client_id and client_secret required; site, token_url,
     * authorize_url and user_info_url http(s) URLs ("Invalid URL format"); a keycloak integration needs its realm
     * (site, without spaces). callback_url is the portal's /auth/SYSTEM_NAME/callback (OAuthFlowPresenter).
     */
    private Resp createSso(Req r) {
        if (!r.has("kind") || r.p("kind").isBlank()) {
            throw new SimError(new Resp(400, J.textNode("Required parameter missing: kind")));
        }
        String kind = r.p("kind").toLowerCase(Locale.ROOT);
        Map<String, List<String>> errs = new LinkedHashMap<>();
        if (ssoProviders.values().stream().anyMatch(x -> x.get("kind").asText().equals(kind))) {
            errs.put("kind", new ArrayList<>(List.of("has already been taken")));
        }
        blank(r, errs, "client_id", "client_secret");
        ssoUrls(r, errs);
        if (kind.equals("keycloak") && (!r.has("site") || r.p("site").isBlank())) {
            errs.computeIfAbsent("realm", k -> new ArrayList<>()).add("can't be blank");
        } else if (kind.equals("keycloak") && r.p("site").matches(".*\\s.*")) {
            errs.computeIfAbsent("realm", k -> new ArrayList<>()).add("is invalid");
        }
        boolean named = r.has("name") && !r.p("name").isBlank();
        String name = named ? r.p("name") : switch (kind) {
            case "keycloak" -> "Red Hat Single Sign-On";
            case "auth0" -> "Auth0";
            case "github" -> "GitHub";
            default -> "Custom";
        };
        // SystemName#generate_system_name runs before set_defaults: from the name when one is given, else
        // internal_system_name, the model's param_key (the kind's class: keycloak, auth0, github, custom) and 12 hex
        String systemName = r.has("system_name") && !r.p("system_name").isBlank() ? r.p("system_name")
                : named ? slug(name) : (Set.of("keycloak", "auth0", "github").contains(kind) ? kind : "custom") + "_"
                + hex(6);
        if (!SYSTEM_NAME.matcher(systemName).matches()) {
            errs.computeIfAbsent("system_name", k -> new ArrayList<>()).add("is invalid");
        }
        if (ssoProviders.values().stream().anyMatch(x -> x.get("system_name").asText().equals(systemName))) {
            errs.computeIfAbsent("system_name", k -> new ArrayList<>()).add("has already been taken");
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        ObjectNode p = J.objectNode();
        long id = id();
        p.put("id", id);
        p.put("kind", kind);
        p.put("account_type", "developer");
        p.put("name", name);
        p.put("system_name", systemName);
        p.put("client_id", r.p("client_id"));
        p.put("client_secret", r.p("client_secret"));
        p.put("site", r.p("site"));
        for (String f : List.of("token_url", "user_info_url", "authorize_url")) {
            p.put(f, r.p(f));
        }
        p.put("skip_ssl_certificate_verification", r.has("skip_ssl_certificate_verification")
                && bool(r.p("skip_ssl_certificate_verification")));
        p.put("automatically_approve_accounts", r.has("automatically_approve_accounts")
                && bool(r.p("automatically_approve_accounts")));
        p.put("branding_state", "custom_branded");
        p.put("account_id", provider.get("id").asLong());
        p.put("username_key", r.has("username_key") ? r.p("username_key") : "login");
        p.put("identifier_key", r.has("identifier_key") ? r.p("identifier_key") : "id");
        p.put("trust_email", r.has("trust_email") && bool(r.p("trust_email")));
        p.put("published", r.has("published") && bool(r.p("published")));
        p.put("created_at", now());
        p.put("updated_at", now());
        p.put("callback_url", provider.get("base_url").asText() + "/auth/" + systemName + "/callback");
        ssoProviders.put(id, p);
        return created(wrap("authentication_provider", p));
    }

    /** authentication_provider.rb: site and the OAuth URLs, when given, are http(s) URLs. */
    private static void ssoUrls(Req r, Map<String, List<String>> errs) {
        for (String f : List.of("site", "token_url", "authorize_url", "user_info_url")) {
            if (r.has(f) && !r.p(f).isBlank() && !r.p(f).matches("(?i)https?://\\S+")) {
                errs.put(f, new ArrayList<>(List.of("Invalid URL format")));
            }
        }
    }

    /**
     * authentication_providers_controller.rb#update: only client_id, client_secret, published, site,
     * skip_ssl_certificate_verification and automatically_approve_accounts are taken (permit; others are dropped
     * without an error), then the model's validations.
     */
    private Resp updateSso(Req r) {
        ObjectNode p = sso(r);
        Map<String, List<String>> errs = new LinkedHashMap<>();
        ssoUrls(r, errs);
        for (String f : List.of("client_id", "client_secret")) {
            if (r.has(f) && r.p(f).isBlank()) {
                errs.put(f, List.of("can't be blank"));
            }
        }
        if (p.get("kind").asText().equals("keycloak") && r.has("site") && r.p("site").isBlank()) {
            errs.put("realm", List.of("can't be blank"));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        copy(r, p, "client_id", "client_secret", "site");
        for (String f : List.of("published", "skip_ssl_certificate_verification", "automatically_approve_accounts")) {
            if (r.has(f)) {
                p.put(f, bool(r.p(f)));
            }
        }
        touch(p);
        return ok(wrap("authentication_provider", p));
    }

    /** The routes of SSO integrations. */
    void routes(String api) {
        on("GET", api + "/authentication_providers",
                r -> ok(list(ssoProviders.values(), "authentication_providers", "authentication_provider")));
        on("POST", api + "/authentication_providers", this::createSso);
        on("GET", api + "/authentication_providers/{id}",
                r -> ok(wrap("authentication_provider", sso(r))));
        on("PUT", api + "/authentication_providers/{id}", this::updateSso);
    }
}
