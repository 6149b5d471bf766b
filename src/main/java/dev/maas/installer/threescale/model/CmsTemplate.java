package dev.maas.installer.threescale.model;

/**
 * A developer portal CMS template: {@code type} is page, layout, partial, builtin_page or builtin_partial.
 * {@code draft} and {@code published} are only filled when the content was asked for.
 */
public record CmsTemplate(long id, String type, String title, String systemName, String path, String contentType,
                          Boolean liquidEnabled, String handler, Long layoutId, Long sectionId, Boolean hidden,
                          String draft, String published) {
}
