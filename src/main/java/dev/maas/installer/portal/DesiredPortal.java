package dev.maas.installer.portal;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The CMS state a content folder asks for, plus the problems found while reading it. Items with a problem are left
 * out; the rest is complete, so a caller may upload the good items and report the bad ones, or stop.
 */
public record DesiredPortal(Path root, List<DesiredSection> sections, List<DesiredTemplate> templates,
        List<DesiredFile> files, List<PortalProblem> problems) {
    public DesiredPortal {
        Objects.requireNonNull(root, "root");
        sections = List.copyOf(sections);
        templates = List.copyOf(templates);
        files = List.copyOf(files);
        problems = List.copyOf(problems);
    }

    public boolean hasProblems() {
        return !problems.isEmpty();
    }

    /** Returns this, or throws {@link PortalContentException} listing every problem. */
    public DesiredPortal requireNoProblems() {
        if (hasProblems()) {
            throw new PortalContentException(problems);
        }
        return this;
    }

    public List<DesiredTemplate> templates(TemplateKind kind) {
        return templates.stream().filter(t -> t.kind() == kind).toList();
    }

    /** The template read from a file ('/'-separated path relative to the folder). */
    public Optional<DesiredTemplate> templateFromFile(String file) {
        return templates.stream().filter(t -> t.file().equals(file)).findFirst();
    }

    public Optional<DesiredFile> fileFromFile(String file) {
        return files.stream().filter(f -> f.file().equals(file)).findFirst();
    }

    /** "3 sections, 2 layouts, 1 partial, ..." for the wizard and the CLI (kinds with no item left out). */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        append(sb, sections.size(), "section");
        append(sb, templates(TemplateKind.LAYOUT).size(), "layout");
        append(sb, templates(TemplateKind.PARTIAL).size(), "partial");
        append(sb, templates(TemplateKind.BUILTIN_PARTIAL).size(), "builtin partial");
        append(sb, templates(TemplateKind.PAGE).size(), "page");
        append(sb, templates(TemplateKind.BUILTIN_PAGE).size(), "builtin page");
        append(sb, files.size(), "file");
        append(sb, problems.size(), "problem");
        return sb.length() == 0 ? "nothing" : sb.toString();
    }

    private static void append(StringBuilder sb, int n, String what) {
        if (n == 0) {
            return;
        }
        if (sb.length() > 0) {
            sb.append(", ");
        }
        sb.append(n).append(' ').append(what).append(n == 1 ? "" : "s");
    }

    public Optional<DesiredSection> section(String partialPath) {
        return sections.stream().filter(s -> s.partialPath().equals(partialPath)).findFirst();
    }
}
