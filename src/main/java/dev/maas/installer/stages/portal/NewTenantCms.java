package dev.maas.installer.stages.portal;

import dev.maas.installer.portal.BuiltinTemplates;
import dev.maas.installer.portal.CmsSection;
import dev.maas.installer.portal.CmsState;
import dev.maas.installer.portal.CmsTemplate;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The developer portal CMS of a tenant 3scale has just made, for planning the portal stage before 3scale is applied:
 * the root section, the main and error layouts, the homepage and documentation pages, the analytics partial, and
 * every builtin page and partial. What they contain is not known here (it is 3scale's own content), so a plan against
 * this state shows an update for each of them our content replaces.
 *
 * <p>porta {@code app/lib/simple_layout.rb}: {@code import_pages!} (main layout, pages {@code /} and {@code /docs} in
 * the root section, partial {@code analytics}), {@code setup_error_layout!} (layout {@code error}) and
 * {@code create_builtin_pages_and_partials!} (the builtins of {@code app/models/cms/builtin.rb}, as in
 * {@link BuiltinTemplates}).
 */
final class NewTenantCms {
    private NewTenantCms() { }

    static CmsState state() {
        long root = 1;
        List<CmsSection> sections = List.of(new CmsSection(root, "Root", "root", true, null, "/"));
        List<CmsTemplate> templates = new ArrayList<>();
        long id = 10;
        long main = id;
        templates.add(new CmsTemplate(id++, "layout", "main_layout", "Main layout", null, null, null, null, true,
                null, ""));
        templates.add(new CmsTemplate(id++, "layout", "error", "Error layout", null, null, null, null, true, null,
                ""));
        templates.add(new CmsTemplate(id++, "page", "homepage", "Homepage", "/", root, main, "text/html", true, null,
                ""));
        templates.add(new CmsTemplate(id++, "page", "documentation", "Documentation", "/docs", root, main,
                "text/html", true, null, ""));
        templates.add(new CmsTemplate(id++, "partial", "analytics", null, null, null, null, null, true, null, ""));
        for (String page : new TreeSet<>(BuiltinTemplates.PAGES)) {
            templates.add(new CmsTemplate(id++, "builtin_page", page, page, null, null, null, null, false, null,
                    ""));
        }
        for (String partial : new TreeSet<>(BuiltinTemplates.PARTIALS)) {
            templates.add(new CmsTemplate(id++, "builtin_partial", partial, null, null, null, null, null, false,
                    null, ""));
        }
        return new CmsState(sections, templates, List.of());
    }
}
