package dev.maas.installer.stages.portal;

import dev.maas.installer.portal.CmsSection;
import dev.maas.installer.portal.CmsState;
import dev.maas.installer.portal.CmsTemplate;
import dev.maas.installer.portal.DesiredPortal;
import dev.maas.installer.portal.PortalAction;
import dev.maas.installer.portal.PortalPlan;
import dev.maas.installer.portal.PortalTree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What the stage plans from PortalDiff: a page's content type is compared and written like its content. */
class PortalStageDiffTest {
    @TempDir
    Path tmp;

    private CmsState cmsWith(String contentType, String published) {
        return new CmsState(List.of(new CmsSection(1, "Root", "root", true, null, "/"),
                new CmsSection(2, "javascripts", "javascripts", true, 1L, "/javascripts")),
                List.of(new CmsTemplate(10, "page", null, "x.js", "/javascripts/x.js", 2L, null, contentType, false,
                        null, published)), List.of());
    }

    @Test
    void aPageWithAnotherContentTypeIsUpdatedWithOurs() throws IOException {
        Files.createDirectories(tmp.resolve("javascripts"));
        Files.writeString(tmp.resolve("javascripts/x.js"), "console.log(1);\n");
        DesiredPortal desired = PortalTree.read(tmp);
        assertThat(desired.problems()).isEmpty();

        assertThat(PortalStage.diff(desired, cmsWith("text/javascript", "console.log(1);\n")).upToDate()).isTrue();

        // porta's default for a page created without content_type: text/html (app/models/cms/page.rb); the
        // templates API takes content_type (templates_controller.rb ALLOWED_PARAMS[:page]), so it is a write, and
        // only that (the published content is the same: no publish)
        PortalPlan wrongType = PortalStage.diff(desired, cmsWith("text/html", "console.log(1);\n"));
        assertThat(wrongType.actions()).singleElement().isInstanceOfSatisfying(PortalAction.UpdateTemplate.class,
                u -> assertThat(u.changes()).containsExactly("content_type"));

        PortalPlan changed = PortalStage.diff(desired, cmsWith("application/javascript", "old"));
        assertThat(changed.actions()).hasSize(2);
        assertThat(changed.actions(PortalAction.UpdateTemplate.class)).singleElement()
                .satisfies(u -> assertThat(u.changes()).containsExactly("content", "content_type"));
        // one managed item carries both writes: its plan shows the fields that differ, the content type with its value
        PortalContent content = new PortalContent(desired, cmsWith("application/javascript", "old"), null);
        assertThat(content.items()).filteredOn(i -> !i.actions().isEmpty()).singleElement().satisfies(i -> {
            assertThat(i.label()).isEqualTo("javascripts/x.js");
            assertThat(i.kind()).isEqualTo("cms page");
            assertThat(i.name()).isEqualTo("/javascripts/x.js");
            assertThat(PortalContent.fields(i.actions())).containsOnlyKeys("content", "content_type", "published")
                    .hasEntrySatisfying("content_type", f -> assertThat(f.to()).isEqualTo("text/javascript"));
        });
    }

    @Test
    void siteRootDropsSlashesAndTheAuthPath() {
        assertThat(PortalStage.siteRoot("https://sso.example.com/auth/")).isEqualTo("https://sso.example.com");
        assertThat(PortalStage.siteRoot("http://127.0.0.1:8080")).isEqualTo("http://127.0.0.1:8080");
    }
}
