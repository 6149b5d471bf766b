package dev.maas.installer.catalog;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.catalog.FieldDiff.KeyedDiff;
import dev.maas.installer.catalog.ModelProduct.MappingRule;
import dev.maas.installer.engine.FieldChange;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class FieldDiffTest {

    @Test
    void onlyDesiredFieldsAreComparedAndChangesGoFromLiveToDesired() {
        Map<String, Object> desired = new LinkedHashMap<>();
        desired.put("name", "Granite");
        desired.put("description", "new");
        Map<String, Object> live = Map.of("id", 7, "name", "Granite", "description", "old", "state", "incomplete");

        assertThat(FieldDiff.compare(desired, live)).containsExactly(
                Map.entry("description", new FieldChange("old", "new")));
    }

    @Test
    void formOnlyDifferencesAreNotChanges() throws Exception {
        Map<String, Object> desired = new LinkedHashMap<>();
        desired.put("backend_version", "1");
        desired.put("delta", 1);
        desired.put("last", false);
        desired.put("position", 2);
        desired.put("private_endpoint", "http://granite.svc:8080");
        desired.put("http_method", "POST");
        desired.put("description", "Line one\nline two");
        desired.put("secret_token", null);
        desired.put("allow_headers", List.of("Authorization", "Accept"));
        desired.put("configuration", Map.of("a", 1, "b", "x"));

        Map<String, Object> live = new HashMap<>();
        live.put("backend_version", 1);
        live.put("delta", "1.0");
        live.put("last", "False");
        live.put("position", 2L);
        live.put("private_endpoint", "HTTP://Granite.svc:8080/");
        live.put("http_method", "post");
        live.put("description", "  Line one\r\nline two ");
        live.put("secret_token", "");
        live.put("allow_headers", new ObjectMapper().readTree("[\"Authorization\", \"Accept\"]"));
        live.put("configuration", new ObjectMapper().readTree("{\"b\": \"x\", \"a\": \"1\", \"c\": null}"));

        assertThat(FieldDiff.compare(desired, live)).isEmpty();
    }

    @Test
    void desiredProductAndBackendMatchTheirLive3scaleRepresentation() throws Exception {
        ModelProduct p = ModelCatalog.build(new dev.maas.installer.engine.config.InstallerConfig.ModelConfig(
                "Granite", "granite", "http://granite.llm.svc.cluster.local:8080", null, null), 0,
                dev.maas.installer.engine.config.InstallerConfig.ProductsConfig.defaults(), List.of());
        ObjectMapper json = new ObjectMapper();
        @SuppressWarnings("unchecked")
        Map<String, Object> service = (Map<String, Object>) json.readValue("{\"service\":{\"id\":3,\"name\":\"Granite\","
                + "\"state\":\"incomplete\",\"system_name\":\"granite\",\"backend_version\":\"1\","
                + "\"deployment_option\":\"hosted\",\"support_email\":\"admin@maas\",\"description\":"
                + "\"Granite, served by Models as a Service [managed by maas-installer]\","
                + "\"created_at\":\"2026-01-01T00:00:00Z\",\"links\":[]}}", Map.class).get("service");
        @SuppressWarnings("unchecked")
        Map<String, Object> backend = (Map<String, Object>) json.readValue("{\"backend_api\":{\"id\":5,"
                + "\"name\":\"Granite\",\"system_name\":\"granite\",\"description\":\"Granite, served by Models"
                + " as a Service [managed by maas-installer]\",\"private_endpoint\":"
                + "\"http://granite.llm.svc.cluster.local:8080/\",\"account_id\":2}}", Map.class).get("backend_api");

        assertThat(FieldDiff.compare(p.product().attributes(), service)).isEmpty();
        assertThat(FieldDiff.compare(p.backend().attributes(), backend)).isEmpty();
        assertThat(FieldDiff.compare(p.proxy().attributes(), Map.of("auth_user_key", "user_key",
                "credentials_location", "query", "endpoint", "https://x"))).containsExactly(
                Map.entry("auth_user_key", new FieldChange("user_key", "Authorization")),
                Map.entry("credentials_location", new FieldChange("query", "headers")));
    }

    @Test
    void urlsNormaliseDefaultPortsAndTrailingSlashesButNotPathsOrSchemes() {
        assertThat(FieldDiff.sameValue("private_endpoint", "https://a.example.com:443/", "https://a.example.com"))
                .isTrue();
        assertThat(FieldDiff.sameValue("private_endpoint", "http://a:80//", "http://a")).isTrue();
        assertThat(FieldDiff.sameValue("private_endpoint", "http://a:8080/v1/", "http://a:8080/v1")).isTrue();
        assertThat(FieldDiff.sameValue("private_endpoint", "http://a:8080/v1", "http://a:8080")).isFalse();
        assertThat(FieldDiff.sameValue("private_endpoint", "https://a", "http://a")).isFalse();
        assertThat(FieldDiff.sameValue("sandbox_endpoint", "http://a:81", "http://a")).isFalse();
        // outside URL fields a trailing slash is a real difference (e.g. a mapping rule pattern)
        assertThat(FieldDiff.sameValue("pattern", "/v1/models/", "/v1/models")).isFalse();
    }

    @Test
    void realDifferencesAreReportedWithTheirOriginalValues() {
        Map<String, Object> desired = new LinkedHashMap<>();
        desired.put("private_endpoint", "http://granite.svc:8080");
        desired.put("delta", 1);
        desired.put("last", false);
        desired.put("allow_headers", List.of("Authorization", "Accept"));
        desired.put("name", "Granite");
        Map<String, Object> live = Map.of("private_endpoint", "http://old.svc:8080/", "delta", "2", "last", "true",
                "allow_headers", List.of("Accept", "Authorization"));

        assertThat(FieldDiff.compare(desired, live)).containsExactly(
                Map.entry("private_endpoint", new FieldChange("http://old.svc:8080/", "http://granite.svc:8080")),
                Map.entry("delta", new FieldChange("2", "1")),
                Map.entry("last", new FieldChange("true", "false")),
                Map.entry("allow_headers", new FieldChange("[\"Accept\",\"Authorization\"]",
                        "[\"Authorization\",\"Accept\"]")),
                Map.entry("name", new FieldChange(null, "Granite")));
        assertThat(FieldDiff.compare(Map.of("name", "x"), null)).containsExactly(
                Map.entry("name", new FieldChange(null, "x")));
    }

    @Test
    void keyedListsFindMissingExtraDuplicateAndChangedEntries() {
        List<Map<String, Object>> desired = List.of(
                new MappingRule("POST", "/v1/chat/completions$", "post_v1_chat_completions", 1, false, 1).attributes(),
                new MappingRule("GET", "/v1/models$", "get_v1_models", 1, false, 2).attributes(),
                new MappingRule("POST", "/v1/embeddings$", "post_v1_embeddings", 1, false, 3).attributes());
        Map<String, Object> defaultRule = live("GET", "/", "hits", "1", "false", "1");
        Map<String, Object> chat = live("post", "/v1/chat/completions$", "post_v1_chat_completions", "1", "false", "1");
        Map<String, Object> models = live("GET", "/v1/models$", "get_v1_models", "5", "false", "2");
        Map<String, Object> duplicate = live("GET", "/v1/models$", "get_v1_models", "1", "false", "3");

        KeyedDiff diff = FieldDiff.compareByKey(desired, List.of(defaultRule, chat, models, duplicate),
                FieldDiffTest::ruleKey);

        assertThat(diff.missing().stream().map(m -> String.valueOf(m.get("pattern"))).toList()).containsExactly("/v1/embeddings$");
        assertThat(diff.extra()).containsExactly(defaultRule, duplicate);
        assertThat(diff.changed()).containsOnlyKeys("GET /v1/models$ -> get_v1_models");
        assertThat(diff.changed().get("GET /v1/models$ -> get_v1_models")).containsExactly(
                Map.entry("delta", new FieldChange("5", "1")));
        assertThat(diff.isEmpty()).isFalse();

        // positions renumbered by 3scale (here after the default rule at 1 was deleted) are not a change
        KeyedDiff same = FieldDiff.compareByKey(desired, List.of(
                live("POST", "/v1/embeddings$", "post_v1_embeddings", "1", "false", "2"),
                live("POST", "/v1/chat/completions$", "post_v1_chat_completions", "1", "false", "3"),
                live("GET", "/v1/models$", "get_v1_models", "1", "false", "4")), FieldDiffTest::ruleKey);
        assertThat(same.isEmpty()).isTrue();
    }

    private static String ruleKey(Map<String, ?> m) {
        return MappingRule.key(String.valueOf(m.get("http_method")).toUpperCase(java.util.Locale.ROOT),
                String.valueOf(m.get("pattern")), String.valueOf(m.get("metric_system_name")));
    }

    private static Map<String, Object> live(String method, String pattern, String metric, String delta, String last,
                                            String position) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", pattern.hashCode());
        m.put("http_method", method);
        m.put("pattern", pattern);
        m.put("metric_system_name", metric);
        m.put("delta", delta);
        m.put("last", last);
        m.put("position", position);
        return m;
    }
}
