package dev.maas.installer.portal;

import java.util.Objects;

/**
 * A layout, partial or page (ordinary or builtin) as the content folder wants it.
 *
 * @param file         the source file, relative to the content folder, '/'-separated (used in messages)
 * @param kind         what it becomes in the CMS
 * @param systemName   system name for layouts, partials and builtins; {@code null} for ordinary pages
 * @param title        title used when creating it
 * @param path         URL path for ordinary pages ({@code /}, {@code /models}, {@code /css/maas.css}); else {@code null}
 * @param sectionPath  partial path of the section of an ordinary page; else {@code null}
 * @param contentType  {@code text/html}, {@code text/css} or {@code text/javascript} for ordinary pages; else null
 * @param liquidEnabled true when the file name ends in {@code .liquid}
 * @param layoutName   layout system name for ordinary HTML pages ({@code main_layout}); else {@code null}
 * @param content      the template text (UTF-8)
 * @param sha256       SHA-256 (hex) of the file's bytes
 */
public record DesiredTemplate(String file, TemplateKind kind, String systemName, String title, String path,
        String sectionPath, String contentType, boolean liquidEnabled, String layoutName, String content,
        String sha256) {
    public DesiredTemplate {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(sha256, "sha256");
        if (kind == TemplateKind.PAGE) {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(sectionPath, "sectionPath");
            Objects.requireNonNull(contentType, "contentType");
        } else {
            Objects.requireNonNull(systemName, "systemName");
        }
    }

    /** How the template is identified in messages: the system name, or the path for ordinary pages. */
    public String key() {
        return kind == TemplateKind.PAGE ? path : systemName;
    }

    @Override
    public String toString() {
        return kind.cmsType() + " " + key() + " (" + file + ", sha256 " + sha256 + ")";
    }
}
