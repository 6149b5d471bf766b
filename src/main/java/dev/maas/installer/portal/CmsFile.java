package dev.maas.installer.portal;

/**
 * A file as the CMS API returns it ({@code GET /admin/api/cms/files.json}: id, section_id, path, title, content_type,
 * downloadable, url), plus the SHA-256 of its bytes, which the API client computes by downloading {@code url};
 * {@code null} when it could not (the file is then re-uploaded).
 */
public record CmsFile(long id, Long sectionId, String path, String title, String contentType, boolean downloadable,
        String contentSha256) {
}
