package dev.maas.installer.catalog;

import dev.maas.installer.stages.ModelStagesFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenApiOperationsTest {
    static final Path DEFINITIONS = ModelStagesFixture.DEFINITIONS;
    private static final String FIELD = "models[3].openapi";

    @TempDir
    Path tmp;

    @Test
    void vllmDocumentGivesItsEightOperationsInDocumentOrder() {
        for (String doc : List.of("granite-3-8b-instruct.json", "granite-8b-code-instruct.json",
                "mistral-7b-instruct-v0.3.json")) {
            assertThat(labels(OpenApiOperations.read(DEFINITIONS.resolve(doc), FIELD))).as(doc).containsExactly(
                    "GET /health", "POST /tokenize", "POST /detokenize", "GET /v1/models", "GET /version",
                    "POST /v1/chat/completions", "POST /v1/completions", "POST /v1/embeddings");
        }
        List<ApiOperation> ops = OpenApiOperations.read(DEFINITIONS.resolve("mistral-7b-instruct-v0.3.json"), FIELD);
        assertThat(ops.get(5)).isEqualTo(new ApiOperation("POST", "/v1/chat/completions", "Create Chat Completion"));
    }

    @Test
    void embeddingAndDoclingDocuments() {
        assertThat(labels(OpenApiOperations.read(DEFINITIONS.resolve("nomic-embed-text-v1.5.json"), FIELD)))
                .containsExactly("POST /decode", "POST /embed", "POST /embed_all", "POST /embed_sparse",
                        "GET /health", "GET /info", "POST /similarity", "POST /tokenize", "POST /v1/embeddings");
        assertThat(labels(OpenApiOperations.read(DEFINITIONS.resolve("docling.json"), FIELD)))
                .containsExactly("GET /health", "POST /process_url", "POST /process_file");
    }

    @Test
    void yamlOpenApi3WithAServerBasePathAndPathParameters() throws IOException {
        Path f = write("api.yaml", """
                openapi: 3.1.0
                info: {title: t, version: "1"}
                servers:
                  - url: https://models.example.com/llm/
                paths:
                  /v1/models/{model}:
                    parameters:
                      - {name: model, in: path, required: true}
                    summary: a path item summary is not an operation
                    get:
                      summary: Retrieve Model
                    DELETE:
                      operationId: delete_model
                  /v1/models:
                    get: {}
                """);
        assertThat(OpenApiOperations.read(f, FIELD)).containsExactly(
                new ApiOperation("GET", "/llm/v1/models/{model}", "Retrieve Model"),
                new ApiOperation("DELETE", "/llm/v1/models/{model}", "delete_model"),
                new ApiOperation("GET", "/llm/v1/models", ""));
    }

    @Test
    void swagger2BasePathAndServerUrlsWithVariablesOrRootAreNotPrefixed() {
        assertThat(labels(OpenApiOperations.parse("{\"swagger\": \"2.0\", \"basePath\": \"/api\", \"paths\":"
                + " {\"/ping\": {\"get\": {}}}}", "doc", FIELD))).containsExactly("GET /api/ping");
        assertThat(labels(OpenApiOperations.parse("{\"openapi\": \"3.0.0\", \"servers\": [{\"url\":"
                + " \"{scheme}://host/base\"}], \"paths\": {\"/ping\": {\"get\": {}}}}", "doc", FIELD)))
                .containsExactly("GET /ping");
        assertThat(labels(OpenApiOperations.parse("{\"openapi\": \"3.0.0\", \"servers\": [{\"url\": \"/\"}],"
                + " \"paths\": {\"/ping\": {\"get\": {}}}}", "doc", FIELD))).containsExactly("GET /ping");
    }

    @Test
    void defaultSetIsOpenAiCompatible() {
        assertThat(labels(OpenApiOperations.openAiDefaults())).containsExactly("POST /v1/chat/completions",
                "POST /v1/completions", "POST /v1/embeddings", "GET /v1/models", "GET /v1/models/{model}");
    }

    @Test
    void invalidDocumentsAreErrorsNamingTheField() throws IOException {
        assertInvalid(write("broken.json", "{\"openapi\": \"3.0.0\",\n \"paths\": {\"/a\": }}"),
                "is not valid JSON at line 2");
        assertInvalid(write("broken.yaml", "openapi: 3.0.0\npaths:\n  /a: [unclosed\n"), "is not valid YAML");
        assertInvalid(write("empty.json", "  \n"), "is empty");
        assertInvalid(write("list.json", "[1, 2]"), "is not an OpenAPI document (expected an object");
        assertInvalid(write("other.json", "{\"asyncapi\": \"2.0.0\", \"paths\": {}}"),
                "field 'openapi' must be 3.x (or 'swagger' 2.0), found neither");
        assertInvalid(write("old.json", "{\"swagger\": \"1.2\", \"paths\": {}}"), "found swagger '1.2'");
        assertInvalid(write("nopaths.json", "{\"openapi\": \"3.0.0\"}"), "field 'paths' is missing");
        assertInvalid(write("noops.json", "{\"openapi\": \"3.0.0\", \"paths\": {\"/a\": {\"parameters\": []}}}"),
                "defines no operation under 'paths'");
        assertInvalid(write("badpath.json", "{\"openapi\": \"3.0.0\", \"paths\": {\"v1/x\": {\"get\": {}}}}"),
                "path 'v1/x' is not a valid OpenAPI path");
        assertInvalid(write("braces.json", "{\"openapi\": \"3.0.0\", \"paths\": {\"/a/{b\": {\"get\": {}}}}"),
                "path '/a/{b' is not a valid OpenAPI path");
        assertInvalid(write("opnotobject.json", "{\"openapi\": \"3.0.0\", \"paths\": {\"/a\": {\"get\": 1}}}"),
                "paths./a.get must be an object");
        assertInvalid(tmp.resolve("missing.json"), "does not exist or is not a file");
        assertInvalid(tmp, "does not exist or is not a file");
    }

    private void assertInvalid(Path file, String fragment) {
        assertThatThrownBy(() -> OpenApiOperations.read(file, FIELD))
                .isInstanceOfSatisfying(CatalogException.class, e -> assertThat(e.field()).isEqualTo(FIELD))
                .hasMessageStartingWith(FIELD + ": ")
                .hasMessageContaining(fragment);
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(tmp.resolve(name), text);
    }

    static List<String> labels(List<ApiOperation> ops) {
        return ops.stream().map(ApiOperation::label).toList();
    }
}
