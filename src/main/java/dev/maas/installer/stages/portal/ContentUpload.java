package dev.maas.installer.stages.portal;

import dev.maas.installer.portal.CmsSection;
import dev.maas.installer.portal.CmsState;
import dev.maas.installer.portal.CmsTemplate;
import dev.maas.installer.portal.DesiredFile;
import dev.maas.installer.portal.DesiredSection;
import dev.maas.installer.portal.DesiredTemplate;
import dev.maas.installer.portal.PortalTree;
import dev.maas.installer.portal.TemplateKind;
import dev.maas.installer.threescale.Cms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The CMS writes of the portal content's managed objects ({@link PortalContent}), as porta's CMS API takes them: a
 * section, a template (created as a draft and published, or updated with the fields that differ and published), a
 * file (multipart upload). Holds what one run knows of the CMS ids: the sections and layouts the CMS had when it was
 * read, plus those made by this run, so a page can name the section and layout an earlier item of the same run made.
 * A write that needs an object an earlier, failed item should have made throws {@link Unresolved}.
 */
final class ContentUpload {
    private static final Logger LOG = LoggerFactory.getLogger(ContentUpload.class);

    /** A write refers to an object that an earlier, failed item should have made. */
    static final class Unresolved extends RuntimeException {
        Unresolved(String message) {
            super(message);
        }
    }

    private final Cms cms;
    private final Map<String, Long> sectionIds = new HashMap<>();
    private final Map<String, Long> layoutIds = new HashMap<>();
    /** The system names pages have: porta keeps them unique per type (app/models/cms/template.rb). */
    private final Set<String> pageSystemNames = new HashSet<>();

    /** {@code current}: the CMS as read at the start of the run. */
    ContentUpload(Cms cms, CmsState current) {
        this.cms = cms;
        for (CmsSection s : current.sections()) {
            sectionIds.put(s.partialPath(), s.id());
        }
        current.root().ifPresent(r -> sectionIds.put("/", r.id()));
        for (CmsTemplate t : current.templates()) {
            if (t.kind() == TemplateKind.LAYOUT) {
                layoutIds.put(t.systemName(), t.id());
            }
            if (t.kind() == TemplateKind.PAGE && t.systemName() != null) {
                pageSystemNames.add(t.systemName());
            }
        }
    }

    /** POST sections.json, under its parent (made before it: sections come parents first). Returns its id. */
    long createSection(DesiredSection s) {
        Long parent = section(s.parentPath());
        long id = cms.createSection(s.title(), s.systemName(), parent, s.partialPath(), Boolean.TRUE).id();
        sectionIds.put(s.partialPath(), id);
        return id;
    }

    /** POST templates.json with the content as draft, then publishes it. Returns its id. */
    long createTemplate(DesiredTemplate t) {
        long id = cms.createTemplate(t.kind().cmsType(), createFields(t)).id();
        if (t.kind() == TemplateKind.LAYOUT) {
            layoutIds.put(t.systemName(), id);
        }
        cms.publish(id);
        return id;
    }

    /**
     * PUT templates/{id}.json with the fields named in {@code changes} that the template's type accepts; then
     * publishes it when {@code publish}.
     */
    void updateTemplate(long id, DesiredTemplate t, Collection<String> changes, boolean publish) {
        Map<String, String> fields = updateFields(t, changes);
        if (!fields.isEmpty()) {
            cms.updateTemplate(id, fields);
        }
        if (publish) {
            cms.publish(id);
        }
    }

    /** POST files.json (multipart attachment) in the file's section. Returns its id. */
    long createFile(DesiredFile f) {
        return cms.createFile(f.path(), section(f.sectionPath()), null, fileName(f), f.bytes(), f.contentType()).id();
    }

    /** PUT files/{id}.json with the new attachment. */
    void updateFile(long id, DesiredFile f) {
        cms.updateFile(id, null, null, null, fileName(f), f.bytes(), f.contentType());
    }

    /** Parameters of POST templates.json per type (porta's templates controller, the 2.15 CMS API spec). */
    private Map<String, String> createFields(DesiredTemplate t) {
        Map<String, String> m = new LinkedHashMap<>();
        switch (t.kind()) {
            case LAYOUT -> {
                m.put("system_name", t.systemName());
                m.put("title", t.title());
                m.put("liquid_enabled", Boolean.toString(t.liquidEnabled()));
            }
            case PARTIAL -> m.put("system_name", t.systemName());
            case PAGE -> {
                m.put("title", t.title());
                m.put("path", t.path());
                m.put("system_name", pageSystemName(t));
                // porta defaults a page to text/html (app/models/cms/page.rb): CSS and JS pages need theirs
                m.put("content_type", t.contentType());
                m.put("section_id", Long.toString(section(t.sectionPath())));
                if (t.layoutName() != null) {
                    m.put("layout_id", Long.toString(layout(t.layoutName())));
                }
                m.put("liquid_enabled", Boolean.toString(t.liquidEnabled()));
            }
            default -> throw new IllegalStateException("builtin " + t.key() + " cannot be created");
        }
        m.put("draft", t.content());
        return m;
    }

    /** Only what changed, and only parameters the template's type accepts (builtins: the draft only). */
    private Map<String, String> updateFields(DesiredTemplate t, Collection<String> changes) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String what : changes) {
            switch (what) {
                case "content" -> m.put("draft", t.content());
                case "liquid_enabled" -> {
                    if (t.kind() == TemplateKind.PAGE || t.kind() == TemplateKind.LAYOUT) {
                        m.put("liquid_enabled", Boolean.toString(t.liquidEnabled()));
                    }
                }
                case "layout" -> {
                    if (t.kind() == TemplateKind.PAGE && t.layoutName() != null) {
                        m.put("layout_id", Long.toString(layout(t.layoutName())));
                    }
                }
                case "section" -> {
                    if (t.kind() == TemplateKind.PAGE) {
                        m.put("section_id", Long.toString(section(t.sectionPath())));
                    }
                }
                case "content_type" -> {
                    if (t.kind() == TemplateKind.PAGE) {
                        m.put("content_type", t.contentType());
                    }
                }
                default -> LOG.debug("{}: no API field for change '{}'", t.file(), what);
            }
        }
        return m;
    }

    /**
     * The system name of a new page: porta's own choice, {@code title.parameterize} (app/models/cms/page.rb
     * set_system_name), unless another page has it already (porta would refuse the page: system names are unique
     * per type), then with the first free suffix -2, -3, ...
     */
    private String pageSystemName(DesiredTemplate t) {
        String base = PortalTree.parameterize(t.title());
        if (base.length() < 2) {
            base = "page-" + base; // porta's format needs two characters at least (app/models/cms/template.rb)
        }
        String name = base;
        for (int i = 2; pageSystemNames.contains(name); i++) {
            name = base + "-" + i;
        }
        pageSystemNames.add(name);
        return name;
    }

    private long section(String partialPath) {
        Long id = sectionIds.get(partialPath);
        if (id == null) {
            throw new Unresolved("needs the section " + partialPath + ", which was not created");
        }
        return id;
    }

    private long layout(String name) {
        Long id = layoutIds.get(name);
        if (id == null) {
            throw new Unresolved("needs the layout '" + name + "', which was not created");
        }
        return id;
    }

    private static String fileName(DesiredFile f) {
        String p = f.path();
        return p.substring(p.lastIndexOf('/') + 1);
    }
}
