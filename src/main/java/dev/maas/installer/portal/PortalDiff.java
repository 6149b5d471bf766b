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

    public static PortalPlan diff(DesiredPortal desired, CmsState current) {
        Objects.requireNonNull(desired, "desired");
        Objects.requireNonNull(current, "current");
        List<PortalAction> actions = new ArrayList<>();
        List<PortalProblem> problems = new ArrayList<>(desired.problems());

        for (DesiredSection s : desired.sections()) {
            if (current.sectionByPath(s.partialPath()).isEmpty()) {
                actions.add(new PortalAction.CreateSection(s));
            }
        }

        List<TemplateKind> order = List.of(TemplateKind.LAYOUT, TemplateKind.PARTIAL, TemplateKind.BUILTIN_PARTIAL,
                TemplateKind.PAGE, TemplateKind.BUILTIN_PAGE);
        for (TemplateKind kind : order) {
            for (DesiredTemplate t : desired.templates(kind)) {
                diffTemplate(t, desired, current, actions, problems);
            }
        }

        for (DesiredFile f : desired.files()) {
            Optional<CmsFile> existing = current.fileByPath(f.path());
            if (existing.isEmpty()) {
                actions.add(new PortalAction.CreateFile(f));
            } else if (!f.sha256().equals(existing.get().contentSha256())) {
                actions.add(new PortalAction.UpdateFile(existing.get().id(), f));
            }
        }
        return new PortalPlan(actions, problems);
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
