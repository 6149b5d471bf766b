package dev.maas.installer.portal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Our CMS records read real recorded CMS API responses, and our content diffs sensibly against them. */
class CmsSampleResponsesTest {

    private static JsonNode collection(String name) throws IOException {
        try (InputStream in = CmsSampleResponsesTest.class.getResourceAsStream("/portal/fwmotion/" + name)) {
            return new ObjectMapper().readTree(in).get("collection");
        }
    }

    private static Long optLong(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asLong();
    }

    private static String optText(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Boolean optBool(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asBoolean();
    }

    static CmsState sampleTenant() throws IOException {
        List<CmsSection> sections = new ArrayList<>();
        for (JsonNode n : collection("list-sections-1.json")) {
            sections.add(new CmsSection(n.get("id").asLong(), optText(n, "title"), optText(n, "system_name"),
                    n.get("public").asBoolean(), optLong(n, "parent_id"), optText(n, "partial_path")));
        }
        List<CmsTemplate> templates = new ArrayList<>();
        for (JsonNode n : collection("list-templates-1.json")) {
            templates.add(new CmsTemplate(n.get("id").asLong(), n.get("type").asText(), optText(n, "system_name"),
                    optText(n, "title"), optText(n, "path"), optLong(n, "section_id"), optLong(n, "layout_id"),
                    optText(n, "content_type"), optBool(n, "liquid_enabled"), optText(n, "draft"),
                    optText(n, "published")));
        }
        List<CmsFile> files = new ArrayList<>();
        for (JsonNode n : collection("list-files-1.json")) {
            files.add(new CmsFile(n.get("id").asLong(), optLong(n, "section_id"), optText(n, "path"),
                    optText(n, "title"), optText(n, "content_type"), n.get("downloadable").asBoolean(), null));
        }
        return new CmsState(sections, templates, files);
    }

    @Test
    void recordsHoldTheRecordedResponses() throws IOException {
        CmsState s = sampleTenant();
        assertThat(s.root()).hasValueSatisfying(r -> assertThat(r.id()).isEqualTo(2675712L));
        assertThat(s.sectionByPath("/messages/outbox")).hasValueSatisfying(o -> {
            assertThat(o.systemName()).isEqualTo("outbox");
            assertThat(o.parentId()).isEqualTo(2675719L);
        });
        assertThat(s.template(TemplateKind.LAYOUT, "main_layout")).hasValueSatisfying(
                l -> assertThat(l.id()).isEqualTo(7315434L));
        assertThat(s.pageByPath("/css/default.css")).hasValueSatisfying(p -> {
            assertThat(p.kind()).isEqualTo(TemplateKind.PAGE);
            assertThat(p.contentType()).isEqualTo("text/css");
            assertThat(p.sectionId()).isEqualTo(2675714L);
        });
        assertThat(s.template(TemplateKind.BUILTIN_PARTIAL, "shared/pagination")).isPresent();
        assertThat(s.fileByPath("/images/desk.jpg")).hasValueSatisfying(f -> assertThat(f.sectionId())
                .isEqualTo(2675715L));
    }

    @Test
    void ourContentAgainstTheRecordedTenant() throws IOException {
        CmsState s = sampleTenant();
        PortalPlan plan = PortalDiff.diff(PortalTree.read(Path.of("installer-assets/portal")), s);

        // sections css, javascripts and images exist already
        assertThat(plan.actions(PortalAction.CreateSection.class)).isEmpty();
        // the existing main layout and homepage are updated in place (the list has no content, so it differs)
        assertThat(plan.actions(PortalAction.UpdateTemplate.class)).extracting(u -> u.id())
                .contains(7315434L, 7315436L);
        assertThat(plan.actions(PortalAction.CreateTemplate.class)).extracting(c -> c.template().key())
                .containsExactlyInAnyOrder("maas_endpoint", "maas_examples", "/models", "/css/maas.css",
                        "/javascripts/maas.js");
        assertThat(plan.actions(PortalAction.CreateFile.class)).extracting(c -> c.file().path())
                .containsExactly("/images/maas-logo.svg");
        // the recorded list is page 1 of 4: the builtin pages we override are not in it, so they are reported, never
        // created
        assertThat(plan.problems()).extracting(PortalProblem::file).containsExactlyInAnyOrder(
                "applications/index.html.liquid", "applications/show.html.liquid", "login/new.html.liquid");
        assertThat(plan.actions(PortalAction.CreateTemplate.class)).noneMatch(c -> c.template().kind().builtin());
    }
}
