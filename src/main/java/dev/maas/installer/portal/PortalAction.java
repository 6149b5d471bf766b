package dev.maas.installer.portal;

import java.util.List;
import java.util.Objects;

/** One write the portal content upload needs, in the order the plan lists them. */
public sealed interface PortalAction {

    /** One line for a dry run. */
    String describe();

    /** POST /admin/api/cms/sections.json (parent resolved by its partial path). */
    record CreateSection(DesiredSection section) implements PortalAction {
        public CreateSection {
            Objects.requireNonNull(section, "section");
        }

        @Override
        public String describe() {
            return "+ create section " + section.partialPath() + " (title '" + section.title() + "', parent "
                    + section.parentPath() + ")";
        }
    }

    /** POST /admin/api/cms/templates.json with the content as draft; a {@link PublishTemplate} follows. */
    record CreateTemplate(DesiredTemplate template) implements PortalAction {
        public CreateTemplate {
            Objects.requireNonNull(template, "template");
        }

        @Override
        public String describe() {
            return "+ create " + template.kind().cmsType() + " " + template.key() + " from " + template.file();
        }
    }

    /**
     * PUT /admin/api/cms/templates/{id}.json.
     *
     * @param changes what differs: {@code content}, {@code liquid_enabled}, {@code content_type}, {@code layout},
     *                {@code section}
     */
    record UpdateTemplate(long id, DesiredTemplate template, List<String> changes) implements PortalAction {
        public UpdateTemplate {
            Objects.requireNonNull(template, "template");
            changes = List.copyOf(changes);
        }

        @Override
        public String describe() {
            return "~ update " + template.kind().cmsType() + " " + template.key() + " (" + String.join(", ", changes)
                    + ") from " + template.file();
        }
    }

    /**
     * PUT /admin/api/cms/templates/{id}/publish.json.
     *
     * @param id the template id, or {@code null} for a template created earlier in the same plan
     */
    record PublishTemplate(Long id, DesiredTemplate template) implements PortalAction {
        public PublishTemplate {
            Objects.requireNonNull(template, "template");
        }

        @Override
        public String describe() {
            return "^ publish " + template.kind().cmsType() + " " + template.key();
        }
    }

    /** POST /admin/api/cms/files.json, multipart with {@code attachment}. */
    record CreateFile(DesiredFile file) implements PortalAction {
        public CreateFile {
            Objects.requireNonNull(file, "file");
        }

        @Override
        public String describe() {
            return "+ upload file " + file.path() + " from " + file.file() + " (" + file.size() + " bytes)";
        }
    }

    /** PUT /admin/api/cms/files/{id}.json, multipart with the new {@code attachment}. */
    record UpdateFile(long id, DesiredFile file) implements PortalAction {
        public UpdateFile {
            Objects.requireNonNull(file, "file");
        }

        @Override
        public String describe() {
            return "~ replace file " + file.path() + " from " + file.file() + " (" + file.size() + " bytes)";
        }
    }
}
