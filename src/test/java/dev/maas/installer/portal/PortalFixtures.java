package dev.maas.installer.portal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Test helpers: a tree shaped like the runbook portal, and CMS states built from a desired portal. */
final class PortalFixtures {

    private PortalFixtures() {
    }

    /** The runbook portal's file names (from portal-tree.txt). */
    static List<String> runbookNames() {
        try (InputStream in = PortalFixtures.class.getResourceAsStream("/portal/runbook-portal-tree.txt")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes every runbook name under {@code root} with dummy content that differs per file. */
    static Path writeRunbookTree(Path root) throws IOException {
        for (String name : runbookNames()) {
            Path p = root.resolve(name);
            Files.createDirectories(p.getParent());
            if (name.endsWith(".jpg") || name.endsWith(".png") || name.endsWith(".ico")) {
                byte[] bytes = new byte[64];
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = (byte) (i * 31 + name.length());
                }
                bytes[0] = (byte) 0x89; // not valid UTF-8 on purpose: files are bytes
                Files.write(p, bytes);
            } else {
                Files.writeString(p, "<!-- dummy " + name + " -->\n{{ 'é' }}\n", StandardCharsets.UTF_8);
            }
        }
        return root;
    }

    /**
     * The CMS as it would be once {@code desired} is uploaded and published: a root section, every desired section,
     * template (published, no draft) and file, plus {@code extraBuiltins} builtins the tenant has but the folder does
     * not touch.
     */
    static CmsState publishedFrom(DesiredPortal desired) {
        long[] id = {100};
        List<CmsSection> sections = new ArrayList<>();
        Map<String, Long> sectionIds = new HashMap<>();
        sections.add(new CmsSection(1, "Root", "root", true, null, "/"));
        sectionIds.put("/", 1L);
        for (DesiredSection s : desired.sections()) {
            long sid = ++id[0];
            sections.add(new CmsSection(sid, s.title(), s.systemName(), true, sectionIds.get(s.parentPath()),
                    s.partialPath()));
            sectionIds.put(s.partialPath(), sid);
        }
        List<CmsTemplate> templates = new ArrayList<>();
        Map<String, Long> layoutIds = new HashMap<>();
        for (DesiredTemplate t : desired.templates(TemplateKind.LAYOUT)) {
            long tid = ++id[0];
            layoutIds.put(t.systemName(), tid);
            templates.add(new CmsTemplate(tid, "layout", t.systemName(), t.title(), null, null, null, null,
                    t.liquidEnabled(), null, t.content()));
        }
        for (DesiredTemplate t : desired.templates()) {
            switch (t.kind()) {
                case LAYOUT -> { }
                case PAGE -> templates.add(new CmsTemplate(++id[0], "page", null, t.title(), t.path(),
                        sectionIds.get(t.sectionPath()), t.layoutName() == null ? null : layoutIds.get(t.layoutName()),
                        t.contentType(), t.liquidEnabled(), null, t.content()));
                case BUILTIN_PAGE -> templates.add(new CmsTemplate(++id[0], "builtin_page", t.systemName(),
                        t.title(), null, 1L, layoutIds.get("main_layout"), "text/html", true, null, t.content()));
                case PARTIAL, BUILTIN_PARTIAL -> templates.add(new CmsTemplate(++id[0], t.kind().cmsType(),
                        t.systemName(), null, null, null, null, null, null, null, t.content()));
            }
        }
        List<CmsFile> files = new ArrayList<>();
        for (DesiredFile f : desired.files()) {
            files.add(new CmsFile(++id[0], sectionIds.get(f.sectionPath()), f.path(),
                    f.path().substring(f.path().lastIndexOf('/') + 1), f.contentType(), false, f.sha256()));
        }
        return new CmsState(sections, templates, files);
    }

    /**
     * A fresh tenant: root section and every builtin page and partial 3scale seeds, with 3scale's own content, and
     * nothing else.
     */
    static CmsState freshTenant() {
        long id = 10;
        List<CmsTemplate> templates = new ArrayList<>();
        templates.add(new CmsTemplate(++id, "layout", "main_layout", "Main layout", null, null, null, null, true,
                null, "3scale main layout"));
        for (String name : BuiltinTemplates.PAGES.stream().sorted().toList()) {
            templates.add(new CmsTemplate(++id, "builtin_page", name, name, null, 1L, 11L, "text/html", true, null,
                    "3scale original " + name));
        }
        for (String name : BuiltinTemplates.PARTIALS.stream().sorted().toList()) {
            templates.add(new CmsTemplate(++id, "builtin_partial", name, null, null, null, null, null, null, null,
                    "3scale original " + name));
        }
        return new CmsState(List.of(new CmsSection(1, "Root", "root", true, null, "/")), templates, List.of());
    }
}
