package dev.maas.installer.portal;

import java.util.List;
import java.util.Optional;

/** What the developer portal CMS holds now. */
public record CmsState(List<CmsSection> sections, List<CmsTemplate> templates, List<CmsFile> files) {
    public CmsState {
        sections = List.copyOf(sections);
        templates = List.copyOf(templates);
        files = List.copyOf(files);
    }

    public static CmsState empty() {
        return new CmsState(List.of(), List.of(), List.of());
    }

    public Optional<CmsSection> sectionByPath(String partialPath) {
        return sections.stream().filter(s -> partialPath.equals(s.partialPath())).findFirst();
    }

    /** The root section (system_name {@code root}, or partial path {@code /}). */
    public Optional<CmsSection> root() {
        return sections.stream().filter(s -> "root".equals(s.systemName())).findFirst()
                .or(() -> sectionByPath("/"));
    }

    public Optional<CmsTemplate> template(TemplateKind kind, String systemName) {
        return templates.stream().filter(t -> kind.cmsType().equals(t.type()) && systemName.equals(t.systemName()))
                .findFirst();
    }

    public Optional<CmsTemplate> pageByPath(String path) {
        return templates.stream().filter(t -> "page".equals(t.type()) && path.equals(t.path())).findFirst();
    }

    public Optional<CmsFile> fileByPath(String path) {
        return files.stream().filter(f -> path.equals(f.path())).findFirst();
    }
}
