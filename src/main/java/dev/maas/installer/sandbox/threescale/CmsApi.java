package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import dev.maas.installer.sandbox.threescale.SimStore.Req;
import dev.maas.installer.sandbox.threescale.SimStore.Resp;
import dev.maas.installer.sandbox.threescale.SimStore.PortalResponse;
import dev.maas.installer.sandbox.threescale.SimStore.Upload;

import static dev.maas.installer.sandbox.threescale.SimSupport.*;

/** The developer portal's CMS (sections, templates, files) and the portal that serves it. */
final class CmsApi extends SimPart {
    CmsApi(SimState st) {
        super(st);
    }

    void seedCms() {
        ObjectNode root = newSection("Root", "root", null, "/");
        long rootId = root.get("id").asLong();
        for (String s : List.of("css", "javascripts", "images")) {
            newSection(s, s, rootId, "/" + s);
        }
        ObjectNode main = newTemplate("layout", "Main layout", "main_layout", null, null, "<html>{% content %}</html>");
        newTemplate("layout", "Error layout", "error", null, null, "<html>{% content %}</html>");
        main.put("liquid_enabled", true);
        ObjectNode home = newTemplate("page", "Homepage", "homepage", "/", rootId, "<h1>Welcome</h1>");
        home.put("layout_id", main.get("id").asLong());
        ObjectNode docs = newTemplate("page", "Documentation", "documentation", "/docs", rootId,
                "{% cdn_asset /swagger-ui/swagger-ui.js %}");
        docs.put("layout_id", main.get("id").asLong());
        home.put("liquid_enabled", true);
        docs.put("liquid_enabled", true);
        newTemplate("partial", "analytics", "analytics", null, null, "");
        // porta's builtin pages and partials (app/models/cms/builtin.rb ORIGINAL_PATHS, created by
        // SimpleLayout#create_builtin_pages_and_partials!), as on a tenant with multiple applications and service
        // plans switched on (applications/new, applications/choose_service and services/* exist only then)
        for (String b : List.of("errors/not_found", "errors/forbidden", "errors/internal_server_error",
                "dashboards/show", "applications/new", "applications/choose_service", "applications/edit",
                "applications/index", "applications/show", "applications/alerts/index", "invoices/index",
                "invoices/show", "account/show", "account/edit", "accounts/users/index", "accounts/users/edit",
                "user/show", "messages/outbox/index", "messages/outbox/show", "messages/outbox/new",
                "messages/inbox/index", "messages/inbox/show", "messages/trash/index", "messages/trash/show",
                "signup/show", "signup/success", "login/new", "password/new", "password/show", "services/new",
                "services/index", "invitations/index", "invitations/new", "accounts/payment_gateways/edit",
                "accounts/payment_gateways/show", "account_plans/index", "accounts/plan_changes/index",
                "stats/index", "search/index", "accounts/invitee_signups/show")) {
            ObjectNode t = newTemplate("builtin_page", b, b.replace('/', '_'), null, null, "{% content %}");
            t.put("system_name", b);
        }
        for (String b : List.of("stats/chart", "applications/form", "messages/menu", "shared/pagination",
                "shared/swagger_ui", "signup/cas", "login/sso", "field", "submenu", "menu_item", "users_menu")) {
            newTemplate("builtin_partial", null, b, null, null, "");
        }
        // SimpleLayout#import! publishes what it creates (CMS::Template#publish: the draft becomes the published
        // content and the draft is cleared)
        templates.values().forEach(t -> {
            t.set("published", t.get("draft"));
            t.putNull("draft");
        });
    }

    /**
     * For tests: creating or updating the template with this system name (or page path) answers 422 with
     * {@code {"errors":{"draft":[message]}}}, as porta does when a template fails its validations. A null message
     * accepts it again.
     */
    void rejectTemplate(String systemNameOrPath, String message) {
        if (message == null) { // accepted again
            rejectedTemplates.remove(systemNameOrPath);
            return;
        }
        rejectedTemplates.put(systemNameOrPath, message);
    }

    private void checkRejected(String systemName, String path) {
        for (String key : new String[] {systemName, path}) {
            if (key != null && rejectedTemplates.containsKey(key)) {
                throw unprocessable("draft", rejectedTemplates.get(key));
            }
        }
    }

    // ============================================================================================================= CMS

    /** porta app/models/cms/page.rb DEFAULT_CONTENT_TYPE: the content type of a page created without one. */
    private static final String DEFAULT_PAGE_CONTENT_TYPE = "text/html";
    /** porta app/models/cms/template.rb: {@code system_name} format (when not blank). */
    private static final java.util.regex.Pattern TEMPLATE_SYSTEM_NAME =
            java.util.regex.Pattern.compile("\\w[\\w\\-/_]+");
    /**
     * porta app/controllers/admin/api/cms/templates_controller.rb ALLOWED_PARAMS: what create and update take per
     * template type (anything else of AVAILABLE_PARAMS is dropped by {@code permit}); section_name and layout_name
     * are read by app/services/admin/api/cms/template_service.rb, for pages only.
     */
    private static final Map<String, Set<String>> TEMPLATE_PARAMS = Map.of(
            "page", Set.of("title", "path", "content_type", "system_name", "section_id", "layout_id",
                    "liquid_enabled", "draft", "handler"),
            "builtin_page", Set.of("layout_id", "draft"),
            "layout", Set.of("system_name", "draft", "title", "liquid_enabled"),
            "partial", Set.of("system_name", "draft"),
            "builtin_partial", Set.of("draft"));
    /** porta lib/developer_portal/lib/cms/handler.rb: CMS::Handler.available. */
    private static final Set<String> HANDLERS = Set.of("markdown", "textile");
    /** porta app/models/cms/builtin.rb: the builtin partials' names, reserved for partials (CMS::Partial). */
    private static final List<String> BUILTIN_PARTIALS = List.of("stats/chart", "applications/form",
            "messages/menu", "shared/pagination", "shared/swagger_ui", "signup/cas", "login/sso", "field", "submenu",
            "menu_item", "users_menu");

    private ObjectNode newSection(String title, String systemName, Long parentId, String partialPath) {
        ObjectNode s = J.objectNode();
        long id = id();
        s.put("id", id);
        s.put("created_at", now());
        s.put("updated_at", now());
        s.put("title", title);
        s.put("system_name", systemName);
        s.put("public", true);
        if (parentId == null) {
            s.putNull("parent_id");
        } else {
            s.put("parent_id", parentId);
        }
        s.put("partial_path", partialPath);
        sections.put(id, s);
        return s;
    }

    /**
     * A template as stored: every column any type has; {@link #templateView} renders what the type's representer
     * shows. Pages get porta's defaults: content type text/html (app/models/cms/page.rb set_default_values) and a
     * system name from the title (CMS::Page#set_system_name, {@code title.parameterize}).
     */
    private ObjectNode newTemplate(String type, String title, String systemName, String path, Long sectionId,
                                   String draft) {
        ObjectNode t = J.objectNode();
        long id = id();
        t.put("id", id);
        t.put("type", type);
        t.put("created_at", now());
        t.put("updated_at", now());
        t.put("title", title);
        t.put("system_name", systemName == null && type.equals("page") && title != null && !title.isBlank()
                ? titleParameterize(title) : systemName);
        if (type.equals("page")) {
            t.put("path", path);
            t.put("content_type", DEFAULT_PAGE_CONTENT_TYPE);
            t.put("section_id", sectionId);
        }
        t.putNull("layout_id");
        t.putNull("handler");
        // builtins read liquid_enabled as true whatever is stored (app/models/cms/builtin.rb read_attribute)
        t.put("liquid_enabled", type.startsWith("builtin"));
        t.put("draft", draft);
        t.putNull("published");
        templates.put(id, t);
        return t;
    }

    private ObjectNode cmsPage(Req r, Collection<ObjectNode> items, Function<ObjectNode, ObjectNode> view) {
        int perPage = intParam(r, "per_page", 20);
        if (perPage < 1 || perPage > 100) {
            perPage = 100;
        }
        int page = Math.max(1, intParam(r, "page", 1));
        List<ObjectNode> all = new ArrayList<>(items);
        ObjectNode o = J.objectNode();
        ArrayNode c = o.putArray("collection");
        all.stream().skip((long) (page - 1) * perPage).limit(perPage).forEach(x -> c.add(view.apply(x)));
        ObjectNode meta = o.putObject("metadata");
        meta.put("per_page", perPage);
        meta.put("total_entries", all.size());
        meta.put("total_pages", (all.size() + perPage - 1) / perPage);
        meta.put("current_page", page);
        return o;
    }

    /**
     * A template as porta's representers render it (app/representers/cms/*_representer.rb): pages
     * (CMS::PageRepresenter) show title, system_name, layout_id, section_id, path, content_type, liquid_enabled,
     * handler (when set) and hidden (never published); builtin pages the same less what only CMS::Page has (section,
     * path, content type, liquid, handler, hidden); layouts title, system_name and liquid_enabled; partials and
     * builtin partials only system_name. draft and published (null included) only with content, i.e. not in the
     * short list ({@code content=true} absent).
     */
    private static ObjectNode templateView(ObjectNode t, boolean content) {
        String type = t.get("type").asText();
        ObjectNode v = J.objectNode();
        v.set("id", t.get("id"));
        v.put("type", type);
        v.set("created_at", t.get("created_at"));
        v.set("updated_at", t.get("updated_at"));
        switch (type) {
            case "page", "builtin_page" -> {
                v.set("title", t.get("title"));
                v.set("system_name", t.get("system_name"));
                v.set("layout_id", t.get("layout_id"));
                if (type.equals("page")) {
                    v.set("section_id", t.get("section_id"));
                    v.set("path", t.get("path"));
                    v.set("content_type", t.get("content_type"));
                    v.set("liquid_enabled", t.get("liquid_enabled"));
                    if (!t.get("handler").isNull()) {
                        v.set("handler", t.get("handler"));
                    }
                    v.put("hidden", t.get("published").isNull()); // CMS::Page#hidden?: published.nil?
                }
            }
            case "layout" -> {
                v.set("title", t.get("title"));
                v.set("system_name", t.get("system_name"));
                v.set("liquid_enabled", t.get("liquid_enabled"));
            }
            default -> v.set("system_name", t.get("system_name"));
        }
        if (content) {
            v.set("draft", t.get("draft"));
            v.set("published", t.get("published"));
        }
        return v;
    }

    /** porta Admin::Api::CMS::SectionsController#create and FilesController: an unknown parent is the root. */
    private Long sectionOrNull(Req r, String param) {
        if (!r.has(param)) {
            return null;
        }
        try {
            long id = Long.parseLong(r.p(param));
            return sections.containsKey(id) ? id : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The section named by section_id or section_name (template_service.rb#find_section); one that does not exist
     * is {@code {"error":"Unknown section: '...'"}} 422 (UnknownSectionError rendered by render_error).
     */
    private Long templateSection(Req r) {
        if (!r.has("section_id") && !r.has("section_name")) {
            return null;
        }
        Optional<ObjectNode> found;
        if (r.has("section_id") && !r.p("section_id").isBlank()) {
            found = sections.values().stream().filter(s -> s.get("id").asText().equals(r.p("section_id")))
                    .findFirst();
        } else if (r.has("section_name") && !r.p("section_name").isBlank()) {
            found = sections.values().stream().filter(s -> s.get("system_name").asText().equals(r.p("section_name")))
                    .findFirst();
        } else {
            found = Optional.empty();
        }
        return found.map(s -> s.get("id").asLong()).orElseThrow(() -> new SimError(error(422, "Unknown section: '"
                + (r.has("section_id") ? r.p("section_id") : r.p("section_name")) + "'")));
    }

    /**
     * The layout named by layout_id or layout_name (template_service.rb#find_layout): null when neither is given;
     * {@code Optional.empty()} when given empty (an update then removes the layout); an unknown one is
     * {@code {"error":"Unknown layout: '...'"}} 422.
     */
    private Optional<Long> templateLayout(Req r, boolean update) {
        if (!r.has("layout_id") && !r.has("layout_name")) {
            return null;
        }
        String id = r.p("layout_id");
        String name = r.p("layout_name");
        Optional<ObjectNode> found = Optional.empty();
        if (id != null && !id.isBlank()) {
            found = templates.values().stream().filter(t -> t.get("type").asText().equals("layout")
                    && t.get("id").asText().equals(id)).findFirst();
        } else if (name != null && !name.isBlank()) {
            found = templates.values().stream().filter(t -> t.get("type").asText().equals("layout")
                    && name.equals(t.path("system_name").asText(null))).findFirst();
        }
        if (found.isPresent()) {
            return Optional.of(found.get().get("id").asLong());
        }
        if (update && ((id != null && id.isEmpty()) || (name != null && name.isEmpty()))) {
            return Optional.empty();
        }
        throw new SimError(error(422, "Unknown layout: '" + (id != null ? id : name) + "'"));
    }

    private long rootSection() {
        return sections.values().stream().filter(s -> s.get("parent_id").isNull()).findFirst()
                .map(s -> s.get("id").asLong()).orElseThrow();
    }

    /** porta CMS::Section: found by id or system_name (Admin::Api::CMS::SectionsController#find_section). */
    private ObjectNode cmsSection(Req r) {
        String key = r.path().get("id");
        return sections.values().stream().filter(s -> s.get("id").asText().equals(key)).findFirst()
                .or(() -> sections.values().stream().filter(s -> s.get("system_name").asText().equals(key))
                        .findFirst())
                .orElseThrow(SimSupport::notFound);
    }

    void cmsRoutes(String cms) {
        on("GET", cms + "/sections", r -> ok(cmsPage(r, sections.values(), ObjectNode::deepCopy)));
        on("POST", cms + "/sections", r -> {
            // porta app/models/cms/section.rb: title required; system_name and partial_path default to
            // title.parameterize; title unique under the parent, system_name unique; the parent is the given one
            // or, when unknown, the root (sections_controller.rb#create)
            Map<String, List<String>> errs = new LinkedHashMap<>();
            blank(r, errs, "title");
            Long parentId = sectionOrNull(r, "parent_id");
            long parent = parentId == null ? rootSection() : parentId;
            String title = r.p("title");
            String sn = r.has("system_name") && !r.p("system_name").isBlank() ? r.p("system_name")
                    : title == null ? null : titleParameterize(title);
            if (title != null && sections.values().stream().anyMatch(s -> s.path("parent_id").asLong() == parent
                    && s.get("title").asText().equals(title))) {
                errs.put("title", List.of("has already been taken"));
            }
            if (sn != null && sections.values().stream().anyMatch(s -> s.get("system_name").asText().equals(sn))) {
                errs.put("system_name", List.of("has already been taken"));
            }
            if (!errs.isEmpty()) {
                throw new SimError(errors(errs));
            }
            String partial = r.has("partial_path") && !r.p("partial_path").isBlank() ? r.p("partial_path")
                    : titleParameterize(title);
            ObjectNode s = newSection(title, sn, parent, partial);
            if (r.has("public")) {
                s.put("public", bool(r.p("public")));
            }
            return created(s);
        });
        on("GET", cms + "/sections/{id}", r -> ok(cmsSection(r)));
        on("PUT", cms + "/sections/{id}", r -> {
            ObjectNode s = cmsSection(r);
            copy(r, s, "title", "partial_path");
            if (r.has("public")) {
                s.put("public", bool(r.p("public")));
            }
            if (r.has("parent_id")) {
                long parent = longParam(r, "parent_id");
                if (!sections.containsKey(parent) || parent == s.get("id").asLong()) {
                    throw unprocessable("base", "cannot be it's own ancestor");
                }
                s.put("parent_id", parent);
            }
            touch(s);
            return ok(s);
        });
        on("DELETE", cms + "/sections/{id}", r -> {
            ObjectNode s = cmsSection(r);
            if (s.get("parent_id").isNull()) {
                // porta CMS::Section#avoid_destruction: the root stays (the delete is answered, nothing happens)
                return okEmpty();
            }
            long id = s.get("id").asLong();
            long parent = s.get("parent_id").asLong();
            // CMS::Section#destroy moves pages, files and child sections to the parent
            templates.values().stream().filter(t -> t.path("section_id").asLong(-1) == id)
                    .forEach(t -> t.put("section_id", parent));
            files.values().stream().filter(f -> f.path("section_id").asLong(-1) == id)
                    .forEach(f -> f.put("section_id", parent));
            sections.values().stream().filter(x -> x.path("parent_id").asLong(-1) == id)
                    .forEach(x -> x.put("parent_id", parent));
            sections.remove(id);
            return okEmpty();
        });

        on("GET", cms + "/templates", r -> {
            boolean content = "true".equals(r.p("content"));
            return ok(cmsPage(r, templates.values(), t -> templateView(t, content)));
        });
        on("POST", cms + "/templates", this::createTemplate);
        on("GET", cms + "/templates/{id}", r -> ok(templateView(find(templates, r, "id"), true)));
        on("PUT", cms + "/templates/{id}", this::updateTemplate);
        on("DELETE", cms + "/templates/{id}", r -> {
            ObjectNode t = find(templates, r, "id");
            if (t.get("type").asText().startsWith("builtin")) {
                // template_service.rb Destroy: DeleteBuiltinError, rendered by render_error
                throw new SimError(error(422, "Built-in resources can't be deleted"));
            }
            templates.remove(t.get("id").asLong());
            return okEmpty();
        });
        on("PUT", cms + "/templates/{id}/publish", r -> {
            ObjectNode t = find(templates, r, "id");
            // porta app/models/cms/template.rb: publish! does nothing without a draft; publish makes the draft the
            // published content and clears the draft
            if (!t.get("draft").isNull()) {
                t.set("published", t.get("draft").deepCopy());
                t.putNull("draft");
                touch(t);
            }
            return ok(templateView(t, true));
        });

        on("GET", cms + "/files", r -> ok(cmsPage(r, files.values(), ObjectNode::deepCopy)));
        on("POST", cms + "/files", r -> {
            Map<String, List<String>> errs = new LinkedHashMap<>();
            blank(r, errs, "path");
            if (!r.uploads().containsKey("attachment")) {
                errs.put("attachment", List.of("can't be blank"));
            }
            String path = filePath(r.p("path"));
            if (path != null && files.values().stream().anyMatch(f -> f.get("path").asText().equals(path))) {
                errs.put("path", List.of("has already been taken"));
            }
            if (!errs.isEmpty()) {
                throw new SimError(errors(errs));
            }
            // files_controller.rb#create: the given section, or the root when it does not exist
            Long section = sectionOrNull(r, "section_id");
            ObjectNode f = J.objectNode();
            long id = id();
            f.put("id", id);
            f.put("created_at", now());
            f.put("updated_at", now());
            f.put("section_id", section == null ? rootSection() : section);
            f.put("path", path);
            f.put("downloadable", r.has("downloadable") && bool(r.p("downloadable")));
            setAttachment(f, r.uploads().get("attachment"));
            files.put(id, f);
            return created(f);
        });
        on("GET", cms + "/files/{id}", r -> ok(find(files, r, "id")));
        on("PUT", cms + "/files/{id}", r -> {
            ObjectNode f = find(files, r, "id");
            if (r.has("path")) {
                String path = filePath(r.p("path"));
                if (path == null) {
                    throw unprocessable("path", "can't be blank");
                }
                if (files.values().stream().anyMatch(x -> x != f && x.get("path").asText().equals(path))) {
                    throw unprocessable("path", "has already been taken");
                }
                f.put("path", path);
            }
            if (r.has("section_id")) {
                Long section = sectionOrNull(r, "section_id");
                if (section == null) {
                    throw unprocessable("section", "can't be blank");
                }
                f.put("section_id", section);
            }
            if (r.has("downloadable")) {
                f.put("downloadable", bool(r.p("downloadable")));
            }
            if (r.uploads().containsKey("attachment")) {
                setAttachment(f, r.uploads().get("attachment"));
            }
            touch(f);
            return ok(f);
        });
        on("DELETE", cms + "/files/{id}", r -> {
            ObjectNode f = find(files, r, "id");
            files.remove(f.get("id").asLong());
            fileContents.remove(f.get("id").asLong());
            return okEmpty();
        });
    }

    /** porta app/models/cms/file.rb#path=: a leading '/' is added when missing; blank is null. */
    private static String filePath(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        return value.startsWith("/") ? value : "/" + value;
    }

    private void setAttachment(ObjectNode f, Upload u) {
        long id = f.get("id").asLong();
        fileContents.put(id, u);
        f.put("title", u.filename());
        f.put("content_type", u.contentType());
        f.put("url", baseUrl + SimStore.FILE_PREFIX + id + "/" + u.filename());
    }

    /**
     * porta Admin::Api::CMS::TemplatesController#create with app/services/admin/api/cms/template_service.rb
     * (Create): only page, layout and partial can be created (else {@code {"error":"Unknown template type '..'"}}
     * 422); the type's ALLOWED_PARAMS are taken; a page goes to the given section (unknown: 422 "Unknown
     * section") or the root, and to the given layout (unknown: 422 "Unknown layout"); then the model validations
     * ({@link #templateErrors}), 422 {@code {"errors":{...}}} when they fail.
     */
    private Resp createTemplate(Req r) {
        String type = r.has("type") ? r.p("type") : "";
        if (!Set.of("page", "layout", "partial").contains(type)) {
            throw new SimError(error(422, "Unknown template type '" + type + "'"));
        }
        Set<String> allowed = TEMPLATE_PARAMS.get(type);
        Long section = null;
        Optional<Long> layout = null;
        if (type.equals("page")) {
            section = templateSection(r);
            layout = templateLayout(r, false);
        }
        ObjectNode t = J.objectNode();
        t.put("type", type);
        t.putNull("title");
        t.putNull("system_name");
        t.putNull("layout_id");
        t.putNull("handler");
        t.put("liquid_enabled", false);
        t.putNull("draft");
        t.putNull("published");
        if (type.equals("page")) {
            t.putNull("path");
            t.put("content_type", DEFAULT_PAGE_CONTENT_TYPE); // cms/page.rb set_default_values, when not given
            t.put("section_id", section == null ? rootSection() : section);
        }
        assignTemplate(r, t, allowed);
        if (layout != null && layout.isPresent()) {
            t.put("layout_id", layout.get());
        }
        Map<String, List<String>> errs = templateErrors(t, null);
        checkRejected(t.path("system_name").asText(null), t.path("path").asText(null));
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        long id = id();
        ObjectNode stored = J.objectNode();
        stored.put("id", id);
        stored.put("created_at", now());
        stored.put("updated_at", now());
        t.fields().forEachRemaining(e -> stored.set(e.getKey(), e.getValue()));
        templates.put(id, stored);
        return created(templateView(stored, true));
    }

    /**
     * porta TemplatesController#update with TemplateService::Update: the template's type decides the parameters
     * taken (ALLOWED_PARAMS; the others are dropped without an error); a page's section and layout as on create,
     * an empty layout_id or layout_name removes the layout; then the validations.
     */
    private Resp updateTemplate(Req r) {
        ObjectNode t = find(templates, r, "id");
        String type = t.get("type").asText();
        Long section = null;
        Optional<Long> layout = null;
        if (type.equals("page")) {
            section = templateSection(r);
            layout = templateLayout(r, true);
        }
        ObjectNode changed = t.deepCopy();
        assignTemplate(r, changed, TEMPLATE_PARAMS.get(type));
        if (section != null) {
            changed.put("section_id", section);
        }
        if (layout != null) {
            if (layout.isPresent()) {
                changed.put("layout_id", layout.get());
            } else {
                changed.putNull("layout_id");
            }
        }
        Map<String, List<String>> errs = templateErrors(changed, t.get("id").asLong());
        checkRejected(changed.path("system_name").asText(null), changed.path("path").asText(null));
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
        changed.fields().forEachRemaining(e -> t.set(e.getKey(), e.getValue()));
        touch(t);
        return ok(templateView(t, true));
    }

    /** Sets the permitted parameters the request has (porta's {@code permit} on the wrapped template params). */
    private static void assignTemplate(Req r, ObjectNode t, Set<String> allowed) {
        for (String f : allowed) {
            if (!r.has(f)) {
                continue;
            }
            String v = r.p(f);
            switch (f) {
                case "liquid_enabled" -> t.put(f, bool(v));
                case "section_id", "layout_id" -> {
                    try {
                        t.put(f, Long.parseLong(v));
                    } catch (NumberFormatException e) {
                        t.putNull(f);
                    }
                }
                default -> t.put(f, v);
            }
        }
    }

    /**
     * porta's validations of a template about to be saved ({@code self} its id on update):
     * <ul>
     *   <li>app/models/cms/page.rb: system_name from title.parameterize when blank (set_system_name), trailing
     *       slashes stripped from the path; title and path required, the path starts with '/' ("needs to start with
     *       a slash ( / )"), unique per tenant.</li>
     *   <li>app/models/cms/template.rb: system_name unique per type, matching {@code \A\w[\w\-/_]+\z} when given,
     *       at most 255 characters (type, path, title, content_type too); handler one of markdown and textile.</li>
     *   <li>app/models/cms/layout.rb, partial.rb: system_name required; a partial cannot take a builtin partial's
     *       name ("reserved for internal use").</li>
     * </ul>
     */
    private Map<String, List<String>> templateErrors(ObjectNode t, Long self) {
        String type = t.get("type").asText();
        Map<String, List<String>> errs = new LinkedHashMap<>();
        if (type.equals("page")) {
            String title = t.path("title").asText(null);
            if (t.path("system_name").asText("").isBlank() && title != null && !title.isBlank()) {
                t.put("system_name", titleParameterize(title));
            }
            String path = t.path("path").asText(null);
            if (path != null) {
                path = path.replaceAll("^(.*[^/])/*$", "$1").replaceAll("^/+", "/");
                t.put("path", path);
            }
            if (title == null || title.isBlank()) {
                errs.put("title", List.of("can't be blank"));
            }
            if (path == null || path.isBlank()) {
                errs.put("path", List.of("can't be blank"));
            } else if (!path.startsWith("/")) {
                errs.put("path", List.of("needs to start with a slash ( / )"));
            } else {
                String p = path;
                if (templates.values().stream().anyMatch(x -> x.get("type").asText().equals("page")
                        && !Objects.equals(self, x.get("id").asLong()) && p.equals(x.path("path").asText(null)))) {
                    errs.put("path", List.of("has already been taken"));
                }
            }
        }
        String sn = t.path("system_name").asText(null);
        if ((type.equals("layout") || type.equals("partial")) && (sn == null || sn.isBlank())) {
            errs.computeIfAbsent("system_name", k -> new ArrayList<>()).add("can't be blank");
        } else if (sn != null && !sn.isBlank()) {
            if (templates.values().stream().anyMatch(x -> x.get("type").asText().equals(type)
                    && !Objects.equals(self, x.get("id").asLong()) && sn.equals(x.path("system_name").asText(null)))) {
                errs.computeIfAbsent("system_name", k -> new ArrayList<>()).add("has already been taken");
            }
            if (!TEMPLATE_SYSTEM_NAME.matcher(sn).matches()) {
                errs.computeIfAbsent("system_name", k -> new ArrayList<>()).add("is invalid");
            }
            if (type.equals("partial") && BUILTIN_PARTIALS.contains(sn)) {
                errs.computeIfAbsent("system_name", k -> new ArrayList<>()).add("reserved for internal use");
            }
        }
        for (String f : List.of("system_name", "path", "title", "content_type")) {
            if (t.path(f).asText("").length() > 255) {
                errs.computeIfAbsent(f, k -> new ArrayList<>()).add("is too long (maximum is 255 characters)");
            }
        }
        if (!t.path("handler").isNull() && !t.path("handler").isMissingNode()
                && !HANDLERS.contains(t.get("handler").asText())) {
            errs.put("handler", List.of("is not included in the list"));
        }
        return errs;
    }

    /**
     * The developer portal's answer for a path, as porta's DeveloperPortal::CMS::NewContentController#show gives it
     * (lib/developer_portal/app/controllers/developer_portal/cms/new_content_controller.rb): a CMS file at that path
     * is sent with its attachment's content type; else the page at that path, when published (CMS::Page#hidden? is
     * {@code published.nil?}) and in a public section, is rendered with {@code content_type: page.mime_type}: Rails'
     * Mime::Type.lookup of the stored content type (a synonym such as application/javascript gives its registered
     * type, text/javascript), text/html when none, plus Rails' {@code ; charset=utf-8}. Anything else is 404.
     * The simulator does not evaluate Liquid: a page is its published text, inside its layout's published text at
     * {@code {% content %}}.
     */
    PortalResponse portal(String path) {
        String p = path.isEmpty() ? "/" : path;
        Optional<ObjectNode> file = files.values().stream().filter(f -> f.get("path").asText().equals(p)).findFirst();
        if (file.isPresent()) {
            Upload u = fileContents.get(file.get().get("id").asLong());
            return new PortalResponse(200, u.contentType(), u.content());
        }
        Optional<ObjectNode> page = templates.values().stream().filter(t -> t.get("type").asText().equals("page")
                && p.equals(t.path("path").asText(null))).findFirst();
        if (page.isEmpty() || page.get().get("published").isNull() || !publicSection(page.get().path("section_id")
                .asLong(-1))) {
            return new PortalResponse(404, "text/html; charset=utf-8",
                    "<h1>Not found</h1>".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        ObjectNode t = page.get();
        String body = t.get("published").asText();
        ObjectNode layout = t.get("layout_id").isNull() ? null : templates.get(t.get("layout_id").asLong());
        if (layout != null && !layout.get("published").isNull()) {
            body = layout.get("published").asText().replace("{% content %}", body);
        }
        return new PortalResponse(200, railsMime(t.path("content_type").asText("")) + "; charset=utf-8",
                body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** porta CMS::Section#accessible_by? for a visitor who is not signed in: public up to the root. */
    private boolean publicSection(long id) {
        for (ObjectNode s = sections.get(id); s != null; s = s.get("parent_id").isNull() ? null
                : sections.get(s.get("parent_id").asLong())) {
            if (!s.path("public").asBoolean(true)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Rails' Mime::Type.lookup (actionpack 6.0, the version porta 2.15 bundles; action_dispatch/http/mime_types.rb
     * registrations): a registered type or one of its synonyms gives the registered type; another string is used
     * as it is; blank gives text/html (CMS::Page#mime_type's default).
     */
    private static String railsMime(String contentType) {
        String c = contentType == null ? "" : contentType.trim();
        if (c.isEmpty()) {
            return DEFAULT_PAGE_CONTENT_TYPE;
        }
        return switch (c.toLowerCase(Locale.ROOT)) {
            case "application/xhtml+xml" -> "text/html";
            case "application/javascript", "application/x-javascript" -> "text/javascript";
            case "text/xml", "application/x-xml" -> "application/xml";
            case "text/x-json", "application/jsonrequest" -> "application/json";
            case "text/yaml" -> "application/x-yaml";
            case "application/x-gzip" -> "application/gzip";
            default -> c;
        };
    }

    /** Rails' String#parameterize: ASCII, every run of other characters than letters, digits, '-', '_' one '-'. */
    private static String titleParameterize(String s) {
        if (s == null) {
            return null;
        }
        String ascii = java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFD).replaceAll("\\p{M}", "");
        return ascii.replaceAll("(?i)[^a-z0-9\\-_]+", "-").replaceAll("-{2,}", "-").replaceAll("^-|-$", "")
                .toLowerCase(Locale.ROOT);
    }
}
