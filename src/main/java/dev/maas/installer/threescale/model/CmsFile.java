package dev.maas.installer.threescale.model;

/** A developer portal CMS file (an uploaded attachment served at {@code path}). */
public record CmsFile(long id, Long sectionId, String path, Boolean downloadable, String url, String title,
                      String contentType) {
}
