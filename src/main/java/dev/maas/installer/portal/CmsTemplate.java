package dev.maas.installer.portal;

/**
 * A template as the CMS API returns it ({@code GET /admin/api/cms/templates.json?content=true}). Fields a type does
 * not have are {@code null} (layouts and partials have no path/section; partials no title).
 *
 * @param type      CMS type: page, builtin_page, layout, partial, builtin_partial (builtin_static_page is ignored)
 * @param draft     draft content, {@code null} once published
 * @param published published content, {@code null} if never published
 */
public record CmsTemplate(long id, String type, String systemName, String title, String path, Long sectionId,
        Long layoutId, String contentType, Boolean liquidEnabled, String draft, String published) {

    /** What the editor shows: the draft, or the published content when there is no draft (porta's {@code current}). */
    public String current() {
        return draft != null ? draft : published;
    }

    public TemplateKind kind() {
        return TemplateKind.fromCmsType(type);
    }
}
