package dev.maas.installer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The examples in docs/cli-json.md are valid JSON with exactly the keys the CLI writes. */
class CliJsonDocsTest {
    @Test
    void documentedExamplesMatchTheWrittenShape() throws Exception {
        String doc = Files.readString(Path.of("docs/cli-json.md"));
        Matcher m = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        List<JsonNode> examples = new ArrayList<>();
        ObjectMapper mapper = new ObjectMapper();
        while (m.find()) {
            examples.add(mapper.readTree(m.group(1)));
        }
        assertThat(examples).hasSizeGreaterThanOrEqualTo(4);
        int stagesSeen = 0;
        for (JsonNode example : examples) {
            List<JsonNode> stages = new ArrayList<>();
            if (example.has("stages")) {
                assertThat(CliCommandsTest.fieldNames(example)).containsExactly("stages");
                example.get("stages").forEach(stages::add);
            } else {
                stages.add(example);
            }
            for (JsonNode s : stages) {
                stagesSeen++;
                String list = s.has("checks") ? "checks" : "changes";
                if (s.has("assumptions")) { // plan
                    assertThat(CliCommandsTest.fieldNames(s)).containsExactly("id", "title", "result", "changes",
                            "error", "fix", "assumptions");
                } else {
                    assertThat(CliCommandsTest.fieldNames(s)).containsExactly("id", "title", "result", list,
                            "error", "fix");
                }
                assertThat(s.get("result").asText()).isIn(java.util.Arrays.stream(
                        dev.maas.installer.engine.run.StageState.values()).map(
                        dev.maas.installer.engine.run.JsonReport::result).toArray());
                if (s.get("result").asText().equals("OK") || s.get("result").asText().equals("WARN")) {
                    assertThat(s.get("error").isNull()).as(s.toString()).isTrue();
                } else {
                    assertThat(s.get("error").isNull()).as(s.toString()).isFalse();
                }
                for (JsonNode item : s.get(list)) {
                    if (list.equals("checks")) {
                        assertThat(CliCommandsTest.fieldNames(item)).containsExactly("status", "name", "message",
                                "fix");
                    } else {
                        assertThat(CliCommandsTest.fieldNames(item)).containsExactly("action", "system", "kind",
                                "name", "fields", "kept");
                        assertThat(item.get("kept").isBoolean()).isTrue();
                        item.get("fields").forEach(f -> assertThat(CliCommandsTest.fieldNames(f))
                                .containsExactly("from", "to"));
                    }
                }
                if (!s.get("fix").isNull()) {
                    assertThat(CliCommandsTest.fieldNames(s.get("fix"))).containsExactly("kind", "target", "hint",
                            "text");
                }
            }
        }
        assertThat(stagesSeen).isGreaterThan(5);
    }
}
