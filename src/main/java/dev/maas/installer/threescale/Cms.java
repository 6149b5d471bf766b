package dev.maas.installer.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.threescale.model.CmsFile;
import dev.maas.installer.threescale.model.CmsSection;
import dev.maas.installer.threescale.model.CmsTemplate;
import okhttp3.MediaType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The developer portal CMS API ({@code /admin/api/cms/...}): lists come as {@code {"collection":[...],
 * "metadata":{...}}} with at most 100 items per page; single items are not wrapped.
 */
public final class Cms {
    static final int PER_PAGE = 100;
    private static final String SECTIONS = "/admin/api/cms/sections";
    private static final String TEMPLATES = "/admin/api/cms/templates";
    private static final String FILES = "/admin/api/cms/files";
    private final ThreescaleHttp http;

    Cms(ThreescaleHttp http) {
        this.http = http;
    }

    private List<JsonNode> all(String path, Map<String, String> query) {
        return http.getAllPages(path, query, PER_PAGE, root -> {
            List<JsonNode> out = new ArrayList<>();
            JsonNode c = root.get("collection");
            if (c != null) {
                c.forEach(out::add);
            }
            return out;
        });
    }

    // ----------------------------------------------------------------------------------------------- sections

    public List<CmsSection> sections() {
        return Json.convert(http.mapper(), all(SECTIONS + ".json", Map.of()), CmsSection.class);
    }

    /** Creates a section; parentId null puts it under the root section. */
    public CmsSection createSection(String title, String systemName, Long parentId, String partialPath,
                                    Boolean isPublic) {
        Map<String, String> p = Json.params("title", title, "system_name", systemName, "public", isPublic,
                "parent_id", parentId, "partial_path", partialPath);
        return http.writeVerified("create CMS section " + (partialPath == null ? title : partialPath),
                () -> http.mapper().convertValue(http.writeOnce("POST", SECTIONS + ".json", p), CmsSection.class),
                () -> sections().stream().filter(s -> systemName != null ? systemName.equals(s.systemName())
                        : partialPath != null ? partialPath.equals(s.partialPath()) : title.equals(s.title()))
                        .findFirst());
    }

    public CmsSection updateSection(long id, Map<String, String> fields) {
        String path = SECTIONS + "/" + id + ".json";
        return http.writeVerified("update CMS section " + id,
                () -> http.mapper().convertValue(http.writeOnce("PUT", path, fields), CmsSection.class),
                () -> verified(path, fields, CmsSection.class));
    }

    // ---------------------------------------------------------------------------------------------- templates

    /** All templates; with {@code withContent} the draft and published content are included. */
    public List<CmsTemplate> templates(boolean withContent) {
        return Json.convert(http.mapper(), all(TEMPLATES + ".json",
                withContent ? Json.params("content", "true") : Map.of()), CmsTemplate.class);
    }

    public Optional<CmsTemplate> template(long id) {
        return http.find(TEMPLATES + "/" + id + ".json", Map.of())
                .map(n -> http.mapper().convertValue(n, CmsTemplate.class));
    }

    /**
     * Creates a page, layout or partial ({@code type}); {@code fields} are the spec's parameters (system_name, title,
     * path, draft, section_id or section_name, layout_id or layout_name, liquid_enabled, handler). Builtin pages and
     * partials cannot be created, only updated.
     */
    public CmsTemplate createTemplate(String type, Map<String, String> fields) {
        Map<String, String> p = Json.params("type", type);
        p.putAll(fields);
        String systemName = fields.get("system_name");
        String pagePath = fields.get("path");
        return http.writeVerified("create CMS " + type + " " + (systemName != null ? systemName : pagePath),
                () -> http.mapper().convertValue(http.writeOnce("POST", TEMPLATES + ".json", p), CmsTemplate.class),
                () -> templates(false).stream().filter(t -> type.equals(t.type()) && (systemName != null
                        ? systemName.equals(t.systemName()) : pagePath != null && pagePath.equals(t.path())))
                        .findFirst());
    }

    public CmsTemplate updateTemplate(long id, Map<String, String> fields) {
        String path = TEMPLATES + "/" + id + ".json";
        return http.writeVerified("update CMS template " + id,
                () -> http.mapper().convertValue(http.writeOnce("PUT", path, fields), CmsTemplate.class),
                () -> verified(path, fields, CmsTemplate.class));
    }

    /** Publishes the draft of a template. */
    public CmsTemplate publish(long id) {
        String path = TEMPLATES + "/" + id + "/publish.json";
        return http.writeVerified("publish CMS template " + id,
                () -> http.mapper().convertValue(http.writeOnce("PUT", path, Map.of()), CmsTemplate.class),
                () -> template(id).filter(t -> t.draft() == null || t.draft().equals(t.published())));
    }

    // -------------------------------------------------------------------------------------------------- files

    public List<CmsFile> files() {
        return Json.convert(http.mapper(), all(FILES + ".json", Map.of()), CmsFile.class);
    }

    /** The bytes of a CMS file, downloaded from its {@code url} (the Admin API does not serve the content). */
    public byte[] fileContent(CmsFile file) {
        if (file.url() == null || file.url().isBlank()) {
            throw new ThreescaleApiException("CMS file " + file.path() + " has no url to download it from", 0, "GET",
                    file.path(), null, null);
        }
        return http.download(file.url());
    }

    /** Uploads a file (multipart) served at {@code path}. */
    public CmsFile createFile(String path, Long sectionId, Boolean downloadable, String fileName, byte[] content,
                              String contentType) {
        Map<String, String> p = Json.params("path", path, "section_id", sectionId, "downloadable", downloadable);
        return http.writeVerified("upload CMS file " + path,
                () -> http.mapper().convertValue(http.multipartOnce("POST", FILES + ".json", p, "attachment",
                        fileName, content, media(contentType)), CmsFile.class),
                () -> files().stream().filter(f -> path.equals(f.path())).findFirst());
    }

    /** Replaces a file's content (and optionally its path, section or downloadable flag). */
    public CmsFile updateFile(long id, String path, Long sectionId, Boolean downloadable, String fileName,
                              byte[] content, String contentType) {
        Map<String, String> p = Json.params("path", path, "section_id", sectionId, "downloadable", downloadable);
        String url = FILES + "/" + id + ".json";
        // A lost response of a content update cannot be told apart by metadata; sending it again is harmless.
        return http.writeVerified("update CMS file " + id,
                () -> http.mapper().convertValue(http.multipartOnce("PUT", url, p, "attachment", fileName, content,
                        media(contentType)), CmsFile.class),
                Optional::empty);
    }

    private static MediaType media(String contentType) {
        return contentType == null ? ThreescaleHttp.OCTET : MediaType.get(contentType);
    }

    private <T> Optional<T> verified(String path, Map<String, String> fields, Class<T> type) {
        JsonNode e = http.get(path, Map.of());
        return Json.hasValues(e, fields) ? Optional.of(http.mapper().convertValue(e, type)) : Optional.empty();
    }
}
