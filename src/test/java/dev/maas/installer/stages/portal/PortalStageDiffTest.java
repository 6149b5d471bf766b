package dev.maas.installer.stages.portal;

import dev.maas.installer.portal.CmsSection;
import dev.maas.installer.portal.CmsState;
import dev.maas.installer.portal.CmsTemplate;
import dev.maas.installer.portal.DesiredPortal;
import dev.maas.installer.portal.PortalAction;
import dev.maas.installer.portal.PortalPlan;
import dev.maas.installer.portal.PortalTree;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.reconcile.Reconciler;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.stages.common.StageGuards;
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
    void planAndVerifyOfTheContentComeFromItsItemsOverOneCmsReading() throws IOException {
        Files.createDirectories(tmp.resolve("javascripts"));
        Files.writeString(tmp.resolve("javascripts/x.js"), "console.log(1);\n");
        DesiredPortal desired = PortalTree.read(tmp);
        StageContext ctx = new StageContext(InstallerConfig.defaults(), new SecretRegistry(), new Cancellation());
        Reconciler reconciler = StageGuards.reconciler(StageIds.PORTAL);

        // as in the folder: plan is the one NOOP, verify passes
        PortalContent same = new PortalContent(desired, cmsWith("text/javascript", "console.log(1);\n"), null);
        assertThat(same.plan(reconciler, ctx)).singleElement()
                .satisfies(c -> assertThat(c.action()).isEqualTo(Action.NOOP));
        assertThat(reconciler.verifyAs(ctx, "portal content", () -> List.copyOf(same.items()), "ok").status())
                .isEqualTo(CheckStatus.OK);

        // the page differs: plan's change and verify's failure name the same item and fields
        PortalContent drifted = new PortalContent(desired, cmsWith("text/html", "old"), null);
        assertThat(drifted.plan(reconciler, ctx)).singleElement().satisfies(c -> {
            assertThat(c.action()).isEqualTo(Action.UPDATE);
            assertThat(c.kind()).isEqualTo("cms page");
            assertThat(c.name()).isEqualTo("/javascripts/x.js");
            assertThat(c.fields()).containsOnlyKeys("content", "content_type", "published");
        });
        Check check = reconciler.verifyAs(ctx, "portal content", () -> List.copyOf(drifted.items()), "ok");
        assertThat(check.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(check.message()).contains("javascripts/x.js").contains("content_type");
        assertThat(check.fix().target()).isEqualTo(StageIds.PORTAL);

        // nothing in the CMS yet: the section and the page are missing, the section first
        PortalContent empty = new PortalContent(desired, CmsState.empty(), null);
        assertThat(empty.plan(reconciler, ctx)).extracting(c -> c.action() + " " + c.kind() + " " + c.name())
                .containsExactly("CREATE cms section /javascripts", "CREATE cms page /javascripts/x.js");
        assertThat(reconciler.verifyAs(ctx, "portal content", () -> List.copyOf(empty.items()), "ok").message())
                .contains("cms page /javascripts/x.js (javascripts/x.js) is not in the CMS");
    }

    @Test
    void siteRootDropsSlashesAndTheAuthPath() {
        assertThat(PortalStage.siteRoot("https://sso.example.com/auth/")).isEqualTo("https://sso.example.com");
        assertThat(PortalStage.siteRoot("http://127.0.0.1:8080")).isEqualTo("http://127.0.0.1:8080");
    }
}
