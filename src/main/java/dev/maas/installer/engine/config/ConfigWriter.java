package dev.maas.installer.engine.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.maas.installer.engine.files.PrivateFiles;
import dev.maas.installer.engine.secrets.SecretRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a configuration as the {@code maas-installer.yaml} that {@link ConfigLoader#load} reads back to an equal
 * configuration (the wizard's "Export config…"). Only set values are written. The configuration never holds a secret
 * (only the names of environment variables and the paths of files that hold them); every string still passes
 * through the secret registry, so a value typed by mistake into a field is masked rather than written.
 */
public final class ConfigWriter {
    private static final ObjectMapper YAML = JsonMapper.builder(new YAMLFactory()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS))
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    private ConfigWriter() { }

    /** The configuration as YAML, masked with the process-wide secret registry. */
    public static String toYaml(InstallerConfig config) {
        return toYaml(config, SecretRegistry.global());
    }

    /** The configuration as YAML; every string value is passed through {@code secrets}. */
    public static String toYaml(InstallerConfig config, SecretRegistry secrets) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(secrets, "secrets");
        JsonNode tree = YAML.valueToTree(config);
        prune(tree, secrets);
        try {
            String yaml = YAML.writeValueAsString(tree);
            return yaml.strip().equals("{}") ? "" : yaml;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the configuration as YAML", e);
        }
    }

    /** Writes {@link #toYaml(InstallerConfig)} to {@code file}: atomically, readable by its owner only on POSIX. */
    public static void write(InstallerConfig config, Path file) {
        writePrivate(file, toYaml(config).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes bytes to a file atomically and owner-only (0600, private before its first byte; a file that existed
     * with wider permissions is replaced by a 0600 one): see {@link PrivateFiles#replace}.
     */
    public static void writePrivate(Path file, byte[] content) {
        try {
            PrivateFiles.replace(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** Drops nulls and empty sections or lists; redacts every string. */
    private static boolean prune(JsonNode node, SecretRegistry secrets) {
        if (node instanceof ObjectNode o) {
            Iterator<Map.Entry<String, JsonNode>> it = o.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                if (v.isNull() || !prune(v, secrets)) {
                    it.remove();
                } else if (v.isTextual()) {
                    e.setValue(TextNode.valueOf(secrets.redact(v.textValue())));
                }
            }
            return o.size() > 0;
        }
        if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                JsonNode v = a.get(i);
                if (v.isTextual()) {
                    a.set(i, TextNode.valueOf(secrets.redact(v.textValue())));
                } else {
                    prune(v, secrets);
                }
            }
            return a.size() > 0;
        }
        return true;
    }
}
