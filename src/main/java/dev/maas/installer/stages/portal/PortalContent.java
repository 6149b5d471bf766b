package dev.maas.installer.stages.portal;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.reconcile.Managed;
import dev.maas.installer.engine.reconcile.Reconciler;
import dev.maas.installer.portal.CmsFile;
import dev.maas.installer.portal.CmsSection;
import dev.maas.installer.portal.CmsState;
import dev.maas.installer.portal.CmsTemplate;
import dev.maas.installer.portal.DesiredFile;
import dev.maas.installer.portal.DesiredPortal;
import dev.maas.installer.portal.DesiredSection;
import dev.maas.installer.portal.DesiredTemplate;
import dev.maas.installer.portal.PortalAction;
import dev.maas.installer.portal.PortalDiff;
import dev.maas.installer.portal.PortalProblem;
import dev.maas.installer.portal.TemplateKind;
import dev.maas.installer.threescale.ThreescaleApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The portal content as {@link Managed} objects, one per item of the content folder: a section, a layout, partial or
 * page (ordinary or builtin), a file. The {@link Reconciler} derives the stage's plan, apply and verify of each from
 * it. Every item reads the one {@link CmsState} the stage read for the run (no item reads the CMS itself); its diff is
 * {@link PortalDiff}'s writes for that item, shown as the fields that differ; its create and update are the
 * {@link ContentUpload} writes. The items come in the order they must be written: sections (parents first), layouts,
 * partials, builtin partials, pages, builtin pages, files, so a page finds the section and layout made before it.
 *
 * <p>An item that cannot be written (the folder's problems, a builtin the tenant does not have, a page whose layout is
 * nowhere) is no managed object: it is one of {@link #problems()}.
 */
final class PortalContent {
    private static final Logger LOG = LoggerFactory.getLogger(PortalContent.class);

    private final DesiredPortal desired;
    private final CmsState current;
    private final ContentUpload writes;
    private final List<Item<?, ?>> items = new ArrayList<>();
    private final List<PortalProblem> problems = new ArrayList<>();

    /**
     * The items of {@code desired} against {@code current}, the CMS as read once for this run; {@code writes} makes
     * their writes (null when the content is only planned, e.g. against a tenant not made yet).
     */
    PortalContent(DesiredPortal desired, CmsState current, ContentUpload writes) {
        this.desired = desired;
        this.current = current;
        this.writes = writes;
        problems.addAll(desired.problems());
        for (DesiredSection s : desired.sections()) {
            items.add(new Section(s));
        }
        for (TemplateKind kind : PortalDiff.TEMPLATE_ORDER) {
            for (DesiredTemplate t : desired.templates(kind)) {
                int before = problems.size();
                PortalDiff.template(t, desired, current, problems);
                if (problems.size() == before) {
                    items.add(new Template(t));
                }
            }
        }
        for (DesiredFile f : desired.files()) {
            items.add(new File(f));
        }
    }

    /** The managed items, in write order. */
    List<Item<?, ?>> items() { return List.copyOf(items); }

    /** The items left out, with what is wrong with each. */
    List<PortalProblem> problems() { return List.copyOf(problems); }

    /** The content's changes for plan: those of the items that need a write, or one NOOP when none does. */
    List<Change> plan(Reconciler reconciler, StageContext ctx) {
        List<Change> out = reconciler.plan(ctx, items).stream().filter(c -> c.action() != Action.NOOP).toList();
        return out.isEmpty() ? List.of(upToDate()) : out;
    }

    static Change upToDate() {
        return Change.noop(TargetSystem.THREESCALE, "cms content", "developer portal content");
    }

    /** What the upload did: the changes made, the items that failed, and how many items needed a write. */
    record Result(List<Change> changes, List<PortalProblem> failures, int total) { }

    /**
     * Applies the items that need a write, one by one ("Uploading n of m"). An item 3scale rejects (4xx other than
     * 401/403, e.g. 422 for a template that fails its validations), or one that needs an object a failed item should
     * have made, becomes a {@link PortalProblem} naming its file; the upload then goes on with the other items, or
     * stops ({@code stopOnFailure}). Connection and token failures are not about an item: they end the upload.
     */
    Result upload(Reconciler reconciler, StageContext ctx, Progress progress, boolean stopOnFailure) {
        List<Item<?, ?>> pending = new ArrayList<>();
        for (Item<?, ?> item : items) {
            if (reconciler.observe(ctx, item).action() != Action.NOOP) {
                pending.add(item);
            }
        }
        List<Change> changes = new ArrayList<>();
        List<PortalProblem> failures = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
            ctx.cancellation().throwIfCancelled();
            Item<?, ?> item = pending.get(i);
            progress.detail("Uploading " + (i + 1) + " of " + pending.size() + ": " + item.label());
            try {
                changes.add(reconciler.apply(ctx, item));
                LOG.info("Portal content {} of {}: {} done", i + 1, pending.size(), item.label());
            } catch (ThreescaleApiException e) {
                if (e.transientFailure() || e.status() == 401 || e.status() == 403 || e.status() < 400) {
                    throw e; // not about this item: the connection or the token
                }
                failures.add(new PortalProblem(item.label(), "was rejected by 3scale: " + e.getMessage(),
                        "Correct the file (3scale's message above says what it rejects) or remove it from the "
                                + "content folder, then run the portal stage again."));
                LOG.warn("Portal content {} of {}: {} was rejected by 3scale: {}", i + 1, pending.size(),
                        item.label(), e.getMessage());
            } catch (ContentUpload.Unresolved e) {
                failures.add(new PortalProblem(item.label(), e.getMessage(),
                        "Fix the item named before it, then run the portal stage again."));
                LOG.warn("Portal content {} of {}: {}: {}", i + 1, pending.size(), item.label(), e.getMessage());
            }
            if (stopOnFailure && !failures.isEmpty()) {
                LOG.warn("Portal content upload stopped at {} of {} (portal.onError: stop)", i + 1, pending.size());
                break;
            }
        }
        return new Result(changes, failures, pending.size());
    }

    private ContentUpload writes() {
        if (writes == null) {
            throw new IllegalStateException("the portal content is only planned here, not written");
        }
        return writes;
    }

    /** One content item; its diff's fields are those its writes set, read from PortalDiff's writes for it. */
    abstract class Item<D, A> implements Managed<D, A> {
        private final D item;

        Item(D item) { this.item = item; }

        /** The item as the user knows it: its file in the content folder, or its folder. */
        abstract String label();

        /** PortalDiff's writes for this item against the CMS as read. */
        abstract List<PortalAction> actions();

        @Override public TargetSystem system() { return TargetSystem.THREESCALE; }

        @Override public Optional<D> desired(StageContext ctx) { return Optional.of(item); }

        @Override public String step() { return label(); }

        @Override
        public Map<String, FieldChange> diff(D desired, Optional<A> actual) {
            return fields(actions());
        }

        @Override
        public String okMessage(D desired, A actual) { return kind() + " " + name() + " is as in " + label(); }

        @Override
        public String missingMessage() { return kind() + " " + name() + " (" + label() + ") is not in the CMS"; }

        @Override
        public String driftMessage(D desired, A actual, Map<String, FieldChange> diff) {
            return kind() + " " + name() + " is not as in " + label() + ": " + String.join(", ", diff.keySet());
        }
    }

    /** A section of the CMS: made when missing (sections are never updated). */
    final class Section extends Item<DesiredSection, CmsSection> {
        private final DesiredSection s;

        Section(DesiredSection s) {
            super(s);
            this.s = s;
        }

        @Override String label() { return "folder " + s.partialPath(); }

        @Override List<PortalAction> actions() { return PortalDiff.section(s, current); }

        @Override public String kind() { return "cms section"; }

        @Override public String name() { return s.partialPath(); }

        @Override public Optional<CmsSection> fetch(StageContext ctx) { return current.sectionByPath(s.partialPath()); }

        @Override
        public CmsSection create(StageContext ctx, DesiredSection d) {
            long id = writes().createSection(d);
            return new CmsSection(id, d.title(), d.systemName(), true, null, d.partialPath());
        }

        @Override
        public CmsSection update(StageContext ctx, DesiredSection d, CmsSection actual,
                                 Map<String, FieldChange> diff) {
            throw new IllegalStateException("section " + d.partialPath() + " is never updated");
        }
    }

    /** A layout, partial or page: made and published when missing; updated and published when it differs. */
    final class Template extends Item<DesiredTemplate, CmsTemplate> {
        private final DesiredTemplate t;

        Template(DesiredTemplate t) {
            super(t);
            this.t = t;
        }

        @Override String label() { return t.file(); }

        @Override
        List<PortalAction> actions() { return PortalDiff.template(t, desired, current, new ArrayList<>()); }

        @Override public String kind() { return "cms " + t.kind().cmsType().replace('_', ' '); }

        @Override public String name() { return t.key(); }

        @Override
        public Optional<CmsTemplate> fetch(StageContext ctx) {
            return t.kind() == TemplateKind.PAGE ? current.pageByPath(t.path()) : current.template(t.kind(),
                    t.systemName());
        }

        @Override
        public CmsTemplate create(StageContext ctx, DesiredTemplate d) {
            long id = writes().createTemplate(d);
            return new CmsTemplate(id, d.kind().cmsType(), d.systemName(), d.title(), d.path(), null, null,
                    d.contentType(), d.liquidEnabled(), null, d.content());
        }

        @Override
        public CmsTemplate update(StageContext ctx, DesiredTemplate d, CmsTemplate actual,
                                  Map<String, FieldChange> diff) {
            List<String> changes = diff.keySet().stream().filter(k -> !PUBLISHED.equals(k)).toList();
            writes().updateTemplate(actual.id(), d, changes, diff.containsKey(PUBLISHED));
            return actual;
        }
    }

    /** A file: uploaded when missing, replaced when its bytes differ. */
    final class File extends Item<DesiredFile, CmsFile> {
        private final DesiredFile f;

        File(DesiredFile f) {
            super(f);
            this.f = f;
        }

        @Override String label() { return f.file(); }

        @Override List<PortalAction> actions() { return PortalDiff.file(f, current); }

        @Override public String kind() { return "cms file"; }

        @Override public String name() { return f.path(); }

        @Override public Optional<CmsFile> fetch(StageContext ctx) { return current.fileByPath(f.path()); }

        @Override
        public CmsFile create(StageContext ctx, DesiredFile d) {
            long id = writes().createFile(d);
            return new CmsFile(id, null, d.path(), null, d.contentType(), false, d.sha256());
        }

        @Override
        public CmsFile update(StageContext ctx, DesiredFile d, CmsFile actual, Map<String, FieldChange> diff) {
            writes().updateFile(actual.id(), d);
            return actual;
        }
    }

    private static final String PUBLISHED = "published";

    /**
     * The fields one item's writes set, as plan and the run report show them: a new section's parent; a new
     * template's file and that it is published; an existing template's fields that differ (the content type with its
     * value, the others "as in" the file) and, when it is published again, that; a file's SHA-256.
     */
    static Map<String, FieldChange> fields(List<PortalAction> actions) {
        Map<String, FieldChange> fields = new LinkedHashMap<>();
        if (actions.isEmpty()) {
            return fields;
        }
        PortalAction first = actions.get(0);
        if (first instanceof PortalAction.CreateSection s) {
            fields.put("parent", FieldChange.of(null, s.section().parentPath()));
        } else if (first instanceof PortalAction.CreateTemplate c) {
            fields.put("file", FieldChange.of(null, c.template().file()));
            fields.put(PUBLISHED, FieldChange.of(null, "true"));
        } else if (first instanceof PortalAction.UpdateTemplate u) {
            for (String what : u.changes()) {
                fields.put(what, FieldChange.of("differs", what.equals("content_type")
                        ? u.template().contentType() : "as in " + u.template().file()));
            }
            if (actions.stream().anyMatch(a -> a instanceof PortalAction.PublishTemplate)) {
                fields.put(PUBLISHED, FieldChange.of(null, "true"));
            }
        } else if (first instanceof PortalAction.PublishTemplate p) {
            fields.put(PUBLISHED, FieldChange.of("draft", "as in " + p.template().file()));
        } else if (first instanceof PortalAction.CreateFile f) {
            fields.put("sha256", FieldChange.of(null, f.file().sha256()));
        } else if (first instanceof PortalAction.UpdateFile f) {
            fields.put("sha256", FieldChange.of("differs", f.file().sha256()));
        }
        return fields;
    }

    @Override
    public String toString() {
        return "PortalContent[" + items.stream().map(Item::label).collect(Collectors.joining(", ")) + "]";
    }
}
