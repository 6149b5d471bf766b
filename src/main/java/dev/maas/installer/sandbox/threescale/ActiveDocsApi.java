package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.maas.installer.sandbox.threescale.SimStore.Req;
import dev.maas.installer.sandbox.threescale.SimStore.Resp;

import static dev.maas.installer.sandbox.threescale.SimSupport.*;

/** ActiveDocs. */
final class ActiveDocsApi extends SimPart {
    ActiveDocsApi(SimState st) {
        super(st);
    }

    /**
     * ActiveDocs (porta app/controllers/admin/api/api_docs_services_controller.rb, app/models/api_docs/service.rb):
     * name and body required; system_name taken on create only (attr_readonly), generated from the name when blank,
     * porta's format and unique per account; a service_id the token's user cannot reach is
     * {@code {"error":"Service not found"}} 422 (new_service_id_permitted); the body is checked as porta's swagger
     * validator does ({@link PortaSwagger}: an OpenAPI 3.1 document is "Invalid Swagger version" unless
     * skip_swagger_validations is true). Rendered as {@code {"api_doc":{...}}} (ApiDocs::ServiceRepresenter) and
     * listed, unpaginated, as {@code {"api_docs":[{"api_doc":{...}}]}}.
     */
    private Resp createActiveDoc(Req r) {
        Map<String, List<String>> errs = new LinkedHashMap<>();
        activeDocService(r);
        blank(r, errs, "name", "body");
        String systemName = systemName(r, r.p("name"));
        if (systemName != null && activeDocs.values().stream()
                .anyMatch(d -> systemName.equals(d.get("system_name").asText()))) {
            errs.put("system_name", List.of("has already been taken"));
        }
        boolean skip = r.has("skip_swagger_validations") && bool(r.p("skip_swagger_validations"));
        if (r.has("body") && !r.p("body").isBlank()) {
            PortaSwagger.errors(r.p("body"), skip).forEach((k, v) -> errs.merge(k, v, SimSupport::concat));
        }
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        ObjectNode d = J.objectNode();
        long id = id();
        d.put("id", id);
        d.put("name", r.p("name"));
        d.put("system_name", systemName);
        d.put("description", r.has("description") ? r.p("description") : null);
        d.put("published", r.has("published") && bool(r.p("published")));
        d.put("skip_swagger_validations", skip);
        d.put("body", r.p("body"));
        if (r.has("service_id") && !r.p("service_id").isBlank()) {
            d.put("service_id", Long.parseLong(r.p("service_id")));
        } else {
            d.putNull("service_id");
        }
        d.put("created_at", now());
        d.put("updated_at", now());
        activeDocs.put(id, d);
        return created(wrap("api_doc", d));
    }

    private Resp updateActiveDoc(Req r) {
        ObjectNode d = find(activeDocs, r, "id");
        activeDocService(r);
        Map<String, List<String>> errs = new LinkedHashMap<>();
        for (String f : List.of("name", "body")) {
            if (r.has(f) && r.p(f).isBlank()) {
                errs.put(f, List.of("can't be blank"));
            }
        }
        boolean skip = r.has("skip_swagger_validations") ? bool(r.p("skip_swagger_validations"))
                : d.get("skip_swagger_validations").asBoolean();
        // the model validates the body it would save, the new one or the one it has
        String body = r.has("body") && !r.p("body").isBlank() ? r.p("body") : d.get("body").asText();
        PortaSwagger.errors(body, skip).forEach((k, v) -> errs.merge(k, v, SimSupport::concat));
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        copy(r, d, "name", "description", "body");
        if (r.has("published")) {
            d.put("published", bool(r.p("published")));
        }
        d.put("skip_swagger_validations", skip);
        if (r.has("service_id")) {
            if (r.p("service_id").isBlank()) {
                d.putNull("service_id");
            } else {
                d.put("service_id", Long.parseLong(r.p("service_id")));
            }
        }
        touch(d);
        return ok(wrap("api_doc", d));
    }

    /** api_docs_services_controller.rb#new_service_id_permitted: an unknown product is 422 "Service not found". */
    private void activeDocService(Req r) {
        if (r.has("service_id") && !r.p("service_id").isBlank()) {
            try {
                if (services.containsKey(Long.parseLong(r.p("service_id")))) {
                    return;
                }
            } catch (NumberFormatException e) {
                // not found either
            }
            throw new SimError(error(422, "Service not found"));
        }
    }

    /**
     * A backend's private_endpoint (app/models/backend_api.rb): present, at most 255 characters, a URI with scheme
     * http, https, ws or wss, a host and no user info, query or fragment (app/validators/uri_validator.rb; a path is
     * allowed, proxy_private_base_path), whose host is not localhost or 127.x.x.x
     * (app/validators/non_localhost_validator.rb with the message protected_domain, config/locales/en.yml); the
     * scheme's port is written out (set_port_private_endpoint, Proxy::PortGenerator), so http://x reads back as
     * http://x:80. Null, with the error in {@code errs}, when invalid.
     */
    static String privateEndpoint(String value, Map<String, List<String>> errs) {
        if (value == null || value.isBlank()) {
            errs.put("private_endpoint", List.of("can't be blank"));
            return null;
        }
        String invalid = "the accepted format is 'scheme://address(:port)(/path)'. Accepted schemes are http, https,"
                + " ws and wss";
        URI uri;
        try {
            uri = new URI(value);
        } catch (Exception e) {
            errs.put("private_endpoint", List.of(invalid));
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!Set.of("http", "https", "ws", "wss").contains(scheme) || uri.getHost() == null
                || uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            errs.put("private_endpoint", List.of(invalid));
            return null;
        }
        if (uri.getHost().matches("localhost|127(\\.\\d{1,3}){3}")) {
            errs.put("private_endpoint", List.of("Sorry, this domain is protected"));
            return null;
        }
        if (value.length() > 255) {
            errs.put("private_endpoint", List.of("is too long (maximum is 255 characters)"));
            return null;
        }
        return withDefaultPort(value);
    }

    /** The routes of ActiveDocs. */
    void routes(String api) {
        on("GET", api + "/active_docs", r -> ok(list(activeDocs.values(), "api_docs", "api_doc")));
        on("POST", api + "/active_docs", this::createActiveDoc);
        on("GET", api + "/active_docs/{id}", r -> ok(wrap("api_doc", find(activeDocs, r, "id"))));
        on("PUT", api + "/active_docs/{id}", this::updateActiveDoc);
        on("DELETE", api + "/active_docs/{id}", r -> {
            activeDocs.remove(find(activeDocs, r, "id").get("id").asLong());
            return okEmpty();
        });
    }
}
