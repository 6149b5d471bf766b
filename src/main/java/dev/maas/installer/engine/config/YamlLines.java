package dev.maas.installer.engine.config;

import com.fasterxml.jackson.databind.JsonMappingException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.StringReader;
import java.util.List;
import java.util.Optional;

/** Finds the line of a key path in YAML text, so that messages point at the key the user wrote. */
final class YamlLines {
    private YamlLines() { }

    static Optional<Integer> lineOf(String yaml, List<JsonMappingException.Reference> path) {
        try {
            Node node = new Yaml(new LoaderOptions()).compose(new StringReader(yaml));
            Node keyNode = null;
            for (JsonMappingException.Reference ref : path) {
                if (node instanceof SequenceNode seq && ref.getIndex() >= 0 && ref.getIndex() < seq.getValue().size()) {
                    node = seq.getValue().get(ref.getIndex());
                    keyNode = node;
                } else if (node instanceof MappingNode map && ref.getFieldName() != null) {
                    Node found = null;
                    for (NodeTuple t : map.getValue()) {
                        if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(ref.getFieldName())) {
                            keyNode = t.getKeyNode();
                            found = t.getValueNode();
                            break;
                        }
                    }
                    if (found == null) {
                        return Optional.empty();
                    }
                    node = found;
                } else {
                    return Optional.empty();
                }
            }
            return keyNode == null ? Optional.empty() : Optional.of(keyNode.getStartMark().getLine() + 1);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
