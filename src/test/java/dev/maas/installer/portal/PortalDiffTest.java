package dev.maas.installer.portal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PortalDiffTest {

    @TempDir
    Path tmp;

    private DesiredPortal runbook() throws IOException {
        return PortalTree.read(PortalFixtures.writeRunbookTree(tmp));
    }

    @Test
    void equalStateGivesNoAction() throws IOException {
        DesiredPortal d = runbook();
        PortalPlan plan = PortalDiff.diff(d, PortalFixtures.publishedFrom(d));
        assertThat(plan.actions()).isEmpty();
        assertThat(plan.problems()).isEmpty();
        assertThat(plan.upToDate()).isTrue();
        assertThat(plan.dryRun()).isEqualTo("Portal content: up to date, nothing to change.");
    }

    @Test
    void ourOwnPortalAgainstItselfGivesNoAction() {
        DesiredPortal d = PortalTree.read(Path.of("installer-assets/portal"));
        assertThat(PortalDiff.diff(d, PortalFixtures.publishedFrom(d)).actions()).isEmpty();
    }

    @Test
    void oneChangedByteInATemplateGivesOneUpdateAndOnePublish() throws IOException {
        DesiredPortal before = runbook();
        CmsState cms = PortalFixtures.publishedFrom(before);
        Path css = tmp.resolve("css/default.css");
        byte[] bytes = Files.readAllBytes(css);
        bytes[5] = (byte) (bytes[5] + 1);
        Files.write(css, bytes);
        Files.setLastModifiedTime(tmp.resolve("css/bootstrap.css"),
                java.nio.file.attribute.FileTime.fromMillis(0)); // timestamps never matter

        PortalPlan plan = PortalDiff.diff(PortalTree.read(tmp), cms);
        assertThat(plan.actions()).hasSize(2);
        PortalAction.UpdateTemplate update = (PortalAction.UpdateTemplate) plan.actions().get(0);
        long id = cms.pageByPath("/css/default.css").orElseThrow().id();
        assertThat(update.id()).isEqualTo(id);
        assertThat(update.changes()).containsExactly("content");
        assertThat(update.template().content()).isEqualTo(Files.readString(css));
        PortalAction.PublishTemplate publish = (PortalAction.PublishTemplate) plan.actions().get(1);
        assertThat(publish.id()).isEqualTo(id);
        assertThat(plan.dryRun()).contains("2 writes would be made")
                .contains("~ update page /css/default.css (content) from css/default.css")
                .contains("^ publish page /css/default.css");
    }

    @Test
    void oneChangedByteInAFileGivesOneUpload() throws IOException {
        DesiredPortal before = runbook();
        CmsState cms = PortalFixtures.publishedFrom(before);
        Path img = tmp.resolve("images/desk.jpg");
        byte[] bytes = Files.readAllBytes(img);
        bytes[bytes.length - 1] ^= 1;
        Files.write(img, bytes);
        PortalPlan plan = PortalDiff.diff(PortalTree.read(tmp), cms);
        assertThat(plan.actions()).singleElement().isInstanceOfSatisfying(PortalAction.UpdateFile.class, u -> {
            assertThat(u.id()).isEqualTo(cms.fileByPath("/images/desk.jpg").orElseThrow().id());
            assertThat(u.file().bytes()).isEqualTo(bytes);
        });
    }

    @Test
    void freshTenantGetsEverythingCreatedAndBuiltinsOnlyUpdated() throws IOException {
        DesiredPortal d = runbook();
        CmsState fresh = PortalFixtures.freshTenant();
        PortalPlan plan = PortalDiff.diff(d, fresh);
        assertThat(plan.problems()).isEmpty();

        assertThat(plan.actions(PortalAction.CreateSection.class)).extracting(a -> a.section().partialPath())
                .containsExactly("/css", "/images", "/javascripts");
        List<PortalAction.CreateTemplate> creates = plan.actions(PortalAction.CreateTemplate.class);
        assertThat(creates).noneMatch(c -> c.template().kind().builtin());
        assertThat(creates).extracting(c -> c.template().key()).contains("error", "analytics", "/", "/css/default.css")
                .doesNotContain("main_layout");
        assertThat(plan.actions(PortalAction.UpdateTemplate.class)).extracting(u -> u.template().key())
                .contains("main_layout", "login/new", "applications/show", "login/sso", "field");
        assertThat(plan.actions(PortalAction.UpdateTemplate.class)).allMatch(u -> u.changes().equals(List.of("content")));
        int templates = d.templates().size();
        assertThat(plan.actions(PortalAction.PublishTemplate.class)).hasSize(templates);
        assertThat(plan.actions(PortalAction.CreateFile.class)).hasSize(d.files().size());

        // order: sections, then layouts before the pages that use them, files last
        List<PortalAction> a = plan.actions();
        int lastSection = lastIndex(a, PortalAction.CreateSection.class);
        int firstTemplate = firstIndex(a, PortalAction.CreateTemplate.class);
        assertThat(lastSection).isLessThan(firstTemplate);
        assertThat(((PortalAction.CreateTemplate) a.get(firstTemplate)).template().kind())
                .isEqualTo(TemplateKind.LAYOUT);
        assertThat(firstIndex(a, PortalAction.CreateFile.class)).isGreaterThan(lastIndex(a,
                PortalAction.PublishTemplate.class));
        // a created template is published by reference (no id yet)
        assertThat(a.get(firstTemplate + 1)).isEqualTo(new PortalAction.PublishTemplate(null,
                ((PortalAction.CreateTemplate) a.get(firstTemplate)).template()));

        assertThat(plan.dryRun()).contains("+ create section /css").contains("+ create page / from index.html.liquid")
                .contains("~ update builtin_page login/new (content) from login/new.html.liquid")
                .contains("+ upload file /images/desk.jpg from images/desk.jpg (64 bytes)");
    }

    @Test
    void aBuiltinTheTenantDoesNotHaveIsAProblemNamingTheFileNotACreate() throws IOException {
        DesiredPortal d = runbook();
        CmsState full = PortalFixtures.publishedFrom(d);
        List<CmsTemplate> without = new ArrayList<>(full.templates());
        without.removeIf(t -> "applications/choose_service".equals(t.systemName()));
        PortalPlan plan = PortalDiff.diff(d, new CmsState(full.sections(), without, full.files()));
        assertThat(plan.actions()).isEmpty();
        assertThat(plan.problems()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("applications/choose_service.html.liquid");
            assertThat(p.message()).contains("builtin page 'applications/choose_service'")
                    .contains("cannot be created");
        });
        assertThat(plan.dryRun()).contains("! applications/choose_service.html.liquid: ");
    }

    @Test
    void problemsFromTheFolderAreCarriedIntoThePlanAndTheRestIsPlanned() throws IOException {
        DesiredPortal before = runbook();
        CmsState cms = PortalFixtures.publishedFrom(before);
        Files.writeString(tmp.resolve("login/other.html.liquid"), "x");
        Files.writeString(tmp.resolve("models.html.liquid"), "models");
        PortalPlan plan = PortalDiff.diff(PortalTree.read(tmp), cms);
        assertThat(plan.problems()).extracting(PortalProblem::file).containsExactly("login/other.html.liquid");
        assertThat(plan.actions()).extracting(PortalAction::describe).containsExactly(
                "+ create page /models from models.html.liquid", "^ publish page /models");
    }

    @Test
    void anUnpublishedDraftEqualToTheFolderIsOnlyPublished() throws IOException {
        DesiredPortal d = runbook();
        CmsState full = PortalFixtures.publishedFrom(d);
        List<CmsTemplate> ts = new ArrayList<>();
        for (CmsTemplate t : full.templates()) {
            if ("/docs".equals(t.path())) {
                t = new CmsTemplate(t.id(), t.type(), t.systemName(), t.title(), t.path(), t.sectionId(),
                        t.layoutId(), t.contentType(), t.liquidEnabled(), t.published(), "older published");
            }
            ts.add(t);
        }
        PortalPlan plan = PortalDiff.diff(d, new CmsState(full.sections(), ts, full.files()));
        assertThat(plan.actions()).extracting(PortalAction::describe).containsExactly("^ publish page /docs");
    }

    @Test
    void aDraftSomeoneLeftIsOverwrittenAndPublished() throws IOException {
        DesiredPortal d = runbook();
        CmsState full = PortalFixtures.publishedFrom(d);
        List<CmsTemplate> ts = new ArrayList<>();
        for (CmsTemplate t : full.templates()) {
            if ("main_layout".equals(t.systemName())) {
                t = new CmsTemplate(t.id(), t.type(), t.systemName(), t.title(), t.path(), t.sectionId(),
                        t.layoutId(), t.contentType(), t.liquidEnabled(), "hand edit", t.published());
            }
            ts.add(t);
        }
        PortalPlan plan = PortalDiff.diff(d, new CmsState(full.sections(), ts, full.files()));
        assertThat(plan.actions()).extracting(PortalAction::describe).containsExactly(
                "~ update layout main_layout (content) from l_main_layout.html.liquid", "^ publish layout main_layout");
    }

    @Test
    void pageSettingsAreUpdatedWithoutRepublishingSameContent() throws IOException {
        DesiredPortal d = runbook();
        CmsState full = PortalFixtures.publishedFrom(d);
        long otherSection = full.sectionByPath("/images").orElseThrow().id();
        List<CmsTemplate> ts = new ArrayList<>();
        for (CmsTemplate t : full.templates()) {
            if ("/css/default.css".equals(t.path())) {
                t = new CmsTemplate(t.id(), t.type(), t.systemName(), t.title(), t.path(), otherSection, 5L,
                        "text/plain", true, null, t.published());
            }
            ts.add(t);
        }
        PortalPlan plan = PortalDiff.diff(d, new CmsState(full.sections(), ts, full.files()));
        assertThat(plan.actions()).singleElement().isInstanceOfSatisfying(PortalAction.UpdateTemplate.class,
                u -> assertThat(u.changes()).containsExactly("liquid_enabled", "content_type", "layout", "section"));
    }

    @Test
    void aFileWhoseHashIsUnknownIsUploadedAgain() throws IOException {
        DesiredPortal d = runbook();
        CmsState full = PortalFixtures.publishedFrom(d);
        List<CmsFile> files = new ArrayList<>();
        for (CmsFile f : full.files()) {
            files.add("/favicon.svg".equals(f.path()) ? new CmsFile(f.id(), f.sectionId(), f.path(), f.title(),
                    f.contentType(), false, null) : f);
        }
        PortalPlan plan = PortalDiff.diff(d, new CmsState(full.sections(), full.templates(), files));
        assertThat(plan.actions()).extracting(PortalAction::describe)
                .containsExactly("~ replace file /favicon.svg from favicon.svg (" + d.fileFromFile("favicon.svg")
                        .orElseThrow().size() + " bytes)");
    }

    @Test
    void anHtmlPageWithoutItsLayoutAnywhereIsAProblem() throws IOException {
        Files.writeString(tmp.resolve("about.html.liquid"), "about");
        PortalPlan plan = PortalDiff.diff(PortalTree.read(tmp), CmsState.empty());
        assertThat(plan.actions()).isEmpty();
        assertThat(plan.problems()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("about.html.liquid");
            assertThat(p.fix()).contains("l_main_layout.html.liquid");
        });
    }

    private static int firstIndex(List<PortalAction> a, Class<?> type) {
        for (int i = 0; i < a.size(); i++) {
            if (type.isInstance(a.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndex(List<PortalAction> a, Class<?> type) {
        for (int i = a.size() - 1; i >= 0; i--) {
            if (type.isInstance(a.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
