package dev.maas.installer.threescale.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A developer portal CMS section. */
public record CmsSection(long id, String title, String systemName, @JsonProperty("public") Boolean isPublic,
                         Long parentId, String partialPath) {
}
