package dev.maas.installer.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The user's local Maven repository, found by Maven's own rule (Maven's {@code RepositorySystem}: the
 * {@code maven.repo.local} property, else the user settings' {@code <localRepository>}, else
 * {@code <user home>/.m2/repository}; the user settings are {@code <user home>/.m2/settings.xml}, {@code MavenCli}),
 * with one difference: the user's home is {@code $HOME} when it is set, and the JVM's {@code user.home} (the
 * password database's home) only without it. A packaged launcher run with another {@code HOME} (a fresh home, a
 * test) then looks where that home says, as the shell's {@code mvn} of that user would.
 */
final class MavenLocalRepository {
    /** Maven's property naming the local repository. */
    static final String PROPERTY = "maven.repo.local";

    private static final Pattern COMMENT = Pattern.compile("<!--.*?-->", Pattern.DOTALL);
    private static final Pattern LOCAL_REPOSITORY = Pattern.compile(
            "<localRepository>\\s*([^<]*?)\\s*</localRepository>");
    private static final Pattern EXPRESSION = Pattern.compile("\\$\\{([^}]+)}");

    private MavenLocalRepository() {
    }

    /** This JVM's: its system properties and environment. */
    static Path ofThisProcess() {
        return of(System::getProperty, System::getenv);
    }

    static Path of(Function<String, String> properties, Function<String, String> env) {
        String local = properties.apply(PROPERTY);
        if (local != null && !local.isBlank()) {
            return Path.of(local.trim()).toAbsolutePath();
        }
        Path home = home(properties, env);
        return fromSettings(home.resolve(".m2").resolve("settings.xml"), home, properties, env)
                .orElse(home.resolve(".m2").resolve("repository"));
    }

    /** {@code $HOME} when set to an absolute path, else {@code user.home}. */
    static Path home(Function<String, String> properties, Function<String, String> env) {
        String home = env.apply("HOME");
        if (home != null && !home.isBlank() && Path.of(home.trim()).isAbsolute()) {
            return Path.of(home.trim());
        }
        return Path.of(properties.apply("user.home"));
    }

    /**
     * The {@code <localRepository>} of a settings file (comments skipped), with Maven's {@code ${user.home}},
     * {@code ${env.NAME}} and system property expressions replaced; empty when the file or the element is not there.
     */
    static Optional<Path> fromSettings(Path settings, Path home, Function<String, String> properties,
            Function<String, String> env) {
        String xml;
        try {
            if (!Files.isRegularFile(settings)) {
                return Optional.empty();
            }
            xml = Files.readString(settings);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        Matcher m = LOCAL_REPOSITORY.matcher(COMMENT.matcher(xml).replaceAll(""));
        if (!m.find() || m.group(1).isBlank()) {
            return Optional.empty();
        }
        Matcher e = EXPRESSION.matcher(m.group(1));
        StringBuilder value = new StringBuilder();
        while (e.find()) {
            String name = e.group(1);
            String replacement = name.equals("user.home") ? home.toString()
                    : name.startsWith("env.") ? env.apply(name.substring(4)) : properties.apply(name);
            e.appendReplacement(value, Matcher.quoteReplacement(replacement != null ? replacement : e.group()));
        }
        e.appendTail(value);
        return Optional.of(Path.of(value.toString()).toAbsolutePath());
    }
}
