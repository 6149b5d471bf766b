package dev.maas.installer.portal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Compares the state a content folder asks for with what the CMS holds, by content (never by timestamps), and lists
 * the writes: create missing sections; create and publish missing layouts, partials and pages; update what differs
 * (content, and for pages/layouts their Liquid flag, content type, layout and section) and publish it; publish content
 * left as an unpublished draft; upload missing or changed files. Builtins are never created: a builtin the tenant does
 * not have is a problem. Equal state gives no action.
 */
public final class PortalDiff {

    private PortalDiff() {
    }

    /** The order templates are reconciled in: layouts and partials before the pages that use them. */
    public static final List<TemplateKind> TEMPLATE_ORDER = List.of(TemplateKind.LAYOUT, TemplateKind.PARTIAL,
            TemplateKind.BUILTIN_PARTIAL, TemplateKind.PAGE, TemplateKind.BUILTIN_PAGE);

    /**
     * The writes of the whole content, item by item in the order they must be made (sections, parents first, before
     * the templates and files in them; layouts before the pages that use them), and the problems of items left out.
     */
    public static PortalPlan diff(DesiredPortal desired, CmsState current) {
        Objects.requireNonNull(desired, "desired");
        Objects.requireNonNull(current, "current");
        List<PortalAction> actions = new ArrayList<>();
        List<PortalProblem> problems = new ArrayList<>(desired.problems());
        for (DesiredSection s : desired.sections()) {
            actions.addAll(section(s, current));
        }
        for (TemplateKind kind : TEMPLATE_ORDER) {
            for (DesiredTemplate t : desired.templates(kind)) {
                actions.addAll(template(t, desired, current, problems));
            }
        }
        for (DesiredFile f : desired.files()) {
            actions.addAll(file(f, current));
        }
        return new PortalPlan(actions, problems);
    }

    /** The writes of one section: its create when the CMS has none at its partial path (sections are never updated). */
    public static List<PortalAction> section(DesiredSection s, CmsState current) {
        return current.sectionByPath(s.partialPath()).isEmpty() ? List.of(new PortalAction.CreateSection(s))
                : List.of();
    }

    /** The writes of one file: its upload when missing, its replacement when its bytes differ. */
    public static List<PortalAction> file(DesiredFile f, CmsState current) {
        Optional<CmsFile> existing = current.fileByPath(f.path());
        if (existing.isEmpty()) {
            return List.of(new PortalAction.CreateFile(f));
        }
        return f.sha256().equals(existing.get().contentSha256()) ? List.of()
                : List.of(new PortalAction.UpdateFile(existing.get().id(), f));
    }

    /**
     * The writes of one layout, partial or page; a template that cannot be written (a builtin the tenant does not have,
     * a page whose layout is nowhere) gives no write and adds its problem to {@code problems}.
     */
    public static List<PortalAction> template(DesiredTemplate t, DesiredPortal desired, CmsState current,
            List<PortalProblem> problems) {
        List<PortalAction> actions = new ArrayList<>();
        diffTemplate(t, desired, current, actions, problems);
        return actions;
    }

    private static void diffTemplate(DesiredTemplate t, DesiredPortal desired, CmsState current,
            List<PortalAction> actions, List<PortalProblem> problems) {
        TemplateKind kind = t.kind();
        Optional<CmsTemplate> found = kind == TemplateKind.PAGE ? current.pageByPath(t.path())
                : current.template(kind, t.systemName());

        if (kind == TemplateKind.PAGE && t.layoutName() != null
                && desired.templates(TemplateKind.LAYOUT).stream().noneMatch(l -> l.systemName().equals(t.layoutName()))
                && current.template(TemplateKind.LAYOUT, t.layoutName()).isEmpty()) {
            problems.add(new PortalProblem(t.file(), "is an HTML page that uses the layout '" + t.layoutName()
                    + "', which is neither in the content folder nor in the CMS.",
                    "Add l_" + t.layoutName() + ".html.liquid to the content folder."));
            return;
        }

        if (found.isEmpty()) {
            if (kind.builtin()) {
                problems.add(new PortalProblem(t.file(), "is the builtin " + kind.cmsType().replace('_', ' ') + " '"
                        + t.systemName() + "', which this 3scale tenant does not have; builtins are created by 3scale "
                        + "itself and cannot be created through the API.",
                        "Turn on the 3scale feature that brings it (e.g. multiple applications for applications/new, "
                                + "service plans for services/*), or remove the file."));
                return;
            }
            actions.add(new PortalAction.CreateTemplate(t));
            actions.add(new PortalAction.PublishTemplate(null, t));
            return;
        }

        CmsTemplate existing = found.get();
        List<String> changes = new ArrayList<>();
        boolean contentChanged = !t.content().equals(existing.current());
        if (contentChanged) {
            changes.add("content");
        }
        if ((kind == TemplateKind.PAGE || kind == TemplateKind.LAYOUT)
                && !Objects.equals(existing.liquidEnabled(), t.liquidEnabled())) {
            changes.add("liquid_enabled");
        }
        if (kind == TemplateKind.PAGE) {
            if (!t.contentType().equals(existing.contentType())) {
                changes.add("content_type");
            }
            Long layoutId = t.layoutName() == null ? null
                    : current.template(TemplateKind.LAYOUT, t.layoutName()).map(CmsTemplate::id).orElse(-1L);
            if (!Objects.equals(layoutId, existing.layoutId())) {
                changes.add("layout");
            }
            Optional<CmsSection> section = "/".equals(t.sectionPath()) ? current.root()
                    : current.sectionByPath(t.sectionPath());
            if (section.isEmpty() || !Objects.equals(section.get().id(), existing.sectionId())) {
                changes.add("section");
            }
        }
        if (!changes.isEmpty()) {
            actions.add(new PortalAction.UpdateTemplate(existing.id(), t, changes));
        }
        if (contentChanged || !t.content().equals(existing.published())) {
            actions.add(new PortalAction.PublishTemplate(existing.id(), t));
        }
    }
}
