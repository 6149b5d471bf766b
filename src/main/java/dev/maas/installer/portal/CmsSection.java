package dev.maas.installer.portal;

/**
 * A section as the CMS API returns it ({@code GET /admin/api/cms/sections.json}: id, title, system_name, public,
 * parent_id, partial_path; timestamps left out).
 */
public record CmsSection(long id, String title, String systemName, boolean isPublic, Long parentId,
        String partialPath) {
}
