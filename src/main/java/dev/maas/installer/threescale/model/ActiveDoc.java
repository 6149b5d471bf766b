package dev.maas.installer.threescale.model;

/** A 3scale ActiveDocs spec (porta's api_doc): {@code body} is the OpenAPI document as JSON text. */
public record ActiveDoc(long id, String name, String systemName, String description, Boolean published,
                        Boolean skipSwaggerValidations, String body, Long serviceId) {
}
