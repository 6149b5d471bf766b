package dev.maas.installer.portal;

import java.util.Objects;

/**
 * A CMS section wanted because a folder holds pages or files.
 *
 * @param partialPath the section's {@code partial_path}, e.g. {@code /css} or {@code /docs/guides}; root is {@code /}
 * @param title       the folder name
 * @param systemName  unique system name: the folder path with '/' replaced by '-' (3scale requires it unique per tenant)
 * @param parentPath  the parent section's partial path ({@code /} for top-level folders)
 */
public record DesiredSection(String partialPath, String title, String systemName, String parentPath) {
    public DesiredSection {
        Objects.requireNonNull(partialPath, "partialPath");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(systemName, "systemName");
        Objects.requireNonNull(parentPath, "parentPath");
    }
}
