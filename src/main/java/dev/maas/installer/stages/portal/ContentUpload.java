package dev.maas.installer.stages.portal;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.portal.CmsSection;
import dev.maas.installer.portal.CmsState;
import dev.maas.installer.portal.CmsTemplate;
import dev.maas.installer.portal.DesiredFile;
import dev.maas.installer.portal.DesiredSection;
import dev.maas.installer.portal.DesiredTemplate;
import dev.maas.installer.portal.PortalAction;
import dev.maas.installer.portal.PortalPlan;
import dev.maas.installer.portal.PortalProblem;
import dev.maas.installer.portal.PortalTree;
import dev.maas.installer.portal.TemplateKind;
import dev.maas.installer.threescale.Cms;
import dev.maas.installer.threescale.ThreescaleApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Carries out a {@link PortalPlan} item by item: an item is a section, or one file of the content folder with its
 * writes (create or update, then publish). Progress says "n of m" per item. An item 3scale rejects (4xx other than
 * 401/403, e.g. 422 for a template that fails its validations) becomes a {@link PortalProblem} naming the file; the
 * upload then goes on with the other items, or stops ({@code stopOnFailure}).
 */
final class ContentUpload {
    private static final Logger LOG = LoggerFactory.getLogger(ContentUpload.class);

    /** One content item and the writes it needs. */
    record Item(String label, List<PortalAction> actions) {
        /** The planned change of this item, for plan() and the run report. */
        Change change() {
            PortalAction first = actions.get(0);
            Map<String, FieldChange> fields = new LinkedHashMap<>();
            if (first instanceof PortalAction.CreateSection s) {
                fields.put("parent", FieldChange.of(null, s.section().parentPath()));
                return new Change(Action.CREATE, TargetSystem.THREESCALE, "cms section", s.section().partialPath(),
                        fields);
            }
            if (first instanceof PortalAction.CreateTemplate c) {
                fields.put("file", FieldChange.of(null, c.template().file()));
                fields.put("published", FieldChange.of(null, "true"));
                return new Change(Action.CREATE, TargetSystem.THREESCALE, kind(c.template()), c.template().key(),
                        fields);
            }
            if (first instanceof PortalAction.UpdateTemplate u) {
                for (String what : u.changes()) {
                    fields.put(what, FieldChange.of("differs", what.equals("content_type")
                            ? u.template().contentType() : "as in " + u.template().file()));
                }
                if (actions.stream().anyMatch(a -> a instanceof PortalAction.PublishTemplate)) {
                    fields.put("published", FieldChange.of(null, "true"));
                }
                return new Change(Action.UPDATE, TargetSystem.THREESCALE, kind(u.template()), u.template().key(),
                        fields);
            }
            if (first instanceof PortalAction.PublishTemplate p) {
                fields.put("published", FieldChange.of("draft", "as in " + p.template().file()));
                return new Change(Action.UPDATE, TargetSystem.THREESCALE, kind(p.template()), p.template().key(),
                        fields);
            }
            if (first instanceof PortalAction.CreateFile f) {
                fields.put("sha256", FieldChange.of(null, f.file().sha256()));
                return new Change(Action.CREATE, TargetSystem.THREESCALE, "cms file", f.file().path(), fields);
            }
            PortalAction.UpdateFile f = (PortalAction.UpdateFile) first;
            fields.put("sha256", FieldChange.of("differs", f.file().sha256()));
            return new Change(Action.UPDATE, TargetSystem.THREESCALE, "cms file", f.file().path(), fields);
        }

        private static String kind(DesiredTemplate t) {
            return "cms " + t.kind().cmsType().replace('_', ' ');
        }
    }

    /** What the upload did: the changes made, the items that failed, and how many items there were. */
    record Result(List<Change> changes, List<PortalProblem> failures, int total) { }

    /** The plan's actions grouped into items, in plan order. */
    static List<Item> items(PortalPlan plan) {
        Map<String, List<PortalAction>> byItem = new LinkedHashMap<>();
        for (PortalAction a : plan.actions()) {
            byItem.computeIfAbsent(label(a), k -> new ArrayList<>()).add(a);
        }
        List<Item> out = new ArrayList<>();
        byItem.forEach((label, actions) -> out.add(new Item(label, List.copyOf(actions))));
        return out;
    }

    private static String label(PortalAction a) {
        if (a instanceof PortalAction.CreateSection s) {
            return "folder " + s.section().partialPath();
        }
        if (a instanceof PortalAction.CreateTemplate c) {
            return c.template().file();
        }
        if (a instanceof PortalAction.UpdateTemplate u) {
            return u.template().file();
        }
        if (a instanceof PortalAction.PublishTemplate p) {
            return p.template().file();
        }
        if (a instanceof PortalAction.CreateFile f) {
            return f.file().file();
        }
        return ((PortalAction.UpdateFile) a).file().file();
    }

    /** A write refers to an object that an earlier, failed item should have made. */
    private static final class Unresolved extends RuntimeException {
        Unresolved(String message) {
            super(message);
        }
    }

    private final Cms cms;
    private final Cancellation cancellation;
    private final boolean stopOnFailure;
    private final Map<String, Long> sectionIds = new HashMap<>();
    private final Map<String, Long> layoutIds = new HashMap<>();
    private final Map<String, Long> createdTemplates = new HashMap<>();
    /** The system names pages have: porta keeps them unique per type (app/models/cms/template.rb). */
    private final java.util.Set<String> pageSystemNames = new java.util.HashSet<>();

    ContentUpload(Cms cms, Cancellation cancellation, boolean stopOnFailure) {
        this.cms = cms;
        this.cancellation = cancellation;
        this.stopOnFailure = stopOnFailure;
    }

    /** Uploads the plan's items; {@code current} is the CMS state the plan was made from. */
    Result run(PortalPlan plan, CmsState current, Progress progress) {
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
        List<Item> items = items(plan);
        List<Change> changes = new ArrayList<>();
        List<PortalProblem> failures = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            cancellation.throwIfCancelled();
            Item item = items.get(i);
            progress.detail("Uploading " + (i + 1) + " of " + items.size() + ": " + item.label());
            try {
                for (PortalAction a : item.actions()) {
                    execute(a);
                }
                changes.add(item.change());
                LOG.info("Portal content {} of {}: {} done", i + 1, items.size(), item.label());
            } catch (ThreescaleApiException e) {
                if (e.transientFailure() || e.status() == 401 || e.status() == 403 || e.status() < 400) {
                    throw e; // not about this item: the connection or the token
                }
                failures.add(new PortalProblem(item.label(), "was rejected by 3scale: " + e.getMessage(),
                        "Correct the file (3scale's message above says what it rejects) or remove it from the "
                                + "content folder, then run the portal stage again."));
                LOG.warn("Portal content {} of {}: {} was rejected by 3scale: {}", i + 1, items.size(), item.label(),
                        e.getMessage());
            } catch (Unresolved e) {
                failures.add(new PortalProblem(item.label(), e.getMessage(),
                        "Fix the item named before it, then run the portal stage again."));
                LOG.warn("Portal content {} of {}: {}: {}", i + 1, items.size(), item.label(), e.getMessage());
            }
            if (stopOnFailure && !failures.isEmpty()) {
                LOG.warn("Portal content upload stopped at {} of {} (portal.onError: stop)", i + 1, items.size());
                break;
            }
        }
        return new Result(changes, failures, items.size());
    }

    private void execute(PortalAction action) {
        if (action instanceof PortalAction.CreateSection c) {
            DesiredSection s = c.section();
            Long parent = section(s.parentPath());
            dev.maas.installer.threescale.model.CmsSection made = cms.createSection(s.title(), s.systemName(), parent,
                    s.partialPath(), Boolean.TRUE);
            sectionIds.put(s.partialPath(), made.id());
        } else if (action instanceof PortalAction.CreateTemplate c) {
            DesiredTemplate t = c.template();
            dev.maas.installer.threescale.model.CmsTemplate made = cms.createTemplate(t.kind().cmsType(),
                    createFields(t));
            createdTemplates.put(key(t), made.id());
            if (t.kind() == TemplateKind.LAYOUT) {
                layoutIds.put(t.systemName(), made.id());
            }
        } else if (action instanceof PortalAction.UpdateTemplate u) {
            Map<String, String> fields = updateFields(u);
            if (!fields.isEmpty()) {
                cms.updateTemplate(u.id(), fields);
            }
        } else if (action instanceof PortalAction.PublishTemplate p) {
            Long id = p.id() != null ? p.id() : createdTemplates.get(key(p.template()));
            if (id == null) {
                throw new Unresolved("was not created, so it cannot be published");
            }
            cms.publish(id);
        } else if (action instanceof PortalAction.CreateFile c) {
            DesiredFile f = c.file();
            cms.createFile(f.path(), section(f.sectionPath()), null, fileName(f), f.bytes(), f.contentType());
        } else if (action instanceof PortalAction.UpdateFile u) {
            DesiredFile f = u.file();
            cms.updateFile(u.id(), null, null, null, fileName(f), f.bytes(), f.contentType());
        }
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
    private Map<String, String> updateFields(PortalAction.UpdateTemplate u) {
        DesiredTemplate t = u.template();
        Map<String, String> m = new LinkedHashMap<>();
        for (String what : u.changes()) {
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

    private static String key(DesiredTemplate t) {
        return t.kind().cmsType() + ":" + t.key();
    }

    private static String fileName(DesiredFile f) {
        String p = f.path();
        return p.substring(p.lastIndexOf('/') + 1);
    }

    /** For tests. */
    Optional<Long> sectionId(String partialPath) {
        return Optional.ofNullable(sectionIds.get(partialPath));
    }
}
