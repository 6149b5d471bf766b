package dev.maas.installer.catalog.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PolicyBundleTest {
    private static final Path REMOVE_BEARER = Path.of("installer-assets/policies/remove-bearer");
    private static final Path LLM_TOKEN_USAGE = Path.of("installer-assets/policies/llm-token-usage");
    private static final Path RUNBOOK_MANIFEST =
            Path.of("src/test/resources/reference/models-aas/remove-bearer.apicast-policy.json");

    @TempDir
    Path tmp;

    @Test
    void removeBearerFolderIsAValidPolicy() throws IOException {
        PolicyBundle b = PolicyBundle.load(REMOVE_BEARER);

        assertThat(b.name()).isEqualTo("remove-bearer");
        assertThat(b.version()).isEqualTo("0.1.0");
        assertThat(b.title()).isEqualTo("Remove Bearer");
        assertThat(b.summary()).hasSizeLessThanOrEqualTo(75).containsIgnoringCase("bearer");
        assertThat(b.description()).isNotEmpty();
        assertThat(b.files()).containsOnlyKeys("apicast-policy.json", "init.lua", "remove_bearer.lua");
        assertThat(b.files().get("init.lua")).isEqualTo(
                Files.readString(REMOVE_BEARER.resolve("init.lua"), StandardCharsets.UTF_8));
        assertThat(b.configurationSchema().toString()).isEqualTo("{\"type\":\"object\",\"properties\":{}}");
        assertThat(b.manifest().get("$schema").asText()).isEqualTo("http://apicast.io/policy-v1/schema#manifest#");
    }

    @Test
    void bundledCopyOnTheClassPathIsTheSameAsTheFolder() {
        PolicyBundle fromFolder = PolicyBundle.load(REMOVE_BEARER);
        PolicyBundle bundled = PolicyBundle.removeBearer();

        assertThat(bundled.name()).isEqualTo(fromFolder.name());
        assertThat(bundled.version()).isEqualTo(fromFolder.version());
        assertThat(bundled.files()).isEqualTo(fromFolder.files());
    }

    @Test
    void llmTokenUsageFolderIsAValidPolicyAndItsClassPathCopyIsTheSame() {
        PolicyBundle b = PolicyBundle.load(LLM_TOKEN_USAGE);

        assertThat(b.name()).isEqualTo(PolicyBundle.LLM_TOKEN_USAGE);
        assertThat(b.version()).isEqualTo("0.1.0");
        assertThat(b.title()).isEqualTo("LLM Token Usage");
        assertThat(b.files()).containsOnlyKeys("apicast-policy.json", "init.lua", "llm_token_usage.lua");
        assertThat(b.files().get("init.lua")).contains("return require('llm_token_usage')");
        JsonNode properties = b.configurationSchema().get("properties");
        assertThat(properties.get("prompt_tokens_metric").get("default").asText()).isEqualTo("prompt_tokens");
        assertThat(properties.get("completion_tokens_metric").get("default").asText()).isEqualTo("completion_tokens");
        assertThat(properties.get("total_tokens_metric").get("default").asText()).isEqualTo("total_tokens");
        Matcher m = Pattern.compile("policy\\.new\\('([^']+)', '([^']+)'\\)")
                .matcher(b.files().get("llm_token_usage.lua"));
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo(b.name());
        assertThat(m.group(2)).as("the module's version must follow the manifest's").isEqualTo(b.version());
        assertThat(PolicyBundle.volumeNameProblem(b.name(), b.version())).isNull();

        PolicyBundle bundled = PolicyBundle.llmTokenUsage();
        assertThat(bundled.files()).isEqualTo(b.files());
        assertThat(bundled.version()).isEqualTo(b.version());
    }

    @Test
    void manifestHasTheFieldsOfTheRunbookManifestAndTheCustomPolicyDefinitionSchema() throws IOException {
        JsonNode runbook = new ObjectMapper().readTree(RUNBOOK_MANIFEST.toFile());
        JsonNode ours = PolicyBundle.load(REMOVE_BEARER).manifest();
        List<String> runbookFields = iterate(runbook);
        // Everything the runbook's manifest declares, ours declares too (in our own words).
        assertThat(iterate(ours)).containsAll(runbookFields);
        // CustomPolicyDefinition.spec.schema requires these, and wants description as an array of strings.
        assertThat(ours.has("$schema") && ours.has("name") && ours.has("summary") && ours.has("version")
                && ours.has("configuration")).isTrue();
        assertThat(ours.get("description").isArray()).isTrue();
        ours.get("description").forEach(line -> assertThat(line.isTextual()).isTrue());
    }

    @Test
    void luaModuleDeclaresTheSameNameAndVersionAndARewritePhase() {
        PolicyBundle b = PolicyBundle.load(REMOVE_BEARER);
        String init = b.files().get("init.lua");
        String module = b.files().get("remove_bearer.lua");

        assertThat(init).contains("return require('remove_bearer')");
        Matcher m = Pattern.compile("policy\\.new\\('([^']+)', '([^']+)'\\)").matcher(module);
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo(b.name());
        assertThat(m.group(2)).as("the module's version must follow the manifest's").isEqualTo(b.version());
        assertThat(module).contains("function _M:rewrite()").contains("ngx.req.set_header('Authorization'")
                .contains("return _M");
    }

    @Test
    void aUserPolicyWithSeveralModulesAndAStringDescriptionLoads() throws IOException {
        Path dir = policy("llm-metrics", manifest("\"0.1\""), "return require('llm')");
        Files.writeString(dir.resolve("llm.lua"), "local r = require('response')\nlocal p = require('apicast.policy')\n");
        Files.writeString(dir.resolve("response.lua"), "return {}\n");

        PolicyBundle b = PolicyBundle.load(dir);

        assertThat(b.name()).isEqualTo("llm-metrics");
        assertThat(b.version()).isEqualTo("0.1");
        assertThat(b.description()).containsExactly("Counts things.");
        assertThat(b.files()).containsOnlyKeys("apicast-policy.json", "init.lua", "llm.lua", "response.lua");
    }

    @Test
    void errorsNameTheFolderTheFileAndTheField() throws IOException {
        assertError(policy("p1", null, "return require('x')"), "p1", "apicast-policy.json is missing");
        Path noInit = policy("p2", manifest("\"1.0.0\""), null);
        assertError(noInit, "p2", "init.lua is missing");
        assertError(policy("p3", "{ \"name\": ", "return {}"), "apicast-policy.json: not valid JSON");
        assertError(policy("p4", "[1]", "return {}"), "apicast-policy.json: must be a JSON object");
        assertError(policy("p5", manifest("\"1.0.0\"").replace("\"summary\": \"Counts.\",", ""), "return {}"),
                "apicast-policy.json: field summary is missing");
        assertError(policy("p6", manifest("\"latest\""), "return {}"), "field version 'latest' is not a version");
        assertError(policy("p7", manifest("\"builtin\""), "return {}"), "field version 'builtin'");
        assertError(policy("p8", manifest("1"), "return {}"), "field version must be a non-empty string");
        assertError(policy("p9", manifest("\"1.0.0\"").replace("Counts.", "x".repeat(76)), "return {}"),
                "field summary has 76 characters");
        assertError(policy("p10", manifest("\"1.0.0\"").replace("\"$schema\": \"http://apicast.io/policy-v1/schema"
                + "#manifest#\"", "\"$schema\": \"http://json-schema.org/draft-07/schema#\""), "return {}"),
                "field $schema is 'http://json-schema.org/draft-07/schema#'");
        assertError(policy("p11", manifest("\"1.0.0\"", "{\"type\": \"array\"}"), "return {}"),
                "field configuration must be a JSON schema of type \"object\"");
        assertError(policy("p12", manifest("\"1.0.0\"",
                "{\"type\": \"object\", \"properties\": {\"limit\": {\"type\": \"int\"}}}"), "return {}"),
                "configuration.properties.limit.type is \"int\"");
        assertError(policy("p13", manifest("\"1.0.0\"",
                "{\"type\": \"object\", \"properties\": {}, \"required\": [\"limit\"]}"), "return {}"),
                "configuration.required names \"limit\", which is not one of its properties");
        assertError(policy("p14", manifest("\"1.0.0\"").replace("\"configuration\": {\"type\": \"object\","
                + " \"properties\": {}}", "\"configuration\": null"), "return {}"), "field configuration is missing");
        assertError(policy("p15", manifest("\"1.0.0\""), "return require('my_policy')"),
                "init.lua requires 'my_policy' but there is no my_policy.lua in the folder");
        assertError(policy("p16", manifest("\"1.0.0\""), "-- nothing here\nreturn nil"),
                "init.lua neither requires a module of this folder nor defines the policy");
        assertError(policy("Bad Name", manifest("\"1.0.0\""), "return {}"),
                "the folder name 'Bad Name' is the policy's name");
    }

    @Test
    void theNameIsADns1123LabelAndTheApicastVolumeNameFitsIn63Characters() throws IOException {
        // the name is a Kubernetes object name (CustomPolicyDefinition, Secret apicast-policy-<name>): no '_'
        assertError(policy("my_policy", manifest("\"1.0.0\""), "local function f() end return {}"),
                "the folder name 'my_policy' is the policy's name and must be a DNS-1123 label",
                "rename the folder, e.g. to 'my-policy'");
        // 3scale-operator apicast_options.go: volume policy-<version>-<name>, [^0-9A-Za-z-] removed: 7+7+1+49 = 64
        String name = "b".repeat(49);
        assertThat(PolicyBundle.volumeName(name, "1.0.0-rc.1")).isEqualTo("policy-100-rc1-" + name);
        assertError(policy(name, manifest("\"1.0.0-rc.1\""), "local function f() end return {}"),
                "volume 'policy-100-rc1-" + name + "'", "64 characters", "Kubernetes allows 63",
                "at most 48 characters");
        assertThat(PolicyBundle.load(policy("b".repeat(48), manifest("\"1.0.0-rc.1\""),
                "local function f() end return {}")).name()).hasSize(48);
    }

    @Test
    void subFoldersNonUtf8AndMissingFoldersAreRejected() throws IOException {
        Path withSub = policy("sub", manifest("\"1.0.0\""), "local function f() end return {}");
        Files.createDirectories(withSub.resolve("lib"));
        assertError(withSub, "sub-folder lib is not supported");

        Path binary = policy("bin", manifest("\"1.0.0\""), "local function f() end return {}");
        Files.write(binary.resolve("blob.lua"), new byte[] {(byte) 0xff, (byte) 0xfe, 0x00});
        assertError(binary, "blob.lua is not UTF-8 text");

        assertError(tmp.resolve("nowhere"), "not a folder");
    }

    @Test
    void aBundleOverTheSecretSizeLimitIsRejected() {
        Map<String, byte[]> files = Map.of("apicast-policy.json", manifest("\"1.0.0\"").getBytes(StandardCharsets.UTF_8),
                "init.lua", "return require('big')".getBytes(StandardCharsets.UTF_8),
                "big.lua", ("-- " + "x".repeat(PolicyBundle.MAX_TOTAL_BYTES)).getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> PolicyBundle.of("big", new java.util.TreeMap<>(files), "policy big"))
                .isInstanceOf(PolicyBundleException.class)
                .hasMessageContaining("policy big: the files add up to")
                .hasMessageContaining("a Secret holds at most 1048576");
    }

    private void assertError(Path dir, String... fragments) {
        var thrown = assertThatThrownBy(() -> PolicyBundle.load(dir)).isInstanceOf(PolicyBundleException.class)
                .hasMessageStartingWith("policy folder " + dir);
        for (String f : fragments) {
            thrown.hasMessageContaining(f);
        }
    }

    private Path policy(String name, String manifest, String init) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        if (manifest != null) {
            Files.writeString(dir.resolve("apicast-policy.json"), manifest);
        }
        if (init != null) {
            Files.writeString(dir.resolve("init.lua"), init);
        }
        return dir;
    }

    private static String manifest(String version) {
        return manifest(version, "{\"type\": \"object\", \"properties\": {}}");
    }

    private static String manifest(String version, String configuration) {
        return "{\"$schema\": \"http://apicast.io/policy-v1/schema#manifest#\", \"name\": \"A policy\","
                + " \"summary\": \"Counts.\", \"description\": \"Counts things.\", \"version\": " + version + ","
                + " \"configuration\": " + configuration + "}";
    }

    private static List<String> iterate(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
