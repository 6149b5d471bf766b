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

    /**
     * The line of the last occurrence of a key given more than once: {@code path} holds keys (String) and list
     * indexes (Integer), the last one being the repeated key.
     */
    static Optional<Integer> lineOfRepeatedKey(String yaml, List<Object> path) {
        try {
            Node node = new Yaml(new LoaderOptions()).compose(new StringReader(yaml));
            for (int i = 0; i < path.size(); i++) {
                Object step = path.get(i);
                boolean last = i == path.size() - 1;
                if (step instanceof Integer index && node instanceof SequenceNode seq && index < seq.getValue().size()) {
                    node = seq.getValue().get(index);
                } else if (step instanceof String key && node instanceof MappingNode map) {
                    Node found = null;
                    Node foundKey = null;
                    for (NodeTuple t : map.getValue()) {
                        if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                            foundKey = t.getKeyNode();
                            found = t.getValueNode();
                            if (!last) {
                                break; // the path goes through the first one, as the parser does
                            }
                        }
                    }
                    if (found == null) {
                        return Optional.empty();
                    }
                    if (last) {
                        return Optional.of(foundKey.getStartMark().getLine() + 1);
                    }
                    node = found;
                } else {
                    return Optional.empty();
                }
            }
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

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
