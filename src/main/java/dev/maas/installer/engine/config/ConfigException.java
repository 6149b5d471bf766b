package dev.maas.installer.engine.config;

import java.util.List;
import java.util.stream.Collectors;

/** The configuration cannot be used. Every problem names the field and the fix. */
public class ConfigException extends RuntimeException {
    private final List<ConfigProblem> problems;

    public ConfigException(String source, List<ConfigProblem> problems) {
        super("invalid configuration" + (source == null ? "" : " in " + source) + ":\n"
                + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() { return problems; }
}
