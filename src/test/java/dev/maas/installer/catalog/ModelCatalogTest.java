package dev.maas.installer.catalog;

import dev.maas.installer.catalog.ModelProduct.MappingRule;
import dev.maas.installer.catalog.ModelProduct.Method;
import dev.maas.installer.catalog.policy.PolicyBundle;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.engine.config.InstallerConfig.ProductsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelCatalogTest {
    private static final Path DEFINITIONS = OpenApiOperationsTest.DEFINITIONS;
    private static final List<PolicyBundle> REMOVE_BEARER = List.of(PolicyBundle.removeBearer());
    private static final String CHAIN_JSON = "[{\"name\":\"cors\",\"version\":\"builtin\",\"configuration\":"
            + "{\"allow_headers\":[\"Authorization\",\"Content-type\",\"Accept\"],\"allow_origin\":\"*\","
            + "\"allow_credentials\":true},\"enabled\":true},"
            + "{\"name\":\"remove-bearer\",\"version\":\"0.1.0\",\"configuration\":{},\"enabled\":true},"
            + "{\"name\":\"apicast\",\"version\":\"builtin\",\"configuration\":{},\"enabled\":true}]";
    private static final List<String> VLLM_METHODS = List.of(
            "get_health | Health | GET /health: Health",
            "post_tokenize | Tokenize | POST /tokenize: Tokenize",
            "post_detokenize | Detokenize | POST /detokenize: Detokenize",
            "get_v1_models | Show Available Models | GET /v1/models: Show Available Models",
            "get_version | Show Version | GET /version: Show Version",
            "post_v1_chat_completions | Create Chat Completion | POST /v1/chat/completions: Create Chat Completion",
            "post_v1_completions | Create Completion | POST /v1/completions: Create Completion",
            "post_v1_embeddings | Create Embedding | POST /v1/embeddings: Create Embedding");
    private static final List<String> VLLM_RULES = List.of(
            "1 GET /health$ -> get_health",
            "2 POST /tokenize$ -> post_tokenize",
            "3 POST /detokenize$ -> post_detokenize",
            "4 GET /v1/models$ -> get_v1_models",
            "5 GET /version$ -> get_version",
            "6 POST /v1/chat/completions$ -> post_v1_chat_completions",
            "7 POST /v1/completions$ -> post_v1_completions",
            "8 POST /v1/embeddings$ -> post_v1_embeddings");

    @TempDir
    Path tmp;

    @Test
    void vllmModelsGetOneMethodAndOneExactMappingRulePerOperation() {
        for (String doc : List.of("granite-3-8b-instruct.json", "granite-8b-code-instruct.json",
                "mistral-7b-instruct-v0.3.json")) {
            ModelProduct p = build(model("Mistral 7B", "mistral-7b", doc), ProductsConfig.defaults());
            assertThat(methods(p)).as(doc).containsExactlyElementsOf(VLLM_METHODS);
            assertThat(rules(p)).as(doc).containsExactlyElementsOf(VLLM_RULES);
            assertThat(p.mappingRules()).allSatisfy(r -> {
                assertThat(r.delta()).isEqualTo(1);
                assertThat(r.last()).isFalse();
            });
            assertThat(p.defaultOperations()).isFalse();
        }
    }

    @Test
    void nomicEmbeddingModel() {
        ModelProduct p = build(model("Nomic embed", "nomic-embed-text-v1-5", "nomic-embed-text-v1.5.json"),
                ProductsConfig.defaults());
        assertThat(p.methods()).extracting(Method::systemName, Method::friendlyName).containsExactly(
                tuple("post_decode", "Decode input ids"),
                tuple("post_embed", "Get Embeddings"),
                tuple("post_embed_all", "Get all Embeddings without Pooling"),
                tuple("post_embed_sparse", "Get Sparse Embeddings"),
                tuple("get_health", "Health check method"),
                tuple("get_info", "Text Embeddings Inference endpoint info"),
                tuple("post_similarity", "Get Sentence Similarity"),
                tuple("post_tokenize", "Tokenize inputs"),
                tuple("post_v1_embeddings", "OpenAI compatible route"));
        assertThat(p.methods().get(1).description()).isEqualTo("POST /embed: Get Embeddings. Returns a 424 status"
                + " code if the model is not an embedding model.");
        assertThat(rules(p)).containsExactly("1 POST /decode$ -> post_decode", "2 POST /embed$ -> post_embed",
                "3 POST /embed_all$ -> post_embed_all", "4 POST /embed_sparse$ -> post_embed_sparse",
                "5 GET /health$ -> get_health", "6 GET /info$ -> get_info", "7 POST /similarity$ -> post_similarity",
                "8 POST /tokenize$ -> post_tokenize", "9 POST /v1/embeddings$ -> post_v1_embeddings");
    }

    @Test
    void doclingModel() {
        ModelProduct p = build(model("Docling", "docling", "docling.json"), ProductsConfig.defaults());
        assertThat(methods(p)).containsExactly("get_health | Health | GET /health: Health",
                "post_process_url | Process Url | POST /process_url: Process Url",
                "post_process_file | Process File | POST /process_file: Process File");
        assertThat(rules(p)).containsExactly("1 GET /health$ -> get_health",
                "2 POST /process_url$ -> post_process_url", "3 POST /process_file$ -> post_process_file");
    }

    @Test
    void withoutADocumentTheOpenAiSetWithPathParametersAsPlaceholders() {
        ModelProduct p = build(new ModelConfig("Granite", "granite", "http://granite.models.svc:8080", null, null),
                ProductsConfig.defaults());
        assertThat(p.defaultOperations()).isTrue();
        assertThat(methods(p)).containsExactly(
                "post_v1_chat_completions | Create Chat Completion | POST /v1/chat/completions: Create Chat Completion",
                "post_v1_completions | Create Completion | POST /v1/completions: Create Completion",
                "post_v1_embeddings | Create Embedding | POST /v1/embeddings: Create Embedding",
                "get_v1_models | List Models | GET /v1/models: List Models",
                "get_v1_models_model | Retrieve Model | GET /v1/models/{model}: Retrieve Model");
        assertThat(rules(p)).containsExactly("1 POST /v1/chat/completions$ -> post_v1_chat_completions",
                "2 POST /v1/completions$ -> post_v1_completions", "3 POST /v1/embeddings$ -> post_v1_embeddings",
                "4 GET /v1/models$ -> get_v1_models", "5 GET /v1/models/{model}$ -> get_v1_models_model");
    }

    @Test
    void backendProductProxyAndUsage() {
        ModelProduct p = build(new ModelConfig("Granite 3.1 8B", "granite-3-1-8b",
                " http://granite.llm-hosting.svc.cluster.local:8080/ ", null, "  IBM Granite, instruct tuned. "),
                new ProductsConfig("authorization", null, null));

        assertThat(p.systemName()).isEqualTo("granite-3-1-8b");
        assertThat(p.backend().attributes()).containsExactly(
                Map.entry("name", "Granite 3.1 8B"),
                Map.entry("system_name", "granite-3-1-8b"),
                Map.entry("private_endpoint", "http://granite.llm-hosting.svc.cluster.local:8080"),
                Map.entry("description", "IBM Granite, instruct tuned. [managed by maas-installer]"));
        assertThat(p.product().attributes()).containsExactly(
                Map.entry("name", "Granite 3.1 8B"),
                Map.entry("system_name", "granite-3-1-8b"),
                Map.entry("description", "IBM Granite, instruct tuned. [managed by maas-installer]"),
                Map.entry("deployment_option", "hosted"),
                Map.entry("backend_version", "1"));
        assertThat(p.proxy().attributes()).containsExactly(Map.entry("auth_user_key", "Authorization"),
                Map.entry("credentials_location", "authorization"));
        assertThat(p.backendUsage().attributes()).containsExactly(Map.entry("backend_system_name", "granite-3-1-8b"),
                Map.entry("path", "/"));
        assertThat(CatalogMarker.isMarked(p.product().description())).isTrue();

        ModelProduct noDescription = build(new ModelConfig("Docling", "docling", "http://d:5001", null, null),
                ProductsConfig.defaults());
        assertThat(noDescription.product().description())
                .isEqualTo("Docling, served by Models as a Service [managed by maas-installer]");
        assertThat(noDescription.proxy().credentialsLocation()).isEqualTo("headers");
    }

    @Test
    void policyChainIsCorsThenCustomPoliciesThenApicast() {
        ModelProduct p = build(model("Docling", "docling", "docling.json"), ProductsConfig.defaults());
        assertThat(p.policyChain().toJsonString()).isEqualTo(CHAIN_JSON);
        assertThat(p.policyChain().summary()).isEqualTo("cors, remove-bearer 0.1.0, apicast");

        ModelProduct none = ModelCatalog.build(model("Docling", "docling", "docling.json"), 0,
                ProductsConfig.defaults(), List.of());
        assertThat(none.policyChain().summary()).isEqualTo("cors, apicast");
    }

    @Test
    void theActiveDocIsTheDocumentAsJsonWithItsOwnServersOrAGeneratedOne() throws IOException {
        Path yaml = Files.writeString(tmp.resolve("served.yaml"), """
                openapi: 3.0.3
                info: {title: Served, version: "1"}
                servers:
                  - url: https://granite.example.com/v1
                paths:
                  /v1/models: {get: {summary: List Models}}
                """);
        ModelProduct p = build(new ModelConfig("Granite", "granite", "http://g:8080", yaml.toString(), null),
                ProductsConfig.defaults());
        assertThat(p.activeDoc().systemName()).isEqualTo("granite");
        assertThat(p.activeDoc().name()).isEqualTo("Granite");
        assertThat(p.activeDoc().body().toString()).isEqualTo("{\"openapi\":\"3.0.3\",\"info\":{\"title\":"
                + "\"Served\",\"version\":\"1\"},\"servers\":[{\"url\":\"https://granite.example.com/v1\"}],"
                + "\"paths\":{\"/v1/models\":{\"get\":{\"summary\":\"List Models\"}}}}");

        ModelProduct none = build(new ModelConfig("Llama Guard", "llama-guard", "http://l:8080", null, null),
                ProductsConfig.defaults());
        String generated = none.activeDoc().body().toString();
        assertThat(OpenApiOperations.parse(generated, "generated", "f")).containsExactlyElementsOf(
                OpenApiOperations.openAiDefaults());
        assertThat(none.activeDoc().body().path("info").path("title").asText()).isEqualTo("Llama Guard");
        assertThat(none.activeDoc().body().path("openapi").asText()).startsWith("3.0");
    }

    @Test
    void everythingIsStableAcrossRunsAndAcrossReorderedDocuments() throws IOException {
        ModelConfig m = model("Mistral", "mistral", "mistral-7b-instruct-v0.3.json");
        assertThat(build(m, ProductsConfig.defaults())).isEqualTo(build(m, ProductsConfig.defaults()));

        Path reordered = Files.writeString(tmp.resolve("reordered.yaml"), """
                openapi: 3.0.3
                paths:
                  /v1/embeddings: {post: {summary: Create Embedding}}
                  /v1/chat/completions: {post: {summary: Create Chat Completion}}
                  /v1/models: {get: {summary: Show Available Models}}
                """);
        ModelProduct original = build(m, ProductsConfig.defaults());
        ModelProduct other = build(new ModelConfig("Mistral", "mistral", "http://m:8080", reordered.toString(), null),
                ProductsConfig.defaults());
        for (Method method : other.methods()) {
            assertThat(original.methods()).contains(method);
        }
        assertThat(other.mappingRules()).extracting(MappingRule::key).containsExactly(
                "POST /v1/embeddings$ -> post_v1_embeddings", "POST /v1/chat/completions$ -> post_v1_chat_completions",
                "GET /v1/models$ -> get_v1_models");
    }

    @Test
    void duplicateSummariesFallBackToMethodAndPath() throws IOException {
        Path doc = Files.writeString(tmp.resolve("dup.json"), "{\"openapi\": \"3.0.0\", \"paths\": {"
                + "\"/a\": {\"get\": {\"summary\": \"Health\"}}, \"/b\": {\"get\": {\"summary\": \"health.\"}},"
                + " \"/c\": {\"get\": {}}}}");
        ModelProduct p = build(new ModelConfig("X", "x", "http://x:1", doc.toString(), null),
                ProductsConfig.defaults());
        assertThat(p.methods()).extracting(Method::friendlyName).containsExactly("GET /a", "GET /b", "GET /c");
    }

    @Test
    void errorsNameTheModelsField() throws IOException {
        Path broken = Files.writeString(tmp.resolve("broken.json"), "{\"openapi\": ");
        InstallerConfig config = new InstallerConfig(null, null, null, null, List.of(
                model("Docling", "docling", "docling.json"),
                new ModelConfig("Broken", "broken", "http://b:1", broken.toString(), null)), null, null, null);
        assertThatThrownBy(() -> ModelCatalog.build(config, REMOVE_BEARER))
                .isInstanceOfSatisfying(CatalogException.class, e -> assertThat(e.field()).isEqualTo(
                        "models[1].openapi"))
                .hasMessageContaining("models[1].openapi: " + broken + " is not valid JSON");

        Path clash = Files.writeString(tmp.resolve("clash.json"), "{\"openapi\": \"3.0.0\", \"paths\": {"
                + "\"/v1/models/{model}\": {\"get\": {}}, \"/v1/models/model\": {\"get\": {}}}}");
        assertThatThrownBy(() -> ModelCatalog.build(new ModelConfig("C", "c", "http://c:1", clash.toString(), null),
                2, ProductsConfig.defaults(), REMOVE_BEARER))
                .hasMessage("models[2].openapi: operations GET /v1/models/{model} and GET /v1/models/model would both"
                        + " be 3scale method get_v1_models_model: rename one of the paths");

        assertThatThrownBy(() -> ModelCatalog.build(new ModelConfig("C", "c", " ", null, null), 4,
                ProductsConfig.defaults(), REMOVE_BEARER)).hasMessageStartingWith("models[4].url: required");
        assertThatThrownBy(() -> ModelCatalog.build(new ModelConfig("C", null, "http://c:1", null, null), 0,
                ProductsConfig.defaults(), REMOVE_BEARER)).hasMessageStartingWith("models[0].systemName: required");
        assertThatThrownBy(() -> ModelCatalog.build(new ModelConfig("C", "c", "http://c:1", null, null), 0,
                new ProductsConfig("cookie", null, null), REMOVE_BEARER))
                .hasMessageStartingWith("products.credentialsLocation: 'cookie' is not one of");
    }

    @Test
    void buildAllKeepsTheConfigOrder() {
        InstallerConfig config = new InstallerConfig(null, null, null, null, List.of(
                model("Docling", "docling", "docling.json"),
                model("Nomic", "nomic", "nomic-embed-text-v1.5.json")), null, null, null);
        assertThat(ModelCatalog.build(config, REMOVE_BEARER)).extracting(ModelProduct::systemName)
                .containsExactly("docling", "nomic");
    }

    private static ModelProduct build(ModelConfig m, ProductsConfig products) {
        return ModelCatalog.build(m, 0, products, REMOVE_BEARER);
    }

    private static ModelConfig model(String name, String systemName, String doc) {
        return new ModelConfig(name, systemName, "http://" + systemName + ".llm-hosting.svc.cluster.local:8080",
                DEFINITIONS.resolve(doc).toString(), null);
    }

    private static List<String> methods(ModelProduct p) {
        return p.methods().stream().map(m -> m.systemName() + " | " + m.friendlyName() + " | " + m.description())
                .toList();
    }

    private static List<String> rules(ModelProduct p) {
        return p.mappingRules().stream().map(r -> r.position() + " " + r.key()).toList();
    }

    private static org.assertj.core.groups.Tuple tuple(Object... values) {
        return org.assertj.core.groups.Tuple.tuple(values);
    }
}
