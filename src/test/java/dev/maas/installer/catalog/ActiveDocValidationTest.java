package dev.maas.installer.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Which documents porta 2.15 cannot validate as ActiveDocs bodies, and why (the reason the plan shows). */
class ActiveDocValidationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path RUNBOOK = Path.of("src/test/resources/reference/models-aas/api_definitions");
    private static final Path VLLM_31 = Path.of(
            "src/test/resources/reference/vllm-openapi-3.1/granite-3-8b-instruct.openapi-3.1.json");

    private static JsonNode read(Path p) throws IOException {
        return JSON.readTree(p.toFile());
    }

    @Test
    void vllmsOpenApi31DocumentHasNoValidatorInPorta() throws IOException {
        assertThat(ActiveDocValidation.whyPortaCannotValidate(read(VLLM_31))).get().asString()
                .contains("OpenAPI 3.1.0").contains("Invalid Swagger version");
    }

    @Test
    void theRunbooksVllmDocumentsAre31SchemaLabelled30() throws IOException {
        for (String f : new String[] {"granite-3-8b-instruct.json", "granite-8b-code-instruct.json",
                "mistral-7b-instruct-v0.3.json", "docling.json"}) {
            JsonNode doc = read(RUNBOOK.resolve(f));
            assertThat(doc.path("openapi").asText()).isEqualTo("3.0.3");
            // the runbook removed info.version: that alone fails porta's OpenAPI 3.0 schema
            assertThat(ActiveDocValidation.whyPortaCannotValidate(doc)).as(f).get().asString()
                    .contains("'info' has no 'version'");
            ((ObjectNode) doc.path("info")).put("version", "0.1.0");
            assertThat(ActiveDocValidation.whyPortaCannotValidate(doc)).as(f).get().asString()
                    .contains("labelled OpenAPI 3.0.3").containsAnyOf("type \"null\"", "'const'", "'examples'");
        }
    }

    @Test
    void aClean30DocumentAndSwagger20AreLeftToPorta() {
        assertThat(ActiveDocValidation.whyPortaCannotValidate(OpenApiOperations.defaultDocument("Granite")))
                .isEmpty();
        ObjectNode swagger = JSON.createObjectNode().put("swagger", "2.0");
        swagger.putObject("info").put("title", "t").put("version", "1");
        swagger.putObject("paths");
        assertThat(ActiveDocValidation.whyPortaCannotValidate(swagger)).isEmpty();
    }

    @Test
    void versionsAsPortaReadsThem() {
        // the first of openapi, swagger, swaggerVersion; "major.minor" picks the validator
        assertThat(ActiveDocValidation.whyPortaCannotValidate(JSON.createObjectNode().put("openapi", "3.1.1")))
                .get().asString().contains("OpenAPI 3.1.1");
        assertThat(ActiveDocValidation.whyPortaCannotValidate(JSON.createObjectNode().put("openapi", "3.0")))
                .get().asString().contains("3.0.n");
        assertThat(ActiveDocValidation.whyPortaCannotValidate(JSON.createObjectNode().put("swagger", "4.0")))
                .get().asString().contains("Swagger 4.0");
        ObjectNode nullable = (ObjectNode) OpenApiOperations.defaultDocument("x");
        nullable.putObject("components").putObject("schemas").putObject("A").put("type", "string")
                .put("nullable", true);
        assertThat(ActiveDocValidation.whyPortaCannotValidate(nullable)).isEmpty();
        ((ObjectNode) nullable.path("components").path("schemas").path("A")).putArray("type").add("string")
                .add("null");
        assertThat(ActiveDocValidation.whyPortaCannotValidate(nullable)).get().asString()
                .contains("type [\"string\",\"null\"] at #/components/schemas/A");
    }
}
