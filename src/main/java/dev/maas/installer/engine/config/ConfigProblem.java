package dev.maas.installer.engine.config;

/** One problem in the configuration: the field's path (e.g. {@code models[2].url}) and what is wrong and how to fix it. */
public record ConfigProblem(String path, String message) {
    @Override
    public String toString() { return (path == null || path.isEmpty() ? "(file)" : path) + ": " + message; }
}
