package dev.maas.installer.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PortalTreeTest {

    @TempDir
    Path tmp;

    private DesiredPortal runbook() throws IOException {
        return PortalTree.read(PortalFixtures.writeRunbookTree(tmp));
    }

    private static List<String> keys(List<DesiredTemplate> ts) {
        return ts.stream().map(DesiredTemplate::key).toList();
    }

    @Test
    void runbookShapedTreeMapsWithoutProblemsAndEveryFileIsUsedOnce() throws IOException {
        DesiredPortal d = runbook();
        assertThat(d.problems()).isEmpty();
        int total = d.templates().size() + d.files().size();
        assertThat(total).isEqualTo(PortalFixtures.runbookNames().size());
        assertThat(d.summary()).isEqualTo("3 sections, 2 layouts, 1 partial, 11 builtin partials, 15 pages, "
                + "39 builtin pages, 11 files");
    }

    @Test
    void foldersHoldingPagesOrFilesBecomeSectionsWithParents() throws IOException {
        DesiredPortal d = runbook();
        assertThat(d.sections()).extracting(DesiredSection::partialPath)
                .containsExactlyInAnyOrder("/css", "/javascripts", "/images");
        DesiredSection css = d.section("/css").orElseThrow();
        assertThat(css.title()).isEqualTo("css");
        assertThat(css.systemName()).isEqualTo("css");
        assertThat(css.parentPath()).isEqualTo("/");
    }

    @Test
    void nestedFoldersGiveNestedSectionsWithUniqueSystemNames() throws IOException {
        Files.createDirectories(tmp.resolve("guides/advanced"));
        Files.writeString(tmp.resolve("guides/advanced/tuning.html.liquid"), "x");
        DesiredPortal d = PortalTree.read(tmp);
        assertThat(d.sections()).containsExactly(
                new DesiredSection("/guides", "guides", "guides", "/"),
                new DesiredSection("/guides/advanced", "advanced", "guides-advanced", "/guides"));
        DesiredTemplate page = d.templateFromFile("guides/advanced/tuning.html.liquid").orElseThrow();
        assertThat(page.path()).isEqualTo("/guides/advanced/tuning");
        assertThat(page.sectionPath()).isEqualTo("/guides/advanced");
    }

    @Test
    void lUnderscoreFilesAreLayouts() throws IOException {
        DesiredPortal d = runbook();
        assertThat(keys(d.templates(TemplateKind.LAYOUT))).containsExactlyInAnyOrder("main_layout", "error");
        DesiredTemplate main = d.templateFromFile("l_main_layout.html.liquid").orElseThrow();
        assertThat(main.kind()).isEqualTo(TemplateKind.LAYOUT);
        assertThat(main.liquidEnabled()).isTrue();
        assertThat(main.path()).isNull();
        assertThat(main.content()).contains("dummy l_main_layout.html.liquid").contains("é");
    }

    @Test
    void underscoreFilesArePartialsAndKnownNamesAreBuiltinPartials() throws IOException {
        DesiredPortal d = runbook();
        assertThat(keys(d.templates(TemplateKind.PARTIAL))).containsExactly("analytics");
        assertThat(keys(d.templates(TemplateKind.BUILTIN_PARTIAL))).containsExactlyInAnyOrder(
                "field", "menu_item", "submenu", "users_menu", "applications/form", "login/sso", "messages/menu",
                "shared/pagination", "shared/swagger_ui", "signup/cas", "stats/chart");
        assertThat(d.templateFromFile("login/_sso.html.liquid").orElseThrow().systemName()).isEqualTo("login/sso");
    }

    @Test
    void builtinPagesAreRecognisedByPathAndAreUpdateOnly() throws IOException {
        DesiredPortal d = runbook();
        List<DesiredTemplate> builtins = d.templates(TemplateKind.BUILTIN_PAGE);
        assertThat(keys(builtins)).contains("login/new", "applications/show", "applications/index",
                "applications/alerts/index", "signup/show", "errors/not_found", "accounts/invitee_signups/show",
                "messages/inbox/show", "dashboards/show", "services/new", "search/index");
        assertThat(builtins).hasSize(39).allMatch(t -> t.kind().builtin());
        DesiredTemplate login = d.templateFromFile("login/new.html.liquid").orElseThrow();
        assertThat(login.kind()).isEqualTo(TemplateKind.BUILTIN_PAGE);
        assertThat(login.path()).isNull();
        assertThat(login.sectionPath()).isNull();
    }

    @Test
    void otherTemplatesArePagesWithContentTypeFromTheExtension() throws IOException {
        DesiredPortal d = runbook();
        assertThat(keys(d.templates(TemplateKind.PAGE))).containsExactlyInAnyOrder(
                "/", "/docs", "/examples", "/configuration",
                "/css/bootstrap.css", "/css/default.css", "/css/plans_widget_overrides.css", "/css/rhoai_custom.css",
                "/javascripts/3scale.js", "/javascripts/3scale_v2.js", "/javascripts/bootstrap.js",
                "/javascripts/bootstrap.min.js", "/javascripts/excanvas.compiled.js", "/javascripts/jquery.js",
                "/javascripts/secret_keys.js");
        DesiredTemplate home = d.templateFromFile("index.html.liquid").orElseThrow();
        assertThat(home.path()).isEqualTo("/");
        assertThat(home.title()).isEqualTo("Homepage");
        assertThat(home.contentType()).isEqualTo("text/html");
        assertThat(home.liquidEnabled()).isTrue();
        assertThat(home.layoutName()).isEqualTo("main_layout");
        assertThat(home.sectionPath()).isEqualTo("/");

        DesiredTemplate css = d.templateFromFile("css/default.css").orElseThrow();
        assertThat(css.path()).isEqualTo("/css/default.css");
        assertThat(css.title()).isEqualTo("default.css");
        assertThat(css.contentType()).isEqualTo("text/css");
        assertThat(css.liquidEnabled()).isFalse();
        assertThat(css.layoutName()).isNull();
        assertThat(css.sectionPath()).isEqualTo("/css");

        DesiredTemplate js = d.templateFromFile("javascripts/jquery.js").orElseThrow();
        assertThat(js.contentType()).isEqualTo("text/javascript");
        assertThat(js.sectionPath()).isEqualTo("/javascripts");
    }

    @Test
    void liquidSuffixOnCssAndJsTurnsLiquidOnAndKeepsTheUrlWithoutIt() throws IOException {
        Files.createDirectories(tmp.resolve("css"));
        Files.writeString(tmp.resolve("css/theme.css.liquid"), "body{}");
        Files.writeString(tmp.resolve("plain.html"), "<p>hi</p>");
        DesiredPortal d = PortalTree.read(tmp);
        DesiredTemplate css = d.templateFromFile("css/theme.css.liquid").orElseThrow();
        assertThat(css.path()).isEqualTo("/css/theme.css");
        assertThat(css.liquidEnabled()).isTrue();
        DesiredTemplate plain = d.templateFromFile("plain.html").orElseThrow();
        assertThat(plain.path()).isEqualTo("/plain");
        assertThat(plain.liquidEnabled()).isFalse();
    }

    @Test
    void everythingElseIsAFileWithItsSha256() throws IOException {
        DesiredPortal d = runbook();
        assertThat(d.files()).extracting(DesiredFile::path).containsExactlyInAnyOrder(
                "/favicon.ico", "/favicon.svg", "/images/desk.jpg", "/images/mouse.jpg", "/images/notes.jpg",
                "/images/parasol-band.png", "/images/plant.jpg", "/images/powered-by-3scale-dark.png",
                "/images/powered-by-3scale-light.png", "/images/powered-by-3scale.png", "/images/rhoai.png");
        DesiredFile desk = d.fileFromFile("images/desk.jpg").orElseThrow();
        byte[] bytes = Files.readAllBytes(tmp.resolve("images/desk.jpg"));
        assertThat(desk.bytes()).isEqualTo(bytes);
        assertThat(desk.sha256()).isEqualTo(PortalTree.sha256(bytes)).hasSize(64);
        assertThat(desk.contentType()).isEqualTo("image/jpeg");
        assertThat(desk.sectionPath()).isEqualTo("/images");
        DesiredFile ico = d.fileFromFile("favicon.ico").orElseThrow();
        assertThat(ico.sectionPath()).isEqualTo("/");
        assertThat(ico.contentType()).isEqualTo("image/vnd.microsoft.icon");
    }

    @Test
    void sha256IsTheStandardDigest() {
        assertThat(PortalTree.sha256("abc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void unknownPageInABuiltinFolderIsAProblemNamingTheFileAndTheFix() throws IOException {
        runbook();
        Files.writeString(tmp.resolve("login/other.html.liquid"), "x");
        Files.writeString(tmp.resolve("applications/_mine.html.liquid"), "x");
        DesiredPortal d = PortalTree.read(tmp);
        assertThat(d.problems()).hasSize(2);
        PortalProblem page = d.problems().stream().filter(p -> p.file().equals("login/other.html.liquid"))
                .findFirst().orElseThrow();
        assertThat(page.message()).contains("builtin folder 'login/'").contains("not a 3scale builtin")
                .contains("login/new");
        assertThat(page.fix()).contains("Rename it to one of the builtins").contains("move it");
        PortalProblem partial = d.problems().stream().filter(p -> p.file().equals("applications/_mine.html.liquid"))
                .findFirst().orElseThrow();
        assertThat(partial.message()).contains("applications/form");
        // the good items are still there
        assertThat(d.templateFromFile("login/new.html.liquid")).isPresent();
        assertThat(d.templateFromFile("login/other.html.liquid")).isEmpty();
        assertThatThrownBy(d::requireNoProblems).isInstanceOf(PortalContentException.class)
                .hasMessageContaining("login/other.html.liquid").hasMessageContaining("applications/_mine.html.liquid");
    }

    @Test
    void unreadableFileIsAProblemNamingItAndTheRestIsStillRead() throws IOException {
        runbook();
        Files.createSymbolicLink(tmp.resolve("css/broken.css"), tmp.resolve("does-not-exist.css"));
        DesiredPortal d = PortalTree.read(tmp);
        assertThat(d.problems()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("css/broken.css");
            assertThat(p.message()).startsWith("cannot be read");
            assertThat(p.fix()).contains("readable");
        });
        assertThat(d.templateFromFile("css/default.css")).isPresent();
        assertThatThrownBy(d::requireNoProblems).hasMessageContaining("css/broken.css: cannot be read");
    }

    @Test
    void otherBadItemsAreNamedToo() throws IOException {
        Files.write(tmp.resolve("latin1.html"), new byte[] {'c', 'a', 'f', (byte) 0xE9});
        Files.writeString(tmp.resolve("data.json.liquid"), "{}");
        Files.writeString(tmp.resolve("_signup_licence.html.liquid"), "terms");
        Files.writeString(tmp.resolve("docs.html"), "a");
        Files.writeString(tmp.resolve("docs.html.liquid"), "b");
        Files.writeString(tmp.resolve(".DS_Store"), "ignored");
        Files.createDirectories(tmp.resolve(".git"));
        Files.writeString(tmp.resolve(".git/config"), "ignored");
        DesiredPortal d = PortalTree.read(tmp);
        assertThat(d.problems()).extracting(PortalProblem::file).containsExactlyInAnyOrder(
                "latin1.html", "data.json.liquid", "_signup_licence.html.liquid", "docs.html.liquid");
        assertThat(d.problems()).filteredOn(p -> p.file().equals("latin1.html")).singleElement()
                .extracting(PortalProblem::message).asString().contains("UTF-8");
        assertThat(d.problems()).filteredOn(p -> p.file().equals("docs.html.liquid")).singleElement()
                .extracting(PortalProblem::message).asString().contains("docs.html");
        assertThat(d.templateFromFile("docs.html")).isPresent();
        assertThat(d.files()).isEmpty();
    }

    @Test
    void anEmptyFolderAsksForNothing() {
        DesiredPortal d = PortalTree.read(tmp);
        assertThat(d.summary()).isEqualTo("nothing");
        assertThat(PortalDiff.diff(d, PortalFixtures.freshTenant()).upToDate()).isTrue();
    }

    @Test
    void aFolderThatIsNotAFolderIsRejectedNamingIt() {
        Path missing = tmp.resolve("nope");
        assertThatThrownBy(() -> PortalTree.read(missing)).isInstanceOf(PortalContentException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("is not a folder");
    }

    @Test
    void ourOwnPortalContentMapsCleanly() {
        DesiredPortal d = PortalTree.read(Path.of("installer-assets/portal"));
        assertThat(d.problems()).isEmpty();
        assertThat(keys(d.templates(TemplateKind.LAYOUT))).contains("main_layout");
        assertThat(keys(d.templates(TemplateKind.BUILTIN_PAGE))).contains("login/new", "applications/show",
                "applications/index");
        assertThat(keys(d.templates(TemplateKind.PAGE))).contains("/", "/models");
        assertThat(d.templates(TemplateKind.PAGE)).anyMatch(t -> t.contentType().equals("text/css"))
                .anyMatch(t -> t.contentType().equals("text/javascript"));
        assertThat(d.templates()).allMatch(t -> !t.content().isBlank());
        // our layout pulls in our own CSS and JS pages
        String layout = d.templateFromFile("l_main_layout.html.liquid").orElseThrow().content();
        d.templates(TemplateKind.PAGE).stream().filter(t -> !t.contentType().equals("text/html"))
                .forEach(t -> assertThat(layout).contains(t.path()));
    }
}
